// Quay.io robot accounts: namespace + account + token, used as
// "namespace+account" / token. Anonymous unless configured.
#include "providers/static_provider.h"

namespace ssm {

const Provider& QuayProvider() {
  static const StaticProvider provider([] {
    StaticProviderSpec s;
    s.name = "quay";
    s.description = "Quay.io (robot account)";
    s.variables = {{"namespace", false, "robot account namespace (before the +)"},
                   {"account", false, "robot account name (after the +)"},
                   {"token", true, "robot account token"}};
    s.anonymous_by_default = true;
    s.host = "quay.io";
    s.login.secret = "token";
    s.login.compose_user = [](const RegistryConfig& c) {
      return c.Has("account") ? c.Get("namespace") + "+" + c.Get("account") : std::string();
    };
    s.login.all_or_none = {"namespace", "account", "token"};
    return s;
  }());
  return provider;
}

}  // namespace ssm
