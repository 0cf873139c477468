// Google source "keyjson": the configuration's key or credentials file run
// through the chain (impersonation on top, or another ADC type), checked
// first.
#include "common/error.h"
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::DescribeOf;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("google keyjson: any ADC type through the chain, described with its type", "[sources]") {
  const ssm::CredentialSource& source = SourceNamed("google", "keyjson");
  SourceEnv env;
  CHECK_FALSE(AppliesTo(source, ssm_test::Configured("gcr", {{"impersonate", "a@p.iam.gserviceaccount.com"}})));
  std::string user = R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})";
  auto c = ssm_test::Configured("gcr", {{"keyjson", user}, {"impersonate", "a@p.iam.gserviceaccount.com"}});
  REQUIRE(AppliesTo(source, c));
  ssm::MintRequest r;
  CHECK(PlanOf(source, c, env, &r) == "gcr keyjson");
  nlohmann::json plan = nlohmann::json::parse(r.google_chain.str());
  CHECK(plan["source"] == "keyjson");
  CHECK(plan["adc"]["type"] == "authorized_user");
  CHECK(plan["impersonate"] == "a@p.iam.gserviceaccount.com");
  CHECK(DescribeOf(source, c) == "gcr keyjson (authorized_user), then impersonating a@p.iam.gserviceaccount.com");

  auto pair = ssm_test::Configured("gcr", {{"clientemail", "sa@p.iam.gserviceaccount.com"},
                                           {"privatekey", "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----"},
                                           {"impersonate", "a@p.iam.gserviceaccount.com"}});
  ssm::MintRequest k;
  CHECK(PlanOf(source, pair, env, &k) == "gcr service account key");
  CHECK(nlohmann::json::parse(k.google_chain.str())["adc"]["client_email"] == "sa@p.iam.gserviceaccount.com");

  auto broken = ssm_test::Configured("gcr", {{"keyjson", R"({"type":"authorized_user"})"}});
  ssm::MintRequest b;
  CHECK_THROWS_AS(PlanOf(source, broken, env, &b), ssm::Error);
}
