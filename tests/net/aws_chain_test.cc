// Running the AWS chain against recorded services: the exact STS, IMDS,
// container and SSO requests, the answers' parsing, and each source failing.
#include "net/aws/aws_chain.h"


#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "common/error.h"
#include "common/time_text.h"
#include "net/crypto/digest.h"
#include "net/crypto/sigv4.h"
#include "support/chain_fixture.h"
#include "support/http_fakes.h"

namespace {

using Kind = ssm::AwsBaseSource::Kind;
constexpr int64_t kNow = 1764590400;  // 2025-12-01T12:00:00Z

using Services = ssm::test::RecordedServices;

class FakeProcesses : public ssm::ProcessRunner {
 public:
  std::vector<std::vector<std::string>> ran;
  ssm::ProcessOutput answer;
  ssm::ProcessOutput Run(const std::vector<std::string>& argv, long) override {
    ran.push_back(argv);
    ssm::ProcessOutput copy;
    copy.exit_status = answer.exit_status;
    copy.timed_out = answer.timed_out;
    copy.out = ssm::SecretString(answer.out.str());
    return copy;
  }
};

std::string StsAnswer(const std::string& action, const std::string& id, const std::string& secret,
                      const std::string& token, const std::string& expiration = "2025-12-01T13:00:00Z") {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + id + "</AccessKeyId><SecretAccessKey>" + secret +
         "</SecretAccessKey><SessionToken>" + token + "</SessionToken><Expiration>" + expiration +
         "</Expiration></Credentials></" + action + "Result></" + action + "Response>";
}

std::string MetadataAnswer(const std::string& id, const std::string& secret, const std::string& token) {
  return "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" + id + "\",\"SecretAccessKey\":\"" + secret +
         "\",\"Token\":\"" + token + "\",\"Expiration\":\"2025-12-01T18:00:00Z\"}";
}

struct Fixture {
  Services http;
  FakeProcesses processes;
  std::map<std::string, std::string> files;
  ssm::AwsChainContext context;

  Fixture() {
    context.http = &http;
    context.processes = &processes;
    context.read_file = ssm::test::FileReader(files);
    context.now = kNow;
    context.home = "/home/u";
    context.sts_endpoint = "https://sts.eu-west-1.amazonaws.com";
    context.sts_region = "eu-west-1";
    context.what = "ecr";
  }
  std::optional<ssm::AwsSessionCredentials> Run(const ssm::AwsChainPlan& plan) { return ssm::RunAwsChain(plan, context); }
  std::string Refusal(const ssm::AwsChainPlan& plan) {
    return ssm::test::RefusalOf([&] { ssm::RunAwsChain(plan, context); });
  }
};

ssm::AwsChainPlan StaticPlan(const std::string& token = "") {
  ssm::AwsChainPlan plan;
  plan.base.kind = Kind::kStatic;
  plan.base.description = "profile base in /home/u/.aws/credentials";
  plan.base.keys.access_key_id = "AKIDBASE";
  plan.base.keys.secret_access_key = ssm::SecretString("basesecret");
  plan.base.keys.session_token = ssm::SecretString(token);
  return plan;
}

ssm::AwsChainPlan ImdsPlan(bool v1_disabled = false) {
  ssm::AwsChainPlan plan;
  plan.base.kind = Kind::kInstanceMetadata;
  plan.base.imds_endpoint = "http://169.254.169.254";
  plan.base.imds_v1_disabled = v1_disabled;
  plan.base.description = "instance metadata (http://169.254.169.254)";
  return plan;
}

const std::string kImds = "http://169.254.169.254";
const std::string kRoles = kImds + "/latest/meta-data/iam/security-credentials/";

}  // namespace

TEST_CASE("aws chain: roles assumed in order, each signed with the keys before it", "[aws_chain]") {
  Fixture f;
  ssm::AwsChainPlan plan = StaticPlan("basetoken");
  plan.roles.push_back({"arn:aws:iam::111111111111:role/middle", "ext-1", "mid", 3600, "profile middle"});
  plan.roles.push_back({"arn:aws:iam::222222222222:role/top", "", "top", 0, "profile top"});
  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 200,
            StsAnswer("AssumeRole", "ASIAMIDDLE", "midsecret", "midtoken"));
  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 200,
            StsAnswer("AssumeRole", "ASIATOP", "topsecret", "top&amp;token", "2025-12-01T12:45:00Z"));
  auto creds = f.Run(plan);
  REQUIRE(creds);
  CHECK(creds->keys.access_key_id == "ASIATOP");
  CHECK(creds->keys.secret_access_key.str() == "topsecret");
  CHECK(creds->keys.session_token.str() == "top&token");
  CHECK(creds->expires_at == kNow + 45 * 60);
  CHECK(creds->keys.source ==
        "profile base in /home/u/.aws/credentials, then role arn:aws:iam::111111111111:role/middle, then role "
        "arn:aws:iam::222222222222:role/top");

  REQUIRE(f.http.sent.size() == 2);
  const ssm::HttpRequest& first = f.http.sent[0];
  auto form = ssm::test::FormFields(first.body.str());
  CHECK(form["Action"] == "AssumeRole");
  CHECK(form["Version"] == "2011-06-15");
  CHECK(form["RoleArn"] == "arn:aws:iam::111111111111:role/middle");
  CHECK(form["RoleSessionName"] == "mid");
  CHECK(form["ExternalId"] == "ext-1");
  CHECK(form["DurationSeconds"] == "3600");
  CHECK(ssm::test::HeaderValue(first, "Authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDBASE/20251201/eu-west-1/sts/aws4_request", 0) == 0);
  CHECK(ssm::test::HeaderValue(first, "X-Amz-Security-Token") == "basetoken");
  // The signature covers exactly what is sent.
  ssm::SigV4Request sig;
  sig.method = "POST";
  sig.path = "/";
  sig.headers = {{"Content-Type", ssm::test::HeaderValue(first, "Content-Type")}, {"Host", "sts.eu-west-1.amazonaws.com"}};
  sig.body = first.body.str();
  ssm::SigV4Options options;
  options.region = "eu-west-1";
  options.service = "sts";
  options.now = kNow;
  CHECK(ssm::test::HeaderValue(first, "Authorization") == ssm::SignV4(sig, plan.base.keys, options).authorization);

  const ssm::HttpRequest& second = f.http.sent[1];
  CHECK(ssm::test::FormFields(second.body.str()).count("ExternalId") == 0);
  CHECK(ssm::test::FormFields(second.body.str()).count("DurationSeconds") == 0);
  CHECK(ssm::test::HeaderValue(second, "Authorization").find("Credential=ASIAMIDDLE/") != std::string::npos);
  CHECK(ssm::test::HeaderValue(second, "X-Amz-Security-Token") == "midtoken");
}

TEST_CASE("aws chain: STS refusals are one line with the service's code, never a secret", "[aws_chain]") {
  Fixture f;
  ssm::AwsChainPlan plan = StaticPlan();
  plan.roles.push_back({"arn:aws:iam::111111111111:role/r", "", "s", 0, "profile p"});
  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 403,
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is not authorized "
            "to perform: sts:AssumeRole</Message></Error></ErrorResponse>");
  std::string message = f.Refusal(plan);
  CHECK(message ==
        "ecr: AssumeRole arn:aws:iam::111111111111:role/r (profile p) at https://sts.eu-west-1.amazonaws.com answered "
        "HTTP 403: AccessDenied: User: x is not authorized to perform: sts:AssumeRole");
  CHECK(message.find("basesecret") == std::string::npos);

  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 200, "<AssumeRoleResponse></AssumeRoleResponse>");
  CHECK(f.Refusal(plan).find("without Credentials") != std::string::npos);
  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 200,
            StsAnswer("AssumeRole", "ASIA", "s3cr3t", "t0k3n", "tomorrow"));
  message = f.Refusal(plan);
  CHECK(message.find("not a time") != std::string::npos);
  CHECK(message.find("s3cr3t") == std::string::npos);
}

TEST_CASE("aws chain: web identity is an unsigned AssumeRoleWithWebIdentity with the file's token", "[aws_chain]") {
  Fixture f;
  ssm::AwsChainPlan plan;
  plan.base.kind = Kind::kWebIdentity;
  plan.base.role_arn = "arn:aws:iam::111122223333:role/irsa";
  plan.base.session_name = "pod";
  plan.base.token_file = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
  plan.base.description = "web identity";
  f.files[plan.base.token_file] = "eyJhbGciOi.header.sig\n";
  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 200,
            StsAnswer("AssumeRoleWithWebIdentity", "ASIAWEB", "websecret", "webtoken"));
  auto creds = f.Run(plan);
  REQUIRE(creds);
  CHECK(creds->keys.access_key_id == "ASIAWEB");
  REQUIRE(f.http.sent.size() == 1);
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["Action"] == "AssumeRoleWithWebIdentity");
  CHECK(form["RoleArn"] == "arn:aws:iam::111122223333:role/irsa");
  CHECK(form["RoleSessionName"] == "pod");
  CHECK(form["WebIdentityToken"] == "eyJhbGciOi.header.sig");
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "Authorization").empty());

  // The file is read at each use; a missing one is one line naming it.
  f.files.clear();
  CHECK(f.Refusal(plan) == "ecr: the web identity token file " + plan.base.token_file + " does not exist");
  f.files[plan.base.token_file] = "\n";
  CHECK(f.Refusal(plan).find("is empty") != std::string::npos);
  f.files[plan.base.token_file] = "jwt";
  f.http.On("POST https://sts.eu-west-1.amazonaws.com/", 400,
            "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Token expired</Message></Error>"
            "</ErrorResponse>");
  CHECK(f.Refusal(plan).find("HTTP 400: InvalidIdentityToken: Token expired") != std::string::npos);
}

TEST_CASE("aws chain: IMDSv2 token, role list, role credentials", "[aws_chain]") {
  Fixture f;
  f.http.On("PUT " + kImds + "/latest/api/token", 200, "imdstoken");
  f.http.On("GET " + kRoles, 200, "web-role\nother\n");
  f.http.On("GET " + kRoles + "web-role", 200, MetadataAnswer("ASIAIMDS", "imdssecret", "imdstoken2"));
  auto creds = f.Run(ImdsPlan());
  REQUIRE(creds);
  CHECK(creds->keys.access_key_id == "ASIAIMDS");
  CHECK(creds->keys.session_token.str() == "imdstoken2");
  CHECK(creds->expires_at == kNow + 6 * 3600);
  CHECK(creds->keys.source == "instance role web-role via IMDSv2");
  REQUIRE(f.http.sent.size() == 3);
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "X-aws-ec2-metadata-token-ttl-seconds") == "21600");
  CHECK(f.http.sent[0].allow_http);
  CHECK(f.http.sent[0].total_timeout_ms <= 1000);
  CHECK(ssm::test::HeaderValue(f.http.sent[1], "X-aws-ec2-metadata-token") == "imdstoken");
  CHECK(ssm::test::HeaderValue(f.http.sent[2], "X-aws-ec2-metadata-token") == "imdstoken");
}

TEST_CASE("aws chain: IMDS v1 fallback, 401 retry, absence and failures", "[aws_chain]") {
  SECTION("405 on the token PUT: IMDSv1, no token header") {
    Fixture f;
    f.http.On("PUT " + kImds + "/latest/api/token", 405, "");
    f.http.On("GET " + kRoles, 200, "r1");
    f.http.On("GET " + kRoles + "r1", 200, MetadataAnswer("ASIAV1", "s", "t"));
    auto creds = f.Run(ImdsPlan());
    REQUIRE(creds);
    CHECK(creds->keys.source == "instance role r1 via IMDSv1");
    CHECK(ssm::test::HeaderValue(f.http.sent[1], "X-aws-ec2-metadata-token").empty());
  }
  SECTION("405 with IMDSv1 switched off: one line") {
    Fixture f;
    f.http.On("PUT " + kImds + "/latest/api/token", 405, "");
    CHECK(f.Refusal(ImdsPlan(true)).find("AWS_EC2_METADATA_V1_DISABLED") != std::string::npos);
  }
  SECTION("nothing answers: no credentials, after one short probe each") {
    Fixture f;
    f.http.On("PUT " + kImds + "/latest/api/token", 0, "");
    f.http.On("GET " + kRoles, 0, "");
    CHECK_FALSE(f.Run(ImdsPlan()));
    REQUIRE(f.http.sent.size() == 2);
    long total = f.http.sent[0].total_timeout_ms + f.http.sent[1].total_timeout_ms;
    CHECK(total <= 1200);
    CHECK(f.http.sent[0].attempts == 1);
    Fixture g;
    g.http.On("PUT " + kImds + "/latest/api/token", 0, "");
    CHECK_FALSE(g.Run(ImdsPlan(true)));
    CHECK(g.http.sent.size() == 1);
  }
  SECTION("the token PUT times out but v1 answers (a container behind hop limit 1)") {
    Fixture f;
    f.http.On("PUT " + kImds + "/latest/api/token", 0, "");
    f.http.On("GET " + kRoles, 200, "r");
    f.http.On("GET " + kRoles + "r", 200, MetadataAnswer("ASIAHOP", "s", "t"));
    CHECK(f.Run(ImdsPlan())->keys.access_key_id == "ASIAHOP");
  }
  SECTION("401 on a data call: a new token, then the call again") {
    Fixture f;
    f.http.On("PUT " + kImds + "/latest/api/token", 200, "old");
    f.http.On("PUT " + kImds + "/latest/api/token", 200, "new");
    f.http.On("GET " + kRoles, 401, "");
    f.http.On("GET " + kRoles, 200, "r");
    f.http.On("GET " + kRoles + "r", 200, MetadataAnswer("ASIA401", "s", "t"));
    CHECK(f.Run(ImdsPlan())->keys.access_key_id == "ASIA401");
    CHECK(ssm::test::HeaderValue(f.http.sent[3], "X-aws-ec2-metadata-token") == "new");
  }
  SECTION("present but broken: 500, no role, 400 on the token, garbage") {
    Fixture f;
    f.http.On("PUT " + kImds + "/latest/api/token", 200, "t");
    f.http.On("GET " + kRoles, 200, "r");
    f.http.On("GET " + kRoles + "r", 500, "oops");
    CHECK(f.Refusal(ImdsPlan()) ==
          "ecr: instance metadata at http://169.254.169.254 answered HTTP 500 for the credentials of role r");
    Fixture g;
    g.http.On("PUT " + kImds + "/latest/api/token", 200, "t");
    g.http.On("GET " + kRoles, 404, "");
    CHECK(g.Refusal(ImdsPlan()).find("no IAM role") != std::string::npos);
    Fixture h;
    h.http.On("PUT " + kImds + "/latest/api/token", 400, "");
    CHECK(h.Refusal(ImdsPlan()).find("HTTP 400") != std::string::npos);
    Fixture i;
    i.http.On("PUT " + kImds + "/latest/api/token", 200, "t");
    i.http.On("GET " + kRoles, 200, "r");
    i.http.On("GET " + kRoles + "r", 200, "{\"Code\":\"AssumeRoleUnauthorizedAccess\"}");
    CHECK(i.Refusal(ImdsPlan()).find("Code AssumeRoleUnauthorizedAccess") != std::string::npos);
  }
}

TEST_CASE("aws chain: container credentials with the token file re-read", "[aws_chain]") {
  Fixture f;
  ssm::AwsChainPlan plan;
  plan.base.kind = Kind::kContainer;
  plan.base.container_url = "http://169.254.170.23/v1/credentials";
  plan.base.container_token_file = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";
  plan.base.description = "container credentials";
  f.files[plan.base.container_token_file] = "podtoken1";
  f.http.On("GET " + plan.base.container_url, 200, MetadataAnswer("ASIAPOD", "podsecret", "podsession"));
  f.http.On("GET " + plan.base.container_url, 200, MetadataAnswer("ASIAPOD2", "podsecret", "podsession"));
  CHECK(f.Run(plan)->keys.access_key_id == "ASIAPOD");
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "Authorization") == "podtoken1");
  CHECK(f.http.sent[0].allow_http);
  f.files[plan.base.container_token_file] = "podtoken2\n";
  CHECK(f.Run(plan)->keys.access_key_id == "ASIAPOD2");
  CHECK(ssm::test::HeaderValue(f.http.sent[1], "Authorization") == "podtoken2");

  f.files[plan.base.container_token_file] = "a\nb";
  CHECK(f.Refusal(plan).find("line break") != std::string::npos);
  f.files[plan.base.container_token_file] = "ok";
  f.http.On("GET " + plan.base.container_url, 403, "denied");
  CHECK(f.Refusal(plan) == "ecr: the container credentials endpoint " + plan.base.container_url + " answered HTTP 403");
}

TEST_CASE("aws chain: credential_process output, failures and its words", "[aws_chain]") {
  Fixture f;
  ssm::AwsChainPlan plan;
  plan.base.kind = Kind::kProcess;
  plan.base.command = "/opt/bin/creds --profile \"prod eu\" 'a b' c\\ d";
  plan.base.description = "profile prod in /home/u/.aws/config: credential_process";
  f.processes.answer.out = ssm::SecretString(
      "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"pt\", "
      "\"Expiration\": \"2025-12-01T12:30:00+00:00\"}");
  auto creds = f.Run(plan);
  REQUIRE(creds);
  CHECK(creds->keys.access_key_id == "ASIAPROC");
  CHECK(creds->expires_at == kNow + 1800);
  REQUIRE(f.processes.ran.size() == 1);
  CHECK(f.processes.ran[0] == std::vector<std::string>{"/opt/bin/creds", "--profile", "prod eu", "a b", "c d"});

  f.processes.answer.out = ssm::SecretString("{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"zz\"}");
  CHECK(f.Refusal(plan).find("printed no \"Version\": 1") != std::string::npos);
  f.processes.answer.out = ssm::SecretString("not json procsecret");
  std::string message = f.Refusal(plan);
  CHECK(message.find("did not print a JSON object") != std::string::npos);
  CHECK(message.find("procsecret") == std::string::npos);
  f.processes.answer.exit_status = 3;
  CHECK(f.Refusal(plan).find("(/opt/bin/creds) failed with exit status 3") != std::string::npos);
  f.processes.answer.timed_out = true;
  CHECK(f.Refusal(plan).find("did not finish within 30 s") != std::string::npos);
}

TEST_CASE("aws chain: IAM Identity Center from the token `aws sso login` cached", "[aws_chain]") {
  Fixture f;
  ssm::AwsChainPlan plan;
  plan.base.kind = Kind::kSso;
  plan.base.sso_start_url = "https://corp.awsapps.com/start";
  plan.base.sso_region = "eu-west-1";
  plan.base.sso_account_id = "111122223333";
  plan.base.sso_role_name = "ReadOnly";
  plan.base.sso_cache_name = "corp";
  plan.base.description = "profile dev in /home/u/.aws/config: IAM Identity Center, account 111122223333 role ReadOnly";
  std::string cache = "/home/u/.aws/sso/cache/" + ssm::Hex(ssm::Sha1("corp")) + ".json";
  CHECK(cache == "/home/u/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
  std::string portal =
      "GET https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=ReadOnly&account_id=111122223333";

  CHECK(f.Refusal(plan).find("run `aws sso login` for profile dev in /home/u/.aws/config") != std::string::npos);
  f.files[cache] = "{\"accessToken\": \"ssotoken\", \"expiresAt\": \"2025-12-01T11:00:00Z\"}";
  std::string expired = f.Refusal(plan);
  CHECK(expired.find("expired at 2025-12-01T11:00:00Z") != std::string::npos);
  CHECK(expired.find("ssotoken") == std::string::npos);

  f.files[cache] = "{\"accessToken\": \"ssotoken\", \"expiresAt\": \"2025-12-01T20:00:00Z\", \"region\": \"eu-west-1\"}";
  f.http.On(portal, 200,
            "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"ssosecret\",\"sessionToken\":"
            "\"ssosession\",\"expiration\":1764594000000}}");
  auto creds = f.Run(plan);
  REQUIRE(creds);
  CHECK(creds->keys.access_key_id == "ASIASSO");
  CHECK(creds->expires_at == kNow + 3600);
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "x-amz-sso_bearer_token") == "ssotoken");

  f.http.On(portal, 401, "{\"message\":\"Session token not found or invalid\"}");
  CHECK(f.Refusal(plan).find("refused the cached login (HTTP 401)") != std::string::npos);
}

TEST_CASE("aws chain: command lines split like a shell, without one", "[aws_chain]") {
  using V = std::vector<std::string>;
  CHECK(ssm::SplitCommandLine("a  b\tc") == V{"a", "b", "c"});
  CHECK(ssm::SplitCommandLine("\"a b\"c 'd\"e' f\\ g") == V{"a bc", "d\"e", "f g"});
  CHECK(ssm::SplitCommandLine("x \"q\\\"u\" $HOME `id` ;rm") == V{"x", "q\"u", "$HOME", "`id`", ";rm"});
  CHECK(ssm::SplitCommandLine("") == V{});
  CHECK(ssm::SplitCommandLine("''") == V{""});
  CHECK_THROWS_AS(ssm::SplitCommandLine("a 'b"), ssm::Error);
  CHECK_THROWS_AS(ssm::SplitCommandLine("a \"b"), ssm::Error);
}

TEST_CASE("aws chain: the real process runner reads stdout, reports status, stops at the timeout", "[aws_chain]") {
  auto runner = ssm::NewProcessRunner();
  ssm::ProcessOutput ok = runner->Run({"/bin/sh", "-c", "printf '{\"Version\":1}'"}, 5000);
  CHECK(ok.exit_status == 0);
  CHECK_FALSE(ok.timed_out);
  CHECK(ok.out.str() == "{\"Version\":1}");
  CHECK(runner->Run({"/bin/sh", "-c", "exit 7"}, 5000).exit_status == 7);
  ssm::ProcessOutput slow = runner->Run({"/bin/sh", "-c", "sleep 20"}, 200);
  CHECK(slow.timed_out);
  // A child that keeps stdout open in the background is not waited for either.
  ssm::ProcessOutput held = runner->Run({"/bin/sh", "-c", "sleep 20 & printf x"}, 300);
  CHECK(held.timed_out);
  CHECK_THROWS_AS(runner->Run({"/nonexistent/creds"}, 1000), ssm::Error);
}

TEST_CASE("time text: RFC 3339 as the clouds write it", "[time_text]") {
  CHECK(ssm::ParseRfc3339("2025-12-01T12:00:00Z") == kNow);
  CHECK(ssm::ParseRfc3339("2025-12-01T12:00:00.123456Z") == kNow);
  CHECK(ssm::ParseRfc3339("2025-12-01 13:00:00+01:00") == kNow);
  CHECK(ssm::ParseRfc3339("2025-12-01T07:00:00-0500") == kNow);
  CHECK_FALSE(ssm::ParseRfc3339("2025-12-01T12:00:00"));
  CHECK_FALSE(ssm::ParseRfc3339("2025-13-01T12:00:00Z"));
  CHECK_FALSE(ssm::ParseRfc3339("2025-12-01T12:00:00Zjunk"));
  CHECK_FALSE(ssm::ParseRfc3339(""));
  CHECK(ssm::FormatRfc3339(kNow) == "2025-12-01T12:00:00Z");
}
