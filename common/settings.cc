#include "common/settings.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/error.h"

namespace ssm {
namespace {

constexpr double kMinTimeoutSeconds = 0.1;
constexpr double kMaxTimeoutSeconds = 600;

// The value, "" when unset.
std::string Text(const EnvLookup& env, const char* name) {
  std::optional<std::string> v = env(name);
  return v ? std::move(*v) : std::string();
}

// SSM_CACHE, SSM_TOKEN_CACHE. true: on (the default), false: off.
bool Switch(const std::string& value, const char* name) {
  if (value.empty() || value == "on" || value == "1") return true;
  if (value == "off" || value == "0") return false;
  throw Error::BadInput(std::string(name) + " must be off or on");
}

long Millis(const std::string& value, const char* name) {
  const char* v = value.c_str();
  char* end = nullptr;
  double seconds = std::strtod(v, &end);
  // Not NaN (every comparison false) nor so small that it rounds to 0 ms,
  // which libcurl takes as "no timeout".
  if (end == v || *end != '\0' || !std::isfinite(seconds) || seconds < kMinTimeoutSeconds ||
      seconds > kMaxTimeoutSeconds) {
    throw Error::BadInput(std::string(name) + " must be a number of seconds from 0.1 to 600");
  }
  return static_cast<long>(seconds * 1000);
}

}  // namespace

Settings::Settings(const EnvLookup& env) {
  store_ = Text(env, "SSM_STORE");
  config_file_ = Text(env, "SSM_CONFIG");
  if (std::optional<std::string> key = env("SSM_FILE_STORE_KEY")) {
    file_store_key_ = SecretString(*key);
    Cleanse(*key);
  }
  parallel_ = Text(env, "SSM_PARALLEL") != "off";
  full_exit_ = env("SSM_FULL_EXIT").has_value();
  log_level_ = ParseLogLevel(Text(env, "SSM_LOG"));
  cache_ = Text(env, "SSM_CACHE");
  token_cache_ = Text(env, "SSM_TOKEN_CACHE");
  cache_ttl_ = Text(env, "SSM_CACHE_TTL");
  http_timeout_ = env("SSM_HTTP_TIMEOUT");
  http_connect_timeout_ = Text(env, "SSM_HTTP_CONNECT_TIMEOUT");
  kubelet_.cache_duration = Text(env, "SSM_KUBELET_CACHE_DURATION");
  kubelet_.timeout = Text(env, "SSM_KUBELET_TIMEOUT");
  kubelet_.aws_role_annotation = Text(env, "SSM_KUBELET_AWS_ROLE_ANNOTATION");
  kubelet_.gcp_provider_annotation = Text(env, "SSM_KUBELET_GCP_PROVIDER_ANNOTATION");
  kubelet_.gcp_account_annotation = Text(env, "SSM_KUBELET_GCP_SERVICE_ACCOUNT_ANNOTATION");
  kubelet_.azure_client_annotation = Text(env, "SSM_KUBELET_AZURE_CLIENT_ID_ANNOTATION");
  kubelet_.azure_tenant_annotation = Text(env, "SSM_KUBELET_AZURE_TENANT_ID_ANNOTATION");
}

Settings Settings::FromProcess() { return Settings(ProcessEnv); }

CacheSettings Settings::Cache() const {
  CacheSettings s;
  s.store_answers = Switch(cache_, "SSM_CACHE");
  s.tokens = Switch(token_cache_, "SSM_TOKEN_CACHE") && s.store_answers;
  if (!cache_ttl_.empty()) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(cache_ttl_.c_str(), &end, 10);
    if (*end != '\0' || errno != 0 || v < 0 || v > 86400) {
      throw Error::BadInput("SSM_CACHE_TTL must be a number of seconds (0 to 86400)");
    }
    s.store_ttl = v;
  }
  return s;
}

long Settings::HttpTimeoutMs(long fallback) const {
  if (!http_timeout_) return http_timeout_default_ms_ ? *http_timeout_default_ms_ : fallback;
  if (http_timeout_->empty()) return fallback;
  return Millis(*http_timeout_, "SSM_HTTP_TIMEOUT");
}

long Settings::HttpConnectTimeoutMs(long fallback) const {
  if (http_connect_timeout_.empty()) return fallback;
  return Millis(http_connect_timeout_, "SSM_HTTP_CONNECT_TIMEOUT");
}

void Settings::UseHttpTimeoutDefault(long ms) { http_timeout_default_ms_ = ms; }

}  // namespace ssm
