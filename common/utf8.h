// UTF-8 checks for text that crosses into JSON: nlohmann's dump() throws on
// bytes that are not UTF-8, and a message cut in the middle of a character is
// such bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ssm {

// Whether s is well-formed UTF-8 (no overlong forms, surrogates or code
// points beyond U+10FFFF).
bool IsValidUtf8(std::string_view s);

// s with each byte that is not part of a well-formed UTF-8 sequence replaced
// by U+FFFD. For text that is only shown (messages, user names in a list);
// never for a secret.
std::string ToValidUtf8(std::string_view s);

// At most max_bytes of s, cut at a character boundary (never inside a UTF-8
// sequence), with "..." appended when anything was cut.
std::string TruncateUtf8(const std::string& s, size_t max_bytes);

}  // namespace ssm
