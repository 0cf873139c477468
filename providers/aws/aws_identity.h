// Where ECR's requests get their AWS identity, in the binary: the registry's
// own keys (accesskey, secretaccesskey, sessiontoken); else the AWS SDKs'
// default chain, or the registry's `profile`; then the registry's `rolearn`
// (with `externalid`, `sessionname`) assumed on top. Plain keys travel in
// MintRequest::aws; anything that needs a service first (STS, instance
// metadata, a process, SSO) travels as a plan in MintRequest::aws_chain and
// runs in the network module.
#pragma once

#include <string>

#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

// The audience a CI job's ID token is asked for when exchanged with STS.
inline constexpr const char* kAwsWebIdentityAudience = "sts.amazonaws.com";

// Fills request->aws or request->aws_chain for a registry in region/partition
// (dns_suffix "amazonaws.com", "amazonaws.com.cn", ...). False when the chain
// has no source at all (instance metadata switched off and nothing else).
// Throws Error::BadInput for what the AWS SDKs refuse in the shared files.
// A registry configuration carrying kPodWebIdentityToken (provider.h) uses
// the pod's web identity for the role kPodRoleArn, the token in memory only,
// instead of the configured keys or the node's chain; with no role for the
// pod, there is no source (never the node's identity).
bool PrepareAwsIdentity(const RegistryConfig& config, const std::string& region, const std::string& dns_suffix,
                        MintRequest* request);

// AWS_CA_BUNDLE: the file of the only CAs trusted for ECR, STS and SSO, as in
// the SDKs, or "". Read by the network module when it mints (MintRequest::
// ca_file), so a cached token costs no read of it.
std::string AwsCaBundlePath();

// AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; "" when none applies.
std::string AwsEndpointOverride(const std::string& service_variable);

}  // namespace ssm
