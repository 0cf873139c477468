// JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 over SHA-256), as the
// OAuth 2.0 JWT bearer grant of Google service accounts needs them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/secure.h"

namespace ssm {

// header.claims.signature, each base64url without padding. private_key_pem is
// a PKCS#8 (or PKCS#1) PEM key; literal "\n" sequences (keys pasted into
// environment variables) are turned into line breaks first. Throws
// Error::BadInput when the key cannot be read, naming what, never the key.
std::string SignJwtRs256(const nlohmann::json& header, const nlohmann::json& claims, const SecretString& private_key_pem,
                         const std::string& what);

// Turns literal "\n" sequences into line breaks.
SecretString UnescapePem(const std::string& text);

}  // namespace ssm
