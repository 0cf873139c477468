// Docker Hub: login + password (or the deprecated token), or auth (base64 of
// user:password, as in ~/.docker/config.json). Anonymous when not configured.
#pragma once

#include "providers/provider.h"

namespace ssm {

class HubProvider : public Provider {
 public:
  const char* Name() const override { return "hub"; }
  const char* Description() const override { return "Docker Hub"; }
  std::vector<VariableSpec> Variables() const override;
  bool AnonymousByDefault() const override { return true; }
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
};

}  // namespace ssm
