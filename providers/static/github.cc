// GitHub's registries: GHCR (ghcr.io; anonymous unless configured) and LSCR
// (lscr.io, LinuxServer's front for ghcr.io/linuxserver; credentials
// required). A GitHub user name and a token (a PAT with read:packages).
#include "providers/static_provider.h"

namespace ssm {
namespace {

StaticProviderSpec GithubSpec(const char* name, const char* host, const char* description, bool required) {
  StaticProviderSpec s;
  s.name = name;
  s.description = description;
  s.variables = {{"username", false, "GitHub user name"},
                 {"token", true, "GitHub personal access token (read:packages)"}};
  s.anonymous_by_default = !required;
  s.host = host;
  s.login.user = "username";
  s.login.secret = "token";
  s.login.required = required;
  return s;
}

}  // namespace

const Provider& GhcrProvider() {
  // In the kubelet's list for the logins of GitHub Actions jobs and pods
  // pulling from private packages.
  static const StaticProvider provider([] {
    StaticProviderSpec spec = GithubSpec("ghcr", "ghcr.io", "GitHub Container Registry", false);
    spec.kubelet_images = {"ghcr.io"};
    return spec;
  }());
  return provider;
}

const Provider& LscrProvider() {
  static const StaticProvider provider(
      GithubSpec("lscr", "lscr.io", "LinuxServer Container Registry (GitHub credentials)", true));
  return provider;
}

}  // namespace ssm
