#include "providers/google/google_identity.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/secret_json.h"
#include "common/text.h"
#include "providers/ci/web_identity_config.h"

namespace ssm {
namespace {

std::string Text(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct Source {
  std::string kind;         // keyjson, file, gcloud, metadata
  std::string description;  // names it for messages, never a value
  SecretString json;        // the credentials file's text (not metadata)
};

// The first source of Application Default Credentials for c, or nullopt.
std::optional<Source> FindSource(const RegistryConfig& c) {
  if (c.Has("privatekey")) {
    nlohmann::json key = {{"type", "service_account"},
                          {"client_email", c.Get("clientemail")},
                          {"private_key", c.Get("privatekey")}};
    if (c.Has("tokenurl")) key["token_uri"] = c.Get("tokenurl");
    Source source{"keyjson", c.Id() + " service account key", SecretString(key.dump())};
    WipeJson(key);
    return source;
  }
  if (c.Has("keyjson")) return Source{"keyjson", c.Id() + " keyjson", SecretString(c.Get("keyjson"))};
  if (c.Has("webidentity")) {
    // Workload identity federation from a CI job: the external_account
    // credentials Google's tools would write, with the job's ID token as the
    // subject token (the plan's "web_identity" names where it comes from).
    std::string provider = WorkloadProviderName(c.Get("workloadprovider"));
    nlohmann::json adc = {{"type", "external_account"},
                          {"audience", provider},
                          {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
                          {"token_url", "https://sts.googleapis.com/v1/token"}};
    std::string description = "workload identity federation (" + provider + ") with " +
                              WebIdentityFor(c, "https:" + provider, ProcessEnv).Describe();
    if (c.Has("serviceaccount")) {
      adc["service_account_impersonation_url"] = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" +
                                                 c.Get("serviceaccount") + ":generateAccessToken";
      description += ", then service account " + c.Get("serviceaccount");
    }
    return Source{"webidentity", description, SecretString(adc.dump())};
  }
  std::string path = EnvText("GOOGLE_APPLICATION_CREDENTIALS");
  if (!path.empty()) {
    std::optional<std::string> text = ReadTextFile(path, 1u << 20);
    if (!text) throw Error::BadInput("GOOGLE_APPLICATION_CREDENTIALS names " + path + ", which does not exist");
    return Source{"file", "GOOGLE_APPLICATION_CREDENTIALS (" + path + ")", SecretString(std::move(*text))};
  }
  std::string dir = EnvText("CLOUDSDK_CONFIG");
  if (dir.empty()) {
    try {
      dir = HomeDir() + "/.config/gcloud";
    } catch (const Error&) {
      dir.clear();  // no home (a node's kubelet): no gcloud file
    }
  }
  if (!dir.empty()) {
    std::string well_known = dir + "/application_default_credentials.json";
    if (std::optional<std::string> text = ReadTextFile(well_known, 1u << 20)) {
      return Source{"gcloud", "gcloud's " + well_known, SecretString(std::move(*text))};
    }
  }
  if (AsciiLower(EnvText("NO_GCE_CHECK")) == "true") return std::nullopt;
  std::string host = EnvText("GCE_METADATA_HOST");
  std::string hosts = host.empty() ? "metadata.google.internal, 169.254.169.254" : host;
  std::string account = c.Has("serviceaccount") ? c.Get("serviceaccount") : "default";
  return Source{"metadata", "the metadata server (" + hosts + "), service account " + account, SecretString()};
}

}  // namespace

std::string WorkloadProviderName(const std::string& value) {
  std::string path = value;
  const std::string prefix = "//iam.googleapis.com/";
  if (path.rfind(prefix, 0) == 0) path = path.substr(prefix.size());
  // projects/N/locations/L/workloadIdentityPools/P/providers/X
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 8 || parts[0] != "projects" || parts[2] != "locations" || parts[4] != "workloadIdentityPools" ||
      parts[6] != "providers") {
    return "";
  }
  for (size_t i : {1u, 3u, 5u, 7u}) {
    if (parts[i].empty() ||
        parts[i].find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != std::string::npos) {
      return "";
    }
  }
  return prefix + path;
}

void ValidateGoogleCredentials(const std::string& json, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(json);
  if (!doc.is_object()) throw Error::BadInput(what + " is not a JSON object (give the credentials file Google made)");
  std::string type = Text(doc, "type");
  auto need = [&](std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
      if (Text(doc, key).empty()) throw Error::BadInput(what + " (" + type + ") has no " + key);
    }
  };
  if (type == "service_account") {
    need({"client_email", "private_key"});
  } else if (type == "authorized_user") {
    need({"client_id", "client_secret", "refresh_token"});
  } else if (type == "external_account") {
    need({"audience", "subject_token_type"});
    auto source = doc.find("credential_source");
    if (source == doc.end() || !source->is_object()) throw Error::BadInput(what + " (external_account) has no credential_source");
    if (Text(*source, "file").empty() && Text(*source, "url").empty()) {
      throw Error::BadInput(what + " (external_account): only file and url credential sources are supported");
    }
  } else if (type == "impersonated_service_account") {
    need({"service_account_impersonation_url"});
    if (!doc.contains("source_credentials") || !doc["source_credentials"].is_object()) {
      throw Error::BadInput(what + " (impersonated_service_account) has no source_credentials");
    }
  } else {
    throw Error::BadInput(what + " has an unknown type " + QuotedIfPlain(type) +
                          " (service_account, authorized_user, external_account or impersonated_service_account)");
  }
  for (auto& [key, value] : doc.items()) {
    if (value.is_string()) Cleanse(value.get_ref<std::string&>());
  }
}

namespace {

// A pod's service account token exchanged at Google's STS for the workload
// identity provider its annotation names, then (when named) impersonation of
// a service account: external_account with the token inline, never a file.
bool PreparePodGoogleIdentity(const RegistryConfig& c, MintRequest* r) {
  if (!c.Has(kPodGoogleAudience)) {
    SSM_DEBUG(c.Id() + ": google: the pod's service account names no workload identity provider; no source");
    return false;
  }
  nlohmann::json adc = {{"type", "external_account"},
                        {"audience", c.Get(kPodGoogleAudience)},
                        {"subject_token_type", "urn:ietf:params:oauth:token-type:jwt"},
                        {"credential_source", {{"subject_token", c.Get(kPodWebIdentityToken)}}}};
  if (c.Has(kPodGoogleServiceAccount)) {
    adc["service_account_impersonation_url"] = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" +
                                               c.Get(kPodGoogleServiceAccount) + ":generateAccessToken";
  }
  nlohmann::json plan = {{"source", "pod"},
                         {"description", "the pod's service account token for " + c.Get(kPodGoogleAudience)},
                         {"impersonate", c.Get("impersonate")},
                         {"adc", std::move(adc)}};
  r->google_chain = SecretString(plan.dump());
  WipeJson(plan);
  return true;
}

}  // namespace

bool PrepareGoogleIdentity(const RegistryConfig& c, MintRequest* r) {
  if (c.Has(kPodWebIdentityToken)) return PreparePodGoogleIdentity(c, r);
  std::optional<Source> source = FindSource(c);
  if (!source) {
    SSM_DEBUG(c.Id() + ": google: no credentials file and the metadata server is switched off (NO_GCE_CHECK)");
    return false;
  }
  SSM_DEBUG(c.Id() + ": google: credentials from " + source->description);
  nlohmann::json plan = {{"source", source->kind}, {"description", source->description},
                         {"impersonate", c.Get("impersonate")}};
  if (source->kind == "webidentity") {
    // The ID token's default audience is the provider's default allowed
    // audience: https: and the provider's name.
    std::string provider = WorkloadProviderName(c.Get("workloadprovider"));
    WebIdentity identity = WebIdentityFor(c, "https:" + provider, ProcessEnv);
    plan["adc"] = nlohmann::json::parse(source->json.str());
    plan["web_identity"] = WebIdentityToJson(identity);
  } else if (source->kind == "metadata") {
    std::string host = EnvText("GCE_METADATA_HOST");
    plan["metadata_hosts"] = host.empty() ? nlohmann::json{"metadata.google.internal", "169.254.169.254"}
                                          : nlohmann::json{host};
    // Named only when configured: the instance's default account may be absent.
    if (c.Has("serviceaccount")) plan["service_account"] = c.Get("serviceaccount");
  } else {
    ValidateGoogleCredentials(source->json.str(), source->description);
    plan["adc"] = nlohmann::json::parse(source->json.str());
  }
  r->google_chain = SecretString(plan.dump());
  WipeJson(plan);
  return true;
}

std::string GoogleIdentitySource(const RegistryConfig& c) {
  if (c.Has("privatekey") && !c.Has("impersonate")) return "";
  std::optional<Source> source = FindSource(c);
  if (!source) return "none (no credentials file; the metadata server is switched off by NO_GCE_CHECK)";
  std::string out = source->description;
  if (source->kind != "metadata" && source->kind != "webidentity") {
    nlohmann::json doc = ParseJsonOrDiscarded(source->json.str());
    if (doc.is_object()) out += " (" + Text(doc, "type") + ")";
    WipeJson(doc);
  } else if (c.sources.empty()) {
    out += ", if there is one; else anonymous";
  }
  if (c.Has("impersonate")) out += ", then impersonating " + c.Get("impersonate");
  return out;
}

}  // namespace ssm
