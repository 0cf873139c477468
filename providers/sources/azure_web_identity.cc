// Azure source: a CI job's OIDC ID token (the configuration's `webidentity`)
// as the federated client assertion of the configured app (Validate requires
// clientid and tenantid); fetched or read by the network module when the
// token is minted, never stored.
#include "providers/azure/azure_identity.h"
#include "providers/ci/web_identity_config.h"
#include "providers/credential_source.h"

namespace ssm {
namespace {

class AzureWebIdentity : public CredentialSource {
 public:
  const char* Name() const override { return "webidentity"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has("webidentity"); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    AzurePlanner planner(q.config, q.env, r->registry);
    WebIdentity source = WebIdentityFor(q.config, kAzureWebIdentityAudience, q.env);
    nlohmann::json plan = planner.Base("workload", true);
    plan["tenant"] = planner.TenantId();
    plan["client_id"] = planner.ClientId();
    plan["authority"] = planner.Authority();
    plan["web_identity"] = WebIdentityToJson(source);
    plan["description"] = "web identity (" + source.Describe() + ") for client " + planner.ClientId() + " of tenant " +
                          planner.TenantId();
    return SetAzureChain(plan, r);
  }
};

}  // namespace

const CredentialSource& AzureWebIdentitySource() {
  static const AzureWebIdentity source;
  return source;
}

}  // namespace ssm
