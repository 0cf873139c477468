// OIDC federation from a CI job: the `webidentity` variable parsed and
// checked, the AWS plan it makes (the token's source, never the token), the
// ID token fetched from GitHub's token service, a variable or a file, and
// exchanged with STS; no message ever holds the ID token or the request token.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "common/error.h"
#include "net/aws/aws_chain.h"
#include "net/azure/azure_chain.h"
#include "net/ci/id_token.h"
#include "net/google/google_chain.h"
#include "providers/aws/aws_identity.h"
#include "providers/aws/aws_plan_codec.h"
#include "providers/azure/azure_identity.h"
#include "providers/ci/web_identity_config.h"
#include "providers/google/google_identity.h"
#include "providers/provider_table.h"
#include "support/http_fakes.h"
#include "support/temp_dir.h"

namespace {

constexpr int64_t kNow = 1764590400;  // 2025-12-01T12:00:00Z
const std::string kJwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYifQ.c2lnbmF0dXJlLW9mLXRoZS1pc3N1ZXI";
const std::string kRequestToken = "ghs-request-token-7f3a";
const std::string kRequestUrl = "https://pipelines.actions.example/abc/idtoken?api-version=2.0";

using Services = ssm::test::RecordedServices;

ssm::EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ssm::RegistryConfig Config(const std::string& provider, std::map<std::string, std::string> values) {
  ssm::RegistryConfig c;
  c.provider = provider;
  c.values = std::move(values);
  c.sources = {"environment"};
  return c;
}

std::string Refusal(const ssm::RegistryConfig& c) {
  try {
    ssm::FindProvider(c.provider)->Validate(c);
  } catch (const ssm::Error& e) {
    return e.what();
  }
  return "";
}

std::string FetchRefusal(const ssm::WebIdentity& w, Services& http, const ssm::EnvLookup& env,
                         const ssm::TextFileReader& files = [](const std::string&) { return std::nullopt; }) {
  try {
    ssm::FetchIdToken(w, http, env, files, "ecr");
  } catch (const ssm::Error& e) {
    return e.what();
  }
  FAIL("no refusal");
  return "";
}

const std::string kRole = "arn:aws:iam::111122223333:role/ci-puller";

}  // namespace

TEST_CASE("web identity: github, env:NAME and file:PATH; anything else refused with the forms", "[web_identity]") {
  auto github = ssm::ParseWebIdentity("github", "ecr");
  CHECK(github.kind == ssm::WebIdentity::Kind::kGithub);
  auto env = ssm::ParseWebIdentity("env:GITLAB_OIDC_TOKEN", "ecr");
  CHECK(env.kind == ssm::WebIdentity::Kind::kEnv);
  CHECK(env.name == "GITLAB_OIDC_TOKEN");
  CHECK(env.Describe() == "the ID token in $GITLAB_OIDC_TOKEN");
  auto file = ssm::ParseWebIdentity("file:/run/ci/token.jwt", "ecr");
  CHECK(file.kind == ssm::WebIdentity::Kind::kFile);
  CHECK(file.Describe() == "the ID token file /run/ci/token.jwt");
  for (const char* bad : {"", "GitHub", "gitlab", "env:", "env:1X", "env:A-B", "env:A B", "file:", "file:rel/token",
                          "file:/a\nb", "https://token"}) {
    INFO(bad);
    try {
      ssm::ParseWebIdentity(bad, "ecr/ci");
      FAIL("accepted");
    } catch (const ssm::Error& e) {
      CHECK(e.kind() == ssm::Error::Kind::kBadInput);
      CHECK(std::string(e.what()).rfind("ecr/ci: webidentity ", 0) == 0);
      CHECK(std::string(e.what()).find("github, env:NAME") != std::string::npos);
    }
  }
  // The codec keeps everything across the module boundary.
  github.audience = "sts.amazonaws.com";
  github.binding = "b1";
  auto back = ssm::WebIdentityFromJson(ssm::WebIdentityToJson(github));
  CHECK(back.kind == github.kind);
  CHECK(back.audience == "sts.amazonaws.com");
  CHECK(back.binding == "b1");
  CHECK(ssm::WebIdentityFromJson(ssm::WebIdentityToJson(env)).name == "GITLAB_OIDC_TOKEN");
}

TEST_CASE("web identity: the audience, and the job it is bound to", "[web_identity]") {
  auto c = Config("ecr", {{"webidentity", "github"}, {"rolearn", kRole}});
  auto w = ssm::WebIdentityFor(c, "sts.amazonaws.com", Env({}));
  CHECK(w.audience == "sts.amazonaws.com");
  c.values["audience"] = "https://github.com/octo-org";
  CHECK(ssm::WebIdentityFor(c, "sts.amazonaws.com", Env({})).audience == "https://github.com/octo-org");
  // Another job (run, repository, request URL) is another identity in the caches.
  auto a = ssm::WebIdentityFor(c, "", Env({{"GITHUB_RUN_ID", "1"}, {"ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl}}));
  auto b = ssm::WebIdentityFor(c, "", Env({{"GITHUB_RUN_ID", "2"}, {"ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl}}));
  auto a2 = ssm::WebIdentityFor(c, "", Env({{"GITHUB_RUN_ID", "1"}, {"ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl}}));
  CHECK(a.binding != b.binding);
  CHECK(a.binding == a2.binding);
  auto e = Config("ecr", {{"webidentity", "env:TOKEN"}, {"rolearn", kRole}});
  CHECK(ssm::WebIdentityFor(e, "", Env({{"TOKEN", "x.y.z"}})).binding !=
        ssm::WebIdentityFor(e, "", Env({{"TOKEN", "x.y.w"}})).binding);
  CHECK(ssm::WebIdentityFor(e, "", Env({{"TOKEN", "x.y.z"}})).binding.find("x.y.z") == std::string::npos);
}

TEST_CASE("web identity: ecr needs rolearn and takes no key, profile or external ID beside it", "[web_identity]") {
  CHECK(Refusal(Config("ecr", {{"webidentity", "github"}, {"rolearn", kRole}})).empty());
  CHECK(Refusal(Config("ecr", {{"webidentity", "env:T"}, {"rolearn", kRole}, {"audience", "sts.amazonaws.com"},
                               {"sessionname", "ci-job"}}))
            .empty());
  CHECK(Refusal(Config("ecr", {{"webidentity", "github"}})) ==
        "ecr: webidentity needs rolearn (the role the ID token assumes)");
  CHECK(Refusal(Config("ecr", {{"webidentity", "github"}, {"rolearn", kRole}, {"profile", "p"}})) ==
        "ecr: webidentity excludes profile");
  CHECK(Refusal(Config("ecr", {{"webidentity", "github"}, {"rolearn", kRole}, {"externalid", "x"}})) ==
        "ecr: webidentity excludes externalid");
  CHECK(Refusal(Config("ecr", {{"audience", "sts.amazonaws.com"}})) == "ecr: audience needs webidentity");
  CHECK(Refusal(Config("ecr", {{"webidentity", "gitlab"}, {"rolearn", kRole}})).find("webidentity is not one") !=
        std::string::npos);
  CHECK(Refusal(Config("ecr", {{"webidentity", "github"}, {"rolearn", kRole}, {"audience", "a b"}})) ==
        "ecr: audience must be printable ASCII without spaces");
}

TEST_CASE("web identity: the ECR plan is AssumeRoleWithWebIdentity of rolearn from the token's source", "[web_identity]") {
  // Keys in the environment would win in the SDKs' chain; webidentity is asked for by name.
  setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
  setenv("CI_ID_TOKEN", kJwt.c_str(), 1);
  auto c = Config("ecr", {{"webidentity", "env:CI_ID_TOKEN"}, {"rolearn", kRole}});
  ssm::MintRequest r;
  REQUIRE(ssm::PrepareAwsIdentity(c, "eu-west-1", "amazonaws.com", &r));
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("CI_ID_TOKEN");
  CHECK(r.aws.source == "web identity (the ID token in $CI_ID_TOKEN), role " + kRole);
  CHECK(r.aws_chain.str().find(kJwt) == std::string::npos);
  CHECK(r.aws_chain.str().find("AKIAENVIRONMENT") == std::string::npos);
  CHECK_FALSE(r.identity_key.empty());
  auto json = nlohmann::json::parse(r.aws_chain.str());
  ssm::AwsChainPlan plan = ssm::AwsChainPlanFromJson(json);
  CHECK(plan.base.kind == ssm::AwsBaseSource::Kind::kWebIdentity);
  CHECK(plan.base.role_arn == kRole);
  CHECK(plan.base.session_name == "docker-credential-ssm");
  CHECK(plan.roles.empty());
  CHECK(ssm::AwsChainSettingsFromJson(json).sts_endpoint == "https://sts.eu-west-1.amazonaws.com");
  auto source = ssm::WebIdentityFromJson(nlohmann::json::parse(plan.base.web_identity));
  CHECK(source.kind == ssm::WebIdentity::Kind::kEnv);
  CHECK(source.name == "CI_ID_TOKEN");
  CHECK(ssm::FindProvider("ecr")->IdentitySource(c) == r.aws.source);
}

TEST_CASE("web identity: GitHub's token service asked with the bearer request token, the JWT sent to STS", "[web_identity]") {
  Services http;
  auto env = Env({{"ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl}, {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken}});
  const std::string token_url = kRequestUrl + "&audience=sts.amazonaws.com";
  http.answers["GET " + token_url] = {{200, "{\"count\":1,\"value\":\"" + kJwt + "\"}"}};
  http.answers["POST https://sts.eu-west-1.amazonaws.com/"] = {{
      200, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIACI"
           "</AccessKeyId><SecretAccessKey>cisecret</SecretAccessKey><SessionToken>citoken</SessionToken><Expiration>"
           "2025-12-01T13:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
           "</AssumeRoleWithWebIdentityResponse>"}};
  ssm::WebIdentity w = ssm::ParseWebIdentity("github", "ecr");
  w.audience = "sts.amazonaws.com";
  ssm::AwsChainPlan plan;
  plan.base.kind = ssm::AwsBaseSource::Kind::kWebIdentity;
  plan.base.role_arn = kRole;
  plan.base.session_name = "docker-credential-ssm";
  plan.base.web_identity = ssm::WebIdentityToJson(w).dump();
  plan.base.description = "web identity (" + w.Describe() + "), role " + kRole;
  ssm::AwsChainContext context;
  context.http = &http;
  context.env = env;
  context.read_file = [](const std::string&) { return std::nullopt; };
  context.now = kNow;
  context.sts_endpoint = "https://sts.eu-west-1.amazonaws.com";
  context.sts_region = "eu-west-1";
  context.what = "ecr";
  auto creds = ssm::RunAwsChain(plan, context);
  REQUIRE(creds);
  CHECK(creds->keys.access_key_id == "ASIACI");
  REQUIRE(http.sent.size() == 2);
  CHECK(http.sent[0].method == "GET");
  CHECK(ssm::test::HeaderValue(http.sent[0], "Authorization") == "Bearer " + kRequestToken);
  auto form = ssm::test::FormFields(http.sent[1].body.str());
  CHECK(form["Action"] == "AssumeRoleWithWebIdentity");
  CHECK(form["RoleArn"] == kRole);
  CHECK(form["WebIdentityToken"] == kJwt);
  CHECK(ssm::test::HeaderValue(http.sent[1], "Authorization").empty());

  // A URL without a query gets ?audience=, escaped.
  Services plain;
  w.audience = "https://iam.googleapis.com/projects/1/x";
  plain.answers["GET https://token.example/id?audience=https%3A%2F%2Fiam.googleapis.com%2Fprojects%2F1%2Fx"] = {{
      200, "{\"value\":\"" + kJwt + "\"}"}};
  CHECK(ssm::FetchIdToken(w, plain,
                          Env({{"ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example/id"},
                               {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken}}),
                          [](const std::string&) { return std::nullopt; }, "gcr")
            .str() == kJwt);
}

TEST_CASE("web identity: each source failing is one line naming it, never a token", "[web_identity]") {
  ssm::WebIdentity github = ssm::ParseWebIdentity("github", "ecr");
  github.audience = "sts.amazonaws.com";
  Services http;
  auto env = Env({{"ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl}, {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken}});
  const std::string url = "GET " + kRequestUrl + "&audience=sts.amazonaws.com";
  std::vector<std::string> messages;
  messages.push_back(FetchRefusal(github, http, Env({})));
  CHECK(messages.back().find("permissions: id-token: write") != std::string::npos);
  messages.push_back(FetchRefusal(github, http, Env({{"ACTIONS_ID_TOKEN_REQUEST_URL", "http://x/"},
                                                     {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken}})));
  CHECK(messages.back().find("not an https:// URL") != std::string::npos);
  http.answers[url] = {{403, "{\"message\":\"" + kRequestToken + "\"}"}};
  messages.push_back(FetchRefusal(github, http, env));
  CHECK(messages.back() == "ecr: the GitHub Actions ID token request to https://pipelines.actions.example/abc/idtoken "
                           "answered HTTP 403 (is `permissions: id-token: write` given to the job?)");
  http.answers[url] = {{200, "{\"token\":\"" + kJwt + "\"}"}};
  messages.push_back(FetchRefusal(github, http, env));
  CHECK(messages.back().find("without a \"value\"") != std::string::npos);
  http.answers[url] = {{200, "{\"value\":\"not a jwt " + kRequestToken + "\"}"}};
  messages.push_back(FetchRefusal(github, http, env));
  CHECK(messages.back().find("is not a JWT") != std::string::npos);

  ssm::WebIdentity var = ssm::ParseWebIdentity("env:CI_ID_TOKEN", "ecr");
  messages.push_back(FetchRefusal(var, http, Env({})));
  CHECK(messages.back() == "ecr: webidentity env:CI_ID_TOKEN: the variable CI_ID_TOKEN is not set (GitLab CI: declare "
                           "it under id_tokens: in the job)");
  messages.push_back(FetchRefusal(var, http, Env({{"CI_ID_TOKEN", ""}})));
  CHECK(messages.back() == "ecr: the ID token in $CI_ID_TOKEN is empty");
  messages.push_back(FetchRefusal(var, http, Env({{"CI_ID_TOKEN", kJwt + ".extra"}})));
  CHECK(messages.back() == "ecr: the ID token in $CI_ID_TOKEN is not a JWT (three base64url parts)");
  CHECK(ssm::FetchIdToken(var, http, Env({{"CI_ID_TOKEN", " " + kJwt + "\n"}}), nullptr, "ecr").str() == kJwt);

  ssm::WebIdentity file = ssm::ParseWebIdentity("file:/run/ci/token", "ecr");
  messages.push_back(FetchRefusal(file, http, Env({})));
  CHECK(messages.back() == "ecr: the ID token file /run/ci/token does not exist");
  auto files = [](const std::string&) -> std::optional<std::string> { return kJwt + "\n"; };
  CHECK(ssm::FetchIdToken(file, http, Env({}), files, "ecr").str() == kJwt);

  for (const std::string& m : messages) {
    INFO(m);
    CHECK(m.find(kJwt) == std::string::npos);
    CHECK(m.find(kRequestToken) == std::string::npos);
    CHECK(m.find("api-version") == std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
  }
}

TEST_CASE("web identity: JWT shape", "[web_identity]") {
  CHECK(ssm::LooksLikeJwt(kJwt));
  CHECK(ssm::LooksLikeJwt("a.b.c"));
  for (const char* bad : {"", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "a.b.c d", "a.b.c\n", "a+b.c.d"}) {
    INFO(bad);
    CHECK_FALSE(ssm::LooksLikeJwt(bad));
  }
}

namespace {

const std::string kWif = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci/providers/gh";
const std::string kSa = "puller@proj.iam.gserviceaccount.com";

}  // namespace

TEST_CASE("web identity: gcr needs workloadprovider, and takes no key beside it", "[web_identity]") {
  CHECK(Refusal(Config("gcr", {{"webidentity", "github"}, {"workloadprovider", kWif}})).empty());
  CHECK(Refusal(Config("gcr", {{"webidentity", "env:T"}, {"workloadprovider", kWif.substr(21)}, {"serviceaccount", kSa}}))
            .empty());
  CHECK(Refusal(Config("gcr", {{"webidentity", "github"}})) == "gcr: webidentity needs workloadprovider (set both or neither)");
  CHECK(Refusal(Config("gcr", {{"workloadprovider", kWif}})) == "gcr: workloadprovider needs webidentity (set both or neither)");
  CHECK(Refusal(Config("gcr", {{"webidentity", "github"}, {"workloadprovider", "//iam.googleapis.com/projects/1/pools/x"}}))
            .find("workloadprovider must be a workload identity pool provider") != std::string::npos);
  CHECK(Refusal(Config("gcr", {{"webidentity", "github"}, {"workloadprovider", kWif}, {"clientemail", kSa}})) ==
        "gcr: webidentity excludes clientemail");
  CHECK(Refusal(Config("gcr", {{"webidentity", "github"}, {"workloadprovider", kWif}, {"serviceaccount", "default"}}))
            .find("the e-mail of the service account to impersonate") != std::string::npos);
  CHECK(ssm::WorkloadProviderName(kWif.substr(21)) == kWif);
  CHECK(ssm::WorkloadProviderName("https://iam.googleapis.com/" + kWif.substr(21)).empty());
  CHECK(ssm::WorkloadProviderName(kWif + "/x").empty());
}

TEST_CASE("web identity: gcr exchanges the job's token at Google's STS, then impersonates", "[web_identity]") {
  setenv("ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl.c_str(), 1);
  setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken.c_str(), 1);
  auto c = Config("gcr", {{"webidentity", "github"}, {"workloadprovider", kWif}, {"serviceaccount", kSa}});
  ssm::FindProvider("gcr")->Validate(c);
  ssm::MintRequest r;
  r.kind = "gcr";
  r.what = "gcr";
  r.now = kNow;
  REQUIRE(ssm::PrepareGoogleIdentity(c, &r));
  CHECK(r.google_chain.str().find(kRequestToken) == std::string::npos);
  CHECK(ssm::GoogleIdentitySource(c) == "workload identity federation (" + kWif + ") with the GitHub Actions ID token (audience https:" + kWif + "), then service account " + kSa);
  Services http;
  // The ID token's default audience is the provider's default allowed audience.
  http.answers["GET " + kRequestUrl + "&audience=https%3A%2F%2Fiam.googleapis.com%2Fprojects%2F123%2Flocations%2F"
                                      "global%2FworkloadIdentityPools%2Fci%2Fproviders%2Fgh"] = {{200, "{\"value\":\"" + kJwt + "\"}"}};
  http.answers["POST https://sts.googleapis.com/v1/token"] = {{200, R"({"access_token":"ya29.federated","expires_in":3599})"}};
  http.answers["POST https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" + kSa + ":generateAccessToken"] = {{
      200, R"({"accessToken":"ya29.impersonated","expireTime":"2025-12-01T13:00:00Z"})"}};
  auto token = ssm::RunGoogleChain(nlohmann::json::parse(r.google_chain.str()), r, http,
                                   [](const std::string&) { return std::nullopt; });
  unsetenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  unsetenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  REQUIRE(token);
  CHECK(token->username == "oauth2accesstoken");
  CHECK(token->secret.str() == "ya29.impersonated");
  REQUIRE(http.sent.size() == 3);
  CHECK(ssm::test::HeaderValue(http.sent[0], "Authorization") == "Bearer " + kRequestToken);
  auto form = ssm::test::FormFields(http.sent[1].body.str());
  CHECK(form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange");
  CHECK(form["audience"] == kWif);
  CHECK(form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt");
  CHECK(form["subject_token"] == kJwt);
  CHECK(ssm::test::HeaderValue(http.sent[2], "Authorization") == "Bearer ya29.federated");

  // A credentials file cannot ask for the job's token: only the registry's webidentity does.
  nlohmann::json plan = nlohmann::json::parse(r.google_chain.str());
  plan.erase("web_identity");
  Services none;
  try {
    ssm::RunGoogleChain(plan, r, none, [](const std::string&) { return std::nullopt; });
    FAIL("ran without a subject token source");
  } catch (const ssm::Error& e) {
    CHECK(std::string(e.what()).find("has no credential_source") != std::string::npos);
  }
}

TEST_CASE("web identity: acr needs clientid and tenantid, and takes no secret beside it", "[web_identity]") {
  auto c = Config("acr", {{"clientid", "app"}, {"tenantid", "t"}, {"webidentity", "github"}});
  CHECK(Refusal(c).empty());
  CHECK(ssm::FindProvider("acr")->FindVariable("audience"));
  c.values.erase("tenantid");
  CHECK(Refusal(c) == "acr: the variable tenantid is required");
  c.values["tenantid"] = "t";
  c.values.erase("clientid");
  CHECK(Refusal(c) == "acr: the variable clientid is required");
  c.values["clientid"] = "app";
  c.secrets["clientsecret"] = ssm::SecretString("s");
  CHECK(Refusal(c) == "acr: webidentity replaces clientsecret: give one of them");
  c.secrets.clear();
  c.values["identity"] = "managed";
  CHECK(Refusal(c) == "acr: webidentity is a workload identity; it excludes identity managed");
  c.values.erase("identity");
  c.values["webidentity"] = "bogus";
  CHECK(Refusal(c).find("acr: webidentity is not one of the known sources") == 0);
}

TEST_CASE("web identity: acr sends the job's token as the federated client assertion of clientid", "[web_identity]") {
  auto c = Config("acr", {{"clientid", "app-1"}, {"tenantid", "tenant-1"}, {"webidentity", "github"}});
  auto env = Env({{"ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl},
                  {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken},
                  {"GITHUB_ACTIONS", "true"},
                  {"GITHUB_RUN_ID", "42"}});
  ssm::MintRequest r;
  r.kind = "acr";
  r.what = "acr";
  r.registry = "myreg.azurecr.io";
  r.now = kNow;
  REQUIRE(ssm::PlanAzureIdentity(c, env, &r));
  // The plan names the token's source, never a token.
  CHECK(r.azure_chain.str().find(kJwt) == std::string::npos);
  CHECK(r.azure_chain.str().find(kRequestToken) == std::string::npos);
  nlohmann::json plan = nlohmann::json::parse(r.azure_chain.str());
  CHECK(plan["source"] == "workload");
  CHECK(plan["web_identity"]["audience"] == "api://AzureADTokenExchange");

  // The chain runs in the network module, which reads the process environment.
  ssm::test::ScopedEnv url("ACTIONS_ID_TOKEN_REQUEST_URL", kRequestUrl.c_str());
  ssm::test::ScopedEnv bearer("ACTIONS_ID_TOKEN_REQUEST_TOKEN", kRequestToken.c_str());
  Services http;
  http.answers["GET " + kRequestUrl + "&audience=api%3A%2F%2FAzureADTokenExchange"] = {{200, "{\"value\":\"" + kJwt + "\"}"}};
  http.answers["POST https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"] = {{
      200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"aad-ci"})"}};
  auto token = ssm::RunAzureChain(plan, r, http, [](const std::string&) { return std::nullopt; });
  REQUIRE(token);
  REQUIRE(http.sent.size() == 2);
  CHECK(ssm::test::HeaderValue(http.sent[0], "Authorization") == "Bearer " + kRequestToken);
  auto form = ssm::test::FormFields(http.sent[1].body.str());
  CHECK(form["grant_type"] == "client_credentials");
  CHECK(form["client_id"] == "app-1");
  CHECK(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  CHECK(form["client_assertion"] == kJwt);
  CHECK(form.count("client_secret") == 0);

  // Refused by Azure AD: one line naming the source, never the token.
  Services refused;
  refused.answers["GET " + kRequestUrl + "&audience=api%3A%2F%2FAzureADTokenExchange"] = {{200, "{\"value\":\"" + kJwt + "\"}"}};
  refused.answers["POST https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"] = {{
      400, R"({"error":"invalid_client","error_description":"AADSTS70021: No matching federated identity record found."})"}};
  try {
    ssm::RunAzureChain(plan, r, refused, [](const std::string&) { return std::nullopt; });
    FAIL("no refusal");
  } catch (const ssm::Error& e) {
    std::string message = e.what();
    CHECK(message.find("AADSTS70021") != std::string::npos);
    CHECK(message.find(kJwt) == std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}
