// The boundary between the binary and its modules (ssm-store-*.so, ssm-net.so)
// is two C functions carrying JSON, so no C++ exception, object or runtime
// crosses it: each side may link its own copy of the C++ runtime (the binary
// links it statically, which saves half a millisecond on every `get`).
//
//   int SsmModuleCall(const char* request, size_t request_size,
//                     char** answer, size_t* answer_size);
//   void SsmModuleFree(char* answer, size_t answer_size);
//
// A request is a JSON object with an "op"; the answer is {"ok": true, ...}
// or {"ok": false, "kind": "<Error::Kind>", "message": "..."}. Answers may
// hold secrets: SsmModuleFree wipes them before freeing.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "common/secret_json.h"

extern "C" {
using SsmModuleCallFn = int (*)(const char* request, size_t request_size, char** answer, size_t* answer_size);
using SsmModuleFreeFn = void (*)(char* answer, size_t answer_size);
}

namespace ssm {

// Binary side: loads module file and runs one request, returning the
// answer's fields or throwing the module's Error (or Error::BadInput when the
// request holds text that is not UTF-8). The request and the answer may hold
// secrets: the caller wipes them (WipedJson).
nlohmann::json CallModule(const char* file, const nlohmann::json& request);

// Module side: answers one request with handler, turning an ssm::Error (or
// any other exception) into the error answer. Nothing is thrown past it: an
// answer that JSON cannot carry (text that is not UTF-8) becomes an error
// answer, and when even that fails it returns 1 with no answer.
int ServeModuleCall(const char* request, size_t request_size, char** answer, size_t* answer_size,
                    nlohmann::json (*handler)(const nlohmann::json& request)) noexcept;
void FreeModuleAnswer(char* answer, size_t answer_size) noexcept;

const char* ErrorKindName(Error::Kind kind);
Error::Kind ErrorKindFromName(const std::string& name);

}  // namespace ssm

// Defines a module's two entry points (in a module's one source file) on
// handler, a function nlohmann::json(const nlohmann::json& request).
#define SSM_MODULE_ENTRY_POINTS(handler)                                                                      \
  extern "C" __attribute__((visibility("default"))) int SsmModuleCall(const char* request, size_t request_size, \
                                                                       char** answer, size_t* answer_size) {    \
    return ssm::ServeModuleCall(request, request_size, answer, answer_size, handler);                          \
  }                                                                                                             \
  extern "C" __attribute__((visibility("default"))) void SsmModuleFree(char* answer, size_t answer_size) {     \
    ssm::FreeModuleAnswer(answer, answer_size);                                                                 \
  }
