#include "providers/token_cache.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/file_cache.h"
#include "common/files.h"
#include "common/fingerprint.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/runtime_dir.h"
#include "common/settings.h"

namespace ssm {
namespace {

// Length-prefixed fields: issued at, expires at, user name, token.
std::string Encode(const CachedToken& t) {
  std::string out;
  AppendField(out, std::to_string(t.issued_at));
  AppendField(out, std::to_string(t.expires_at));
  AppendField(out, t.username);
  AppendField(out, t.secret.str());
  return out;
}

std::optional<CachedToken> Decode(const std::string& payload) {
  std::optional<std::vector<std::string>> fields = DecodeFields(payload);
  if (!fields) return std::nullopt;
  std::optional<CachedToken> out;
  if (fields->size() == 4) {
    CachedToken t;
    char* end = nullptr;
    t.issued_at = std::strtoll((*fields)[0].c_str(), &end, 10);
    bool ok = *end == '\0';
    t.expires_at = std::strtoll((*fields)[1].c_str(), &end, 10);
    ok = ok && *end == '\0';
    t.username = (*fields)[2];
    t.secret = SecretString((*fields)[3]);
    if (ok) out = std::move(t);
  }
  for (std::string& f : *fields) Cleanse(f);
  return out;
}

// The user's cache (common/cache.h), kind kToken, until the token expires.
class SharedTokenCache : public TokenCache {
 public:
  explicit SharedTokenCache(std::shared_ptr<Cache> cache) : cache_(std::move(cache)) {}
  std::string Name() const override { return "runtime folder"; }

  std::optional<CachedToken> Get(const std::string& key) override {
    std::optional<SecretString> payload = cache_->Read(CacheKind::kToken, key);
    if (!payload) return std::nullopt;
    return Decode(payload->str());
  }

  void Put(const std::string& key, const CachedToken& token, int64_t) override {
    SecretString payload(Encode(token));
    cache_->Write(CacheKind::kToken, key, payload.str(), token.expires_at);
  }

  void Remove(const std::string& key) override { cache_->Remove(CacheKind::kToken, key); }

 private:
  std::shared_ptr<Cache> cache_;
};

class NullTokenCache : public TokenCache {
 public:
  std::optional<CachedToken> Get(const std::string&) override { return std::nullopt; }
  void Put(const std::string&, const CachedToken&, int64_t) override {}
  void Remove(const std::string&) override {}
  std::string Name() const override { return "off"; }
  bool Keeps() const override { return false; }
};

class FlockMintLock : public MintLock {
 public:
  explicit FlockMintLock(const std::string& path) : lock_(path) {}

 private:
  FileLock lock_;
};

}  // namespace

int64_t CachedToken::RefreshAt() const {
  int64_t life = std::max<int64_t>(0, expires_at - issued_at);
  return std::min(issued_at + life * 4 / 5, expires_at - 60);
}

TokenCache::~TokenCache() = default;
MintLock::~MintLock() = default;

std::unique_ptr<TokenCache> OpenTokenCache(const Settings& settings) {
  if (!settings.Cache().tokens) return std::make_unique<NullTokenCache>();
  std::string problem;
  std::shared_ptr<Cache> cache = FileCache::OpenUserCache(&problem);
  if (!cache) {
    SSM_DEBUG("token cache: " + problem + "; tokens are not cached");
    return std::make_unique<NullTokenCache>();
  }
  return std::make_unique<SharedTokenCache>(std::move(cache));
}

std::unique_ptr<TokenCache> OpenTokenCache(std::shared_ptr<Cache> cache) {
  return std::make_unique<SharedTokenCache>(std::move(cache));
}

std::unique_ptr<MintLock> LockMint(const std::string& key) {
  // Locks hold no secret: without a private runtime folder, the data folder.
  RuntimeDir runtime = PrivateRuntimeDir();
  std::string dir = runtime.path;
  if (dir.empty()) {
    dir = DataDir() + "/locks";
    EnsurePrivateDir(dir);
  }
  return std::make_unique<FlockMintLock>(dir + "/mint-" + Fingerprint(key) + ".lock");
}

std::optional<CachedToken> MemoryTokenCache::Get(const std::string& key) {
  auto it = items_.find(key);
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

void MemoryTokenCache::Put(const std::string& key, const CachedToken& token, int64_t) { items_[key] = token; }

void MemoryTokenCache::Remove(const std::string& key) { items_.erase(key); }

}  // namespace ssm
