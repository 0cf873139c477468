// `docker-credential-ssm doctor`: checks what a pull depends on (the secret
// store, the configuration, every configured registry, the clients' files,
// the helper on PATH) and says what to do about each problem. Exit status 1
// when anything is wrong.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "common/settings.h"
#include "providers/provider.h"
#include "store/secret_store.h"

namespace ssm {

struct DoctorContext {
  std::ostream* out = nullptr;
  std::function<SecretStore&()> store;
  std::function<std::string()> store_description;  // which store and why
  // Logins (key: user) in the store auto mode no longer writes to (the file
  // store while a Secret Service answers); may be empty or unset.
  std::function<std::map<std::string, std::string>()> idle_logins;
  std::string config_path;
  char** environment = nullptr;
  std::function<ProviderContext()> provider_context;
  const Settings* settings = nullptr;  // the cache's; nullptr: every variable unset
};

int RunDoctor(const std::vector<std::string>& args, DoctorContext& context);

}  // namespace ssm
