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
// the entry's lifetime at the latest. List() always asks the real store.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "store/secret_store.h"

namespace ssm {

// Where cached values live: the kernel keyring, or memory in tests.
class ValueCache {
 public:
  virtual ~ValueCache();
  virtual std::optional<SecretString> Read(const std::string& name) = 0;
  virtual void Write(const std::string& name, const std::string& value, long ttl_seconds) = 0;
  virtual void Remove(const std::string& name) = 0;
  // Drops every cached store answer (after a write: older stamps are dead,
  // and the kernel's per-user key quota is small).
  virtual void Clear() = 0;
};

class KernelValueCache : public ValueCache {
 public:
  std::optional<SecretString> Read(const std::string& name) override;
  void Write(const std::string& name, const std::string& value, long ttl_seconds) override;
  void Remove(const std::string& name) override;
  void Clear() override;
};

class MemoryValueCache : public ValueCache {
 public:
  std::optional<SecretString> Read(const std::string& name) override;
  void Write(const std::string& name, const std::string& value, long ttl_seconds) override;
  void Remove(const std::string& name) override;
  void Clear() override { values.clear(); }
  std::map<std::string, std::string> values;
};

class CachingStore : public SecretStore {
 public:
  using Opener = std::function<std::unique_ptr<SecretStore>()>;
  // The store's identity and state; must change whenever its content does.
  using Stamp = std::function<std::string()>;

  CachingStore(Opener open, Stamp stamp, long ttl_seconds, ValueCache* cache);

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
  std::string EntryName(const std::string& stamp, const std::string& key) const;
  void Remember(const std::string& key, const std::optional<Credential>& value);
  void Forget(const std::string& key);

  struct Peeked {
    std::string key;
    SecretString payload;
  };
  std::optional<Peeked> peeked_;  // the entry AnswersQuickly read, for the Get that follows
  Opener open_;
  Stamp stamp_;
  long ttl_;
  ValueCache* cache_;
  mutable std::unique_ptr<SecretStore> real_;
};

}  // namespace ssm
