#include "providers/token_cache.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/files.h"
#include "common/kernel_keyring.h"
#include "common/log.h"
#include "common/paths.h"

namespace ssm {
namespace {

constexpr char kDescriptionPrefix[] = "docker-credential-ssm:token:";

std::string Encode(const CachedToken& t) {
  return "v1\n" + std::to_string(t.issued_at) + "\n" + std::to_string(t.expires_at) + "\n" + t.username + "\n" +
         t.secret.str();
}

std::optional<CachedToken> Decode(const std::string& payload) {
  std::vector<std::string> parts;
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    size_t nl = payload.find('\n', pos);
    if (nl == std::string::npos) return std::nullopt;
    parts.push_back(payload.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (parts[0] != "v1") return std::nullopt;
  CachedToken t;
  char* end = nullptr;
  t.issued_at = std::strtoll(parts[1].c_str(), &end, 10);
  t.expires_at = std::strtoll(parts[2].c_str(), &end, 10);
  t.username = parts[3];
  t.secret = SecretString(payload.substr(pos));
  return t;
}

class KernelKeyringCache : public TokenCache {
 public:
  std::string Name() const override { return "kernel keyring"; }

  std::optional<CachedToken> Get(const std::string& key) override {
    std::optional<SecretString> payload = KernelKeyring::Read(kDescriptionPrefix + key);
    if (!payload) return std::nullopt;
    return Decode(payload->str());
  }

  void Put(const std::string& key, const CachedToken& token, int64_t now) override {
    SecretString payload(Encode(token));
    KernelKeyring::Write(kDescriptionPrefix + key, payload.str(), static_cast<long>(token.expires_at - now));
  }

  void Remove(const std::string& key) override { KernelKeyring::Remove(kDescriptionPrefix + key); }
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

std::unique_ptr<TokenCache> OpenTokenCache() {
  const char* setting = std::getenv("SSM_TOKEN_CACHE");
  if (setting != nullptr && (std::strcmp(setting, "off") == 0 || std::strcmp(setting, "0") == 0)) {
    return std::make_unique<NullTokenCache>();
  }
  if (const char* all = std::getenv("SSM_CACHE"); all != nullptr && std::strcmp(all, "off") == 0) {
    return std::make_unique<NullTokenCache>();
  }
  // Containers may forbid keyctl (EPERM/ENOSYS).
  if (!KernelKeyring::Available()) {
    SSM_DEBUG(std::string("token cache: no kernel keyring (") + ErrnoText(errno) + "); tokens are not cached");
    return std::make_unique<NullTokenCache>();
  }
  return std::make_unique<KernelKeyringCache>();
}

std::unique_ptr<MintLock> LockMint(const std::string& key) {
  std::string dir;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/' && access(runtime, W_OK) == 0) {
    dir = std::string(runtime) + "/docker-credential-ssm";
  } else {
    dir = DataDir() + "/locks";
  }
  EnsurePrivateDir(dir);
  return std::make_unique<FlockMintLock>(dir + "/mint-" + key + ".lock");
}

std::optional<CachedToken> MemoryTokenCache::Get(const std::string& key) {
  auto it = items_.find(key);
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

void MemoryTokenCache::Put(const std::string& key, const CachedToken& token, int64_t) { items_[key] = token; }

void MemoryTokenCache::Remove(const std::string& key) { items_.erase(key); }

}  // namespace ssm
