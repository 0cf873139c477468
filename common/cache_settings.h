// The cache settings, for every cache and command (parsed by
// common/settings.h, Settings::Cache, from):
//   SSM_CACHE        off (or 0): no cache at all; on, 1 or empty: the default
//   SSM_TOKEN_CACHE  off (or 0): no token cache; on, 1 or empty: the default
//   SSM_CACHE_TTL    seconds a cached store answer lives, 0 to 86400 (0: none)
// Any other value is bad input (Error::BadInput naming the variable).
#pragma once

#include <optional>

namespace ssm {

struct CacheSettings {
  bool store_answers = true;
  bool tokens = true;
  std::optional<long> store_ttl;  // unset: the store's default
};

}  // namespace ssm
