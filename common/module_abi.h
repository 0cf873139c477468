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

extern "C" {
using SsmModuleCallFn = int (*)(const char* request, size_t request_size, char** answer, size_t* answer_size);
using SsmModuleFreeFn = void (*)(char* answer, size_t answer_size);
}

namespace ssm {

// Binary side: loads module file and runs one request, returning the
// answer's fields or throwing the module's Error.
nlohmann::json CallModule(const char* file, const nlohmann::json& request);

// Module side: answers one request with handler, turning an ssm::Error (or
// any other exception) into the error answer.
int ServeModuleCall(const char* request, size_t request_size, char** answer, size_t* answer_size,
                    nlohmann::json (*handler)(const nlohmann::json& request));
void FreeModuleAnswer(char* answer, size_t answer_size);

// Wipes every string in a JSON value (requests and answers carry secrets).
void WipeJson(nlohmann::json& j);

const char* ErrorKindName(Error::Kind kind);
Error::Kind ErrorKindFromName(const std::string& name);

}  // namespace ssm
