#include "common/background.h"

#include <atomic>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

namespace ssm {
namespace {

std::atomic<bool> g_started{false};

class Jobs {
 public:
  ~Jobs() { WaitAll(); }
  bool Start(const std::string& name, std::function<void()> work) {
    std::lock_guard<std::mutex> hold(mu_);
    if (threads_.count(name) != 0) return false;
    try {
      threads_.emplace(name, std::thread(std::move(work)));
    } catch (const std::system_error&) {
      return false;
    }
    g_started = true;
    return true;
  }
  void WaitAll() {
    std::map<std::string, std::thread> threads;
    {
      std::lock_guard<std::mutex> hold(mu_);
      for (auto& [name, thread] : threads_) {
        if (thread.joinable()) threads.emplace(name, std::move(thread));
      }
    }
    for (auto& [name, thread] : threads) thread.join();
  }
  void Wait(const std::string& name) {
    std::thread thread;
    {
      std::lock_guard<std::mutex> hold(mu_);
      auto it = threads_.find(name);
      if (it == threads_.end() || !it->second.joinable()) return;
      thread = std::move(it->second);
    }
    thread.join();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::thread> threads_;
};

Jobs& TheJobs() {
  static Jobs jobs;
  return jobs;
}

}  // namespace

bool StartBackground(const std::string& name, std::function<void()> work) {
  return TheJobs().Start(name, std::move(work));
}

void WaitForBackground(const std::string& name) { TheJobs().Wait(name); }

bool AnyBackgroundStarted() { return g_started; }

void WaitForAllBackground() { TheJobs().WaitAll(); }

}  // namespace ssm
