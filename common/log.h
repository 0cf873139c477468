// Diagnostics on stderr (stdout belongs to the protocol). SSM_LOG picks the
// level: "debug", "info", "warn" (default), "error" or "off". Callers never pass
// a secret; URLs go through RedactUrl first.
#pragma once

#include <string>

namespace ssm {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

bool LogEnabled(LogLevel level);
void SetLogLevel(LogLevel level);  // --debug on the command line
void Log(LogLevel level, const std::string& message);

inline void LogDebug(const std::string& m) {
  if (LogEnabled(LogLevel::kDebug)) Log(LogLevel::kDebug, m);
}
inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(const std::string& m) { Log(LogLevel::kWarn, m); }

// Drops userinfo ("user:pass@") and the query string from a URL-ish string.
std::string RedactUrl(const std::string& url);

}  // namespace ssm
