#include "providers/azure/azure_identity.h"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fingerprint.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "common/text.h"
#include "providers/ci/web_identity_config.h"

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

class Planner {
 public:
  Planner(const RegistryConfig& c, const EnvLookup& env, const Cloud& cloud) : c_(c), env_(env), cloud_(cloud) {}

  std::optional<nlohmann::json> Plan() {
    if (c_.Has(kPodWebIdentityToken)) return Pod();
    if (c_.Has("webidentity")) return Job();
    std::string pinned = c_.Get("identity");
    if (pinned == "serviceprincipal") return ServicePrincipal(true);
    if (pinned == "workload") return Workload(true);
    if (pinned == "managed") return Managed(true);
    if (auto sp = ServicePrincipal(false)) return sp;
    if (auto wi = Workload(false)) return wi;
    return Managed(false);
  }

 private:
  std::string Env(const char* name) const {
    std::optional<std::string> v = env_(name);
    return v ? *v : std::string();
  }
  std::string ClientId() const { return c_.Has("clientid") ? c_.Get("clientid") : Env("AZURE_CLIENT_ID"); }
  std::string TenantId() const { return c_.Has("tenantid") ? c_.Get("tenantid") : Env("AZURE_TENANT_ID"); }

  // <authority>/, https only: the service principal's and workload's Azure AD.
  std::string Authority() const {
    std::string url = c_.Has("authorityurl") ? c_.Get("authorityurl") : Env("AZURE_AUTHORITY_HOST");
    if (url.empty()) url = cloud_.authority;
    if (url.rfind("https://", 0) != 0) {
      throw Error::BadInput(c_.Id() + ": the Azure AD authority (" +
                            std::string(c_.Has("authorityurl") ? "authorityurl" : "AZURE_AUTHORITY_HOST") +
                            ") must be an https:// URL");
    }
    while (url.size() > 8 && url.back() == '/') url.pop_back();
    return url + "/";
  }

  [[noreturn]] void Refuse(const std::string& why) const { throw Error::BadInput(c_.Id() + ": " + why); }

  // Tenant and client, from the registry or the environment; a pinned source
  // without them is refused, an unpinned one skipped (as the SDKs do).
  bool TenantAndClient(bool pinned, const char* source) const {
    if (!TenantId().empty() && !ClientId().empty()) return true;
    if (pinned) {
      Refuse(std::string("identity ") + source + " needs " + (TenantId().empty() ? "tenantid or AZURE_TENANT_ID" : "clientid or AZURE_CLIENT_ID"));
    }
    SSM_DEBUG(c_.Id() + ": azure: " + source + " variables without AZURE_TENANT_ID and AZURE_CLIENT_ID; skipped");
    return false;
  }

  nlohmann::json Base(const char* source, bool pinned) const {
    // strict: a configured registry wants to hear why its identity failed;
    // an unconfigured host falls back to anonymous when nothing answers.
    return {{"source", source}, {"pinned", pinned}, {"strict", pinned || !c_.sources.empty()},
            {"scope", ScopeOf(cloud_.resource)}, {"resource", cloud_.resource}};
  }

  std::optional<nlohmann::json> ServicePrincipal(bool pinned) const {
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

  std::optional<nlohmann::json> Workload(bool pinned) const {
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

  // A CI job's ID token (`webidentity`) as the federated client assertion
  // of the configured app (Validate requires clientid and tenantid); fetched
  // or read by the network module when the token is minted, never stored.
  nlohmann::json Job() const {
    WebIdentity source = WebIdentityFor(c_, kAzureWebIdentityAudience, env_);
    nlohmann::json plan = Base("workload", true);
    plan["tenant"] = TenantId();
    plan["client_id"] = ClientId();
    plan["authority"] = Authority();
    plan["web_identity"] = WebIdentityToJson(source);
    plan["description"] = "web identity (" + source.Describe() + ") for client " + ClientId() + " of tenant " + TenantId();
    return plan;
  }

  // A pod's own workload identity (kubelet mode): its service account token,
  // in the plan only (never a file), for the app its annotation names.
  std::optional<nlohmann::json> Pod() const {
    if (!c_.Has(kPodAzureClientId)) {
      SSM_DEBUG(c_.Id() + ": azure: the pod's service account has no " + c_.Get(kPodAzureClientIdAnnotation) +
                " annotation; no source");
      return std::nullopt;
    }
    std::string tenant = c_.Has(kPodAzureTenantId) ? c_.Get(kPodAzureTenantId) : TenantId();
    if (tenant.empty()) {
      Refuse("the pod's service account has no " + c_.Get(kPodAzureTenantIdAnnotation) +
             " annotation, and neither tenantid nor AZURE_TENANT_ID is set");
    }
    std::string client = c_.Get(kPodAzureClientId);
    nlohmann::json plan = Base("workload", false);
    plan["strict"] = true;
    plan["tenant"] = tenant;
    plan["client_id"] = client;
    plan["authority"] = Authority();
    plan["assertion"] = c_.Get(kPodWebIdentityToken);
    plan["description"] = "the pod's service account token for client " + client + " of tenant " + tenant;
    return plan;
  }

  std::optional<nlohmann::json> Managed(bool pinned) const {
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

  const RegistryConfig& c_;
  const EnvLookup& env_;
  Cloud cloud_;
};

}  // namespace

std::optional<std::string> PlanAzureIdentity(const RegistryConfig& c, const EnvLookup& env, MintRequest* r) {
  std::optional<nlohmann::json> plan = Planner(c, env, CloudOf(r->registry)).Plan();
  if (!plan) return std::nullopt;
  std::string description = (*plan)["description"].get<std::string>();
  SSM_DEBUG(c.Id() + ": azure: credentials from " + description);
  std::string dump = plan->dump();
  // One Azure AD token per identity, whichever registry asks.
  r->identity_key = "azure|" + Fingerprint(dump);
  r->azure_chain = SecretString(std::move(dump));
  r->tenant = plan->value("tenant", "");
  r->client_id = plan->value("client_id", "");
  r->scope = (*plan)["scope"].get<std::string>();
  r->endpoint = plan->value("authority", plan->value("endpoint", ""));
  WipeJson(*plan);
  return description;
}

std::optional<std::string> PrepareAzureIdentity(const RegistryConfig& c, MintRequest* r) {
  return PlanAzureIdentity(c, ProcessEnv, r);
}

std::string AzureIdentitySource(const RegistryConfig& c) {
  MintRequest r;
  std::optional<std::string> source = PrepareAzureIdentity(c, &r);
  if (!source) return "none (no Azure variables; the instance metadata service is switched off by SSM_AZURE_IMDS=off)";
  // A file the mint will need and cannot read: doctor says so now.
  nlohmann::json plan = nlohmann::json::parse(r.azure_chain.str());
  for (const auto& [key, variable] : {std::pair<const char*, const char*>{"token_file", "AZURE_FEDERATED_TOKEN_FILE"},
                                      {"certificate_path", "AZURE_CLIENT_CERTIFICATE_PATH"}}) {
    std::string path = plan.value(key, "");
    if (!path.empty() && access(path.c_str(), R_OK) != 0) {
      WipeJson(plan);
      throw Error::BadInput(c.Id() + ": " + variable + " names " + path + ", which cannot be read");
    }
  }
  WipeJson(plan);
  if (r.azure_chain.str().find("\"source\":\"imds\"") != std::string::npos && c.sources.empty()) {
    return *source + ", if there is one; else anonymous";
  }
  return *source;
}

}  // namespace ssm
