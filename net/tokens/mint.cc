// The network module's entry point and what the token answers share.
#include "providers/tokens/mint.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/secret_json.h"
#include "common/utf8.h"
#include "net/http/http_client.h"
#include "net/tokens/token_clients.h"

namespace ssm {

namespace {

// The CA file named for the services (AWS_CA_BUNDLE), read here where it is
// used rather than by every `get` that finds its token cached.
std::string ReadCaFile(const std::string& path, const std::string& what) {
  std::optional<std::string> pem = ReadTextFile(path, 4u << 20);
  if (!pem) throw Error::BadInput(what + ": the CA file " + path + " (AWS_CA_BUNDLE) does not exist");
  if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    throw Error::BadInput(what + ": the CA file " + path + " (AWS_CA_BUNDLE) holds no PEM certificate");
  }
  return *pem;
}

}  // namespace

MintedToken MintToken(const MintRequest& request_in, HttpClient& http) {
  const MintRequest* with_ca = &request_in;
  MintRequest copy;
  if (request_in.ca_pem.empty() && !request_in.ca_file.empty()) {
    copy = request_in;
    copy.ca_pem = ReadCaFile(request_in.ca_file, request_in.what);
    with_ca = &copy;
  }
  const MintRequest& request = *with_ca;
  if (request.kind == "ecr" || request.kind == "ecrpublic") return MintEcrToken(request, http);
  if (request.kind == "gcr") return MintGoogleToken(request, http);
  if (request.kind == "acr") return MintAcrToken(request, http);
  throw Error::Failure("no token minting for \"" + request.kind + "\"");
}

std::string RemoteErrorMessage(const std::string& body) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  if (!doc.is_object()) return "";
  auto text = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
  };
  std::string out;
  if (!text("__type").empty()) {  // AWS JSON protocols
    std::string type = text("__type");
    type = type.substr(type.rfind('#') == std::string::npos ? 0 : type.rfind('#') + 1);
    out = type + ": " + (text("message").empty() ? text("Message") : text("message"));
  } else if (!text("error").empty()) {  // OAuth 2.0 (Google, Azure AD)
    out = text("error") + (text("error_description").empty() ? "" : ": " + text("error_description"));
  } else if (doc.contains("errors") && doc["errors"].is_array() && !doc["errors"].empty() &&
             doc["errors"][0].is_object()) {  // registries (ACR)
    const auto& e = doc["errors"][0];
    // Not e.value(): it throws when the service sends another type there.
    auto field = [&](const char* key) -> std::string {
      auto it = e.find(key);
      return it != e.end() && it->is_string() ? it->get<std::string>() : "";
    };
    out = field("code") + ": " + field("message");
  }
  // One line, bounded: it is shown to the user.
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  // Cut at a character boundary: a cut inside a UTF-8 sequence leaves bytes
  // JSON cannot carry across the module boundary.
  return TruncateUtf8(ToValidUtf8(out), 300);
}

HttpRequest FormPost(const std::string& url, const std::string& body, const MintRequest& request) {
  HttpRequest http;
  http.method = "POST";
  http.url = url;
  http.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  http.body = SecretString(body);
  http.ca_pem = request.ca_pem;
  http.connect_timeout_ms = request.connect_timeout_ms;
  http.total_timeout_ms = request.total_timeout_ms;
  http.attempts = request.attempts;
  http.what = request.what;
  return http;
}

[[noreturn]] void ThrowRemoteError(const MintRequest& request, const std::string& doing, const HttpResponse& response,
                                   const std::string& hint) {
  std::string detail = RemoteErrorMessage(response.body.str());
  std::string message = request.what + ": " + doing + " answered HTTP " + std::to_string(response.status) +
                        (detail.empty() ? "" : " (" + detail + ")") + hint;
  if (response.status == 401 || response.status == 403 || response.status == 400) throw Error::Denied(message);
  throw Error::Unavailable(message);
}

}  // namespace ssm
