#include "helper/config.h"

#include "common/error.h"
#include "common/secret_json.h"
#include "common/files.h"
#include "common/paths.h"

namespace ssm {

std::string ConfigPath() { return ConfigDir() + "/config.json"; }

Config LoadConfig() { return LoadConfigFrom(ConfigPath()); }

Config LoadConfigFrom(const std::string& path) {
  Config config;
  config.path = path;
  std::optional<std::string> text = ReadTrustedFile(path, 1u << 20);
  if (!text) return config;
  config.exists = true;
  if (JsonTooDeep(*text)) {
    throw Error::BadInput("the config file " + path + " is nested deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels");
  }
  try {
    config.document = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error::BadInput("the config file " + path + " is not valid JSON (error at byte " + std::to_string(e.byte) +
                          ")");
  } catch (const nlohmann::json::exception&) {
    // A number beyond a double (1e999): out_of_range, not parse_error.
    throw Error::BadInput("the config file " + path + " is not valid JSON (a number is out of range)");
  }
  if (!config.document.is_object()) throw Error::BadInput("the config file " + path + " must hold a JSON object");
  auto it = config.document.find("store");
  if (it != config.document.end()) {
    if (!it->is_string()) throw Error::BadInput("the config file " + path + ": \"store\" must be a string");
    config.store = it->get<std::string>();
  }
  return config;
}

}  // namespace ssm
