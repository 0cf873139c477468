// Runs against a real Secret Service: ctest starts these inside a private
// D-Bus session with gnome-keyring-daemon (tests/support/with-keyring.sh).
#include "store/secretservice/secret_service_store.h"

#include <libsecret/secret.h>

#include <catch2/catch.hpp>
#include <set>

#include "common/error.h"
#include "common/module_abi.h"
#include "store/store_module.h"
#include "support/temp_dir.h"

namespace {

ssm::Credential Cred(const std::string& user, const std::string& secret) {
  ssm::Credential c;
  c.username = user;
  c.secret = ssm::SecretString(secret);
  return c;
}

// The schema docker-credential-secretservice uses, written out independently
// of the store's own copy.
const SecretSchema* ReferenceSchema() {
  static const SecretSchema schema = {"io.docker.Credentials",
                                      SECRET_SCHEMA_NONE,
                                      {{"label", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                       {"server", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                       {"username", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                       {"docker_cli", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                       {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
                                      0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  return &schema;
}

struct Item {
  std::string label;
  std::map<std::string, std::string> attributes;
};

std::vector<Item> ItemsFor(const std::string& server) {
  GError* err = nullptr;
  SecretService* service = secret_service_get_sync(SECRET_SERVICE_NONE, nullptr, &err);
  REQUIRE(service != nullptr);
  GHashTable* attrs = g_hash_table_new(g_str_hash, g_str_equal);
  g_hash_table_insert(attrs, const_cast<char*>("server"), const_cast<char*>(server.c_str()));
  GList* items = secret_service_search_sync(service, nullptr, attrs, SECRET_SEARCH_ALL, nullptr, &err);
  g_hash_table_unref(attrs);
  REQUIRE(err == nullptr);
  std::vector<Item> out;
  for (GList* l = items; l; l = l->next) {
    auto* item = static_cast<SecretItem*>(l->data);
    Item i;
    gchar* label = secret_item_get_label(item);
    i.label = label;
    g_free(label);
    GHashTable* a = secret_item_get_attributes(item);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, a);
    while (g_hash_table_iter_next(&it, &k, &v)) i.attributes[static_cast<char*>(k)] = static_cast<char*>(v);
    g_hash_table_unref(a);
    out.push_back(i);
  }
  g_list_free_full(items, g_object_unref);
  g_object_unref(service);
  return out;
}

void ReferenceStore(const std::string& server, const std::string& user, const std::string& secret) {
  GError* err = nullptr;
  secret_password_store_sync(ReferenceSchema(), SECRET_COLLECTION_DEFAULT, ("Registry credentials for " + server).c_str(),
                             secret.c_str(), nullptr, &err, "label", "Docker Credentials", "server", server.c_str(),
                             "username", user.c_str(), "docker_cli", "1", nullptr);
  REQUIRE(err == nullptr);
}

}  // namespace

TEST_CASE("Secret Service store round trip", "[secretservice]") {
  ssm::SecretServiceStore store;
  CHECK(store.Name() == "secretservice");
  store.Erase("rt.example:5000");
  CHECK_FALSE(store.Get("rt.example:5000"));
  store.Put("rt.example:5000", Cred("alice", "s3cret with spaces & \"quotes\""));
  auto c = store.Get("rt.example:5000");
  REQUIRE(c);
  CHECK(c->username == "alice");
  CHECK(c->secret.str() == "s3cret with spaces & \"quotes\"");
  CHECK(store.List().at("rt.example:5000") == "alice");
  CHECK(store.Erase("rt.example:5000"));
  CHECK_FALSE(store.Erase("rt.example:5000"));
  CHECK_FALSE(store.Get("rt.example:5000"));
  CHECK(store.List().count("rt.example:5000") == 0);
}

TEST_CASE("Secret Service items use docker-credential-secretservice's layout", "[secretservice]") {
  ssm::SecretServiceStore store;
  store.Put("layout.example", Cred("bob", "pw"));
  auto items = ItemsFor("layout.example");
  REQUIRE(items.size() == 1);
  CHECK(items[0].label == "layout.example");
  CHECK(items[0].attributes["label"] == "Docker Credentials");
  CHECK(items[0].attributes["username"] == "bob");
  CHECK(items[0].attributes["docker_cli"] == "1");
  CHECK(items[0].attributes["xdg:schema"] == "io.docker.Credentials");
  store.Erase("layout.example");
  CHECK(ItemsFor("layout.example").empty());
}

TEST_CASE("Secret Service: storing again replaces, even another username", "[secretservice]") {
  ssm::SecretServiceStore store;
  store.Put("replace.example", Cred("first", "one"));
  store.Put("replace.example", Cred("first", "two"));
  store.Put("replace.example", Cred("second", "three"));
  auto items = ItemsFor("replace.example");
  REQUIRE(items.size() == 1);
  CHECK(items[0].attributes["username"] == "second");
  CHECK(store.Get("replace.example")->secret.str() == "three");
  store.Erase("replace.example");
}

TEST_CASE("Secret Service: items written the reference way are read, and duplicates resolved", "[secretservice]") {
  ReferenceStore("ref.example", "old-user", "old-secret");
  ssm::SecretServiceStore store;
  auto c = store.Get("ref.example");
  REQUIRE(c);
  CHECK(c->username == "old-user");
  CHECK(c->secret.str() == "old-secret");
  // The reference adds a second item for a second username; the newest wins,
  // and our next store leaves one.
  ReferenceStore("ref.example", "new-user", "new-secret");
  CHECK(ItemsFor("ref.example").size() == 2);
  store.Put("ref.example", Cred("mine", "my-secret"));
  CHECK(ItemsFor("ref.example").size() == 1);
  CHECK(store.Erase("ref.example"));
}

TEST_CASE("Secret Service: list reads every item's attributes at once, other schemas left out", "[secretservice]") {
  ssm::SecretServiceStore store;
  // Items of another program in the same keyring, one with a server attribute.
  GError* err = nullptr;
  const SecretSchema other = {"org.example.Other",
                              SECRET_SCHEMA_NONE,
                              {{"server", SECRET_SCHEMA_ATTRIBUTE_STRING}, {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
                              0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  secret_password_store_sync(&other, SECRET_COLLECTION_DEFAULT, "other", "x", nullptr, &err, "server",
                             "not-docker.example", nullptr);
  REQUIRE(err == nullptr);
  std::map<std::string, std::string> expected;
  // More than dbus-daemon's 128 pending replies per connection.
  for (int i = 0; i < 150; ++i) {
    std::string server = "many" + std::to_string(i) + ".example";
    std::string user = "user" + std::to_string(i);
    if (i % 2 == 0) {
      store.Put(server, Cred(user, "s" + std::to_string(i)));
    } else {
      ReferenceStore(server, user, "r" + std::to_string(i));
    }
    expected[server] = user;
  }
  std::map<std::string, std::string> listed;
  for (const auto& [server, user] : store.List()) {
    if (server.rfind("many", 0) == 0 || server == "not-docker.example") listed[server] = user;
  }
  CHECK(listed == expected);
  for (const auto& [server, user] : expected) CHECK(store.Erase(server));
  for (const auto& [server, user] : store.List()) CHECK(server.rfind("many", 0) != 0);
}

TEST_CASE("Secret Service: a locked keyring that cannot be unlocked is one clear error", "[secretservice-locked]") {
  ssm::SecretServiceStore store;
  store.Put("locked.example", Cred("alice", "pw"));
  // Lock the default collection through the service.
  GError* err = nullptr;
  SecretService* service = secret_service_get_sync(SECRET_SERVICE_LOAD_COLLECTIONS, nullptr, &err);
  REQUIRE(service);
  SecretCollection* collection =
      secret_collection_for_alias_sync(service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, nullptr, &err);
  REQUIRE(collection);
  GList* objects = g_list_append(nullptr, collection);
  secret_service_lock_sync(service, objects, nullptr, nullptr, &err);
  g_list_free(objects);
  REQUIRE(err == nullptr);
  REQUIRE(secret_collection_get_locked(collection));

  for (int op = 0; op < 2; ++op) {
    INFO(op);
    try {
      if (op == 0) {
        store.Get("locked.example");
      } else {
        store.Put("locked.example", Cred("alice", "changed"));
      }
      FAIL("no error from a locked keyring");
    } catch (const ssm::Error& e) {
      std::string m = e.what();
      CHECK(m.find("locked") != std::string::npos);
      CHECK(m.find('\n') == std::string::npos);
      CHECK(m.find("pw") == std::string::npos);
    }
  }
  g_object_unref(collection);
  g_object_unref(service);
}

TEST_CASE("Secret Service without a session bus says why", "[secretservice-nobus]") {
  ssm::test::ScopedEnv bus("DBUS_SESSION_BUS_ADDRESS", nullptr);
  ssm::test::ScopedEnv runtime("XDG_RUNTIME_DIR", "/nonexistent");
  try {
    ssm::SecretServiceStore store;
    FAIL("connected without a bus");
  } catch (const ssm::Error& e) {
    CHECK(e.kind() == ssm::Error::Kind::kUnavailable);
    CHECK(std::string(e.what()).find("no D-Bus session bus") != std::string::npos);
  }
}

namespace {
ssm::SecretStore* g_module_store = nullptr;
nlohmann::json ModuleHandler(const nlohmann::json& request) {
  return ssm::HandleStoreRequest(*g_module_store, request);
}
}  // namespace

TEST_CASE("Secret Service: a secret that is not UTF-8 is one clear error across the module boundary",
          "[secretservice]") {
  // Another tool may keep Latin-1 bytes; nlohmann's dump() threw past the
  // module's entry point (SIGABRT, nothing on stdout).
  ssm::SecretServiceStore store;
  store.Put("latin.example", Cred("user", "caf\xe9"));
  auto c = store.Get("latin.example");
  REQUIRE(c);
  CHECK(c->secret.str() == "caf\xe9");
  g_module_store = &store;
  std::string request = R"({"op":"get","key":"latin.example"})";
  char* raw = nullptr;
  size_t size = 0;
  REQUIRE(ssm::ServeModuleCall(request.data(), request.size(), &raw, &size, ModuleHandler) == 0);
  nlohmann::json answer = nlohmann::json::parse(raw, raw + size);
  ssm::FreeModuleAnswer(raw, size);
  CHECK(answer["ok"] == false);
  CHECK(answer["message"] == "the stored secret for latin.example is not valid UTF-8 text and cannot be used");
  g_module_store = nullptr;
  CHECK(store.Erase("latin.example"));
}
