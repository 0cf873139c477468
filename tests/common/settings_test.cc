#include "common/settings.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "common/error.h"
#include "support/map_env.h"

namespace {

using Vars = std::map<std::string, std::string>;

ssm::Settings Read(Vars vars) { return ssm::Settings(ssm::test::MapEnv(std::move(vars))); }

std::string Refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const ssm::Error& e) {
    CHECK(e.exit_status() != 0);
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("settings: nothing set is every default", "[settings]") {
  for (const ssm::Settings& s : {ssm::Settings(), Read({})}) {
    CHECK(s.store().empty());
    CHECK(s.config_file().empty());
    CHECK(s.file_store_key().empty());
    CHECK(s.parallel());
    CHECK_FALSE(s.full_exit());
    CHECK(s.log_level() == ssm::LogLevel::kWarn);
    ssm::CacheSettings c = s.Cache();
    CHECK(c.store_answers);
    CHECK(c.tokens);
    CHECK_FALSE(c.store_ttl);
    CHECK(s.HttpTimeoutMs(20000) == 20000);
    CHECK(s.HttpConnectTimeoutMs(5000) == 5000);
    CHECK(s.kubelet().cache_duration.empty());
    CHECK(s.kubelet().timeout.empty());
    CHECK(s.kubelet().aws_role_annotation.empty());
  }
}

TEST_CASE("settings: the texts kept as set, empty as unset", "[settings]") {
  ssm::Settings s = Read({{"SSM_STORE", "file"},
                          {"SSM_CONFIG", "/etc/ssm.json"},
                          {"SSM_FILE_STORE_KEY", "a2V5"},
                          {"SSM_KUBELET_CACHE_DURATION", "1h"},
                          {"SSM_KUBELET_TIMEOUT", "20"},
                          {"SSM_KUBELET_AWS_ROLE_ANNOTATION", "a/role"},
                          {"SSM_KUBELET_GCP_PROVIDER_ANNOTATION", "g/provider"},
                          {"SSM_KUBELET_GCP_SERVICE_ACCOUNT_ANNOTATION", "g/account"},
                          {"SSM_KUBELET_AZURE_CLIENT_ID_ANNOTATION", "z/client"},
                          {"SSM_KUBELET_AZURE_TENANT_ID_ANNOTATION", "z/tenant"}});
  CHECK(s.store() == "file");
  CHECK(s.config_file() == "/etc/ssm.json");
  CHECK(s.file_store_key().str() == "a2V5");
  CHECK(s.kubelet().cache_duration == "1h");
  CHECK(s.kubelet().timeout == "20");
  CHECK(s.kubelet().aws_role_annotation == "a/role");
  CHECK(s.kubelet().gcp_provider_annotation == "g/provider");
  CHECK(s.kubelet().gcp_account_annotation == "g/account");
  CHECK(s.kubelet().azure_client_annotation == "z/client");
  CHECK(s.kubelet().azure_tenant_annotation == "z/tenant");
  // The store's value is parsed with the config file's (helper/store_selection.h).
  CHECK(Read({{"SSM_STORE", "bogus"}}).store() == "bogus");
  ssm::Settings empty = Read({{"SSM_STORE", ""}, {"SSM_CONFIG", ""}, {"SSM_FILE_STORE_KEY", ""}});
  CHECK(empty.store().empty());
  CHECK(empty.config_file().empty());
  CHECK(empty.file_store_key().empty());
}

TEST_CASE("settings: SSM_PARALLEL is off only for off, SSM_FULL_EXIT on when set at all", "[settings]") {
  CHECK_FALSE(Read({{"SSM_PARALLEL", "off"}}).parallel());
  for (const char* on : {"", "on", "1", "0", "OFF"}) CHECK(Read({{"SSM_PARALLEL", on}}).parallel());
  for (const char* set : {"", "1", "0"}) CHECK(Read({{"SSM_FULL_EXIT", set}}).full_exit());
}

TEST_CASE("settings: SSM_LOG names a level; anything else is warn", "[settings]") {
  const std::pair<const char*, ssm::LogLevel> cases[] = {
      {"debug", ssm::LogLevel::kDebug}, {"trace", ssm::LogLevel::kDebug}, {"info", ssm::LogLevel::kInfo},
      {"warn", ssm::LogLevel::kWarn},   {"error", ssm::LogLevel::kError}, {"off", ssm::LogLevel::kOff},
      {"none", ssm::LogLevel::kOff},    {"", ssm::LogLevel::kWarn},       {"DEBUG", ssm::LogLevel::kWarn},
      {"loud", ssm::LogLevel::kWarn}};
  for (const auto& [text, level] : cases) {
    INFO(text);
    CHECK(Read({{"SSM_LOG", text}}).log_level() == level);
    CHECK(ssm::ParseLogLevel(text) == level);
  }
}

TEST_CASE("settings: SSM_CACHE, SSM_TOKEN_CACHE and SSM_CACHE_TTL", "[settings][cache_settings]") {
  for (const char* on : {"", "on", "1"}) {
    CHECK(Read({{"SSM_CACHE", on}}).Cache().store_answers);
    CHECK(Read({{"SSM_TOKEN_CACHE", on}}).Cache().tokens);
  }
  for (const char* off : {"off", "0"}) {
    ssm::CacheSettings none = Read({{"SSM_CACHE", off}}).Cache();
    CHECK_FALSE(none.store_answers);
    CHECK_FALSE(none.tokens);  // no cache at all
    ssm::CacheSettings no_tokens = Read({{"SSM_CACHE", "on"}, {"SSM_TOKEN_CACHE", off}}).Cache();
    CHECK(no_tokens.store_answers);
    CHECK_FALSE(no_tokens.tokens);
  }
  for (const char* bad : {"nope", "ON", "true", " off"}) {
    CHECK(Refusal([&] { Read({{"SSM_CACHE", bad}}).Cache(); }) == "SSM_CACHE must be off or on");
    CHECK(Refusal([&] { Read({{"SSM_TOKEN_CACHE", bad}}).Cache(); }) == "SSM_TOKEN_CACHE must be off or on");
  }
  CHECK(Read({{"SSM_CACHE_TTL", "42"}}).Cache().store_ttl == 42L);
  CHECK(Read({{"SSM_CACHE_TTL", "0"}}).Cache().store_ttl == 0L);
  CHECK(Read({{"SSM_CACHE_TTL", "86400"}}).Cache().store_ttl == 86400L);
  CHECK_FALSE(Read({{"SSM_CACHE_TTL", ""}}).Cache().store_ttl);
  for (const char* bad : {"-1", "86401", "1s", "99999999999999999999", " 5x"}) {
    INFO(bad);
    CHECK(Refusal([&] { Read({{"SSM_CACHE_TTL", bad}}).Cache(); }) ==
          "SSM_CACHE_TTL must be a number of seconds (0 to 86400)");
  }
}

TEST_CASE("settings: SSM_HTTP_TIMEOUT and SSM_HTTP_CONNECT_TIMEOUT, checked only when asked for", "[settings]") {
  ssm::Settings s = Read({{"SSM_HTTP_TIMEOUT", "2.5"}, {"SSM_HTTP_CONNECT_TIMEOUT", "0.1"}});
  CHECK(s.HttpTimeoutMs(20000) == 2500);
  CHECK(s.HttpConnectTimeoutMs(5000) == 100);
  CHECK(Read({{"SSM_HTTP_TIMEOUT", "600"}}).HttpTimeoutMs(1) == 600000);
  CHECK(Read({{"SSM_HTTP_TIMEOUT", ""}}).HttpTimeoutMs(7) == 7);
  CHECK(Read({{"SSM_HTTP_CONNECT_TIMEOUT", ""}}).HttpConnectTimeoutMs(7) == 7);
  for (const char* bad : {"0", "0.09", "601", "nan", "inf", "5s", "-1", "x"}) {
    INFO(bad);
    ssm::Settings t = Read({{"SSM_HTTP_TIMEOUT", bad}, {"SSM_HTTP_CONNECT_TIMEOUT", bad}});
    // Reading the settings is not using them: nothing else refuses.
    CHECK_NOTHROW(t.Cache());
    CHECK(Refusal([&] { t.HttpTimeoutMs(1); }) == "SSM_HTTP_TIMEOUT must be a number of seconds from 0.1 to 600");
    CHECK(Refusal([&] { t.HttpConnectTimeoutMs(1); }) ==
          "SSM_HTTP_CONNECT_TIMEOUT must be a number of seconds from 0.1 to 600");
  }
}

TEST_CASE("settings: the kubelet's HTTP timeout applies only when SSM_HTTP_TIMEOUT is unset", "[settings]") {
  ssm::Settings unset = Read({});
  unset.UseHttpTimeoutDefault(4000);
  CHECK(unset.HttpTimeoutMs(20000) == 4000);
  ssm::Settings set = Read({{"SSM_HTTP_TIMEOUT", "30"}});
  set.UseHttpTimeoutDefault(4000);
  CHECK(set.HttpTimeoutMs(20000) == 30000);
  // Set but empty: as before, the request's own fallback.
  ssm::Settings empty = Read({{"SSM_HTTP_TIMEOUT", ""}});
  empty.UseHttpTimeoutDefault(4000);
  CHECK(empty.HttpTimeoutMs(20000) == 20000);
}
