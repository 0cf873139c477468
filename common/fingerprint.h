// A short, stable name for some bytes (FNV-1a 64, 16 hex digits): how cache
// entries and lock files are named. Not a cryptographic digest: a collision
// only makes two keys share a file name, and every entry holds its whole key
// (common/file_cache.h), so it never answers the other.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace ssm {

inline std::string Fingerprint(const std::string& data) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace ssm
