// AWS source: the configuration's own keys (accesskey, secretaccesskey,
// sessiontoken). Alone they travel as plain keys; with rolearn, as the base
// of a chain that assumes it.
#include "providers/aws/aws_identity.h"

namespace ssm {
namespace {

class AwsKeys : public CredentialSource {
 public:
  const char* Name() const override { return "keys"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has("accesskey"); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    AwsChainPlan plan;
    plan.base.kind = AwsBaseSource::Kind::kStatic;
    plan.base.description = c.Id() + " configuration";
    plan.base.keys.access_key_id = c.Get("accesskey");
    plan.base.keys.secret_access_key = SecretString(c.Get("secretaccesskey"));
    plan.base.keys.session_token = SecretString(c.Get("sessiontoken"));
    plan.base.keys.source = plan.base.description;
    return FinishAwsIdentity(q, std::move(plan), r);
  }
};

}  // namespace

const CredentialSource& AwsKeysSource() {
  static const AwsKeys source;
  return source;
}

}  // namespace ssm
