// What the credential source tests share: an environment made of a map, a
// configured registry (or an unconfigured host's empty configuration), the
// source of the table by name, and its plan.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "providers/provider_fixture.h"
#include "providers/source_table.h"

namespace ssm_test {

struct SourceEnv {
  SourceEnv() = default;
  SourceEnv(const SourceEnv&) = delete;  // lookup reads this one's vars
  SourceEnv& operator=(const SourceEnv&) = delete;
  std::map<std::string, std::string> vars;
  ssm::EnvLookup lookup = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
};

// A registry configured in the config file with these variables.
inline ssm::RegistryConfig Configured(const std::string& provider, std::map<std::string, std::string> vars) {
  ssm::RegistryConfig c = Make(provider, std::move(vars));
  c.sources = {"config file"};
  return c;
}

inline const ssm::CredentialSource& SourceNamed(const std::string& identity, const std::string& name) {
  const ssm::CredentialSource* s = ssm::FindSource(identity, name);
  REQUIRE(s != nullptr);
  return *s;
}

// The source's plan for c in env; nullopt when it has nothing.
inline std::optional<std::string> PlanOf(const ssm::CredentialSource& s, const ssm::RegistryConfig& c,
                                         const SourceEnv& env, ssm::MintRequest* r) {
  ssm::SourceQuery q{c, env.lookup};
  return s.Plan(q, r);
}

inline bool AppliesTo(const ssm::CredentialSource& s, const ssm::RegistryConfig& c, const SourceEnv& env = {}) {
  ssm::SourceQuery q{c, env.lookup};
  return s.Applies(q);
}

inline std::optional<std::string> DescribeOf(const ssm::CredentialSource& s, const ssm::RegistryConfig& c,
                                             const SourceEnv& env = {}) {
  ssm::SourceQuery q{c, env.lookup};
  return s.Describe(q);
}

}  // namespace ssm_test
