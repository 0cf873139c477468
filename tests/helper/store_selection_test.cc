#include "helper/store_selection.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "common/error.h"

namespace {

ssm::Settings WithStore(std::optional<std::string> value) {
  return ssm::Settings([value](const std::string& name) -> std::optional<std::string> {
    return name == "SSM_STORE" ? value : std::nullopt;
  });
}

ssm::Config WithConfigStore(const std::string& store) {
  ssm::Config config;
  config.path = "/home/u/.config/docker-credential-ssm/config.json";
  config.store = store;
  return config;
}

}  // namespace

TEST_CASE("store choice: SSM_STORE, else the config file's store, else auto; and from where", "[store_selection]") {
  ssm::StoreDecision d = ssm::ChooseStore(WithStore(std::nullopt), WithConfigStore(""));
  CHECK(d.choice == ssm::StoreChoice::kAuto);
  CHECK(std::string(d.how) == "default");
  d = ssm::ChooseStore(WithStore(""), WithConfigStore("file"));
  CHECK(d.choice == ssm::StoreChoice::kFile);
  CHECK(std::string(d.how) == "config file");
  d = ssm::ChooseStore(WithStore("secret-service"), WithConfigStore("file"));
  CHECK(d.choice == ssm::StoreChoice::kSecretService);
  CHECK(std::string(d.how) == "SSM_STORE");
  d = ssm::ChooseStore(WithStore("auto"), WithConfigStore("bogus"));  // the file's value is not read
  CHECK(d.choice == ssm::StoreChoice::kAuto);
  CHECK(std::string(d.how) == "SSM_STORE");
  for (const char* v : {"secretservice", "secret-service"}) {
    CHECK(ssm::ChooseStore(WithStore(std::nullopt), WithConfigStore(v)).choice == ssm::StoreChoice::kSecretService);
  }
}

TEST_CASE("store choice: one line naming where a bad value came from", "[store_selection]") {
  for (const char* bad : {"none", "File", "keyring"}) {
    try {
      ssm::ChooseStore(WithStore(bad), WithConfigStore(""));
      FAIL("accepted");
    } catch (const ssm::Error& e) {
      CHECK(std::string(e.what()) == std::string("SSM_STORE must be auto, secretservice or file, not \"") + bad + "\"");
    }
    try {
      ssm::ChooseStore(WithStore(std::nullopt), WithConfigStore(bad));
      FAIL("accepted");
    } catch (const ssm::Error& e) {
      CHECK(std::string(e.what()) == std::string("\"store\" in /home/u/.config/docker-credential-ssm/config.json must be "
                                                 "auto, secretservice or file, not \"") + bad + "\"");
    }
  }
}
