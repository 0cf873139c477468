#include "providers/github_provider.h"

#include "providers/host_match.h"

namespace ssm {

std::vector<VariableSpec> GithubProvider::Variables() const {
  return {{"username", false, "GitHub user name"},
          {"token", true, "GitHub personal access token (read:packages)"}};
}

bool GithubProvider::Serves(const ServerKey& server, const RegistryConfig&) const { return IsHost(server, host_); }

std::vector<std::string> GithubProvider::Hosts(const RegistryConfig&) const { return {host_}; }

void GithubProvider::Validate(const RegistryConfig& c) const {
  if (required_) {
    RequireVariable(c, "username");
    RequireVariable(c, "token");
  }
  RequireTogether(c, "username", "token");
}

std::optional<Credential> GithubProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                      ProviderContext&) const {
  if (!c.Has("token")) return std::nullopt;
  return MakeCredential(c.Get("username"), c.Get("token"));
}

}  // namespace ssm
