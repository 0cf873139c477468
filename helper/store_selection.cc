#include "helper/store_selection.h"

#include <sys/stat.h>

#include <cstdlib>
#include <functional>
#include <cstring>

#include "common/cache_settings.h"
#include "common/error.h"
#include "common/file_cache.h"
#include "common/log.h"
#include "common/paths.h"
#include "store/caching_store.h"
#include "store/store_module.h"

namespace ssm {
namespace {

StoreChoice ParseChoice(const std::string& value, const std::string& where) {
  if (value.empty() || value == "auto") return StoreChoice::kAuto;
  if (value == "secretservice" || value == "secret-service") return StoreChoice::kSecretService;
  if (value == "file") return StoreChoice::kFile;
  throw Error::BadInput(where + " must be auto, secretservice or file, not \"" + value + "\"");
}

StoreOptions FileStoreOptions() {
  StoreOptions options;
  options.data_dir = DataDir();
  if (const char* key = std::getenv("SSM_FILE_STORE_KEY"); key != nullptr && *key != '\0') {
    options.file_key = SecretString(key);
  }
  return options;
}

std::unique_ptr<SecretStore> OpenFile() {
  return OpenModuleStore("ssm-store-file.so", FileStoreOptions());
}

std::unique_ptr<SecretStore> OpenSecretService() {
  return OpenModuleStore("ssm-store-secretservice.so", StoreOptions{});
}

// Tries the Secret Service; when the first thing asked of it finds no service,
// moves to the file store for good. Once the service has answered, its errors
// are errors: writing elsewhere mid-command would scatter a user's logins.
class AutoStore : public SecretStore {
 public:
  explicit AutoStore(std::unique_ptr<SecretStore> primary) : current_(std::move(primary)) {}

  std::string Name() const override { return current_->Name(); }
  std::optional<Credential> Get(const std::string& key) override {
    return Call([&](SecretStore& s) { return s.Get(key); });
  }
  void Put(const std::string& key, const Credential& c) override {
    Call([&](SecretStore& s) {
      s.Put(key, c);
      return 0;
    });
  }
  bool Erase(const std::string& key) override {
    return Call([&](SecretStore& s) { return s.Erase(key); });
  }
  std::map<std::string, std::string> List() override {
    return Call([&](SecretStore& s) { return s.List(); });
  }

 private:
  template <typename F>
  auto Call(F f) -> decltype(f(std::declval<SecretStore&>())) {
    if (answered_) return f(*current_);
    try {
      auto result = f(*current_);
      answered_ = true;
      return result;
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kUnavailable) throw;
      SSM_DEBUG(std::string("store: ") + e.what() + "; using the file store");
      current_ = OpenFile();
      answered_ = true;
      return f(*current_);
    }
  }

  std::unique_ptr<SecretStore> current_;
  bool answered_ = false;
};

}  // namespace

StoreChoice ChooseStore(const Config& config) {
  if (const char* env = std::getenv("SSM_STORE"); env != nullptr && *env != '\0') {
    return ParseChoice(env, "SSM_STORE");
  }
  return ParseChoice(config.store, "\"store\" in " + config.path);
}

const char* StoreChoiceName(StoreChoice choice) {
  switch (choice) {
    case StoreChoice::kAuto: return "auto";
    case StoreChoice::kSecretService: return "secretservice";
    case StoreChoice::kFile: return "file";
  }
  return "auto";
}

namespace {

std::unique_ptr<SecretStore> OpenUncached(StoreChoice choice) {
  switch (choice) {
    case StoreChoice::kFile:
      return OpenFile();
    case StoreChoice::kSecretService:
      return OpenSecretService();
    case StoreChoice::kAuto:
      break;
  }
  if (!SessionBusConfigured()) {
    // No bus, so no Secret Service: skip loading GLib and libsecret at all.
    SSM_DEBUG("store: no D-Bus session bus; using the file store");
    return OpenFile();
  }
  try {
    return std::make_unique<AutoStore>(OpenSecretService());
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::kUnavailable) throw;
    SSM_DEBUG(std::string("store: ") + e.what() + "; using the file store");
    return OpenFile();
  }
}

std::string StatStamp(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "-";
  // ctime moves on every write, rename and chmod: a file made world-readable
  // is refused again at once, not served from the cache.
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mode) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

// What identifies the store a command would use and the state it is in; any
// write to it changes the stamp.
std::string StoreStamp(StoreChoice choice) {
  std::string stamp = StoreChoiceName(choice);
  if (choice != StoreChoice::kFile) {
    const char* bus = std::getenv("DBUS_SESSION_BUS_ADDRESS");
    const char* data = std::getenv("XDG_DATA_HOME");
    std::string keyrings = (data != nullptr && data[0] == '/' ? std::string(data) : HomeDir() + "/.local/share") + "/keyrings";
    // gnome-keyring replaces its keyring files by rename: the folder's mtime moves.
    stamp += "|bus=" + std::string(bus != nullptr ? bus : "") + "|keyrings=" + StatStamp(keyrings);
  }
  if (choice != StoreChoice::kSecretService) {
    std::string dir = DataDir();
    const char* key = std::getenv("SSM_FILE_STORE_KEY");
    stamp += "|file=" + dir + "|" + StatStamp(dir) + "|" + StatStamp(dir + "/credentials.enc") + "|" + StatStamp(dir + "/credentials.key") +
             "|envkey=" + std::to_string(std::hash<std::string>()(key != nullptr ? key : ""));
  }
  return stamp;
}

// Seconds a cached answer lives: SSM_CACHE_TTL, else 10 minutes for the file
// store (its stamp sees every change) and 30 seconds when the Secret Service
// may be in use (a write by another program is not always seen).
long CacheTtl(const CacheSettings& settings, StoreChoice choice) {
  if (settings.store_ttl) return *settings.store_ttl;
  return choice == StoreChoice::kFile ? 600 : 30;
}

}  // namespace

std::unique_ptr<SecretStore> OpenStore(StoreChoice choice) {
  CacheSettings settings = CacheSettings::FromEnvironment();
  if (choice == StoreChoice::kAuto && !SessionBusConfigured()) choice = StoreChoice::kFile;
  long ttl = settings.store_answers ? CacheTtl(settings, choice) : 0;
  if (ttl == 0) return OpenUncached(choice);
  std::string problem;
  std::shared_ptr<Cache> cache = FileCache::OpenUserCache(&problem);
  if (!cache) {
    SSM_DEBUG("store: no cache: " + problem);
    return OpenUncached(choice);
  }
  return std::make_unique<CachingStore>([choice] { return OpenUncached(choice); },
                                        [choice] { return StoreStamp(choice); }, ttl, std::move(cache));
}

}  // namespace ssm
