// Where ECR's requests get their AWS identity, in the binary: the registry's
// own keys (accesskey, secretaccesskey, sessiontoken); else the AWS SDKs'
// default chain, or the registry's `profile`; then the registry's `rolearn`
// (with `externalid`, `sessionname`) assumed on top. Plain keys travel in
// MintRequest::aws; anything that needs a service first (STS, instance
// metadata, a process, SSO) travels as a plan in MintRequest::aws_chain and
// runs in the network module.
#pragma once

#include <string>

#include "providers/aws/aws_chain_plan.h"
#include "providers/credential_source.h"
#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

// The audience a CI job's ID token is asked for when exchanged with STS.
inline constexpr const char* kAwsWebIdentityAudience = "sts.amazonaws.com";

// Fills request->aws or request->aws_chain for a registry in region/partition
// (dns_suffix "amazonaws.com", "amazonaws.com.cn", ...) with the first "aws"
// source of providers/source_table.cc that applies: a pod's web identity
// (kPodWebIdentityToken, provider.h: the role kPodRoleArn, the token in
// memory only; with no role for the pod, no source, never the node's
// identity), the configuration's webidentity, its accesskey, else the SDKs'
// default chain (PlanAwsChain with the configuration's profile). False when
// there is no source at all (instance metadata switched off and nothing
// else). Throws Error::BadInput for what the AWS SDKs refuse in the shared
// files.
bool PrepareAwsIdentity(const RegistryConfig& config, const std::string& region, const std::string& dns_suffix,
                        MintRequest* request);

// The shared end of every AWS source (providers/sources/aws_*.cc): the
// configuration's rolearn assumed on top of the base plan (not for
// webidentity, whose role is the base), then plain keys into request->aws,
// or the chain into request->aws_chain with identity_key. Returns where the
// credentials come from (request->aws.source).
std::string FinishAwsIdentity(const SourceQuery& query, AwsChainPlan plan, MintRequest* request);

// The home directory, or "" where there is none (a node's kubelet): then the
// shared files are simply absent.
std::string AwsHomeOrEmpty();

// AWS_CA_BUNDLE: the file of the only CAs trusted for ECR, STS and SSO, as in
// the SDKs, or "". Read by the network module when it mints (MintRequest::
// ca_file), so a cached token costs no read of it.
std::string AwsCaBundlePath();

// AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; "" when none applies.
std::string AwsEndpointOverride(const std::string& service_variable);

}  // namespace ssm
