// Times as services write them, read into seconds since the epoch (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ssm {

// RFC 3339 / ISO 8601 as AWS, Google and Azure send it:
// "2026-12-01T10:00:00Z", with optional fractions ("...:00.123Z"), a numeric
// offset ("+01:00", "-0500") or a space instead of 'T'. nullopt when the text
// is not such a time.
std::optional<int64_t> ParseRfc3339(const std::string& text);

// "2026-12-01T10:00:00Z".
std::string FormatRfc3339(int64_t seconds);

}  // namespace ssm
