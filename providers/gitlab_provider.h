// GitLab's container registry: a personal access token (read_registry) for
// the registry at `url` (default https://registry.gitlab.com); `authurl`
// (default https://gitlab.com) is where the registry's tokens come from.
// GitLab does not check the user name for a PAT; `login` sets it.
#pragma once

#include "providers/provider.h"

namespace ssm {

class GitlabProvider : public Provider {
 public:
  static constexpr char kDefaultUrl[] = "https://registry.gitlab.com";
  static constexpr char kDefaultAuthUrl[] = "https://gitlab.com";
  static constexpr char kDefaultLogin[] = "docker-credential-ssm";

  const char* Name() const override { return "gitlab"; }
  const char* Description() const override { return "GitLab container registry"; }
  std::vector<VariableSpec> Variables() const override;
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
  std::string ListedUser(const RegistryConfig& config) const override;
};

}  // namespace ssm
