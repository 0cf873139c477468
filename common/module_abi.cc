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

nlohmann::json CallModule(const char* file, const nlohmann::json& request) {
  Module& m = Load(file);
  SecretString text;
  try {
    text = SecretString(request.dump());
  } catch (const nlohmann::json::exception&) {
    throw Error::BadInput(std::string("a value for the module ") + file +
                          " is not valid UTF-8 text (JSON cannot carry it)");
  }
  char* raw = nullptr;
  size_t size = 0;
  m.call(text.str().data(), text.size(), &raw, &size);
  if (raw == nullptr) throw Error::Failure(std::string("the module ") + file + " gave no answer");
  std::string_view answer_text(raw, size);
  WipedJson answer(ParseJsonOrDiscarded(answer_text));
  m.free(raw, size);
  if (!answer.value.is_object()) throw Error::Failure(std::string("the module ") + file + " gave a malformed answer");
  auto field = [&](const char* key, const char* fallback) {
    auto it = answer.value.find(key);
    return it != answer.value.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
  };
  auto ok = answer.value.find("ok");
  if (ok == answer.value.end() || !ok->is_boolean() || !ok->get<bool>()) {
    throw Error(ErrorKindFromName(field("kind", "failure")), field("message", "unknown error"));
  }
  return std::move(answer.value);
}

namespace {

// The answer to a request, as text; never throws past its callers' try.
std::string AnswerText(const char* request, size_t request_size,
                       nlohmann::json (*handler)(const nlohmann::json& request)) {
  WipedJson out;
  try {
    std::string_view text(request, request_size);
    if (JsonTooDeep(text)) throw Error::BadInput("the request is nested too deeply");
    WipedJson in(nlohmann::json::parse(text));
    out.value = handler(in.value);
    out.value["ok"] = true;
    // Strict: an answer (a secret, a user name) is never altered.
    return out.value.dump();
  } catch (const Error& e) {
    WipeJson(out.value);
    out.value = {{"ok", false}, {"kind", ErrorKindName(e.kind())}, {"message", e.what()}};
  } catch (const nlohmann::json::type_error& e) {
    WipeJson(out.value);
    // 316: the answer holds bytes that are not UTF-8 (dump() says which;
    // the message names no value).
    out.value = {{"ok", false},
                 {"kind", "failure"},
                 {"message", e.id == 316 ? std::string("the answer holds text that is not valid UTF-8")
                                         : std::string("internal error: ") + e.what()}};
  } catch (const std::exception& e) {
    WipeJson(out.value);
    out.value = {{"ok", false}, {"kind", "failure"}, {"message", std::string("internal error: ") + e.what()}};
  }
  // Messages are only shown: a byte that is not UTF-8 becomes U+FFFD.
  return out.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int ServeModuleCall(const char* request, size_t request_size, char** answer, size_t* answer_size,
                    nlohmann::json (*handler)(const nlohmann::json& request)) noexcept {
  *answer = nullptr;
  *answer_size = 0;
  try {
    SecretString text(AnswerText(request, request_size, handler));
    *answer = static_cast<char*>(std::malloc(text.size()));
    if (*answer == nullptr) return 1;
    *answer_size = text.size();
    memcpy(*answer, text.str().data(), text.size());
    return 0;
  } catch (...) {  // out of memory: the caller reports "no answer"
    return 1;
  }
}

void FreeModuleAnswer(char* answer, size_t answer_size) noexcept {
  if (answer == nullptr) return;
  explicit_bzero(answer, answer_size);
  std::free(answer);
}

}  // namespace ssm
