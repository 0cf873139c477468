// The ssm-store-secretservice module: the Secret Service store behind the
// module ABI. One connection serves every request of the process.
#include <memory>

#include "common/error.h"
#include "common/module_abi.h"
#include "store/secretservice/secret_service_store.h"
#include "store/store_module.h"

namespace {

std::unique_ptr<ssm::SecretStore> g_store;

nlohmann::json Handle(const nlohmann::json& request) {
  if (request.value("op", "") == "open") {
    if (!g_store) g_store = std::make_unique<ssm::SecretServiceStore>();
    return {{"name", g_store->Name()}};
  }
  if (!g_store) throw ssm::Error::Failure("Secret Service module: not opened");
  return ssm::HandleStoreRequest(*g_store, request);
}

}  // namespace

SSM_MODULE_ENTRY_POINTS(Handle)
