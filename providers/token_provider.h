// The shared half of every token-minting provider: reuse a cached token until
// it is due for refresh, let one process mint while the others wait, and when
// minting fails serve a cached token that has not yet truly expired (saying so
// on stderr). Subclasses only say what to mint.
#pragma once

#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

class TokenProvider : public Provider {
 public:
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
  bool NeedsNetwork(const RegistryConfig& config, const ServerKey& server, ProviderContext& context) const override;
  bool DoctorMintsToken(const RegistryConfig&) const override { return true; }

 protected:
  // What to mint for server; nullopt when there is nothing to mint with and
  // anonymous access is the answer.
  virtual std::optional<MintRequest> Prepare(const RegistryConfig& config, const ServerKey& server) const = 0;
  // The answer when the network module found nothing to mint with on this
  // machine (no cloud identity): not found for an unconfigured registry, one
  // line saying what to set for a configured one.
  virtual std::optional<Credential> NothingToMintWith(const RegistryConfig& config) const;
};

// How long "no identity on this machine" is remembered (the token cache;
// `docker-credential-ssm cache clear` forgets it).
inline constexpr int64_t kNoIdentitySeconds = 300;

// The cache key of a request: its kind and server, and a fingerprint of
// everything else that makes a different token.
std::string TokenCacheKey(const MintRequest& request, const std::string& server);

}  // namespace ssm
