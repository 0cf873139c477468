#include "helper/store_selection.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "common/log.h"
#include "common/paths.h"
#include "store/store_module.h"

#ifndef SSM_MODULE_RELDIR
#define SSM_MODULE_RELDIR "../lib/docker-credential-ssm"
#endif

namespace ssm {
namespace {

StoreChoice ParseChoice(const std::string& value, const std::string& where) {
  if (value.empty() || value == "auto") return StoreChoice::kAuto;
  if (value == "secretservice" || value == "secret-service") return StoreChoice::kSecretService;
  if (value == "file") return StoreChoice::kFile;
  throw Error::BadInput(where + " must be auto, secretservice or file, not \"" + value + "\"");
}

std::string ExecutableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string path(buf);
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Loads a store module from the install location next to the binary
// (bin/../lib/docker-credential-ssm) or, in a build tree, beside it.
SsmOpenStoreFn LoadModule(const char* file, const char* symbol) {
  std::string dir = ExecutableDir();
  std::string candidates[] = {dir + "/" SSM_MODULE_RELDIR "/" + file, dir + "/" + file};
  std::string errors;
  for (const std::string& path : candidates) {
    if (access(path.c_str(), F_OK) != 0) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      errors = dlerror();
      continue;
    }
    auto fn = reinterpret_cast<SsmOpenStoreFn>(dlsym(handle, symbol));
    if (fn != nullptr) return fn;
    errors = std::string(symbol) + " not found in " + path;
  }
  throw Error::Failure(std::string("cannot load the store module ") + file + " (looked in " + candidates[0] +
                       " and " + candidates[1] + ")" + (errors.empty() ? "" : ": " + errors));
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
  return std::unique_ptr<SecretStore>(LoadModule("ssm-store-file.so", "SsmOpenFileStore")(FileStoreOptions()));
}

std::unique_ptr<SecretStore> OpenSecretService() {
  return std::unique_ptr<SecretStore>(
      LoadModule("ssm-store-secretservice.so", "SsmOpenSecretServiceStore")(StoreOptions{}));
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
