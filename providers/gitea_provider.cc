#include "providers/gitea_provider.h"

namespace ssm {

std::vector<VariableSpec> GiteaProvider::Variables() const {
  return {{"url", false, "instance URL, e.g. https://git.example.com"},
          {"login", false, "user name"},
          {"password", true, "password or access token"},
          {"auth", true, "base64 of user:password"}};
}

bool GiteaProvider::Serves(const ServerKey& server, const RegistryConfig& c) const { return ServesUrl(c, server); }

std::vector<std::string> GiteaProvider::Hosts(const RegistryConfig& c) const { return UrlHosts(c); }

void GiteaProvider::Validate(const RegistryConfig& c) const {
  RequireVariable(c, "url");
  RequireUrl(c, "url");
  ValidateAuth(c, {"login", "password"});
  if (!c.Has("auth")) {
    RequireVariable(c, "login");
    RequireVariable(c, "password");
  }
}

std::optional<Credential> GiteaProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                     ProviderContext&) const {
  return LoginOrAuth(c);
}

}  // namespace ssm
