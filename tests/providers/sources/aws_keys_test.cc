// AWS source "keys": the configuration's accesskey; plain keys alone, the
// base of a chain under rolearn.
#include "providers/aws/aws_plan_codec.h"
#include "providers/sources/source_fixture.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("aws keys: plain keys, or the base of rolearn's chain", "[sources]") {
  const ssm::CredentialSource& keys = SourceNamed("aws", "keys");
  SourceEnv env;
  CHECK_FALSE(AppliesTo(keys, ssm_test::Configured("ecr", {{"profile", "prod"}})));
  auto c = ssm_test::Configured("ecr", {{"accesskey", "AKIACONFIGURED"}, {"secretaccesskey", "sekret"}});
  REQUIRE(AppliesTo(keys, c));
  ssm::MintRequest r;
  CHECK(PlanOf(keys, c, env, &r) == "ecr configuration");
  CHECK(r.aws.access_key_id == "AKIACONFIGURED");
  CHECK(r.aws.secret_access_key.str() == "sekret");
  CHECK(r.aws_chain.empty());
  CHECK(r.identity_key.empty());

  c.values["rolearn"] = "arn:aws:iam::123456789012:role/cross";
  ssm::MintRequest chained;
  chained.region = "eu-west-1";
  ssm::SourceQuery q{c, env.lookup, "eu-west-1", "amazonaws.com"};
  std::optional<std::string> d = keys.Plan(q, &chained);
  REQUIRE(d);
  CHECK(d->find("role arn:aws:iam::123456789012:role/cross") != std::string::npos);
  CHECK(chained.aws.access_key_id.empty());
  nlohmann::json json = nlohmann::json::parse(chained.aws_chain.str());
  ssm::AwsChainPlan plan = ssm::AwsChainPlanFromJson(json);
  CHECK(plan.base.kind == ssm::AwsBaseSource::Kind::kStatic);
  REQUIRE(plan.roles.size() == 1);
  CHECK(plan.roles[0].role_arn == "arn:aws:iam::123456789012:role/cross");
  CHECK(ssm::AwsChainSettingsFromJson(json).sts_endpoint == "https://sts.eu-west-1.amazonaws.com");
  CHECK(d->find("sekret") == std::string::npos);
}
