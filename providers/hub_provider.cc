#include "providers/hub_provider.h"

#include "common/error.h"

namespace ssm {

std::vector<VariableSpec> HubProvider::Variables() const {
  return {{"login", false, "Docker Hub user name"},
          {"password", true, "Docker Hub access token (or password)"},
          {"token", true, "deprecated name of password"},
          {"auth", true, "base64 of user:password, as in ~/.docker/config.json"}};
}

bool HubProvider::Serves(const ServerKey& server, const RegistryConfig&) const { return server.docker_hub; }

std::vector<std::string> HubProvider::Hosts(const RegistryConfig&) const { return {kDockerHubKey}; }

void HubProvider::Validate(const RegistryConfig& c) const {
  ValidateAuth(c, {"login", "password", "token"});
  if (c.Has("password") && c.Has("token")) {
    throw Error::BadInput(c.Id() + ": token is the deprecated name of password: give one of them");
  }
  bool has_secret = c.Has("password") || c.Has("token");
  if (c.Has("login") && !has_secret) throw Error::BadInput(c.Id() + ": login needs password (or token)");
  if (has_secret && !c.Has("login")) {
    throw Error::BadInput(c.Id() + ": " + (c.Has("token") ? "token" : "password") + " needs login");
  }
}

std::optional<Credential> HubProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                   ProviderContext&) const {
  if (c.Has("auth")) return DecodeAuth(c.Get("auth"), c.Id());
  if (!c.Has("login")) return std::nullopt;
  return MakeCredential(c.Get("login"), c.Has("password") ? c.Get("password") : c.Get("token"));
}

}  // namespace ssm
