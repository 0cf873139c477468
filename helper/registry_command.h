// `docker-credential-ssm registry add|list|remove|reset|test`: configuring
// registries for people. Non-secret values go to the config file, secret ones
// to the secret store; a refused command changes neither.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "common/settings.h"
#include "net/net_module.h"
#include "store/secret_store.h"

namespace ssm {

struct CommandContext {
  std::function<SecretStore&()> store;
  std::string config_path;
  char** environment = nullptr;
  // Checks credentials against a registry's /v2/ (the network module).
  std::function<CheckResult(const std::string& base_url, const std::optional<Credential>& credential,
                            const std::string& ca_pem, const std::string& what)>
      check;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Reads a secret from the terminal without echo; nullptr when there is none.
  std::function<bool(const std::string& prompt, std::string* value)> prompt;
  // The token cache's and HTTP settings of `registry test`; nullptr: every
  // variable unset.
  const Settings* settings = nullptr;
};

// args: what follows "registry". Returns the exit status (0, 1, or 2 for usage).
int RunRegistryCommand(const std::vector<std::string>& args, CommandContext& context);

void PrintRegistryHelp(std::ostream& out);

}  // namespace ssm
