#include "providers/custom_provider.h"

#include "common/error.h"

namespace ssm {

std::vector<VariableSpec> CustomProvider::Variables() const {
  return {{"url", false, "registry URL, e.g. https://registry.example.com:5000"},
          {"login", false, "user name (htpasswd)"},
          {"password", true, "password"},
          {"token", true, "access token, another name of password"},
          {"auth", true, "base64 of user:password"}};
}

bool CustomProvider::Serves(const ServerKey& server, const RegistryConfig& c) const { return ServesUrl(c, server); }

std::vector<std::string> CustomProvider::Hosts(const RegistryConfig& c) const { return UrlHosts(c); }

void CustomProvider::Validate(const RegistryConfig& c) const {
  RequireVariable(c, "url");
  RequireUrl(c, "url");
  ValidateAuth(c, {"login", "password", "token"});
  if (c.Has("password") && c.Has("token")) {
    throw Error::BadInput(c.Id() + ": token is another name of password: give one of them");
  }
  bool has_secret = c.Has("password") || c.Has("token");
  if (c.Has("login") && !has_secret) throw Error::BadInput(c.Id() + ": login needs password (or token)");
  if (has_secret && !c.Has("login")) {
    throw Error::BadInput(c.Id() + ": " + (c.Has("token") ? "token" : "password") + " needs login");
  }
}

std::optional<Credential> CustomProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                      ProviderContext&) const {
  return LoginOrAuth(c, "token");
}

}  // namespace ssm
