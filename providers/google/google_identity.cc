#include "providers/google/google_identity.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/inputs.h"
#include "common/secret_json.h"
#include "common/text.h"
#include "providers/source_table.h"

namespace ssm {
namespace {

std::string Text(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
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

bool LooksLikePemKey(const std::string& text) {
  return text.find("-----BEGIN ") != std::string::npos && text.find("PRIVATE KEY-----") != std::string::npos;
}

GoogleServiceAccountKey ParseServiceAccountKeyJson(const RegistryConfig& c) {
  nlohmann::json doc = ParseJsonOrDiscarded(c.Get("keyjson"));
  auto refuse = [&](const std::string& why) -> GoogleServiceAccountKey {
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
  // (other types are Application Default Credentials: providers/sources/google_credentials.cc)
  GoogleServiceAccountKey sa;
  if (!doc.contains("client_email") || !doc["client_email"].is_string()) return refuse("has no client_email");
  if (!doc.contains("private_key") || !doc["private_key"].is_string()) return refuse("has no private_key");
  sa.client_email = doc["client_email"].get<std::string>();
  sa.private_key = SecretString(doc["private_key"].get<std::string>());
  Cleanse(doc["private_key"].get_ref<std::string&>());
  sa.private_key_id = text("private_key_id");
  sa.token_uri = text("token_uri");
  if (!LooksLikePemKey(sa.private_key.str())) return refuse("has a private_key that is not a PEM key");
  return sa;
}

bool IsServiceAccountKeyJson(const RegistryConfig& c) {
  nlohmann::json doc = ParseJsonOrDiscarded(c.Get("keyjson"));
  bool yes = doc.is_object() && doc.value("type", nlohmann::json()).is_string() && doc["type"] == "service_account";
  for (auto& [key, value] : doc.items()) {
    if (value.is_string()) Cleanse(value.get_ref<std::string&>());
  }
  return yes;
}

nlohmann::json GooglePlan(const RegistryConfig& c, const char* kind, const std::string& description) {
  return {{"source", kind}, {"description", description}, {"impersonate", c.Get("impersonate")}};
}

std::string SetGoogleChain(nlohmann::json& plan, MintRequest* r) {
  std::string description = plan["description"].get<std::string>();
  r->google_chain = SecretString(plan.dump());
  WipeJson(plan);
  return description;
}

std::string DescribeGoogleFile(const RegistryConfig& c, const std::string& description, const std::string& json) {
  std::string out = description;
  nlohmann::json doc = ParseJsonOrDiscarded(json);
  if (doc.is_object()) out += " (" + Text(doc, "type") + ")";
  WipeJson(doc);
  if (c.Has("impersonate")) out += ", then impersonating " + c.Get("impersonate");
  return out;
}

std::string DescribeGoogleService(const RegistryConfig& c, const std::string& description) {
  std::string out = description;
  if (c.sources.empty()) out += ", if there is one; else anonymous";
  if (c.Has("impersonate")) out += ", then impersonating " + c.Get("impersonate");
  return out;
}

bool PrepareGoogleIdentity(const RegistryConfig& c, MintRequest* r) {
  EnvLookup env = ProcessEnv;
  return PlanIdentity("google", SourceQuery{c, env}, r).has_value();
}

std::string GoogleIdentitySource(const RegistryConfig& c) {
  EnvLookup env = ProcessEnv;
  std::optional<std::string> source = DescribeIdentity("google", SourceQuery{c, env});
  if (!source) return "none (no credentials file; the metadata server is switched off by NO_GCE_CHECK)";
  return *source;
}

}  // namespace ssm
