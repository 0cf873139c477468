#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/error.h"
#include "common/files.h"
#include "common/secret_json.h"
#include "common/utf8.h"
#include "net/aws/aws_chain.h"
#include "net/crypto/sigv4.h"
#include "net/tokens/token_clients.h"
#include "providers/aws/aws_plan_codec.h"

namespace ssm {
namespace {

// host[:port] of an https:// URL.
std::string UrlHost(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

constexpr int64_t kEcrTokenLifetime = 12 * 3600;

[[noreturn]] void BadAnswer(const std::string& what, const std::string& why) {
  throw Error::Failure(what + ": GetAuthorizationToken answered 200 but " + why);
}

// Derived credentials as they travel to the caller's cache and back.
SecretString EncodeIdentity(const AwsSessionCredentials& c) {
  WipedJson doc(nlohmann::json{{"access_key_id", c.keys.access_key_id},
                               {"secret_access_key", c.keys.secret_access_key.str()},
                               {"session_token", c.keys.session_token.str()},
                               {"source", c.keys.source},
                               {"expires_at", c.expires_at}});
  return SecretString(doc.value.dump());
}

std::optional<AwsCredentials> DecodeIdentity(const SecretString& text, int64_t* expires_at) {
  WipedJson doc(ParseJsonOrDiscarded(text.str()));
  if (!doc.value.is_object()) return std::nullopt;
  AwsCredentials keys;
  auto field = [&](const char* name) {
    auto it = doc.value.find(name);
    return it != doc.value.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  keys.access_key_id = field("access_key_id");
  keys.secret_access_key = SecretString(field("secret_access_key"));
  keys.session_token = SecretString(field("session_token"));
  keys.source = field("source") + " (cached)";
  auto expiry = doc.value.find("expires_at");
  *expires_at = expiry != doc.value.end() && expiry->is_number_integer() ? expiry->get<int64_t>() : 0;
  if (keys.access_key_id.empty() || keys.secret_access_key.empty()) return std::nullopt;
  return keys;
}

// The keys to sign with: the request's own, those derived earlier (cached by
// the caller), or those the AWS chain gives now (then also returned in
// derived, for the caller to cache); nullopt when the chain finds no
// identity on this machine.
std::optional<AwsCredentials> SigningKeys(const MintRequest& request, HttpClient& http, MintedToken* derived) {
  if (request.aws_chain.empty()) {
    AwsCredentials keys;
    keys.access_key_id = request.aws.access_key_id;
    keys.secret_access_key = SecretString(request.aws.secret_access_key.str());
    keys.session_token = SecretString(request.aws.session_token.str());
    keys.source = request.aws.source;
    return keys;
  }
  if (!request.identity.empty()) {
    if (std::optional<AwsCredentials> cached = DecodeIdentity(request.identity, &derived->identity_expires_at)) {
      return cached;
    }
  }
  nlohmann::json chain = ParseJsonOrDiscarded(request.aws_chain.str());
  if (!chain.is_object()) throw Error::Failure(request.what + ": malformed AWS chain request");
  AwsChainPlan plan = AwsChainPlanFromJson(chain);
  AwsChainSettings settings = AwsChainSettingsFromJson(chain);
  WipeJson(chain);
  std::unique_ptr<ProcessRunner> processes = NewProcessRunner();
  AwsChainContext context;
  context.http = &http;
  context.processes = processes.get();
  context.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::optional<std::string> text = ReadTextFile(path, 64u << 10);
    return text;
  };
  context.env = ProcessEnv;
  context.now = request.now;
  context.home = settings.home;
  context.process_timeout_ms = settings.process_timeout_ms;
  context.sts_endpoint = settings.sts_endpoint;
  context.sts_region = settings.sts_region;
  context.sso_endpoint = settings.sso_endpoint;
  context.ca_pem = request.ca_pem;
  context.what = request.what;
  std::optional<AwsSessionCredentials> creds = RunAwsChain(plan, context);
  if (!creds) return std::nullopt;
  if (creds->expires_at > 0) {
    derived->identity = EncodeIdentity(*creds);
    derived->identity_expires_at = creds->expires_at;
  }
  return std::move(creds->keys);
}

}  // namespace

MintedToken ParseEcrAnswer(const std::string& body, bool is_public, int64_t now, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  if (doc.is_discarded()) BadAnswer(what, "its body is not JSON");
  if (!doc.is_object() || !doc.contains("authorizationData")) BadAnswer(what, "without authorizationData");
  nlohmann::json* data = &doc["authorizationData"];
  if (!is_public) {
    // Private ECR: a list with one entry per registry asked for.
    if (!data->is_array() || data->empty()) BadAnswer(what, "with an empty authorizationData");
    data = &(*data)[0];
  }
  if (!data->is_object()) BadAnswer(what, "with a malformed authorizationData");
  auto token = data->find("authorizationToken");
  auto expires = data->find("expiresAt");
  if (token == data->end() || !token->is_string()) BadAnswer(what, "without an authorizationToken");
  if (expires == data->end() || !expires->is_number()) BadAnswer(what, "without expiresAt");
  double at = expires->get<double>();  // epoch seconds, a float, maybe 1.7385984915E9
  if (!std::isfinite(at) || at <= 0 || at > 1e11) BadAnswer(what, "with an impossible expiresAt");
  SecretString decoded;
  if (!Base64Decode(token->get<std::string>(), &decoded.mutable_str())) {
    BadAnswer(what, "its authorizationToken is not base64");
  }
  size_t colon = decoded.str().find(':');
  if (colon == std::string::npos || colon == 0) BadAnswer(what, "its authorizationToken is not user:password");
  if (!IsValidUtf8(decoded.str())) {
    // JSON cannot carry it to the client, and a replaced byte would be a
    // wrong password.
    BadAnswer(what, "its authorizationToken is not valid UTF-8 text");
  }
  MintedToken out;
  out.username = decoded.str().substr(0, colon);
  out.secret = SecretString(decoded.str().substr(colon + 1));
  // ECR tokens last 12 hours: a later expiresAt (a wrong clock, a bad
  // stand-in) would keep a revoked token in the cache.
  out.expires_at = std::min(static_cast<int64_t>(at), now + kEcrTokenLifetime);
  Cleanse(token->get_ref<std::string&>());
  return out;
}

MintedToken MintEcrToken(const MintRequest& request, HttpClient& http) {
  bool is_public = request.kind == "ecrpublic";
  MintedToken derived;
  std::optional<AwsCredentials> keys = SigningKeys(request, http, &derived);
  if (!keys) return MintedToken{};  // no AWS identity here
  SigV4Request sig;
  sig.method = "POST";
  sig.path = "/";
  std::string host = UrlHost(request.endpoint);
  std::string target = is_public ? "SpencerFrontendService.GetAuthorizationToken"
                                 : "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
  sig.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"Host", host}, {"X-Amz-Target", target}};
  sig.body = is_public || request.registry_id.empty()
                 ? std::string("{}")
                 : nlohmann::json{{"registryIds", {request.registry_id}}}.dump();
  SigV4Options options;
  options.region = is_public ? "us-east-1" : request.region;
  options.service = is_public ? "ecr-public" : "ecr";
  options.now = static_cast<std::time_t>(request.now);
  SigV4Result signature = SignV4(sig, *keys, options);

  HttpRequest post;
  post.method = "POST";
  std::string url = request.endpoint;
  if (url.find('/', url.find("://") + 3) == std::string::npos) url += "/";
  post.url = url;
  for (const auto& [name, value] : sig.headers) post.headers.push_back(name + ": " + value);
  for (const auto& [name, value] : signature.added_headers) post.headers.push_back(name + ": " + value);
  post.headers.push_back("Authorization: " + signature.authorization);
  post.body = SecretString(sig.body);
  post.ca_pem = request.ca_pem;
  post.connect_timeout_ms = request.connect_timeout_ms;
  post.total_timeout_ms = request.total_timeout_ms;
  post.attempts = request.attempts;
  post.what = request.what;
  HttpResponse response = http.Send(post);
  if (response.status != 200) {
    std::string detail = RemoteErrorMessage(response.body.str());
    // The usual cause of a right key being refused is a wrong clock.
    std::string hint = detail.find("Signature expired") != std::string::npos ||
                               detail.find("InvalidSignatureException") != std::string::npos
                           ? "; if the keys are right, check this machine's clock (AWS allows 15 minutes of skew)"
                           : "";
    ThrowRemoteError(request, "GetAuthorizationToken at " + request.endpoint + " (keys from " + keys->source + ")",
                     response, hint);
  }
  MintedToken token = ParseEcrAnswer(response.body.str(), is_public, request.now, request.what);
  // A token minted with temporary credentials is not trusted to outlive them
  // (re-minting is one request; a token refused mid-pull is a failed pull).
  if (derived.identity_expires_at > 0 && derived.identity_expires_at < token.expires_at) {
    token.expires_at = derived.identity_expires_at;
  }
  token.identity = std::move(derived.identity);
  token.identity_expires_at = token.identity.empty() ? 0 : derived.identity_expires_at;
  return token;
}

}  // namespace ssm
