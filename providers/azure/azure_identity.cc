#include "providers/azure/azure_identity.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fingerprint.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "common/text.h"
#include "providers/source_table.h"

namespace ssm {
namespace {

struct Cloud {
  const char* authority;
  const char* resource;
};

// The national clouds' Azure AD and the audience their registries' exchange
// takes (Resource Manager's: ACR's own audience is the public cloud's).
Cloud CloudOf(const std::string& registry) {
  auto ends = [&](const char* suffix) {
    std::string s(suffix);
    return registry.size() > s.size() && registry.compare(registry.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".azurecr.cn")) return {"https://login.chinacloudapi.cn/", "https://management.chinacloudapi.cn/"};
  if (ends(".azurecr.us")) return {"https://login.microsoftonline.us/", "https://management.usgovcloudapi.net/"};
  if (ends(".azurecr.de")) return {"https://login.microsoftonline.de/", "https://management.microsoftazure.de/"};
  return {kAzureDefaultAuthority, kAcrAadResource};
}

std::string ScopeOf(std::string resource) {
  while (!resource.empty() && resource.back() == '/') resource.pop_back();
  return resource + "/.default";
}

}  // namespace

AzurePlanner::AzurePlanner(const RegistryConfig& c, const EnvLookup& env, const std::string& registry)
    : c_(c), env_(env) {
  Cloud cloud = CloudOf(registry);
  authority_ = cloud.authority;
  resource_ = cloud.resource;
}

std::optional<nlohmann::json> AzurePlanner::Environment() const {
  std::string pinned = c_.Get("identity");
  if (pinned == "serviceprincipal") return ServicePrincipal(true);
  if (pinned == "workload") return Workload(true);
  if (pinned == "managed") return Managed(true);
  if (auto sp = ServicePrincipal(false)) return sp;
  if (auto wi = Workload(false)) return wi;
  return Managed(false);
}

std::string AzurePlanner::Env(const char* name) const {
  std::optional<std::string> v = env_(name);
  return v ? *v : std::string();
}
std::string AzurePlanner::ClientId() const {
  return c_.Has("clientid") ? c_.Get("clientid") : Env("AZURE_CLIENT_ID");
}
std::string AzurePlanner::TenantId() const {
  return c_.Has("tenantid") ? c_.Get("tenantid") : Env("AZURE_TENANT_ID");
}

// <authority>/, https only: the service principal's and workload's Azure AD.
std::string AzurePlanner::Authority() const {
  std::string url = c_.Has("authorityurl") ? c_.Get("authorityurl") : Env("AZURE_AUTHORITY_HOST");
  if (url.empty()) url = authority_;
  if (url.rfind("https://", 0) != 0) {
    throw Error::BadInput(c_.Id() + ": the Azure AD authority (" +
                          std::string(c_.Has("authorityurl") ? "authorityurl" : "AZURE_AUTHORITY_HOST") +
                          ") must be an https:// URL");
  }
  while (url.size() > 8 && url.back() == '/') url.pop_back();
  return url + "/";
}

void AzurePlanner::Refuse(const std::string& why) const { throw Error::BadInput(c_.Id() + ": " + why); }

// Tenant and client, from the registry or the environment; a pinned source
// without them is refused, an unpinned one skipped (as the SDKs do).
bool AzurePlanner::TenantAndClient(bool pinned, const char* source) const {
  if (!TenantId().empty() && !ClientId().empty()) return true;
  if (pinned) {
    Refuse(std::string("identity ") + source + " needs " + (TenantId().empty() ? "tenantid or AZURE_TENANT_ID" : "clientid or AZURE_CLIENT_ID"));
  }
  SSM_DEBUG(c_.Id() + ": azure: " + source + " variables without AZURE_TENANT_ID and AZURE_CLIENT_ID; skipped");
  return false;
}

nlohmann::json AzurePlanner::Base(const char* source, bool pinned) const {
  // strict: a configured registry wants to hear why its identity failed;
  // an unconfigured host falls back to anonymous when nothing answers.
  return {{"source", source}, {"pinned", pinned}, {"strict", pinned || !c_.sources.empty()},
          {"scope", ScopeOf(resource_)}, {"resource", resource_}};
}

std::optional<nlohmann::json> AzurePlanner::ServicePrincipal(bool pinned) const {
  std::string secret = Env("AZURE_CLIENT_SECRET");
  std::string certificate = Env("AZURE_CLIENT_CERTIFICATE_PATH");
  if (secret.empty() && certificate.empty()) {
    if (pinned) Refuse("identity serviceprincipal needs clientsecret, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
    return std::nullopt;
  }
  if (!TenantAndClient(pinned, "serviceprincipal")) return std::nullopt;
  nlohmann::json plan = Base(secret.empty() ? "certificate" : "secret", pinned);
  plan["tenant"] = TenantId();
  plan["client_id"] = ClientId();
  plan["authority"] = Authority();
  std::string who = "service principal " + ClientId() + " of tenant " + TenantId();
  if (!secret.empty()) {
    plan["client_secret"] = secret;
    Cleanse(secret);
    plan["description"] = who + " (AZURE_CLIENT_SECRET)";
  } else {
    plan["certificate_path"] = certificate;
    plan["description"] = who + " (certificate " + certificate + ")";
  }
  return plan;
}

std::optional<nlohmann::json> AzurePlanner::Workload(bool pinned) const {
  std::string file = Env("AZURE_FEDERATED_TOKEN_FILE");
  if (file.empty()) {
    if (pinned) Refuse("identity workload needs AZURE_FEDERATED_TOKEN_FILE (set by AKS workload identity)");
    return std::nullopt;
  }
  if (!TenantAndClient(pinned, "workload")) return std::nullopt;
  nlohmann::json plan = Base("workload", pinned);
  plan["tenant"] = TenantId();
  plan["client_id"] = ClientId();
  plan["authority"] = Authority();
  plan["token_file"] = file;
  plan["description"] = "workload identity: client " + ClientId() + " of tenant " + TenantId() + ", token file " + file;
  return plan;
}

std::optional<nlohmann::json> AzurePlanner::Managed(bool pinned) const {
  std::string client = ClientId();
  std::string resource_id = c_.Get("resourceid");
  std::string user = !resource_id.empty() ? ", user-assigned " + resource_id
                     : !client.empty()    ? ", user-assigned client " + client
                                          : "";
  std::string endpoint = Env("IDENTITY_ENDPOINT");
  nlohmann::json plan;
  if (!endpoint.empty() && !Env("IDENTITY_HEADER").empty()) {
    plan = Base("appservice", pinned);
    plan["header"] = Env("IDENTITY_HEADER");
    plan["description"] = "managed identity (App Service, IDENTITY_ENDPOINT " + RedactUrl(endpoint) + user + ")";
  } else if (!endpoint.empty() && !Env("IMDS_ENDPOINT").empty()) {
    if (!user.empty()) Refuse("Azure Arc has only the machine's own managed identity (no clientid or resourceid)");
    plan = Base("arc", pinned);
    plan["description"] = "managed identity (Azure Arc, IDENTITY_ENDPOINT " + RedactUrl(endpoint) + ")";
  } else {
    std::string imds = AsciiLower(Env("SSM_AZURE_IMDS"));
    if (!imds.empty() && imds != "on" && imds != "off") Refuse("SSM_AZURE_IMDS must be on or off");
    if (imds == "off" && !pinned) {
      SSM_DEBUG(c_.Id() + ": azure: no Azure variables, and the instance metadata service is switched off (SSM_AZURE_IMDS=off)");
      return std::nullopt;
    }
    endpoint = kAzureImdsTokenUrl;
    plan = Base("imds", pinned);
    plan["description"] = "managed identity (instance metadata service 169.254.169.254" + user + ")";
  }
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    Refuse("IDENTITY_ENDPOINT must be an http:// or https:// URL");
  }
  plan["endpoint"] = endpoint;
  if (!resource_id.empty()) {
    plan["resource_id"] = resource_id;
  } else if (!client.empty()) {
    plan["client_id"] = client;
  }
  // Known only from the token itself (its tid claim), unless configured.
  plan["tenant"] = TenantId();
  return plan;
}

std::string SetAzureChain(nlohmann::json& plan, MintRequest* r) {
  std::string description = plan["description"].get<std::string>();
  std::string dump = plan.dump();
  // One Azure AD token per identity, whichever registry asks.
  r->identity_key = "azure|" + Fingerprint(dump);
  r->azure_chain = SecretString(std::move(dump));
  r->tenant = plan.value("tenant", "");
  r->client_id = plan.value("client_id", "");
  r->scope = plan["scope"].get<std::string>();
  r->endpoint = plan.value("authority", plan.value("endpoint", ""));
  WipeJson(plan);
  return description;
}

std::optional<std::string> PlanAzureIdentity(const RegistryConfig& c, const EnvLookup& env, MintRequest* r) {
  SourceQuery query{c, env};
  return PlanIdentity("azure", query, r);
}

std::optional<std::string> PrepareAzureIdentity(const RegistryConfig& c, MintRequest* r) {
  return PlanAzureIdentity(c, ProcessEnv, r);
}

std::string AzureIdentitySource(const RegistryConfig& c) {
  EnvLookup env = ProcessEnv;
  std::optional<std::string> source = DescribeIdentity("azure", SourceQuery{c, env});
  if (!source) return "none (no Azure variables; the instance metadata service is switched off by SSM_AZURE_IMDS=off)";
  return *source;
}

}  // namespace ssm
