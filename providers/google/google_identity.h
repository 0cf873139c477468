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

#include <string>

#include "common/inputs.h"
#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

// Fills request for config. False when there is no source at all (no
// credentials file and the metadata server switched off): anonymous. A
// configuration carrying kPodWebIdentityToken (provider.h) uses only the pod's
// token, exchanged for the workload identity provider kPodGoogleAudience and
// impersonating kPodGoogleServiceAccount when set; without an audience there
// is no source (never the node's identity).
bool PrepareGoogleIdentity(const RegistryConfig& config, MintRequest* request);

// Where the credentials would come from, without the network ("" when the
// configuration's own service account key answers).
std::string GoogleIdentitySource(const RegistryConfig& config);

// The full resource name of a workload identity pool provider,
// "//iam.googleapis.com/projects/N/locations/L/workloadIdentityPools/P/providers/X",
// from that or from "projects/N/..."; "" when value is neither.
std::string WorkloadProviderName(const std::string& value);

// Checks a credentials file's JSON (keyjson or an ADC file): a known type
// and the fields it needs. what names it in the one-line refusal.
void ValidateGoogleCredentials(const std::string& json, const std::string& what);

}  // namespace ssm
