// Diagnostics on stderr (stdout belongs to the protocol). SSM_LOG picks the
// level: "debug", "info", "warn" (default), "error" or "off". Callers never pass
// a secret; URLs go through RedactUrl first.
#pragma once

#include <string>

namespace ssm {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// The level SSM_LOG names: "debug" (or "trace"), "info", "warn", "error",
// "off" (or "none"); empty or anything else: warn.
LogLevel ParseLogLevel(const std::string& text);

bool LogEnabled(LogLevel level);
// The binary sets the level first thing (common/settings.h, then --debug);
// a module, which is never told, reads SSM_LOG (exported by the binary for
// --debug) on its first log.
void SetLogLevel(LogLevel level);
// With debug logging on, debug lines say when they happened (ms since this
// call); main() calls it first, modules inherit the base through SSM_LOG_T0.
void StartLogClock();
void Log(LogLevel level, const std::string& message);

// A macro, so the message is not even built unless debug logging is on: the
// fast path of `get` must not pay for (or open a store to name) its logs.
#define SSM_DEBUG(message)                                                              \
  do {                                                                                  \
    if (::ssm::LogEnabled(::ssm::LogLevel::kDebug)) ::ssm::Log(::ssm::LogLevel::kDebug, (message)); \
  } while (0)
inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(const std::string& m) { Log(LogLevel::kWarn, m); }

// Drops userinfo ("user:pass@") and the query string from a URL-ish string.
std::string RedactUrl(const std::string& url);

}  // namespace ssm
