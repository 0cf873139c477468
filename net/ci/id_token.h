// Gets a CI job's ID token where a WebIdentity says it is, inside the network
// module, when a token is minted: read from its variable or file, or asked of
// the GitHub Actions token service. The token is returned to the caller that
// exchanges it and is never logged, cached or written anywhere; messages name
// the source, never the token or the request token.
#pragma once

#include "common/inputs.h"
#include "common/secure.h"
#include "net/http/http_client.h"
#include "providers/ci/web_identity.h"

namespace ssm {

// Throws Error::Failure "<what>: ..." when the source is missing or answers
// something that is not a JWT; Error::Denied when the token service refuses.
SecretString FetchIdToken(const WebIdentity& source, HttpClient& http, const EnvLookup& env,
                          const TextFileReader& read_file, const std::string& what);

// Whether text is shaped like a JWT (three base64url parts).
bool LooksLikeJwt(const std::string& text);

}  // namespace ssm
