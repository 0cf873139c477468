#include "common/log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace ssm {
namespace {

LogLevel LevelFromEnvironment() {
  const char* v = std::getenv("SSM_LOG");
  if (v == nullptr || *v == '\0') return LogLevel::kWarn;
  if (std::strcmp(v, "debug") == 0 || std::strcmp(v, "trace") == 0) return LogLevel::kDebug;
  if (std::strcmp(v, "info") == 0) return LogLevel::kInfo;
  if (std::strcmp(v, "error") == 0) return LogLevel::kError;
  if (std::strcmp(v, "off") == 0 || std::strcmp(v, "none") == 0) return LogLevel::kOff;
  return LogLevel::kWarn;
}

LogLevel& CurrentLevel() {
  static LogLevel level = LevelFromEnvironment();
  return level;
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
    const char* v = std::getenv("SSM_LOG_T0");
    return v != nullptr ? std::strtod(v, nullptr) : NowMs();
  }();
  return base;
}

}  // namespace

void StartLogClock() {
  if (!LogEnabled(LogLevel::kDebug)) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", NowMs());
  setenv("SSM_LOG_T0", buf, 1);
}

bool LogEnabled(LogLevel level) { return level >= CurrentLevel() && level != LogLevel::kOff; }

void SetLogLevel(LogLevel level) { CurrentLevel() = level; }

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
