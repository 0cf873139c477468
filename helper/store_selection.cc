#include "helper/store_selection.h"

#include <sys/stat.h>

#include <functional>

#include "common/error.h"
#include "common/file_cache.h"
#include "common/log.h"
#include "common/module_abi.h"
#include "common/paths.h"
#include "store/caching_store.h"
#include "store/layered_store.h"
#include "store/store_module.h"

namespace ssm {
namespace {

StoreChoice ParseChoice(const std::string& value, const std::string& where) {
  if (value.empty() || value == "auto") return StoreChoice::kAuto;
  if (value == "secretservice" || value == "secret-service") return StoreChoice::kSecretService;
  if (value == "file") return StoreChoice::kFile;
  throw Error::BadInput(where + " must be auto, secretservice or file, not \"" + value + "\"");
}

StoreOptions FileStoreOptions(const Settings& settings) {
  StoreOptions options;
  options.data_dir = DataDir();
  if (!settings.file_store_key().empty()) options.file_key = settings.file_store_key();
  return options;
}

std::unique_ptr<SecretStore> OpenFile(const Settings& settings) {
  return OpenModuleStore("ssm-store-file.so", FileStoreOptions(settings));
}

std::unique_ptr<SecretStore> OpenSecretService() {
  return OpenModuleStore("ssm-store-secretservice.so", StoreOptions{});
}

bool FileStoreExists() {
  struct stat st;
  return stat((DataDir() + "/credentials.enc").c_str(), &st) == 0;
}

// auto with a session bus: the Secret Service, and the file store beside it
// (see store/layered_store.h).
std::unique_ptr<LayeredStore> OpenLayered(const Settings& settings) {
  return std::make_unique<LayeredStore>(OpenSecretService, [&settings] { return OpenFile(settings); }, FileStoreExists);
}

}  // namespace

StoreDecision ChooseStore(const Settings& settings, const Config& config) {
  StoreDecision decision;
  if (!settings.store().empty()) {
    decision.choice = ParseChoice(settings.store(), "SSM_STORE");
    decision.how = "SSM_STORE";
  } else if (!config.store.empty()) {
    decision.choice = ParseChoice(config.store, "\"store\" in " + config.path);
    decision.how = "config file";
  }
  return decision;
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

std::unique_ptr<SecretStore> OpenUncached(StoreChoice choice, const Settings& settings) {
  switch (choice) {
    case StoreChoice::kFile:
      return OpenFile(settings);
    case StoreChoice::kSecretService:
      return OpenSecretService();
    case StoreChoice::kAuto:
      break;
  }
  if (!SessionBusConfigured()) {
    // No bus, so no Secret Service: skip loading GLib and libsecret at all.
    SSM_DEBUG("store: no D-Bus session bus; using the file store");
    return OpenFile(settings);
  }
  return OpenLayered(settings);
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
std::string StoreStamp(StoreChoice choice, const Settings& settings) {
  std::string stamp = StoreChoiceName(choice);
  if (choice != StoreChoice::kFile) {
    std::string keyrings = DataHome() + "/keyrings";
    // gnome-keyring replaces its keyring files by rename: the folder's mtime moves.
    stamp += "|bus=" + SessionBusAddress() + "|keyrings=" + StatStamp(keyrings);
  }
  if (choice != StoreChoice::kSecretService) {
    std::string dir = DataDir();
    stamp += "|file=" + dir + "|" + StatStamp(dir) + "|" + StatStamp(dir + "/credentials.enc") + "|" + StatStamp(dir + "/credentials.key") + "|" +
             StatStamp(dir + "/credentials.gen") +
             "|envkey=" + std::to_string(std::hash<std::string>()(settings.file_store_key().str()));
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

std::string RotateFileStoreKey(const Settings& settings) {
  OpenFile(settings);
  nlohmann::json answer = CallModule("ssm-store-file.so", {{"op", "rotate_key"}});
  return DataDir() + "/credentials.key (generation " + std::to_string(answer.value("generation", 0ull)) + ")";
}

std::map<std::string, std::string> IdleStoreLogins(StoreChoice choice, const Settings& settings) {
  if (choice != StoreChoice::kAuto || !SessionBusConfigured() || !FileStoreExists()) return {};
  return OpenLayered(settings)->ListIdle();
}

std::unique_ptr<SecretStore> OpenStore(StoreChoice choice, const Settings& settings) {
  CacheSettings cache_settings = settings.Cache();
  if (choice == StoreChoice::kAuto && !SessionBusConfigured()) choice = StoreChoice::kFile;
  long ttl = cache_settings.store_answers ? CacheTtl(cache_settings, choice) : 0;
  if (ttl == 0) return OpenUncached(choice, settings);
  std::string problem;
  std::shared_ptr<Cache> cache = FileCache::OpenUserCache(&problem);
  if (!cache) {
    SSM_DEBUG("store: no cache: " + problem);
    return OpenUncached(choice, settings);
  }
  return std::make_unique<CachingStore>([choice, &settings] { return OpenUncached(choice, settings); },
                                        [choice, &settings] { return StoreStamp(choice, settings); }, ttl,
                                        std::move(cache));
}

}  // namespace ssm
