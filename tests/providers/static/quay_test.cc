// Quay robot accounts (providers/static/quay.cc): what it returns for a configuration, and every
// validation rule refused with a message naming the provider and the variable.
#include <catch2/catch.hpp>

#include "providers/provider_fixture.h"

using ssm_test::CredentialsFor;
using ssm_test::Make;
using ssm_test::Refusal;

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
