#include "helper/lookup.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "providers/token_cache.h"
#include "providers/tokens/mint.h"
#include "store/memory_store.h"
#include "support/memory_lookup.h"
#include "support/temp_dir.h"

namespace {

constexpr int64_t kNow = 1750000000;

// A lookup over a memory store, registries from a fixed environment and a
// memory token cache; minting answers a token for an hour (and is counted in
// minted).
struct LookupFixture : ssm::test::MemoryLookup {
  explicit LookupFixture(std::vector<std::string> env_lines)
      : MemoryLookup(std::move(env_lines), "/lookup/config.json", kNow, [](const ssm::MintRequest& r) {
          ssm::MintedToken t;
          t.username = "AWS";
          t.secret = ssm::SecretString("minted-" + r.registry_id);
          t.expires_at = kNow + 3600;
          return t;
        }) {}
};

ssm::Credential Cred(const std::string& user, const std::string& secret) {
  ssm::Credential c;
  c.username = user;
  c.secret = ssm::SecretString(secret);
  return c;
}

const char* const kEcrHost = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

}  // namespace

TEST_CASE("lookup: stored login, other spelling, configured, implicit, in that order, with metadata", "[lookup]") {
  ssm::test::ScopedEnv id{"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"};
  ssm::test::ScopedEnv secret{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  LookupFixture f({"SSM_REGISTRY_GHCR_USERNAME=octocat", "SSM_REGISTRY_GHCR_TOKEN=ghp_x"});
  // Configured: a static login, no expiry.
  ssm::LookupAnswer ghcr = f.lookup->Find(ssm::NormalizeServer("ghcr.io"), false);
  REQUIRE(ghcr.credential);
  CHECK(ghcr.source == ssm::LookupAnswer::Source::kConfigured);
  CHECK(ghcr.registry_id == "ghcr");
  CHECK_FALSE(ghcr.minted);
  CHECK(ghcr.expires_at == 0);
  CHECK(ghcr.credential->secret.str() == "ghp_x");

  // A stored login under another spelling wins over the configuration.
  f.store.Put("https://GHCR.io/", Cred("me", "stored"));
  ssm::LookupAnswer stored = f.lookup->Find(ssm::NormalizeServer("ghcr.io"), false);
  CHECK(stored.source == ssm::LookupAnswer::Source::kStoredLogin);
  CHECK(stored.credential->secret.str() == "stored");
  CHECK(stored.registry_id.empty());

  // Implicit ECR: a minted token with its expiry; the second answer from the cache.
  ssm::LookupAnswer ecr = f.lookup->Find(ssm::NormalizeServer(kEcrHost), false);
  REQUIRE(ecr.credential);
  CHECK(ecr.source == ssm::LookupAnswer::Source::kImplicit);
  CHECK(ecr.minted);
  CHECK(ecr.expires_at == kNow + 3600);
  ssm::LookupAnswer again = f.lookup->Find(ssm::NormalizeServer(kEcrHost), false);
  CHECK(again.expires_at == kNow + 3600);
  CHECK(f.minted.size() == 1);

  ssm::LookupAnswer none = f.lookup->Find(ssm::NormalizeServer("registry.example.com"), false);
  CHECK_FALSE(none.credential);
  CHECK(none.source == ssm::LookupAnswer::Source::kNone);
}

namespace {

// Records the order of what get does with the store and the hook.
class RecordingStore : public ssm::MemoryStore {
 public:
  explicit RecordingStore(std::vector<std::string>* log) : log_(log) {}
  std::optional<ssm::Credential> Get(const std::string& key) override {
    log_->push_back("get " + key);
    return MemoryStore::Get(key);
  }
  bool AnswersQuickly(const std::string& key) override { return quick.count(key) != 0; }
  void Connect() override { log_->push_back("connect"); }
  std::set<std::string> quick;

 private:
  std::vector<std::string>* log_;
};

}  // namespace

TEST_CASE("lookup: the slow-lookup hook runs before connecting and asking, only when not cached", "[lookup]") {
  std::vector<std::string> log;
  RecordingStore store(&log);
  ssm::LookupSources sources;
  sources.store = [&]() -> ssm::SecretStore& { return store; };
  ssm::CredentialLookup lookup(std::move(sources));
  auto hook = [&](const ssm::ServerKey& key) { log.push_back("hook " + key.key); };
  CHECK_FALSE(lookup.FromStore(ssm::NormalizeServer("https://Registry.Example.com:5000/v2/"), hook).credential);
  REQUIRE(log.size() >= 3);
  CHECK(log[0] == "hook registry.example.com:5000");
  CHECK(log[1] == "connect");
  CHECK(log[2] == "get registry.example.com:5000");

  log.clear();
  store.quick.insert("registry.example.com:5000");
  CHECK_FALSE(lookup.FromStore(ssm::NormalizeServer("registry.example.com:5000"), hook).credential);
  REQUIRE_FALSE(log.empty());
  CHECK(log[0] == "get registry.example.com:5000");
  for (const std::string& entry : log) CHECK(entry.rfind("hook", 0) != 0);
}
