// Where GCR's and Artifact Registry's requests get their Google identity, in
// the binary: the registry's own key (clientemail + privatekey) or keyjson of
// any Application Default Credentials type; else, configured or not,
// Application Default Credentials in Google's order: the file named by
// GOOGLE_APPLICATION_CREDENTIALS, gcloud's well-known file
// ($CLOUDSDK_CONFIG or ~/.config/gcloud/application_default_credentials.json),
// then the metadata server (GCE_METADATA_HOST, else metadata.google.internal
// and 169.254.169.254; NO_GCE_CHECK=true skips it). `impersonate` applies on
// top of whatever answered. What needs a service travels as a plan in
// MintRequest::google_chain and runs in the network module
// (net/google/google_chain.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/inputs.h"
#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

// Fills request for config with the first "google" source of
// providers/source_table.cc that applies: a pod's token (kPodWebIdentityToken,
// provider.h: exchanged for the workload identity provider kPodGoogleAudience,
// impersonating kPodGoogleServiceAccount when set; without an audience no
// source, never the node's identity); the configuration's service account key
// signed directly (client_email, private_key, endpoint); its key or keyjson
// through the chain (impersonation, other ADC types); its webidentity; else
// Application Default Credentials. False when there is no source at all (no
// credentials file and the metadata server switched off): anonymous.
bool PrepareGoogleIdentity(const RegistryConfig& config, MintRequest* request);

// Where the credentials would come from, without the network ("" when the
// configuration's own service account key answers).
std::string GoogleIdentitySource(const RegistryConfig& config);

// A service account's JSON key (keyjson of type service_account), for the
// direct JWT grant.
struct GoogleServiceAccountKey {
  std::string client_email;
  SecretString private_key;
  std::string private_key_id;
  std::string token_uri;
};
// keyjson's key; throws Error::BadInput "<id>: keyjson ..." when it is not one.
GoogleServiceAccountKey ParseServiceAccountKeyJson(const RegistryConfig& config);
// Whether keyjson is a JSON object of type service_account.
bool IsServiceAccountKeyJson(const RegistryConfig& config);
bool LooksLikePemKey(const std::string& text);

// The pieces of the Google sources (providers/sources/google_*.cc): a plan's
// envelope (source kind, description, the configuration's impersonate);
// moving it into request->google_chain (the plan is wiped; returns its
// description); and the descriptions doctor shows: a credentials file's with
// its type, a service's (metadata server, STS) with ", if there is one; else
// anonymous" for an unconfigured host; both with the impersonation on top.
nlohmann::json GooglePlan(const RegistryConfig& config, const char* kind, const std::string& description);
std::string SetGoogleChain(nlohmann::json& plan, MintRequest* request);
std::string DescribeGoogleFile(const RegistryConfig& config, const std::string& description, const std::string& json);
std::string DescribeGoogleService(const RegistryConfig& config, const std::string& description);

// The full resource name of a workload identity pool provider,
// "//iam.googleapis.com/projects/N/locations/L/workloadIdentityPools/P/providers/X",
// from that or from "projects/N/..."; "" when value is neither.
std::string WorkloadProviderName(const std::string& value);

// Checks a credentials file's JSON (keyjson or an ADC file): a known type
// and the fields it needs. what names it in the one-line refusal.
void ValidateGoogleCredentials(const std::string& json, const std::string& what);

}  // namespace ssm
