// A provider whose credentials are configured variables (nothing to mint):
// Docker Hub, GHCR, LSCR, Quay robots, GitLab, Gitea, Forgejo, custom
// registries. What differs between them is data: where they serve and which
// variables make the login. Each is one file in providers/static/ that
// returns its StaticProvider, and one row in providers/provider_table.cc.
#pragma once

#include <string>
#include <vector>

#include "providers/provider.h"

namespace ssm {

// Which variables make the login, and the rules the configuration follows.
struct LoginRule {
  const char* user = "login";     // the user name variable
  const char* secret = "password";  // the secret variable
  // Another name of secret, one of the two ("token"); how messages call it:
  // "the deprecated name of password", "another name of password".
  const char* alias = nullptr;
  const char* alias_is = nullptr;
  bool auth = false;      // `auth` (base64 of user:password) accepted instead
  bool required = false;  // a configuration must hold a login (no anonymous use)
  // The user name sent when the user variable is unset (it is then optional).
  const char* default_user = nullptr;
  // The user name made of other variables (quay: namespace+account), which
  // must then be set all or none together with secret.
  std::string (*compose_user)(const RegistryConfig&) = nullptr;
  std::vector<const char*> all_or_none;
};

struct StaticProviderSpec {
  const char* name;
  const char* description;
  std::vector<VariableSpec> variables;
  bool anonymous_by_default = false;
  // Where it serves: Docker Hub, one fixed host, or the host[:port] of a URL
  // variable (default_url when it is unset; required when there is none).
  bool docker_hub = false;
  const char* host = nullptr;
  const char* url_variable = nullptr;
  const char* default_url = nullptr;
  std::vector<const char*> more_urls;  // other variables that must be URLs
  LoginRule login;
  std::vector<std::string> kubelet_images;  // Provider::KubeletImages
};

class StaticProvider : public Provider {
 public:
  explicit StaticProvider(StaticProviderSpec spec) : spec_(std::move(spec)) {}

  const char* Name() const override { return spec_.name; }
  const char* Description() const override { return spec_.description; }
  std::vector<VariableSpec> Variables() const override { return spec_.variables; }
  bool AnonymousByDefault() const override { return spec_.anonymous_by_default; }
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
  std::string ListedUser(const RegistryConfig& config) const override;
  std::vector<std::string> KubeletImages() const override { return spec_.kubelet_images; }

 private:
  // The server key of the URL variable (or its default), when it parses.
  std::optional<ServerKey> UrlKey(const RegistryConfig& config) const;

  StaticProviderSpec spec_;
};

}  // namespace ssm
