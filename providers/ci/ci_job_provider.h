// The CI job's own logins (providers/ci/ci_job.h) as a provider that `get`
// consults at its implicit step: after a stored login and a configured
// registry, before the providers that work unconfigured. Not in the provider
// table: it has no variables and cannot be configured or listed.
#pragma once

#include "common/inputs.h"
#include "providers/provider.h"

namespace ssm {

class CiJobProvider : public Provider {
 public:
  explicit CiJobProvider(EnvLookup env) : env_(std::move(env)) {}

  const char* Name() const override { return "ci"; }
  const char* Description() const override { return "the CI job's own registry logins (GitLab CI, GitHub Actions)"; }
  std::vector<VariableSpec> Variables() const override { return {}; }
  bool ServesUnconfigured(const ServerKey& server) const override;
  bool Serves(const ServerKey& server, const RegistryConfig&) const override { return ServesUnconfigured(server); }
  std::vector<std::string> Hosts(const RegistryConfig&) const override { return {}; }
  void Validate(const RegistryConfig&) const override {}
  std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                        ProviderContext& context) const override;
  std::string IdentitySource(const RegistryConfig&) const override { return ""; }

 private:
  EnvLookup env_;
};

// The provider reading this process's environment when it answers for
// server (inside a job, for the job's registries), else nullptr.
const Provider* CiJobProviderFor(const ServerKey& server);

}  // namespace ssm
