#include "store/layered_store.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "store/memory_store.h"

namespace {

// A store that forwards to a MemoryStore the test keeps, and can be made to
// fail the way a gone Secret Service or a damaged file store does.
struct Borrowed : ssm::SecretStore {
  ssm::MemoryStore* s;
  std::string name;
  const std::optional<ssm::Error>* failure;
  Borrowed(ssm::MemoryStore* x, std::string n, const std::optional<ssm::Error>* f) : s(x), name(std::move(n)), failure(f) {}
  void Check() const {
    if (*failure) throw **failure;
  }
  std::string Name() const override { return name; }
  std::optional<ssm::Credential> Get(const std::string& k) override { return Check(), s->Get(k); }
  void Put(const std::string& k, const ssm::Credential& c) override { Check(), s->Put(k, c); }
  bool Erase(const std::string& k) override { return Check(), s->Erase(k); }
  std::map<std::string, std::string> List() override { return Check(), s->List(); }
};

struct Fixture {
  ssm::MemoryStore service, file;
  std::optional<ssm::Error> service_failure, file_failure;
  bool file_exists = false;
  int file_opens = 0;

  std::unique_ptr<ssm::LayeredStore> Make() {
    return std::make_unique<ssm::LayeredStore>(
        [this] { return std::make_unique<Borrowed>(&service, "secretservice", &service_failure); },
        [this] {
          ++file_opens;
          return std::make_unique<Borrowed>(&file, "file", &file_failure);
        },
        [this] { return file_exists; });
  }
  void SaveInFile(const std::string& key, const std::string& user) {
    file.Put(key, {user, ssm::SecretString("s-" + user)});
    file_exists = true;
  }
};

std::string Message(const std::function<void()>& f) {
  try {
    f();
  } catch (const ssm::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("auto: a login saved in the file store is found, listed and erased while the Secret Service answers",
          "[layered_store]") {
  Fixture fx;
  fx.SaveInFile("ghcr.io", "from-file");
  fx.service.Put("quay.io", {"from-service", ssm::SecretString("q")});
  auto store = fx.Make();
  CHECK(store->Get("ghcr.io")->username == "from-file");
  CHECK(store->Get("quay.io")->username == "from-service");
  CHECK_FALSE(store->Get("none.example"));
  CHECK(store->List() == std::map<std::string, std::string>{{"ghcr.io", "from-file"}, {"quay.io", "from-service"}});
  CHECK(store->ListIdle() == std::map<std::string, std::string>{{"ghcr.io", "from-file"}});
  CHECK(store->Erase("ghcr.io"));
  CHECK(fx.file.size() == 0);
  CHECK_FALSE(store->Get("ghcr.io"));
  CHECK_FALSE(store->Erase("ghcr.io"));
}

TEST_CASE("auto: the primary answers first, writes go to it only, erase clears both", "[layered_store]") {
  Fixture fx;
  fx.SaveInFile("ghcr.io", "old");
  auto store = fx.Make();
  store->Put("ghcr.io", {"new", ssm::SecretString("n")});
  CHECK(fx.file.puts() == 1);  // only SaveInFile's
  CHECK(store->Get("ghcr.io")->username == "new");
  CHECK(store->List().at("ghcr.io") == "new");
  CHECK(store->Erase("ghcr.io"));
  CHECK(fx.service.size() == 0);
  CHECK(fx.file.size() == 0);
}

TEST_CASE("auto: without a file store, reading never opens (or creates) it", "[layered_store]") {
  Fixture fx;
  auto store = fx.Make();
  CHECK_FALSE(store->Get("ghcr.io"));
  CHECK(store->List().empty());
  CHECK_FALSE(store->Erase("ghcr.io"));
  CHECK(store->ListIdle().empty());
  store->Put("ghcr.io", {"u", ssm::SecretString("s")});
  CHECK(fx.file_opens == 0);
  CHECK(store->Name() == "secretservice");
}

TEST_CASE("auto: erase fails in one line when the file store that may hold the login cannot be read",
          "[layered_store]") {
  Fixture fx;
  fx.SaveInFile("ghcr.io", "u");
  fx.service.Put("ghcr.io", {"u", ssm::SecretString("s")});
  fx.file_failure = ssm::Error::Corrupt("the file store /x/credentials.enc failed its integrity check");
  auto store = fx.Make();
  CHECK(Message([&] { store->Erase("ghcr.io"); }) ==
        "erased from the secretservice store, but not from the file store, which may also hold this login: "
        "the file store /x/credentials.enc failed its integrity check");
  CHECK(fx.service.size() == 0);  // what could go is gone
}

TEST_CASE("auto: with the Secret Service gone, the file store answers, and erase says the service may hold it",
          "[layered_store]") {
  Fixture fx;
  fx.service_failure = ssm::Error::Unavailable("Secret Service: org.freedesktop.secrets is not on the bus");
  fx.SaveInFile("ghcr.io", "u");
  auto store = fx.Make();
  CHECK(store->Get("ghcr.io")->username == "u");
  CHECK(store->List().size() == 1);
  CHECK(store->ListIdle().empty());
  std::string message = Message([&] { store->Erase("ghcr.io"); });
  CHECK(message.rfind("erased from the file store, but the Secret Service, which may also hold this login, cannot be "
                      "reached (Secret Service: org.freedesktop.secrets is not on the bus)", 0) == 0);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(fx.file.size() == 0);
}

TEST_CASE("auto: with the Secret Service gone and no file store, writes create the file store", "[layered_store]") {
  Fixture fx;
  fx.service_failure = ssm::Error::Unavailable("no service");
  auto store = fx.Make();
  CHECK_FALSE(store->Erase("ghcr.io"));
  CHECK(fx.file_opens == 0);
  store->Put("ghcr.io", {"u", ssm::SecretString("s")});
  CHECK(fx.file.size() == 1);
  CHECK(store->Name() == "file");
}

TEST_CASE("auto: a Secret Service that answered once is not replaced by the file store mid-command", "[layered_store]") {
  Fixture fx;
  auto store = fx.Make();
  CHECK_FALSE(store->Get("ghcr.io"));
  fx.service_failure = ssm::Error::Unavailable("gone");
  CHECK_THROWS_AS(store->Put("ghcr.io", {"u", ssm::SecretString("s")}), ssm::Error);
  CHECK(fx.file.size() == 0);
}
