#include "store/secret_service_store.h"

#include <libsecret/secret.h>

#include <cstring>
#include <memory>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "common/paths.h"

namespace ssm {
namespace {

struct GErrorFree {
  void operator()(GError* e) const { g_error_free(e); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

struct HashTableUnref {
  void operator()(GHashTable* t) const { g_hash_table_unref(t); }
};
using HashTablePtr = std::unique_ptr<GHashTable, HashTableUnref>;

struct ObjectUnref {
  void operator()(gpointer o) const { g_object_unref(o); }
};
using CollectionPtr = std::unique_ptr<SecretCollection, ObjectUnref>;

struct ValueUnref {
  void operator()(SecretValue* v) const { secret_value_unref(v); }
};
using ValuePtr = std::unique_ptr<SecretValue, ValueUnref>;

struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFree>;

// Owns the items a search returned.
class ItemList {
 public:
  explicit ItemList(GList* list) : list_(list) {}
  ~ItemList() { g_list_free_full(list_, g_object_unref); }
  ItemList(const ItemList&) = delete;
  ItemList& operator=(const ItemList&) = delete;
  std::vector<SecretItem*> items() const {
    std::vector<SecretItem*> out;
    for (GList* l = list_; l != nullptr; l = l->next) out.push_back(static_cast<SecretItem*>(l->data));
    return out;
  }

 private:
  GList* list_;
};

constexpr char kSchemaName[] = "io.docker.Credentials";
constexpr char kLabelValue[] = "Docker Credentials";

const SecretSchema* DockerSchema() {
  static const SecretSchema schema = [] {
    SecretSchema s;
    std::memset(&s, 0, sizeof s);
    s.name = kSchemaName;
    s.flags = SECRET_SCHEMA_NONE;
    const char* names[] = {"label", "server", "username", "docker_cli"};
    for (size_t i = 0; i < 4; ++i) {
      s.attributes[i].name = names[i];
      s.attributes[i].type = SECRET_SCHEMA_ATTRIBUTE_STRING;
    }
    return s;
  }();
  return &schema;
}

HashTablePtr Attributes(std::initializer_list<std::pair<const char*, std::string>> pairs) {
  HashTablePtr table(g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free));
  for (const auto& [k, v] : pairs) g_hash_table_insert(table.get(), g_strdup(k), g_strdup(v.c_str()));
  return table;
}

std::string Attribute(SecretItem* item, const char* name) {
  HashTablePtr attrs(secret_item_get_attributes(item));
  auto* v = static_cast<const char*>(g_hash_table_lookup(attrs.get(), name));
  return v == nullptr ? std::string() : std::string(v);
}

// An item found by a search can be deleted by another process before libsecret
// has loaded it; that is a race, not a failure.
bool IsVanished(const GError* e) {
  return e != nullptr && ((e->domain == SECRET_ERROR && e->code == SECRET_ERROR_NO_SUCH_OBJECT) ||
                          (e->domain == G_DBUS_ERROR && e->code == G_DBUS_ERROR_UNKNOWN_OBJECT) ||
                          std::strstr(e->message, "No such secret item") != nullptr);
}

bool IsUnavailable(const GError* e) {
  if (e->domain == G_DBUS_ERROR) {
    switch (e->code) {
      case G_DBUS_ERROR_SERVICE_UNKNOWN:
      case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
      case G_DBUS_ERROR_NO_SERVER:
      case G_DBUS_ERROR_DISCONNECTED:
      case G_DBUS_ERROR_NO_REPLY:
      case G_DBUS_ERROR_TIMEOUT:
      case G_DBUS_ERROR_TIMED_OUT:
      case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
      case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
      case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
      case G_DBUS_ERROR_SPAWN_FAILED:
      case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
      case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
      case G_DBUS_ERROR_UNKNOWN_METHOD:
      case G_DBUS_ERROR_UNKNOWN_OBJECT:
      case G_DBUS_ERROR_UNKNOWN_INTERFACE:
        return true;
      default:
        return false;
    }
  }
  if (e->domain == G_IO_ERROR) {
    return e->code == G_IO_ERROR_CLOSED || e->code == G_IO_ERROR_NOT_FOUND ||
           e->code == G_IO_ERROR_CONNECTION_REFUSED || e->code == G_IO_ERROR_TIMED_OUT ||
           e->code == G_IO_ERROR_BROKEN_PIPE || e->code == G_IO_ERROR_CONNECTION_CLOSED;
  }
  return false;
}

[[noreturn]] void Throw(GErrorPtr err, const std::string& doing) {
  std::string detail = err ? err->message : "unknown error";
  // GLib prefixes remote errors with "GDBus.Error:<name>: "; the name helps a
  // person searching for it, so it is kept.
  std::string message = "Secret Service: cannot " + doing + ": " + detail;
  if (err && IsUnavailable(err.get())) throw Error::Unavailable(message);
  if (err && ((err->domain == SECRET_ERROR && err->code == SECRET_ERROR_IS_LOCKED) ||
              (err->domain == G_IO_ERROR && err->code == G_IO_ERROR_CANCELLED) ||
              (err->domain == G_DBUS_ERROR && err->code == G_DBUS_ERROR_ACCESS_DENIED))) {
    throw Error::Denied(message);
  }
  throw Error::Failure(message);
}

// Searches, trying again when an item vanished while its properties loaded.
GList* Search(SecretService* service, GHashTable* attrs, SecretSearchFlags flags, const std::string& doing) {
  for (int attempt = 1;; ++attempt) {
    GError* raw = nullptr;
    GList* found = secret_service_search_sync(service, DockerSchema(), attrs, flags, nullptr, &raw);
    if (raw == nullptr) return found;
    g_list_free_full(found, g_object_unref);
    if (attempt < 5 && IsVanished(raw)) {
      g_error_free(raw);
      continue;
    }
    Throw(GErrorPtr(raw), doing);
  }
}

// Deletes an item; one that is already gone is fine.
void Delete(SecretItem* item, const std::string& doing) {
  GError* raw = nullptr;
  if (secret_item_delete_sync(item, nullptr, &raw)) return;
  if (IsVanished(raw)) {
    g_error_free(raw);
    return;
  }
  Throw(GErrorPtr(raw), doing);
}

}  // namespace

SecretServiceStore::SecretServiceStore() {
  // Without this check GLib tries to autolaunch a bus through X11 and fails
  // with "Cannot autolaunch D-Bus without X11 $DISPLAY", which helps nobody.
  if (!SessionBusConfigured()) {
    throw Error::Unavailable(
        "Secret Service: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no "
        "$XDG_RUNTIME_DIR/bus); run inside a desktop session or dbus-run-session, or use the file store "
        "(SSM_STORE=file)");
  }
  GError* raw = nullptr;
  service_ = secret_service_get_sync(SECRET_SERVICE_NONE, nullptr, &raw);
  if (service_ == nullptr) Throw(GErrorPtr(raw), "connect to the session bus");
}

SecretServiceStore::~SecretServiceStore() {
  if (service_ != nullptr) g_object_unref(service_);
}

std::optional<Credential> SecretServiceStore::Get(const std::string& key) {
  HashTablePtr attrs = Attributes({{"server", key}, {"docker_cli", "1"}});
  ItemList list(Search(service_, attrs.get(),
                      static_cast<SecretSearchFlags>(SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS),
                      "search for the credentials of " + key));
  SecretItem* newest = nullptr;
  bool any_locked = false;
  // Other helpers may have left several items for one server; the newest wins.
  for (SecretItem* item : list.items()) {
    if (secret_item_get_locked(item)) {
      any_locked = true;
      continue;
    }
    if (newest == nullptr || secret_item_get_modified(item) > secret_item_get_modified(newest)) newest = item;
  }
  if (newest == nullptr) {
    if (any_locked) {
      throw Error::Denied("Secret Service: the keyring holding the credentials for " + key +
                          " is locked and was not unlocked (unlock it, e.g. by logging in to the desktop "
                          "session, or run gnome-keyring-daemon --unlock)");
    }
    return std::nullopt;
  }
  ValuePtr value(secret_item_get_secret(newest));
  if (!value) {
    throw Error::Failure("Secret Service: the item for " + key + " came back without its secret");
  }
  gsize length = 0;
  const gchar* bytes = secret_value_get(value.get(), &length);
  Credential c;
  c.username = Attribute(newest, "username");
  c.secret = SecretString(std::string(bytes, length));
  return c;
}

void SecretServiceStore::Put(const std::string& key, const Credential& credential) {
  GError* raw = nullptr;
  CollectionPtr collection(
      secret_collection_for_alias_sync(service_, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, nullptr, &raw));
  if (raw != nullptr) Throw(GErrorPtr(raw), "find the default keyring");
  if (!collection) {
    throw Error::Failure("Secret Service: there is no default keyring to store the credentials in");
  }
  if (secret_collection_get_locked(collection.get())) {
    SSM_DEBUG("secretservice: the default keyring is locked; asking the service to unlock it");
    GList* objects = g_list_append(nullptr, collection.get());
    GList* unlocked = nullptr;
    secret_service_unlock_sync(service_, objects, nullptr, &unlocked, &raw);
    g_list_free(objects);
    bool ok = unlocked != nullptr;
    g_list_free_full(unlocked, g_object_unref);
    if (raw != nullptr) Throw(GErrorPtr(raw), "unlock the default keyring");
    if (!ok) {
      throw Error::Denied(
          "Secret Service: the default keyring is locked and was not unlocked (the unlock prompt was "
          "dismissed or could not be shown); nothing was stored");
    }
  }
  HashTablePtr attrs =
      Attributes({{"label", kLabelValue}, {"server", key}, {"username", credential.username}, {"docker_cli", "1"}});
  // The item's label is the server: docker-credential-secretservice 0.6 (the
  // Debian package) lists servers by label. Upstream's newer helper labels
  // items "Registry credentials for <server>" but lists by attribute.
  secret_password_storev_sync(DockerSchema(), attrs.get(), SECRET_COLLECTION_DEFAULT, key.c_str(),
                              credential.secret.str().c_str(), nullptr, &raw);
  if (raw != nullptr) Throw(GErrorPtr(raw), "store the credentials for " + key);

  // Stored first, then the items of other usernames removed: a failure between
  // the two leaves an extra item, never none.
  HashTablePtr by_server = Attributes({{"server", key}, {"docker_cli", "1"}});
  ItemList list(Search(service_, by_server.get(), SECRET_SEARCH_ALL, "search for older credentials of " + key));
  for (SecretItem* item : list.items()) {
    if (Attribute(item, "username") == credential.username) continue;
    Delete(item, "remove older credentials of " + key);
  }
}

bool SecretServiceStore::Erase(const std::string& key) {
  HashTablePtr attrs = Attributes({{"server", key}, {"docker_cli", "1"}});
  ItemList list(Search(service_, attrs.get(), static_cast<SecretSearchFlags>(SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK),
                      "search for the credentials of " + key));
  bool erased = false;
  for (SecretItem* item : list.items()) {
    Delete(item, "remove the credentials of " + key);
    erased = true;
  }
  return erased;
}

std::map<std::string, std::string> SecretServiceStore::List() {
  HashTablePtr attrs = Attributes({{"docker_cli", "1"}});
  ItemList list(Search(service_, attrs.get(), SECRET_SEARCH_ALL, "list the stored credentials"));
  std::map<std::string, std::string> out;
  for (SecretItem* item : list.items()) {
    std::string server = Attribute(item, "server");
    if (!server.empty()) out[server] = Attribute(item, "username");
  }
  return out;
}

}  // namespace ssm
