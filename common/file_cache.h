// The Cache as one file per entry in a private folder (see runtime_dir.h):
// <folder>/cache/<kind letter><FNV-1a 64 of kind and key>, mode 0600, written
// to a temporary file and renamed into place. A file holds
//   "ssm-cache 1\n", then length-prefixed fields: the kind, the whole key, the
//   expiry (decimal seconds since the epoch), the payload; then 16 hex digits
//   of the FNV-1a 64 of everything before them.
// Reading opens without following links or blocking and answers only from a
// regular file of this user, mode 0600, one link, whose checksum, kind, key
// and expiry match; anything else is ignored and removed. The checksum finds
// corruption, not forgery: the folder's permissions keep others out. Each
// write prunes dead entries and keeps at most kMaxEntries (those expiring
// first go). Only system calls: a warm `get` reads through this.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/cache.h"

namespace ssm {

class FileCache : public Cache {
 public:
  static constexpr int kMaxEntries = 256;
  using Clock = std::function<int64_t()>;

  // The user's cache (PrivateRuntimeDir()/cache), or nullptr with the reason
  // in *problem; when not nullptr, *problem says why XDG_RUNTIME_DIR was not
  // used (empty when it was).
  static std::unique_ptr<FileCache> OpenUserCache(std::string* problem);
  // A cache in dir, which must be a folder of this user with no permission
  // for others (created 0700 when missing); nullptr with *problem otherwise.
  static std::unique_ptr<FileCache> Open(const std::string& dir, std::string* problem, Clock clock = nullptr);
  ~FileCache() override;
  FileCache(const FileCache&) = delete;
  FileCache& operator=(const FileCache&) = delete;

  std::optional<SecretString> Read(CacheKind kind, const std::string& key) override;
  void Write(CacheKind kind, const std::string& key, const std::string& payload, int64_t expires_at) override;
  void Remove(CacheKind kind, const std::string& key) override;
  void RemovePrefix(CacheKind kind, const std::string& prefix) override;
  int Clear() override;

  const std::string& dir() const { return dir_; }
  static std::string EntryName(CacheKind kind, const std::string& key);

 private:
  FileCache(std::string dir, int fd, Clock clock);
  struct Entry;
  std::optional<Entry> Load(const std::string& name);
  void Prune();

  std::string dir_;
  int fd_;
  Clock clock_;
};

}  // namespace ssm
