// AWS source "webidentity": the CI job's ID token for rolearn, the token's
// source named in the plan, never a token.
#include "providers/aws/aws_plan_codec.h"
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("aws webidentity: AssumeRoleWithWebIdentity of rolearn, which is not assumed again", "[sources]") {
  const ssm::CredentialSource& source = SourceNamed("aws", "webidentity");
  const std::string role = "arn:aws:iam::123456789012:role/ci";
  SourceEnv env;
  env.vars["CI_ID_TOKEN"] = "eyJ.job.jwt";
  CHECK_FALSE(AppliesTo(source, ssm_test::Configured("ecr", {{"rolearn", role}})));
  auto c = ssm_test::Configured("ecr", {{"webidentity", "env:CI_ID_TOKEN"}, {"rolearn", role}, {"sessionname", "build-7"}});
  REQUIRE(AppliesTo(source, c));
  ssm::MintRequest r;
  CHECK(PlanOf(source, c, env, &r) == "web identity (the ID token in $CI_ID_TOKEN), role " + role);
  CHECK(r.aws_chain.str().find("eyJ") == std::string::npos);
  ssm::AwsChainPlan plan = ssm::AwsChainPlanFromJson(nlohmann::json::parse(r.aws_chain.str()));
  CHECK(plan.base.kind == ssm::AwsBaseSource::Kind::kWebIdentity);
  CHECK(plan.base.role_arn == role);
  CHECK(plan.base.session_name == "build-7");
  CHECK(plan.roles.empty());
}
