// Google Container Registry and Artifact Registry: a service account's key
// (clientemail + privatekey, or the whole JSON key file Google hands out as
// keyjson) turned into an OAuth 2.0 access token with the JWT bearer grant;
// the client gets oauth2accesstoken / that token. Anonymous unless configured.
#pragma once

#include "providers/token_provider.h"

namespace ssm {

class GcrProvider : public TokenProvider {
 public:
  static constexpr char kDefaultTokenUrl[] = "https://oauth2.googleapis.com/token";

  const char* Name() const override { return "gcr"; }
  const char* Description() const override { return "Google Container Registry and Artifact Registry"; }
  std::vector<VariableSpec> Variables() const override;
  bool AnonymousByDefault() const override { return true; }
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::string HostsDescription(const RegistryConfig& config) const override;
  std::string ListedUser(const RegistryConfig&) const override { return "oauth2accesstoken"; }

 protected:
  std::optional<MintRequest> Prepare(const RegistryConfig& config, const ServerKey& server) const override;
};

}  // namespace ssm
