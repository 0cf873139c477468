// Where ACR's Azure identity comes from, planned without the network: the
// environment chain's order, what pins a source, user-assigned identities,
// and the one-line refusals of sources that are there but incomplete.
#include "providers/azure/azure_identity.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "providers/acr_provider.h"
#include "providers/provider_table.h"
#include "providers/token_provider.h"
#include "providers/token_cache.h"
#include "support/temp_dir.h"

namespace {

struct Env {
  std::map<std::string, std::string> vars;
  ssm::EnvLookup lookup = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
};

ssm::RegistryConfig Acr(std::map<std::string, std::string> values = {}, bool configured = false) {
  ssm::RegistryConfig c;
  c.provider = "acr";
  c.values = std::move(values);
  if (configured || !c.values.empty()) c.sources = {"config file"};
  return c;
}

nlohmann::json PlanOf(const ssm::RegistryConfig& c, Env& env, std::string* description = nullptr) {
  ssm::MintRequest r;
  std::optional<std::string> d = ssm::PlanAzureIdentity(c, env.lookup, &r);
  if (!d) return nullptr;
  if (description != nullptr) *description = *d;
  CHECK(r.identity_key.rfind("azure|", 0) == 0);
  CHECK(r.scope == "https://containerregistry.azure.net/.default");
  return nlohmann::json::parse(r.azure_chain.str());
}

std::string Refusal(const ssm::RegistryConfig& c, Env& env) {
  ssm::MintRequest r;
  try {
    ssm::PlanAzureIdentity(c, env.lookup, &r);
  } catch (const ssm::Error& e) {
    CHECK(e.kind() == ssm::Error::Kind::kBadInput);
    return e.what();
  }
  FAIL("planned");
  return "";
}

}  // namespace

TEST_CASE("azure plan: DefaultAzureCredential's order: environment, workload, managed identity", "[azure]") {
  Env env;
  std::string description;
  // Nothing at all: the instance metadata service, unless switched off.
  nlohmann::json plan = PlanOf(Acr(), env, &description);
  CHECK(plan["source"] == "imds");
  CHECK(plan["endpoint"] == "http://169.254.169.254/metadata/identity/oauth2/token");
  CHECK(plan["resource"] == "https://containerregistry.azure.net");
  CHECK(plan["strict"] == false);
  CHECK(description == "managed identity (instance metadata service 169.254.169.254)");
  env.vars["SSM_AZURE_IMDS"] = "off";
  CHECK(PlanOf(Acr(), env).is_null());
  env.vars["SSM_AZURE_IMDS"] = "maybe";
  CHECK(Refusal(Acr(), env) == "acr: SSM_AZURE_IMDS must be on or off");
  env.vars.erase("SSM_AZURE_IMDS");

  env.vars["IDENTITY_ENDPOINT"] = "http://127.0.0.1:41741/msi/token";
  env.vars["IMDS_ENDPOINT"] = "http://localhost:40342";
  CHECK(PlanOf(Acr(), env)["source"] == "arc");
  env.vars["IDENTITY_HEADER"] = "hdr";
  plan = PlanOf(Acr(), env, &description);
  CHECK(plan["source"] == "appservice");
  CHECK(plan["header"] == "hdr");
  CHECK(description == "managed identity (App Service, IDENTITY_ENDPOINT http://127.0.0.1:41741/msi/token)");

  env.vars["AZURE_TENANT_ID"] = "tenant-1";
  env.vars["AZURE_CLIENT_ID"] = "client-1";
  // Client ID alone (DefaultAzureCredential): a user-assigned managed identity.
  CHECK(PlanOf(Acr(), env)["client_id"] == "client-1");
  env.vars["AZURE_FEDERATED_TOKEN_FILE"] = "/var/run/secrets/azure/tokens/azure-identity-token";
  plan = PlanOf(Acr(), env, &description);
  CHECK(plan["source"] == "workload");
  CHECK(plan["authority"] == "https://login.microsoftonline.com/");
  CHECK(plan["token_file"] == "/var/run/secrets/azure/tokens/azure-identity-token");
  CHECK(description == "workload identity: client client-1 of tenant tenant-1, token file "
                       "/var/run/secrets/azure/tokens/azure-identity-token");
  env.vars["AZURE_AUTHORITY_HOST"] = "https://login.microsoftonline.us";
  CHECK(PlanOf(Acr(), env)["authority"] == "https://login.microsoftonline.us/");
  env.vars["AZURE_AUTHORITY_HOST"] = "http://login.example";
  CHECK(Refusal(Acr(), env) == "acr: the Azure AD authority (AZURE_AUTHORITY_HOST) must be an https:// URL");
  env.vars.erase("AZURE_AUTHORITY_HOST");

  env.vars["AZURE_CLIENT_CERTIFICATE_PATH"] = "/etc/sp.pem";
  plan = PlanOf(Acr(), env, &description);
  CHECK(plan["source"] == "certificate");
  CHECK(description == "service principal client-1 of tenant tenant-1 (certificate /etc/sp.pem)");
  env.vars["AZURE_CLIENT_SECRET"] = "sp-secret";
  plan = PlanOf(Acr(), env, &description);
  CHECK(plan["source"] == "secret");
  CHECK(plan["client_secret"] == "sp-secret");
  CHECK(description == "service principal client-1 of tenant tenant-1 (AZURE_CLIENT_SECRET)");

  // Without the tenant, the environment's principal and workload identity are
  // skipped (as the SDKs do): managed identity is next.
  env.vars.erase("AZURE_TENANT_ID");
  CHECK(PlanOf(Acr(), env)["source"] == "appservice");
}

TEST_CASE("azure plan: identity pins one source; clientid, tenantid, resourceid from the registry", "[azure]") {
  Env env;
  env.vars = {{"AZURE_TENANT_ID", "tenant-1"}, {"AZURE_CLIENT_ID", "client-1"}, {"AZURE_CLIENT_SECRET", "s"},
              {"AZURE_FEDERATED_TOKEN_FILE", "/token"}};
  nlohmann::json plan = PlanOf(Acr({{"identity", "managed"}}), env);
  CHECK(plan["source"] == "imds");
  CHECK(plan["pinned"] == true);
  CHECK(plan["strict"] == true);
  CHECK(plan["client_id"] == "client-1");
  plan = PlanOf(Acr({{"identity", "managed"}, {"clientid", "mi-2"}}), env);
  CHECK(plan["client_id"] == "mi-2");
  std::string description;
  plan = PlanOf(Acr({{"identity", "managed"}, {"resourceid", "/subscriptions/s/id"}}), env, &description);
  CHECK(plan["resource_id"] == "/subscriptions/s/id");
  CHECK(plan.count("client_id") == 0);
  CHECK(description == "managed identity (instance metadata service 169.254.169.254, user-assigned /subscriptions/s/id)");
  // Pinned managed identity probes the metadata service even when switched off.
  env.vars["SSM_AZURE_IMDS"] = "off";
  CHECK(PlanOf(Acr({{"identity", "managed"}}), env)["source"] == "imds");
  env.vars.erase("SSM_AZURE_IMDS");

  plan = PlanOf(Acr({{"identity", "workload"}, {"tenantid", "tenant-2"}, {"clientid", "client-2"}}), env);
  CHECK(plan["source"] == "workload");
  CHECK(plan["tenant"] == "tenant-2");
  CHECK(plan["client_id"] == "client-2");
  CHECK(PlanOf(Acr({{"identity", "serviceprincipal"}}), env)["source"] == "secret");

  // A pinned source that is not there: one line saying what it needs.
  env.vars.clear();
  CHECK(Refusal(Acr({{"identity", "workload"}}), env) ==
        "acr: identity workload needs AZURE_FEDERATED_TOKEN_FILE (set by AKS workload identity)");
  env.vars["AZURE_FEDERATED_TOKEN_FILE"] = "/token";
  CHECK(Refusal(Acr({{"identity", "workload"}}), env) == "acr: identity workload needs tenantid or AZURE_TENANT_ID");
  CHECK(Refusal(Acr({{"identity", "serviceprincipal"}}), env) ==
        "acr: identity serviceprincipal needs clientsecret, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
  env.vars = {{"IDENTITY_ENDPOINT", "http://localhost:40342/t"}, {"IMDS_ENDPOINT", "http://localhost:40342"}};
  CHECK(Refusal(Acr({{"identity", "managed"}, {"clientid", "c"}}), env) ==
        "acr: Azure Arc has only the machine's own managed identity (no clientid or resourceid)");
}

TEST_CASE("azure plan: national clouds take their own Azure AD and audience", "[azure]") {
  Env env;
  env.vars = {{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}, {"AZURE_FEDERATED_TOKEN_FILE", "/token"}};
  auto plan = [&](const char* registry) {
    ssm::MintRequest r;
    r.registry = registry;
    REQUIRE(ssm::PlanAzureIdentity(Acr(), env.lookup, &r));
    nlohmann::json p = nlohmann::json::parse(r.azure_chain.str());
    CHECK(r.scope == p["scope"]);
    return p["authority"].get<std::string>() + " " + p["scope"].get<std::string>();
  };
  CHECK(plan("myreg.azurecr.io") == "https://login.microsoftonline.com/ https://containerregistry.azure.net/.default");
  CHECK(plan("myreg.azurecr.cn") == "https://login.chinacloudapi.cn/ https://management.chinacloudapi.cn/.default");
  CHECK(plan("myreg.azurecr.us") == "https://login.microsoftonline.us/ https://management.usgovcloudapi.net/.default");
  CHECK(plan("myreg.azurecr.de") == "https://login.microsoftonline.de/ https://management.microsoftazure.de/.default");
  env.vars["AZURE_AUTHORITY_HOST"] = "https://login.example.test/";
  CHECK(plan("myreg.azurecr.cn") == "https://login.example.test/ https://management.chinacloudapi.cn/.default");
  env.vars = {};
  ssm::MintRequest r;
  r.registry = "myreg.azurecr.us";
  REQUIRE(ssm::PlanAzureIdentity(Acr(), env.lookup, &r));
  CHECK(nlohmann::json::parse(r.azure_chain.str())["resource"] == "https://management.usgovcloudapi.net/");
}

TEST_CASE("azure plan: the same identity shares one cache key; secrets never in the description", "[azure]") {
  Env env;
  env.vars = {{"AZURE_TENANT_ID", "t"}, {"AZURE_CLIENT_ID", "c"}, {"AZURE_CLIENT_SECRET", "sp-secret-value"}};
  ssm::MintRequest a, b;
  std::optional<std::string> d = ssm::PlanAzureIdentity(Acr(), env.lookup, &a);
  ssm::PlanAzureIdentity(Acr(), env.lookup, &b);
  CHECK(a.identity_key == b.identity_key);
  REQUIRE(d);
  CHECK(d->find("sp-secret-value") == std::string::npos);
  env.vars["AZURE_CLIENT_SECRET"] = "another";
  ssm::PlanAzureIdentity(Acr(), env.lookup, &b);
  CHECK(a.identity_key != b.identity_key);
}

TEST_CASE("acr provider: no secret needed; identity, resourceid rules; unconfigured hosts served", "[azure]") {
  const ssm::Provider* acr = ssm::FindProvider("acr");
  REQUIRE(acr != nullptr);
  CHECK(acr->ServesUnconfigured(ssm::NormalizeServer("myreg.azurecr.io")));
  CHECK(acr->ServesUnconfigured(ssm::NormalizeServer("myreg.azurecr.cn")));
  CHECK_FALSE(acr->ServesUnconfigured(ssm::NormalizeServer("evilazurecr.io")));
  auto refusal = [&](std::map<std::string, std::string> values) -> std::string {
    try {
      acr->Validate(Acr(std::move(values)));
    } catch (const ssm::Error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(refusal({}).empty());
  CHECK(refusal({{"identity", "managed"}, {"clientid", "c"}}).empty());
  CHECK(refusal({{"identity", "managed"}, {"resourceid", "/subscriptions/s/id"}}).empty());
  CHECK(refusal({{"identity", "workload"}, {"authorityurl", "https://login.microsoftonline.us"}}).empty());
  CHECK(refusal({{"identity", "msi"}}) == "acr: identity must be managed, workload or serviceprincipal");
  CHECK(refusal({{"resourceid", "/subscriptions/s/id"}, {"clientid", "c"}}) ==
        "acr: set either clientid or resourceid, not both");
  CHECK(refusal({{"resourceid", "x"}}) == "acr: resourceid must be an Azure resource ID (/subscriptions/...)");
  CHECK(refusal({{"resourceid", "/subscriptions/s/id"}, {"identity", "workload"}}) ==
        "acr: resourceid names a managed identity; it needs identity managed");

  ssm::test::ScopedEnv off("SSM_AZURE_IMDS", "off");
  for (const char* v : {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                        "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT"}) {
    unsetenv(v);
  }
  CHECK(acr->IdentitySource(Acr()).rfind("none (", 0) == 0);
  CHECK(acr->ListedUser(Acr({{"identity", "managed"}})) == "00000000-0000-0000-0000-000000000000");
  CHECK(acr->IdentitySource(Acr({{"clientid", "c"}})).rfind("none (", 0) == 0);
  ssm::RegistryConfig with_secret = Acr({{"clientid", "c"}});
  with_secret.secrets["clientsecret"] = ssm::SecretString("s");
  CHECK(acr->IdentitySource(with_secret).empty());
  {
    // doctor's view: a federated token file that cannot be read is a problem now.
    ssm::test::TempDir tmp;
    ssm::test::ScopedEnv t("AZURE_TENANT_ID", "t"), i("AZURE_CLIENT_ID", "c");
    ssm::test::ScopedEnv f("AZURE_FEDERATED_TOKEN_FILE", (tmp.path() + "/missing").c_str());
    CHECK_THROWS_WITH(acr->IdentitySource(Acr()),
                      "acr: AZURE_FEDERATED_TOKEN_FILE names " + tmp.path() + "/missing, which cannot be read");
    ssm::test::WriteAll(tmp.path() + "/token", "a.b.c");
    ssm::test::ScopedEnv g("AZURE_FEDERATED_TOKEN_FILE", (tmp.path() + "/token").c_str());
    CHECK(acr->IdentitySource(Acr()).rfind("workload identity: client c of tenant t", 0) == 0);
  }

  // An unconfigured host with no Azure identity: anonymous, no mint; a
  // configured registry: one line.
  ssm::ProviderContext context;
  context.now = [] { return int64_t{1764590400}; };
  int minted = 0;
  context.mint = [&](const ssm::MintRequest&) {
    ++minted;
    return ssm::MintedToken{};
  };
  CHECK_FALSE(acr->Credentials(Acr(), ssm::NormalizeServer("myreg.azurecr.io"), context));
  try {
    acr->Credentials(Acr({{"identity", "workload"}}), ssm::NormalizeServer("myreg.azurecr.io"), context);
    FAIL("no refusal");
  } catch (const ssm::Error& e) {
    CHECK(std::string(e.what()) == "acr: identity workload needs AZURE_FEDERATED_TOKEN_FILE (set by AKS workload identity)");
  }
  CHECK(minted == 0);
}
