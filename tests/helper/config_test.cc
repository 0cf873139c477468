#include "helper/config.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "common/error.h"
#include "support/temp_dir.h"

TEST_CASE("a missing config file means defaults; a broken one is an error naming it", "[config]") {
  ssm::test::TempDir tmp;
  std::string path = tmp.path() + "/config.json";
  ssm::Config missing = ssm::LoadConfigFrom(path);
  CHECK_FALSE(missing.exists);
  CHECK(missing.document.is_object());

  ssm::test::WriteAll(path, R"({"store":"file"})");
  ssm::Config good = ssm::LoadConfigFrom(path);
  CHECK(good.exists);
  CHECK(good.store == "file");

  // Found by tests/fuzz/fuzz_config: a number beyond a double throws
  // nlohmann's out_of_range, not parse_error, and escaped as an internal error.
  for (const char* text : {"{\"store\":", "[1,2]", "{\"store\":1}", "{\"store\":\"file\",\"n\":1e999}"}) {
    INFO(text);
    ssm::test::WriteAll(path, text);
    try {
      ssm::LoadConfigFrom(path);
      FAIL("accepted");
    } catch (const ssm::Error& e) {
      CHECK(std::string(e.what()).rfind("the config file " + path, 0) == 0);
      CHECK(e.kind() == ssm::Error::Kind::kBadInput);
    }
  }
}

TEST_CASE("a config file others can change is refused: it decides where secrets go", "[config]") {
  ssm::test::TempDir tmp;
  std::string path = tmp.path() + "/config.json";
  ssm::test::WriteAll(path, R"({"registries":{"acr":{"clientid":"c","authorityurl":"https://evil.example"}}})");
  REQUIRE(chmod(path.c_str(), 0666) == 0);
  try {
    ssm::LoadConfigFrom(path);
    FAIL("accepted");
  } catch (const ssm::Error& e) {
    CHECK(std::string(e.what()) == "refusing to use " + path + ": its mode 0666 lets other users change it (run: chmod go-w " + path + ")");
  }
  REQUIRE(chmod(path.c_str(), 0644) == 0);
  CHECK(ssm::LoadConfigFrom(path).exists);
}
