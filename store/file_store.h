// Credentials in one file encrypted with AES-256-GCM, for machines without a
// Secret Service (servers, CI). The key is a separate 0600 file or comes from
// the environment. Writers serialize on a lock file and replace the data file
// atomically, so concurrent commands lose nothing and a crash leaves the old
// content. A file that fails authentication is reported, never overwritten.
#pragma once

#include <map>
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

  static constexpr size_t kMaxFileBytes = 16u << 20;

 private:
  using Entries = std::map<std::string, Credential>;

  std::optional<SecretString> LoadKey() const;
  Entries Load(const std::optional<SecretString>& key) const;
  void Save(const SecretString& key, const Entries& entries) const;
  void RemoveStaleTemporaries() const;
  // Runs change on the entries under the writers' lock and saves the result
  // when change returns true.
  template <typename Change>
  bool Modify(Change change);

  std::string dir_;
  std::optional<SecretString> env_key_;
};

}  // namespace ssm
