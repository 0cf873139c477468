// Amazon ECR, private (<account>.dkr.ecr.<region>.amazonaws.com and the other
// partitions, FIPS and dual-stack hosts) and public (public.ecr.aws): AWS keys
// turned into 12-hour registry tokens with GetAuthorizationToken (SigV4).
// Private ECR also works unconfigured, with the AWS SDKs' credential chain
// (providers/aws/); ECR Public stays anonymous unless configured.
#pragma once

#include "providers/token_provider.h"

namespace ssm {

class EcrProvider : public TokenProvider {
 public:
  explicit EcrProvider(bool is_public) : public_(is_public) {}
  const char* Name() const override { return public_ ? "ecrpublic" : "ecr"; }
  const char* Description() const override {
    return public_ ? "Amazon ECR Public (public.ecr.aws)" : "Amazon Elastic Container Registry";
  }
  std::vector<VariableSpec> Variables() const override;
  bool AnonymousByDefault() const override { return public_; }
  bool ServesUnconfigured(const ServerKey& server) const override;
  bool Serves(const ServerKey& server, const RegistryConfig& config) const override;
  std::vector<std::string> Hosts(const RegistryConfig& config) const override;
  void Validate(const RegistryConfig& config) const override;
  std::string HostsDescription(const RegistryConfig& config) const override;
  std::vector<std::string> KubeletImages() const override;
  // The configured account's registry in its region (us-east-1 by default).
  std::optional<std::string> ProbeServer(const RegistryConfig& config) const override;
  std::string ListedUser(const RegistryConfig&) const override { return "AWS"; }
  std::string IdentitySource(const RegistryConfig& config) const override;

  // The GetAuthorizationToken endpoint for a registry host's region and partition.
  static std::string DefaultEndpoint(const std::string& region, const std::string& dns_suffix, bool fips,
                                     bool dual_stack);

 protected:
  std::optional<MintRequest> Prepare(const RegistryConfig& config, const ServerKey& server) const override;
  std::optional<Credential> NothingToMintWith(const RegistryConfig& config) const override;

 private:
  bool public_;
};

}  // namespace ssm
