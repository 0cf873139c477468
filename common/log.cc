#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/inputs.h"

namespace ssm {
namespace {

constexpr int kLevelUnset = -1;
std::atomic<int> g_level{kLevelUnset};

LogLevel CurrentLevel() {
  int level = g_level.load(std::memory_order_relaxed);
  if (level == kLevelUnset) {
    // A module (or a test): the level the binary exported.
    level = static_cast<int>(ParseLogLevel(ProcessEnv("SSM_LOG").value_or("")));
    g_level.store(level, std::memory_order_relaxed);
  }
  return static_cast<LogLevel>(level);
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warning";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: break;
  }
  return "";
}

// Milliseconds of CLOCK_MONOTONIC, the base that debug lines count from.
double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// SSM_LOG_T0, set by StartLogClock in the binary and read by the modules too.
double ClockBase() {
  static double base = [] {
    std::optional<std::string> v = ProcessEnv("SSM_LOG_T0");
    return v ? std::strtod(v->c_str(), nullptr) : NowMs();
  }();
  return base;
}

}  // namespace

LogLevel ParseLogLevel(const std::string& v) {
  if (v == "debug" || v == "trace") return LogLevel::kDebug;
  if (v == "info") return LogLevel::kInfo;
  if (v == "error") return LogLevel::kError;
  if (v == "off" || v == "none") return LogLevel::kOff;
  return LogLevel::kWarn;
}

void StartLogClock() {
  if (!LogEnabled(LogLevel::kDebug)) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", NowMs());
  setenv("SSM_LOG_T0", buf, 1);
}

bool LogEnabled(LogLevel level) { return level >= CurrentLevel() && level != LogLevel::kOff; }

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

void Log(LogLevel level, const std::string& message) {
  if (!LogEnabled(level)) return;
  if (level == LogLevel::kDebug) {
    // When it happened, in ms since the process started: where the time goes.
    std::fprintf(stderr, "docker-credential-ssm: debug: [%.1f ms] %s\n", NowMs() - ClockBase(), message.c_str());
    return;
  }
  std::fprintf(stderr, "docker-credential-ssm: %s: %s\n", LevelName(level), message.c_str());
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  size_t q = out.find_first_of("?#");
  if (q != std::string::npos) out = out.substr(0, q) + "?<redacted>";
  size_t start = out.find("://");
  start = (start == std::string::npos) ? 0 : start + 3;
  size_t end = out.find('/', start);
  size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
  if (at != std::string::npos && at >= start) out = out.substr(0, start) + "<redacted>@" + out.substr(at + 1);
  return out;
}

}  // namespace ssm
