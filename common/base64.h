// Base64 (RFC 4648, standard alphabet, padded) through the resolver library's
// b64_pton/b64_ntop: a small, long-kept part of glibc, cheap enough to load on
// the path of every `get`, unlike libcrypto.
#pragma once

#include <string>

namespace ssm {

// False when text is not valid base64. Whitespace is ignored.
bool Base64Decode(const std::string& text, std::string* out);
std::string Base64Encode(const std::string& data);

}  // namespace ssm
