#include "common/file_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "common/runtime_dir.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using ssm::CacheKind;
using ssm::FileCache;

struct Fixture {
  ssm::test::TempDir tmp;
  int64_t now = 1700000000;
  std::string dir = tmp.path() + "/cache";
  std::unique_ptr<FileCache> cache = Open();

  std::unique_ptr<FileCache> Open() {
    std::string problem;
    auto c = FileCache::Open(dir, &problem, [this] { return now; });
    REQUIRE(c);
    return c;
  }
  std::string PathOf(CacheKind kind, const std::string& key) const { return dir + "/" + FileCache::EntryName(kind, key); }
  size_t Files() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("file cache: an entry answers its kind and key until it expires; files are 0600 in a 0700 folder",
          "[file_cache]") {
  Fixture f;
  CHECK(ssm::test::FileMode(f.dir) == 0700);
  f.cache->Write(CacheKind::kStoreAnswer, "stamp|ghcr.io", "payload\nwith\nnewlines", f.now + 60);
  CHECK(ssm::test::FileMode(f.PathOf(CacheKind::kStoreAnswer, "stamp|ghcr.io")) == 0600);
  CHECK(f.cache->Read(CacheKind::kStoreAnswer, "stamp|ghcr.io")->str() == "payload\nwith\nnewlines");
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, "stamp|ghcr.io"));
  CHECK_FALSE(f.cache->Read(CacheKind::kStoreAnswer, "stamp|quay.io"));
  f.now += 59;
  CHECK(f.cache->Read(CacheKind::kStoreAnswer, "stamp|ghcr.io"));
  f.now += 1;
  CHECK_FALSE(f.cache->Read(CacheKind::kStoreAnswer, "stamp|ghcr.io"));
  CHECK(f.Files() == 0);  // the dead entry was removed
}

TEST_CASE("file cache: an entry copied or renamed to another host's or kind's name is not served", "[file_cache]") {
  Fixture f;
  f.cache->Write(CacheKind::kToken, "ecr|a.example|fp", "token-for-a", f.now + 600);
  fs::copy_file(f.PathOf(CacheKind::kToken, "ecr|a.example|fp"), f.PathOf(CacheKind::kToken, "ecr|b.example|fp"));
  chmod(f.PathOf(CacheKind::kToken, "ecr|b.example|fp").c_str(), 0600);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, "ecr|b.example|fp"));
  fs::rename(f.PathOf(CacheKind::kToken, "ecr|a.example|fp"), f.PathOf(CacheKind::kStoreAnswer, "ecr|a.example|fp"));
  CHECK_FALSE(f.cache->Read(CacheKind::kStoreAnswer, "ecr|a.example|fp"));
  CHECK(f.Files() == 0);
}

TEST_CASE("file cache: a rewritten, corrupted, linked or loosened entry is ignored and removed", "[file_cache]") {
  Fixture f;
  const std::string key = "ecr|a.example|fp";
  std::string path = f.PathOf(CacheKind::kToken, key);
  auto write = [&] { f.cache->Write(CacheKind::kToken, key, "the-token", f.now + 600); };

  write();
  std::string content = ssm::test::ReadAll(path);
  size_t at = content.find("the-token");
  REQUIRE(at != std::string::npos);
  content.replace(at, 9, "evil-tokn");  // same length: only the checksum tells
  ssm::test::WriteAll(path, content);
  chmod(path.c_str(), 0600);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, key));
  CHECK_FALSE(fs::exists(path));

  write();
  ssm::test::WriteAll(path, ssm::test::ReadAll(path).substr(0, 20));  // truncated
  chmod(path.c_str(), 0600);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, key));

  write();
  chmod(path.c_str(), 0644);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, key));

  write();
  REQUIRE(link(path.c_str(), (f.tmp.path() + "/hardlink").c_str()) == 0);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, key));

  write();
  std::string elsewhere = f.tmp.path() + "/elsewhere";
  fs::rename(path, elsewhere);
  fs::create_symlink(elsewhere, path);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, key));
  CHECK_FALSE(fs::exists(fs::symlink_status(path)));

  write();
  REQUIRE(chown(path.c_str(), 65534, 65534) == 0);
  CHECK_FALSE(f.cache->Read(CacheKind::kToken, key));

  write();
  CHECK(f.cache->Read(CacheKind::kToken, key)->str() == "the-token");
}

TEST_CASE("file cache: at most kMaxEntries entries; dead ones are pruned on write", "[file_cache]") {
  Fixture f;
  for (int i = 0; i < 300; ++i) {
    f.cache->Write(CacheKind::kStoreAnswer, "s|host" + std::to_string(i) + ".example", "x", f.now + 100 + i);
  }
  CHECK(f.Files() == static_cast<size_t>(FileCache::kMaxEntries));
  // Those expiring first went.
  CHECK_FALSE(f.cache->Read(CacheKind::kStoreAnswer, "s|host0.example"));
  CHECK(f.cache->Read(CacheKind::kStoreAnswer, "s|host299.example"));
  f.now += 1000;
  f.cache->Write(CacheKind::kToken, "t", "y", f.now + 10);
  CHECK(f.Files() == 1);
  CHECK(f.cache->Clear() == 1);
  CHECK(f.Files() == 0);
}

TEST_CASE("file cache: RemovePrefix drops only the matching entries of that kind", "[file_cache]") {
  Fixture f;
  f.cache->Write(CacheKind::kStoreAnswer, std::string("s1\0a", 4), "1", f.now + 60);
  f.cache->Write(CacheKind::kStoreAnswer, std::string("s2\0a", 4), "2", f.now + 60);
  f.cache->Write(CacheKind::kToken, std::string("s1\0a", 4), "3", f.now + 60);
  f.cache->RemovePrefix(CacheKind::kStoreAnswer, std::string("s1\0", 3));
  CHECK_FALSE(f.cache->Read(CacheKind::kStoreAnswer, std::string("s1\0a", 4)));
  CHECK(f.cache->Read(CacheKind::kStoreAnswer, std::string("s2\0a", 4)));
  CHECK(f.cache->Read(CacheKind::kToken, std::string("s1\0a", 4)));
}

TEST_CASE("file cache: a folder of another user or open to others is refused", "[file_cache]") {
  ssm::test::TempDir tmp;
  std::string problem;
  std::string theirs = tmp.path() + "/theirs";
  REQUIRE(mkdir(theirs.c_str(), 0700) == 0);
  REQUIRE(chown(theirs.c_str(), 65534, 65534) == 0);
  CHECK_FALSE(FileCache::Open(theirs, &problem));
  std::string open = tmp.path() + "/open";
  REQUIRE(mkdir(open.c_str(), 0700) == 0);
  chmod(open.c_str(), 0755);
  CHECK_FALSE(FileCache::Open(open, &problem));
  std::string link = tmp.path() + "/link";
  std::string mine = tmp.path() + "/mine";
  REQUIRE(mkdir(mine.c_str(), 0700) == 0);
  fs::create_directory_symlink(mine, link);
  CHECK_FALSE(FileCache::Open(link, &problem));
  CHECK(FileCache::Open(mine, &problem));
}

TEST_CASE("runtime folder: XDG_RUNTIME_DIR is used only when it is ours, a real folder, not writable by others",
          "[file_cache]") {
  ssm::test::TempDir tmp;
  std::string run = tmp.path() + "/run";
  REQUIRE(mkdir(run.c_str(), 0700) == 0);
  ssm::test::ScopedEnv env("XDG_RUNTIME_DIR", run.c_str());
  auto under_run = [&] {
    ssm::RuntimeDir d = ssm::PrivateRuntimeDir();
    return d.path.rfind(run + "/", 0) == 0;
  };
  ssm::RuntimeDir ok = ssm::PrivateRuntimeDir();
  CHECK(ok.path == run + "/docker-credential-ssm");
  CHECK(ssm::test::FileMode(ok.path) == 0700);

  chmod(run.c_str(), 01777);  // a shared /tmp-like folder
  CHECK_FALSE(under_run());
  chmod(run.c_str(), 0770);
  CHECK_FALSE(under_run());
  chmod(run.c_str(), 0700);
  REQUIRE(chown(run.c_str(), 65534, 65534) == 0);
  CHECK_FALSE(under_run());
  REQUIRE(chown(run.c_str(), 0, 0) == 0);
  CHECK(under_run());

  // Our folder pre-created by another user: no cache there at all.
  REQUIRE(chown(ok.path.c_str(), 65534, 65534) == 0);
  ssm::RuntimeDir taken = ssm::PrivateRuntimeDir();
  CHECK(taken.path.empty());
  CHECK(taken.problem.find("another user") != std::string::npos);
  std::string problem;
  CHECK_FALSE(FileCache::OpenUserCache(&problem));
  REQUIRE(chown(ok.path.c_str(), 0, 0) == 0);

  // A symbolic link as XDG_RUNTIME_DIR is not followed.
  std::string link = tmp.path() + "/link";
  fs::create_directory_symlink(run, link);
  ssm::test::ScopedEnv via_link("XDG_RUNTIME_DIR", link.c_str());
  CHECK(ssm::PrivateRuntimeDir().path.rfind(link + "/", 0) != 0);
}
