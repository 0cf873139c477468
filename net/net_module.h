// The contract of the network module, ssm-net.so: everything that talks to a
// remote service (token services, registries) runs inside it, so a `get`
// answered from a store or a cache never loads libcurl or libcrypto.
//
// Layout: net/ holds exactly the sources linked into ssm-net.so (with
// common/ and the request vocabulary below); the binary links none of them.
// It calls the module only through the two functions declared here
// (providers/net_client.cc), over the module ABI (common/module_abi.h):
//
//   {"op":"mint","request":<MintRequest>}    -> <MintedToken>
//   {"op":"check_registry","base_url":...,"ca_pem":...,"what":...,
//    "has_credential":bool[,"username":...,"secret":...]}
//                                            -> {"accepted":bool,"message":...}
//
// The vocabulary shared by both sides, planned by the binary and run by the
// module: MintRequest/MintedToken and their codec (providers/tokens/mint.h,
// mint_codec.h: fields declared once), the AWS chain plan and its codec
// (providers/aws/aws_chain_plan.h, aws_plan_codec.h), the web identity
// description (providers/ci/web_identity.h). Requests and answers may hold
// secrets: both sides wipe them (WipedJson).
#pragma once

#include <optional>
#include <string>

#include "providers/tokens/mint.h"
#include "store/secret_store.h"

namespace ssm {

// The module's file, found next to the store modules (common/module_loader.h).
inline constexpr const char* kNetModuleFile = "ssm-net.so";

// Mints request's token in the module. Throws the module's Error.
MintedToken MintWithNetworkModule(const MintRequest& request);

struct CheckResult {
  bool accepted = false;
  std::string message;  // one line for the user
};

// Checks a login against the registry at base_url (scheme://host[:port]) the
// way `docker login` does (net/registry_check.h), in the module.
CheckResult CheckRegistryWithNetworkModule(const std::string& base_url, const std::optional<Credential>& credential,
                                           const std::string& ca_pem, const std::string& what);

}  // namespace ssm
