// Azure source "webidentity": the CI job's ID token as the federated client
// assertion of clientid in tenantid, the token's source named, never a token.
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("azure webidentity: a pinned workload identity for the configured app", "[sources]") {
  const ssm::CredentialSource& source = SourceNamed("azure", "webidentity");
  SourceEnv env;
  env.vars["CI_ID_TOKEN"] = "eyJ.job.jwt";
  auto c = ssm_test::Configured("acr", {{"clientid", "app-1"}, {"tenantid", "t-1"}, {"webidentity", "env:CI_ID_TOKEN"}});
  REQUIRE(AppliesTo(source, c));
  CHECK_FALSE(AppliesTo(source, ssm_test::Configured("acr", {{"clientid", "app-1"}})));
  ssm::MintRequest r;
  r.registry = "myreg.azurecr.io";
  CHECK(PlanOf(source, c, env, &r) == "web identity (the ID token in $CI_ID_TOKEN) for client app-1 of tenant t-1");
  CHECK(r.azure_chain.str().find("eyJ") == std::string::npos);
  nlohmann::json plan = nlohmann::json::parse(r.azure_chain.str());
  CHECK(plan["source"] == "workload");
  CHECK(plan["pinned"] == true);
  CHECK(plan["authority"] == "https://login.microsoftonline.com/");
  CHECK(plan["web_identity"]["audience"] == "api://AzureADTokenExchange");
}
