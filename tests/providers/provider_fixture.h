// What the provider tests share: a configuration made of variables (each
// stored as a secret or a value as its provider declares), the credentials a
// provider returns for a server, and the message of a refused configuration.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include "common/error.h"
#include "providers/provider_table.h"

namespace ssm_test {

inline ssm::RegistryConfig Make(const std::string& provider, std::map<std::string, std::string> vars,
                         const std::string& name = "") {
  ssm::RegistryConfig c;
  c.provider = provider;
  c.name = name;
  const ssm::Provider* p = ssm::FindProvider(provider);
  REQUIRE(p != nullptr);
  for (auto& [k, v] : vars) {
    auto spec = p->FindVariable(k);
    REQUIRE(spec);
    if (spec->secret) {
      c.secrets[k] = ssm::SecretString(v);
    } else {
      c.values[k] = v;
    }
  }
  return c;
}

inline std::optional<ssm::Credential> CredentialsFor(const ssm::RegistryConfig& c, const std::string& server) {
  const ssm::Provider* p = ssm::FindProvider(c.provider);
  p->Validate(c);
  ssm::ServerKey key = ssm::NormalizeServer(server);
  REQUIRE(p->Serves(key, c));
  ssm::ProviderContext ctx;
  return p->Credentials(c, key, ctx);
}

inline std::string Refusal(const ssm::RegistryConfig& c) {
  try {
    ssm::FindProvider(c.provider)->Validate(c);
  } catch (const ssm::Error& e) {
    CHECK(e.kind() == ssm::Error::Kind::kBadInput);
    return e.what();
  }
  return "";
}

}  // namespace ssm_test
