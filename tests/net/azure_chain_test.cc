// The Azure identity chain against recorded services: the exact grants of
// Azure AD (secret, certificate assertion, federated token), managed identity
// of App Service, Azure Arc and the instance metadata service, expires_on in
// every form, the errors of each, and the ACR exchange on top.
#include "net/azure/azure_chain.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <map>

#include "common/base64.h"
#include "common/error.h"
#include "net/crypto/digest.h"
#include "net/tokens/token_clients.h"
#include "support/chain_fixture.h"
#include "support/http_fakes.h"

namespace {

constexpr int64_t kNow = 1764590400;  // 2025-12-01T12:00:00Z
const char* kAad = "POST https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token";
const char* kImds =
    "GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2F"
    "containerregistry.azure.net";
const char* kScope = "https://containerregistry.azure.net/.default";

using ssm::test::Answer;

struct Fixture : ssm::test::ChainFixture {
  Fixture() : ChainFixture("acr", kNow) {}
  std::optional<ssm::AzureAadToken> Run(const nlohmann::json& plan) {
    return ssm::RunAzureChain(plan, request, http, read);
  }
  std::string Refusal(const nlohmann::json& plan) {
    return ssm::test::RefusalOf([&] { Run(plan); });
  }
};

nlohmann::json Plan(const char* source, nlohmann::json extra) {
  nlohmann::json plan = {{"source", source},
                         {"description", std::string("the ") + source + " source"},
                         {"pinned", false},
                         {"strict", false},
                         {"scope", kScope},
                         {"resource", "https://containerregistry.azure.net"}};
  for (auto& [k, v] : extra.items()) plan[k] = v;
  return plan;
}

nlohmann::json Aad(nlohmann::json extra) {
  nlohmann::json plan = {{"tenant", "tenant-1"}, {"client_id", "client-1"}, {"authority", "https://login.microsoftonline.com/"}};
  for (auto& [k, v] : extra.items()) plan[k] = v;
  return plan;
}

const char* kAadAnswer = R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"aad-token"})";

std::string Jwt(const nlohmann::json& claims) {
  return ssm::Base64UrlEncode(R"({"alg":"RS256"})") + "." + ssm::Base64UrlEncode(claims.dump()) + ".c2ln";
}

// A fresh RSA key and a self-signed certificate for it, as one PEM file.
struct TestCertificate {
  std::string pem;
  std::string der;
  EVP_PKEY* key = nullptr;
  TestCertificate() {
    key = EVP_RSA_gen(2048);
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ssm-test"), -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, key, EVP_sha256());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
    unsigned char* out = nullptr;
    int len = i2d_X509(x, &out);
    der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
    X509_free(x);
  }
  ~TestCertificate() { EVP_PKEY_free(key); }
  bool Verifies(const std::string& jwt) const {
    size_t last = jwt.rfind('.');
    std::string signature;
    if (!ssm::Base64UrlDecode(jwt.substr(last + 1), &signature)) return false;
    std::string input = jwt.substr(0, last);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                               reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
  }
};

nlohmann::json JwtPart(const std::string& jwt, int part) {
  size_t a = jwt.find('.');
  size_t b = jwt.find('.', a + 1);
  std::string text = part == 0 ? jwt.substr(0, a) : jwt.substr(a + 1, b - a - 1), out;
  REQUIRE(ssm::Base64UrlDecode(text, &out));
  return nlohmann::json::parse(out);
}

}  // namespace

TEST_CASE("azure: a service principal secret is the client-credentials grant for ACR's scope", "[azure]") {
  Fixture f;
  f.http.answers[kAad] = {{200, kAadAnswer, {}}};
  auto token = f.Run(Plan("secret", Aad({{"client_secret", "sp-secret"}})));
  REQUIRE(token);
  CHECK(token->access_token.str() == "aad-token");
  CHECK(token->expires_at == kNow + 3599);
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["grant_type"] == "client_credentials");
  CHECK(form["client_id"] == "client-1");
  CHECK(form["client_secret"] == "sp-secret");
  CHECK(form["scope"] == kScope);
  CHECK(form.count("client_assertion") == 0);

  f.http.answers[kAad] = {{401,
                           R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.",)"
                           R"("error_codes":[7000215]})",
                           {}}};
  std::string message = f.Refusal(Plan("secret", Aad({{"client_secret", "sp-secret"}})));
  CHECK(message ==
        "acr: Azure AD at https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token (the secret source) answered "
        "HTTP 401 (invalid_client: AADSTS7000215: Invalid client secret provided.)");
}

TEST_CASE("azure: workload identity sends the federated token as the client assertion, read at every mint",
          "[azure]") {
  Fixture f;
  f.files["/var/run/secrets/azure/tokens/azure-identity-token"] = "eyJh.eyJz.c2ln\n";
  nlohmann::json plan = Plan("workload", Aad({{"token_file", "/var/run/secrets/azure/tokens/azure-identity-token"}}));
  f.http.answers[kAad] = {{200, kAadAnswer, {}}};
  REQUIRE(f.Run(plan));
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["grant_type"] == "client_credentials");
  CHECK(form["client_id"] == "client-1");
  CHECK(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  CHECK(form["client_assertion"] == "eyJh.eyJz.c2ln");
  CHECK(form["scope"] == kScope);
  CHECK(form.count("client_secret") == 0);
  // The platform rotates the file: the next mint sends the new one.
  f.files["/var/run/secrets/azure/tokens/azure-identity-token"] = "eyJi.eyJ0.c2ln";
  REQUIRE(f.Run(plan));
  CHECK(ssm::test::FormFields(f.http.sent[1].body.str())["client_assertion"] == "eyJi.eyJ0.c2ln");

  // Another authority (AZURE_AUTHORITY_HOST) is used as given.
  plan["authority"] = "https://login.microsoftonline.us/";
  f.http.answers["POST https://login.microsoftonline.us/tenant-1/oauth2/v2.0/token"] = {{200, kAadAnswer, {}}};
  REQUIRE(f.Run(plan));

  // Broken sources: one line naming the file, never its content.
  plan["token_file"] = "/missing";
  CHECK(f.Refusal(plan) == "acr: the federated token file /missing (AZURE_FEDERATED_TOKEN_FILE) does not exist");
  plan["token_file"] = "/unreadable";
  CHECK(f.Refusal(plan) == "acr: the federated token file /unreadable (AZURE_FEDERATED_TOKEN_FILE) cannot be read");
  f.files["/garbage"] = "not a jwt at all\n";
  plan["token_file"] = "/garbage";
  CHECK(f.Refusal(plan) == "acr: the federated token file /garbage (AZURE_FEDERATED_TOKEN_FILE) does not hold a JWT");

  // Azure AD's own reason when the federation is wrong.
  plan["token_file"] = "/var/run/secrets/azure/tokens/azure-identity-token";
  plan["authority"] = "https://login.microsoftonline.com/";
  f.http.answers[kAad] = {{400,
                           R"({"error":"invalid_request","error_description":"AADSTS70021: No matching federated )"
                           R"(identity record found for presented assertion."})",
                           {}}};
  std::string message = f.Refusal(plan);
  CHECK(message.find("answered HTTP 400 (invalid_request: AADSTS70021: No matching federated identity record") !=
        std::string::npos);
  CHECK(message.find("eyJi") == std::string::npos);
}

TEST_CASE("azure: a pod's token (kubelet mode) is the client assertion as given, never a file", "[azure]") {
  Fixture f;
  nlohmann::json plan = Plan("workload", Aad({{"assertion", "eyJh.eyJwb2Q.c2ln"}, {"strict", true}}));
  f.http.answers[kAad] = {{200, kAadAnswer, {}}};
  REQUIRE(f.Run(plan));
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["client_id"] == "client-1");
  CHECK(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  CHECK(form["client_assertion"] == "eyJh.eyJwb2Q.c2ln");
  CHECK(form.count("client_secret") == 0);
  plan["assertion"] = "not a jwt";
  CHECK(f.Refusal(plan) == "acr: the pod's service account token is not a JWT");
  CHECK(f.http.sent.size() == 1);
}

TEST_CASE("azure: a certificate signs a client assertion with its x5t thumbprint", "[azure]") {
  Fixture f;
  TestCertificate cert;
  f.files["/etc/sp.pem"] = cert.pem;
  f.http.answers[kAad] = {{200, kAadAnswer, {}}};
  nlohmann::json plan = Plan("certificate", Aad({{"certificate_path", "/etc/sp.pem"}}));
  REQUIRE(f.Run(plan));
  auto form = ssm::test::FormFields(f.http.sent[0].body.str());
  CHECK(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  std::string jwt = form["client_assertion"];
  CHECK(cert.Verifies(jwt));
  nlohmann::json header = JwtPart(jwt, 0), claims = JwtPart(jwt, 1);
  CHECK(header["alg"] == "RS256");
  CHECK(header["x5t"] == ssm::Base64UrlEncode(ssm::Sha1(cert.der)));
  CHECK(claims["aud"] == "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
  CHECK(claims["iss"] == "client-1");
  CHECK(claims["sub"] == "client-1");
  CHECK(claims["exp"].get<int64_t>() > kNow);
  CHECK(claims["nbf"].get<int64_t>() <= kNow);
  CHECK(claims["jti"].get<std::string>().size() == 36);

  plan["certificate_path"] = "/missing.pem";
  CHECK(f.Refusal(plan) == "acr: the certificate file /missing.pem (AZURE_CLIENT_CERTIFICATE_PATH) does not exist");
  f.files["/key-only.pem"] = cert.pem.substr(cert.pem.find("-----BEGIN PRIVATE KEY"));
  plan["certificate_path"] = "/key-only.pem";
  CHECK(f.Refusal(plan).find("holds no PEM certificate") != std::string::npos);
  f.files["/cert-only.pem"] = cert.pem.substr(0, cert.pem.find("-----BEGIN PRIVATE KEY"));
  plan["certificate_path"] = "/cert-only.pem";
  CHECK(f.Refusal(plan) == "acr: the certificate file /cert-only.pem (AZURE_CLIENT_CERTIFICATE_PATH) holds no private key");
}

TEST_CASE("azure: the instance metadata service, system- and user-assigned, bounded, absent", "[azure]") {
  Fixture f;
  nlohmann::json plan = Plan("imds", {{"endpoint", "http://169.254.169.254/metadata/identity/oauth2/token"}});
  f.http.answers[kImds] = {
      {200, R"({"access_token":"mi-token","expires_in":"86399","expires_on":"1764676799","resource":"https://containerregistry.azure.net","token_type":"Bearer"})",
       {}}};
  auto token = f.Run(plan);
  REQUIRE(token);
  CHECK(token->access_token.str() == "mi-token");
  CHECK(token->expires_at == 1764676799);
  const ssm::HttpRequest& get = f.http.sent[0];
  CHECK(ssm::test::HeaderValue(get, "Metadata") == "true");
  CHECK(get.connect_timeout_ms <= 1000);
  CHECK(get.total_timeout_ms <= 3000);
  CHECK(get.attempts == 1);
  CHECK(get.allow_http);

  // User-assigned: client_id, or the resource ID as msi_res_id.
  plan["client_id"] = "mi-client";
  f.http.answers[std::string(kImds) + "&client_id=mi-client"] = {{200, R"({"access_token":"ua","expires_on":1764676799})", {}}};
  REQUIRE(f.Run(plan));
  plan.erase("client_id");
  plan["resource_id"] = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id";
  f.http.answers[std::string(kImds) + "&msi_res_id=%2Fsubscriptions%2Fs%2FresourceGroups%2Fg%2Fproviders%2F"
                                      "Microsoft.ManagedIdentity%2FuserAssignedIdentities%2Fid"] = {
      {200, R"({"access_token":"ua","expires_on":1764676799})", {}}};
  REQUIRE(f.Run(plan));
  plan.erase("resource_id");

  // Nothing there, or something else there: no identity (not an error) for
  // an unconfigured host; one line for a configured or pinned one.
  f.http.answers[kImds] = {{0, "", {}}};
  CHECK_FALSE(f.Run(plan));
  f.http.answers[kImds] = {{404, "<html>not found</html>", {}}};
  CHECK_FALSE(f.Run(plan));
  plan["strict"] = true;
  f.http.answers[kImds] = {{0, "", {}}};
  CHECK(f.Refusal(plan) ==
        "acr: no managed identity: the instance metadata service "
        "(http://169.254.169.254/metadata/identity/oauth2/token) did not answer");
  f.http.answers[kImds] = {
      {400, R"({"error":"invalid_request","error_description":"Identity not found"})", {}}};
  CHECK(f.Refusal(plan) ==
        "acr: the instance metadata service (the imds source) answered HTTP 400 (invalid_request: Identity not found)");
}

TEST_CASE("azure: App Service and Container Apps send X-IDENTITY-HEADER, api-version 2019-08-01", "[azure]") {
  Fixture f;
  nlohmann::json plan = Plan("appservice", {{"endpoint", "http://127.0.0.1:41741/msi/token"}, {"header", "id-header-secret"}});
  std::string url = "GET http://127.0.0.1:41741/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fcontainerregistry.azure.net";
  f.http.answers[url] = {{200, R"({"access_token":"as-token","expires_on":"12/02/2025 03:04:05 +00:00","resource":"r","token_type":"Bearer","client_id":"c"})", {}}};
  auto token = f.Run(plan);
  REQUIRE(token);
  CHECK(token->expires_at == 1764644645);  // 2025-12-02T03:04:05Z
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "X-IDENTITY-HEADER") == "id-header-secret");
  plan["resource_id"] = "/subscriptions/s/x";
  f.http.answers[url + "&mi_res_id=%2Fsubscriptions%2Fs%2Fx"] = {{200, R"({"access_token":"t","expires_on":1764676799})", {}}};
  REQUIRE(f.Run(plan));
  f.http.answers[url] = {{400, R"({"statusCode":400,"message":"Unable to load the proper Managed Identity."})", {}}};
  plan.erase("resource_id");
  std::string message = f.Refusal(plan);
  CHECK(message.find("acr: the App Service identity endpoint http://127.0.0.1:41741/msi/token answered HTTP 400") == 0);
  CHECK(message.find("id-header-secret") == std::string::npos);
}

TEST_CASE("azure: Azure Arc answers a challenge naming its key file", "[azure]") {
  Fixture f;
  nlohmann::json plan = Plan("arc", {{"endpoint", "http://localhost:40342/metadata/identity/oauth2/token"}});
  std::string url = "GET http://localhost:40342/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https%3A%2F%2Fcontainerregistry.azure.net";
  f.files["/var/opt/azcmagent/tokens/abc.key"] = "arc-secret";
  f.http.answers[url] = {{401, "", {{"www-authenticate", "Basic realm=/var/opt/azcmagent/tokens/abc.key"}}},
                         {200, R"({"access_token":"arc-token","expires_on":"1764676799"})", {}}};
  auto token = f.Run(plan);
  REQUIRE(token);
  CHECK(token->access_token.str() == "arc-token");
  REQUIRE(f.http.sent.size() == 2);
  CHECK(ssm::test::HeaderValue(f.http.sent[0], "Metadata") == "true");
  CHECK(ssm::test::HeaderValue(f.http.sent[1], "Authorization") == "Basic arc-secret");
  f.http.answers[url] = {{401, "", {{"www-authenticate", "Basic realm=/etc/shadow"}}}};
  CHECK(f.Refusal(plan).find("named a key file outside /var/opt/azcmagent/tokens/") != std::string::npos);
}

TEST_CASE("azure: expires_on in every form Azure sends, else expires_in", "[azure]") {
  using ssm::ParseAzureExpiresOn;
  CHECK(ParseAzureExpiresOn(1764676799) == 1764676799);
  CHECK(ParseAzureExpiresOn("1764676799") == 1764676799);
  CHECK(ParseAzureExpiresOn("12/02/2025 03:04:05 +00:00") == 1764644645);
  CHECK(ParseAzureExpiresOn("12/2/2025 3:04:05 PM +00:00") == 1764644645 + 12 * 3600);
  CHECK(ParseAzureExpiresOn("12/2/2025 12:04:05 AM +00:00") == 1764644645 - 3 * 3600);
  CHECK(ParseAzureExpiresOn("12/02/2025 05:04:05 +02:00") == 1764644645);
  CHECK(ParseAzureExpiresOn("12/02/2025 03:04:05") == 1764644645);
  CHECK_FALSE(ParseAzureExpiresOn("soon"));
  CHECK_FALSE(ParseAzureExpiresOn(-5));
  CHECK_FALSE(ParseAzureExpiresOn(nlohmann::json()));
  CHECK(ssm::ParseAzureTokenAnswer(R"({"access_token":"t","expires_in":"3599"})", kNow, "acr", "x").expires_at ==
        kNow + 3599);
  CHECK(ssm::ParseAzureTokenAnswer(R"({"access_token":"t","expires_on":"bad","expires_in":60})", kNow, "acr", "x")
            .expires_at == kNow + 60);
  CHECK_THROWS_WITH(ssm::ParseAzureTokenAnswer(R"({"access_token":"t"})", kNow, "acr", "Azure AD"),
                    "acr: Azure AD answered 200 but without a valid expires_on or expires_in");
  CHECK_THROWS_WITH(ssm::ParseAzureTokenAnswer(R"({"expires_in":1})", kNow, "acr", "Azure AD"),
                    "acr: Azure AD answered 200 but without an access_token");
  CHECK(ssm::AzureTokenTenant(Jwt({{"tid", "72f988bf-86f1-41af-91ab-2d7cd011db47"}})) ==
        "72f988bf-86f1-41af-91ab-2d7cd011db47");
  CHECK(ssm::AzureTokenTenant(Jwt({{"tid", "x\ny"}})).empty());
  CHECK(ssm::AzureTokenTenant("opaque").empty());
}

TEST_CASE("azure: ACR exchanges the chain's token, tenant from the token, and reuses a cached one", "[azure]") {
  Fixture f;
  f.request.registry = "myreg.azurecr.io";
  f.request.exchange_url = "https://myreg.azurecr.io/oauth2/exchange";
  f.request.azure_chain = ssm::SecretString(
      Plan("imds", {{"endpoint", "http://169.254.169.254/metadata/identity/oauth2/token"}}).dump());
  std::string aad = Jwt({{"tid", "tenant-9"}, {"aud", "https://containerregistry.azure.net"}});
  f.http.answers[kImds] = {{200, R"({"access_token":")" + aad + R"(","expires_on":"1764676799"})", {}}};
  f.http.answers["POST https://myreg.azurecr.io/oauth2/exchange"] = {
      {200, R"({"refresh_token":")" + Jwt({{"exp", kNow + 10800}}) + R"("})", {}}};
  ssm::MintedToken t = ssm::MintAcrToken(f.request, f.http);
  CHECK(t.username == "00000000-0000-0000-0000-000000000000");
  CHECK(t.expires_at == kNow + 10800);
  CHECK(t.identity_expires_at == 1764676799);
  auto form = ssm::test::FormFields(f.http.sent[1].body.str());
  CHECK(form["grant_type"] == "access_token");
  CHECK(form["service"] == "myreg.azurecr.io");
  CHECK(form["tenant"] == "tenant-9");
  CHECK(form["access_token"] == aad);

  // The cached Azure AD token of the identity: no metadata call.
  f.request.identity = t.identity;
  f.http.sent.clear();
  ssm::MintAcrToken(f.request, f.http);
  REQUIRE(f.http.sent.size() == 1);
  CHECK(f.http.sent[0].url == "https://myreg.azurecr.io/oauth2/exchange");

  // A cached Azure AD token the exchange refuses: once more with the chain's.
  f.http.sent.clear();
  f.http.answers["POST https://myreg.azurecr.io/oauth2/exchange"] = {
      {401, R"({"errors":[{"code":"UNAUTHORIZED","message":"token revoked"}]})", {}},
      {200, R"({"refresh_token":"r2"})", {}}};
  CHECK(ssm::MintAcrToken(f.request, f.http).secret.str() == "r2");
  REQUIRE(f.http.sent.size() == 3);
  CHECK(f.http.sent[1].url.rfind("http://169.254.169.254/", 0) == 0);

  // expires_on far away: the identity is kept a day at most.
  f.request.identity = ssm::SecretString();
  f.http.answers[kImds] = {{200, R"({"access_token":")" + aad + R"(","expires_on":"9999999999"})", {}}};
  CHECK(ssm::MintAcrToken(f.request, f.http).identity_expires_at == kNow + 24 * 3600);

  // No identity on this machine: nothing minted, no exchange.
  f.request.identity = ssm::SecretString();
  f.http.sent.clear();
  f.http.answers[kImds] = {{0, "", {}}};
  CHECK(ssm::MintAcrToken(f.request, f.http).none());
  CHECK(f.http.sent.size() == 1);

  // The exchange's refusal is one line with ACR's reason.
  f.http.answers[kImds] = {{200, R"({"access_token":")" + aad + R"(","expires_on":"1764676799"})", {}}};
  f.http.answers["POST https://myreg.azurecr.io/oauth2/exchange"] = {
      {401, R"({"errors":[{"code":"UNAUTHORIZED","message":"identity not authorized for this registry"}]})", {}}};
  CHECK_THROWS_WITH(ssm::MintAcrToken(f.request, f.http),
                    "acr: the ACR token exchange at https://myreg.azurecr.io/oauth2/exchange answered HTTP 401 "
                    "(UNAUTHORIZED: identity not authorized for this registry)");
}
