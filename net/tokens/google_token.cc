#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "net/crypto/jwt.h"
#include "net/google/google_chain.h"
#include "net/tokens/token_clients.h"

namespace ssm {

MintedToken ParseGoogleTokenAnswer(const std::string& body, int64_t now, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  auto fail = [&](const std::string& why) -> MintedToken {
    throw Error::Failure(what + ": the token endpoint answered 200 but " + why);
  };
  if (!doc.is_object()) return fail("its body is not a JSON object");
  auto token = doc.find("access_token");
  if (token == doc.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
    return fail("without an access_token");
  }
  auto expires_in = doc.find("expires_in");
  if (expires_in == doc.end() || !expires_in->is_number() || expires_in->get<double>() <= 0 ||
      expires_in->get<double>() > 86400 * 7) {
    return fail("without a valid expires_in");
  }
  MintedToken out;
  out.username = "oauth2accesstoken";
  out.secret = SecretString(token->get<std::string>());
  // Google access tokens last at most 12 hours.
  out.expires_at = now + std::min(static_cast<int64_t>(expires_in->get<double>()), int64_t{12 * 3600});
  Cleanse(token->get_ref<std::string&>());
  return out;
}

MintedToken MintGoogleToken(const MintRequest& request, HttpClient& http) {
  if (request.google_chain.empty()) return MintGoogleServiceAccountToken(request, http);
  nlohmann::json plan = ParseJsonOrDiscarded(request.google_chain.str());
  if (!plan.is_object()) throw Error::Failure(request.what + ": malformed Google credentials request");
  TextFileReader read = [](const std::string& path) { return ReadTextFile(path, 64u << 10); };
  std::optional<MintedToken> token;
  try {
    token = RunGoogleChain(plan, request, http, read);
  } catch (...) {
    WipeJson(plan);
    throw;
  }
  WipeJson(plan);
  if (!token) return MintedToken{};  // no Google identity here
  return std::move(*token);
}

MintedToken MintGoogleServiceAccountToken(const MintRequest& request, HttpClient& http) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!request.private_key_id.empty()) header["kid"] = request.private_key_id;
  nlohmann::json claims = {{"iss", request.client_email},
                           {"scope", "https://www.googleapis.com/auth/cloud-platform"},
                           {"aud", request.audience},
                           {"iat", request.now},
                           {"exp", request.now + 3600}};
  std::string jwt = SignJwtRs256(header, claims, request.private_key, request.what);
  std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + jwt;
  HttpResponse response = http.Send(FormPost(request.endpoint, body, request));
  if (response.status != 200) {
    ThrowRemoteError(request, "the token endpoint " + RedactUrl(request.endpoint) + " (service account " + request.client_email + ")",
                     response);
  }
  return ParseGoogleTokenAnswer(response.body.str(), request.now, request.what);
}

}  // namespace ssm
