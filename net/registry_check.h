// Checks credentials against a registry the way `docker login` does: GET
// /v2/, and on a Basic challenge repeat it with the credentials, on a Bearer
// challenge ask the token realm with them.
#pragma once

#include <optional>
#include <string>

#include "net/http/http_client.h"
#include "net/net_module.h"
#include "store/secret_store.h"

namespace ssm {

// base_url: scheme://host[:port]. Transport failures throw (Error::Unavailable).
CheckResult CheckRegistryLogin(HttpClient& http, const std::string& base_url,
                               const std::optional<Credential>& credential, const std::string& ca_pem,
                               const std::string& what);

// The parameters of a WWW-Authenticate challenge: scheme in lower case, and
// key -> value (unquoted) for realm, service, scope ...
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};
Challenge ParseChallenge(const std::string& header);

}  // namespace ssm
