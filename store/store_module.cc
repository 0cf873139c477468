#include "store/store_module.h"

#include "common/error.h"
#include "common/log.h"
#include "common/module_abi.h"

namespace ssm {
namespace {

// A SecretStore whose work is done by a module.
class ModuleStore : public SecretStore {
 public:
  ModuleStore(const char* file, std::string name) : file_(file), name_(std::move(name)) {}

  std::string Name() const override { return name_; }

  std::optional<Credential> Get(const std::string& key) override {
    nlohmann::json answer = CallModule(file_, {{"op", "get"}, {"key", key}});
    std::optional<Credential> out;
    if (answer.value("found", false)) {
      Credential c;
      c.username = answer.value("username", "");
      c.secret = SecretString(answer.value("secret", ""));
      out = std::move(c);
    }
    WipeJson(answer);
    return out;
  }

  void Put(const std::string& key, const Credential& credential) override {
    nlohmann::json request = {
        {"op", "put"}, {"key", key}, {"username", credential.username}, {"secret", credential.secret.str()}};
    try {
      CallModule(file_, request);
    } catch (...) {
      WipeJson(request);
      throw;
    }
    WipeJson(request);
  }

  bool Erase(const std::string& key) override {
    return CallModule(file_, {{"op", "erase"}, {"key", key}}).value("erased", false);
  }

  std::map<std::string, std::string> List() override {
    nlohmann::json answer = CallModule(file_, {{"op", "list"}});
    std::map<std::string, std::string> out;
    if (answer.contains("items") && answer["items"].is_object()) {
      for (auto& [k, v] : answer["items"].items()) out[k] = v.is_string() ? v.get<std::string>() : "";
    }
    return out;
  }

 private:
  const char* file_;
  std::string name_;
};

}  // namespace

std::unique_ptr<SecretStore> OpenModuleStore(const char* file, const StoreOptions& options) {
  nlohmann::json opts = {{"data_dir", options.data_dir}};
  if (options.file_key) opts["file_key"] = options.file_key->str();
  nlohmann::json request = {{"op", "open"}, {"options", opts}};
  nlohmann::json answer;
  try {
    answer = CallModule(file, request);
  } catch (...) {
    WipeJson(request);
    throw;
  }
  WipeJson(request);
  SSM_DEBUG(std::string("store: opened the ") + answer.value("name", "?") + " store (" + file + ")");
  return std::make_unique<ModuleStore>(file, answer.value("name", "?"));
}

StoreOptions StoreOptionsFromJson(const nlohmann::json& options) {
  StoreOptions o;
  o.data_dir = options.value("data_dir", "");
  if (options.contains("file_key") && options["file_key"].is_string()) {
    o.file_key = SecretString(options["file_key"].get<std::string>());
  }
  return o;
}

nlohmann::json HandleStoreRequest(SecretStore& store, const nlohmann::json& request) {
  std::string op = request.value("op", "");
  if (op == "get") {
    std::optional<Credential> c = store.Get(request.at("key").get<std::string>());
    if (!c) return {{"found", false}};
    return {{"found", true}, {"username", c->username}, {"secret", c->secret.str()}};
  }
  if (op == "put") {
    Credential c;
    c.username = request.at("username").get<std::string>();
    c.secret = SecretString(request.at("secret").get<std::string>());
    store.Put(request.at("key").get<std::string>(), c);
    return nlohmann::json::object();
  }
  if (op == "erase") return {{"erased", store.Erase(request.at("key").get<std::string>())}};
  if (op == "list") {
    nlohmann::json items = nlohmann::json::object();
    for (const auto& [k, v] : store.List()) items[k] = v;
    return {{"items", items}};
  }
  throw Error::Failure("store module: unknown request \"" + op + "\"");
}

}  // namespace ssm
