// Azure source "serviceprincipal": the configured clientid + clientsecret,
// a login as it is without tenantid, an exchanged token with it.
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::DescribeOf;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("azure serviceprincipal: a login without tenantid, the client credentials grant with it", "[sources]") {
  const ssm::CredentialSource& sp = SourceNamed("azure", "serviceprincipal");
  SourceEnv env;
  CHECK_FALSE(AppliesTo(sp, ssm_test::Configured("acr", {{"clientid", "app-1"}})));
  auto direct = ssm_test::Configured("acr", {{"clientid", "app-1"}, {"clientsecret", "sekret"}});
  REQUIRE(AppliesTo(sp, direct));
  ssm::SourceQuery q{direct, env.lookup};
  std::optional<ssm::Credential> login = sp.Login(q);
  REQUIRE(login);
  CHECK(login->username == "app-1");
  CHECK(login->secret.str() == "sekret");
  CHECK(DescribeOf(sp, direct) == "");

  auto exchanged = ssm_test::Configured(
      "acr", {{"clientid", "app-1"}, {"clientsecret", "sekret"}, {"tenantid", "t-1"}, {"authorityurl", "https://login.example.com/"}});
  ssm::SourceQuery qe{exchanged, env.lookup};
  CHECK_FALSE(sp.Login(qe));
  ssm::MintRequest r;
  std::optional<std::string> d = PlanOf(sp, exchanged, env, &r);
  REQUIRE(d);
  CHECK(d->find("sekret") == std::string::npos);
  CHECK(r.tenant == "t-1");
  CHECK(r.client_id == "app-1");
  CHECK(r.client_secret.str() == "sekret");
  CHECK(r.endpoint == "https://login.example.com");
  CHECK(r.scope == "https://management.azure.com/.default");
  CHECK(r.azure_chain.empty());
}
