#include "store/secretservice/secret_service_store.h"

#include <libsecret/secret.h>

#include <cstring>
#include <map>
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
constexpr char kServicePath[] = "/org/freedesktop/secrets";
constexpr char kServiceInterface[] = "org.freedesktop.Secret.Service";
constexpr char kItemInterface[] = "org.freedesktop.Secret.Item";
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

// An item a search found, with its attributes, read without making a
// SecretItem (whose proxy set-up costs half a dozen D-Bus messages per item).
struct FoundItem {
  std::string path;
  std::map<std::string, std::string> attributes;
};

// At most this many reads in flight: dbus-daemon refuses a connection more
// than 128 pending replies (max_replies_per_connection).
constexpr size_t kReadWindow = 32;

struct PendingReads {
  std::vector<FoundItem>* items;
  GDBusConnection* connection;
  const gchar* name;
  size_t next = 0;  // the next item to ask for
  int pending = 0;
  GError* error = nullptr;  // the first failure other than a vanished item
};

void SendReads(PendingReads* reads);

void OnAttributes(GObject* source, GAsyncResult* result, gpointer user) {
  auto* call = static_cast<std::pair<PendingReads*, size_t>*>(user);
  PendingReads* reads = call->first;
  size_t index = call->second;
  delete call;
  GError* raw = nullptr;
  GVariant* reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw);
  --reads->pending;
  if (reply == nullptr) {
    // An item deleted since the search: gnome-keyring answers for its path
    // "No such interface org.freedesktop.DBus.Properties" (UnknownMethod).
    bool vanished = IsVanished(raw) || (raw->domain == G_DBUS_ERROR && raw->code == G_DBUS_ERROR_UNKNOWN_METHOD);
    if (vanished || reads->error != nullptr) {
      g_error_free(raw);
    } else {
      reads->error = raw;
    }
    (*reads->items)[index].path.clear();  // left out
    SendReads(reads);
    return;
  }
  GVariant* boxed = nullptr;
  g_variant_get(reply, "(v)", &boxed);
  if (boxed != nullptr && g_variant_is_of_type(boxed, G_VARIANT_TYPE("a{ss}"))) {
    GVariantIter iter;
    g_variant_iter_init(&iter, boxed);
    const gchar* k = nullptr;
    const gchar* v = nullptr;
    while (g_variant_iter_next(&iter, "{&s&s}", &k, &v)) (*reads->items)[index].attributes[k] = v;
  }
  if (boxed != nullptr) g_variant_unref(boxed);
  g_variant_unref(reply);
  SendReads(reads);
}

void SendReads(PendingReads* reads) {
  while (reads->error == nullptr && reads->next < reads->items->size() &&
         static_cast<size_t>(reads->pending) < kReadWindow) {
    size_t i = reads->next++;
    ++reads->pending;
    g_dbus_connection_call(reads->connection, reads->name, (*reads->items)[i].path.c_str(),
                           "org.freedesktop.DBus.Properties", "Get",
                           g_variant_new("(ss)", kItemInterface, "Attributes"), G_VARIANT_TYPE("(v)"),
                           G_DBUS_CALL_FLAGS_NONE, -1, nullptr, OnAttributes,
                           new std::pair<PendingReads*, size_t>(reads, i));
  }
}

// The items (locked or not) matching attrs in the schema, with their
// attributes: one SearchItems call, then the items' Attributes properties
// asked for kReadWindow at a time without waiting for each answer, so a list
// costs a few round trips however many items there are.
std::vector<FoundItem> SearchAttributes(SecretService* service,
                                        std::initializer_list<std::pair<const char*, std::string>> attrs,
                                        const std::string& doing) {
  GDBusProxy* proxy = G_DBUS_PROXY(service);
  GDBusConnection* connection = g_dbus_proxy_get_connection(proxy);
  const gchar* name = g_dbus_proxy_get_name(proxy);
  GVariantBuilder builder;
  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{ss}"));
  for (const auto& [k, v] : attrs) g_variant_builder_add(&builder, "{ss}", k, v.c_str());
  g_variant_builder_add(&builder, "{ss}", "xdg:schema", kSchemaName);  // as libsecret matches a schema
  GError* raw = nullptr;
  GVariant* reply = g_dbus_connection_call_sync(connection, name, kServicePath, kServiceInterface,
                                                "SearchItems", g_variant_new("(a{ss})", &builder),
                                                G_VARIANT_TYPE("(aoao)"), G_DBUS_CALL_FLAGS_NONE, -1, nullptr, &raw);
  if (reply == nullptr) Throw(GErrorPtr(raw), doing);
  std::vector<FoundItem> items;
  GVariantIter* unlocked = nullptr;
  GVariantIter* locked = nullptr;
  g_variant_get(reply, "(aoao)", &unlocked, &locked);
  for (GVariantIter* list : {unlocked, locked}) {
    const gchar* path = nullptr;
    while (g_variant_iter_next(list, "&o", &path)) items.push_back(FoundItem{path, {}});
    g_variant_iter_free(list);
  }
  g_variant_unref(reply);
  if (items.empty()) return items;

  GMainContext* context = g_main_context_new();
  g_main_context_push_thread_default(context);
  PendingReads reads{&items, connection, name};
  SendReads(&reads);
  while (reads.pending > 0) g_main_context_iteration(context, TRUE);
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);
  if (reads.error != nullptr) Throw(GErrorPtr(reads.error), doing);
  std::vector<FoundItem> found;
  for (FoundItem& item : items) {
    if (!item.path.empty()) found.push_back(std::move(item));
  }
  return found;
}

std::string Value(const FoundItem& item, const char* name) {
  auto it = item.attributes.find(name);
  return it == item.attributes.end() ? std::string() : it->second;
}

// Every matching item (SECRET_SEARCH_ALL | extra), the locked ones unlocked:
// asked to unlock only when a locked item matched, as libsecret sends an
// Unlock call (a round trip) for every search that may unlock, even when
// nothing is locked.
GList* SearchUnlocking(SecretService* service, GHashTable* attrs, SecretSearchFlags extra, const std::string& doing) {
  auto flags = static_cast<SecretSearchFlags>(SECRET_SEARCH_ALL | extra);
  GList* found = Search(service, attrs, flags, doing);
  bool locked = false;
  for (GList* l = found; l != nullptr; l = l->next) locked = locked || secret_item_get_locked(SECRET_ITEM(l->data));
  if (!locked) return found;
  g_list_free_full(found, g_object_unref);
  return Search(service, attrs, static_cast<SecretSearchFlags>(flags | SECRET_SEARCH_UNLOCK), doing);
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
  ItemList list(SearchUnlocking(service_, attrs.get(), SECRET_SEARCH_LOAD_SECRETS, "search for the credentials of " + key));
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
  const std::string doing = "remove older credentials of " + key;
  for (const FoundItem& found : SearchAttributes(service_, {{"server", key}, {"docker_cli", "1"}}, doing)) {
    std::string username = Value(found, "username");
    if (username == credential.username) continue;
    // Every item of that server and user name (libsecret handles unlocking).
    HashTablePtr older = Attributes({{"server", key}, {"username", username}, {"docker_cli", "1"}});
    secret_password_clearv_sync(DockerSchema(), older.get(), nullptr, &raw);
    if (raw != nullptr && IsVanished(raw)) {
      g_error_free(raw);
      raw = nullptr;
    }
    if (raw != nullptr) Throw(GErrorPtr(raw), doing);
  }
}

bool SecretServiceStore::Erase(const std::string& key) {
  HashTablePtr attrs = Attributes({{"server", key}, {"docker_cli", "1"}});
  ItemList list(SearchUnlocking(service_, attrs.get(), SECRET_SEARCH_NONE, "search for the credentials of " + key));
  bool erased = false;
  for (SecretItem* item : list.items()) {
    Delete(item, "remove the credentials of " + key);
    erased = true;
  }
  return erased;
}

std::map<std::string, std::string> SecretServiceStore::List() {
  std::map<std::string, std::string> out;
  for (const FoundItem& item : SearchAttributes(service_, {{"docker_cli", "1"}}, "list the stored credentials")) {
    std::string server = Value(item, "server");
    if (!server.empty()) out[server] = Value(item, "username");
  }
  return out;
}

}  // namespace ssm
