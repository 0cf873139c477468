// MintRequest and MintedToken as JSON, to cross the network module's boundary.
#pragma once

#include <nlohmann/json.hpp>

#include "providers/tokens/mint.h"

namespace ssm {

nlohmann::json MintRequestToJson(const MintRequest& request);
MintRequest MintRequestFromJson(const nlohmann::json& json);
nlohmann::json MintedTokenToJson(const MintedToken& token);
MintedToken MintedTokenFromJson(const nlohmann::json& json);

// The binary's way to mint: a request to the ssm-net module.
MintedToken MintWithNetworkModule(const MintRequest& request);

}  // namespace ssm
