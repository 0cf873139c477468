// Gitea's and Forgejo's package registries: the instance's URL and a login
// (user + password or access token, or auth). Credentials required.
#include "providers/static_provider.h"

namespace ssm {
namespace {

StaticProviderSpec GiteaSpec(const char* name, const char* description) {
  StaticProviderSpec s;
  s.name = name;
  s.description = description;
  s.variables = {{"url", false, "instance URL, e.g. https://git.example.com"},
                 {"login", false, "user name"},
                 {"password", true, "password or access token"},
                 {"auth", true, "base64 of user:password"}};
  s.url_variable = "url";
  s.login.auth = true;
  s.login.required = true;
  return s;
}

}  // namespace

const Provider& GiteaProvider() {
  static const StaticProvider provider(GiteaSpec("gitea", "Gitea package registry"));
  return provider;
}

const Provider& ForgejoProvider() {
  static const StaticProvider provider(GiteaSpec("forgejo", "Forgejo package registry"));
  return provider;
}

}  // namespace ssm
