// A SecretStore in front of the real one that answers `get` from a cache and
// opens the real store (loading GLib, libsecret or libcrypto and talking to
// D-Bus) only on a miss. Both "found" and "not found" are cached, so the
// anonymous answer for a public registry is fast too.
//
// Entries are keyed by the store's identity *and* a stamp of its state (the
// file store's inode, size and modification time; the keyring folder's), so a
// change made by any process makes every older entry unreachable. Writes made
// through this class also replace their entry. What no stamp sees (a write by
// another program to a Secret Service whose files are elsewhere) shows after
// the entry's lifetime at the latest. List() is cached the same way (it holds
// no secret). A write through this class drops only the entries of the stamp
// it was made under (they may be stale); entries of other stores stay.
// Entries live in a Cache (common/cache.h), kind kStoreAnswer, keyed by
// stamp, NUL, server key: an entry never answers another server or store.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/cache.h"
#include "store/secret_store.h"

namespace ssm {

class CachingStore : public SecretStore {
 public:
  using Opener = std::function<std::unique_ptr<SecretStore>()>;
  // The store's identity and state; must change whenever its content does.
  using Stamp = std::function<std::string()>;

  CachingStore(Opener open, Stamp stamp, long ttl_seconds, std::shared_ptr<Cache> cache);

  std::string Name() const override;
  std::optional<Credential> Get(const std::string& key) override;
  void Put(const std::string& key, const Credential& credential) override;
  bool Erase(const std::string& key) override;
  std::map<std::string, std::string> List() override;
  bool AnswersQuickly(const std::string& key) override;
  void Connect() override { Real(); }

  bool opened() const { return real_ != nullptr; }

 private:
  SecretStore& Real() const;
  void Remember(const std::string& key, const std::optional<Credential>& value);
  void Forget(const std::string& stamp);

  struct Peeked {
    std::string key;
    SecretString payload;
  };
  std::optional<Peeked> peeked_;  // the entry AnswersQuickly read, for the Get that follows
  Opener open_;
  Stamp stamp_;
  long ttl_;
  std::shared_ptr<Cache> cache_;
  mutable std::unique_ptr<SecretStore> real_;
};

}  // namespace ssm
