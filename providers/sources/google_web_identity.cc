// Google source: workload identity federation from a CI job (the
// configuration's webidentity + workloadprovider): the external_account
// credentials Google's tools would write, with the job's ID token as the
// subject token (the plan's "web_identity" names where it comes from; the
// network module fetches or reads it), then the service account
// `serviceaccount` impersonated when set.
#include "providers/ci/web_identity_config.h"
#include "providers/credential_source.h"
#include "providers/google/google_identity.h"

namespace ssm {
namespace {

class GoogleWebIdentity : public CredentialSource {
 public:
  const char* Name() const override { return "webidentity"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has("webidentity"); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    std::string provider = WorkloadProviderName(c.Get("workloadprovider"));
    // The ID token's default audience is the provider's default allowed
    // audience: https: and the provider's name.
    WebIdentity identity = WebIdentityFor(c, "https:" + provider, q.env);
    nlohmann::json plan = GooglePlan(c, "webidentity", DescriptionOf(c, identity));
    plan["adc"] = Adc(c, provider);
    plan["web_identity"] = WebIdentityToJson(identity);
    return SetGoogleChain(plan, r);
  }
  std::optional<std::string> Describe(const SourceQuery& q) const override {
    std::string provider = WorkloadProviderName(q.config.Get("workloadprovider"));
    return DescribeGoogleService(q.config, DescriptionOf(q.config, WebIdentityFor(q.config, "https:" + provider, q.env)));
  }

 private:
  static std::string DescriptionOf(const RegistryConfig& c, const WebIdentity& identity) {
    std::string out = "workload identity federation (" + WorkloadProviderName(c.Get("workloadprovider")) + ") with " +
                      identity.Describe();
    if (c.Has("serviceaccount")) out += ", then service account " + c.Get("serviceaccount");
    return out;
  }
  static nlohmann::json Adc(const RegistryConfig& c, const std::string& provider) {
    nlohmann::json adc = {{"type", "external_account"},
                          {"audience", provider},
                          {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
                          {"token_url", "https://sts.googleapis.com/v1/token"}};
    if (c.Has("serviceaccount")) {
      adc["service_account_impersonation_url"] = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" +
                                                 c.Get("serviceaccount") + ":generateAccessToken";
    }
    return adc;
  }
};

}  // namespace

const CredentialSource& GoogleWebIdentitySource() {
  static const GoogleWebIdentity source;
  return source;
}

}  // namespace ssm
