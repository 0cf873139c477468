// The helper's own settings file, $XDG_CONFIG_HOME/docker-credential-ssm/config.json.
// It holds no secrets. A missing file means defaults; a broken one is an error
// that names the file, so a typo never silently changes where secrets go.
// Its content decides where secrets are sent (url, endpoint, authorityurl,
// cacert), so a file or folder another user could change (group/world
// writable, owned by someone other than this user or root) is refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ssm {

struct Config {
  std::string path;        // the file read (or that would be)
  bool exists = false;
  std::string store;       // "auto", "secretservice", "file" or empty
  nlohmann::json document = nlohmann::json::object();
};

Config LoadConfig();
std::string ConfigPath();  // where LoadConfig reads, without reading it
Config LoadConfigFrom(const std::string& path);

}  // namespace ssm
