// A self-hosted registry named by its URL: login + password (or token,
// another name of it), or auth; anonymous when none is set.
#include "providers/static_provider.h"

namespace ssm {

const Provider& CustomProvider() {
  static const StaticProvider provider([] {
    StaticProviderSpec s;
    s.name = "custom";
    s.description = "self-hosted registry";
    s.variables = {{"url", false, "registry URL, e.g. https://registry.example.com:5000"},
                   {"login", false, "user name (htpasswd)"},
                   {"password", true, "password"},
                   {"token", true, "access token, another name of password"},
                   {"auth", true, "base64 of user:password"}};
    s.url_variable = "url";
    s.login.alias = "token";
    s.login.alias_is = "another name of password";
    s.login.auth = true;
    return s;
  }());
  return provider;
}

}  // namespace ssm
