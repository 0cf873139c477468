#include "providers/registry_settings.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/secret_json.h"
#include "common/files.h"
#include "common/text.h"
#include "providers/provider_table.h"

namespace ssm {
namespace {

constexpr char kEnvPrefix[] = "SSM_REGISTRY_";
constexpr char kFileSuffix[] = "__FILE";
constexpr size_t kMaxValueFileBytes = 1u << 20;

ConfiguredRegistry& Entry(std::vector<ConfiguredRegistry>& all, const Provider* provider, const std::string& name) {
  for (ConfiguredRegistry& r : all) {
    if (r.provider == provider && r.config.name == name) return r;
  }
  ConfiguredRegistry r;
  r.provider = provider;
  r.config.provider = provider->Name();
  r.config.name = name;
  all.push_back(std::move(r));
  return all.back();
}

void AddSource(ConfiguredRegistry& r, const char* source) {
  if (std::find(r.config.sources.begin(), r.config.sources.end(), source) == r.config.sources.end()) {
    r.config.sources.push_back(source);
  }
}

void FromEnvironment(const std::string& variable, const char* raw_value, std::vector<ConfiguredRegistry>& all) {
  std::string body = variable.substr(std::strlen(kEnvPrefix));
  bool from_file = false;
  if (body.size() > std::strlen(kFileSuffix) &&
      body.compare(body.size() - std::strlen(kFileSuffix), std::string::npos, kFileSuffix) == 0) {
    from_file = true;
    body.resize(body.size() - std::strlen(kFileSuffix));
  }
  size_t first = body.find('_');
  size_t last = body.rfind('_');
  std::string provider_name = AsciiLower(body.substr(0, first));
  const Provider* provider = FindProvider(provider_name);
  if (provider == nullptr) {
    throw Error::BadInput(variable + ": unknown provider \"" + provider_name + "\" (known: " + ProviderNames() + ")");
  }
  if (first == std::string::npos) {
    throw Error::BadInput(variable + ": name a variable, as in " + kEnvPrefix + body + "_<VARIABLE>");
  }
  std::string var = AsciiLower(body.substr(last + 1));
  std::string name = last > first ? AsciiLower(body.substr(first + 1, last - first - 1)) : "";
  auto spec = provider->FindVariable(var);
  if (!spec) {
    std::string known;
    for (const VariableSpec& v : provider->AllVariables()) known += (known.empty() ? "" : ", ") + std::string(v.name);
    throw Error::BadInput(variable + ": " + provider_name + " has no variable \"" + var + "\" (it takes: " + known +
                          ")");
  }
  try {
    CheckInstanceName(name);
  } catch (const Error& e) {
    throw Error::BadInput(variable + ": " + e.what());
  }
  // A URL names hosts that list shows: read from a file, a mistaken path
  // (a secret's) would put that file's content on list's output.
  if (from_file && var.size() >= 3 && var.compare(var.size() - 3, 3, "url") == 0) {
    throw Error::BadInput(variable + ": " + var + " names the registry and is shown by list, so it is not read from "
                          "a file: set " + kEnvPrefix + body + " instead");
  }
  SecretString value;
  if (from_file) {
    std::optional<SecretString> text;
    try {
      text = ReadValueFile(raw_value, kMaxValueFileBytes);
    } catch (const Error& e) {
      throw Error(e.kind(), variable + ": " + e.what());
    }
    if (!text) throw Error::BadInput(variable + ": the file " + raw_value + " does not exist");
    value = std::move(*text);
    std::string& v = value.mutable_str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  } else {
    value = SecretString(raw_value);
  }
  ConfiguredRegistry& r = Entry(all, provider, name);
  r.from_environment = true;
  AddSource(r, "environment");
  if (spec->secret) {
    r.config.secrets[var] = std::move(value);
  } else {
    r.config.values[var] = value.str();
  }
}

void FromFile(const nlohmann::json& registries, const std::string& path, std::vector<ConfiguredRegistry>& all) {
  if (!registries.is_object()) throw Error::BadInput("the config file " + path + ": \"registries\" must be an object");
  for (const auto& [id, entry] : registries.items()) {
    std::string where = "the config file " + path + ": registries[\"" + id + "\"]";
    std::string provider_name, name;
    try {
      ParseRegistryId(id, &provider_name, &name);
    } catch (const Error& e) {
      throw Error::BadInput(where + ": " + e.what());
    }
    const Provider* provider = FindProvider(provider_name);
    if (!entry.is_object()) throw Error::BadInput(where + " must be an object");
    ConfiguredRegistry& r = Entry(all, provider, name);
    r.from_file = true;
    AddSource(r, "config file");
    for (const auto& [var, value] : entry.items()) {
      if (var == "stored_secrets") {
        if (!value.is_array()) throw Error::BadInput(where + ": stored_secrets must be a list");
        for (const auto& s : value) {
          auto spec = s.is_string() ? provider->FindVariable(s.get<std::string>()) : std::nullopt;
          if (!spec || !spec->secret) throw Error::BadInput(where + ": stored_secrets names no secret variable");
          r.stored_secrets.push_back(s.get<std::string>());
        }
        continue;
      }
      auto spec = provider->FindVariable(var);
      if (!spec) throw Error::BadInput(where + ": " + provider_name + " has no variable \"" + var + "\"");
      if (spec->secret) {
        throw Error::BadInput(where + ": " + var +
                              " is a secret and does not belong in the config file: keep it in the secret store "
                              "(registry add) or the environment");
      }
      if (!value.is_string()) throw Error::BadInput(where + ": " + var + " must be a string");
      // The environment wins.
      r.config.values.emplace(var, value.get<std::string>());
    }
  }
}

size_t TableIndex(const Provider* p) {
  const auto& table = ProviderTable();
  return static_cast<size_t>(std::find(table.begin(), table.end(), p) - table.begin());
}

}  // namespace

std::string SecretsKey(const std::string& registry_id) { return kRegistrySecretsPrefix + registry_id; }

bool IsRegistrySecretsKey(const std::string& store_key) {
  return store_key.rfind(kRegistrySecretsPrefix, 0) == 0;
}

void CheckInstanceName(const std::string& name) {
  if (name.size() > 64) throw Error::BadInput("a registry name is at most 64 characters");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      throw Error::BadInput("a registry name has only lower-case letters, digits and _ (\"" + name + "\")");
    }
  }
}

void ParseRegistryId(const std::string& id, std::string* provider, std::string* name) {
  size_t slash = id.find('/');
  *provider = id.substr(0, slash);
  *name = slash == std::string::npos ? "" : id.substr(slash + 1);
  if (FindProvider(*provider) == nullptr) {
    throw Error::BadInput("unknown provider \"" + *provider + "\" (known: " + ProviderNames() + ")");
  }
  if (slash != std::string::npos && name->empty()) throw Error::BadInput("empty registry name after /");
  CheckInstanceName(*name);
}

std::vector<ConfiguredRegistry> LoadRegistries(const nlohmann::json& config_document, const std::string& config_path,
                                               char** environment) {
  std::vector<ConfiguredRegistry> all;
  for (char** e = environment; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, kEnvPrefix, std::strlen(kEnvPrefix)) != 0) continue;
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    FromEnvironment(std::string(*e, static_cast<size_t>(eq - *e)), eq + 1, all);
  }
  auto it = config_document.find("registries");
  if (it != config_document.end()) FromFile(*it, config_path, all);
  std::sort(all.begin(), all.end(), [](const ConfiguredRegistry& a, const ConfiguredRegistry& b) {
    size_t ia = TableIndex(a.provider), ib = TableIndex(b.provider);
    return ia != ib ? ia < ib : a.config.name < b.config.name;
  });
  return all;
}

ConfiguredRegistry* FindRegistryFor(std::vector<ConfiguredRegistry>& registries, const ServerKey& server) {
  // A registry naming this exact server (by url) wins over one that serves a
  // host pattern (an ACR service principal for every *.azurecr.io).
  ConfiguredRegistry* pattern = nullptr;
  for (ConfiguredRegistry& r : registries) {
    if (!r.provider->Serves(server, r.config)) continue;
    std::vector<std::string> hosts = r.provider->Hosts(r.config);
    if (std::find(hosts.begin(), hosts.end(), server.key) != hosts.end()) return &r;
    if (pattern == nullptr) pattern = &r;
  }
  return pattern;
}

ConfiguredRegistry* FindRegistry(std::vector<ConfiguredRegistry>& registries, const std::string& id) {
  for (ConfiguredRegistry& r : registries) {
    if (r.config.Id() == id) return &r;
  }
  return nullptr;
}

SecretString EncodeStoredSecrets(const std::map<std::string, SecretString>& secrets) {
  WipedJson doc(nlohmann::json::object());
  for (const auto& [k, v] : secrets) doc.value[k] = v.str();
  return SecretString(doc.value.dump());
}

std::map<std::string, SecretString> DecodeStoredSecrets(const SecretString& text, const std::string& id) {
  WipedJson wiped;
  nlohmann::json& doc = wiped.value;
  try {
    if (JsonTooDeep(text.str())) throw Error::Corrupt("");
    doc = nlohmann::json::parse(text.str());
  } catch (const Error&) {
    throw Error::Corrupt(id + ": the secrets kept in the secret store are damaged; run registry add again");
  } catch (const nlohmann::json::exception&) {
    throw Error::Corrupt(id + ": the secrets kept in the secret store are damaged; run registry add again");
  }
  std::map<std::string, SecretString> out;
  if (!doc.is_object()) throw Error::Corrupt(id + ": the secrets kept in the secret store are damaged");
  for (auto& [k, v] : doc.items()) {
    if (!v.is_string()) throw Error::Corrupt(id + ": the secrets kept in the secret store are damaged");
    out[k] = SecretString(v.get<std::string>());
  }
  return out;
}

void LoadStoredSecrets(ConfiguredRegistry& r, SecretStore& store) {
  if (r.stored_secrets.empty()) return;
  std::string id = r.config.Id();
  auto item = store.Get(SecretsKey(id));
  if (!item) {
    throw Error::Failure(id + ": its secrets (" + r.stored_secrets.front() +
                         (r.stored_secrets.size() > 1 ? ", ..." : "") + ") are not in the " + store.Name() +
                         " store; run registry add " + r.config.provider +
                         (r.config.name.empty() ? "" : " " + r.config.name) + " again");
  }
  r.config.sources.push_back("secret store");
  for (auto& [k, v] : DecodeStoredSecrets(item->secret, id)) {
    if (!r.config.secrets.count(k)) r.config.secrets[k] = std::move(v);
  }
}

}  // namespace ssm
