// SHA-256, HMAC-SHA256 and base64url over OpenSSL, for SigV4 and JWTs.
#pragma once

#include <string>

namespace ssm {

std::string Sha256(const std::string& data);                         // 32 raw bytes
// 20 raw bytes; only where a format demands it (the AWS SSO cache's file names).
std::string Sha1(const std::string& data);
std::string HmacSha256(const std::string& key, const std::string& data);  // 32 raw bytes
std::string Hex(const std::string& bytes);                            // lower-case
std::string Base64UrlEncode(const std::string& data);                 // no padding
bool Base64UrlDecode(const std::string& text, std::string* out);

}  // namespace ssm
