// AWS source: the AWS SDKs' default chain (providers/aws/aws_chain_plan.h:
// environment keys, web identity token file, the profile of the shared files
// or the configuration's `profile`, the container endpoint, instance
// metadata). Applies always, last: nullopt when instance metadata is switched
// off and nothing else is set.
#include "common/files.h"
#include "common/log.h"
#include "providers/aws/aws_identity.h"

namespace ssm {
namespace {

class AwsSdkChain : public CredentialSource {
 public:
  const char* Name() const override { return "chain"; }
  bool Applies(const SourceQuery&) const override { return true; }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    AwsPlanInputs in;
    in.env = q.env;
    in.read_file = [](const std::string& path) -> std::optional<std::string> { return ReadTextFile(path, 1u << 20); };
    in.home = AwsHomeOrEmpty();
    in.profile = q.config.Get("profile");
    std::optional<AwsChainPlan> found = PlanAwsChain(in);
    if (!found) {
      SSM_DEBUG(q.config.Id() + ": aws: no source (environment, shared files, container; instance metadata switched off)");
      return std::nullopt;
    }
    return FinishAwsIdentity(q, std::move(*found), r);
  }
};

}  // namespace

const CredentialSource& AwsSdkChainSource() {
  static const AwsSdkChain source;
  return source;
}

}  // namespace ssm
