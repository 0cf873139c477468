// Docker Hub: login + access token (password, or its deprecated name token),
// or auth as in ~/.docker/config.json. Anonymous unless configured.
#include "providers/static_provider.h"

namespace ssm {

const Provider& HubProvider() {
  static const StaticProvider provider([] {
    StaticProviderSpec s;
    s.name = "hub";
    s.description = "Docker Hub";
    s.variables = {{"login", false, "Docker Hub user name"},
                   {"password", true, "Docker Hub access token (or password)"},
                   {"token", true, "deprecated name of password"},
                   {"auth", true, "base64 of user:password, as in ~/.docker/config.json"}};
    s.anonymous_by_default = true;
    s.docker_hub = true;
    s.login.alias = "token";
    s.login.alias_is = "the deprecated name of password";
    s.login.auth = true;
    return s;
  }());
  return provider;
}

}  // namespace ssm
