// A self-hosted registry (Distribution, Harbor, Nexus ...) at `url`: login +
// password (token is accepted as another name of password), or auth (base64
// of user:password), or nothing for anonymous access; `cacert` for a
// self-signed certificate.
#pragma once

#include "providers/provider.h"

namespace ssm {

class CustomProvider : public Provider {
 public:
  const char* Name() const override { return "custom"; }
  const char* Description() const override { return "self-hosted registry"; }
  std::vector<VariableSpec> Variables() const override;
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
};

}  // namespace ssm
