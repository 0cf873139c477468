#include "helper/store_selection.h"

#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "common/log.h"
#include "common/paths.h"
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
      LogDebug(std::string("store: ") + e.what() + "; using the file store");
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

std::unique_ptr<SecretStore> OpenStore(StoreChoice choice) {
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
    LogDebug("store: no D-Bus session bus; using the file store");
    return OpenFile();
  }
  try {
    return std::make_unique<AutoStore>(OpenSecretService());
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::kUnavailable) throw;
    LogDebug(std::string("store: ") + e.what() + "; using the file store");
    return OpenFile();
  }
}

}  // namespace ssm
