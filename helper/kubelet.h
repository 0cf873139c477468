// `docker-credential-ssm kubelet`: a kubelet image credential provider
// (kubelet flags --image-credential-provider-config and
// --image-credential-provider-bin-dir). Reads one CredentialProviderRequest
// (credentialprovider.kubelet.k8s.io v1, v1beta1 or v1alpha1) on stdin and
// answers a CredentialProviderResponse of the same apiVersion with what `get`
// would give for the image's registry (helper/lookup.h):
//  - auth: {"<registry host[:port] as the image names it>": {username,
//    password}}, or {} when nothing applies or the reference is not a valid
//    image reference (look-alike hosts get no credential of another host);
//  - cacheKeyType "Registry";
//  - cacheDuration: half a minted token's remaining life (as cloud-provider-aws
//    does); SSM_KUBELET_CACHE_DURATION (a Go duration, default 5m0s) for a
//    static login; 0s when auth is empty (a miss is never cached).
// With serviceAccountToken (KEP-4412, the provider configured with
// tokenAttributes): an ECR registry is reached with the pod's own identity,
// AssumeRoleWithWebIdentity for the role named by the annotation
// SSM_KUBELET_AWS_ROLE_ANNOTATION (default eks.amazonaws.com/role-arn), the
// token only in memory and nothing cached; without that annotation an ECR
// registry gets no auth (never the node's identity). GCR and Artifact
// Registry likewise: the token exchanged at Google's STS for the workload
// identity provider named by SSM_KUBELET_GCP_PROVIDER_ANNOTATION (default
// docker-credential-ssm/gcp-workload-identity-provider, the provider's full
// resource name), then the service account of
// SSM_KUBELET_GCP_SERVICE_ACCOUNT_ANNOTATION (default
// iam.gke.io/gcp-service-account) impersonated when set. ACR likewise: the
// token as the federated client assertion of the client-credentials grant for
// the app of SSM_KUBELET_AZURE_CLIENT_ID_ANNOTATION (default
// azure.workload.identity/client-id) in the tenant of
// SSM_KUBELET_AZURE_TENANT_ID_ANNOTATION (default
// azure.workload.identity/tenant-id; else the registry's tenantid, else
// AZURE_TENANT_ID), then the ACR exchange; without the client id annotation no
// auth. A configured ECR or ACR registry the pod names no identity for is an
// error naming the missing annotation. Other registries answer as without a
// token.
// Errors: one line on stderr, exit status 1, nothing on stdout; the whole
// answer is bounded by SSM_KUBELET_TIMEOUT seconds (default 50, under the
// kubelet's one minute).
//
// `docker-credential-ssm kubelet config` prints a CredentialProviderConfig
// (kubelet.config.k8s.io/v1, JSON) naming this binary for the registries it
// can serve.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/settings.h"
#include "helper/lookup.h"

namespace ssm {

struct KubeletContext {
  std::function<CredentialLookup&()> lookup;
  std::function<int64_t()> now;
  // The concrete hosts of the configured registries (for `kubelet config`).
  std::function<std::vector<std::string>()> configured_hosts;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // SSM_KUBELET_* and the HTTP timeout RunKubelet bounds (common/settings.h);
  // nullptr: every variable unset.
  Settings* settings = nullptr;
};

// args: what follows "kubelet" (--config is taken by the caller). Returns the
// exit status.
int RunKubelet(const std::vector<std::string>& args, KubeletContext& context);

// The registry host[:port] of an image reference as the kubelet and docker
// read it ("nginx" -> "docker.io", "localhost:5000/a" -> "localhost:5000"),
// tag and digest allowed; false when it is not a valid reference.
bool ImageRegistry(const std::string& image, std::string* host);

// A Go time.Duration string of whole seconds: 0s, 45s, 5m0s, 6h0m0s.
std::string GoDuration(int64_t seconds);
// Reads a Go duration of h, m and s parts ("5m", "1h30m", "90s"); false when
// it is not one (fractions and other units included) or negative.
bool ParseGoDuration(const std::string& text, int64_t* seconds);

// The answer to one request (the JSON text, one line), or Error::BadInput
// for a request that is not one.
std::string KubeletAnswer(const std::string& request, KubeletContext& context);

// The CredentialProviderConfig for these configured hosts.
std::string KubeletProviderConfig(const std::vector<std::string>& configured_hosts);

}  // namespace ssm
