// Short-lived tokens minted by the cloud providers, kept between commands so
// that a `get` mints only when needed. The real cache is the user's Cache
// (common/file_cache.h: files in the private runtime folder, each bound to
// its kind and key, dead at the token's expiry), reached by system calls
// alone, so a warm `get` loads no library. SSM_TOKEN_CACHE=off or
// SSM_CACHE=off (common/settings.h, Settings::Cache) turns it off. Virtual so tests can
// use memory and inspect what was kept.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/cache.h"
#include "common/secure.h"

namespace ssm {

class Settings;

struct CachedToken {
  std::string username;
  SecretString secret;
  int64_t issued_at = 0;   // seconds since the epoch
  int64_t expires_at = 0;  // when the service stops accepting it
  // When a new one should be minted: 80% into its life, and at least a minute
  // before it expires.
  int64_t RefreshAt() const;
};

class TokenCache {
 public:
  virtual ~TokenCache();
  virtual std::optional<CachedToken> Get(const std::string& key) = 0;
  virtual void Put(const std::string& key, const CachedToken& token, int64_t now) = 0;
  virtual void Remove(const std::string& key) = 0;
  virtual std::string Name() const = 0;
  // False when nothing is kept (SSM_TOKEN_CACHE=off, no private runtime folder).
  virtual bool Keeps() const { return true; }
};

// Serializes minting for one key across processes (flock), so 20 parallel
// cold `get`s make one token request.
class MintLock {
 public:
  virtual ~MintLock();
};

// The user's cache, or a no-op one when the settings turn it off or there is
// no private runtime folder (common/runtime_dir.h). Throws Error::BadInput for
// a bad setting.
std::unique_ptr<TokenCache> OpenTokenCache(const Settings& settings);
// Tokens kept in the given cache (tests).
std::unique_ptr<TokenCache> OpenTokenCache(std::shared_ptr<Cache> cache);
// An flock on <dir>/mint-<fingerprint of key>.lock; dir is the private
// runtime folder (common/runtime_dir.h) when there is one, else <data folder>/locks.
std::unique_ptr<MintLock> LockMint(const std::string& key);

class MemoryTokenCache : public TokenCache {
 public:
  std::optional<CachedToken> Get(const std::string& key) override;
  void Put(const std::string& key, const CachedToken& token, int64_t now) override;
  void Remove(const std::string& key) override;
  std::string Name() const override { return "memory"; }
  size_t size() const { return items_.size(); }

 private:
  std::map<std::string, CachedToken> items_;
};

}  // namespace ssm
