// The environment and the file system as inputs, so that code which reads
// them can be tested with maps (STYLE: time and environment are inputs).
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace ssm {

// The value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The text of a file, or nullopt when it does not exist; throws Error when it
// exists but cannot be read.
using TextFileReader = std::function<std::optional<std::string>(const std::string& path)>;

}  // namespace ssm
