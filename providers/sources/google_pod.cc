// Google source: a pod's own service account token (kubelet mode,
// helper/kubelet.h) exchanged at Google's STS for the workload identity
// provider its annotation names (kPodGoogleAudience), then impersonating the
// service account it names (kPodGoogleServiceAccount): external_account with
// the token inline, never a file. Without an audience there is no source,
// never the node's identity.
#include "common/log.h"
#include "common/secret_json.h"
#include "providers/credential_source.h"
#include "providers/google/google_identity.h"

namespace ssm {
namespace {

class GooglePod : public CredentialSource {
 public:
  const char* Name() const override { return "pod"; }
  bool Applies(const SourceQuery& q) const override { return q.config.Has(kPodWebIdentityToken); }
  std::optional<std::string> Plan(const SourceQuery& q, MintRequest* r) const override {
    const RegistryConfig& c = q.config;
    if (!c.Has(kPodGoogleAudience)) {
      SSM_DEBUG(c.Id() + ": google: the pod's service account names no workload identity provider; no source");
      return std::nullopt;
    }
    nlohmann::json adc = {{"type", "external_account"},
                          {"audience", c.Get(kPodGoogleAudience)},
                          {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
                          {"credential_source", {{"subject_token", c.Get(kPodWebIdentityToken)}}}};
    if (c.Has(kPodGoogleServiceAccount)) {
      adc["service_account_impersonation_url"] = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" +
                                                 c.Get(kPodGoogleServiceAccount) + ":generateAccessToken";
    }
    nlohmann::json plan = GooglePlan(c, "pod", "the pod's service account token for " + c.Get(kPodGoogleAudience));
    plan["adc"] = std::move(adc);
    return SetGoogleChain(plan, r);
  }
};

}  // namespace

const CredentialSource& GooglePodSource() {
  static const GooglePod source;
  return source;
}

}  // namespace ssm
