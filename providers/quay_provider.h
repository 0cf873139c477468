// Quay.io robot accounts: namespace + account + token, used as
// "namespace+account" / token. Anonymous unless configured.
#pragma once

#include "providers/provider.h"

namespace ssm {

class QuayProvider : public Provider {
 public:
  const char* Name() const override { return "quay"; }
  const char* Description() const override { return "Quay.io (robot account)"; }
  std::vector<VariableSpec> Variables() const override;
  bool AnonymousByDefault() const override { return true; }
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
  std::string ListedUser(const RegistryConfig& config) const override;
};

}  // namespace ssm
