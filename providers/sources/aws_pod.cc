// AWS source: a pod's own web identity (kubelet mode, helper/kubelet.h): its
// service account token, in memory only, for the role its annotation names
// (kPodRoleArn). First for a pod's configuration; with no role there is no
// source, never the node's identity.
#include "common/log.h"
#include "providers/aws/aws_identity.h"

namespace ssm {
namespace {

class AwsPod : public CredentialSource {
 public:
  const char* Name() const override { return "pod"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has(kPodWebIdentityToken); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    if (!c.Has(kPodRoleArn)) {
      SSM_DEBUG(c.Id() + ": aws: the pod's service account names no role; no source");
      return std::nullopt;
    }
    AwsChainPlan plan;
    plan.base.kind = AwsBaseSource::Kind::kWebIdentity;
    plan.base.description = "the pod's service account token for " + c.Get(kPodRoleArn);
    plan.base.role_arn = c.Get(kPodRoleArn);
    plan.base.session_name = kAwsDefaultSessionName;
    plan.base.token = SecretString(c.Get(kPodWebIdentityToken));
    return FinishAwsIdentity(q, std::move(plan), r);
  }
};

}  // namespace

const CredentialSource& AwsPodSource() {
  static const AwsPod source;
  return source;
}

}  // namespace ssm
