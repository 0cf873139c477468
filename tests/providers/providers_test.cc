// Each static provider: what it returns for a configuration, and every
// validation rule of the seed tables refused with a message naming the
// provider and the variable.
#include <catch2/catch.hpp>
#include <set>

#include "common/base64.h"
#include "common/error.h"
#include "providers/provider_table.h"

namespace {

ssm::RegistryConfig Make(const std::string& provider, std::map<std::string, std::string> vars,
                         const std::string& name = "") {
  ssm::RegistryConfig c;
  c.provider = provider;
  c.name = name;
  const ssm::Provider* p = ssm::FindProvider(provider);
  REQUIRE(p != nullptr);
  for (auto& [k, v] : vars) {
    auto spec = p->FindVariable(k);
    REQUIRE(spec);
    if (spec->secret) {
      c.secrets[k] = ssm::SecretString(v);
    } else {
      c.values[k] = v;
    }
  }
  return c;
}

std::optional<ssm::Credential> CredentialsFor(const ssm::RegistryConfig& c, const std::string& server) {
  const ssm::Provider* p = ssm::FindProvider(c.provider);
  p->Validate(c);
  ssm::ServerKey key = ssm::NormalizeServer(server);
  REQUIRE(p->Serves(key, c));
  ssm::ProviderContext ctx;
  return p->Credentials(c, key, ctx);
}

std::string Refusal(const ssm::RegistryConfig& c) {
  try {
    ssm::FindProvider(c.provider)->Validate(c);
  } catch (const ssm::Error& e) {
    CHECK(e.kind() == ssm::Error::Kind::kBadInput);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("hub: login + password, login + token, auth, or anonymous", "[providers]") {
  auto a = CredentialsFor(Make("hub", {{"login", "alice"}, {"password", "dckr_pat_1"}}), "docker.io");
  REQUIRE(a);
  CHECK(a->username == "alice");
  CHECK(a->secret.str() == "dckr_pat_1");
  auto b = CredentialsFor(Make("hub", {{"login", "alice"}, {"token", "dckr_pat_2"}}), "https://index.docker.io/v1/");
  CHECK(b->secret.str() == "dckr_pat_2");
  // The seed's own example.
  auto c = CredentialsFor(Make("hub", {{"auth", "am9obmRvZToyYzFiZDg3Mi1lZmI2LTRmM2EtODFhYS03MjQ1MThhMGE1OTI="}}),
                          "registry-1.docker.io");
  CHECK(c->username == "johndoe");
  CHECK(c->secret.str() == "2c1bd872-efb6-4f3a-81aa-724518a0a592");
  // Split at the first colon; trailing NULs dropped.
  auto d = CredentialsFor(Make("hub", {{"auth", ssm::Base64Encode(std::string("bob:pa:ss\0\0", 11))}}), "docker.io");
  CHECK(d->username == "bob");
  CHECK(d->secret.str() == "pa:ss");
  CHECK_FALSE(CredentialsFor(Make("hub", {}), "docker.io"));
}

TEST_CASE("hub validation", "[providers]") {
  CHECK(Refusal(Make("hub", {{"login", "a"}})) == "hub: login needs password (or token)");
  CHECK(Refusal(Make("hub", {{"password", "p"}})) == "hub: password needs login");
  CHECK(Refusal(Make("hub", {{"token", "p"}})) == "hub: token needs login");
  CHECK(Refusal(Make("hub", {{"login", "a"}, {"password", "p"}, {"token", "t"}})).find("token is the deprecated") !=
        std::string::npos);
  CHECK(Refusal(Make("hub", {{"auth", ssm::Base64Encode("a:b")}, {"login", "a"}})).find("auth excludes login") !=
        std::string::npos);
  CHECK(Refusal(Make("hub", {{"auth", ssm::Base64Encode("a:b")}, {"token", "t"}})).find("auth excludes token") !=
        std::string::npos);
  CHECK(Refusal(Make("hub", {{"auth", "not base64!"}})) == "hub: auth is not valid base64 (expected base64 of user:password)");
  CHECK(Refusal(Make("hub", {{"auth", ssm::Base64Encode("nocolon")}})).find("user:password") != std::string::npos);
  CHECK(Refusal(Make("hub", {{"auth", ssm::Base64Encode(":nouser")}})).find("user:password") != std::string::npos);
  CHECK(Refusal(Make("hub", {})).empty());
}

TEST_CASE("ghcr is optional, lscr requires both", "[providers]") {
  auto g = CredentialsFor(Make("ghcr", {{"username", "octocat"}, {"token", "ghp_x"}}), "ghcr.io");
  CHECK(g->username == "octocat");
  CHECK(g->secret.str() == "ghp_x");
  CHECK_FALSE(CredentialsFor(Make("ghcr", {}), "ghcr.io"));
  CHECK(Refusal(Make("ghcr", {{"username", "octocat"}})) == "ghcr: username needs token (set both or neither)");
  CHECK(Refusal(Make("ghcr", {{"token", "t"}})) == "ghcr: token needs username (set both or neither)");
  CHECK(Refusal(Make("lscr", {})) == "lscr: the variable username is required");
  CHECK(Refusal(Make("lscr", {{"username", "u"}})) == "lscr: the variable token is required");
  auto l = CredentialsFor(Make("lscr", {{"username", "u"}, {"token", "t"}}), "lscr.io");
  CHECK(l->username == "u");
}

TEST_CASE("quay robot accounts are namespace+account", "[providers]") {
  auto q = CredentialsFor(Make("quay", {{"namespace", "myorg"}, {"account", "puller"}, {"token", "QT"}}), "quay.io");
  CHECK(q->username == "myorg+puller");
  CHECK(q->secret.str() == "QT");
  CHECK_FALSE(CredentialsFor(Make("quay", {}), "quay.io"));
  CHECK(Refusal(Make("quay", {{"namespace", "myorg"}, {"token", "QT"}})) ==
        "quay: account is missing: set all of namespace, account, token or none");
  CHECK(Refusal(Make("quay", {{"account", "a"}})) == "quay: namespace, token are missing: set all of namespace, account, token or none");
  CHECK(ssm::FindProvider("quay")->ListedUser(Make("quay", {{"namespace", "o"}, {"account", "a"}})) == "o+a");
}

TEST_CASE("gitlab: a PAT for the registry host, with defaults", "[providers]") {
  auto g = CredentialsFor(Make("gitlab", {{"token", "glpat-x"}}), "registry.gitlab.com");
  CHECK(g->username == "docker-credential-ssm");
  CHECK(g->secret.str() == "glpat-x");
  auto own = CredentialsFor(
      Make("gitlab", {{"url", "https://registry.example.com:5050"}, {"authurl", "https://gitlab.example.com"},
                      {"token", "glpat-y"}, {"login", "me"}}, "work"),
      "registry.example.com:5050");
  CHECK(own->username == "me");
  CHECK(Refusal(Make("gitlab", {})) == "gitlab: the variable token is required");
  CHECK(Refusal(Make("gitlab", {{"token", "t"}, {"url", "registry.example.com"}})) ==
        "gitlab: url must be a URL with a scheme, like https://registry.example.com");
  CHECK(Refusal(Make("gitlab", {{"token", "t"}, {"authurl", "ftp://gitlab.example.com"}})).find("authurl is not a valid URL") !=
        std::string::npos);
}

TEST_CASE("gitea and forgejo: url + login + password, or auth", "[providers]") {
  for (const char* name : {"gitea", "forgejo"}) {
    INFO(name);
    std::string n = name;
    auto a = CredentialsFor(Make(n, {{"url", "https://git.example.com"}, {"login", "u"}, {"password", "p"}}),
                            "git.example.com");
    CHECK(a->username == "u");
    auto b = CredentialsFor(Make(n, {{"url", "https://git.example.com"}, {"auth", ssm::Base64Encode("v:w")}}),
                            "git.example.com");
    CHECK(b->username == "v");
    CHECK(b->secret.str() == "w");
    CHECK(Refusal(Make(n, {{"login", "u"}, {"password", "p"}})) == n + ": the variable url is required");
    CHECK(Refusal(Make(n, {{"url", "https://git.example.com"}})) == n + ": the variable login is required");
    CHECK(Refusal(Make(n, {{"url", "https://git.example.com"}, {"login", "u"}})) == n + ": the variable password is required");
    CHECK(Refusal(Make(n, {{"url", "https://git.example.com"}, {"login", "u"}, {"password", "p"},
                           {"auth", ssm::Base64Encode("v:w")}}))
              .find("auth excludes login") != std::string::npos);
    CHECK(Refusal(Make(n, {{"url", "not a url"}, {"login", "u"}, {"password", "p"}})).find("url must be a URL") !=
          std::string::npos);
  }
}

TEST_CASE("custom: url required; login + password, token, auth, or anonymous", "[providers]") {
  std::string url = "https://registry.lab:5000";
  CHECK(CredentialsFor(Make("custom", {{"url", url}, {"login", "u"}, {"password", "p"}}, "lab"), "registry.lab:5000")
            ->secret.str() == "p");
  CHECK(CredentialsFor(Make("custom", {{"url", url}, {"login", "u"}, {"token", "t"}}), "registry.lab:5000")->secret.str() ==
        "t");
  CHECK(CredentialsFor(Make("custom", {{"url", url}, {"auth", ssm::Base64Encode("x:y")}}), "registry.lab:5000")
            ->username == "x");
  CHECK_FALSE(CredentialsFor(Make("custom", {{"url", url}}), "registry.lab:5000"));
  CHECK(Refusal(Make("custom", {{"login", "u"}, {"password", "p"}}, "lab")) == "custom/lab: the variable url is required");
  CHECK(Refusal(Make("custom", {{"url", url}, {"login", "u"}})) == "custom: login needs password (or token)");
  CHECK(Refusal(Make("custom", {{"url", url}, {"password", "p"}})) == "custom: password needs login");
  CHECK(Refusal(Make("custom", {{"url", url}, {"login", "u"}, {"password", "p"}, {"auth", ssm::Base64Encode("x:y")}}))
            .find("auth excludes login") != std::string::npos);
  CHECK(Refusal(Make("custom", {{"url", url}, {"auth", "%%%"}})).find("auth is not valid base64") != std::string::npos);
  CHECK(Refusal(Make("custom", {{"url", "https://user:pw@registry.lab"}})).find("user information") != std::string::npos);
  CHECK(Refusal(Make("custom", {{"url", "https://"}})).find("url is not a valid URL") != std::string::npos);
}

TEST_CASE("acr: a service principal, every ACR host or the one in url", "[providers]") {
  auto a = CredentialsFor(Make("acr", {{"clientid", "00000000-1111"}, {"clientsecret", "s"}}), "contoso.azurecr.io");
  CHECK(a->username == "00000000-1111");
  CHECK(a->secret.str() == "s");
  CHECK(Refusal(Make("acr", {{"clientsecret", "s"}})) == "acr: the variable clientid is required");
  // clientid alone: a user-assigned managed identity (providers/azure/azure_identity.h).
  CHECK(Refusal(Make("acr", {{"clientid", "c"}})).empty());
  CHECK(Refusal(Make("acr", {{"clientid", "c"}, {"clientsecret", "s"}, {"url", "https://evil.example.com"}}))
            .find("must be an Azure Container Registry") != std::string::npos);
}

TEST_CASE("messages never contain secret values", "[providers]") {
  for (const auto& c : {Make("hub", {{"password", "SEKRET-1"}}), Make("custom", {{"url", "https://r"}, {"password", "SEKRET-1"}}),
                        Make("hub", {{"auth", "SEKRET-1!"}})}) {
    CHECK(Refusal(c).find("SEKRET") == std::string::npos);
  }
}

TEST_CASE("the table lists the documented providers with their variables", "[providers]") {
  std::string names;
  for (const ssm::Provider* p : ssm::ProviderTable()) names += std::string(p->Name()) + " ";
  CHECK(names == "hub ghcr lscr quay gcr ecr ecrpublic acr gitlab gitea forgejo custom ");
  for (const ssm::Provider* p : ssm::ProviderTable()) {
    INFO(p->Name());
    CHECK(p->FindVariable("cacert"));
    for (const char* secret : {"password", "token", "auth", "clientsecret", "secretaccesskey", "sessiontoken", "privatekey", "keyjson"}) {
      auto v = p->FindVariable(secret);
      if (v) CHECK(v->secret);
    }
  }
  std::set<std::string> anonymous;
  for (const ssm::Provider* p : ssm::ProviderTable()) {
    if (p->AnonymousByDefault()) anonymous.insert(p->Name());
  }
  // PROVIDERS.md: hub, ghcr, gcr, ecr public and quay are anonymous by default.
  CHECK(anonymous == std::set<std::string>{"hub", "ghcr", "quay", "gcr", "ecrpublic"});
}
