#include "providers/gitlab_provider.h"

namespace ssm {
namespace {

std::string RegistryUrl(const RegistryConfig& c) {
  return c.Has("url") ? c.Get("url") : GitlabProvider::kDefaultUrl;
}

}  // namespace

std::vector<VariableSpec> GitlabProvider::Variables() const {
  return {{"url", false, "registry URL (default https://registry.gitlab.com)"},
          {"authurl", false, "GitLab URL (default https://gitlab.com)"},
          {"token", true, "personal access token with read_registry"},
          {"login", false, "user name sent with the token (GitLab ignores it for a PAT)"}};
}

bool GitlabProvider::Serves(const ServerKey& server, const RegistryConfig& c) const {
  ServerKey key;
  return TryNormalizeServer(RegistryUrl(c), &key) && key.key == server.key;
}

std::vector<std::string> GitlabProvider::Hosts(const RegistryConfig& c) const {
  ServerKey key;
  if (TryNormalizeServer(RegistryUrl(c), &key)) return {key.key};
  return {};
}

void GitlabProvider::Validate(const RegistryConfig& c) const {
  RequireVariable(c, "token");
  RequireUrl(c, "url");
  RequireUrl(c, "authurl");
}

std::optional<Credential> GitlabProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                      ProviderContext&) const {
  if (!c.Has("token")) return std::nullopt;
  return MakeCredential(c.Has("login") ? c.Get("login") : kDefaultLogin, c.Get("token"));
}

std::string GitlabProvider::ListedUser(const RegistryConfig& c) const {
  return c.Has("login") ? c.Get("login") : kDefaultLogin;
}

}  // namespace ssm
