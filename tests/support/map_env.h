// An environment made of a map, for code that takes an EnvLookup
// (common/inputs.h): no setenv in tests.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/inputs.h"

namespace ssm::test {

inline EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace ssm::test
