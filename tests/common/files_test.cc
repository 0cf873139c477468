#include "common/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/log.h"
#include "support/temp_dir.h"

using ssm::test::FileMode;
using ssm::test::ReadAll;
using ssm::test::TempDir;

TEST_CASE("WriteFileAtomic writes 0600 and replaces", "[files]") {
  TempDir tmp;
  std::string path = tmp.path() + "/f";
  ssm::WriteFileAtomic(path, "one");
  CHECK(ReadAll(path) == "one");
  CHECK(FileMode(path) == 0600);
  ssm::WriteFileAtomic(path, "two");
  CHECK(ReadAll(path) == "two");
}

TEST_CASE("WriteFileAtomic into a missing folder fails cleanly", "[files]") {
  TempDir tmp;
  CHECK_THROWS_AS(ssm::WriteFileAtomic(tmp.path() + "/no/such/f", "x"), ssm::Error);
}

TEST_CASE("EnsurePrivateDir creates 0700 folders and parents", "[files]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/a/b/app";
  ssm::EnsurePrivateDir(dir);
  CHECK(FileMode(dir) == 0700);
  ssm::EnsurePrivateDir(dir);  // idempotent
}

TEST_CASE("ReadPrivateFile refuses links, big files and shared files", "[files]") {
  TempDir tmp;
  std::string path = tmp.path() + "/secret";
  ssm::WriteFileAtomic(path, "abc");
  CHECK(ssm::ReadPrivateFile(path, 10)->str() == "abc");
  CHECK_FALSE(ssm::ReadPrivateFile(tmp.path() + "/absent", 10));
  CHECK_THROWS_AS(ssm::ReadPrivateFile(path, 2), ssm::Error);
  std::string link = tmp.path() + "/link";
  REQUIRE(symlink(path.c_str(), link.c_str()) == 0);
  CHECK_THROWS_AS(ssm::ReadPrivateFile(link, 10), ssm::Error);
  REQUIRE(chmod(path.c_str(), 0604) == 0);
  CHECK_THROWS_AS(ssm::ReadPrivateFile(path, 10), ssm::Error);
}

TEST_CASE("RedactUrl drops user info and query", "[files]") {
  CHECK(ssm::RedactUrl("https://user:pw@host/x?token=abc") == "https://<redacted>@host/x?<redacted>");
  CHECK(ssm::RedactUrl("https://host/x") == "https://host/x");
}
