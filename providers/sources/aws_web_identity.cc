// AWS source: a CI job's OIDC ID token (the configuration's `webidentity`),
// exchanged with AssumeRoleWithWebIdentity for `rolearn` (Validate requires
// it). The plan names where the token comes from; the network module fetches
// or reads it when it mints.
#include "providers/aws/aws_identity.h"
#include "providers/ci/web_identity_config.h"

namespace ssm {
namespace {

class AwsWebIdentity : public CredentialSource {
 public:
  const char* Name() const override { return "webidentity"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has("webidentity"); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    WebIdentity source = WebIdentityFor(c, kAwsWebIdentityAudience, q.env);
    AwsChainPlan plan;
    plan.base.kind = AwsBaseSource::Kind::kWebIdentity;
    plan.base.role_arn = c.Get("rolearn");
    plan.base.session_name = c.Has("sessionname") ? c.Get("sessionname") : kAwsDefaultSessionName;
    plan.base.web_identity = WebIdentityToJson(source).dump();
    plan.base.description = "web identity (" + source.Describe() + "), role " + plan.base.role_arn;
    return FinishAwsIdentity(q, std::move(plan), r);
  }
};

}  // namespace

const CredentialSource& AwsWebIdentitySource() {
  static const AwsWebIdentity source;
  return source;
}

}  // namespace ssm
