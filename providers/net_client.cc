// The binary's side of the network module's contract (net/net_module.h).
#include "common/module_abi.h"
#include "net/net_module.h"
#include "providers/tokens/mint_codec.h"

namespace ssm {

MintedToken MintWithNetworkModule(const MintRequest& request) {
  WipedJson call({{"op", "mint"}, {"request", MintRequestToJson(request)}});
  WipedJson answer(CallModule(kNetModuleFile, call.value));
  return MintedTokenFromJson(answer.value);
}

CheckResult CheckRegistryWithNetworkModule(const std::string& base_url, const std::optional<Credential>& credential,
                                           const std::string& ca_pem, const std::string& what) {
  WipedJson call({{"op", "check_registry"},
                  {"base_url", base_url},
                  {"ca_pem", ca_pem},
                  {"what", what},
                  {"has_credential", credential.has_value()}});
  if (credential) {
    call.value["username"] = credential->username;
    call.value["secret"] = credential->secret.str();
  }
  nlohmann::json answer = CallModule(kNetModuleFile, call.value);
  auto accepted = answer.find("accepted");
  auto message = answer.find("message");
  return {accepted != answer.end() && accepted->is_boolean() && accepted->get<bool>(),
          message != answer.end() && message->is_string() ? message->get<std::string>() : ""};
}

}  // namespace ssm
