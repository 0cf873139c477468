#include "common/cache_settings.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/error.h"

namespace ssm {
namespace {

// true: on (the default), false: off.
bool Switch(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0' || std::strcmp(v, "on") == 0 || std::strcmp(v, "1") == 0) return true;
  if (std::strcmp(v, "off") == 0 || std::strcmp(v, "0") == 0) return false;
  throw Error::BadInput(std::string(name) + " must be off or on");
}

}  // namespace

CacheSettings CacheSettings::FromEnvironment() {
  CacheSettings s;
  s.store_answers = Switch("SSM_CACHE");
  s.tokens = Switch("SSM_TOKEN_CACHE") && s.store_answers;
  if (const char* ttl = std::getenv("SSM_CACHE_TTL"); ttl != nullptr && *ttl != '\0') {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(ttl, &end, 10);
    if (*end != '\0' || errno != 0 || v < 0 || v > 86400) {
      throw Error::BadInput("SSM_CACHE_TTL must be a number of seconds (0 to 86400)");
    }
    s.store_ttl = v;
  }
  return s;
}

}  // namespace ssm
