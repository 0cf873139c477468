// Google access tokens from every kind of Application Default Credentials,
// inside the network module: a service account key (JWT bearer grant), an
// authorized user (refresh-token grant), workload identity federation
// (external_account: the STS token exchange, then impersonation when the
// file asks for it), impersonated_service_account, and the metadata server of
// GCE/GKE. Then, when asked, one more impersonation on top.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "common/inputs.h"
#include "net/http/http_client.h"
#include "providers/tokens/mint.h"

namespace ssm {

inline constexpr const char* kGoogleCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
inline constexpr const char* kGoogleIamCredentials = "https://iamcredentials.googleapis.com";

// plan (see providers/google/google_identity.h): {"source", "description",
// "adc" (the credentials file's object), "metadata_hosts", "service_account",
// "impersonate"}. nullopt when the plan is the metadata server and none
// answers within its short bound (a machine outside Google Cloud).
std::optional<MintedToken> RunGoogleChain(const nlohmann::json& plan, const MintRequest& request, HttpClient& http,
                                          const TextFileReader& read_file);

// Parts exposed for tests.
// An impersonation answer: {"accessToken", "expireTime"}.
MintedToken ParseImpersonationAnswer(const std::string& body, const std::string& what);
// The subject token of an external_account credential_source's text.
SecretString SubjectTokenFrom(const std::string& text, const nlohmann::json& format, const std::string& what);

}  // namespace ssm
