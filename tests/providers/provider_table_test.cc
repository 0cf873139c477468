// The provider table: the documented providers, their variables, and rules
// every provider keeps (messages never hold a secret); ACR's static half.
#include <catch2/catch.hpp>

#include <set>

#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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

TEST_CASE("doctor mints a token for ECR, ECR Public and GCR, for ACR only with tenantid", "[providers]") {
  std::set<std::string> minting;
  for (const ssm::Provider* p : ssm::ProviderTable()) {
    if (p->DoctorMintsToken(ssm::RegistryConfig{})) minting.insert(p->Name());
  }
  CHECK(minting == std::set<std::string>{"gcr", "ecr", "ecrpublic"});
  CHECK(ssm::FindProvider("acr")->DoctorMintsToken(Make("acr", {{"clientid", "c"}, {"clientsecret", "s"}, {"tenantid", "t"}})));
  CHECK_FALSE(ssm::FindProvider("acr")->DoctorMintsToken(Make("acr", {{"clientid", "c"}, {"clientsecret", "s"}})));
}

TEST_CASE("kubelet images: the providers that serve hosts unconfigured or by pattern name their globs", "[providers]") {
  std::set<std::string> with_images;
  for (const ssm::Provider* p : ssm::ProviderTable()) {
    INFO(p->Name());
    for (const std::string& glob : p->KubeletImages()) {
      with_images.insert(p->Name());
      // A kubelet glob: a host[:port], no scheme and no path.
      CHECK(glob.find("://") == std::string::npos);
      CHECK(glob.find('/') == std::string::npos);
      CHECK_FALSE(glob.empty());
    }
  }
  CHECK(with_images == std::set<std::string>{"ghcr", "gcr", "ecr", "ecrpublic", "acr"});
  // Each unconfigured host of a provider is among its globs' matches (the
  // kubelet's matching is tested in tests/helper/kubelet_test.cc).
  for (const char* host : {"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "eu.gcr.io", "myregistry.azurecr.io"}) {
    INFO(host);
    const ssm::Provider* serving = nullptr;
    for (const ssm::Provider* p : ssm::ProviderTable()) {
      if (p->ServesUnconfigured(ssm::NormalizeServer(host))) serving = p;
    }
    REQUIRE(serving != nullptr);
    CHECK_FALSE(serving->KubeletImages().empty());
  }
}
