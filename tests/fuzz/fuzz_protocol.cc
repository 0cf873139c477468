// Fuzzes the credential-helper protocol (helper/protocol.h) over string streams
// with the in-memory store, and the binary's lookup (helper/lookup.h) over
// registries configured by a fixed environment (token minting is stubbed).
//
// Input: the first byte picks what runs, the rest is stdin.
//   's' store   'g' get   'e' erase   'l' list   'v' version
//   'r' round trip: store, then get, list, erase and get of the stored ServerURL
//   upper case ('S', 'G', ...): the same, with a store that already holds other
//   helpers' spellings of some servers and a registry-secrets item
//   any other byte b: store/get/erase/list by b % 4, pre-filled when b & 4
//
// Invariants: the exit status is 0 or 1; the output is empty (store, erase),
// one JSON object line (get, list) or one '\n'-terminated line (version, any
// error), never more; get answers the trimmed ServerURL with the stored or
// configured credential; list never shows registry secrets; an error never
// repeats the Secret given to store; after store, get returns what was stored;
// after erase, no spelling of the server is left in the store. Only ssm::Error
// may be thrown inside (the protocol turns it into the error line); anything
// escaping Protocol::Run is a crash.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/protocol_strings.h"
#include "common/server_key.h"
#include "fuzz_support.h"
#include "helper/lookup.h"
#include "helper/protocol.h"
#include "providers/provider.h"
#include "providers/provider_table.h"
#include "providers/registry_settings.h"
#include "providers/tokens/mint.h"
#include "store/memory_store.h"

namespace {

using ssm::fuzz::Escape;

constexpr int64_t kNow = 1740000000;

// Registries configured as the binary would find them in its environment. One
// has a Latin-1 (not UTF-8) login and password, as a shell with a Latin-1
// locale sets them.
const char* const kEnvironment[] = {
    "SSM_REGISTRY_CUSTOM_LAB_URL=https://lab.example.com:5000",
    "SSM_REGISTRY_CUSTOM_LAB_LOGIN=bob",
    "SSM_REGISTRY_CUSTOM_LAB_PASSWORD=lab-password",
    "SSM_REGISTRY_CUSTOM_LATIN_URL=https://latin.example.com",
    "SSM_REGISTRY_CUSTOM_LATIN_LOGIN=jos\xe9",
    "SSM_REGISTRY_CUSTOM_LATIN_PASSWORD=caf\xe9",
    "SSM_REGISTRY_CUSTOM_BROKEN_URL=https://broken.example.com",
    "SSM_REGISTRY_CUSTOM_BROKEN_LOGIN=nopassword",
    "SSM_REGISTRY_HUB_AUTH=aHVidXNlcjpodWItcGFzc3dvcmQ=",  // hubuser:hub-password
    "SSM_REGISTRY_GHCR_USERNAME=octocat",
    "SSM_REGISTRY_GHCR_TOKEN=ghp_token",
    "SSM_REGISTRY_QUAY_NAMESPACE=org",
    "SSM_REGISTRY_QUAY_ACCOUNT=robot",
    "SSM_REGISTRY_QUAY_TOKEN=quay-token",
    "SSM_REGISTRY_GITLAB_TOKEN=glpat-token",
    "SSM_REGISTRY_GITEA_URL=https://git.example.org",
    "SSM_REGISTRY_GITEA_LOGIN=gitea-user",
    "SSM_REGISTRY_GITEA_PASSWORD=gitea-password",
    "SSM_REGISTRY_ECR_ACCESSKEY=AKIAIOSFODNN7EXAMPLE",
    "SSM_REGISTRY_ECR_SECRETACCESSKEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "SSM_REGISTRY_ECRPUBLIC_ACCESSKEY=AKIAIOSFODNN7EXAMPLE",
    "SSM_REGISTRY_ECRPUBLIC_SECRETACCESSKEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "SSM_REGISTRY_GCR_CLIENTEMAIL=fuzz@project.iam.gserviceaccount.com",
    "SSM_REGISTRY_GCR_PRIVATEKEY=-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----",
    "SSM_REGISTRY_ACR_CLIENTID=11111111-2222-3333-4444-555555555555",
    "SSM_REGISTRY_ACR_CLIENTSECRET=acr-secret",
    "SSM_REGISTRY_ACR_TENANT_URL=https://minted.azurecr.io",
    "SSM_REGISTRY_ACR_TENANT_CLIENTID=66666666-2222-3333-4444-555555555555",
    "SSM_REGISTRY_ACR_TENANT_CLIENTSECRET=acr-secret-2",
    "SSM_REGISTRY_ACR_TENANT_TENANTID=contoso.onmicrosoft.com",
};

std::vector<ssm::ConfiguredRegistry>& Registries() {
  static std::vector<ssm::ConfiguredRegistry> registries = [] {
    std::vector<char*> env;
    for (const char* e : kEnvironment) env.push_back(const_cast<char*>(e));
    env.push_back(nullptr);
    return ssm::LoadRegistries(nlohmann::json::object(), "/fuzz/config.json", env.data());
  }();
  return registries;
}

ssm::ProviderContext Context() {
  ssm::ProviderContext context;
  context.now = [] { return kNow; };
  context.mint = [](const ssm::MintRequest& request) {
    ssm::MintedToken token;
    token.username = request.kind == "gcr" ? "oauth2accesstoken" : request.kind == "acr" ? "00000000-0000" : "AWS";
    token.secret = ssm::SecretString("minted-" + request.kind + "-" + request.registry_id + request.registry);
    token.expires_at = kNow + 3600;
    return token;
  };
  return context;
}

// What Session::ConfiguredHosts does.
std::map<std::string, std::string> Configured() {
  std::map<std::string, std::string> out;
  for (const ssm::ConfiguredRegistry& r : Registries()) {
    try {
      r.provider->Validate(r.config);
    } catch (const ssm::Error&) {
      continue;
    }
    for (const std::string& host : r.provider->Hosts(r.config)) out.emplace(host, r.provider->ListedUser(r.config));
  }
  return out;
}

ssm::Credential Cred(const std::string& user, const std::string& secret) {
  ssm::Credential c;
  c.username = user;
  c.secret = ssm::SecretString(secret);
  return c;
}

// Items other helpers (and older versions) leave behind.
void Prefill(ssm::MemoryStore& store) {
  store.Put("https://index.docker.io/v1/", Cred("hubuser", "stored-hub"));
  store.Put("https://index.docker.io/v1/refresh-token", Cred("<token>", "refresh"));
  store.Put("https://Registry.Example.com/", Cred("alice", "spelled-differently"));
  store.Put("registry.example.com:443", Cred("alice2", "with-port"));
  store.Put("http://localhost:5000/v2/", Cred("local", "local-secret"));
  store.Put("[::1]:5000", Cred("v6", "v6-secret"));
  store.Put("lab.example.com:5000", Cred("stored-bob", "stored-lab"));
  store.Put("not a server url", Cred("junk", "junk-secret"));
  store.Put(ssm::SecretsKey("custom/lab"), Cred("docker-credential-ssm", R"({"password":"from-store"})"));
}

struct Outcome {
  int status = -1;
  std::string out;
};

class Harness {
 public:
  // The binary's lookup (helper/lookup.h) over this store and the fixed
  // registries, with minting stubbed.
  explicit Harness(bool prefill)
      : lookup_(Sources()),
        protocol_([this]() -> ssm::SecretStore& { return store_; },
                  [this](const ssm::ServerKey& server) { return lookup_.Find(server, false).credential; },
                  Configured) {
    if (prefill) Prefill(store_);
  }

  Outcome Run(const std::string& action, const std::string& input) {
    std::istringstream in(input);
    std::ostringstream out;
    Outcome o;
    o.status = protocol_.Run(action, in, out);
    o.out = out.str();
    CheckOutput(action, input, o);
    return o;
  }

  ssm::MemoryStore& store() { return store_; }

 private:
  void CheckOutput(const std::string& action, const std::string& input, const Outcome& o) {
    const std::string where = action + " " + Escape(input.substr(0, 200)) + " -> " + Escape(o.out.substr(0, 300));
    FUZZ_CHECK(o.status == 0 || o.status == 1, "exit status " + std::to_string(o.status) + ": " + where);
    if (!o.out.empty()) {
      FUZZ_CHECK(o.out.back() == '\n', "the output does not end with a newline: " + where);
      FUZZ_CHECK(o.out.find('\n') == o.out.size() - 1, "the output is more than one line: " + where);
    }
    if (o.status != 0) {
      FUZZ_CHECK(o.out.size() > 1, "an error without a message: " + where);
      return;
    }
    if (action == "store" || action == "erase") {
      FUZZ_CHECK(o.out.empty(), action + " printed something on success: " + where);
      return;
    }
    if (action == "version") {
      FUZZ_CHECK(o.out.rfind(std::string(ssm::kProgramName) + " ", 0) == 0, "bad version line: " + where);
      return;
    }
    nlohmann::json answer = nlohmann::json::parse(o.out, nullptr, false);
    FUZZ_CHECK(answer.is_object(), action + " did not answer a JSON object: " + where);
    if (action == "get") {
      FUZZ_CHECK(answer.size() == 3 && answer.contains("ServerURL") && answer["ServerURL"].is_string() &&
                     answer.contains("Username") && answer["Username"].is_string() && answer.contains("Secret") &&
                     answer["Secret"].is_string(),
                 "get answered another shape: " + where);
      FUZZ_CHECK(answer["ServerURL"] == std::string(ssm::TrimSpace(input)),
                 "get answered another ServerURL: " + where);
    } else if (action == "list") {
      for (const auto& [k, v] : answer.items()) {
        FUZZ_CHECK(v.is_string(), "list has a non-string user: " + where);
        FUZZ_CHECK(k.rfind(ssm::kInternalKeyPrefix, 0) != 0, "list shows an internal item: " + where);
      }
    }
  }

  ssm::LookupSources Sources() {
    ssm::LookupSources sources;
    sources.store = [this]() -> ssm::SecretStore& { return store_; };
    sources.registries = []() -> std::vector<ssm::ConfiguredRegistry>& { return Registries(); };
    sources.token_cache = []() -> ssm::TokenCache* { return nullptr; };
    sources.provider_context = [](ssm::TokenCache*) { return Context(); };
    return sources;
  }

  ssm::MemoryStore store_;
  ssm::CredentialLookup lookup_;
  ssm::Protocol protocol_;
};

// The store request's fields as the protocol reads them (keys match
// case-insensitively); nullopt when it is not an object of strings.
struct StoreFields {
  std::string server_url;
  std::vector<std::string> usernames;
  std::string secret;
};

std::string LowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::optional<StoreFields> ReadStoreFields(const nlohmann::json& doc) {
  if (!doc.is_object()) return std::nullopt;
  StoreFields f;
  for (const auto& [name, value] : doc.items()) {
    std::string lower = LowerAscii(name);
    if (lower != "serverurl" && lower != "username" && lower != "secret") continue;
    if (!value.is_string() && !value.is_null()) return std::nullopt;
    std::string text = value.is_null() ? "" : value.get<std::string>();  // null: the field stays empty
    if (lower == "serverurl") f.server_url = text;
    if (lower == "username") f.usernames.push_back(text);
    if (lower == "secret") f.secret = text;
  }
  return f;
}

// An error line of store must not repeat the Secret. When it does contain the
// secret's text, the same request runs again with a marker as the secret: only
// if the marker shows up is it the secret being echoed (and not, say, a secret
// that happens to be a word of the message).
void CheckStoreHygiene(const std::string& input, const Outcome& o, bool prefill) {
  if (o.status == 0) return;
  nlohmann::json doc = nlohmann::json::parse(input, nullptr, false);
  auto fields = ReadStoreFields(doc);
  if (!fields || fields->secret.size() < 4 || o.out.find(fields->secret) == std::string::npos) return;
  const std::string marker = "FUZZ-SECRET-MARKER-7f3a";
  for (auto& [name, value] : doc.items()) {
    if (LowerAscii(name) == "secret") value = marker;
  }
  Harness again(prefill);
  Outcome o2 = again.Run("store", doc.dump());
  FUZZ_CHECK(o2.out.find(marker) == std::string::npos, "store's error repeats the secret: " + Escape(o2.out));
}

void RoundTrip(const std::string& input, bool prefill) {
  Harness h(prefill);
  Outcome stored = h.Run("store", input);
  CheckStoreHygiene(input, stored, prefill);
  if (stored.status != 0) return;
  nlohmann::json doc = nlohmann::json::parse(input, nullptr, false);
  auto fields = ReadStoreFields(doc);
  FUZZ_CHECK(fields.has_value(), "store accepted what is not an object of strings: " + Escape(input));
  ssm::ServerKey key = ssm::NormalizeServer(fields->server_url);  // store accepted it: it normalizes
  std::optional<ssm::Credential> kept = h.store().Get(key.key);
  FUZZ_CHECK(kept.has_value(), "store succeeded but nothing is under " + Escape(key.key));
  FUZZ_CHECK(kept->secret.str() == fields->secret, "store kept another secret for " + Escape(key.key));
  bool user_given = false;
  for (const std::string& u : fields->usernames) user_given = user_given || u == kept->username;
  FUZZ_CHECK(user_given && !kept->username.empty(), "store kept a user name it was not given");
  for (const auto& [other, user] : h.store().List()) {
    ssm::ServerKey k;
    FUZZ_CHECK(other == key.key || !ssm::TryNormalizeServer(other, &k) || k.key != key.key,
               "store left another spelling " + Escape(other) + " of " + Escape(key.key));
  }

  Outcome got = h.Run("get", fields->server_url);
  FUZZ_CHECK(got.status == 0, "get after store failed: " + Escape(got.out));
  nlohmann::json answer = nlohmann::json::parse(got.out);
  FUZZ_CHECK(answer["Username"] == kept->username && answer["Secret"] == kept->secret.str(),
             "get after store answered other credentials for " + Escape(fields->server_url));

  Outcome listed = h.Run("list", "");
  FUZZ_CHECK(listed.status == 0, "list after store failed: " + Escape(listed.out));
  nlohmann::json list = nlohmann::json::parse(listed.out);
  if (key.key.rfind(ssm::kInternalKeyPrefix, 0) != 0) {
    FUZZ_CHECK(list.contains(key.key) && list[key.key] == kept->username,
               "list after store does not show " + Escape(key.key));
  }

  Outcome erased = h.Run("erase", fields->server_url);
  FUZZ_CHECK(erased.status == 0, "erase after store failed: " + Escape(erased.out));
  for (const auto& [other, user] : h.store().List()) {
    ssm::ServerKey k;
    FUZZ_CHECK(!ssm::TryNormalizeServer(other, &k) || k.key != key.key,
               "erase left " + Escape(other) + " for " + Escape(key.key));
  }
  Outcome gone = h.Run("get", fields->server_url);
  // Not found, unless a configured registry answers (or fails) for it.
  FUZZ_CHECK(gone.out == std::string(ssm::kNotFoundMessage) + "\n" ||
                 ssm::FindRegistryFor(Registries(), key) != nullptr,
             "get after erase: " + Escape(gone.out));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ssm::fuzz::IsolateEnvironment();
  Registries();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char selector = static_cast<char>(data[0]);
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  bool prefill = selector >= 'A' && selector <= 'Z';
  std::string action;
  switch (selector | 0x20) {  // lower case
    case 's': action = "store"; break;
    case 'g': action = "get"; break;
    case 'e': action = "erase"; break;
    case 'l': action = "list"; break;
    case 'v': action = "version"; break;
    case 'r':
      RoundTrip(input, prefill);
      return 0;
    default: {
      static const char* const kActions[] = {"store", "get", "erase", "list"};
      auto b = static_cast<unsigned char>(selector);
      action = kActions[b % 4];
      prefill = (b & 4) != 0;
    }
  }
  Harness h(prefill);
  Outcome o = h.Run(action, input);
  if (action == "store") CheckStoreHygiene(input, o, prefill);
  return 0;
}
