// Google source "webidentity": the CI job's ID token exchanged at Google's
// STS for workloadprovider, then serviceaccount impersonated.
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::DescribeOf;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("google webidentity: external_account for the workload provider, the token's source named", "[sources]") {
  const ssm::CredentialSource& source = SourceNamed("google", "webidentity");
  const std::string wif = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/gl";
  SourceEnv env;
  env.vars["CI_ID_TOKEN"] = "eyJ.job.jwt";
  auto c = ssm_test::Configured("gcr", {{"webidentity", "env:CI_ID_TOKEN"}, {"workloadprovider", wif},
                                        {"serviceaccount", "puller@p.iam.gserviceaccount.com"}});
  REQUIRE(AppliesTo(source, c));
  CHECK_FALSE(AppliesTo(source, ssm_test::Configured("gcr", {})));
  ssm::MintRequest r;
  std::string expected = "workload identity federation (" + wif +
                         ") with the ID token in $CI_ID_TOKEN, then service account puller@p.iam.gserviceaccount.com";
  CHECK(PlanOf(source, c, env, &r) == expected);
  CHECK(DescribeOf(source, c, env) == expected);
  CHECK(r.google_chain.str().find("eyJ") == std::string::npos);
  nlohmann::json plan = nlohmann::json::parse(r.google_chain.str());
  CHECK(plan["source"] == "webidentity");
  CHECK(plan["adc"]["audience"] == wif);
  CHECK(plan["web_identity"]["audience"] == "https:" + wif);
}
