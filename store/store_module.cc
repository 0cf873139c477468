#include "store/store_module.h"

#include "common/error.h"
#include "common/log.h"
#include "common/module_abi.h"
#include "common/utf8.h"

namespace ssm {
namespace {

// A SecretStore whose work is done by a module.
class ModuleStore : public SecretStore {
 public:
  ModuleStore(const char* file, std::string name) : file_(file), name_(std::move(name)) {}

  std::string Name() const override { return name_; }

  std::optional<Credential> Get(const std::string& key) override {
    WipedJson answer(CallModule(file_, {{"op", "get"}, {"key", key}}));
    std::optional<Credential> out;
    if (answer.value.value("found", false)) {
      Credential c;
      c.username = answer.value.value("username", "");
      c.secret = SecretString(answer.value.value("secret", ""));
      out = std::move(c);
    }
    return out;
  }

  void Put(const std::string& key, const Credential& credential) override {
    WipedJson request(
        {{"op", "put"}, {"key", key}, {"username", credential.username}, {"secret", credential.secret.str()}});
    CallModule(file_, request.value);
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
  WipedJson request({{"op", "open"}, {"options", {{"data_dir", options.data_dir}}}});
  if (options.file_key) request.value["options"]["file_key"] = options.file_key->str();
  nlohmann::json answer = CallModule(file, request.value);
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
    // JSON carries only UTF-8, and a secret with a byte replaced would be a
    // wrong password: refuse it (the item was written by another tool).
    if (!IsValidUtf8(c->username) || !IsValidUtf8(c->secret.str())) {
      throw Error::Failure(std::string("the stored ") + (IsValidUtf8(c->username) ? "secret" : "user name") +
                           " for " + ToValidUtf8(request.at("key").get<std::string>()) +
                           " is not valid UTF-8 text and cannot be used");
    }
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
    // Only shown: a name in another encoding (Latin-1) shows with U+FFFD.
    for (const auto& [k, v] : store.List()) items[ToValidUtf8(k)] = ToValidUtf8(v);
    return {{"items", items}};
  }
  throw Error::Failure("store module: unknown request \"" + op + "\"");
}

}  // namespace ssm
