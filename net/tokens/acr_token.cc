#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "net/azure/azure_chain.h"
#include "net/crypto/digest.h"
#include "net/tokens/token_clients.h"

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

namespace {

// The AAD token for the exchange: the one a previous mint of this identity
// cached (request.identity), else the Azure chain's. nullopt: no identity.
std::optional<AzureAadToken> AzureToken(const MintRequest& request, HttpClient& http) {
  if (!request.identity.empty()) {
    nlohmann::json doc = ParseJsonOrDiscarded(request.identity.str());
    AzureAadToken cached;
    if (doc.is_object() && doc.value("access_token", nlohmann::json()).is_string()) {
      cached.access_token = SecretString(doc["access_token"].get<std::string>());
      cached.expires_at = doc.value("expires_at", int64_t{0});
    }
    WipeJson(doc);
    if (!cached.access_token.empty() && cached.expires_at > request.now + 60) return cached;
  }
  nlohmann::json plan = ParseJsonOrDiscarded(request.azure_chain.str());
  if (!plan.is_object()) throw Error::Failure(request.what + ": malformed Azure identity request");
  TextFileReader read = [](const std::string& path) { return ReadTextFile(path, 64u << 10); };
  std::optional<AzureAadToken> token;
  try {
    token = RunAzureChain(plan, request, http, read);
  } catch (...) {
    WipeJson(plan);
    throw;
  }
  WipeJson(plan);
  return token;
}

MintedToken Exchange(const MintRequest& request, const std::string& tenant, const SecretString& aad_token,
                     HttpClient& http) {
  SecretString exchange("grant_type=access_token&service=" + UrlEscape(request.registry) +
                        (tenant.empty() ? "" : "&tenant=" + UrlEscape(tenant)) +
                        "&access_token=" + UrlEscape(aad_token.str()));
  HttpResponse answer = http.Send(FormPost(request.exchange_url, exchange.str(), request));
  if (answer.status != 200) {
    ThrowRemoteError(request, "the ACR token exchange at " + request.exchange_url, answer, "");
  }
  return ParseAcrExchangeAnswer(answer.body.str(), request.now, request.what);
}

MintedToken MintAcrTokenFromChain(const MintRequest& request, HttpClient& http) {
  std::optional<AzureAadToken> aad = AzureToken(request, http);
  if (!aad) return MintedToken{};  // no Azure identity on this machine
  std::string tenant = request.tenant.empty() ? AzureTokenTenant(aad->access_token.str()) : request.tenant;
  SSM_DEBUG(request.what + ": azure: exchanging the Azure AD token at " + request.exchange_url);
  MintedToken out;
  try {
    out = Exchange(request, tenant, aad->access_token, http);
  } catch (const Error& e) {
    // A cached Azure AD token the registry no longer takes (revoked, or its
    // identity changed): once more with a fresh one from the chain.
    if (request.identity.empty() || e.kind() != Error::Kind::kDenied) throw;
    SSM_DEBUG(request.what + ": azure: the exchange refused the cached Azure AD token; asking the chain again");
    MintRequest fresh = request;
    fresh.identity = SecretString();
    return MintAcrTokenFromChain(fresh, http);
  }
  // Never trusted longer than a day, whatever expires_on claimed.
  aad->expires_at = std::min(aad->expires_at, request.now + 24 * 3600);
  nlohmann::json identity = {{"access_token", aad->access_token.str()}, {"expires_at", aad->expires_at}};
  out.identity = SecretString(identity.dump());
  WipeJson(identity);
  out.identity_expires_at = aad->expires_at;
  return out;
}

}  // namespace

MintedToken MintAcrToken(const MintRequest& request, HttpClient& http) {
  if (!request.azure_chain.empty()) return MintAcrTokenFromChain(request, http);
  std::string aad_url = request.endpoint + "/" + UrlEscape(request.tenant) + "/oauth2/v2.0/token";
  SecretString form("grant_type=client_credentials&client_id=" + UrlEscape(request.client_id) +
                    "&client_secret=" + UrlEscape(request.client_secret.str()) + "&scope=" + UrlEscape(request.scope));
  HttpResponse aad = http.Send(FormPost(aad_url, form.str(), request));
  if (aad.status != 200) {
    ThrowRemoteError(request, "Azure AD at " + aad_url + " (client " + request.client_id + ")", aad, "");
  }
  SecretString aad_token(ParseAadTokenAnswer(aad.body.str(), request.what));
  return Exchange(request, request.tenant, aad_token, http);
}

}  // namespace ssm
