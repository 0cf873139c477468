#include "providers/registry_settings.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/error.h"
#include "store/memory_store.h"
#include "support/temp_dir.h"

namespace {

// A NULL-terminated environment from strings.
class Env {
 public:
  explicit Env(std::vector<std::string> entries) : entries_(std::move(entries)) {
    for (std::string& e : entries_) ptrs_.push_back(&e[0]);
    ptrs_.push_back(nullptr);
  }
  char** get() { return ptrs_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> ptrs_;
};

std::vector<ssm::ConfiguredRegistry> Load(std::vector<std::string> env, const nlohmann::json& doc = {}) {
  Env e(std::move(env));
  return ssm::LoadRegistries(doc.is_null() ? nlohmann::json::object() : doc, "/cfg/config.json", e.get());
}

std::string LoadError(std::vector<std::string> env, const nlohmann::json& doc = {}) {
  try {
    Load(std::move(env), doc);
  } catch (const ssm::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("environment variables configure registries, with and without a name", "[settings]") {
  auto all = Load({"SSM_REGISTRY_HUB_LOGIN=alice", "SSM_REGISTRY_HUB_PASSWORD=pw", "SSM_REGISTRY_CUSTOM_LAB_URL=http://h:5000",
                   "SSM_REGISTRY_CUSTOM_LAB_LOGIN=bob", "SSM_REGISTRY_CUSTOM_MY_LAB_URL=http://other", "PATH=/bin",
                   "SSM_STORE=file"});
  REQUIRE(all.size() == 3);
  CHECK(all[0].config.Id() == "hub");
  CHECK(all[0].config.values.at("login") == "alice");
  CHECK(all[0].config.secrets.at("password").str() == "pw");
  CHECK(all[0].config.values.count("password") == 0);
  CHECK(all[1].config.Id() == "custom/lab");
  CHECK(all[1].config.values.at("url") == "http://h:5000");
  CHECK(all[2].config.Id() == "custom/my_lab");
  CHECK(all[0].from_environment);
}

TEST_CASE("__FILE reads the value from a file, without its final newline", "[settings]") {
  ssm::test::TempDir tmp;
  std::string path = tmp.path() + "/pw";
  ssm::test::WriteAll(path, "from-file\n");
  auto all = Load({"SSM_REGISTRY_CUSTOM_URL=http://h", "SSM_REGISTRY_CUSTOM_LOGIN=u", "SSM_REGISTRY_CUSTOM_PASSWORD__FILE=" + path});
  REQUIRE(all.size() == 1);
  CHECK(all[0].config.secrets.at("password").str() == "from-file");
  CHECK(LoadError({"SSM_REGISTRY_CUSTOM_PASSWORD__FILE=" + tmp.path() + "/absent"}).find("does not exist") != std::string::npos);
}

TEST_CASE("__FILE refuses a FIFO at once and follows Kubernetes-style links", "[settings]") {
  ssm::test::TempDir tmp;
  std::string fifo = tmp.path() + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(LoadError({"SSM_REGISTRY_CUSTOM_PASSWORD__FILE=" + fifo}) ==
        "SSM_REGISTRY_CUSTOM_PASSWORD__FILE: refusing to use " + fifo +
            ": it is not a regular file (after following links)");
  std::string dir = tmp.path() + "/secret";
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  REQUIRE(mkdir((dir + "/..2026_x").c_str(), 0755) == 0);
  ssm::test::WriteAll(dir + "/..2026_x/password", "k8s-secret\n");
  REQUIRE(chmod((dir + "/..2026_x/password").c_str(), 0644) == 0);
  REQUIRE(symlink("..2026_x", (dir + "/..data").c_str()) == 0);
  REQUIRE(symlink("..data/password", (dir + "/password").c_str()) == 0);
  auto all = Load({"SSM_REGISTRY_CUSTOM_URL=http://h", "SSM_REGISTRY_CUSTOM_LOGIN=u",
                   "SSM_REGISTRY_CUSTOM_PASSWORD__FILE=" + dir + "/password"});
  REQUIRE(all.size() == 1);
  CHECK(all[0].config.secrets.at("password").str() == "k8s-secret");
}

TEST_CASE("__FILE is not taken for a URL, which list would show", "[settings]") {
  ssm::test::TempDir tmp;
  std::string path = tmp.path() + "/pw";
  ssm::test::WriteAll(path, "hunter2\n");  // a bare word is a valid host name
  CHECK(LoadError({"SSM_REGISTRY_CUSTOM_LAB_URL__FILE=" + path}) ==
        "SSM_REGISTRY_CUSTOM_LAB_URL__FILE: url names the registry and is shown by list, so it is not read from a "
        "file: set SSM_REGISTRY_CUSTOM_LAB_URL instead");
}

TEST_CASE("mistyped variables are errors naming the variable, never its value", "[settings]") {
  CHECK(LoadError({"SSM_REGISTRY_HUB_PASWORD=SEKRET"}) ==
        "SSM_REGISTRY_HUB_PASWORD: hub has no variable \"pasword\" (it takes: login, password, token, auth, cacert)");
  CHECK(LoadError({"SSM_REGISTRY_DOCKERHUB_LOGIN=x"}).rfind("SSM_REGISTRY_DOCKERHUB_LOGIN: unknown provider \"dockerhub\"", 0) == 0);
  CHECK(LoadError({"SSM_REGISTRY_HUB=x"}).find("name a variable") != std::string::npos);
  CHECK(LoadError({"SSM_REGISTRY_CUSTOM_L-AB_URL=x"}).find("registry name") != std::string::npos);
}

TEST_CASE("the config file holds non-secret values; the environment wins", "[settings]") {
  nlohmann::json doc = {{"registries",
                         {{"custom/lab", {{"url", "http://file:5000"}, {"login", "file-user"}, {"stored_secrets", {"password"}}}},
                          {"ghcr", {{"username", "octo"}}}}}};
  auto all = Load({"SSM_REGISTRY_CUSTOM_LAB_LOGIN=env-user"}, doc);
  REQUIRE(all.size() == 2);
  CHECK(all[0].config.Id() == "ghcr");  // table order: ghcr before custom
  CHECK(all[1].config.values.at("login") == "env-user");
  CHECK(all[1].config.values.at("url") == "http://file:5000");
  CHECK(all[1].stored_secrets == std::vector<std::string>{"password"});
  CHECK(all[1].from_environment);
  CHECK(all[1].from_file);
}

TEST_CASE("the config file refuses secrets and unknown entries", "[settings]") {
  CHECK(LoadError({}, {{"registries", {{"hub", {{"password", "SEKRET"}}}}}}) ==
        "the config file /cfg/config.json: registries[\"hub\"]: password is a secret and does not belong in the config "
        "file: keep it in the secret store (registry add) or the environment");
  CHECK(LoadError({}, {{"registries", {{"nope", {{"url", "x"}}}}}}).find("unknown provider") != std::string::npos);
  CHECK(LoadError({}, {{"registries", {{"custom/", {}}}}}).find("empty registry name") != std::string::npos);
  CHECK(LoadError({}, {{"registries", {{"custom", {{"url", 5}}}}}}).find("must be a string") != std::string::npos);
  CHECK(LoadError({}, {{"registries", {{"custom", {{"stored_secrets", {"url"}}}}}}}).find("names no secret") != std::string::npos);
  CHECK(LoadError({}, {{"registries", {1, 2}}}).find("must be an object") != std::string::npos);
}

TEST_CASE("secrets kept in the store fill in, the environment's win", "[settings]") {
  ssm::MemoryStore store;
  ssm::Credential item;
  item.username = "docker-credential-ssm";
  item.secret = ssm::EncodeStoredSecrets({{"password", ssm::SecretString("stored-pw")}, {"token", ssm::SecretString("t")}});
  store.Put(ssm::SecretsKey("custom/lab"), item);
  nlohmann::json doc = {{"registries", {{"custom/lab", {{"url", "http://h"}, {"stored_secrets", {"password", "token"}}}}}}};
  auto all = Load({"SSM_REGISTRY_CUSTOM_LAB_TOKEN=env-token"}, doc);
  ssm::LoadStoredSecrets(all[0], store);
  CHECK(all[0].config.secrets.at("password").str() == "stored-pw");
  CHECK(all[0].config.secrets.at("token").str() == "env-token");

  ssm::MemoryStore empty;
  auto again = Load({}, doc);
  CHECK_THROWS_WITH(ssm::LoadStoredSecrets(again[0], empty), Catch::Contains("are not in the memory store"));
}

TEST_CASE("FindRegistryFor picks the configured registry serving the host", "[settings]") {
  auto all = Load({"SSM_REGISTRY_CUSTOM_A_URL=http://a:5000", "SSM_REGISTRY_CUSTOM_B_URL=https://b", "SSM_REGISTRY_GHCR_USERNAME=u",
                   "SSM_REGISTRY_GHCR_TOKEN=t"});
  CHECK(ssm::FindRegistryFor(all, ssm::NormalizeServer("b"))->config.Id() == "custom/b");
  CHECK(ssm::FindRegistryFor(all, ssm::NormalizeServer("a:5000"))->config.Id() == "custom/a");
  CHECK(ssm::FindRegistryFor(all, ssm::NormalizeServer("ghcr.io"))->config.Id() == "ghcr");
  CHECK(ssm::FindRegistryFor(all, ssm::NormalizeServer("quay.io")) == nullptr);
  CHECK(ssm::FindRegistryFor(all, ssm::NormalizeServer("a")) == nullptr);
}
