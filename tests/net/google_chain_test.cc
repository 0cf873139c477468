// Google Application Default Credentials against recorded services: the
// exact grants, the STS exchange, impersonation and the metadata server.
#include "net/google/google_chain.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "providers/ecr_provider.h"
#include "providers/google/google_identity.h"
#include "providers/provider_table.h"
#include "support/chain_fixture.h"
#include "support/http_fakes.h"
#include "support/temp_dir.h"

namespace {

constexpr int64_t kNow = 1764590400;  // 2025-12-01T12:00:00Z


const std::multimap<std::string, std::string> kGoogle = {{"metadata-flavor", "Google"}};

struct Fixture : ssm::test::ChainFixture {
  Fixture() : ChainFixture("gcr", kNow) {}
  std::optional<ssm::MintedToken> Run(const nlohmann::json& plan) {
    return ssm::RunGoogleChain(plan, request, http, read);
  }
  std::string Refusal(const nlohmann::json& plan) {
    return ssm::test::RefusalOf([&] { Run(plan); });
  }
};

nlohmann::json FilePlan(const nlohmann::json& adc) {
  return {{"source", "file"}, {"description", "GOOGLE_APPLICATION_CREDENTIALS (/adc.json)"}, {"adc", adc}};
}

// Debug logging on and stderr into a file while alive; Text() reads it.
class DebugStderr {
 public:
  explicit DebugStderr(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = dup(2);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    ssm::SetLogLevel(ssm::LogLevel::kDebug);
  }
  ~DebugStderr() { Restore(); }
  std::string Text() {
    Restore();
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    ssm::SetLogLevel(ssm::LogLevel::kWarn);
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

const char* kStsUrl = "POST https://sts.googleapis.com/v1/token";
const char* kAccessToken = R"({"access_token":"ya29.federated","expires_in":3599,"token_type":"Bearer"})";

}  // namespace

TEST_CASE("google: authorized_user is the refresh-token grant", "[google]") {
  Fixture f;
  f.http.answers["POST https://oauth2.googleapis.com/token"] = {{200, R"({"access_token":"ya29.user","expires_in":3599})", {}}};
  auto token = f.Run(FilePlan(
      {{"type", "authorized_user"}, {"client_id", "cid.apps"}, {"client_secret", "csecret"}, {"refresh_token", "1//rt"}}));
  REQUIRE(token);
  CHECK(token->username == "oauth2accesstoken");
  CHECK(token->secret.str() == "ya29.user");
  CHECK(token->expires_at == kNow + 3599);
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["grant_type"] == "refresh_token");
  CHECK(form["client_id"] == "cid.apps");
  CHECK(form["client_secret"] == "csecret");
  CHECK(form["refresh_token"] == "1//rt");

  f.http.answers["POST https://oauth2.googleapis.com/token"] = {{
      400, R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})", {}}};
  std::string message = f.Refusal(FilePlan(
      {{"type", "authorized_user"}, {"client_id", "cid.apps"}, {"client_secret", "csecret"}, {"refresh_token", "1//rt"}}));
  CHECK(message.find("invalid_grant: Token has been expired or revoked.") != std::string::npos);
  CHECK(message.find("gcloud auth application-default login") != std::string::npos);
  CHECK(message.find("1//rt") == std::string::npos);
  CHECK(message.find("csecret") == std::string::npos);
}

TEST_CASE("google: workload identity federation from a file, then impersonation", "[google]") {
  Fixture f;
  nlohmann::json adc = {
      {"type", "external_account"},
      {"audience", "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/p/providers/gh"},
      {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
      {"token_url", "https://sts.googleapis.com/v1/token"},
      {"credential_source", {{"file", "/var/run/oidc/token"}}},
      {"service_account_impersonation_url",
       "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/puller@p.iam.gserviceaccount.com:generateAccessToken"}};
  f.files["/var/run/oidc/token"] = "eyJ.subject.jwt\n";
  f.http.answers[kStsUrl] = {{200, kAccessToken, {}}};
  f.http.answers["POST " + adc["service_account_impersonation_url"].get<std::string>()] = {{
      200, R"({"accessToken":"ya29.impersonated","expireTime":"2025-12-01T13:00:00Z"})", {}}};
  auto token = f.Run(FilePlan(adc));
  REQUIRE(token);
  CHECK(token->secret.str() == "ya29.impersonated");
  CHECK(token->expires_at == kNow + 3600);
  REQUIRE(f.http.sent.size() == 2);
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange");
  CHECK(form["requested_token_type"] == "urn:ietf:params:oauth:token-type:access_token");
  CHECK(form["audience"] == adc["audience"]);
  CHECK(form["scope"] == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt");
  CHECK(form["subject_token"] == "eyJ.subject.jwt");
  CHECK(ssm::test::HeaderValue(f.http.sent[1], "Authorization") == "Bearer ya29.federated");
  auto body = nlohmann::json::parse(f.http.sent[1].body.str());
  CHECK(body["scope"][0] == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(body["lifetime"] == "3600s");

  // Without impersonation the federated token is the answer.
  adc.erase("service_account_impersonation_url");
  f.http.sent.clear();
  CHECK(f.Run(FilePlan(adc))->secret.str() == "ya29.federated");
  CHECK(f.http.sent.size() == 1);
  // The file is read when needed; gone is one line.
  f.files.clear();
  CHECK(f.Refusal(FilePlan(adc)) == "gcr: the subject token file /var/run/oidc/token does not exist");
  f.files["/var/run/oidc/token"] = "jwt";
  f.http.answers[kStsUrl] = {{400, R"({"error":"invalid_grant","error_description":"The audience does not match"})", {}}};
  CHECK(f.Refusal(FilePlan(adc)).find("invalid_grant: The audience does not match") != std::string::npos);
}

TEST_CASE("google: a url subject token with headers and a json format", "[google]") {
  Fixture f;
  nlohmann::json adc = {{"type", "external_account"},
                        {"audience", "//iam.googleapis.com/x"},
                        {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
                        {"credential_source",
                         {{"url", "http://169.254.169.254/metadata/identity/oauth2/token?resource=api://x"},
                          {"headers", {{"Metadata", "True"}}},
                          {"format", {{"type", "json"}, {"subject_token_field_name", "access_token"}}}}}};
  f.http.answers["GET http://169.254.169.254/metadata/identity/oauth2/token?resource=api://x"] = {{
      200, R"({"access_token":"azure.jwt"})", {}}};
  f.http.answers[kStsUrl] = {{200, kAccessToken, {}}};
  REQUIRE(f.Run(FilePlan(adc)));
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "Metadata") == "True");
  CHECK(ssm::test::FormFields(f.http.sent[1].body.str())["subject_token"] == "azure.jwt");

  adc["credential_source"]["headers"] = {{"Bad\r\nName", "x"}};
  CHECK(f.Refusal(FilePlan(adc)).find("line break") != std::string::npos);
  CHECK_THROWS_WITH(ssm::SubjectTokenFrom("{}", {{"type", "json"}, {"subject_token_field_name", "id_token"}}, "src"),
                    "src has no \"id_token\"");
  CHECK_THROWS_WITH(ssm::SubjectTokenFrom("x", {{"type", "xml"}}, "src"), Catch::Contains("text or json"));
}

TEST_CASE("google: impersonated_service_account and impersonate on top", "[google]") {
  Fixture f;
  nlohmann::json adc = {
      {"type", "impersonated_service_account"},
      {"service_account_impersonation_url",
       "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a@p.iam.gserviceaccount.com:generateAccessToken"},
      {"source_credentials",
       {{"type", "authorized_user"}, {"client_id", "c"}, {"client_secret", "s"}, {"refresh_token", "r"}}}};
  f.http.answers["POST https://oauth2.googleapis.com/token"] = {{200, R"({"access_token":"ya29.user","expires_in":3599})", {}}};
  f.http.answers["POST " + adc["service_account_impersonation_url"].get<std::string>()] = {{
      200, R"({"accessToken":"ya29.a","expireTime":"2025-12-01T13:00:00Z"})", {}}};
  f.http.answers["POST https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
                 "b%40p.iam.gserviceaccount.com:generateAccessToken"] = {{
      200, R"({"accessToken":"ya29.b","expireTime":"2025-12-01T12:30:00Z"})", {}}};
  nlohmann::json plan = FilePlan(adc);
  plan["impersonate"] = "b@p.iam.gserviceaccount.com";
  auto token = f.Run(plan);
  REQUIRE(token);
  CHECK(token->secret.str() == "ya29.b");
  CHECK(token->expires_at == kNow + 1800);
  REQUIRE(f.http.sent.size() == 3);
  CHECK(ssm::test::HeaderValue(f.http.sent[1], "Authorization") == "Bearer ya29.user");
  CHECK(ssm::test::HeaderValue(f.http.sent[2], "Authorization") == "Bearer ya29.a");
  f.http.answers["POST https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
                 "b%40p.iam.gserviceaccount.com:generateAccessToken"] = {{
      403, R"({"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied","status":"PERMISSION_DENIED"}})", {}}};
  CHECK(f.Refusal(plan).find("impersonating b@p.iam.gserviceaccount.com") != std::string::npos);
  CHECK_THROWS_WITH(ssm::ParseImpersonationAnswer(R"({"accessToken":"x"})", "gcr"), Catch::Contains("expireTime"));
}

TEST_CASE("google: the metadata server, its flavor, scopes and absence", "[google]") {
  Fixture f;
  nlohmann::json plan = {{"source", "metadata"},
                         {"description", "the metadata server"},
                         {"metadata_hosts", {"metadata.google.internal", "169.254.169.254"}},
                         {"service_account", "default"}};
  const std::string base = "GET http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default";
  const std::string dns = "GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default";
  f.http.answers[dns + "/token"] = {{0, "", {}}};
  f.http.answers[base + "/token"] = {{200, R"({"access_token":"ya29.gce","expires_in":3000,"token_type":"Bearer"})", kGoogle}};
  f.http.answers[base + "/scopes"] = {{200, "https://www.googleapis.com/auth/devstorage.read_only\nhttps://www.googleapis.com/auth/logging.write\n", kGoogle}};
  auto token = f.Run(plan);
  REQUIRE(token);
  CHECK(token->secret.str() == "ya29.gce");
  REQUIRE(f.http.sent.size() == 3);
  for (const auto& r : f.http.sent) {
    CHECK(ssm::test::HeaderValue(r, "Metadata-Flavor") == "Google");
    CHECK(r.total_timeout_ms <= 1000);
    CHECK(r.attempts == 1);
    CHECK(r.no_proxy);
  }

  SECTION("no scope that reads a registry: refused with a line saying so") {
    f.http.answers[base + "/scopes"] = {{200, "https://www.googleapis.com/auth/logging.write\n", kGoogle}};
    CHECK(f.Refusal(plan).find("no scope that can read a registry") != std::string::npos);
  }
  SECTION("an answer without Metadata-Flavor is not Google's: nothing here") {
    f.http.answers[base + "/token"] = {{200, R"({"access_token":"evil","expires_in":3000})", {}}};
    CHECK_FALSE(f.Run(plan));
  }
  SECTION("nothing answers: nullopt") {
    f.http.answers[base + "/token"] = {{0, "", {}}};
    CHECK_FALSE(f.Run(plan));
  }
  SECTION("a named service account that the instance lacks") {
    f.http.answers[base + "/token"] = {{404, "not found", kGoogle}};
    CHECK(f.Refusal(plan) == "gcr: the metadata server at 169.254.169.254 has no service account default");
  }
  SECTION("an instance with no service account at all: no identity here, not an error") {
    plan.erase("service_account");
    f.http.answers[base + "/token"] = {{404, "not found", kGoogle}};
    CHECK_FALSE(f.Run(plan));
  }
}

TEST_CASE("google ADC order: keyjson, GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the metadata server",
          "[google]") {
  ssm::test::TempDir tmp;
  ssm::test::ScopedEnv home("HOME", tmp.path().c_str());
  ssm::test::ScopedEnv gac("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
  ssm::test::ScopedEnv sdk("CLOUDSDK_CONFIG", nullptr);
  ssm::test::ScopedEnv check("NO_GCE_CHECK", nullptr);
  ssm::test::ScopedEnv host("GCE_METADATA_HOST", nullptr);
  ssm::RegistryConfig c;
  c.provider = "gcr";
  auto plan = [&]() {
    ssm::MintRequest r;
    REQUIRE(ssm::PrepareGoogleIdentity(c, &r));
    return nlohmann::json::parse(r.google_chain.str());
  };
  CHECK(plan()["source"] == "metadata");
  CHECK(plan()["metadata_hosts"] == nlohmann::json({"metadata.google.internal", "169.254.169.254"}));
  CHECK(ssm::GoogleIdentitySource(c).find("the metadata server") == 0);
  {
    ssm::test::ScopedEnv h("GCE_METADATA_HOST", "127.0.0.1:8080");
    CHECK(plan()["metadata_hosts"] == nlohmann::json({"127.0.0.1:8080"}));
  }
  std::string user = R"({"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"})";
  std::filesystem::create_directories(tmp.path() + "/.config/gcloud");
  ssm::test::WriteAll(tmp.path() + "/.config/gcloud/application_default_credentials.json", user);
  CHECK(plan()["source"] == "gcloud");
  CHECK(plan()["adc"]["type"] == "authorized_user");
  ssm::test::WriteAll(tmp.path() + "/adc.json", R"({"type":"external_account","audience":"a","subject_token_type":"t",)"
                                                R"("credential_source":{"file":"/t"}})");
  {
    ssm::test::ScopedEnv g("GOOGLE_APPLICATION_CREDENTIALS", (tmp.path() + "/adc.json").c_str());
    CHECK(plan()["source"] == "file");
    CHECK(ssm::GoogleIdentitySource(c) == "GOOGLE_APPLICATION_CREDENTIALS (" + tmp.path() + "/adc.json) (external_account)");
    c.secrets["keyjson"] = ssm::SecretString(user);
    CHECK(plan()["source"] == "keyjson");
    c.secrets.clear();
  }
  {
    ssm::test::ScopedEnv g("GOOGLE_APPLICATION_CREDENTIALS", (tmp.path() + "/missing.json").c_str());
    ssm::MintRequest r;
    CHECK_THROWS_WITH(ssm::PrepareGoogleIdentity(c, &r), Catch::Contains("GOOGLE_APPLICATION_CREDENTIALS names"));
  }
  std::filesystem::remove(tmp.path() + "/.config/gcloud/application_default_credentials.json");
  ssm::test::ScopedEnv off("NO_GCE_CHECK", "true");
  ssm::MintRequest r;
  CHECK_FALSE(ssm::PrepareGoogleIdentity(c, &r));
}

TEST_CASE("google: a credentials file's URLs are redacted in debug lines and messages", "[google]") {
  ssm::test::TempDir tmp;
  Fixture f;
  const std::string sts = "https://proxy-user:proxy-pw@sts.example.com/v1/token?key=sts-api-key";
  const std::string oauth = "https://oauth-user:oauth-pw@oauth.example.com/token?key=oauth-api-key";
  const std::string imp = "https://imp-user:imp-pw@iam.example.com/v1/sa:generateAccessToken?key=imp-api-key";
  nlohmann::json adc = {{"type", "external_account"},
                        {"audience", "//iam.googleapis.com/x"},
                        {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
                        {"token_url", sts},
                        {"credential_source", {{"file", "/t"}}},
                        {"service_account_impersonation_url", imp}};
  nlohmann::json user = {{"type", "authorized_user"}, {"client_id", "c"}, {"client_secret", "s"},
                         {"refresh_token", "r"},      {"token_uri", oauth}};
  f.files["/t"] = "jwt";
  f.http.answers["POST " + sts] = {{200, kAccessToken, {}}};
  f.http.answers["POST " + imp] = {{403, R"({"error":{"code":403,"status":"PERMISSION_DENIED"}})", {}}};
  f.http.answers["POST " + oauth] = {{400, R"({"error":"invalid_grant"})", {}}};
  std::string messages;
  DebugStderr capture(tmp.path() + "/stderr");
  messages += f.Refusal(FilePlan(adc)) + "\n";
  f.http.answers["POST " + sts] = {{400, R"({"error":"invalid_grant"})", {}}};
  messages += f.Refusal(FilePlan(adc)) + "\n";
  messages += f.Refusal(FilePlan(user)) + "\n";
  std::string logged = capture.Text();
  INFO(logged + messages);
  CHECK(logged.find("token exchange at https://<redacted>@sts.example.com/v1/token?<redacted>") != std::string::npos);
  CHECK(logged.find("refresh-token grant at https://<redacted>@oauth.example.com/token?<redacted>") != std::string::npos);
  for (const char* secret : {"proxy-pw", "sts-api-key", "oauth-pw", "oauth-api-key", "imp-pw", "imp-api-key"}) {
    CHECK(logged.find(secret) == std::string::npos);
    CHECK(messages.find(secret) == std::string::npos);
  }
}

TEST_CASE("google: a pod's service account token (kubelet mode) is the subject token, inline, then impersonation",
          "[google]") {
  ssm::RegistryConfig c;
  c.provider = "gcr";
  c.secrets[ssm::kPodWebIdentityToken] = ssm::SecretString("eyJ.pod.jwt");
  c.values[ssm::kPodGoogleAudience] = "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/k/providers/node";
  c.values[ssm::kPodGoogleServiceAccount] = "puller@p.iam.gserviceaccount.com";
  ssm::MintRequest r;
  REQUIRE(ssm::PrepareGoogleIdentity(c, &r));
  nlohmann::json plan = nlohmann::json::parse(r.google_chain.str());
  CHECK(plan["source"] == "pod");
  CHECK_FALSE(plan["adc"]["credential_source"].contains("file"));

  Fixture f;
  const std::string impersonation =
      "POST https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/puller@p.iam.gserviceaccount.com:generateAccessToken";
  f.http.answers[kStsUrl] = {{200, kAccessToken, {}}};
  f.http.answers[impersonation] = {{200, R"({"accessToken":"ya29.pod","expireTime":"2025-12-01T13:00:00Z"})", {}}};
  auto token = f.Run(plan);
  REQUIRE(token);
  CHECK(token->secret.str() == "ya29.pod");
  REQUIRE(f.http.sent.size() == 2);
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["subject_token"] == "eyJ.pod.jwt");
  CHECK(form["audience"] == c.values[ssm::kPodGoogleAudience]);
  CHECK(form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt");
  CHECK(f.files.empty());  // nothing read from a file

  // No workload identity provider for the pod: no source (never the node's ADC).
  c.values.erase(ssm::kPodGoogleAudience);
  ssm::MintRequest none;
  CHECK_FALSE(ssm::PrepareGoogleIdentity(c, &none));
}
