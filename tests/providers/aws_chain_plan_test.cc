// The AWS default chain's plan: which source the SDKs' order picks, the
// profile forms of the shared files, and the one-line refusals.
#include "providers/aws/aws_chain_plan.h"

#include <catch2/catch.hpp>

#include "common/error.h"

namespace {

using Kind = ssm::AwsBaseSource::Kind;

struct World {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;

  ssm::AwsPlanInputs Inputs(const std::string& profile = "") {
    ssm::AwsPlanInputs in;
    in.env = [this](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    in.read_file = [this](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    in.home = "/home/u";
    in.profile = profile;
    return in;
  }
  std::optional<ssm::AwsChainPlan> Plan(const std::string& profile = "") { return ssm::PlanAwsChain(Inputs(profile)); }
  std::string Refusal(const std::string& profile = "") {
    try {
      ssm::PlanAwsChain(Inputs(profile));
    } catch (const ssm::Error& e) {
      return e.what();
    }
    FAIL("the plan was not refused");
    return "";
  }
  void Config(const std::string& text) { files["/home/u/.aws/config"] = text; }
  void Credentials(const std::string& text) { files["/home/u/.aws/credentials"] = text; }
};

}  // namespace

TEST_CASE("ini: sections, profile spacing, comments and nested blocks", "[aws_plan]") {
  auto s = ssm::ParseAwsIni(
      "# comment\n[default]\nregion = eu-west-1\n; other\n[profile   prod]\n"
      "Role_Arn=arn:aws:iam::1:role/r\ns3 =\n  max_concurrent_requests = 20\nregion=us-east-2\n"
      "[profile x]\nkey = a ; b\n");
  CHECK(s["default"]["region"] == "eu-west-1");
  CHECK(s["profile prod"]["role_arn"] == "arn:aws:iam::1:role/r");
  CHECK(s["profile prod"].count("max_concurrent_requests") == 0);
  CHECK(s["profile prod"]["region"] == "us-east-2");
  CHECK(s["profile x"]["key"] == "a ; b");
}

TEST_CASE("chain order: environment keys first, then web identity, then the profile", "[aws_plan]") {
  World w;
  w.Credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n");
  w.env["AWS_ROLE_ARN"] = "arn:aws:iam::111122223333:role/web";
  w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  w.env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  w.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  w.env["AWS_SESSION_TOKEN"] = "envsession";
  auto plan = w.Plan();
  REQUIRE(plan);
  CHECK(plan->base.kind == Kind::kStatic);
  CHECK(plan->base.keys.access_key_id == "AKIDENV");
  CHECK(plan->base.keys.session_token.str() == "envsession");
  CHECK(plan->Describe().find("envsecret") == std::string::npos);

  w.env.erase("AWS_ACCESS_KEY_ID");
  plan = w.Plan();
  REQUIRE(plan);
  CHECK(plan->base.kind == Kind::kWebIdentity);
  CHECK(plan->base.role_arn == "arn:aws:iam::111122223333:role/web");
  CHECK(plan->base.token_file == "/var/run/token");
  CHECK(plan->base.session_name == "docker-credential-ssm");
  w.env["AWS_ROLE_SESSION_NAME"] = "ci";
  CHECK(w.Plan()->base.session_name == "ci");

  w.env.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  plan = w.Plan();
  REQUIRE(plan);
  CHECK(plan->base.kind == Kind::kStatic);
  CHECK(plan->base.keys.access_key_id == "AKIDFILE");
  CHECK(plan->profile == "default");
  CHECK(plan->base.description == "profile default in /home/u/.aws/credentials");
}

TEST_CASE("no profile: the container endpoint, then instance metadata, unless switched off", "[aws_plan]") {
  World w;
  auto plan = w.Plan();
  REQUIRE(plan);
  CHECK(plan->base.kind == Kind::kInstanceMetadata);
  CHECK(plan->base.imds_endpoint == "http://169.254.169.254");
  CHECK_FALSE(plan->base.imds_v1_disabled);

  w.env["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = "IPv6";
  w.env["AWS_EC2_METADATA_V1_DISABLED"] = "true";
  plan = w.Plan();
  CHECK(plan->base.imds_endpoint == "http://[fd00:ec2::254]");
  CHECK(plan->base.imds_v1_disabled);
  w.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1338/";
  CHECK(w.Plan()->base.imds_endpoint == "http://127.0.0.1:1338");
  w.env["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = "IPv5";
  w.env.erase("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  CHECK(w.Refusal().find("IPv4 or IPv6") != std::string::npos);
  w.env.erase("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");

  w.env["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  CHECK_FALSE(w.Plan());

  w.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.23/v1/credentials";
  w.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/var/run/secrets/pods.eks.amazonaws.com/token";
  plan = w.Plan();
  REQUIRE(plan);
  CHECK(plan->base.kind == Kind::kContainer);
  CHECK(plan->base.container_url == "http://169.254.170.23/v1/credentials");
  CHECK(plan->base.container_token_file == "/var/run/secrets/pods.eks.amazonaws.com/token");

  // The relative URI wins over the full one.
  w.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  CHECK(w.Plan()->base.container_url == "http://169.254.170.2/v2/credentials/abc");
}

TEST_CASE("container endpoint: plain http only to the agent's addresses and loopback", "[aws_plan]") {
  World w;
  for (const char* ok : {"https://creds.example.com/x", "http://127.0.0.1:9000/c", "http://localhost/c",
                         "http://[::1]:80/c", "http://[fd00:ec2::23]/c", "http://169.254.170.2/c"}) {
    w.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ok;
    CHECK(w.Plan()->base.container_url == ok);
  }
  for (const char* bad : {"http://169.254.169.254/c", "http://example.com/c", "http://127.0.0.1.evil.com/c",
                          "ftp://127.0.0.1/c", "http://localhost.evil.com/"}) {
    w.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = bad;
    CHECK_THROWS_AS(w.Plan(), ssm::Error);
  }
  w.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1/c";
  w.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "abc\r\nX-Injected: 1";
  CHECK(w.Refusal().find("line break") != std::string::npos);
  CHECK(w.Refusal().find("Injected") == std::string::npos);
}

TEST_CASE("profiles: role on top of a source profile, chained, with its options", "[aws_plan]") {
  World w;
  w.Config(
      "[profile base]\nregion = eu-central-1\n"
      "[profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = base\nexternal_id = ext-1\n"
      "duration_seconds = 3600\nrole_session_name = mid\n"
      "[profile top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = middle\nregion = us-west-2\n");
  w.Credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n");
  w.env["AWS_PROFILE"] = "top";
  auto plan = w.Plan();
  REQUIRE(plan);
  CHECK(plan->profile == "top");
  CHECK(plan->region == "us-west-2");
  CHECK(plan->base.kind == Kind::kStatic);
  CHECK(plan->base.keys.access_key_id == "AKIDBASE");
  REQUIRE(plan->roles.size() == 2);
  CHECK(plan->roles[0].role_arn == "arn:aws:iam::1:role/middle");
  CHECK(plan->roles[0].external_id == "ext-1");
  CHECK(plan->roles[0].duration_seconds == 3600);
  CHECK(plan->roles[0].session_name == "mid");
  CHECK(plan->roles[1].role_arn == "arn:aws:iam::2:role/top");
  CHECK(plan->Describe() ==
        "profile base in /home/u/.aws/credentials, then role arn:aws:iam::1:role/middle, then role arn:aws:iam::2:role/top");

  // AWS_REGION wins over the profile's region.
  w.env["AWS_REGION"] = "ap-south-1";
  CHECK(w.Plan()->region == "ap-south-1");
}

TEST_CASE("profiles: a source profile with keys stops there; self-reference uses its own keys", "[aws_plan]") {
  World w;
  w.Config(
      "[profile src]\nrole_arn = arn:aws:iam::9:role/ignored\n"
      "[profile dst]\nrole_arn = arn:aws:iam::1:role/dst\nsource_profile = src\n"
      "[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n");
  w.Credentials("[src]\naws_access_key_id = AKIDSRC\naws_secret_access_key = s\n"
                "[self]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n");
  auto plan = w.Plan("dst");
  REQUIRE(plan->roles.size() == 1);
  CHECK(plan->roles[0].role_arn == "arn:aws:iam::1:role/dst");
  CHECK(plan->base.keys.access_key_id == "AKIDSRC");

  plan = w.Plan("self");
  CHECK(plan->base.keys.access_key_id == "AKIDSELF");
  REQUIRE(plan->roles.size() == 1);
  CHECK(plan->roles[0].role_arn == "arn:aws:iam::1:role/self");
}

TEST_CASE("profiles: the credentials file wins over the config file for the same keys", "[aws_plan]") {
  World w;
  w.Config("[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\nregion = eu-west-3\n");
  w.Credentials("[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = k\n");
  auto plan = w.Plan();
  CHECK(plan->base.keys.access_key_id == "AKIDCREDS");
  CHECK(plan->region == "eu-west-3");
  // Files named by the environment.
  w.files["/etc/aws/config"] = "[profile ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = c\n";
  w.env["AWS_CONFIG_FILE"] = "/etc/aws/config";
  CHECK(w.Plan("ci")->base.keys.access_key_id == "AKIDCI");
}

TEST_CASE("profiles: credential_source, web identity, process and SSO", "[aws_plan]") {
  World w;
  w.Config(
      "[profile ec2]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Ec2InstanceMetadata\n"
      "[profile ecs]\nrole_arn = arn:aws:iam::1:role/b\ncredential_source = EcsContainer\n"
      "[profile env]\nrole_arn = arn:aws:iam::1:role/c\ncredential_source = Environment\n"
      "[profile bad]\nrole_arn = arn:aws:iam::1:role/d\ncredential_source = Magic\n"
      "[profile web]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = /t\nrole_session_name = w\n"
      "[profile proc]\ncredential_process = /usr/bin/fetch-creds --profile \"x y\"\n"
      "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
      "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
      "[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\n"
      "sso_account_id = 1\nsso_role_name = R\n"
      "[profile ssohalf]\nsso_session = corp\nsso_account_id = 1\n");

  auto plan = w.Plan("ec2");
  CHECK(plan->base.kind == Kind::kInstanceMetadata);
  REQUIRE(plan->roles.size() == 1);
  // Ec2InstanceMetadata means instance metadata even inside a container.
  w.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/x";
  CHECK(w.Plan("ec2")->base.kind == Kind::kInstanceMetadata);
  CHECK(w.Plan("ecs")->base.kind == Kind::kContainer);
  w.env.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  CHECK(w.Refusal("ecs").find("EcsContainer") != std::string::npos);

  CHECK(w.Refusal("env").find("AWS_ACCESS_KEY_ID") != std::string::npos);
  w.env["AWS_ACCESS_KEY_ID"] = "AKIDE";
  w.env["AWS_SECRET_ACCESS_KEY"] = "e";
  plan = w.Plan("env");
  CHECK(plan->base.keys.access_key_id == "AKIDE");
  CHECK(plan->roles.size() == 1);
  CHECK(w.Refusal("bad").find("Environment, Ec2InstanceMetadata or EcsContainer") != std::string::npos);

  plan = w.Plan("web");
  CHECK(plan->base.kind == Kind::kWebIdentity);
  CHECK(plan->base.role_arn == "arn:aws:iam::1:role/web");
  CHECK(plan->base.session_name == "w");
  CHECK(plan->roles.empty());  // the web identity step assumes the role itself

  plan = w.Plan("proc");
  CHECK(plan->base.kind == Kind::kProcess);
  CHECK(plan->base.command == "/usr/bin/fetch-creds --profile \"x y\"");

  plan = w.Plan("sso");
  CHECK(plan->base.kind == Kind::kSso);
  CHECK(plan->base.sso_start_url == "https://corp.awsapps.com/start");
  CHECK(plan->base.sso_region == "eu-west-1");
  CHECK(plan->base.sso_cache_name == "corp");
  CHECK(plan->base.sso_account_id == "111122223333");
  plan = w.Plan("legacy");
  CHECK(plan->base.sso_cache_name == "https://old.awsapps.com/start");
  CHECK(w.Refusal("ssohalf").find("without sso_role_name") != std::string::npos);
}

TEST_CASE("profiles: what the SDKs refuse is one line naming the profile", "[aws_plan]") {
  World w;
  w.Config(
      "[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
      "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n"
      "[profile norole]\nsource_profile = loop1\n"
      "[profile both]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop1\ncredential_source = Environment\n"
      "[profile missing]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = nowhere\n"
      "[profile mfa]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = keys\nmfa_serial = arn:aws:iam::1:mfa/u\n"
      "[profile dur]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = keys\nduration_seconds = 60\n"
      "[profile webnorole]\nweb_identity_token_file = /t\n");
  w.Credentials("[keys]\naws_access_key_id = AKID\naws_secret_access_key = s\n");
  CHECK(w.Refusal("loop1").find("loop") != std::string::npos);
  CHECK(w.Refusal("norole").find("no role_arn") != std::string::npos);
  CHECK(w.Refusal("both").find("both source_profile and credential_source") != std::string::npos);
  CHECK(w.Refusal("missing").find("source_profile nowhere is not in") != std::string::npos);
  CHECK(w.Refusal("mfa").find("mfa_serial") != std::string::npos);
  CHECK(w.Refusal("dur").find("between 900 and 43200") != std::string::npos);
  CHECK(w.Refusal("webnorole").find("no role_arn") != std::string::npos);
  // A profile asked for by name must exist; the default one may be absent.
  CHECK(w.Refusal("absent").find("AWS profile \"absent\" is not in /home/u/.aws/config") != std::string::npos);
  w.env["AWS_PROFILE"] = "absent2";
  CHECK(w.Refusal().find("absent2") != std::string::npos);
  w.env.erase("AWS_PROFILE");
  CHECK(w.Plan()->base.kind == Kind::kInstanceMetadata);
  // A per-registry profile skips the environment's keys.
  w.env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  w.env["AWS_SECRET_ACCESS_KEY"] = "e";
  CHECK(w.Plan("keys")->base.keys.access_key_id == "AKID");
  CHECK(w.Plan()->base.keys.access_key_id == "AKIDENV");
}
