// Google source "key": a service account key signed directly (no chain)
// when nothing is asked on top of it.
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::DescribeOf;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

namespace {
const std::string kPem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
}

TEST_CASE("google key: clientemail + privatekey or a service account keyjson, unless impersonated", "[sources]") {
  const ssm::CredentialSource& key = SourceNamed("google", "key");
  SourceEnv env;
  auto pair = ssm_test::Configured("gcr", {{"clientemail", "sa@p.iam.gserviceaccount.com"}, {"privatekey", kPem}});
  REQUIRE(AppliesTo(key, pair));
  ssm::MintRequest r;
  CHECK(PlanOf(key, pair, env, &r) == "gcr service account key");
  CHECK(r.client_email == "sa@p.iam.gserviceaccount.com");
  CHECK(r.private_key.str() == kPem);
  CHECK(r.endpoint == "https://oauth2.googleapis.com/token");
  CHECK(r.audience == r.endpoint);
  CHECK(r.google_chain.empty());
  CHECK(DescribeOf(key, pair) == "");

  nlohmann::json file = {{"type", "service_account"}, {"client_email", "k@p.iam.gserviceaccount.com"},
                         {"private_key", kPem}, {"private_key_id", "kid"}, {"token_uri", "https://t.example.com/token"}};
  auto keyjson = ssm_test::Configured("gcr", {{"keyjson", file.dump()}});
  REQUIRE(AppliesTo(key, keyjson));
  ssm::MintRequest k;
  REQUIRE(PlanOf(key, keyjson, env, &k));
  CHECK(k.private_key_id == "kid");
  CHECK(k.endpoint == "https://t.example.com/token");
  CHECK(DescribeOf(key, keyjson) == "gcr keyjson (service_account)");

  // Anything on top, or another type: the chain (source "keyjson").
  auto impersonating = pair;
  impersonating.values["impersonate"] = "other@p.iam.gserviceaccount.com";
  CHECK_FALSE(AppliesTo(key, impersonating));
  CHECK_FALSE(AppliesTo(key, ssm_test::Configured("gcr", {{"keyjson", R"({"type":"authorized_user"})"}})));
  CHECK_FALSE(AppliesTo(key, ssm_test::Configured("gcr", {})));
}
