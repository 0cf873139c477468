// Azure source "environment": DefaultAzureCredential's chain (the planner's
// order is tested in tests/providers/azure_identity_test.cc); here what the
// source adds: always last, nothing with metadata off, and what doctor hears.
#include "common/error.h"
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::DescribeOf;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("azure environment: the chain's plan; doctor hears of an unreadable file and of anonymous fallback",
          "[sources]") {
  const ssm::CredentialSource& source = SourceNamed("azure", "environment");
  ssm::RegistryConfig unconfigured;
  unconfigured.provider = "acr";
  SourceEnv env;
  CHECK(AppliesTo(source, unconfigured, env));
  CHECK(DescribeOf(source, unconfigured, env) ==
        "managed identity (instance metadata service 169.254.169.254), if there is one; else anonymous");
  CHECK(DescribeOf(source, ssm_test::Configured("acr", {{"clientid", "c"}}), env) ==
        "managed identity (instance metadata service 169.254.169.254, user-assigned client c)");
  env.vars["SSM_AZURE_IMDS"] = "off";
  ssm::MintRequest none;
  CHECK_FALSE(PlanOf(source, unconfigured, env, &none));
  CHECK_FALSE(DescribeOf(source, unconfigured, env));

  env.vars["AZURE_TENANT_ID"] = "t";
  env.vars["AZURE_CLIENT_ID"] = "c";
  env.vars["AZURE_FEDERATED_TOKEN_FILE"] = "/nonexistent/federated.jwt";
  ssm::MintRequest r;
  CHECK(PlanOf(source, unconfigured, env, &r) ==
        "workload identity: client c of tenant t, token file /nonexistent/federated.jwt");
  CHECK(nlohmann::json::parse(r.azure_chain.str())["token_file"] == "/nonexistent/federated.jwt");
  CHECK_THROWS_WITH(DescribeOf(source, unconfigured, env),
                    "acr: AZURE_FEDERATED_TOKEN_FILE names /nonexistent/federated.jwt, which cannot be read");
}
