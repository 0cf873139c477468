// Google source "pod": the pod's token inline as the subject token for the
// workload identity provider its annotation names; none without one.
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("google pod: the pod's token for its workload identity provider, never a file", "[sources]") {
  const ssm::CredentialSource& pod = SourceNamed("google", "pod");
  SourceEnv env;
  ssm::RegistryConfig c;
  c.provider = "gcr";
  CHECK_FALSE(AppliesTo(pod, c));
  c.secrets[ssm::kPodWebIdentityToken] = ssm::SecretString("eyJ.pod.jwt");
  REQUIRE(AppliesTo(pod, c));
  ssm::MintRequest none;
  CHECK_FALSE(PlanOf(pod, c, env, &none));

  const std::string audience = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/k/providers/n";
  c.values[ssm::kPodGoogleAudience] = audience;
  ssm::MintRequest r;
  CHECK(PlanOf(pod, c, env, &r) == "the pod's service account token for " + audience);
  nlohmann::json plan = nlohmann::json::parse(r.google_chain.str());
  CHECK(plan["source"] == "pod");
  CHECK(plan["adc"]["credential_source"]["subject_token"] == "eyJ.pod.jwt");
  CHECK_FALSE(plan["adc"].contains("service_account_impersonation_url"));
}
