#include "providers/acr_provider.h"

#include "common/error.h"
#include "providers/host_match.h"

namespace ssm {

std::vector<VariableSpec> AcrProvider::Variables() const {
  return {{"clientid", false, "service principal application (client) ID"},
          {"clientsecret", true, "service principal secret"},
          {"url", false, "one registry, e.g. https://myregistry.azurecr.io (default: every *.azurecr.io)"}};
}

bool AcrProvider::Serves(const ServerKey& server, const RegistryConfig& c) const {
  if (c.Has("url")) return ServesUrl(c, server);
  return IsAcrHost(server);
}

std::vector<std::string> AcrProvider::Hosts(const RegistryConfig& c) const { return UrlHosts(c); }

void AcrProvider::Validate(const RegistryConfig& c) const {
  RequireVariable(c, "clientid");
  RequireVariable(c, "clientsecret");
  RequireUrl(c, "url");
  if (c.Has("url")) {
    ServerKey key = UrlServer(c, "url");
    if (!IsAcrHost(key)) {
      throw Error::BadInput(c.Id() + ": url must be an Azure Container Registry (<name>.azurecr.io), not " + key.key);
    }
  }
}

std::optional<Credential> AcrProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                   ProviderContext&) const {
  return MakeCredential(c.Get("clientid"), c.Get("clientsecret"));
}

}  // namespace ssm
