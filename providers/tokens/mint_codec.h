// MintRequest and MintedToken as JSON, to cross the network module's boundary
// (net/net_module.h); compiled into both sides.
#pragma once

#include <nlohmann/json.hpp>

#include "providers/tokens/mint.h"

namespace ssm {

nlohmann::json MintRequestToJson(const MintRequest& request);
MintRequest MintRequestFromJson(const nlohmann::json& json);
nlohmann::json MintedTokenToJson(const MintedToken& token);
MintedToken MintedTokenFromJson(const nlohmann::json& json);

}  // namespace ssm
