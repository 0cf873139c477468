#include "providers/gcr_provider.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/secret_json.h"
#include "providers/ci/web_identity_config.h"
#include "providers/google/google_identity.h"
#include "providers/host_match.h"

namespace ssm {
namespace {

bool LooksLikePem(const std::string& text) {
  return text.find("-----BEGIN ") != std::string::npos && text.find("PRIVATE KEY-----") != std::string::npos;
}

struct ServiceAccount {
  std::string client_email;
  SecretString private_key;
  std::string private_key_id;
  std::string token_uri;
};

ServiceAccount ParseKeyJson(const RegistryConfig& c) {
  nlohmann::json doc = ParseJsonOrDiscarded(c.Get("keyjson"));
  auto refuse = [&](const std::string& why) -> ServiceAccount {
    throw Error::BadInput(c.Id() + ": keyjson " + why);
  };
  if (!doc.is_object()) return refuse("is not a JSON object (give the service account's JSON key file)");
  // Not doc.value(): it throws nlohmann's type_error when a field has another type.
  auto text = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return "";
    if (!it->is_string()) throw Error::BadInput(c.Id() + ": keyjson has a " + key + " that is not a string");
    return it->get<std::string>();
  };
  if (text("type") != "service_account") return refuse("is not a service account key (type service_account)");
  // (other types are Application Default Credentials: google_identity.cc)
  ServiceAccount sa;
  if (!doc.contains("client_email") || !doc["client_email"].is_string()) return refuse("has no client_email");
  if (!doc.contains("private_key") || !doc["private_key"].is_string()) return refuse("has no private_key");
  sa.client_email = doc["client_email"].get<std::string>();
  sa.private_key = SecretString(doc["private_key"].get<std::string>());
  Cleanse(doc["private_key"].get_ref<std::string&>());
  sa.private_key_id = text("private_key_id");
  sa.token_uri = text("token_uri");
  if (!LooksLikePem(sa.private_key.str())) return refuse("has a private_key that is not a PEM key");
  return sa;
}

}  // namespace

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

std::string GcrProvider::IdentitySource(const RegistryConfig& c) const { return GoogleIdentitySource(c); }

namespace {

bool IsServiceAccountKey(const RegistryConfig& c) {
  nlohmann::json doc = ParseJsonOrDiscarded(c.Get("keyjson"));
  bool yes = doc.is_object() && doc.value("type", nlohmann::json()).is_string() && doc["type"] == "service_account";
  for (auto& [key, value] : doc.items()) {
    if (value.is_string()) Cleanse(value.get_ref<std::string&>());
  }
  return yes;
}

}  // namespace

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
    if (IsServiceAccountKey(c)) {
      ParseKeyJson(c);
    } else {
      ValidateGoogleCredentials(c.Get("keyjson"), c.Id() + ": keyjson");
    }
  }
  RequireTogether(c, "clientemail", "privatekey");
  if (c.Has("clientemail") && c.Get("clientemail").find('@') == std::string::npos) {
    throw Error::BadInput(c.Id() + ": clientemail must be a service account e-mail address");
  }
  if (c.Has("privatekey") && !LooksLikePem(c.Get("privatekey"))) {
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
  bool direct = !c.Has(kPodWebIdentityToken) && !c.Has("impersonate") && !c.Has("webidentity") &&
                (c.Has("privatekey") || (c.Has("keyjson") && IsServiceAccountKey(c)));
  if (!direct) {
    // Application Default Credentials (or keyjson of another type, or a key
    // with impersonation on top): run in the network module.
    if (!PrepareGoogleIdentity(c, &r)) return std::nullopt;
    return r;
  }
  ServiceAccount sa;
  if (c.Has("keyjson")) {
    sa = ParseKeyJson(c);
  } else {
    sa.client_email = c.Get("clientemail");
    sa.private_key = SecretString(c.Get("privatekey"));
  }
  r.client_email = sa.client_email;
  r.private_key = sa.private_key;
  r.private_key_id = sa.private_key_id;
  r.endpoint = c.Has("tokenurl") ? c.Get("tokenurl") : (!sa.token_uri.empty() ? sa.token_uri : kDefaultTokenUrl);
  r.audience = r.endpoint;
  return r;
}

std::string GcrProvider::HostsDescription(const RegistryConfig&) const { return "gcr.io *.gcr.io *-docker.pkg.dev docker.*.rep.pkg.dev"; }

}  // namespace ssm
