// Credentials a CI job already holds for its own registries, read from the
// job's environment, so that nothing is stored:
//  - GitLab CI (GITLAB_CI=true): the host[:port] of CI_REGISTRY gets
//    CI_REGISTRY_USER / CI_REGISTRY_PASSWORD, and the host[:port] of
//    CI_DEPENDENCY_PROXY_SERVER gets CI_DEPENDENCY_PROXY_USER /
//    CI_DEPENDENCY_PROXY_PASSWORD; either pair, when absent, falls back to
//    gitlab-ci-token / CI_JOB_TOKEN (what GitLab puts in them).
//  - GitHub Actions (GITHUB_ACTIONS=true) with GITHUB_TOKEN exported by the
//    workflow: ghcr.io gets GITHUB_ACTOR / GITHUB_TOKEN.
// A server matches only when its normalized key is the variable's (port 443
// written or not, as docker treats it the same); any other spelling (another
// port, a prefix or suffix, a trailing dot, user info) gets nothing. Outside a
// job nothing answers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/inputs.h"
#include "common/server_key.h"
#include "store/secret_store.h"

namespace ssm {

struct CiJobLogin {
  Credential credential;
  std::string source;  // names the variables, never a value: "GitLab CI job (CI_REGISTRY_USER)"
};

// The job's login for server, or nullopt.
std::optional<CiJobLogin> CiJobLoginFor(const ServerKey& server, const EnvLookup& env);

// The registries the job answers for, as `doctor` names them: host[:port] and
// where the login comes from (never a value). Empty outside a job.
struct CiJobRegistry {
  std::string server;
  std::string source;
};
std::vector<CiJobRegistry> CiJobRegistries(const EnvLookup& env);

// The environment of this process.
EnvLookup ProcessEnvironment();

}  // namespace ssm
