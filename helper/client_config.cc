#include "helper/client_config.h"

#include <sys/stat.h>

#include <ostream>

#include "common/error.h"
#include "common/secret_json.h"
#include "common/files.h"
#include "common/inputs.h"
#include "common/paths.h"
#include "common/server_key.h"

namespace ssm {
namespace {

constexpr char kSuffix[] = "ssm";
constexpr size_t kMaxConfigBytes = 4u << 20;

[[noreturn]] void Usage(const std::string& message) { throw Error(Error::Kind::kUsage, message, 2); }

// The file's document, or an empty object when it does not exist; a file
// that is not a JSON object is an error and stays as it is.
nlohmann::ordered_json ReadDocument(const std::string& path, bool* exists) {
  std::optional<std::string> text = ReadTextFile(path, kMaxConfigBytes);
  *exists = text.has_value();
  if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::ordered_json::object();
  nlohmann::ordered_json doc;
  if (!JsonTooDeep(*text)) doc = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw Error::BadInput(path + " is not a JSON object; it was left as it is (fix or move it, then run again)");
  }
  return doc;
}

constexpr const char* kCredentialFields[] = {"auth", "password", "identitytoken", "registrytoken"};

// Writes doc to path; the previous file (before) is kept beside it as .bak,
// as it was when it held no plaintext credential, else without them. Returns
// the number of credential fields left out of the backup.
int Write(const std::string& path, const nlohmann::ordered_json& doc, const nlohmann::ordered_json& before,
          bool existed) {
  std::string dir = DirName(path);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) EnsurePrivateDir(dir);
  int left_out = 0;
  if (existed) {
    left_out = CountPlaintextCredentials(before);
    if (left_out == 0) {
      std::optional<std::string> old = ReadTextFile(path, kMaxConfigBytes);
      if (old) WriteFileAtomic(path + ".bak", *old);
    } else {
      nlohmann::ordered_json backup = WithoutPlaintextCredentials(before);
      WriteFileAtomic(path + ".bak", backup.dump(1, '\t') + "\n");
    }
  }
  WriteFileAtomic(path, doc.dump(1, '\t') + "\n");
  return left_out;
}

// The key each client uses for a server: docker's Hub key is its v1 URL,
// containers/image's is docker.io.
std::string DockerKey(const std::string& host) {
  ServerKey key;
  if (TryNormalizeServer(host, &key) && key.docker_hub) return kDockerHubKey;
  return host;
}

std::string PodmanKey(const std::string& host) {
  ServerKey key;
  if (TryNormalizeServer(host, &key) && key.docker_hub) return "docker.io";
  return TryNormalizeServer(host, &key) ? key.key : host;
}

}  // namespace

std::string DockerConfigPath() {
  std::string dir = ProcessEnv("DOCKER_CONFIG").value_or("");
  if (!dir.empty()) return dir + "/config.json";
  return HomeDir() + "/.docker/config.json";
}

std::vector<std::string> PodmanAuthPaths() {
  std::string file = ProcessEnv("REGISTRY_AUTH_FILE").value_or("");
  if (!file.empty()) return {file};
  std::vector<std::string> paths;
  paths.push_back(ConfigHome() + "/containers/auth.json");
  std::string runtime = RuntimeDirVariable();
  if (!runtime.empty()) paths.push_back(runtime + "/containers/auth.json");
  return paths;
}

nlohmann::ordered_json ConfigureDocker(nlohmann::ordered_json doc, const std::vector<std::string>& helper_hosts,
                                       bool cred_store) {
  if (cred_store) {
    doc["credsStore"] = kSuffix;
    return doc;
  }
  if (!doc.contains("credHelpers") || !doc["credHelpers"].is_object()) doc["credHelpers"] = nlohmann::ordered_json::object();
  for (const std::string& host : helper_hosts) doc["credHelpers"][DockerKey(host)] = kSuffix;
  return doc;
}

nlohmann::ordered_json ConfigurePodman(nlohmann::ordered_json doc, const std::vector<std::string>& hosts) {
  if (!doc.contains("credHelpers") || !doc["credHelpers"].is_object()) doc["credHelpers"] = nlohmann::ordered_json::object();
  for (const std::string& host : hosts) doc["credHelpers"][PodmanKey(host)] = kSuffix;
  return doc;
}

nlohmann::ordered_json Unconfigure(nlohmann::ordered_json doc) {
  if (doc.contains("credsStore") && doc["credsStore"] == kSuffix) doc.erase("credsStore");
  if (doc.contains("credHelpers") && doc["credHelpers"].is_object()) {
    auto& helpers = doc["credHelpers"];
    for (auto it = helpers.begin(); it != helpers.end();) {
      it = *it == kSuffix ? helpers.erase(it) : std::next(it);
    }
    if (helpers.empty()) doc.erase("credHelpers");
  }
  return doc;
}

int CountPlaintextCredentials(const nlohmann::ordered_json& doc) {
  int count = 0;
  if (!doc.is_object() || !doc.contains("auths") || !doc["auths"].is_object()) return 0;
  for (const auto& [server, entry] : doc["auths"].items()) {
    if (!entry.is_object()) continue;
    for (const char* field : kCredentialFields) {
      auto it = entry.find(field);
      count += it != entry.end() && !(it->is_string() && it->get_ref<const std::string&>().empty());
    }
  }
  return count;
}

nlohmann::ordered_json WithoutPlaintextCredentials(nlohmann::ordered_json doc) {
  if (!doc.is_object() || !doc.contains("auths") || !doc["auths"].is_object()) return doc;
  for (auto& [server, entry] : doc["auths"].items()) {
    if (!entry.is_object()) continue;
    for (const char* field : kCredentialFields) entry.erase(field);
  }
  return doc;
}

int RunConfigureCommand(bool undo, const std::vector<std::string>& all, ClientConfigContext& ctx) {
  const char* command = undo ? "unconfigure" : "configure";
  try {
    if (all.empty() || all[0] == "--help" || all[0] == "-h") {
      *ctx.out << "Usage: docker-credential-ssm " << command
               << " docker|podman [--dry-run] [--registry HOST]... [--cred-helpers] [--file PATH]\n\n"
               << "  docker   " << (undo ? "removes" : "sets") << " \"credsStore\": \"ssm\" in $DOCKER_CONFIG/config.json or\n"
               << "           ~/.docker/config.json (--cred-helpers: credHelpers entries for the configured\n"
               << "           registries and --registry hosts instead, leaving credsStore alone)\n"
               << "  podman   " << (undo ? "removes" : "adds") << " credHelpers entries in containers' auth files:\n"
               << "           ~/.config/containers/auth.json (read by every pull) and\n"
               << "           $XDG_RUNTIME_DIR/containers/auth.json (where podman login writes), or\n"
               << "           $REGISTRY_AUTH_FILE; for docker.io, the configured registries and --registry hosts\n"
               << "  --dry-run  show the new file, change nothing\n"
               << "  --file     the file to change instead of the default one\n\n"
               << "Every other key of the file is kept; the old file is kept as <file>.bak, without the\n"
               << "plaintext credentials of its \"auths\" (auth, password, identitytoken).\n"
               << "Examples:\n  docker-credential-ssm " << command << " docker --dry-run\n"
               << "  docker-credential-ssm " << command << " podman --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n";
      return all.empty() ? 2 : 0;
    }
    std::string client = all[0];
    if (client != "docker" && client != "podman") Usage(std::string(command) + ": name docker or podman");
    bool dry_run = false, cred_helpers = false;
    std::vector<std::string> extra_hosts, files;
    for (size_t i = 1; i < all.size(); ++i) {
      if (all[i] == "--dry-run") {
        dry_run = true;
      } else if (all[i] == "--cred-helpers") {
        cred_helpers = true;
      } else if (all[i] == "--registry" && i + 1 < all.size()) {
        ServerKey key = NormalizeServer(all[++i]);
        extra_hosts.push_back(key.docker_hub ? std::string(kDockerHubKey) : key.key);
      } else if (all[i] == "--file" && i + 1 < all.size()) {
        files.push_back(all[++i]);
      } else {
        Usage(std::string(command) + ": unexpected argument \"" + all[i] + "\"");
      }
    }
    if (files.empty()) files = client == "docker" ? std::vector<std::string>{DockerConfigPath()} : PodmanAuthPaths();
    std::vector<std::string> hosts = ctx.known_hosts;
    hosts.insert(hosts.end(), extra_hosts.begin(), extra_hosts.end());
    if (client == "podman") hosts.insert(hosts.begin(), "docker.io");

    for (const std::string& path : files) {
      bool existed = false;
      nlohmann::ordered_json before = ReadDocument(path, &existed);
      nlohmann::ordered_json after = undo ? Unconfigure(before)
                                          : client == "docker" ? ConfigureDocker(before, hosts, !cred_helpers)
                                                               : ConfigurePodman(before, hosts);
      if (after == before) {
        *ctx.out << path << ": already " << (undo ? "without" : "with") << " this helper; unchanged\n";
        continue;
      }
      if (dry_run) {
        *ctx.out << "--- " << path << (existed ? "" : " (new)") << "\n+++ " << path << " as it would be\n"
                 << after.dump(1, '\t') << "\n";
        continue;
      }
      int left_out = Write(path, after, before, existed);
      *ctx.out << path << ": " << (undo ? "no longer uses" : "now uses") << " docker-credential-ssm";
      if (existed) {
        *ctx.out << " (previous file kept as " << path << ".bak"
                 << (left_out > 0 ? ", without its " + std::to_string(left_out) + " plaintext credential(s)" : "")
                 << ")";
      }
      if (!undo && CountPlaintextCredentials(after) > 0) {
        *ctx.out << "; it still holds plaintext credentials under \"auths\": log out and in again to move them "
                    "into the helper";
      }
      *ctx.out << "\n";
    }
    return 0;
  } catch (const Error& e) {
    *ctx.err << "docker-credential-ssm: " << e.what() << "\n";
    return e.exit_status();
  }
}

}  // namespace ssm
