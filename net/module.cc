// The ssm-net module: libcurl, libcrypto and everything that talks to remote
// services (token minting, registry checks), behind the module ABI.
#include <memory>

#include "common/error.h"
#include "common/module_abi.h"
#include "net/http/http_client.h"
#include "net/registry_check.h"
#include "providers/tokens/mint.h"
#include "providers/tokens/mint_codec.h"

namespace {

nlohmann::json Handle(const nlohmann::json& request) {
  std::unique_ptr<ssm::HttpClient> http = ssm::NewCurlHttpClient();
  std::string op = request.value("op", "");
  if (op == "mint") {
    ssm::MintRequest mint = ssm::MintRequestFromJson(request.at("request"));
    return ssm::MintedTokenToJson(ssm::MintToken(mint, *http));
  }
  if (op == "check_registry") {
    std::optional<ssm::Credential> credential;
    if (request.value("has_credential", false)) {
      credential = ssm::Credential{request.value("username", ""), ssm::SecretString(request.value("secret", ""))};
    }
    ssm::CheckResult result = ssm::CheckRegistryLogin(*http, request.value("base_url", ""), credential,
                                                      request.value("ca_pem", ""), request.value("what", ""));
    return {{"accepted", result.accepted}, {"message", result.message}};
  }
  throw ssm::Error::Failure("network module: unknown request \"" + op + "\"");
}

}  // namespace

SSM_MODULE_ENTRY_POINTS(Handle)
