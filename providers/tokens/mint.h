// What a token-minting provider asks of the network module, and what it gets
// back. The providers (in the binary) decide what to ask and cache the
// answer; the module (ssm-net, with libcurl and libcrypto) signs, sends and
// parses.
#pragma once

#include <cstdint>
#include <string>

#include "common/secure.h"
#include "providers/aws/aws_credentials.h"

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

// Every field of a MintRequest, declared once here: the module codec
// (mint_codec.h) carries each, and the token-cache key (token_provider.h)
// fingerprints each kKeyed one. visit(name, field, role) is called in order;
// Request is MintRequest or const MintRequest. A field added to MintRequest
// and not listed here fails to compile the codec test (kMintRequestMembers).
enum class MintFieldRole {
  kKeyed,  // a different value can give a different token: part of the cache key
  kHow,    // only how to ask (clock, timeouts) or what the answer carries back
};
inline constexpr int kMintRequestMembers = 27;  // top-level members of MintRequest

template <class Request, class Visit>
void ForEachMintField(Request& r, Visit&& visit) {
  using R = MintFieldRole;
  visit("kind", r.kind, R::kKeyed);
  visit("what", r.what, R::kKeyed);
  visit("endpoint", r.endpoint, R::kKeyed);
  visit("ca_pem", r.ca_pem, R::kKeyed);
  visit("ca_file", r.ca_file, R::kKeyed);
  visit("now", r.now, R::kHow);
  visit("connect_timeout_ms", r.connect_timeout_ms, R::kHow);
  visit("total_timeout_ms", r.total_timeout_ms, R::kHow);
  visit("attempts", r.attempts, R::kHow);
  visit("region", r.region, R::kKeyed);
  visit("registry_id", r.registry_id, R::kKeyed);
  visit("aws_access_key_id", r.aws.access_key_id, R::kKeyed);
  visit("aws_secret_access_key", r.aws.secret_access_key, R::kKeyed);
  visit("aws_session_token", r.aws.session_token, R::kKeyed);
  visit("aws_source", r.aws.source, R::kHow);
  visit("aws_chain", r.aws_chain, R::kKeyed);
  visit("client_email", r.client_email, R::kKeyed);
  visit("private_key", r.private_key, R::kKeyed);
  visit("private_key_id", r.private_key_id, R::kKeyed);
  visit("audience", r.audience, R::kKeyed);
  visit("google_chain", r.google_chain, R::kKeyed);
  // The derived identity is found by identity_key; the token does not depend
  // on which cached copy of it travels.
  visit("identity_key", r.identity_key, R::kHow);
  visit("identity", r.identity, R::kHow);
  visit("tenant", r.tenant, R::kKeyed);
  visit("client_id", r.client_id, R::kKeyed);
  visit("client_secret", r.client_secret, R::kKeyed);
  visit("registry", r.registry, R::kKeyed);
  visit("exchange_url", r.exchange_url, R::kKeyed);
  visit("scope", r.scope, R::kKeyed);
  visit("azure_chain", r.azure_chain, R::kKeyed);
}

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
