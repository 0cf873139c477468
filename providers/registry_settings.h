// The configured registries, from three places that make one model:
//  - environment variables SSM_REGISTRY_<PROVIDER>[_<NAME>]_<VARIABLE>, and
//    SSM_REGISTRY_..._<VARIABLE>__FILE naming a file that holds the value;
//  - the config file's "registries" object (non-secret values only), e.g.
//    {"custom/lab": {"url": "https://r.example", "login": "bob",
//                    "stored_secrets": ["password"]}};
//  - the secret values kept in the secret store, one item per registry under
//    SecretsKey(), holding {"password": "..."} as its secret.
// The environment wins over the file and the store, variable by variable.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "store/secret_store.h"

namespace ssm {

// Store keys under this prefix are registry secrets, not logins: `list` and
// `get` never show them.
inline constexpr char kRegistrySecretsPrefix[] = "docker-credential-ssm:registry/";

struct ConfiguredRegistry {
  RegistryConfig config;
  const Provider* provider = nullptr;
  std::vector<std::string> stored_secrets;  // secret variables kept in the store
  bool from_environment = false;
  bool from_file = false;
};

std::string SecretsKey(const std::string& registry_id);
bool IsRegistrySecretsKey(const std::string& store_key);
// "custom/lab" -> provider "custom", name "lab"; throws Error::BadInput.
void ParseRegistryId(const std::string& id, std::string* provider, std::string* name);
void CheckInstanceName(const std::string& name);

// Reads the environment (a NULL-terminated environ) and the config document.
// Throws Error::BadInput naming the variable or the entry that is wrong.
std::vector<ConfiguredRegistry> LoadRegistries(const nlohmann::json& config_document, const std::string& config_path,
                                               char** environment);

// The first configured registry that serves server (table order, then name).
ConfiguredRegistry* FindRegistryFor(std::vector<ConfiguredRegistry>& registries, const ServerKey& server);
ConfiguredRegistry* FindRegistry(std::vector<ConfiguredRegistry>& registries, const std::string& id);

// Fills in the secrets kept in the store for this registry (not overriding
// the environment's). Throws when the store item is missing or damaged.
void LoadStoredSecrets(ConfiguredRegistry& registry, SecretStore& store);

// The store item's secret for these secret values, and back.
SecretString EncodeStoredSecrets(const std::map<std::string, SecretString>& secrets);
std::map<std::string, SecretString> DecodeStoredSecrets(const SecretString& text, const std::string& id);

}  // namespace ssm
