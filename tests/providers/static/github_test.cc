// GHCR and LSCR (providers/static/github.cc): what it returns for a configuration, and every
// validation rule refused with a message naming the provider and the variable.
#include <catch2/catch.hpp>

#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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
