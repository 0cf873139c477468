#include "store/caching_store.h"

#include <catch2/catch.hpp>

#include "store/memory_store.h"

namespace {

struct Fixture {
  std::shared_ptr<ssm::MemoryCache> cache = std::make_shared<ssm::MemoryCache>();
  ssm::MemoryStore* real = nullptr;  // owned by the CachingStore once opened
  int opens = 0;
  std::string stamp = "s1";
  std::unique_ptr<ssm::MemoryStore> backing = std::make_unique<ssm::MemoryStore>();

  // The caching store opens "the real store" on demand; the memory store
  // outlives it so a test can look inside.
  std::unique_ptr<ssm::CachingStore> Make() {
    return std::make_unique<ssm::CachingStore>(
        [this] {
          ++opens;
          struct Borrowed : ssm::SecretStore {
            ssm::MemoryStore* s;
            explicit Borrowed(ssm::MemoryStore* x) : s(x) {}
            std::string Name() const override { return s->Name(); }
            std::optional<ssm::Credential> Get(const std::string& k) override { return s->Get(k); }
            void Put(const std::string& k, const ssm::Credential& c) override { s->Put(k, c); }
            bool Erase(const std::string& k) override { return s->Erase(k); }
            std::map<std::string, std::string> List() override { return s->List(); }
          };
          return std::unique_ptr<ssm::SecretStore>(new Borrowed(backing.get()));
        },
        [this] { return stamp; }, 60, cache);
  }
};

ssm::Credential Cred(const std::string& u, const std::string& s) {
  ssm::Credential c;
  c.username = u;
  c.secret = ssm::SecretString(s);
  return c;
}

}  // namespace

TEST_CASE("a cached answer does not open the store; found and not found are both cached", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("u", "p"));
  {
    auto store = f.Make();
    CHECK(store->Get("ghcr.io")->secret.str() == "p");
    CHECK_FALSE(store->Get("quay.io"));
    CHECK(store->List().size() == 1);
    CHECK(f.opens == 1);
  }
  auto again = f.Make();
  CHECK(again->Get("ghcr.io")->secret.str() == "p");
  CHECK_FALSE(again->Get("quay.io"));
  CHECK(again->List() == std::map<std::string, std::string>{{"ghcr.io", "u"}});
  CHECK(f.opens == 1);
  CHECK_FALSE(again->opened());
  CHECK(f.backing->gets() == 2);
}

TEST_CASE("writes through the cache replace their entries", "[caching_store]") {
  Fixture f;
  auto store = f.Make();
  CHECK_FALSE(store->Get("ghcr.io"));
  store->Put("ghcr.io", Cred("u", "new"));
  auto reader = f.Make();
  CHECK(reader->Get("ghcr.io")->secret.str() == "new");
  CHECK(reader->List().count("ghcr.io") == 1);
  store->Erase("ghcr.io");
  auto later = f.Make();
  CHECK_FALSE(later->Get("ghcr.io"));
  CHECK(later->List().empty());
}

TEST_CASE("a changed stamp (another writer) makes every older entry unreachable", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("u", "old"));
  CHECK(f.Make()->Get("ghcr.io")->secret.str() == "old");
  f.backing->Put("ghcr.io", Cred("u", "changed-elsewhere"));
  CHECK(f.Make()->Get("ghcr.io")->secret.str() == "old");  // same stamp: the documented window
  f.stamp = "s2";
  CHECK(f.Make()->Get("ghcr.io")->secret.str() == "changed-elsewhere");
}

TEST_CASE("nothing is cached when the stamp moves during the read", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("u", "p"));
  auto store = f.Make();
  int calls = 0;
  auto racing = std::make_unique<ssm::CachingStore>(
      [&f] { return std::unique_ptr<ssm::SecretStore>(std::make_unique<ssm::MemoryStore>()); },
      [&calls] { return "stamp" + std::to_string(calls++); }, 60, f.cache);
  racing->Get("ghcr.io");
  CHECK(f.cache->size() == 0);
}

TEST_CASE("AnswersQuickly: only for a cached answer, without opening the store; Connect opens it", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("u", "p"));
  auto store = f.Make();
  CHECK_FALSE(store->AnswersQuickly("ghcr.io"));
  CHECK_FALSE(store->AnswersQuickly("quay.io"));
  CHECK(f.opens == 0);
  store->Connect();
  CHECK(store->opened());
  CHECK(f.opens == 1);
  store->Get("ghcr.io");
  store->Get("quay.io");
  auto again = f.Make();
  CHECK(again->AnswersQuickly("ghcr.io"));  // found, cached
  CHECK(again->AnswersQuickly("quay.io"));  // not found, cached
  CHECK_FALSE(again->AnswersQuickly("docker.io"));
  CHECK_FALSE(again->opened());
  again->Put("ghcr.io", Cred("u2", "p2"));  // a write flushes, then remembers its own entry
  CHECK(again->AnswersQuickly("ghcr.io"));
  CHECK_FALSE(again->AnswersQuickly("quay.io"));
  f.stamp = "s2";  // another writer
  CHECK_FALSE(again->AnswersQuickly("ghcr.io"));
}

TEST_CASE("get after AnswersQuickly reads the cache once; a write in between is not hidden", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("u", "p"));
  auto store = f.Make();
  store->Get("ghcr.io");
  auto again = f.Make();
  REQUIRE(again->AnswersQuickly("ghcr.io"));
  CHECK(again->Get("ghcr.io")->secret.str() == "p");
  CHECK_FALSE(again->opened());
  REQUIRE(again->AnswersQuickly("ghcr.io"));
  again->Put("ghcr.io", Cred("u", "new"));
  CHECK(again->Get("ghcr.io")->secret.str() == "new");
  REQUIRE(again->AnswersQuickly("ghcr.io"));
  CHECK_FALSE(again->Get("quay.io"));  // another key: not answered with the peeked entry
}

TEST_CASE("a user name with a newline comes back from the cache as stored", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("line1\nline2", "p\nq"));
  f.Make()->Get("ghcr.io");
  auto again = f.Make();
  std::optional<ssm::Credential> got = again->Get("ghcr.io");
  CHECK_FALSE(again->opened());
  REQUIRE(got);
  CHECK(got->username == "line1\nline2");
  CHECK(got->secret.str() == "p\nq");
}

TEST_CASE("a write drops only the entries of its own stamp; the next get sees it", "[caching_store]") {
  Fixture f;
  f.backing->Put("ghcr.io", Cred("u", "old"));
  f.stamp = "other-store";
  f.Make()->Get("quay.io");  // another store's answer
  f.stamp = "s1";
  f.Make()->Get("ghcr.io");
  size_t before = f.cache->size();
  auto writer = f.Make();
  writer->Put("ghcr.io", Cred("u", "new"));
  CHECK(f.Make()->Get("ghcr.io")->secret.str() == "new");
  f.stamp = "other-store";
  auto reader = f.Make();
  CHECK(reader->AnswersQuickly("quay.io"));  // kept: not stale
  CHECK(f.cache->size() == before);
  f.stamp = "s1";
  writer->Erase("ghcr.io");
  CHECK_FALSE(f.Make()->Get("ghcr.io"));
}
