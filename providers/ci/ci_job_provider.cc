#include "providers/ci/ci_job_provider.h"

#include "common/log.h"
#include "providers/ci/ci_job.h"

namespace ssm {

bool CiJobProvider::ServesUnconfigured(const ServerKey& server) const {
  return CiJobLoginFor(server, env_).has_value();
}

std::optional<Credential> CiJobProvider::Credentials(const RegistryConfig&, const ServerKey& server,
                                                     ProviderContext&) const {
  std::optional<CiJobLogin> login = CiJobLoginFor(server, env_);
  if (!login) return std::nullopt;
  SSM_DEBUG("get: " + server.key + ": the login of the " + login->source);
  return std::move(login->credential);
}

const Provider* CiJobProviderFor(const ServerKey& server) {
  static const CiJobProvider job(ProcessEnvironment());
  return job.ServesUnconfigured(server) ? &job : nullptr;
}

}  // namespace ssm
