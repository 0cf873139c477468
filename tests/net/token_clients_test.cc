// The token clients against a recording HTTP client: the exact requests they
// send (checked as the services check them) and how they read answers.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/error.h"
#include "common/utf8.h"
#include "net/crypto/digest.h"
#include "net/crypto/sigv4.h"
#include "net/http/http_client.h"
#include "providers/aws/aws_plan_codec.h"
#include "providers/tokens/mint.h"
#include "support/http_fakes.h"
#include "support/temp_dir.h"

namespace {

class RecordingHttp : public ssm::HttpClient {
 public:
  std::vector<ssm::HttpRequest> sent;
  std::vector<std::pair<long, std::string>> answers;

  ssm::HttpResponse Send(const ssm::HttpRequest& request) override {
    sent.push_back(request);
    ssm::HttpResponse r;
    REQUIRE(sent.size() <= answers.size());
    r.status = answers[sent.size() - 1].first;
    r.body = ssm::SecretString(answers[sent.size() - 1].second);
    return r;
  }
};

ssm::MintRequest EcrRequest() {
  ssm::MintRequest r;
  r.kind = "ecr";
  r.what = "ecr";
  r.endpoint = "https://api.ecr.eu-west-1.amazonaws.com";
  r.region = "eu-west-1";
  r.registry_id = "123456789012";
  r.aws.access_key_id = "AKIDEXAMPLE";
  r.aws.secret_access_key = ssm::SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  r.aws.session_token = ssm::SecretString("session-token");
  r.aws.source = "test";
  r.now = 1'440'938'160;  // 2015-08-30T12:36:00Z
  return r;
}

std::string EcrAnswer(const std::string& user_pass, const std::string& expires) {
  return R"({"authorizationData":[{"authorizationToken":")" + ssm::Base64Encode(user_pass) + R"(","expiresAt":)" +
         expires + R"(,"proxyEndpoint":"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"}]})";
}

}  // namespace

TEST_CASE("ECR: GetAuthorizationToken is signed as AWS checks it", "[token_clients]") {
  RecordingHttp http;
  http.answers = {{200, EcrAnswer("AWS:ecr-password", "1.4409597605E9")}};  // in 6 hours
  ssm::MintedToken t = ssm::MintToken(EcrRequest(), http);
  CHECK(t.username == "AWS");
  CHECK(t.secret.str() == "ecr-password");
  CHECK(t.expires_at == 1440959760);

  REQUIRE(http.sent.size() == 1);
  const ssm::HttpRequest& r = http.sent[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "https://api.ecr.eu-west-1.amazonaws.com/");
  CHECK(ssm::test::HeaderValue(r, "X-Amz-Target") == "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
  CHECK(ssm::test::HeaderValue(r, "Content-Type") == "application/x-amz-json-1.1");
  CHECK(ssm::test::HeaderValue(r, "Host") == "api.ecr.eu-west-1.amazonaws.com");
  CHECK(ssm::test::HeaderValue(r, "X-Amz-Date") == "20150830T123600Z");
  CHECK(ssm::test::HeaderValue(r, "X-Amz-Security-Token") == "session-token");
  CHECK(nlohmann::json::parse(r.body.str()) == nlohmann::json{{"registryIds", {"123456789012"}}});
  // Recompute the signature the way the service does, from what was sent.
  std::string auth = ssm::test::HeaderValue(r, "Authorization");
  CHECK(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/ecr/aws4_request, "
                   "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=", 0) == 0);
  ssm::SigV4Request check;
  check.method = "POST";
  check.path = "/";
  check.body = r.body.str();
  for (const char* h : {"Content-Type", "Host", "X-Amz-Target"}) check.headers.emplace_back(h, ssm::test::HeaderValue(r, h));
  ssm::AwsCredentials creds = EcrRequest().aws;
  ssm::SigV4Options o;
  o.region = "eu-west-1";
  o.service = "ecr";
  o.now = 1'440'938'160;
  CHECK(auth == ssm::SignV4(check, creds, o).authorization);
  // The secret key itself is never sent.
  for (const std::string& h : r.headers) CHECK(h.find("wJalrXUtnFEMI") == std::string::npos);
}

TEST_CASE("ECR with an AWS chain: derived credentials come back to be cached, and are used when given",
          "[token_clients]") {
  ssm::AwsChainPlan plan;
  plan.base.kind = ssm::AwsBaseSource::Kind::kInstanceMetadata;
  plan.base.imds_endpoint = "http://169.254.169.254";
  plan.base.description = "instance metadata";
  ssm::AwsChainSettings settings;
  settings.sts_endpoint = "https://sts.eu-west-1.amazonaws.com";
  settings.sts_region = "eu-west-1";
  ssm::MintRequest r = EcrRequest();
  r.aws = ssm::AwsCredentials();
  r.aws_chain = ssm::SecretString(ssm::AwsChainToJson(plan, settings).dump());
  const int64_t creds_expire = r.now + 3600;  // 2015-08-30T13:36:00Z
  std::string ecr_answer = R"({"authorizationData":[{"authorizationToken":")" + ssm::Base64Encode("AWS:ecr-token") +
                           R"(","expiresAt":)" + std::to_string(r.now + 43200) + "}]}";
  RecordingHttp http;
  http.answers = {{200, "imds-token"},
                  {200, "role-a"},
                  {200, R"({"Code":"Success","AccessKeyId":"ASIAROLE","SecretAccessKey":"role-secret","Token":"role-session",)"
                        R"("Expiration":"2015-08-30T13:36:00Z"})"},
                  {200, ecr_answer}};
  ssm::MintedToken first = ssm::MintToken(r, http);
  REQUIRE(http.sent.size() == 4);
  CHECK(ssm::test::HeaderValue(http.sent[3], "Authorization").find("Credential=ASIAROLE/") != std::string::npos);
  CHECK(ssm::test::HeaderValue(http.sent[3], "X-Amz-Security-Token") == "role-session");
  CHECK(first.secret.str() == "ecr-token");
  // The token is not trusted to outlive the credentials that minted it.
  CHECK(first.expires_at == creds_expire);
  CHECK(first.identity_expires_at == creds_expire);
  REQUIRE_FALSE(first.identity.empty());

  // Given back (from the caller's cache), the module asks no metadata service.
  r.identity = first.identity;
  RecordingHttp again;
  again.answers = {{200, ecr_answer}};
  ssm::MintedToken second = ssm::MintToken(r, again);
  REQUIRE(again.sent.size() == 1);
  CHECK(ssm::test::HeaderValue(again.sent[0], "Authorization").find("Credential=ASIAROLE/") != std::string::npos);
  CHECK(second.expires_at == creds_expire);
  CHECK(second.identity.empty());  // nothing new to cache
}

TEST_CASE("a CA file named for the services is read when minting, one line when it is missing", "[token_clients]") {
  ssm::MintRequest r = EcrRequest();
  r.ca_file = "/nonexistent/aws-ca.pem";
  RecordingHttp http;
  CHECK_THROWS_WITH(ssm::MintToken(r, http),
                    "ecr: the CA file /nonexistent/aws-ca.pem (AWS_CA_BUNDLE) does not exist");
  CHECK(http.sent.empty());
  ssm::test::TempDir tmp;
  r.ca_file = tmp.path() + "/ca.pem";
  ssm::test::WriteAll(r.ca_file, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  http.answers = {{500, "{}"}};
  r.attempts = 1;
  CHECK_THROWS(ssm::MintToken(r, http));
  REQUIRE(http.sent.size() == 1);
  CHECK(http.sent[0].ca_pem.find("MIIB") != std::string::npos);
}

TEST_CASE("ECR Public: its target, service and answer shape", "[token_clients]") {
  RecordingHttp http;
  http.answers = {{200, R"({"authorizationData":{"authorizationToken":")" + ssm::Base64Encode("AWS:pub") +
                            R"(","expiresAt":1740000000}})"}};
  ssm::MintRequest req = EcrRequest();
  req.kind = "ecrpublic";
  req.region = "us-east-1";
  req.endpoint = "https://api.ecr-public.us-east-1.amazonaws.com";
  ssm::MintedToken t = ssm::MintToken(req, http);
  CHECK(t.secret.str() == "pub");
  CHECK(ssm::test::HeaderValue(http.sent[0], "X-Amz-Target") == "SpencerFrontendService.GetAuthorizationToken");
  CHECK(ssm::test::HeaderValue(http.sent[0], "Authorization").find("/us-east-1/ecr-public/aws4_request") != std::string::npos);
  CHECK(http.sent[0].body.str() == "{}");
}

TEST_CASE("ECR errors name the registry, the endpoint, the status and the service's reason", "[token_clients]") {
  RecordingHttp http;
  http.answers = {{403, R"({"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."})"}};
  try {
    ssm::MintToken(EcrRequest(), http);
    FAIL("no error");
  } catch (const ssm::Error& e) {
    std::string m = e.what();
    CHECK(m == "ecr: GetAuthorizationToken at https://api.ecr.eu-west-1.amazonaws.com (keys from test) answered HTTP 403 "
               "(UnrecognizedClientException: The security token included in the request is invalid.)");
    CHECK(e.kind() == ssm::Error::Kind::kDenied);
  }
  http.sent.clear();
  http.answers = {{403, R"({"__type":"InvalidSignatureException","message":"Signature expired: 20150830T123600Z is now earlier than ..."})"}};
  CHECK_THROWS_WITH(ssm::MintToken(EcrRequest(), http), Catch::Contains("check this machine's clock (AWS allows 15 minutes"));
  http.sent.clear();
  http.answers = {{500, "<html>oops</html>"}};
  CHECK_THROWS_WITH(ssm::MintToken(EcrRequest(), http), Catch::EndsWith("answered HTTP 500"));
}

TEST_CASE("ECR answers of the wrong shape are errors, never tokens", "[token_clients]") {
  const char* bad[] = {
      "",
      "{",
      "[]",
      R"({"authorizationData":[]})",
      R"({"authorizationData":{}})",
      R"({"authorizationData":[{"expiresAt":1.7E9}]})",
      R"({"authorizationData":[{"authorizationToken":5,"expiresAt":1.7E9}]})",
      R"({"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":"soon"}]})",
      R"({"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":-1}]})",
      R"({"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":1e300}]})",
      R"({"authorizationData":[{"authorizationToken":"not base64!","expiresAt":1.7E9}]})",
      R"({"authorizationData":[{"authorizationToken":"bm9jb2xvbg==","expiresAt":1.7E9}]})",
  };
  for (const char* body : bad) {
    INFO(body);
    CHECK_THROWS_AS(ssm::ParseEcrAnswer(body, false, 1'690'000'000, "ecr"), ssm::Error);
  }
  CHECK(ssm::ParseEcrAnswer(R"({"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":1.7E9}]})", false,
                            1'699'990'000, "ecr")
            .expires_at == 1700000000);
}

TEST_CASE("GCR: the JWT bearer grant carries an RS256 JWT the service account's public key verifies",
          "[token_clients]") {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  REQUIRE(key);
  BIO* mem = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(mem, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(mem, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(mem);
  // Keys pasted into environment variables often carry literal \n.
  std::string escaped;
  for (char c : pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);

  ssm::MintRequest req;
  req.kind = "gcr";
  req.what = "gcr";
  req.endpoint = "https://oauth2.googleapis.com/token";
  req.audience = req.endpoint;
  req.client_email = "sa@proj.iam.gserviceaccount.com";
  req.private_key = ssm::SecretString(escaped);
  req.private_key_id = "kid-1";
  req.now = 1'700'000'000;
  RecordingHttp http;
  http.answers = {{200, R"({"access_token":"ya29.token","expires_in":3599,"token_type":"Bearer"})"}};
  ssm::MintedToken t = ssm::MintToken(req, http);
  CHECK(t.username == "oauth2accesstoken");
  CHECK(t.secret.str() == "ya29.token");
  CHECK(t.expires_at == 1'700'003'599);

  const ssm::HttpRequest& r = http.sent[0];
  CHECK(r.url == "https://oauth2.googleapis.com/token");
  CHECK(ssm::test::HeaderValue(r, "Content-Type") == "application/x-www-form-urlencoded");
  auto form = ssm::test::FormFields(r.body.str());
  CHECK(form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer");
  std::string jwt = form["assertion"];
  size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
  std::string header, claims, signature;
  REQUIRE(ssm::Base64UrlDecode(jwt.substr(0, d1), &header));
  REQUIRE(ssm::Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1), &claims));
  REQUIRE(ssm::Base64UrlDecode(jwt.substr(d2 + 1), &signature));
  CHECK(nlohmann::json::parse(header) == nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "kid-1"}});
  auto c = nlohmann::json::parse(claims);
  CHECK(c["iss"] == "sa@proj.iam.gserviceaccount.com");
  CHECK(c["aud"] == "https://oauth2.googleapis.com/token");
  CHECK(c["scope"] == "https://www.googleapis.com/auth/cloud-platform");
  CHECK(c["iat"] == 1'700'000'000);
  CHECK(c["exp"] == 1'700'003'600);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string input = jwt.substr(0, d2);
  REQUIRE(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1);
  CHECK(EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);

  http.sent.clear();
  http.answers = {{400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"}};
  CHECK_THROWS_WITH(ssm::MintToken(req, http), Catch::Contains("(invalid_grant: Invalid JWT Signature.)"));
  req.private_key = ssm::SecretString("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
  CHECK_THROWS_WITH(ssm::MintToken(req, http), Catch::Contains("not a PEM private key OpenSSL can read"));
}

TEST_CASE("Google token answers of the wrong shape are errors", "[token_clients]") {
  for (const char* body : {"", "{}", R"({"access_token":""})", R"({"access_token":"x"})",
                           R"({"access_token":"x","expires_in":-1})", R"({"access_token":7,"expires_in":3599})"}) {
    INFO(body);
    CHECK_THROWS_AS(ssm::ParseGoogleTokenAnswer(body, 0, "gcr"), ssm::Error);
  }
}

TEST_CASE("ACR: client credentials at Azure AD, then the exchange at the registry", "[token_clients]") {
  ssm::MintRequest req;
  req.kind = "acr";
  req.what = "acr";
  req.tenant = "tenant-1";
  req.client_id = "client-1";
  req.client_secret = ssm::SecretString("s&cret=1");
  req.registry = "contoso.azurecr.io";
  req.endpoint = "https://login.microsoftonline.com";
  req.exchange_url = "https://contoso.azurecr.io/oauth2/exchange";
  req.scope = "https://management.azure.com/.default";
  req.now = 1'700'000'000;
  // A refresh token is a JWT; its exp says when to ask again.
  std::string refresh = ssm::Base64UrlEncode("{}") + "." + ssm::Base64UrlEncode(R"({"exp":1700010800})") + ".sig";
  RecordingHttp http;
  http.answers = {{200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"aad-token"})"},
                  {200, R"({"refresh_token":")" + refresh + R"("})"}};
  ssm::MintedToken t = ssm::MintToken(req, http);
  CHECK(t.username == "00000000-0000-0000-0000-000000000000");
  CHECK(t.secret.str() == refresh);
  CHECK(t.expires_at == 1'700'010'800);
  REQUIRE(http.sent.size() == 2);
  CHECK(http.sent[0].url == "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
  auto aad = ssm::test::FormFields(http.sent[0].body.str());
  CHECK(aad == std::map<std::string, std::string>{{"grant_type", "client_credentials"},
                                                  {"client_id", "client-1"},
                                                  {"client_secret", "s&cret=1"},
                                                  {"scope", "https://management.azure.com/.default"}});
  CHECK(http.sent[1].url == "https://contoso.azurecr.io/oauth2/exchange");
  auto exchange = ssm::test::FormFields(http.sent[1].body.str());
  CHECK(exchange == std::map<std::string, std::string>{{"grant_type", "access_token"},
                                                       {"service", "contoso.azurecr.io"},
                                                       {"tenant", "tenant-1"},
                                                       {"access_token", "aad-token"}});
  http.sent.clear();
  http.answers = {{401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})"}};
  CHECK_THROWS_WITH(ssm::MintToken(req, http), Catch::Contains("invalid_client: AADSTS7000215"));
}

TEST_CASE("ECR: an expiresAt beyond 12 hours is capped; a token that is not UTF-8 is refused", "[token_clients]") {
  const int64_t now = 1'700'000'000;
  // expiresAt a year away (a wrong clock at the service, a bad stand-in).
  CHECK(ssm::ParseEcrAnswer(R"({"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":1.7315E9}]})",
                            false, now, "ecr")
            .expires_at == now + 12 * 3600);
  CHECK(ssm::ParseEcrAnswer(R"({"authorizationData":{"authorizationToken":"QVdTOnB3","expiresAt":1.8E9}})", true,
                            now, "ecr")
            .expires_at == now + 12 * 3600);
  // "AWS:caf\xe9" (Latin-1): JSON cannot carry it to the client.
  CHECK_THROWS_WITH(
      ssm::ParseEcrAnswer(R"({"authorizationData":[{"authorizationToken":"QVdTOmNhZuk=","expiresAt":1.7E9}]})", false,
                          now, "ecr"),
      Catch::Contains("not valid UTF-8"));
}

TEST_CASE("Google: an expires_in beyond 12 hours is capped", "[token_clients]") {
  CHECK(ssm::ParseGoogleTokenAnswer(R"({"access_token":"t","expires_in":600000})", 1000, "gcr").expires_at ==
        1000 + 12 * 3600);
}

TEST_CASE("remote error messages are cut at a character boundary", "[token_clients]") {
  // 299 bytes, then a 2-byte character across the 300-byte cut.
  std::string body = R"({"error":")" + std::string(299, 'x') + "\u00e9" + std::string(50, 'y') + R"("})";
  std::string message = ssm::RemoteErrorMessage(body);
  CHECK(message == std::string(299, 'x') + "...");
  CHECK(ssm::IsValidUtf8(message));
}

TEST_CASE("remote error messages are read from each service's shape", "[token_clients]") {
  CHECK(ssm::RemoteErrorMessage(R"({"__type":"com.amazon.coral#AccessDeniedException","Message":"no"})") ==
        "AccessDeniedException: no");
  CHECK(ssm::RemoteErrorMessage(R"({"errors":[{"code":"UNAUTHORIZED","message":"bad\ntoken"}]})") ==
        "UNAUTHORIZED: bad token");
  CHECK(ssm::RemoteErrorMessage("not json").empty());
  CHECK(ssm::RemoteErrorMessage(R"({"error":")" + std::string(1000, 'x') + R"("})").size() == 303);
  // Found by tests/fuzz/fuzz_responses: a code or message of another type
  // made nlohmann's value() throw type_error instead of being left out.
  CHECK(ssm::RemoteErrorMessage(R"({"errors":[{"code":401,"message":"denied"}]})") == ": denied");
  CHECK(ssm::RemoteErrorMessage(R"({"errors":[{"code":"DENIED","message":null}]})") == "DENIED: ");
}

// Found by tests/fuzz/fuzz_responses: an exp beyond int64 (1e300) was
// converted to int64_t, which is undefined behaviour (UBSan reports it).
TEST_CASE("an ACR refresh token with an impossible exp gets the default lifetime", "[token_clients]") {
  for (const char* exp : {"1e300", "-1e300", "0", "9.3e18"}) {
    INFO(exp);
    std::string refresh = ssm::Base64UrlEncode("{}") + "." + ssm::Base64UrlEncode(std::string(R"({"exp":)") + exp + "}") + ".sig";
    ssm::MintedToken t = ssm::ParseAcrExchangeAnswer(R"({"refresh_token":")" + refresh + R"("})", 1700000000, "acr");
    CHECK(t.expires_at == 1700000000 + 3600);
  }
}
