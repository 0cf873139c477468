#include "common/module_abi.h"

#include <string.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "common/module_loader.h"
#include "common/secure.h"

namespace ssm {
namespace {

struct Module {
  std::once_flag once;
  SsmModuleCallFn call = nullptr;
  SsmModuleFreeFn free = nullptr;
};

// Thread-safe: get may mint on a second thread (ssm-net) while it asks the
// store (another module) on the first.
Module& Load(const char* file) {
  static std::mutex mu;
  static std::map<std::string, Module> loaded;
  Module* m;
  {
    std::lock_guard<std::mutex> hold(mu);
    m = &loaded[file];
  }
  std::call_once(m->once, [m, file] {  // a throw leaves it to be tried again
    m->call = reinterpret_cast<SsmModuleCallFn>(LoadModuleSymbol(file, "SsmModuleCall"));
    m->free = reinterpret_cast<SsmModuleFreeFn>(LoadModuleSymbol(file, "SsmModuleFree"));
  });
  return *m;
}

struct KindName {
  Error::Kind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{Error::Kind::kUsage, "usage"},         {Error::Kind::kBadInput, "bad_input"},
                               {Error::Kind::kUnavailable, "unavailable"}, {Error::Kind::kDenied, "denied"},
                               {Error::Kind::kCorrupt, "corrupt"},     {Error::Kind::kFailure, "failure"}};

}  // namespace

const char* ErrorKindName(Error::Kind kind) {
  for (const KindName& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "failure";
}

Error::Kind ErrorKindFromName(const std::string& name) {
  for (const KindName& k : kKinds) {
    if (name == k.name) return k.kind;
  }
  return Error::Kind::kFailure;
}

void WipeJson(nlohmann::json& j) {
  if (j.is_string()) {
    Cleanse(j.get_ref<std::string&>());
  } else if (j.is_structured()) {
    for (auto& child : j) WipeJson(child);
  }
}

nlohmann::json CallModule(const char* file, const nlohmann::json& request) {
  Module& m = Load(file);
  SecretString text(request.dump());
  char* raw = nullptr;
  size_t size = 0;
  m.call(text.str().data(), text.size(), &raw, &size);
  if (raw == nullptr) throw Error::Failure(std::string("the module ") + file + " gave no answer");
  nlohmann::json answer = nlohmann::json::parse(raw, raw + size, nullptr, false);
  m.free(raw, size);
  if (!answer.is_object()) throw Error::Failure(std::string("the module ") + file + " gave a malformed answer");
  if (!answer.value("ok", false)) {
    std::string message = answer.value("message", std::string("unknown error"));
    throw Error(ErrorKindFromName(answer.value("kind", std::string("failure"))), message);
  }
  return answer;
}

int ServeModuleCall(const char* request, size_t request_size, char** answer, size_t* answer_size,
                    nlohmann::json (*handler)(const nlohmann::json& request)) {
  nlohmann::json out;
  try {
    nlohmann::json in = nlohmann::json::parse(request, request + request_size);
    try {
      out = handler(in);
    } catch (...) {
      WipeJson(in);
      throw;
    }
    WipeJson(in);
    out["ok"] = true;
  } catch (const Error& e) {
    out = {{"ok", false}, {"kind", ErrorKindName(e.kind())}, {"message", e.what()}};
  } catch (const std::exception& e) {
    out = {{"ok", false}, {"kind", "failure"}, {"message", std::string("internal error: ") + e.what()}};
  }
  std::string text = out.dump();
  WipeJson(out);
  *answer = static_cast<char*>(std::malloc(text.size()));
  *answer_size = text.size();
  if (*answer != nullptr) memcpy(*answer, text.data(), text.size());
  Cleanse(text);
  return *answer != nullptr ? 0 : 1;
}

void FreeModuleAnswer(char* answer, size_t answer_size) {
  if (answer == nullptr) return;
  explicit_bzero(answer, answer_size);
  std::free(answer);
}

}  // namespace ssm
