// Gitea and Forgejo package registries at `url`: login + password (or an
// access token as password), or auth (base64 of user:password).
#pragma once

#include "providers/provider.h"

namespace ssm {

class GiteaProvider : public Provider {
 public:
  GiteaProvider(const char* name, const char* description) : name_(name), description_(description) {}
  const char* Name() const override { return name_; }
  const char* Description() const override { return description_; }
  std::vector<VariableSpec> Variables() const override;
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;

 private:
  const char* name_;
  const char* description_;
};

}  // namespace ssm
