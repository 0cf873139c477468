// What a token-minting provider asks of the network module, and what it gets
// back. The providers (in the binary) decide what to ask and cache the
// answer; the module (ssm-net, with libcurl and libcrypto) signs, sends and
// parses.
#pragma once

#include <cstdint>
#include <string>

#include "common/secure.h"
#include "providers/crypto/sigv4.h"

namespace ssm {

class HttpClient;

struct MintRequest {
  std::string kind;      // "ecr", "ecrpublic", "gcr", "acr"
  std::string what;      // names the registry in messages: "ecr", "gcr/prod"
  std::string endpoint;  // the token endpoint (URL)
  std::string ca_pem;    // extra trust for the endpoint, when configured
  std::string ca_file;   // else a CA file the module reads when it mints (AWS_CA_BUNDLE)
  int64_t now = 0;
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 20000;
  int attempts = 3;

  // ecr, ecrpublic
  std::string region;
  std::string registry_id;  // the 12-digit account of the registry host
  AwsCredentials aws;       // plain keys; with aws_chain only aws.source (names the chain)
  // The AWS chain to run first (providers/aws/aws_plan_codec.h), when the
  // keys come from a service: STS, instance metadata, a process, SSO.
  SecretString aws_chain;

  // gcr
  std::string client_email;
  SecretString private_key;  // PEM
  std::string private_key_id;
  std::string audience;      // the token URL the JWT is for
  // Application Default Credentials of another kind, or the metadata server
  // (providers/google/google_identity.h), when not a plain service account key.
  SecretString google_chain;

  // Credentials derived on the way to the token (an assumed role's keys, an
  // instance role's): identity_key names them in the token cache, and a
  // still-valid copy travels back in identity so that the module skips the
  // services that gave them (one STS or metadata round trip per credential
  // lifetime, shared by every registry of that identity).
  std::string identity_key;
  SecretString identity;

  // acr
  std::string tenant;
  std::string client_id;
  SecretString client_secret;
  std::string registry;      // the ACR host (the exchange's "service")
  std::string exchange_url;  // https://<registry>/oauth2/exchange
  std::string scope;         // the AAD scope
  // The Azure identity chain to run for the AAD token (providers/azure/
  // azure_identity.h), when no service principal secret is configured.
  SecretString azure_chain;
};

struct MintedToken {
  std::string username;
  SecretString secret;
  int64_t expires_at = 0;
  // The derived credentials the module used (for the caller to cache under
  // MintRequest::identity_key until identity_expires_at), or empty.
  SecretString identity;
  int64_t identity_expires_at = 0;
  // Nothing to mint with here (no AWS identity on this machine): username
  // and secret empty. The caller answers "not found" and remembers it.
  bool none() const { return username.empty() && secret.empty(); }
};

// Mints with the given HTTP client (tests pass a recording one).
MintedToken MintToken(const MintRequest& request, HttpClient& http);

// The parsers of remote answers, exposed for tests and fuzzing. Each throws
// Error::Failure naming request.what when the answer is not what the service
// sends.
// Expiries are capped to the service's longest lifetime from now (ECR 12 h,
// Google 12 h, ACR 24 h): a cached token is never trusted longer.
MintedToken ParseEcrAnswer(const std::string& body, bool is_public, int64_t now, const std::string& what);
MintedToken ParseGoogleTokenAnswer(const std::string& body, int64_t now, const std::string& what);
std::string ParseAadTokenAnswer(const std::string& body, const std::string& what);  // the access token
MintedToken ParseAcrExchangeAnswer(const std::string& body, int64_t now, const std::string& what);
// The message of an error answer of any of these services, or "".
std::string RemoteErrorMessage(const std::string& body);

}  // namespace ssm
