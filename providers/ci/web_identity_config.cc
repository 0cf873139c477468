#include "providers/ci/web_identity_config.h"

#include "common/error.h"
#include "common/fingerprint.h"

namespace ssm {

WebIdentity WebIdentityFor(const RegistryConfig& c, const std::string& default_audience, const EnvLookup& env) {
  WebIdentity w = ParseWebIdentity(c.Get("webidentity"), c.Id());
  w.audience = c.Has("audience") ? c.Get("audience") : default_audience;
  std::string binding;
  for (const char* v : {"GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB", "CI_SERVER_URL",
                        "CI_PROJECT_ID", "CI_JOB_ID"}) {
    std::optional<std::string> value = env(v);
    if (value && !value->empty()) binding += std::string(v) + "=" + *value + ";";
  }
  if (w.kind == WebIdentity::Kind::kGithub) {
    std::optional<std::string> url = env("ACTIONS_ID_TOKEN_REQUEST_URL");
    if (url) binding += "url=" + Fingerprint(*url) + ";";
  } else if (w.kind == WebIdentity::Kind::kEnv) {
    // Another token in the variable is another identity (a new job).
    std::optional<std::string> token = env(w.name);
    if (token) {
      binding += "token=" + Fingerprint(*token) + ";";
      Cleanse(*token);
    }
  }
  w.binding = Fingerprint(binding);
  Cleanse(binding);
  return w;
}

void ValidateWebIdentity(const RegistryConfig& c) {
  if (c.Has("webidentity")) ParseWebIdentity(c.Get("webidentity"), c.Id());
  if (c.Has("audience") && !c.Has("webidentity")) {
    throw Error::BadInput(c.Id() + ": audience needs webidentity");
  }
  if (c.Has("audience")) {
    for (char ch : c.Get("audience")) {
      if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f) {
        throw Error::BadInput(c.Id() + ": audience must be printable ASCII without spaces");
      }
    }
  }
}

std::vector<VariableSpec> WebIdentityVariables(const char* audience_description) {
  return {{"webidentity", false, "the CI job's OIDC ID token instead of a key: github, env:NAME or file:PATH"},
          {"audience", false, audience_description}};
}

}  // namespace ssm
