// Docker Hub (providers/static/hub.cc): what it returns for a configuration, and every
// validation rule refused with a message naming the provider and the variable.
#include <catch2/catch.hpp>

#include "common/base64.h"
#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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
