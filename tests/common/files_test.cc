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

TEST_CASE("readers refuse a FIFO at once instead of waiting for a writer", "[files]") {
  TempDir tmp;
  std::string fifo = tmp.path() + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(ssm::ReadPrivateFile(fifo, 10), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(ssm::ReadTextFile(fifo, 10), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(ssm::ReadValueFile(fifo, 10), Catch::Contains("not a regular file"));
}

TEST_CASE("ReadPrivateFile checks its folder as the write path does", "[files]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/store";
  ssm::EnsurePrivateDir(dir);
  ssm::WriteFileAtomic(dir + "/secret", "abc");
  CHECK(ssm::ReadPrivateFile(dir + "/secret", 10)->str() == "abc");
  REQUIRE(chmod(dir.c_str(), 0777) == 0);
  CHECK_THROWS_WITH(ssm::ReadPrivateFile(dir + "/secret", 10), Catch::Contains("lets other users write to it"));
  REQUIRE(chmod(dir.c_str(), 0700) == 0);
  CHECK_FALSE(ssm::ReadPrivateFile(tmp.path() + "/missing/secret", 10));
}

TEST_CASE("ReadValueFile follows Kubernetes-style links to a checked regular file", "[files]") {
  TempDir tmp;
  // What the kubelet mounts: token -> ..data/token, ..data -> ..2026_x
  std::string dir = tmp.path() + "/secret";
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(mkdir((dir + "/..2026_x").c_str(), 0755) == 0);
  ssm::WriteFileAtomic(dir + "/..2026_x/token", "k8s-value\n");
  REQUIRE(chmod((dir + "/..2026_x/token").c_str(), 0644) == 0);
  REQUIRE(symlink("..2026_x", (dir + "/..data").c_str()) == 0);
  REQUIRE(symlink("..data/token", (dir + "/token").c_str()) == 0);
  CHECK(ssm::ReadValueFile(dir + "/token", 100)->str() == "k8s-value\n");

  SECTION("a dangling link is a missing file") {
    REQUIRE(symlink("..data/absent", (dir + "/dangling").c_str()) == 0);
    CHECK_FALSE(ssm::ReadValueFile(dir + "/dangling", 100));
  }
  SECTION("a link to a FIFO or a folder is refused") {
    REQUIRE(mkfifo((dir + "/..2026_x/fifo").c_str(), 0600) == 0);
    REQUIRE(symlink("..data/fifo", (dir + "/to-fifo").c_str()) == 0);
    REQUIRE(symlink("..data", (dir + "/to-dir").c_str()) == 0);
    CHECK_THROWS_WITH(ssm::ReadValueFile(dir + "/to-fifo", 100), Catch::Contains("not a regular file"));
    CHECK_THROWS_WITH(ssm::ReadValueFile(dir + "/to-dir", 100), Catch::Contains("not a regular file"));
  }
  SECTION("a target others can write to is refused") {
    REQUIRE(chmod((dir + "/..2026_x/token").c_str(), 0666) == 0);
    CHECK_THROWS_WITH(ssm::ReadValueFile(dir + "/token", 100), Catch::Contains("lets other users change it"));
  }
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
