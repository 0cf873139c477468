// Gitea and Forgejo (providers/static/gitea.cc): what it returns for a configuration, and every
// validation rule refused with a message naming the provider and the variable.
#include <catch2/catch.hpp>

#include "common/base64.h"
#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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
