// Fuzzes the config file and the environment that configure registries:
// LoadConfigFrom (helper/config.h) on a real file, LoadRegistries
// (providers/registry_settings.h), then each loaded registry's provider:
// Validate, Hosts, Serves, ListedUser, LoadStoredSecrets and Credentials (token
// minting stubbed).
//
// Input: the config file's text, then optionally a line "%%" and environment
// entries, one per line (at most 16), "NAME=value"; SSM_REGISTRY_ is put in
// front of a name that lacks it. An empty config part means no config file.
// A ..._FILE variable's value names one of a few prepared files (v_a, v_pem,
// v_json, v_empty, v_crlf) by its letters and digits; it never reaches other
// paths.
//
// Invariants: only ssm::Error is thrown; the registries come sorted by the
// provider table, then by name, with known variables only, secrets never among
// the values; a registry that validates lists hosts that are normalized keys,
// that it serves, and that FindRegistryFor finds.
#include <unistd.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/server_key.h"
#include "fuzz_support.h"
#include "helper/config.h"
#include "providers/provider.h"
#include "providers/provider_table.h"
#include "providers/registry_settings.h"
#include "providers/tokens/mint.h"
#include "store/memory_store.h"

namespace {

using ssm::fuzz::Escape;

constexpr int64_t kNow = 1740000000;
constexpr size_t kMaxEnvironment = 16;

std::string ConfigPath() { return ssm::fuzz::ScratchDir() + "/config.json"; }
std::string FilesDir() { return ssm::fuzz::ScratchDir() + "/files"; }

void PrepareFiles() {
  mkdir(FilesDir().c_str(), 0700);
  ssm::fuzz::WriteFileOrDie(FilesDir() + "/v_a", "file-secret\n");
  ssm::fuzz::WriteFileOrDie(FilesDir() + "/v_pem",
                            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n");
  ssm::fuzz::WriteFileOrDie(FilesDir() + "/v_json",
                            R"({"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com",)"
                            R"("private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",)"
                            R"("private_key_id":"abc","token_uri":"https://oauth2.googleapis.com/token"})");
  ssm::fuzz::WriteFileOrDie(FilesDir() + "/v_empty", "");
  ssm::fuzz::WriteFileOrDie(FilesDir() + "/v_crlf", "value\r\n\r\n");
}

// Servers to ask the pattern providers about.
const char* const kSampleServers[] = {
    "docker.io", "ghcr.io", "lscr.io", "quay.io", "gcr.io", "europe-west1-docker.pkg.dev",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com", "public.ecr.aws", "myregistry.azurecr.io",
    "registry.gitlab.com", "registry.example.com"};

ssm::ProviderContext Context() {
  ssm::ProviderContext context;
  context.now = [] { return kNow; };
  context.mint = [](const ssm::MintRequest& request) {
    ssm::MintedToken token;
    token.username = "minted";
    token.secret = ssm::SecretString("minted-" + request.kind);
    token.expires_at = kNow + 3600;
    return token;
  };
  return context;
}

std::vector<std::string> Environment(std::string_view text) {
  std::vector<std::string> env;
  size_t start = 0;
  while (start < text.size() && env.size() < kMaxEnvironment) {
    size_t end = text.find('\n', start);
    std::string line(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    start = end == std::string_view::npos ? text.size() : end + 1;
    if (line.empty()) continue;
    if (line.rfind("SSM_REGISTRY_", 0) != 0) line = "SSM_REGISTRY_" + line;
    size_t eq = line.find('=');
    if (eq != std::string::npos && eq >= 6 && line.compare(eq - 6, 6, "__FILE") == 0) {
      std::string name;
      for (char c : line.substr(eq + 1)) {
        if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) && name.size() < 32) {
          name.push_back(c);
        }
      }
      line = line.substr(0, eq + 1) + FilesDir() + "/v_" + name;
    }
    env.push_back(std::move(line));
  }
  return env;
}

size_t TableIndex(const ssm::Provider* p) {
  const auto& table = ssm::ProviderTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i] == p) return i;
  }
  ssm::fuzz::Fail(__FILE__, __LINE__, "a registry's provider is not in the table");
}

void CheckRegistry(std::vector<ssm::ConfiguredRegistry>& all, ssm::ConfiguredRegistry& r) {
  const ssm::Provider* p = r.provider;
  FUZZ_CHECK(p != nullptr && r.config.provider == p->Name(), "registry without its provider");
  ssm::CheckInstanceName(r.config.name);  // throws ssm::Error: LoadRegistries let a bad name through
  for (const auto& [var, value] : r.config.values) {
    auto spec = p->FindVariable(var);
    FUZZ_CHECK(spec && !spec->secret, r.config.Id() + ": the value " + Escape(var) + " is unknown or a secret");
  }
  for (const auto& [var, value] : r.config.secrets) {
    auto spec = p->FindVariable(var);
    FUZZ_CHECK(spec && spec->secret, r.config.Id() + ": the secret " + Escape(var) + " is unknown or not secret");
  }

  // Secrets kept in the store, as registry add leaves them.
  ssm::MemoryStore store;
  if (!r.stored_secrets.empty()) {
    std::map<std::string, ssm::SecretString> kept;
    for (const std::string& name : r.stored_secrets) kept[name] = ssm::SecretString("stored-" + name);
    ssm::Credential item;
    item.username = "docker-credential-ssm";
    item.secret = ssm::EncodeStoredSecrets(kept);
    store.Put(ssm::SecretsKey(r.config.Id()), item);
    auto decoded = ssm::DecodeStoredSecrets(item.secret, r.config.Id());
    FUZZ_CHECK(decoded.size() == kept.size(), "stored secrets do not round-trip");
  }
  ssm::LoadStoredSecrets(r, store);

  try {
    p->Validate(r.config);
  } catch (const ssm::Error& e) {
    std::string what = e.what();
    FUZZ_CHECK(what.find('\n') == std::string::npos, "a validation message spans lines: " + Escape(what));
    return;
  }
  (void)p->HostsDescription(r.config);
  (void)p->ListedUser(r.config);
  ssm::ProviderContext context = Context();
  for (const std::string& host : p->Hosts(r.config)) {
    ssm::ServerKey key;
    FUZZ_CHECK(ssm::TryNormalizeServer(host, &key) && key.key == host,
               r.config.Id() + " lists a host that is not a key: " + Escape(host));
    FUZZ_CHECK(p->Serves(key, r.config), r.config.Id() + " does not serve the host it lists: " + Escape(host));
    FUZZ_CHECK(ssm::FindRegistryFor(all, key) != nullptr, "FindRegistryFor finds nothing for " + Escape(host));
    try {
      (void)p->Credentials(r.config, key, context);
    } catch (const ssm::Error&) {
    }
  }
  for (const char* server : kSampleServers) {
    ssm::ServerKey key = ssm::NormalizeServer(server);
    if (!p->Serves(key, r.config)) continue;
    try {
      (void)p->Credentials(r.config, key, context);
    } catch (const ssm::Error&) {
    }
  }
}

void Run(std::string_view input) {
  std::string_view json_part = input;
  std::string_view env_part;
  if (input.rfind("%%\n", 0) == 0) {  // no config file at all
    json_part = {};
    env_part = input.substr(3);
  } else if (size_t split = input.find("\n%%\n"); split != std::string_view::npos) {
    json_part = input.substr(0, split);
    env_part = input.substr(split + 4);
  }

  if (json_part.empty()) {
    unlink(ConfigPath().c_str());
  } else {
    ssm::fuzz::WriteFileOrDie(ConfigPath(), json_part);
  }
  std::vector<std::string> env_lines = Environment(env_part);
  std::vector<char*> env;
  for (std::string& line : env_lines) env.push_back(line.data());
  env.push_back(nullptr);

  ssm::Config config = ssm::LoadConfigFrom(ConfigPath());
  FUZZ_CHECK(config.document.is_object(), "LoadConfigFrom returned a document that is not an object");
  std::vector<ssm::ConfiguredRegistry> all = ssm::LoadRegistries(config.document, config.path, env.data());

  for (size_t i = 1; i < all.size(); ++i) {
    size_t a = TableIndex(all[i - 1].provider), b = TableIndex(all[i].provider);
    FUZZ_CHECK(a < b || (a == b && all[i - 1].config.name < all[i].config.name),
               "registries are not sorted or repeat: " + all[i - 1].config.Id() + ", " + all[i].config.Id());
  }
  for (ssm::ConfiguredRegistry& r : all) {
    try {
      CheckRegistry(all, r);
    } catch (const ssm::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ssm::fuzz::IsolateEnvironment();
  PrepareFiles();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    Run(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ssm::Error&) {
    // A config or variable the helper refuses, with a message: expected.
  }
  return 0;
}
