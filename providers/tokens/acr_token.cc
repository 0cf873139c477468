#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/secret_json.h"
#include "providers/crypto/digest.h"
#include "providers/tokens/token_clients.h"

namespace ssm {
namespace {

// The exp claim of a JWT's payload, read without checking its signature (ACR
// checks it; we only need to know when to ask again). 0 when unreadable.
int64_t JwtExpiry(const std::string& jwt) {
  size_t a = jwt.find('.');
  size_t b = a == std::string::npos ? a : jwt.find('.', a + 1);
  if (b == std::string::npos) return 0;
  std::string payload;
  if (!Base64UrlDecode(jwt.substr(a + 1, b - a - 1), &payload)) return 0;
  nlohmann::json doc = ParseJsonOrDiscarded(payload);
  if (!doc.is_object() || !doc.contains("exp") || !doc["exp"].is_number()) return 0;
  double exp = doc["exp"].get<double>();
  // Converting a double beyond int64 (1e300) is undefined behaviour.
  if (!std::isfinite(exp) || exp <= 0 || exp > 1e11) return 0;
  return static_cast<int64_t>(exp);
}

}  // namespace

std::string ParseAadTokenAnswer(const std::string& body, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string() ||
      doc["access_token"].get_ref<const std::string&>().empty()) {
    throw Error::Failure(what + ": Azure AD answered 200 but without an access_token");
  }
  std::string token = doc["access_token"].get<std::string>();
  Cleanse(doc["access_token"].get_ref<std::string&>());
  return token;
}

MintedToken ParseAcrExchangeAnswer(const std::string& body, int64_t now, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  if (!doc.is_object() || !doc.contains("refresh_token") || !doc["refresh_token"].is_string() ||
      doc["refresh_token"].get_ref<const std::string&>().empty()) {
    throw Error::Failure(what + ": the ACR token exchange answered 200 but without a refresh_token");
  }
  MintedToken out;
  // ACR's identity token: docker and containers/image send it as a refresh token.
  out.username = "00000000-0000-0000-0000-000000000000";
  out.secret = SecretString(doc["refresh_token"].get<std::string>());
  Cleanse(doc["refresh_token"].get_ref<std::string&>());
  int64_t exp = JwtExpiry(out.secret.str());
  // ACR refresh tokens live three hours; without a readable exp, assume one.
  out.expires_at = (exp > now && exp < now + 86400) ? exp : now + 3600;
  return out;
}

MintedToken MintAcrToken(const MintRequest& request, HttpClient& http) {
  std::string aad_url = request.endpoint + "/" + UrlEscape(request.tenant) + "/oauth2/v2.0/token";
  SecretString form("grant_type=client_credentials&client_id=" + UrlEscape(request.client_id) +
                    "&client_secret=" + UrlEscape(request.client_secret.str()) + "&scope=" + UrlEscape(request.scope));
  HttpResponse aad = http.Send(FormPost(aad_url, form.str(), request));
  if (aad.status != 200) {
    ThrowRemoteError(request, "Azure AD at " + aad_url + " (client " + request.client_id + ")", aad, "");
  }
  SecretString aad_token(ParseAadTokenAnswer(aad.body.str(), request.what));
  SecretString exchange("grant_type=access_token&service=" + UrlEscape(request.registry) +
                        "&tenant=" + UrlEscape(request.tenant) + "&access_token=" + UrlEscape(aad_token.str()));
  HttpResponse answer = http.Send(FormPost(request.exchange_url, exchange.str(), request));
  if (answer.status != 200) {
    ThrowRemoteError(request, "the ACR token exchange at " + request.exchange_url, answer, "");
  }
  return ParseAcrExchangeAnswer(answer.body.str(), request.now, request.what);
}

}  // namespace ssm
