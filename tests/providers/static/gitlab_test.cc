// GitLab (providers/static/gitlab.cc): what it returns for a configuration, and every
// validation rule refused with a message naming the provider and the variable.
#include <catch2/catch.hpp>

#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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

TEST_CASE("gitlab: serves its url's host[:port], gitlab.com's registry by default", "[providers]") {
  const ssm::Provider* p = ssm::FindProvider("gitlab");
  CHECK(p->Hosts(Make("gitlab", {{"token", "t"}})) == std::vector<std::string>{"registry.gitlab.com"});
  auto own = Make("gitlab", {{"token", "t"}, {"url", "https://registry.example.com:5050"}});
  CHECK(p->Hosts(own) == std::vector<std::string>{"registry.example.com:5050"});
  CHECK(p->Serves(ssm::NormalizeServer("registry.example.com:5050"), own));
  CHECK_FALSE(p->Serves(ssm::NormalizeServer("registry.example.com"), own));
  CHECK_FALSE(p->Serves(ssm::NormalizeServer("registry.gitlab.com"), own));
  CHECK(p->ListedUser(Make("gitlab", {{"token", "t"}})) == "docker-credential-ssm");
}
