#include "helper/lookup.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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
