// The token clients of each cloud, inside the network module.
#pragma once

#include "net/http/http_client.h"
#include "providers/tokens/mint.h"

namespace ssm {

// ECR and ECR Public: GetAuthorizationToken signed with SigV4.
MintedToken MintEcrToken(const MintRequest& request, HttpClient& http);
// Google: the service-account JWT bearer grant, or the Application Default
// Credentials chain of request.google_chain (net/google/google_chain.h).
MintedToken MintGoogleToken(const MintRequest& request, HttpClient& http);
MintedToken MintGoogleServiceAccountToken(const MintRequest& request, HttpClient& http);
// ACR: an Azure AD client-credentials token exchanged for an ACR refresh token.
MintedToken MintAcrToken(const MintRequest& request, HttpClient& http);

// Shared pieces.
HttpRequest FormPost(const std::string& url, const std::string& body, const MintRequest& request);
[[noreturn]] void ThrowRemoteError(const MintRequest& request, const std::string& doing, const HttpResponse& response,
                                   const std::string& hint = "");

}  // namespace ssm
