// AWS source "chain": the SDKs' default chain from the environment and the
// shared files, with the configuration's profile; last, applies always.
#include "providers/aws/aws_plan_codec.h"
#include "providers/sources/source_fixture.h"
#include "support/temp_dir.h"

using ssm_test::AppliesTo;
using ssm_test::PlanOf;
using ssm_test::SourceEnv;
using ssm_test::SourceNamed;

TEST_CASE("aws chain: environment keys, the configured profile, nothing with metadata off", "[sources]") {
  ssm::test::TempDir tmp;
  ssm::test::ScopedEnv home("HOME", tmp.path().c_str());
  const ssm::CredentialSource& chain = SourceNamed("aws", "chain");
  ssm::RegistryConfig unconfigured;
  unconfigured.provider = "ecr";
  CHECK(AppliesTo(chain, unconfigured));
  SourceEnv env;
  env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  ssm::MintRequest none;
  CHECK_FALSE(PlanOf(chain, unconfigured, env, &none));

  env.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  ssm::MintRequest r;
  REQUIRE(PlanOf(chain, unconfigured, env, &r));
  CHECK(r.aws.access_key_id == "AKIAENVIRONMENT");

  env.vars.erase("AWS_ACCESS_KEY_ID");
  env.vars.erase("AWS_SECRET_ACCESS_KEY");
  ssm::test::WriteAll(tmp.path() + "/config", "[profile prod]\ncredential_process = /bin/true\n");
  env.vars["AWS_CONFIG_FILE"] = tmp.path() + "/config";
  auto c = ssm_test::Configured("ecr", {{"profile", "prod"}});
  ssm::MintRequest p;
  std::optional<std::string> d = PlanOf(chain, c, env, &p);
  REQUIRE(d);
  CHECK(d->find("prod") != std::string::npos);
  CHECK(ssm::AwsChainPlanFromJson(nlohmann::json::parse(p.aws_chain.str())).base.kind ==
        ssm::AwsBaseSource::Kind::kProcess);
}
