// The ssm-store-file module: the encrypted file store behind the module ABI.
#include <memory>

#include "common/error.h"
#include "common/module_abi.h"
#include "store/file/file_store.h"
#include "store/store_module.h"

namespace {

std::unique_ptr<ssm::FileStore> g_store;

// Besides the store requests (store/store_module.h):
//   {"op":"rotate_key"} -> {"generation":n}   (FileStore::RotateKey)
nlohmann::json Handle(const nlohmann::json& request) {
  if (request.value("op", "") == "open") {
    g_store = std::make_unique<ssm::FileStore>(ssm::StoreOptionsFromJson(request.at("options")));
    return {{"name", g_store->Name()}};
  }
  if (!g_store) throw ssm::Error::Failure("file store module: not opened");
  if (request.value("op", "") == "rotate_key") return {{"generation", g_store->RotateKey()}};
  return ssm::HandleStoreRequest(*g_store, request);
}

}  // namespace

SSM_MODULE_ENTRY_POINTS(Handle)
