// The CI job's own logins: GitLab's registry and dependency proxy, GHCR in
// GitHub Actions; exactly their hosts, and nothing outside a job.
#include "providers/ci/ci_job.h"

#include <catch2/catch.hpp>
#include <map>

#include "providers/ci/ci_job_provider.h"

namespace {

ssm::EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::optional<ssm::CiJobLogin> For(const std::string& server, const ssm::EnvLookup& env) {
  ssm::ServerKey key;
  if (!ssm::TryNormalizeServer(server, &key)) return std::nullopt;  // the protocol refuses it before
  return ssm::CiJobLoginFor(key, env);
}

const std::map<std::string, std::string> kGitlab = {
    {"GITLAB_CI", "true"},
    {"CI_REGISTRY", "registry.example.com:5050"},
    {"CI_REGISTRY_USER", "gitlab-ci-token"},
    {"CI_REGISTRY_PASSWORD", "glcbt-registry-secret"},
    {"CI_JOB_TOKEN", "glcbt-job-secret"},
    {"CI_DEPENDENCY_PROXY_SERVER", "gitlab.example.com:443"},
    {"CI_DEPENDENCY_PROXY_USER", "gitlab-ci-token"},
    {"CI_DEPENDENCY_PROXY_PASSWORD", "glcbt-proxy-secret"}};

}  // namespace

TEST_CASE("ci job: GitLab's registry and dependency proxy get the job's logins", "[ci_job]") {
  auto env = Env(kGitlab);
  for (const char* server : {"registry.example.com:5050", "https://registry.example.com:5050",
                             "REGISTRY.EXAMPLE.COM:5050", "registry.example.com:5050/group/project"}) {
    INFO(server);
    auto login = For(server, env);
    REQUIRE(login);
    CHECK(login->credential.username == "gitlab-ci-token");
    CHECK(login->credential.secret.str() == "glcbt-registry-secret");
    CHECK(login->source.find("CI_REGISTRY_USER") != std::string::npos);
    CHECK(login->source.find("secret") == std::string::npos);
  }
  // The dependency proxy: 443 written or implied, as docker asks for either.
  for (const char* server : {"gitlab.example.com:443", "gitlab.example.com", "https://gitlab.example.com/",
                             "gitlab.example.com:443/group/dependency_proxy/containers/alpine"}) {
    INFO(server);
    auto login = For(server, env);
    REQUIRE(login);
    CHECK(login->credential.secret.str() == "glcbt-proxy-secret");
  }
  auto implied = kGitlab;
  implied["CI_DEPENDENCY_PROXY_SERVER"] = "gitlab.example.com";
  REQUIRE(For("gitlab.example.com:443", Env(implied)));
}

TEST_CASE("ci job: GitLab without the user and password pairs uses gitlab-ci-token and CI_JOB_TOKEN", "[ci_job]") {
  auto vars = kGitlab;
  vars.erase("CI_REGISTRY_USER");
  vars.erase("CI_REGISTRY_PASSWORD");
  vars.erase("CI_DEPENDENCY_PROXY_PASSWORD");
  auto env = Env(vars);
  auto registry = For("registry.example.com:5050", env);
  REQUIRE(registry);
  CHECK(registry->credential.username == "gitlab-ci-token");
  CHECK(registry->credential.secret.str() == "glcbt-job-secret");
  CHECK(registry->source == "GitLab CI job (CI_JOB_TOKEN)");
  auto proxy = For("gitlab.example.com:443", env);
  REQUIRE(proxy);
  CHECK(proxy->credential.secret.str() == "glcbt-job-secret");
  vars.erase("CI_JOB_TOKEN");
  CHECK_FALSE(For("registry.example.com:5050", Env(vars)));
}

TEST_CASE("ci job: look-alike hosts get nothing", "[ci_job]") {
  auto env = Env(kGitlab);
  for (const char* server :
       {"registry.example.com", "registry.example.com:443", "registry.example.com:5051", "registry.example.com.:5050",
        "evilregistry.example.com:5050", "registry.example.com.evil.net:5050", "x.registry.example.com:5050",
        "registry.example.co:5050", "registry-example.com:5050", "registry.example.com:5050@evil.net",
        "evil.net/registry.example.com:5050", "https://evil.net?registry.example.com:5050", "gitlab.example.com:8443",
        "gitlab.example.com.", "gitlab.example.com:80", "evilgitlab.example.com", "gitlab.example.com.evil.net",
        "ghcr.io", "docker.io", "REGISTRY.EXAMPLE.COM.EVIL.NET:5050", "registry.examp\xc5\x82" "e.com:5050"}) {
    INFO(server);
    CHECK_FALSE(For(server, env));
  }
  // A host given with user info in the variable itself names nothing.
  auto odd = kGitlab;
  odd["CI_REGISTRY"] = "user@registry.example.com:5050";
  CHECK_FALSE(For("registry.example.com:5050", Env(odd)));
  odd["CI_REGISTRY"] = "";
  CHECK_FALSE(For("registry.example.com:5050", Env(odd)));
}

TEST_CASE("ci job: nothing outside a job", "[ci_job]") {
  auto vars = kGitlab;
  vars.erase("GITLAB_CI");
  CHECK_FALSE(For("registry.example.com:5050", Env(vars)));
  vars["GITLAB_CI"] = "false";
  CHECK_FALSE(For("registry.example.com:5050", Env(vars)));
  vars["GITLAB_CI"] = "TRUE ";
  CHECK_FALSE(For("registry.example.com:5050", Env(vars)));
  CHECK_FALSE(For("ghcr.io", Env({{"GITHUB_ACTOR", "octocat"}, {"GITHUB_TOKEN", "ghs_secret"}})));
}

TEST_CASE("ci job: GitHub Actions gives ghcr.io the actor and GITHUB_TOKEN", "[ci_job]") {
  auto env = Env({{"GITHUB_ACTIONS", "true"}, {"GITHUB_ACTOR", "octocat"}, {"GITHUB_TOKEN", "ghs_secret"}});
  for (const char* server : {"ghcr.io", "https://ghcr.io", "GHCR.IO", "ghcr.io:443", "ghcr.io/octocat/app"}) {
    INFO(server);
    auto login = For(server, env);
    REQUIRE(login);
    CHECK(login->credential.username == "octocat");
    CHECK(login->credential.secret.str() == "ghs_secret");
  }
  for (const char* server : {"ghcr.io.", "ghcr.io:8443", "ghcr.io.evil.net", "evilghcr.io", "x.ghcr.io", "lscr.io",
                             "docker.pkg.github.com", "ghcr.io@evil.net", "registry.example.com:5050"}) {
    INFO(server);
    CHECK_FALSE(For(server, env));
  }
  // GITHUB_TOKEN is only there when the workflow exports it.
  CHECK_FALSE(For("ghcr.io", Env({{"GITHUB_ACTIONS", "true"}, {"GITHUB_ACTOR", "octocat"}})));
}

TEST_CASE("ci job: the provider answers what the environment gives, nothing else", "[ci_job]") {
  ssm::CiJobProvider provider(Env(kGitlab));
  ssm::RegistryConfig none;
  ssm::ProviderContext context;
  ssm::ServerKey registry = ssm::NormalizeServer("registry.example.com:5050");
  CHECK(provider.ServesUnconfigured(registry));
  auto c = provider.Credentials(none, registry, context);
  REQUIRE(c);
  CHECK(c->secret.str() == "glcbt-registry-secret");
  ssm::ServerKey other = ssm::NormalizeServer("registry.example.com:5051");
  CHECK_FALSE(provider.ServesUnconfigured(other));
  CHECK_FALSE(provider.Credentials(none, other, context));
  CHECK(provider.Variables().empty());
}

TEST_CASE("ci job: the registries a job answers for, as doctor names them (no value)", "[ci_job]") {
  auto listed = ssm::CiJobRegistries(Env(kGitlab));
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].server == "registry.example.com:5050");
  CHECK(listed[0].source.find("CI_REGISTRY_USER") != std::string::npos);
  CHECK(listed[1].server == "gitlab.example.com");
  for (const auto& r : listed) CHECK(r.source.find("secret") == std::string::npos);
  CHECK(ssm::CiJobRegistries(Env({{"CI_REGISTRY", "registry.example.com:5050"}})).empty());  // not in a job
  auto github = ssm::CiJobRegistries(Env({{"GITHUB_ACTIONS", "true"}, {"GITHUB_ACTOR", "octocat"}, {"GITHUB_TOKEN", "ghs_x"}}));
  REQUIRE(github.size() == 1);
  CHECK(github[0].server == "ghcr.io");
  CHECK(ssm::CiJobRegistries(Env({{"GITHUB_ACTIONS", "true"}, {"GITHUB_ACTOR", "octocat"}})).empty());
}
