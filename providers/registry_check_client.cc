// The binary's side of registry checks: a request to the ssm-net module.
#include "common/module_abi.h"
#include "providers/registry_check.h"

namespace ssm {

CheckResult CheckRegistryWithNetworkModule(const std::string& base_url, const std::optional<Credential>& credential,
                                           const std::string& ca_pem, const std::string& what) {
  nlohmann::json call = {{"op", "check_registry"}, {"base_url", base_url}, {"ca_pem", ca_pem},
                         {"what", what},          {"has_credential", credential.has_value()}};
  if (credential) {
    call["username"] = credential->username;
    call["secret"] = credential->secret.str();
  }
  nlohmann::json answer;
  try {
    answer = CallModule("ssm-net.so", call);
  } catch (...) {
    WipeJson(call);
    throw;
  }
  WipeJson(call);
  return {answer.value("accepted", false), answer.value("message", "")};
}

}  // namespace ssm
