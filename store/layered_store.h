// The store of `auto` mode: the Secret Service when one answers (the primary),
// and the encrypted file store, which holds the logins saved while there was
// none (no session bus, a keyring daemon gone). A login saved by one command
// must be found, and erased, by the next one whichever store that command
// would write to, so:
//   - Put writes to the primary only (the file store when the Secret Service
//     does not answer at the first thing asked of it);
//   - Get asks the primary first, then the file store;
//   - List merges both (the primary's user name wins);
//   - Erase removes the key from each store that may hold it, and fails with
//     one line when one of them cannot be reached or read (a file store that
//     does not decrypt, a Secret Service gone while the file store exists);
//     what it could remove stays removed.
// The file store is asked only when its data file exists (file_exists), so
// reading never creates it. Once a store has answered, its errors are errors.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "store/secret_store.h"

namespace ssm {

class LayeredStore : public SecretStore {
 public:
  using Opener = std::function<std::unique_ptr<SecretStore>()>;

  // open_primary may throw Error kUnavailable (no Secret Service), as may the
  // first operation on what it returns: the file store then takes over.
  LayeredStore(Opener open_primary, Opener open_file, std::function<bool()> file_exists);

  std::string Name() const override;
  std::optional<Credential> Get(const std::string& key) override;
  void Put(const std::string& key, const Credential& credential) override;
  bool Erase(const std::string& key) override;
  std::map<std::string, std::string> List() override;

  // The logins of the store not written to (the file store, when the Secret
  // Service answers and the file exists); empty otherwise. For `doctor`.
  std::map<std::string, std::string> ListIdle();

 private:
  // Runs f on the primary; on kUnavailable before the primary ever answered,
  // records why and returns nullopt (the caller then uses the file store).
  template <typename F>
  auto OnPrimary(F f) -> std::optional<decltype(f(std::declval<SecretStore&>()))>;
  SecretStore& File();
  bool PrimaryUp();  // false once the primary turned out unavailable

  Opener open_primary_;
  Opener open_file_;
  std::function<bool()> file_exists_;
  std::unique_ptr<SecretStore> primary_;
  std::unique_ptr<SecretStore> file_;
  bool answered_ = false;
  std::optional<std::string> unavailable_;  // why the primary is not there
};

}  // namespace ssm
