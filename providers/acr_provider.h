// Azure Container Registry with a service principal (clientid +
// clientsecret), which ACR accepts directly as user name and password; with
// tenantid, the principal's Azure AD token is exchanged at the registry's
// /oauth2/exchange for an ACR refresh token instead. Without clientsecret,
// configured or not, the Azure AD token comes from the Azure identity of the
// environment (providers/azure/azure_identity.h: service principal variables,
// workload identity, managed identity) and is exchanged the same way;
// anonymous for an unconfigured host when there is none. It serves every
// <name>.azurecr.io (and the .cn/.us/.de clouds) unless `url` pins one.
#pragma once

#include "providers/token_provider.h"

namespace ssm {

class AcrProvider : public TokenProvider {
 public:
  const char* Name() const override { return "acr"; }
  const char* Description() const override { return "Azure Container Registry (service principal or Azure identity)"; }
  std::vector<VariableSpec> Variables() const override;
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::string HostsDescription(const RegistryConfig& config) const override;
  std::vector<std::string> KubeletImages() const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
  std::string ListedUser(const RegistryConfig& config) const override;
  bool ServesUnconfigured(const ServerKey& server) const override;
  std::string IdentitySource(const RegistryConfig& config) const override;
  // With tenantid (an exchanged token); a service principal's login or the
  // environment's Azure identity is only checked for its variables.
  bool DoctorMintsToken(const RegistryConfig& config) const override { return config.Has("tenantid"); }

 protected:
  std::optional<MintRequest> Prepare(const RegistryConfig& config, const ServerKey& server) const override;
  std::optional<Credential> NothingToMintWith(const RegistryConfig& config) const override;
};

}  // namespace ssm
