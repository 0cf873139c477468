// Azure source: a pod's own workload identity (kubelet mode,
// helper/kubelet.h): its service account token, in the plan only (never a
// file), as the federated client assertion of the app its annotation names
// (kPodAzureClientId) in kPodAzureTenantId, else tenantid, else
// AZURE_TENANT_ID. No client id is no source, never the node's identity.
#include "common/log.h"
#include "providers/azure/azure_identity.h"
#include "providers/credential_source.h"

namespace ssm {
namespace {

class AzurePod : public CredentialSource {
 public:
  const char* Name() const override { return "pod"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has(kPodWebIdentityToken); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    if (!c.Has(kPodAzureClientId)) {
      SSM_DEBUG(c.Id() + ": azure: the pod's service account has no " + c.Get(kPodAzureClientIdAnnotation) +
                " annotation; no source");
      return std::nullopt;
    }
    AzurePlanner planner(c, q.env, r->registry);
    std::string tenant = c.Has(kPodAzureTenantId) ? c.Get(kPodAzureTenantId) : planner.TenantId();
    if (tenant.empty()) {
      planner.Refuse("the pod's service account has no " + c.Get(kPodAzureTenantIdAnnotation) +
                     " annotation, and neither tenantid nor AZURE_TENANT_ID is set");
    }
    std::string client = c.Get(kPodAzureClientId);
    nlohmann::json plan = planner.Base("workload", false);
    plan["strict"] = true;
    plan["tenant"] = tenant;
    plan["client_id"] = client;
    plan["authority"] = planner.Authority();
    plan["assertion"] = c.Get(kPodWebIdentityToken);
    plan["description"] = "the pod's service account token for client " + client + " of tenant " + tenant;
    return SetAzureChain(plan, r);
  }
};

}  // namespace

const CredentialSource& AzurePodSource() {
  static const AzurePod source;
  return source;
}

}  // namespace ssm
