#include "common/cache_settings.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "support/temp_dir.h"

TEST_CASE("cache settings: one reading of SSM_CACHE, SSM_TOKEN_CACHE and SSM_CACHE_TTL", "[cache_settings]") {
  ssm::test::ScopedEnv all("SSM_CACHE", nullptr);
  ssm::test::ScopedEnv tokens("SSM_TOKEN_CACHE", nullptr);
  ssm::test::ScopedEnv ttl("SSM_CACHE_TTL", nullptr);
  ssm::CacheSettings s = ssm::CacheSettings::FromEnvironment();
  CHECK(s.store_answers);
  CHECK(s.tokens);
  CHECK_FALSE(s.store_ttl);
  for (const char* off : {"off", "0"}) {
    ssm::test::ScopedEnv a("SSM_CACHE", off);
    CHECK_FALSE(ssm::CacheSettings::FromEnvironment().store_answers);
    CHECK_FALSE(ssm::CacheSettings::FromEnvironment().tokens);
    ssm::test::ScopedEnv b("SSM_CACHE", "on");
    ssm::test::ScopedEnv t("SSM_TOKEN_CACHE", off);
    CHECK(ssm::CacheSettings::FromEnvironment().store_answers);
    CHECK_FALSE(ssm::CacheSettings::FromEnvironment().tokens);
  }
  {
    ssm::test::ScopedEnv t("SSM_TOKEN_CACHE", "nope");
    CHECK_THROWS_AS(ssm::CacheSettings::FromEnvironment(), ssm::Error);
  }
  {
    ssm::test::ScopedEnv t("SSM_CACHE_TTL", "42");
    CHECK(ssm::CacheSettings::FromEnvironment().store_ttl == 42L);
  }
  for (const char* bad : {"-1", "86401", "1s", "99999999999999999999"}) {
    ssm::test::ScopedEnv t("SSM_CACHE_TTL", bad);
    CHECK_THROWS_AS(ssm::CacheSettings::FromEnvironment(), ssm::Error);
  }
}
