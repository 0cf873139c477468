// The binary's own settings: every SSM_* variable it reads, read once from the
// environment (an EnvLookup, so tests pass a map) when the command starts and
// handed down. Each variable has one reader here and one parser; a bad value
// is reported (Error::BadInput, one line naming the variable) only when a
// command asks for that setting, so a broken SSM_HTTP_TIMEOUT fails a `get`
// that mints a token, never `version` or a `get` of a stored login.
// "Unset" and "empty" are the same for every variable but SSM_FULL_EXIT (set
// at all: on) and SSM_HTTP_TIMEOUT (an empty one still keeps the kubelet's
// default away, see UseHttpTimeoutDefault).
//   SSM_STORE           store choice; parsed with the config file's "store"
//                       (helper/store_selection.h)
//   SSM_CONFIG          the config file of `kubelet` (its --config wins)
//   SSM_FILE_STORE_KEY  base64 of the file store's key (a secret)
//   SSM_PARALLEL        off: no mint on a second thread; anything else: on
//   SSM_FULL_EXIT       set: main() returns instead of _exit
//   SSM_LOG             common/log.h (an unknown value: warn)
//   SSM_CACHE, SSM_TOKEN_CACHE, SSM_CACHE_TTL   common/cache_settings.h
//   SSM_HTTP_TIMEOUT, SSM_HTTP_CONNECT_TIMEOUT  seconds, 0.1 to 600
//   SSM_KUBELET_*       helper/kubelet.h (parsed there, the text kept here)
// The system's variables (HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS) are read by
// common/paths.h and common/runtime_dir.h; the clouds' by their planners.
#pragma once

#include <optional>
#include <string>

#include "common/cache_settings.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/secure.h"

namespace ssm {

class Settings {
 public:
  Settings() = default;  // every variable unset
  explicit Settings(const EnvLookup& env);
  // From this process's environment (ProcessEnv).
  static Settings FromProcess();

  // SSM_STORE, "" when unset or empty.
  const std::string& store() const { return store_; }
  // SSM_CONFIG, "" when unset or empty.
  const std::string& config_file() const { return config_file_; }
  // SSM_FILE_STORE_KEY, empty when unset or empty.
  const SecretString& file_store_key() const { return file_store_key_; }
  bool parallel() const { return parallel_; }
  bool full_exit() const { return full_exit_; }
  LogLevel log_level() const { return log_level_; }

  // SSM_CACHE, SSM_TOKEN_CACHE, SSM_CACHE_TTL. Throws Error::BadInput.
  CacheSettings Cache() const;
  // Milliseconds for a whole remote call (SSM_HTTP_TIMEOUT) and to connect
  // (SSM_HTTP_CONNECT_TIMEOUT); fallback when not set. Throw Error::BadInput.
  long HttpTimeoutMs(long fallback) const;
  long HttpConnectTimeoutMs(long fallback) const;
  // The kubelet's bound on each remote call when SSM_HTTP_TIMEOUT is unset
  // (an empty one keeps the caller's fallback, as before).
  void UseHttpTimeoutDefault(long ms);

  // SSM_KUBELET_* as set ("" when unset or empty); helper/kubelet.cc parses them.
  struct Kubelet {
    std::string cache_duration;              // SSM_KUBELET_CACHE_DURATION
    std::string timeout;                     // SSM_KUBELET_TIMEOUT
    std::string aws_role_annotation;         // SSM_KUBELET_AWS_ROLE_ANNOTATION
    std::string gcp_provider_annotation;     // SSM_KUBELET_GCP_PROVIDER_ANNOTATION
    std::string gcp_account_annotation;      // SSM_KUBELET_GCP_SERVICE_ACCOUNT_ANNOTATION
    std::string azure_client_annotation;     // SSM_KUBELET_AZURE_CLIENT_ID_ANNOTATION
    std::string azure_tenant_annotation;     // SSM_KUBELET_AZURE_TENANT_ID_ANNOTATION
  };
  const Kubelet& kubelet() const { return kubelet_; }

 private:
  std::string store_;
  std::string config_file_;
  SecretString file_store_key_;
  bool parallel_ = true;
  bool full_exit_ = false;
  LogLevel log_level_ = LogLevel::kWarn;
  std::string cache_;
  std::string token_cache_;
  std::string cache_ttl_;
  std::optional<std::string> http_timeout_;
  std::string http_connect_timeout_;
  std::optional<long> http_timeout_default_ms_;
  Kubelet kubelet_;
};

}  // namespace ssm
