// The environment and the file system as inputs, so that code which reads
// them can be tested with maps (STYLE: time and environment are inputs).
#pragma once

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

namespace ssm {

// The one reader of the process environment (setenv is never called while
// another thread reads it). Unset: nullopt. Code that can take an EnvLookup
// (below) or the helper's settings (common/settings.h) takes those instead.
inline std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// The value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The text of a file, or nullopt when it does not exist; throws Error when it
// exists but cannot be read.
using TextFileReader = std::function<std::optional<std::string>(const std::string& path)>;

}  // namespace ssm
