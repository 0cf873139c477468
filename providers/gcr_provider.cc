#include "providers/gcr_provider.h"

#include "common/error.h"
#include "providers/ci/web_identity_config.h"
#include "providers/google/google_identity.h"
#include "providers/host_match.h"

namespace ssm {

std::vector<VariableSpec> GcrProvider::Variables() const {
  return {{"clientemail", false, "service account e-mail"},
          {"privatekey", true, "service account private key (PEM; literal \\n is understood)"},
          {"keyjson", true, "a credentials JSON file of any ADC type (service account key, authorized user, "
                            "workload identity federation, impersonated), instead of the two above"},
          {"tokenurl", false, "OAuth 2.0 token URL (default https://oauth2.googleapis.com/token)"},
          {"impersonate", false, "service account e-mail to impersonate on top of the credentials"},
          {"serviceaccount", false, "the metadata server's service account to use (default: default); with "
                                    "webidentity, the service account to impersonate"},
          {"workloadprovider", false, "with webidentity: the workload identity pool provider, "
                                      "//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X"},
          {"webidentity", false, "the CI job's OIDC ID token instead of a key: github, env:NAME or file:PATH"},
          {"audience", false, "the ID token's audience for webidentity github (default https://iam.googleapis.com/ + "
                              "the provider's name)"}};
}

bool GcrProvider::Serves(const ServerKey& server, const RegistryConfig&) const { return IsGcrHost(server); }

std::vector<std::string> GcrProvider::Hosts(const RegistryConfig&) const { return {}; }

bool GcrProvider::ServesUnconfigured(const ServerKey& server) const { return IsGcrHost(server); }

std::vector<std::string> GcrProvider::KubeletImages() const {
  return {"gcr.io", "*.gcr.io", "*-docker.pkg.dev", "docker.*.rep.pkg.dev"};
}

std::string GcrProvider::IdentitySource(const RegistryConfig& c) const { return GoogleIdentitySource(c); }

void GcrProvider::Validate(const RegistryConfig& c) const {
  ValidateWebIdentity(c);
  RequireTogether(c, "webidentity", "workloadprovider");
  if (c.Has("webidentity")) {
    for (const char* v : {"keyjson", "clientemail", "privatekey"}) {
      if (c.Has(v)) throw Error::BadInput(c.Id() + ": webidentity excludes " + v);
    }
    if (WorkloadProviderName(c.Get("workloadprovider")).empty()) {
      throw Error::BadInput(c.Id() + ": workloadprovider must be a workload identity pool provider, like "
                            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/github");
    }
    if (c.Has("serviceaccount") && c.Get("serviceaccount").find('@') == std::string::npos) {
      throw Error::BadInput(c.Id() + ": serviceaccount with webidentity must be the e-mail of the service account to "
                            "impersonate");
    }
  }
  if (c.Has("keyjson")) {
    for (const char* v : {"clientemail", "privatekey"}) {
      if (c.Has(v)) throw Error::BadInput(c.Id() + ": keyjson excludes " + v + " (give the key file alone)");
    }
    if (IsServiceAccountKeyJson(c)) {
      ParseServiceAccountKeyJson(c);
    } else {
      ValidateGoogleCredentials(c.Get("keyjson"), c.Id() + ": keyjson");
    }
  }
  RequireTogether(c, "clientemail", "privatekey");
  if (c.Has("clientemail") && c.Get("clientemail").find('@') == std::string::npos) {
    throw Error::BadInput(c.Id() + ": clientemail must be a service account e-mail address");
  }
  if (c.Has("privatekey") && !LooksLikePemKey(c.Get("privatekey"))) {
    throw Error::BadInput(c.Id() + ": privatekey must be a PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  if (c.Has("impersonate") && c.Get("impersonate").find('@') == std::string::npos) {
    throw Error::BadInput(c.Id() + ": impersonate must be a service account e-mail address");
  }
  if (c.Has("serviceaccount") && c.Get("serviceaccount") != "default" &&
      c.Get("serviceaccount").find('@') == std::string::npos) {
    throw Error::BadInput(c.Id() + ": serviceaccount must be default or a service account e-mail address");
  }
  RequireUrl(c, "tokenurl");
  if (c.Has("tokenurl") && c.Get("tokenurl").rfind("https://", 0) != 0) {
    throw Error::BadInput(c.Id() + ": tokenurl must be an https:// URL");
  }
}

std::optional<MintRequest> GcrProvider::Prepare(const RegistryConfig& c, const ServerKey&) const {
  MintRequest r;
  r.kind = "gcr";
  r.what = c.Id();
  r.ca_pem = c.Get("cacert");
  // The first Google source that applies (providers/source_table.cc): a
  // service account key signed directly, or a chain for the network module.
  if (!PrepareGoogleIdentity(c, &r)) return std::nullopt;
  return r;
}

std::string GcrProvider::HostsDescription(const RegistryConfig&) const { return "gcr.io *.gcr.io *-docker.pkg.dev docker.*.rep.pkg.dev"; }

}  // namespace ssm
