// Azure Container Registry with a service principal (clientid +
// clientsecret), which ACR accepts directly as user name and password; with
// tenantid, the principal's Azure AD token is exchanged at the registry's
// /oauth2/exchange for an ACR refresh token instead. It serves every
// <name>.azurecr.io (and the .cn/.us/.de clouds) unless `url` pins one.
#pragma once

#include "providers/token_provider.h"

namespace ssm {

class AcrProvider : public TokenProvider {
 public:
  const char* Name() const override { return "acr"; }
  const char* Description() const override { return "Azure Container Registry (service principal)"; }
  std::vector<VariableSpec> Variables() const override;
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::string HostsDescription(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;

 protected:
  std::optional<MintRequest> Prepare(const RegistryConfig& config, const ServerKey& server) const override;
};

}  // namespace ssm
