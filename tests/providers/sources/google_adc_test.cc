// Google source "adc": Application Default Credentials: the file the
// environment names, gcloud's file, the metadata server; last, always.
#include "common/error.h"
#include "providers/sources/source_fixture.h"
#include "support/temp_dir.h"

using ssm_test::AppliesTo;
using ssm_test::DescribeOf;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("google adc: GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the metadata server, or none", "[sources]") {
  ssm::test::TempDir tmp;
  const ssm::CredentialSource& adc = SourceNamed("google", "adc");
  ssm::RegistryConfig unconfigured;
  unconfigured.provider = "gcr";
  SourceEnv env;
  env.vars["CLOUDSDK_CONFIG"] = tmp.path();
  CHECK(AppliesTo(adc, unconfigured, env));
  ssm::MintRequest m;
  REQUIRE(PlanOf(adc, unconfigured, env, &m));
  CHECK(nlohmann::json::parse(m.google_chain.str())["source"] == "metadata");
  CHECK(DescribeOf(adc, unconfigured, env) ==
        "the metadata server (metadata.google.internal, 169.254.169.254), service account default, if there is one; "
        "else anonymous");

  std::string user = R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})";
  ssm::test::WriteAll(tmp.path() + "/application_default_credentials.json", user);
  ssm::MintRequest g;
  CHECK(PlanOf(adc, unconfigured, env, &g) == "gcloud's " + tmp.path() + "/application_default_credentials.json");
  CHECK(nlohmann::json::parse(g.google_chain.str())["adc"]["type"] == "authorized_user");

  env.vars["GOOGLE_APPLICATION_CREDENTIALS"] = tmp.path() + "/missing.json";
  ssm::MintRequest missing;
  CHECK_THROWS_WITH(PlanOf(adc, unconfigured, env, &missing), Catch::Contains("GOOGLE_APPLICATION_CREDENTIALS names"));
  env.vars.erase("GOOGLE_APPLICATION_CREDENTIALS");

  std::remove((tmp.path() + "/application_default_credentials.json").c_str());
  env.vars["NO_GCE_CHECK"] = "true";
  ssm::MintRequest none;
  CHECK_FALSE(PlanOf(adc, unconfigured, env, &none));
  CHECK_FALSE(DescribeOf(adc, unconfigured, env));
}
