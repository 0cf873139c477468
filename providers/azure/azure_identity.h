// Where ACR's requests get their Azure AD identity when no service principal
// secret is configured with the registry, in the binary and without the
// network: the Azure SDKs' environment chain, in DefaultAzureCredential's
// order:
//  1. a service principal from the environment: AZURE_TENANT_ID +
//     AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH,
//     a PEM file holding the certificate and its private key);
//  2. workload identity: AZURE_TENANT_ID + AZURE_CLIENT_ID +
//     AZURE_FEDERATED_TOKEN_FILE (re-read at every mint), at
//     AZURE_AUTHORITY_HOST (default https://login.microsoftonline.com/);
//  3. managed identity: App Service / Container Apps (IDENTITY_ENDPOINT +
//     IDENTITY_HEADER), Azure Arc (IDENTITY_ENDPOINT + IMDS_ENDPOINT), else
//     the instance metadata service of VMs and AKS nodes (169.254.169.254;
//     SSM_AZURE_IMDS=off skips it when nothing pins it). AZURE_CLIENT_ID, or
//     the registry's clientid / resourceid, selects a user-assigned identity.
// The registry's `identity` (managed | workload | serviceprincipal) pins one
// source; its clientid and tenantid win over AZURE_CLIENT_ID and
// AZURE_TENANT_ID. The plan travels in MintRequest::azure_chain and runs in
// the network module (net/azure/azure_chain.h); identity_key names the
// Azure AD token it yields in the token cache, shared by every registry.
// A configuration carrying kPodWebIdentityToken (provider.h, kubelet mode)
// uses only the pod's token, inline as the federated client assertion, for
// the client kPodAzureClientId of kPodAzureTenantId (else tenantid, else
// AZURE_TENANT_ID): nothing of the node's; no client id is no source.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/inputs.h"
#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

inline constexpr const char* kAcrAadResource = "https://containerregistry.azure.net";
inline constexpr const char* kAzureDefaultAuthority = "https://login.microsoftonline.com/";
inline constexpr const char* kAzureImdsTokenUrl = "http://169.254.169.254/metadata/identity/oauth2/token";

// The audience a CI job's ID token is asked for (`webidentity github`): the
// one Azure AD accepts for federated credentials.
inline constexpr const char* kAzureWebIdentityAudience = "api://AzureADTokenExchange";

// Fills request->azure_chain, identity_key, tenant, client_id and scope for
// config with env, from the first "azure" source of providers/source_table.cc
// that applies: a pod's token, the configuration's service principal
// (clientsecret: request->client_secret and the exchange, no chain), its
// webidentity, else the environment chain (AzurePlanner::Environment). The cloud of request->registry (set first) picks the
// default Azure AD and the token's audience: *.azurecr.io the public cloud
// and ACR's own (https://containerregistry.azure.net); .cn, .us and .de their
// national cloud's login host and Resource Manager audience. Returns the source's description ("workload identity (client
// ..., tenant ...)"), or nullopt when the chain has no source at all (no
// Azure variables and the instance metadata service switched off). Throws
// Error::BadInput, one line, when a pinned or present source is incomplete
// or malformed (identity=workload without AZURE_FEDERATED_TOKEN_FILE).
std::optional<std::string> PlanAzureIdentity(const RegistryConfig& config, const EnvLookup& env,
                                             MintRequest* request);

// The same with the process environment.
std::optional<std::string> PrepareAzureIdentity(const RegistryConfig& config, MintRequest* request);

// For doctor and registry list/test: the description, "" for a configured
// service principal, or "none (...)".
std::string AzureIdentitySource(const RegistryConfig& config);

// What every Azure source's plan is made of (providers/sources/azure_*.cc),
// for a configuration, an environment and the registry host (its cloud).
class AzurePlanner {
 public:
  AzurePlanner(const RegistryConfig& config, const EnvLookup& env, const std::string& registry);

  // The environment chain: the source `identity` pins, else a service
  // principal from the variables, workload identity, managed identity (see
  // above); nullopt when none is there.
  std::optional<nlohmann::json> Environment() const;

  std::string Env(const char* name) const;  // "" when unset
  std::string ClientId() const;             // clientid, else AZURE_CLIENT_ID
  std::string TenantId() const;             // tenantid, else AZURE_TENANT_ID
  // authorityurl, else AZURE_AUTHORITY_HOST, else the cloud's; https only.
  std::string Authority() const;
  // A plan's common fields: source, pinned, strict, scope and resource.
  nlohmann::json Base(const char* source, bool pinned) const;
  [[noreturn]] void Refuse(const std::string& why) const;  // Error::BadInput "<id>: why"

 private:
  bool TenantAndClient(bool pinned, const char* source) const;
  std::optional<nlohmann::json> ServicePrincipal(bool pinned) const;
  std::optional<nlohmann::json> Workload(bool pinned) const;
  std::optional<nlohmann::json> Managed(bool pinned) const;

  const RegistryConfig& c_;
  const EnvLookup& env_;
  const char* authority_;
  const char* resource_;
};

// Moves plan into request: azure_chain, identity_key (one Azure AD token per
// identity), tenant, client_id, scope, endpoint. The plan is wiped; returns
// its description.
std::string SetAzureChain(nlohmann::json& plan, MintRequest* request);

}  // namespace ssm
