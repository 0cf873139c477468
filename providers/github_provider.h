// GitHub's registries: GHCR (ghcr.io; anonymous unless configured) and LSCR
// (lscr.io, LinuxServer's front for ghcr.io/linuxserver; credentials
// required). A GitHub user name and a token (PAT with read:packages).
#pragma once

#include "providers/provider.h"

namespace ssm {

class GithubProvider : public Provider {
 public:
  // name "ghcr" or "lscr", the one host it serves, whether credentials are
  // required (lscr) or optional (ghcr, anonymous by default).
  GithubProvider(const char* name, const char* host, const char* description, bool required)
      : name_(name), host_(host), description_(description), required_(required) {}

  const char* Name() const override { return name_; }
  const char* Description() const override { return description_; }
  std::vector<VariableSpec> Variables() const override;
  bool AnonymousByDefault() const override { return !required_; }
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;

 private:
  const char* name_;
  const char* host_;
  const char* description_;
  bool required_;
};

}  // namespace ssm
