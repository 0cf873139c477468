// AWS source "pod": a pod's service account token for its annotated role,
// inline; no role is no source.
#include "providers/aws/aws_plan_codec.h"
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

namespace {
const std::string kRole = "arn:aws:iam::123456789012:role/puller";
}

TEST_CASE("aws pod: the pod's token for its role, in the plan; no role is no source", "[sources]") {
  const ssm::CredentialSource& pod = SourceNamed("aws", "pod");
  SourceEnv env;
  ssm::RegistryConfig c = ssm_test::Configured("ecr", {});
  CHECK_FALSE(AppliesTo(pod, c));
  c.secrets[ssm::kPodWebIdentityToken] = ssm::SecretString("eyJ.pod.jwt");
  CHECK(AppliesTo(pod, c));
  ssm::MintRequest none;
  CHECK_FALSE(PlanOf(pod, c, env, &none));
  CHECK(none.aws_chain.empty());

  c.values[ssm::kPodRoleArn] = kRole;
  ssm::MintRequest r;
  CHECK(PlanOf(pod, c, env, &r) == "the pod's service account token for " + kRole);
  ssm::AwsChainPlan plan = ssm::AwsChainPlanFromJson(nlohmann::json::parse(r.aws_chain.str()));
  CHECK(plan.base.kind == ssm::AwsBaseSource::Kind::kWebIdentity);
  CHECK(plan.base.role_arn == kRole);
  CHECK(plan.base.token.str() == "eyJ.pod.jwt");
  CHECK(plan.roles.empty());
  CHECK(r.identity_key.rfind("aws|", 0) == 0);
  CHECK(r.aws.source.find("eyJ") == std::string::npos);
}
