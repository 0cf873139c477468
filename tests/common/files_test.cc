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

TEST_CASE("ReadTrustedFile refuses a file or folder others can change; root's are fine", "[files]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/conf";
  ssm::EnsurePrivateDir(dir);
  std::string path = dir + "/config.json";
  ssm::WriteFileAtomic(path, "{}");
  REQUIRE(chmod(path.c_str(), 0644) == 0);  // readable by others is fine: it holds no secret
  CHECK(*ssm::ReadTrustedFile(path, 100) == "{}");
  CHECK_FALSE(ssm::ReadTrustedFile(dir + "/absent", 100));
  auto refusal = [&](const std::string& file) -> std::string {
    try {
      ssm::ReadTrustedFile(file, 100);
    } catch (const ssm::Error& e) {
      CHECK(e.kind() == ssm::Error::Kind::kDenied);
      return e.what();
    }
    return "accepted";
  };
  REQUIRE(chmod(path.c_str(), 0666) == 0);
  CHECK(refusal(path) == "refusing to use " + path + ": its mode 0666 lets other users change it (run: chmod go-w " + path + ")");
  REQUIRE(chmod(path.c_str(), 0620) == 0);
  CHECK(refusal(path).find("chmod go-w " + path) != std::string::npos);
  REQUIRE(chmod(path.c_str(), 0600) == 0);
  REQUIRE(chmod(dir.c_str(), 0777) == 0);
  CHECK(refusal(path) == "refusing to use " + dir + ": its mode 0777 lets other users change what is in it (run: chmod go-w " + dir + ")");
  REQUIRE(chmod(dir.c_str(), 0700) == 0);
  if (geteuid() == 0) {
    // root owns what it reads here, so another owner is tested with chown.
    REQUIRE(chown(path.c_str(), 65534, 65534) == 0);
    CHECK(refusal(path).find("it belongs to another user (uid 65534)") != std::string::npos);
    REQUIRE(chown(path.c_str(), 0, 0) == 0);
    REQUIRE(chown(dir.c_str(), 65534, 65534) == 0);
    CHECK(refusal(path).find(dir + ": it belongs to another user (uid 65534)") != std::string::npos);
    REQUIRE(chown(dir.c_str(), 0, 0) == 0);
  } else {
    REQUIRE(chown(path.c_str(), 0, static_cast<gid_t>(-1)) != 0);  // cannot hand it away: skip
  }
  CHECK(*ssm::ReadTrustedFile(path, 100) == "{}");
}
