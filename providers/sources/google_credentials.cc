// Google source: the configuration's own credentials run through the chain
// in the network module: clientemail + privatekey with impersonate on top, or
// keyjson of any Application Default Credentials type (authorized_user,
// external_account, impersonated_service_account, or a key to impersonate
// with). Checked here, the type and the fields it needs.
#include "common/secret_json.h"
#include "providers/credential_source.h"
#include "providers/google/google_identity.h"

namespace ssm {
namespace {

class GoogleCredentials : public CredentialSource {
 public:
  const char* Name() const override { return "keyjson"; }
  bool Applies(const SourceQuery& q) const override {
    return q.config.Has("privatekey") || q.config.Has("keyjson");
  }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    SecretString json = Json(q.config);
    std::string description = DescriptionOf(q.config);
    ValidateGoogleCredentials(json.str(), description);
    nlohmann::json plan = GooglePlan(q.config, "keyjson", description);
    plan["adc"] = nlohmann::json::parse(json.str());
    return SetGoogleChain(plan, r);
  }
  std::optional<std::string> Describe(const SourceQuery& q) const override {
    return DescribeGoogleFile(q.config, DescriptionOf(q.config), Json(q.config).str());
  }

 private:
  static std::string DescriptionOf(const RegistryConfig& c) {
    return c.Id() + (c.Has("privatekey") ? " service account key" : " keyjson");
  }
  // The key as the JSON of a service account key file, or keyjson.
  static SecretString Json(const RegistryConfig& c) {
    if (!c.Has("privatekey")) return SecretString(c.Get("keyjson"));
    nlohmann::json key = {{"type", "service_account"},
                          {"client_email", c.Get("clientemail")},
                          {"private_key", c.Get("privatekey")}};
    if (c.Has("tokenurl")) key["token_uri"] = c.Get("tokenurl");
    SecretString json(key.dump());
    WipeJson(key);
    return json;
  }
};

}  // namespace

const CredentialSource& GoogleCredentialsSource() {
  static const GoogleCredentials source;
  return source;
}

}  // namespace ssm
