// GitLab's container registry (gitlab.com or self-managed): a personal,
// project or group access token with read_registry, sent with a user name
// GitLab ignores for such tokens.
#include "providers/static_provider.h"

namespace ssm {

const Provider& GitlabProvider() {
  static const StaticProvider provider([] {
    StaticProviderSpec s;
    s.name = "gitlab";
    s.description = "GitLab container registry";
    s.variables = {{"url", false, "registry URL (default https://registry.gitlab.com)"},
                   {"authurl", false, "GitLab URL (default https://gitlab.com)"},
                   {"token", true, "personal access token with read_registry"},
                   {"login", false, "user name sent with the token (GitLab ignores it for a PAT)"}};
    s.url_variable = "url";
    s.default_url = "https://registry.gitlab.com";
    s.more_urls = {"authurl"};
    s.login.secret = "token";
    s.login.required = true;
    s.login.default_user = "docker-credential-ssm";
    return s;
  }());
  return provider;
}

}  // namespace ssm
