#include "net/azure/azure_chain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "common/base64.h"
#include "common/error.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "common/time_text.h"
#include "net/ci/id_token.h"
#include "net/crypto/digest.h"
#include "net/crypto/jwt.h"
#include "net/tokens/token_clients.h"
#include "providers/ci/web_identity.h"

namespace ssm {
namespace {

constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// The instance metadata service answers in milliseconds on Azure; elsewhere
// the connect bound is what a pull pays once (then "no identity" is cached).
constexpr long kImdsConnectMs = 1000;
constexpr long kImdsTotalMs = 3000;
constexpr long kLocalConnectMs = 2000;
constexpr long kLocalTotalMs = 10000;
constexpr const char* kArcKeyDir = "/var/opt/azcmagent/tokens/";

std::string Text(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// 16 random bytes as a UUID-shaped string: the assertion's jti.
std::string RandomId() {
  std::random_device rd;
  char buf[40];
  unsigned a = rd(), b = rd(), c = rd(), d = rd();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-a%03x-%04x%08x", a, b & 0xffff, (b >> 16) & 0xfff, c & 0xfff,
                (c >> 16) & 0xffff, d);
  return buf;
}

class Chain {
 public:
  Chain(const nlohmann::json& plan, const MintRequest& request, HttpClient& http, const TextFileReader& read_file)
      : plan_(plan), request_(request), http_(http), read_file_(read_file),
        description_(Text(plan, "description")), strict_(plan.value("strict", false) || plan.value("pinned", false)) {}

  std::optional<AzureAadToken> Run() {
    std::string source = Text(plan_, "source");
    if (source == "secret") return ClientCredentials(Text(plan_, "client_secret"), "");
    if (source == "certificate") return ClientCredentials("", CertificateAssertion());
    if (source == "workload") {
      if (plan_.contains("web_identity")) return ClientCredentials("", JobToken());
      return ClientCredentials("", plan_.contains("assertion") ? PodToken() : FederatedToken());
    }
    if (source == "appservice") return AppService();
    if (source == "arc") return Arc();
    if (source == "imds") return Imds();
    throw Error::Failure(request_.what + ": malformed Azure identity request");
  }

 private:
  AzureAadToken ClientCredentials(const std::string& secret, const std::string& assertion) {
    std::string tenant = Text(plan_, "tenant");
    std::string client = Text(plan_, "client_id");
    std::string url = Text(plan_, "authority") + UrlEscape(tenant) + "/oauth2/v2.0/token";
    SecretString body("grant_type=client_credentials&client_id=" + UrlEscape(client));
    if (!secret.empty()) {
      body.mutable_str() += "&client_secret=" + UrlEscape(secret);
    } else {
      body.mutable_str() += "&client_assertion_type=" + UrlEscape(kJwtBearer) + "&client_assertion=" + UrlEscape(assertion);
    }
    body.mutable_str() += "&scope=" + UrlEscape(Text(plan_, "scope"));
    SSM_DEBUG(request_.what + ": azure: client-credentials grant at " + url + " for " + description_);
    HttpResponse response = http_.Send(FormPost(url, body.str(), request_));
    if (response.status != 200) ThrowRemoteError(request_, "Azure AD at " + url + " (" + description_ + ")", response);
    return ParseAzureTokenAnswer(response.body.str(), request_.now, request_.what, "Azure AD");
  }

  // A CI job's ID token (`webidentity`): asked of the job's token service,
  // or read from its variable or file, now; in memory only.
  std::string JobToken() {
    WebIdentity source = WebIdentityFromJson(plan_["web_identity"]);
    return FetchIdToken(source, http_, ProcessEnv, read_file_, request_.what).str();
  }

  // A pod's service account token (kubelet mode), in memory only.
  std::string PodToken() {
    std::string token = Text(plan_, "assertion");
    if (!LooksLikeJwt(token)) {
      Cleanse(token);
      throw Error::BadInput(request_.what + ": the pod's service account token is not a JWT");
    }
    return token;
  }

  static bool LooksLikeJwt(const std::string& token) {
    return !token.empty() && std::count(token.begin(), token.end(), '.') == 2 &&
           token.find_first_of(" \t\r\n") == std::string::npos;
  }

  // The federated token (a JWT the platform writes and rotates), re-read at
  // every mint.
  std::string FederatedToken() {
    std::string path = Text(plan_, "token_file");
    std::optional<std::string> text;
    try {
      text = read_file_(path);
    } catch (const Error&) {
      throw Error::BadInput(request_.what + ": the federated token file " + path + " (AZURE_FEDERATED_TOKEN_FILE) cannot be read");
    }
    if (!text) throw Error::BadInput(request_.what + ": the federated token file " + path + " (AZURE_FEDERATED_TOKEN_FILE) does not exist");
    SecretString owned(std::move(*text));
    std::string token = owned.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (!LooksLikeJwt(token)) {
      Cleanse(token);
      throw Error::BadInput(request_.what + ": the federated token file " + path + " (AZURE_FEDERATED_TOKEN_FILE) does not hold a JWT");
    }
    return token;
  }

  // A client assertion signed with the certificate's key: RS256, x5t the
  // certificate's SHA-1 thumbprint, for the tenant's token endpoint.
  std::string CertificateAssertion() {
    std::string path = Text(plan_, "certificate_path");
    auto refuse = [&](const std::string& why) -> std::string {
      throw Error::BadInput(request_.what + ": the certificate file " + path + " (AZURE_CLIENT_CERTIFICATE_PATH) " + why);
    };
    std::optional<std::string> text;
    try {
      text = read_file_(path);
    } catch (const Error&) {
      return refuse("cannot be read");
    }
    if (!text) return refuse("does not exist");
    SecretString pem(std::move(*text));
    const std::string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
    size_t b = pem.str().find(begin);
    size_t e = b == std::string::npos ? b : pem.str().find(end, b);
    if (e == std::string::npos) return refuse("holds no PEM certificate (PEM with the certificate and its private key; PFX is not supported)");
    std::string base64;
    for (size_t i = b + begin.size(); i < e; ++i) {
      char c = pem.str()[i];
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') base64.push_back(c);
    }
    std::string der;
    if (!Base64Decode(base64, &der) || der.empty()) return refuse("holds a certificate that is not valid base64");
    if (pem.str().find("PRIVATE KEY-----") == std::string::npos) return refuse("holds no private key");
    std::string tenant = Text(plan_, "tenant");
    nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", Base64UrlEncode(Sha1(der))}};
    nlohmann::json claims = {{"aud", Text(plan_, "authority") + tenant + "/oauth2/v2.0/token"},
                             {"iss", Text(plan_, "client_id")},
                             {"sub", Text(plan_, "client_id")},
                             {"jti", RandomId()},
                             {"iat", request_.now},
                             {"nbf", request_.now},
                             {"exp", request_.now + 600}};
    return SignJwtRs256(header, claims, pem, request_.what + ": the certificate file " + path);
  }

  std::string ResourceQuery(const char* resource_id_name) const {
    std::string q = "&resource=" + UrlEscape(Text(plan_, "resource"));
    if (!Text(plan_, "resource_id").empty()) {
      q += std::string("&") + resource_id_name + "=" + UrlEscape(Text(plan_, "resource_id"));
    } else if (!Text(plan_, "client_id").empty()) {
      q += "&client_id=" + UrlEscape(Text(plan_, "client_id"));
    }
    return q;
  }

  HttpRequest Get(const std::string& url, long connect_ms, long total_ms) const {
    HttpRequest get;
    get.url = url;
    get.what = request_.what;
    get.allow_http = true;  // the platform's own endpoint, on loopback or link-local
    get.connect_timeout_ms = connect_ms;
    get.total_timeout_ms = total_ms;
    get.attempts = 1;
    return get;
  }

  static std::string WithQuery(const std::string& endpoint, const std::string& query) {
    return endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + query;
  }

  AzureAadToken AppService() {
    std::string endpoint = Text(plan_, "endpoint");
    HttpRequest get = Get(WithQuery(endpoint, "api-version=2019-08-01" + ResourceQuery("mi_res_id")), kLocalConnectMs,
                          kLocalTotalMs);
    get.headers = {"X-IDENTITY-HEADER: " + Text(plan_, "header")};
    SSM_DEBUG(request_.what + ": azure: " + description_);
    HttpResponse response = http_.Send(get);
    if (response.status != 200) {
      ThrowRemoteError(request_, "the App Service identity endpoint " + RedactUrl(endpoint), response);
    }
    return ParseAzureTokenAnswer(response.body.str(), request_.now, request_.what, "the App Service identity endpoint");
  }

  // Azure Arc: the first answer is a 401 whose challenge names a file only
  // root (and the himds group) can read; its content is the secret.
  AzureAadToken Arc() {
    std::string endpoint = Text(plan_, "endpoint");
    HttpRequest get = Get(WithQuery(endpoint, "api-version=2020-06-01" + ResourceQuery("msi_res_id")), kLocalConnectMs,
                          kLocalTotalMs);
    get.headers = {"Metadata: true"};
    SSM_DEBUG(request_.what + ": azure: " + description_);
    HttpResponse challenge = http_.Send(get);
    std::string doing = "the Azure Arc identity endpoint " + RedactUrl(endpoint);
    if (challenge.status != 401) ThrowRemoteError(request_, doing + " (expected a 401 challenge)", challenge);
    std::string auth = challenge.Header("www-authenticate");
    size_t realm = auth.find("realm=");
    if (auth.rfind("Basic ", 0) != 0 || realm == std::string::npos) {
      throw Error::Failure(request_.what + ": " + doing + " answered 401 without a Basic realm challenge");
    }
    std::string path = auth.substr(realm + 6);
    if (!path.empty() && path.front() == '"') path = path.substr(1, path.find('"', 1) - 1);
    if (path.rfind(kArcKeyDir, 0) != 0 || path.size() < 5 || path.compare(path.size() - 4, 4, ".key") != 0 ||
        path.find("/..") != std::string::npos) {
      throw Error::Failure(request_.what + ": " + doing + " named a key file outside " + kArcKeyDir);
    }
    std::optional<std::string> key;
    try {
      key = read_file_(path);
    } catch (const Error&) {
      throw Error::Denied(request_.what + ": the Azure Arc key file " + path + " cannot be read (run as root or in the himds group)");
    }
    if (!key || key->empty() || key->size() > 4096) {
      throw Error::Failure(request_.what + ": the Azure Arc key file " + path + " is missing or not a key");
    }
    SecretString secret(std::move(*key));
    get.headers.push_back("Authorization: Basic " + secret.str());
    HttpResponse response = http_.Send(get);
    if (response.status != 200) ThrowRemoteError(request_, doing, response);
    return ParseAzureTokenAnswer(response.body.str(), request_.now, request_.what, "the Azure Arc identity endpoint");
  }

  std::optional<AzureAadToken> Imds() {
    std::string endpoint = Text(plan_, "endpoint");
    HttpRequest get = Get(WithQuery(endpoint, "api-version=2018-02-01" + ResourceQuery("msi_res_id")), kImdsConnectMs,
                          kImdsTotalMs);
    get.headers = {"Metadata: true"};
    HttpResponse response;
    try {
      response = http_.Send(get);
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kUnavailable) throw;
      if (strict_) {
        throw Error::Unavailable(request_.what + ": no managed identity: the instance metadata service (" +
                                 RedactUrl(endpoint) + ") did not answer");
      }
      SSM_DEBUG(request_.what + ": azure: no instance metadata service: " + e.what());
      return std::nullopt;
    }
    if (response.status != 200) {
      if (strict_) ThrowRemoteError(request_, "the instance metadata service (" + description_ + ")", response);
      SSM_DEBUG(request_.what + ": azure: the instance metadata service answered HTTP " +
                std::to_string(response.status) + "; no managed identity here");
      return std::nullopt;
    }
    SSM_DEBUG(request_.what + ": azure: token from the " + description_);
    return ParseAzureTokenAnswer(response.body.str(), request_.now, request_.what, "the instance metadata service");
  }

  const nlohmann::json& plan_;
  const MintRequest& request_;
  HttpClient& http_;
  const TextFileReader& read_file_;
  std::string description_;
  bool strict_;
};

std::optional<int64_t> ParseDateForm(const std::string& text) {
  // "12/02/2026 03:04:05 +00:00" (and "12/2/2026 3:04:05 PM +00:00").
  unsigned mo = 0, d = 0, y = 0, h = 0, mi = 0, s = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%u/%u/%u %u:%u:%u%n", &mo, &d, &y, &h, &mi, &s, &used) != 6) return std::nullopt;
  std::string rest = text.substr(static_cast<size_t>(used));
  size_t i = rest.find_first_not_of(' ');
  rest = i == std::string::npos ? "" : rest.substr(i);
  if (rest.rfind("AM", 0) == 0 || rest.rfind("PM", 0) == 0) {
    if (h < 1 || h > 12) return std::nullopt;
    if (rest[0] == 'P' && h != 12) h += 12;
    if (rest[0] == 'A' && h == 12) h = 0;
    rest = rest.substr(2);
    i = rest.find_first_not_of(' ');
    rest = i == std::string::npos ? "" : rest.substr(i);
  }
  std::string offset = rest.empty() ? "Z" : rest;
  if (offset.size() > 6) return std::nullopt;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u", y % 10000, mo % 100, d % 100, h % 100, mi % 100,
                s % 100);
  return ParseRfc3339(std::string(buf) + offset);
}

std::optional<int64_t> Seconds(const nlohmann::json& v) {
  double n = 0;
  if (v.is_number()) {
    n = v.get<double>();
  } else if (v.is_string()) {
    const std::string& t = v.get_ref<const std::string&>();
    if (t.empty() || t.size() > 15 || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    n = std::stod(t);
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(n) || n <= 0 || n > 1e11) return std::nullopt;
  return static_cast<int64_t>(n);
}

}  // namespace

std::optional<int64_t> ParseAzureExpiresOn(const nlohmann::json& value) {
  if (std::optional<int64_t> n = Seconds(value)) return n;
  if (value.is_string()) return ParseDateForm(value.get<std::string>());
  return std::nullopt;
}

AzureAadToken ParseAzureTokenAnswer(const std::string& body, int64_t now, const std::string& what,
                                    const std::string& from) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  if (!doc.is_object()) throw Error::Failure(what + ": " + from + " answered 200 but not with a JSON object");
  AzureAadToken out;
  out.access_token = SecretString(Text(doc, "access_token"));
  if (auto it = doc.find("access_token"); it != doc.end() && it->is_string()) Cleanse(it->get_ref<std::string&>());
  if (out.access_token.empty()) throw Error::Failure(what + ": " + from + " answered 200 but without an access_token");
  std::optional<int64_t> at;
  if (auto on = doc.find("expires_on"); on != doc.end()) at = ParseAzureExpiresOn(*on);
  if (!at) {
    if (auto in = doc.find("expires_in"); in != doc.end()) {
      std::optional<int64_t> seconds = Seconds(*in);
      if (seconds && *seconds <= 86400 * 7) at = now + *seconds;
    }
  }
  if (!at) throw Error::Failure(what + ": " + from + " answered 200 but without a valid expires_on or expires_in");
  out.expires_at = *at;
  return out;
}

std::string AzureTokenTenant(const std::string& access_token) {
  size_t a = access_token.find('.');
  size_t b = a == std::string::npos ? a : access_token.find('.', a + 1);
  if (b == std::string::npos) return "";
  std::string payload;
  if (!Base64UrlDecode(access_token.substr(a + 1, b - a - 1), &payload)) return "";
  nlohmann::json doc = ParseJsonOrDiscarded(payload);
  std::string tid = doc.is_object() ? Text(doc, "tid") : "";
  WipeJson(doc);
  Cleanse(payload);
  // A GUID (or a domain): anything else is not put into the exchange's form.
  if (tid.size() > 64 ||
      tid.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.") != std::string::npos) {
    return "";
  }
  return tid;
}

std::optional<AzureAadToken> RunAzureChain(const nlohmann::json& plan, const MintRequest& request, HttpClient& http,
                                           const TextFileReader& read_file) {
  return Chain(plan, request, http, read_file).Run();
}

}  // namespace ssm
