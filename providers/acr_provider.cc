#include "providers/acr_provider.h"

#include "common/error.h"
#include "providers/ci/web_identity_config.h"
#include "providers/host_match.h"

namespace ssm {

std::vector<VariableSpec> AcrProvider::Variables() const {
  return {{"clientid", false, "service principal application (client) ID"},
          {"clientsecret", true, "service principal secret"},
          {"url", false, "one registry, e.g. https://myregistry.azurecr.io (default: every *.azurecr.io)"},
          {"tenantid", false, "Azure AD tenant: exchange an AAD token for an ACR refresh token"},
          {"authorityurl", false, "Azure AD authority (default https://login.microsoftonline.com)"},
          {"exchangeurl", false, "token exchange URL (default https://<registry>/oauth2/exchange)"},
          // TODO(azure chain): the client-assertion grant with the job's ID
          // token (audience api://AzureADTokenExchange) belongs to the Azure
          // chain (providers/azure/); until it lands these are only checked.
          {"webidentity", false, "the CI job's OIDC ID token instead of clientsecret: github, env:NAME or file:PATH "
                                 "(not yet: needs the Azure chain)"},
          {"audience", false, "the ID token's audience for webidentity github (default api://AzureADTokenExchange)"}};
}

bool AcrProvider::Serves(const ServerKey& server, const RegistryConfig& c) const {
  if (c.Has("url")) return ServesUrl(c, server);
  return IsAcrHost(server);
}

std::vector<std::string> AcrProvider::Hosts(const RegistryConfig& c) const { return UrlHosts(c); }

void AcrProvider::Validate(const RegistryConfig& c) const {
  ValidateWebIdentity(c);
  if (c.Has("webidentity")) {
    throw Error::BadInput(c.Id() + ": webidentity (a federated client assertion) is not supported for acr yet; use "
                          "clientsecret, or azure/login in the job and docker login");
  }
  RequireVariable(c, "clientid");
  RequireVariable(c, "clientsecret");
  RequireUrl(c, "url");
  for (const char* v : {"authorityurl", "exchangeurl"}) {
    RequireUrl(c, v);
    if (c.Has(v) && c.Get(v).rfind("https://", 0) != 0) throw Error::BadInput(c.Id() + ": " + std::string(v) + " must be an https:// URL");
    if (c.Has(v) && !c.Has("tenantid")) throw Error::BadInput(c.Id() + ": " + std::string(v) + " needs tenantid");
  }
  if (c.Has("url")) {
    ServerKey key = UrlServer(c, "url");
    if (!IsAcrHost(key)) {
      throw Error::BadInput(c.Id() + ": url must be an Azure Container Registry (<name>.azurecr.io), not " + key.key);
    }
  }
}

std::optional<Credential> AcrProvider::Credentials(const RegistryConfig& c, const ServerKey& server,
                                                   ProviderContext& context) const {
  if (c.Has("tenantid")) return TokenProvider::Credentials(c, server, context);
  return MakeCredential(c.Get("clientid"), c.Get("clientsecret"));
}

std::optional<MintRequest> AcrProvider::Prepare(const RegistryConfig& c, const ServerKey& server) const {
  MintRequest r;
  r.kind = "acr";
  r.what = c.Id();
  r.tenant = c.Get("tenantid");
  r.client_id = c.Get("clientid");
  r.client_secret = SecretString(c.Get("clientsecret"));
  r.registry = server.key;
  r.endpoint = c.Has("authorityurl") ? c.Get("authorityurl") : "https://login.microsoftonline.com";
  while (!r.endpoint.empty() && r.endpoint.back() == '/') r.endpoint.pop_back();
  r.exchange_url = c.Has("exchangeurl") ? c.Get("exchangeurl") : "https://" + server.key + "/oauth2/exchange";
  r.scope = "https://management.azure.com/.default";
  r.ca_pem = c.Get("cacert");
  return r;
}

std::string AcrProvider::HostsDescription(const RegistryConfig& c) const { return c.Has("url") ? Provider::HostsDescription(c) : std::string("*.azurecr.io *.azurecr.cn *.azurecr.us *.azurecr.de"); }

}  // namespace ssm
