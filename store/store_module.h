// Secret stores that live in modules (the Secret Service needs GLib and
// libsecret, the file store libcrypto), loaded only by commands that use them.
// Requests cross the module boundary as JSON (common/module_abi.h):
//   {"op":"open","options":{"data_dir":...,"file_key":...}} -> {"name":...}
//   {"op":"get","key":k}      -> {"found":bool,"username":...,"secret":...}
//   {"op":"put","key":k,"username":...,"secret":...}
//   {"op":"erase","key":k}    -> {"erased":bool}
//   {"op":"list"}             -> {"items":{key: username}}
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "store/secret_store.h"

namespace ssm {

struct StoreOptions {
  std::string data_dir;  // the file store's folder
  // The file store's key given by the environment (base64 of 32 bytes), when
  // the machine injects one instead of keeping a key file.
  std::optional<SecretString> file_key;
};

// Binary side: the store in module file (e.g. "ssm-store-file.so"), opened
// with options. Throws the module's Error (kUnavailable: no such backend).
std::unique_ptr<SecretStore> OpenModuleStore(const char* file, const StoreOptions& options);

// Module side: runs one request on store.
nlohmann::json HandleStoreRequest(SecretStore& store, const nlohmann::json& request);
StoreOptions StoreOptionsFromJson(const nlohmann::json& options);

}  // namespace ssm
