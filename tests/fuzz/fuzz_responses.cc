// Fuzzes the parsers of every remote answer (providers/tokens/mint.h,
// net/registry_check.h). Each input is the body (or header) of one
// answer and goes through all of them: ParseEcrAnswer (private and public),
// ParseGoogleTokenAnswer, ParseAadTokenAnswer, ParseAcrExchangeAnswer,
// ParseAzureTokenAnswer (managed identity, any expires_on form),
// RemoteErrorMessage and ParseChallenge; and, base64url-encoded, as the
// payload of the JWT in an ACR exchange answer (whose exp is read) and of an
// Azure AD token (whose tid is read).
//
// Invariants: only ssm::Error is thrown (RemoteErrorMessage and ParseChallenge
// throw nothing); what a parser accepts is sane: a user name without ':' and an
// expiry in the future (ECR: within 1e11 s; Google: within 7 days; ACR: within
// a day); a remote message is one line of at most 303 bytes; a challenge's
// scheme and parameter names are lower case.
#include <cstdint>
#include <string>

#include "common/error.h"
#include "fuzz_support.h"
#include "net/azure/azure_chain.h"
#include "net/crypto/digest.h"
#include "net/registry_check.h"
#include "providers/tokens/mint.h"

namespace {

using ssm::fuzz::Escape;

constexpr int64_t kNow = 1740000000;

bool HasUpper(const std::string& s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

void Ecr(const std::string& body, bool is_public) {
  try {
    ssm::MintedToken t = ssm::ParseEcrAnswer(body, is_public, kNow, "ecr");
    FUZZ_CHECK(!t.username.empty() && t.username.find(':') == std::string::npos,
               "ECR user name " + Escape(t.username));
    FUZZ_CHECK(t.expires_at > 0 && t.expires_at <= kNow + 12 * 3600, "ECR expiry " + std::to_string(t.expires_at));
  } catch (const ssm::Error&) {
  }
}

void Google(const std::string& body) {
  try {
    ssm::MintedToken t = ssm::ParseGoogleTokenAnswer(body, kNow, "gcr");
    FUZZ_CHECK(!t.secret.empty(), "Google token empty");
    FUZZ_CHECK(t.expires_at >= kNow && t.expires_at <= kNow + 12 * 3600,
               "Google expiry " + std::to_string(t.expires_at));
  } catch (const ssm::Error&) {
  }
}

void Aad(const std::string& body) {
  try {
    std::string token = ssm::ParseAadTokenAnswer(body, "acr");
    FUZZ_CHECK(!token.empty(), "AAD token empty");
  } catch (const ssm::Error&) {
  }
}

void AcrExchange(const std::string& body) {
  try {
    ssm::MintedToken t = ssm::ParseAcrExchangeAnswer(body, kNow, "acr");
    FUZZ_CHECK(!t.secret.empty(), "ACR refresh token empty");
    FUZZ_CHECK(t.expires_at > kNow && t.expires_at < kNow + 86400, "ACR expiry " + std::to_string(t.expires_at));
  } catch (const ssm::Error&) {
  }
}

void Azure(const std::string& body) {
  try {
    ssm::AzureAadToken t = ssm::ParseAzureTokenAnswer(body, kNow, "acr", "Azure AD");
    FUZZ_CHECK(!t.access_token.empty(), "Azure token empty");
    FUZZ_CHECK(t.expires_at > 0, "Azure expiry " + std::to_string(t.expires_at));
  } catch (const ssm::Error&) {
  }
  // The tenant goes into the exchange's form: a plain word or nothing.
  std::string tid = ssm::AzureTokenTenant("eyJhbGciOiJSUzI1NiJ9." + ssm::Base64UrlEncode(body) + ".c2ln");
  FUZZ_CHECK(tid.size() <= 64 && tid.find_first_of("&=%\r\n \"") == std::string::npos, "tenant " + Escape(tid));
}

void RemoteError(const std::string& body) {
  std::string m = ssm::RemoteErrorMessage(body);
  FUZZ_CHECK(m.find('\n') == std::string::npos && m.find('\r') == std::string::npos,
             "remote error message spans lines: " + Escape(m));
  FUZZ_CHECK(m.size() <= 303, "remote error message of " + std::to_string(m.size()) + " bytes");
}

void Challenge(const std::string& header) {
  ssm::Challenge c = ssm::ParseChallenge(header);
  FUZZ_CHECK(!HasUpper(c.scheme), "challenge scheme not lower case: " + Escape(c.scheme));
  for (const auto& [k, v] : c.params) FUZZ_CHECK(!HasUpper(k), "challenge parameter not lower case: " + Escape(k));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ssm::fuzz::IsolateEnvironment();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  Ecr(body, false);
  Ecr(body, true);
  Google(body);
  Aad(body);
  AcrExchange(body);
  Azure(body);
  // The same bytes as the payload of the refresh token's JWT, which the
  // exchange's parser decodes to read exp: random bytes rarely spell base64url.
  AcrExchange(R"({"refresh_token":"eyJhbGciOiJSUzI1NiJ9.)" + ssm::Base64UrlEncode(body) + R"(.c2ln"})");
  RemoteError(body);
  Challenge(body);
  return 0;
}
