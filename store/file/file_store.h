// Credentials in one file encrypted with AES-256-GCM, for machines without a
// Secret Service (servers, CI). The key is a separate 0600 file or comes from
// the environment. Writers serialize on a lock file and replace the data file
// atomically, so concurrent commands lose nothing and a crash leaves the old
// content. A file that fails authentication is reported, never overwritten.
//
// Rollback: each write gives the data a generation one higher, authenticated
// with it, and records it beside the key (credentials.key, or
// credentials.gen when the key comes from SSM_FILE_STORE_KEY); a data file
// older than that generation (an old copy restored) is refused. RotateKey
// re-encrypts under a new random key. Format-1 files (no generation) are read
// and rewritten in format 2 by the next write.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "store/secret_store.h"
#include "store/store_module.h"

namespace ssm {

class FileStore : public SecretStore {
 public:
  explicit FileStore(StoreOptions options);

  std::string Name() const override { return "file"; }
  std::optional<Credential> Get(const std::string& key) override;
  void Put(const std::string& key, const Credential& credential) override;
  bool Erase(const std::string& key) override;
  std::map<std::string, std::string> List() override;

  std::string data_path() const { return dir_ + "/credentials.enc"; }
  std::string key_path() const { return dir_ + "/credentials.key"; }
  std::string generation_path() const { return dir_ + "/credentials.gen"; }

  // Replaces the key by a new random one and re-encrypts the data with it;
  // returns the data's new generation. At every step of it a crash leaves a
  // key file and a data file that open together. Refused with a key from
  // SSM_FILE_STORE_KEY (there is no file to change).
  uint64_t RotateKey();

  static constexpr size_t kMaxFileBytes = 16u << 20;

 private:
  using Entries = std::map<std::string, Credential>;

  // What the key file (or the generation file) says.
  struct KeyState {
    std::optional<SecretString> key;  // nullopt: no key yet
    uint64_t generation = 0;          // data older than this is refused
    std::optional<uint64_t> next;     // a rotation under way: data of this
    std::optional<SecretString> next_key;  // generation is under next_key
  };
  struct Loaded {
    Entries entries;
    uint64_t generation = 0;
  };

  static KeyState ParseState(const SecretString& text, const std::string& where, bool with_key);
  KeyState LoadState() const;
  void SaveState(const KeyState& state) const;
  Loaded Load(const KeyState& state) const;
  Entries Read() const;  // for Get and List, without the writers' lock
  void Save(const SecretString& key, uint64_t generation, const Entries& entries) const;
  uint64_t Write(KeyState& state, uint64_t data_generation, const Entries& entries) const;
  void RemoveStaleTemporaries() const;
  // Runs change on the entries under the writers' lock and saves the result
  // when change returns true.
  template <typename Change>
  bool Modify(Change change);

  std::string dir_;
  std::optional<SecretString> env_key_;
};

}  // namespace ssm
