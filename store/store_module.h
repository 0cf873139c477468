// The entry points of the store modules. The binary loads a module with dlopen
// only when a command needs that store, so a `get` answered without the Secret
// Service never pays for loading GLib and libsecret, nor libcrypto when the file
// store is not used. Modules resolve ssm:: symbols (Error, logging, files) from
// the binary, so exceptions keep one type across the boundary.
#pragma once

#include <memory>
#include <string>

#include "store/secret_store.h"

namespace ssm {

struct StoreOptions {
  std::string data_dir;  // the file store's folder
  // The file store's key given by the environment (base64 of 32 bytes), when
  // the machine injects one instead of keeping a key file.
  std::optional<SecretString> file_key;
};

}  // namespace ssm

extern "C" {
// Each returns a new store or throws ssm::Error (kUnavailable when the backend
// is absent, so automatic selection can fall back).
using SsmOpenStoreFn = ssm::SecretStore* (*)(const ssm::StoreOptions&);
__attribute__((visibility("default"))) ssm::SecretStore* SsmOpenFileStore(const ssm::StoreOptions& options);
__attribute__((visibility("default"))) ssm::SecretStore* SsmOpenSecretServiceStore(const ssm::StoreOptions& options);
}
