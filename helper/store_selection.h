// Which secret store a command uses, and opening it. SSM_STORE wins over the
// config file's "store"; the default, "auto", uses the Secret Service when one
// answers on the session bus and the encrypted file store otherwise. The
// stores live in modules loaded on demand (see store/store_module.h).
#pragma once

#include <memory>
#include <string>

#include "helper/config.h"
#include "store/secret_store.h"

namespace ssm {

enum class StoreChoice { kAuto, kSecretService, kFile };

StoreChoice ChooseStore(const Config& config);
const char* StoreChoiceName(StoreChoice choice);

// Opens the chosen store. With kAuto, the Secret Service is tried first; if it
// is unavailable at open or at the first operation, the file store takes over.
std::unique_ptr<SecretStore> OpenStore(StoreChoice choice);

}  // namespace ssm
