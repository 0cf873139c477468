#include "providers/quay_provider.h"

#include "providers/host_match.h"

namespace ssm {

std::vector<VariableSpec> QuayProvider::Variables() const {
  return {{"namespace", false, "robot account namespace (before the +)"},
          {"account", false, "robot account name (after the +)"},
          {"token", true, "robot account token"}};
}

bool QuayProvider::Serves(const ServerKey& server, const RegistryConfig&) const { return IsHost(server, "quay.io"); }

std::vector<std::string> QuayProvider::Hosts(const RegistryConfig&) const { return {"quay.io"}; }

void QuayProvider::Validate(const RegistryConfig& c) const { RequireAllOrNone(c, {"namespace", "account", "token"}); }

std::optional<Credential> QuayProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                    ProviderContext&) const {
  if (!c.Has("token")) return std::nullopt;
  return MakeCredential(c.Get("namespace") + "+" + c.Get("account"), c.Get("token"));
}

std::string QuayProvider::ListedUser(const RegistryConfig& c) const {
  return c.Has("account") ? c.Get("namespace") + "+" + c.Get("account") : "";
}

}  // namespace ssm
