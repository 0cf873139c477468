// Azure AD access tokens for ACR from the Azure environment chain, inside the
// network module: the client-credentials grant with a service principal's
// secret or certificate (a client assertion JWT, RS256 with the x5t header),
// or with the federated token of workload identity as the client assertion;
// managed identity from App Service / Container Apps, Azure Arc (the 401
// challenge naming a key file) or the instance metadata service.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "common/inputs.h"
#include "net/http/http_client.h"
#include "providers/tokens/mint.h"

namespace ssm {

struct AzureAadToken {
  SecretString access_token;
  int64_t expires_at = 0;
};

// plan (providers/azure/azure_identity.cc): {"source": secret | certificate |
// workload | appservice | arc | imds, "description", "pinned", "strict",
// "tenant", "client_id", "authority", "client_secret", "certificate_path",
// "token_file" (or "assertion": a pod's token inline), "endpoint", "header",
// "resource_id", "scope", "resource"}.
// nullopt when the plan is the instance metadata service of a registry that
// is neither configured nor pinned, and nothing (or not Azure) answers there
// within its short bound: a machine outside Azure. Throws one line naming the
// source otherwise, with Azure AD's own error_description when it sent one.
std::optional<AzureAadToken> RunAzureChain(const nlohmann::json& plan, const MintRequest& request, HttpClient& http,
                                           const TextFileReader& read_file);

// Parts exposed for tests.
// An Azure AD or managed identity token answer: access_token, and expires_on
// (epoch seconds as a number or a string, or the date form
// "12/02/2026 03:04:05 +00:00", with AM/PM too) or expires_in (number or
// string). from names the service in the one-line refusal.
AzureAadToken ParseAzureTokenAnswer(const std::string& body, int64_t now, const std::string& what,
                                    const std::string& from);
// expires_on in any of its forms; nullopt when it is none of them.
std::optional<int64_t> ParseAzureExpiresOn(const nlohmann::json& value);
// The tid claim of an Azure AD access token (a JWT), or "".
std::string AzureTokenTenant(const std::string& access_token);

}  // namespace ssm
