// Google Container Registry and Artifact Registry: an OAuth 2.0 access token
// from a service account's key (clientemail + privatekey), from keyjson of any
// Application Default Credentials type, or, configured or not, from
// Application Default Credentials (providers/google/google_identity.h); the
// client gets oauth2accesstoken / that token. Anonymous when none answers.
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
  std::vector<std::string> KubeletImages() const override;
  std::optional<std::string> ProbeServer(const RegistryConfig&) const override { return std::string("gcr.io"); }
  std::string ListedUser(const RegistryConfig&) const override { return "oauth2accesstoken"; }
  bool ServesUnconfigured(const ServerKey& server) const override;
  std::string IdentitySource(const RegistryConfig& config) const override;

 protected:
  std::optional<MintRequest> Prepare(const RegistryConfig& config, const ServerKey& server) const override;
  std::optional<Credential> NothingToMintWith(const RegistryConfig&) const override { return std::nullopt; }
};

}  // namespace ssm
