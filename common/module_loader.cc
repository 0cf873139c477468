#include "common/module_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "common/error.h"
#include "common/log.h"

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

class Preloads {
 public:
  ~Preloads() {
    for (auto& [file, thread] : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  void Start(const char* file, std::function<void()> work) {
    std::lock_guard<std::mutex> hold(mu_);
    if (threads_.count(file) != 0) return;
    try {
      threads_.emplace(file, std::thread(std::move(work)));
    } catch (const std::system_error&) {
      // No thread: the module loads when it is used.
    }
  }
  void Wait(const char* file) {
    std::thread thread;
    {
      std::lock_guard<std::mutex> hold(mu_);
      auto it = threads_.find(file);
      if (it == threads_.end() || !it->second.joinable()) return;
      thread = std::move(it->second);
    }
    thread.join();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::thread> threads_;
};

std::atomic<bool> g_loaded{false};

Preloads& ThePreloads() {
  static Preloads preloads;
  return preloads;
}

void* FindModuleSymbol(const char* file, const char* symbol) {
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

}  // namespace

void* LoadModuleSymbol(const char* file, const char* symbol) {
  ThePreloads().Wait(file);
  return FindModuleSymbol(file, symbol);
}

bool AnyModuleLoaded() { return g_loaded; }

void PreloadModule(const char* file) {
  std::string name(file);
  ThePreloads().Start(file, [name] {
    try {
      using WarmFn = void (*)();
      auto warm = reinterpret_cast<WarmFn>(FindModuleSymbol(name.c_str(), "SsmModuleWarm"));
      warm();
      SSM_DEBUG("module " + name + " loaded and set up on a second thread");
    } catch (...) {
      // Reported by LoadModuleSymbol when the module is used.
    }
  });
}

}  // namespace ssm
