#include "store/file/file_store.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/error.h"
#include "common/files.h"
#include "support/temp_dir.h"

using ssm::test::FileMode;
using ssm::test::ReadAll;
using ssm::test::TempDir;
using ssm::test::WriteAll;

namespace {

ssm::StoreOptions Options(const TempDir& tmp) {
  ssm::StoreOptions o;
  o.data_dir = tmp.path() + "/data/docker-credential-ssm";
  return o;
}

ssm::Credential Cred(const std::string& user, const std::string& secret) {
  ssm::Credential c;
  c.username = user;
  c.secret = ssm::SecretString(secret);
  return c;
}

template <typename F>
ssm::Error::Kind ErrorKind(F f, std::string* message = nullptr) {
  try {
    f();
  } catch (const ssm::Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  FAIL("no error");
  return ssm::Error::Kind::kFailure;
}

}  // namespace

TEST_CASE("file store round trip, across instances", "[file_store]") {
  TempDir tmp;
  {
    ssm::FileStore store(Options(tmp));
    CHECK_FALSE(store.Get("ghcr.io"));
    CHECK(store.List().empty());
    store.Put("ghcr.io", Cred("alice", "token-1"));
    store.Put("localhost:5000", Cred("bob", "pw"));
  }
  ssm::FileStore store(Options(tmp));
  auto c = store.Get("ghcr.io");
  REQUIRE(c);
  CHECK(c->username == "alice");
  CHECK(c->secret.str() == "token-1");
  CHECK(store.List() == std::map<std::string, std::string>{{"ghcr.io", "alice"}, {"localhost:5000", "bob"}});
  store.Put("ghcr.io", Cred("carol", "token-2"));
  CHECK(store.Get("ghcr.io")->username == "carol");
  CHECK(store.Erase("ghcr.io"));
  CHECK_FALSE(store.Erase("ghcr.io"));
  CHECK_FALSE(store.Get("ghcr.io"));
  CHECK(store.Get("localhost:5000"));
}

TEST_CASE("file store files are private and hold no plaintext", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  store.Put("ghcr.io", Cred("alice-the-user", "very-secret-token"));
  std::string dir = Options(tmp).data_dir;
  CHECK(FileMode(dir) == 0700);
  CHECK(FileMode(store.data_path()) == 0600);
  CHECK(FileMode(store.key_path()) == 0600);
  std::string blob = ReadAll(store.data_path());
  CHECK(blob.rfind("SSMCRED2", 0) == 0);
  CHECK(blob.find("very-secret-token") == std::string::npos);
  CHECK(blob.find("alice-the-user") == std::string::npos);
  CHECK(blob.find("ghcr.io") == std::string::npos);
  // No temporary files are left behind.
  int files = 0;
  for (const char* name : {"credentials.enc", "credentials.key", "credentials.lock"}) {
    files += FileMode(dir + "/" + name) >= 0;
  }
  CHECK(files == 3);
}

TEST_CASE("a tampered or corrupt file is reported and left as it is", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  store.Put("ghcr.io", Cred("alice", "token"));
  std::string original = ReadAll(store.data_path());

  SECTION("one flipped ciphertext bit fails the GCM tag") {
    std::string bad = original;
    bad[20] = static_cast<char>(bad[20] ^ 1);
    WriteAll(store.data_path(), bad);
  }
  SECTION("a flipped tag bit") {
    std::string bad = original;
    bad.back() = static_cast<char>(bad.back() ^ 0x80);
    WriteAll(store.data_path(), bad);
  }
  SECTION("truncated") { WriteAll(store.data_path(), original.substr(0, original.size() - 5)); }
  SECTION("wrong header") { WriteAll(store.data_path(), "{\"entries\":{}}"); }
  SECTION("empty file") { WriteAll(store.data_path(), ""); }

  std::string damaged = ReadAll(store.data_path());
  std::string message;
  CHECK(ErrorKind([&] { store.Get("ghcr.io"); }, &message) == ssm::Error::Kind::kCorrupt);
  CHECK(message.find(store.data_path()) != std::string::npos);
  CHECK(ErrorKind([&] { store.List(); }) == ssm::Error::Kind::kCorrupt);
  // A write must not "repair" by starting over: that would lose every login.
  CHECK(ErrorKind([&] { store.Put("quay.io", Cred("x", "y")); }) == ssm::Error::Kind::kCorrupt);
  CHECK(ErrorKind([&] { store.Erase("ghcr.io"); }) == ssm::Error::Kind::kCorrupt);
  CHECK(ReadAll(store.data_path()) == damaged);
}

TEST_CASE("another key cannot read the file, and a lost key is not replaced", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  store.Put("ghcr.io", Cred("alice", "token"));
  std::string original = ReadAll(store.data_path());

  SECTION("another key") {
    ssm::StoreOptions o = Options(tmp);
    o.file_key = ssm::SecretString("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    ssm::FileStore other(o);
    CHECK(ErrorKind([&] { other.Get("ghcr.io"); }) == ssm::Error::Kind::kCorrupt);
    CHECK(ErrorKind([&] { other.Put("ghcr.io", Cred("m", "n")); }) == ssm::Error::Kind::kCorrupt);
  }
  SECTION("key file removed") {
    REQUIRE(unlink(store.key_path().c_str()) == 0);
    std::string message;
    CHECK(ErrorKind([&] { store.Get("ghcr.io"); }, &message) == ssm::Error::Kind::kFailure);
    CHECK(message.find("is missing") != std::string::npos);
    CHECK(ErrorKind([&] { store.Put("quay.io", Cred("m", "n")); }) == ssm::Error::Kind::kFailure);
    CHECK(FileMode(store.key_path()) == -1);
  }
  CHECK(ReadAll(store.data_path()) == original);
}

TEST_CASE("a key from the environment is used instead of a key file", "[file_store]") {
  TempDir tmp;
  ssm::StoreOptions o = Options(tmp);
  o.file_key = ssm::SecretString("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n");
  ssm::FileStore store(o);
  store.Put("ghcr.io", Cred("alice", "token"));
  CHECK(FileMode(store.key_path()) == -1);
  ssm::FileStore again(o);
  CHECK(again.Get("ghcr.io")->secret.str() == "token");

  for (const char* bad : {"", "short", "MDEyMzQ1Njc4OWFiY2RlZg==", "not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!!!"}) {
    INFO(bad);
    ssm::StoreOptions b = Options(tmp);
    b.file_key = ssm::SecretString(bad);
    std::string message;
    CHECK(ErrorKind([&] { ssm::FileStore s(b); }, &message) == ssm::Error::Kind::kBadInput);
    CHECK(message.find("SSM_FILE_STORE_KEY") != std::string::npos);
    CHECK(message.find(bad[0] ? bad : "\x01") == std::string::npos);
  }
}

TEST_CASE("files readable by others or owned by others are refused", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  store.Put("ghcr.io", Cred("alice", "token"));
  SECTION("data file 0644") { REQUIRE(chmod(store.data_path().c_str(), 0644) == 0); }
  SECTION("key file 0640") { REQUIRE(chmod(store.key_path().c_str(), 0640) == 0); }
  std::string message;
  CHECK(ErrorKind([&] { store.Get("ghcr.io"); }, &message) == ssm::Error::Kind::kDenied);
  CHECK(message.find("chmod 600") != std::string::npos);
}

TEST_CASE("a group-writable store folder is refused", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  store.Put("ghcr.io", Cred("alice", "token"));
  REQUIRE(chmod(Options(tmp).data_dir.c_str(), 0770) == 0);
  CHECK(ErrorKind([&] { store.Put("quay.io", Cred("b", "c")); }) == ssm::Error::Kind::kDenied);
}

namespace {

// A format-1 file (before generations): "SSMCRED1" | nonce | AES-256-GCM | tag,
// the magic as additional data, under a key file of one base64 line.
std::string EncryptFormat1(const std::string& plain) {
  unsigned char key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(i);
  const unsigned char nonce[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::string blob = "SSMCRED1";
  blob.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  std::string ct(plain.size() + 16, '\0');
  unsigned char tag[16];
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, total = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, nonce) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(blob.data()), 8) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(&ct[0]), &len,
                            reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size())) == 1);
  total = len;
  REQUIRE(EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(&ct[0]) + total, &len) == 1);
  total += len;
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
  EVP_CIPHER_CTX_free(ctx);
  ct.resize(static_cast<size_t>(total));
  return blob + ct + std::string(reinterpret_cast<const char*>(tag), sizeof tag);
}
constexpr char kFormat1Key[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

void RequireRefusedAsOld(ssm::FileStore& store) {
  std::string message;
  CHECK(ErrorKind([&] { store.Get("ghcr.io"); }, &message) == ssm::Error::Kind::kCorrupt);
  CHECK(message.find("credentials.enc is older than its key (restored from a backup?)") != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(ErrorKind([&] { store.List(); }) == ssm::Error::Kind::kCorrupt);
  CHECK(ErrorKind([&] { store.Put("quay.io", Cred("x", "y")); }) == ssm::Error::Kind::kCorrupt);
}

}  // namespace

TEST_CASE("an old copy of the data file is refused: erased logins do not come back", "[file_store]") {
  TempDir tmp;
  ssm::StoreOptions o = Options(tmp);
  bool env_key = GENERATE(false, true);
  INFO("key from the environment: " << env_key);
  if (env_key) o.file_key = ssm::SecretString("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
  ssm::FileStore store(o);
  store.Put("ghcr.io", Cred("alice", "erased-later"));
  std::string backup = ReadAll(store.data_path());
  store.Put("quay.io", Cred("bob", "b"));
  CHECK(store.Erase("ghcr.io"));
  std::string current = ReadAll(store.data_path());
  WriteAll(store.data_path(), backup);
  RequireRefusedAsOld(store);
  CHECK(ReadAll(store.data_path()) == backup);  // left as it is
  if (env_key) CHECK(FileMode(store.generation_path()) == 0600);
  WriteAll(store.data_path(), current);
  CHECK_FALSE(store.Get("ghcr.io"));
  CHECK(store.Get("quay.io")->username == "bob");
}

TEST_CASE("store-key rotate: new key, data still readable, old copies no longer", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  store.Put("ghcr.io", Cred("alice", "token"));
  std::string old_data = ReadAll(store.data_path());
  std::string old_key = ReadAll(store.key_path());
  uint64_t generation = store.RotateKey();
  CHECK(generation == 2);
  std::string new_key = ReadAll(store.key_path());
  CHECK(new_key.substr(0, 44) != old_key.substr(0, 44));
  CHECK(FileMode(store.key_path()) == 0600);
  ssm::FileStore again(Options(tmp));
  CHECK(again.Get("ghcr.io")->secret.str() == "token");
  std::string new_data = ReadAll(store.data_path());

  SECTION("an old copy of the data file is refused") {
    WriteAll(store.data_path(), old_data);
    RequireRefusedAsOld(again);
  }
  SECTION("the old key does not open the new data") {
    WriteAll(store.key_path(), old_key);
    std::string message;
    CHECK(ErrorKind([&] { again.Get("ghcr.io"); }, &message) == ssm::Error::Kind::kCorrupt);
    CHECK(message.find("integrity check") != std::string::npos);
  }
  SECTION("a crash mid-rotation leaves a pair that opens, and the next write completes it") {
    // The key file as it is between recording the next key and moving the data.
    std::string pending = old_key.substr(0, 45) + "generation 1\nnext 2 " + new_key.substr(0, 45);
    WriteAll(store.key_path(), pending);
    REQUIRE(chmod(store.key_path().c_str(), 0600) == 0);
    WriteAll(store.data_path(), old_data);  // the crash came before the data moved
    CHECK(again.Get("ghcr.io")->secret.str() == "token");
    WriteAll(store.data_path(), new_data);  // ... or after
    CHECK(again.Get("ghcr.io")->secret.str() == "token");
    WriteAll(store.data_path(), old_data);
    again.Put("quay.io", Cred("bob", "b"));
    CHECK(ReadAll(store.key_path()).substr(0, 45) == new_key.substr(0, 45));
    CHECK(ReadAll(store.key_path()).find("next") == std::string::npos);
    CHECK(again.Get("ghcr.io")->secret.str() == "token");
    CHECK(again.RotateKey() == 3);
    CHECK(again.Get("quay.io")->secret.str() == "b");
  }
}

TEST_CASE("store-key rotate refuses a key from the environment", "[file_store]") {
  TempDir tmp;
  ssm::StoreOptions o = Options(tmp);
  o.file_key = ssm::SecretString("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
  ssm::FileStore store(o);
  std::string message;
  CHECK(ErrorKind([&] { store.RotateKey(); }, &message) == ssm::Error::Kind::kBadInput);
  CHECK(message.find("SSM_FILE_STORE_KEY") != std::string::npos);
}

TEST_CASE("a format-1 file (no generation) reads, and the next write migrates it", "[file_store]") {
  TempDir tmp;
  ssm::FileStore store(Options(tmp));
  ssm::EnsurePrivateDir(Options(tmp).data_dir);
  std::string v1 = EncryptFormat1(R"({"version":1,"entries":{"ghcr.io":{"username":"alice","secret":"old-format"}}})");
  WriteAll(store.data_path(), v1);
  WriteAll(store.key_path(), kFormat1Key);
  REQUIRE(chmod(store.data_path().c_str(), 0600) == 0);
  REQUIRE(chmod(store.key_path().c_str(), 0600) == 0);
  CHECK(store.Get("ghcr.io")->secret.str() == "old-format");
  store.Put("quay.io", Cred("bob", "b"));
  CHECK(ReadAll(store.data_path()).rfind("SSMCRED2", 0) == 0);
  CHECK(ReadAll(store.key_path()) == std::string(kFormat1Key) + "generation 1\n");
  CHECK(store.Get("ghcr.io")->secret.str() == "old-format");
  WriteAll(store.data_path(), v1);  // the format-1 copy is now an old copy
  RequireRefusedAsOld(store);
}
