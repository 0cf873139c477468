// A CredentialLookup for the helper's tests (tests/helper/lookup_test.cc,
// kubelet_test.cc): a memory store, registries from a fixed environment and a
// memory token cache at a fixed time, minting without a network.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "helper/lookup.h"
#include "providers/token_cache.h"
#include "providers/tokens/mint.h"
#include "store/memory_store.h"

namespace ssm::test {

struct MemoryLookup {
  using Mint = std::function<ssm::MintedToken(const ssm::MintRequest&)>;

  // The registries from env_lines (KEY=VALUE, as the process environment)
  // with config_path named as their config file; the clock stands at now.
  // Every mint is kept in minted, then answered by mint (its count so far
  // is minted.size()).
  MemoryLookup(std::vector<std::string> env_lines, const std::string& config_path, int64_t now, Mint mint)
      : env_text(std::move(env_lines)) {
    std::vector<char*> env;
    for (std::string& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    registries = ssm::LoadRegistries(nlohmann::json::object(), config_path, env.data());
    ssm::LookupSources sources;
    sources.store = [this]() -> ssm::SecretStore& { return store; };
    sources.registries = [this]() -> std::vector<ssm::ConfiguredRegistry>& { return registries; };
    sources.token_cache = [this]() -> ssm::TokenCache* { return &cache; };
    sources.provider_context = [this, now, mint](ssm::TokenCache* c) {
      ssm::ProviderContext context;
      context.now = [now] { return now; };
      context.cache = c;
      context.mint = [this, mint](const ssm::MintRequest& r) {
        minted.push_back(r);
        return mint(r);
      };
      return context;
    };
    lookup = std::make_unique<ssm::CredentialLookup>(std::move(sources));
  }

  std::vector<std::string> env_text;
  std::vector<ssm::ConfiguredRegistry> registries;
  ssm::MemoryStore store;
  ssm::MemoryTokenCache cache;
  std::vector<ssm::MintRequest> minted;
  std::unique_ptr<ssm::CredentialLookup> lookup;
};

}  // namespace ssm::test
