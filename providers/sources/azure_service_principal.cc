// Azure source: the configuration's service principal (clientid +
// clientsecret). Without tenantid ACR takes it as it is, user name and
// password (Login); with tenantid its Azure AD token (client credentials at
// authorityurl) is exchanged for an ACR refresh token.
#include "providers/azure/azure_identity.h"
#include "providers/credential_source.h"

namespace ssm {
namespace {

class AzureServicePrincipal : public CredentialSource {
 public:
  const char* Name() const override { return "serviceprincipal"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has("clientsecret"); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    r->tenant = c.Get("tenantid");
    r->client_id = c.Get("clientid");
    r->client_secret = SecretString(c.Get("clientsecret"));
    r->endpoint = c.Has("authorityurl") ? c.Get("authorityurl") : "https://login.microsoftonline.com";
    while (!r->endpoint.empty() && r->endpoint.back() == '/') r->endpoint.pop_back();
    r->scope = "https://management.azure.com/.default";
    return c.Id() + " service principal " + r->client_id;
  }
  // The configuration holds the credentials.
  std::optional<std::string> Describe(const SourceQuery&) const override { return std::string(); }
  std::optional<Credential> Login(const SourceQuery& q) const override {
    if (q.config.Has("tenantid")) return std::nullopt;
    return MakeCredential(q.config.Get("clientid"), q.config.Get("clientsecret"));
  }
};

}  // namespace

const CredentialSource& AzureServicePrincipalSource() {
  static const AzureServicePrincipal source;
  return source;
}

}  // namespace ssm
