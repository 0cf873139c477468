#include "providers/ci/ci_job.h"


namespace ssm {
namespace {

std::string Value(const EnvLookup& env, const char* name) {
  std::optional<std::string> v = env(name);
  return v ? *v : std::string();
}

// host[:port] with an explicit :443 dropped: docker asks for
// "gitlab.com:443" when an image names that port, "gitlab.com" otherwise,
// and both are the same HTTPS server.
std::string Comparable(const ServerKey& key) {
  if (key.docker_hub || key.port != "443") return key.key;
  return key.host;
}

// Whether server is the registry named by the variable's value (a host[:port],
// sometimes written as a URL).
bool Names(const std::string& value, const ServerKey& server) {
  if (value.empty() || server.docker_hub) return false;
  ServerKey named;
  if (!TryNormalizeServer(value, &named) || named.docker_hub) return false;
  return Comparable(named) == Comparable(server);
}

Credential Make(const std::string& user, std::string secret) {
  Credential c;
  c.username = user;
  c.secret = SecretString(std::move(secret));
  return c;
}

// user / password from the pair of variables, else gitlab-ci-token / CI_JOB_TOKEN.
std::optional<CiJobLogin> GitlabPair(const EnvLookup& env, const char* user_var, const char* password_var) {
  std::string user = Value(env, user_var);
  std::string password = Value(env, password_var);
  if (!user.empty() && !password.empty()) {
    return CiJobLogin{Make(user, std::move(password)), std::string("GitLab CI job (") + user_var + ", " + password_var + ")"};
  }
  Cleanse(password);
  std::string job_token = Value(env, "CI_JOB_TOKEN");
  if (job_token.empty()) return std::nullopt;
  return CiJobLogin{Make("gitlab-ci-token", std::move(job_token)), "GitLab CI job (CI_JOB_TOKEN)"};
}

}  // namespace

std::optional<CiJobLogin> CiJobLoginFor(const ServerKey& server, const EnvLookup& env) {
  if (Value(env, "GITLAB_CI") == "true") {
    if (Names(Value(env, "CI_REGISTRY"), server)) {
      return GitlabPair(env, "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD");
    }
    if (Names(Value(env, "CI_DEPENDENCY_PROXY_SERVER"), server)) {
      return GitlabPair(env, "CI_DEPENDENCY_PROXY_USER", "CI_DEPENDENCY_PROXY_PASSWORD");
    }
  }
  if (Value(env, "GITHUB_ACTIONS") == "true" && Comparable(server) == "ghcr.io") {
    std::string actor = Value(env, "GITHUB_ACTOR");
    std::string token = Value(env, "GITHUB_TOKEN");
    if (!actor.empty() && !token.empty()) {
      return CiJobLogin{Make(actor, std::move(token)), "GitHub Actions job (GITHUB_ACTOR, GITHUB_TOKEN)"};
    }
    Cleanse(token);
  }
  return std::nullopt;
}

std::vector<CiJobRegistry> CiJobRegistries(const EnvLookup& env) {
  std::vector<CiJobRegistry> out;
  for (const std::string& named : {Value(env, "CI_REGISTRY"), Value(env, "CI_DEPENDENCY_PROXY_SERVER"), std::string("ghcr.io")}) {
    ServerKey server;
    if (named.empty() || !TryNormalizeServer(named, &server)) continue;
    std::optional<CiJobLogin> login = CiJobLoginFor(server, env);
    if (login) out.push_back({Comparable(server), login->source});
  }
  return out;
}

EnvLookup ProcessEnvironment() { return ProcessEnv; }

}  // namespace ssm
