// Which secret store a command uses, and opening it. SSM_STORE (common/settings.h)
// wins over the config file's "store", both parsed here alike; the default, "auto", uses the Secret Service when one
// answers on the session bus and the encrypted file store otherwise. The
// stores live in modules loaded on demand (see store/store_module.h).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/settings.h"
#include "helper/config.h"
#include "store/secret_store.h"

namespace ssm {

enum class StoreChoice { kAuto, kSecretService, kFile };

struct StoreDecision {
  StoreChoice choice = StoreChoice::kAuto;
  const char* how = "default";  // "SSM_STORE", "config file" or "default"
};

// Throws Error::BadInput naming SSM_STORE or the config file for a value
// other than auto, secretservice (secret-service) or file.
StoreDecision ChooseStore(const Settings& settings, const Config& config);
const char* StoreChoiceName(StoreChoice choice);

// Opens the chosen store. With kAuto and a session bus, the Secret Service is
// written to when it answers (else the file store), and get, list and erase see
// the file store too when its data file exists (store/layered_store.h); with no
// bus, the file store alone. Cached answers (store/caching_store.h) are keyed
// by a stamp of both stores' files, so a change to either one shows at once.
// settings (SSM_FILE_STORE_KEY, the cache's) must outlive the store.
std::unique_ptr<SecretStore> OpenStore(StoreChoice choice, const Settings& settings);

// `store-key rotate`: a new random key for the file store, its data
// re-encrypted (store/file/file_store.h). Returns what changed, for the user.
std::string RotateFileStoreKey(const Settings& settings);

// The logins (key: user) of the store auto mode no longer writes to: the file
// store's while a Secret Service answers. Empty otherwise. For doctor.
std::map<std::string, std::string> IdleStoreLogins(StoreChoice choice, const Settings& settings);

}  // namespace ssm
