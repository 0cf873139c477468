// Azure source "pod": the pod's token as the federated client assertion of
// its annotated app; no client id is no source, no tenant anywhere a refusal.
#include "common/error.h"
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("azure pod: the pod's token for its client, tenant from the annotation, tenantid or the environment",
          "[sources]") {
  const ssm::CredentialSource& pod = SourceNamed("azure", "pod");
  SourceEnv env;
  ssm::RegistryConfig c;
  c.provider = "acr";
  CHECK_FALSE(AppliesTo(pod, c));
  c.secrets[ssm::kPodWebIdentityToken] = ssm::SecretString("eyJ.pod.jwt");
  c.values[ssm::kPodAzureClientIdAnnotation] = "azure.workload.identity/client-id";
  c.values[ssm::kPodAzureTenantIdAnnotation] = "azure.workload.identity/tenant-id";
  REQUIRE(AppliesTo(pod, c));
  ssm::MintRequest none;
  CHECK_FALSE(PlanOf(pod, c, env, &none));

  c.values[ssm::kPodAzureClientId] = "app-1";
  ssm::MintRequest refused;
  CHECK_THROWS_WITH(PlanOf(pod, c, env, &refused), Catch::Contains("azure.workload.identity/tenant-id"));
  env.vars["AZURE_TENANT_ID"] = "tenant-env";
  ssm::MintRequest r;
  r.registry = "myreg.azurecr.io";
  CHECK(PlanOf(pod, c, env, &r) == "the pod's service account token for client app-1 of tenant tenant-env");
  nlohmann::json plan = nlohmann::json::parse(r.azure_chain.str());
  CHECK(plan["source"] == "workload");
  CHECK(plan["strict"] == true);
  CHECK(plan["assertion"] == "eyJ.pod.jwt");
  CHECK(r.client_id == "app-1");
  CHECK(r.identity_key.rfind("azure|", 0) == 0);
}
