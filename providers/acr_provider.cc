#include "providers/acr_provider.h"

#include "common/error.h"
#include "providers/azure/azure_identity.h"
#include "providers/ci/web_identity_config.h"
#include "providers/host_match.h"
#include "providers/source_table.h"

namespace ssm {

std::vector<VariableSpec> AcrProvider::Variables() const {
  return {{"clientid", false, "service principal application (client) ID, or a user-assigned managed identity's"},
          {"clientsecret", true, "service principal secret (default: the Azure identity of the environment)"},
          {"url", false, "one registry, e.g. https://myregistry.azurecr.io (default: every *.azurecr.io)"},
          {"tenantid", false, "Azure AD tenant: exchange an AAD token for an ACR refresh token"},
          {"authorityurl", false, "Azure AD authority (default https://login.microsoftonline.com)"},
          {"exchangeurl", false, "token exchange URL (default https://<registry>/oauth2/exchange)"},
          {"identity", false, "pin one Azure identity source: managed, workload or serviceprincipal"},
          {"resourceid", false, "a user-assigned managed identity's resource ID (instead of clientid)"},
          {"webidentity", false, "the CI job's OIDC ID token as the federated client assertion of clientid in "
                                 "tenantid: github, env:NAME or file:PATH"},
          {"audience", false, "the ID token's audience for webidentity github (default api://AzureADTokenExchange)"}};
}

bool AcrProvider::Serves(const ServerKey& server, const RegistryConfig& c) const {
  if (c.Has("url")) return ServesUrl(c, server);
  return IsAcrHost(server);
}

std::vector<std::string> AcrProvider::Hosts(const RegistryConfig& c) const { return UrlHosts(c); }

bool AcrProvider::ServesUnconfigured(const ServerKey& server) const { return IsAcrHost(server); }

std::string AcrProvider::IdentitySource(const RegistryConfig& c) const { return AzureIdentitySource(c); }

void AcrProvider::Validate(const RegistryConfig& c) const {
  ValidateWebIdentity(c);
  if (c.Has("webidentity")) {
    // A CI job's ID token as the federated client assertion of an app
    // registration: which app, in which tenant, is configuration.
    if (c.Has("clientsecret")) throw Error::BadInput(c.Id() + ": webidentity replaces clientsecret: give one of them");
    if (c.Has("resourceid")) throw Error::BadInput(c.Id() + ": webidentity names an app registration by clientid, not resourceid");
    if (c.Has("identity") && c.Get("identity") != "workload") {
      throw Error::BadInput(c.Id() + ": webidentity is a workload identity; it excludes identity " + c.Get("identity"));
    }
    RequireVariable(c, "clientid");
    RequireVariable(c, "tenantid");
  }
  if (c.Has("clientsecret")) RequireVariable(c, "clientid");
  RequireUrl(c, "url");
  for (const char* v : {"authorityurl", "exchangeurl"}) {
    RequireUrl(c, v);
    if (c.Has(v) && c.Get(v).rfind("https://", 0) != 0) throw Error::BadInput(c.Id() + ": " + std::string(v) + " must be an https:// URL");
    if (c.Has(v) && c.Has("clientsecret") && !c.Has("tenantid")) {
      throw Error::BadInput(c.Id() + ": " + std::string(v) + " needs tenantid");
    }
  }
  if (c.Has("identity")) {
    const std::string& i = c.Get("identity");
    if (i != "managed" && i != "workload" && i != "serviceprincipal") {
      throw Error::BadInput(c.Id() + ": identity must be managed, workload or serviceprincipal");
    }
    if (c.Has("clientsecret") && i != "serviceprincipal") {
      throw Error::BadInput(c.Id() + ": clientsecret is a service principal's; it excludes identity " + i);
    }
  }
  if (c.Has("resourceid")) {
    if (c.Has("clientid")) throw Error::BadInput(c.Id() + ": set either clientid or resourceid, not both");
    if (c.Has("identity") && c.Get("identity") != "managed") {
      throw Error::BadInput(c.Id() + ": resourceid names a managed identity; it needs identity managed");
    }
    if (c.Get("resourceid").rfind("/subscriptions/", 0) != 0) {
      throw Error::BadInput(c.Id() + ": resourceid must be an Azure resource ID (/subscriptions/...)");
    }
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
  // A source that gives a login as it is (a service principal without a
  // tenant) needs no token; a pod's token (kubelet mode) comes first.
  EnvLookup env = ProcessEnv;
  SourceQuery query{c, env};
  if (const CredentialSource* source = ChooseSource("azure", query)) {
    if (std::optional<Credential> login = source->Login(query)) return login;
  }
  return TokenProvider::Credentials(c, server, context);
}

std::optional<Credential> AcrProvider::NothingToMintWith(const RegistryConfig& c) const {
  if (c.sources.empty()) return std::nullopt;  // unconfigured: anonymous
  if (c.Has(kPodWebIdentityToken)) {
    throw Error::Failure(c.Id() + ": the pod's service account has no " + c.Get(kPodAzureClientIdAnnotation) +
                         " annotation: no Azure identity for its token (a pod never gets the node's)");
  }
  throw Error::Failure(c.Id() + ": no Azure identity: set clientid and clientsecret (registry add acr ...), or "
                                "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run with a managed or "
                                "workload identity");
}

std::optional<MintRequest> AcrProvider::Prepare(const RegistryConfig& c, const ServerKey& server) const {
  MintRequest r;
  r.kind = "acr";
  r.what = c.Id();
  r.registry = server.key;
  r.exchange_url = c.Has("exchangeurl") ? c.Get("exchangeurl") : "https://" + server.key + "/oauth2/exchange";
  r.ca_pem = c.Get("cacert");
  // The first Azure source that applies (providers/source_table.cc).
  if (!PrepareAzureIdentity(c, &r)) {
    NothingToMintWith(c);  // throws for a configured registry
    return std::nullopt;
  }
  return r;
}

std::string AcrProvider::ListedUser(const RegistryConfig& c) const {
  // An Azure identity's token is exchanged; the client gets ACR's fixed name.
  return c.Has("clientsecret") ? Provider::ListedUser(c) : "00000000-0000-0000-0000-000000000000";
}

std::vector<std::string> AcrProvider::KubeletImages() const {
  // Azure Germany's registries (azurecr.de) are gone with its cloud.
  return {"*.azurecr.io", "*.azurecr.cn", "*.azurecr.us"};
}

std::string AcrProvider::HostsDescription(const RegistryConfig& c) const { return c.Has("url") ? Provider::HostsDescription(c) : std::string("*.azurecr.io *.azurecr.cn *.azurecr.us *.azurecr.de"); }

}  // namespace ssm
