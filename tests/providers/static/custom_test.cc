// custom registries (providers/static/custom.cc): what it returns for a configuration, and every
// validation rule refused with a message naming the provider and the variable.
#include <catch2/catch.hpp>

#include "common/base64.h"
#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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
