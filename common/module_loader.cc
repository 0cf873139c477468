#include "common/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "common/error.h"

#ifndef SSM_MODULE_RELDIR
#define SSM_MODULE_RELDIR "../lib/docker-credential-ssm"
#endif

namespace ssm {
namespace {

std::string ExecutableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string path(buf);
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::atomic<bool> g_loaded{false};

}  // namespace

bool AnyModuleLoaded() { return g_loaded; }

void* LoadModuleSymbol(const char* file, const char* symbol) {
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
    g_loaded = true;
    if (void* fn = dlsym(handle, symbol)) return fn;
    errors = std::string(symbol) + " not found in " + path;
  }
  throw Error::Failure(std::string("cannot load the module ") + file + " (looked in " + candidates[0] + " and " +
                       candidates[1] + ")" + (errors.empty() ? "" : ": " + errors));
}

}  // namespace ssm
