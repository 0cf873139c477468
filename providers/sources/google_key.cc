// Google source: the configuration's service account key (clientemail +
// privatekey, or keyjson of type service_account) signed into a JWT grant by
// the network module directly, with no chain: when nothing is asked on top
// (no impersonate) and no webidentity is configured.
#include "providers/credential_source.h"
#include "providers/gcr_provider.h"
#include "providers/google/google_identity.h"

namespace ssm {
namespace {

class GoogleKey : public CredentialSource {
 public:
  const char* Name() const override { return "key"; }
  bool Applies(const SourceQuery& q) const override {
    const RegistryConfig& c = q.config;
    if (c.Has("impersonate") || c.Has("webidentity")) return false;
    return c.Has("privatekey") || (c.Has("keyjson") && IsServiceAccountKeyJson(c));
  }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    GoogleServiceAccountKey sa;
    if (c.Has("keyjson")) {
      sa = ParseServiceAccountKeyJson(c);
    } else {
      sa.client_email = c.Get("clientemail");
      sa.private_key = SecretString(c.Get("privatekey"));
    }
    r->client_email = sa.client_email;
    r->private_key = sa.private_key;
    r->private_key_id = sa.private_key_id;
    r->endpoint = c.Has("tokenurl")          ? c.Get("tokenurl")
                  : !sa.token_uri.empty() ? sa.token_uri
                                          : GcrProvider::kDefaultTokenUrl;
    r->audience = r->endpoint;
    return c.Id() + (c.Has("keyjson") ? " keyjson" : " service account key");
  }
  // The configuration holds the key: nothing to say, unless it is keyjson.
  std::optional<std::string> Describe(const SourceQuery& q) const override {
    if (!q.config.Has("keyjson")) return std::string();
    return q.config.Id() + " keyjson (service_account)";
  }
};

}  // namespace

const CredentialSource& GoogleKeySource() {
  static const GoogleKey source;
  return source;
}

}  // namespace ssm
