// Where a CI job's OpenID Connect ID token comes from, for a cloud registry
// configured with `webidentity` (OIDC federation, no stored key):
//   github     the GitHub Actions token service: GET $ACTIONS_ID_TOKEN_REQUEST_URL
//              &audience=<audience> with Authorization: Bearer
//              $ACTIONS_ID_TOKEN_REQUEST_TOKEN (the job needs id-token: write);
//   env:NAME   the JWT in environment variable NAME (GitLab's id_tokens:);
//   file:PATH  the JWT in a file.
// The binary parses and plans; the token itself is read or fetched only in the
// network module when a token is minted (net/ci/id_token.h), and never
// stored. `audience` (else the provider's default) is what github asks for.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>


namespace ssm {

struct WebIdentity {
  enum class Kind { kGithub, kEnv, kFile };
  Kind kind = Kind::kGithub;
  std::string name;      // kEnv: the variable; kFile: the path
  std::string audience;  // the audience asked of the token service (github)
  // Names the job the token belongs to (its non-secret CI variables, and a
  // fingerprint of an env: token), so that credentials derived from one job's
  // token are never cached for another job of the same user.
  std::string binding;

  // "the GitHub Actions ID token (audience sts.amazonaws.com)", "the ID token in
  // $GITLAB_OIDC_TOKEN", "the ID token file /run/token": never a value.
  std::string Describe() const;
};

// Parses a webidentity value; throws Error::BadInput "<what>: webidentity ..."
// with the accepted forms.
WebIdentity ParseWebIdentity(const std::string& spec, const std::string& what);

// As it travels to the network module inside a plan.
nlohmann::json WebIdentityToJson(const WebIdentity& w);
WebIdentity WebIdentityFromJson(const nlohmann::json& j);

}  // namespace ssm
