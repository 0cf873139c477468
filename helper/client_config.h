// `configure docker|podman` and `unconfigure`: naming this helper in the
// clients' own configuration files. The change is a merge: every other key of
// the file keeps its value and order; the file is replaced atomically and the
// previous one kept as <file>.bak; --dry-run shows the change instead.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssm {

struct ClientConfigContext {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // The hosts of configured registries and stored logins, for credHelpers.
  std::vector<std::string> known_hosts;
};

// args: what follows "configure"/"unconfigure". Returns the exit status.
int RunConfigureCommand(bool undo, const std::vector<std::string>& args, ClientConfigContext& context);

// The files each client reads (exposed for doctor and tests).
std::string DockerConfigPath();
std::vector<std::string> PodmanAuthPaths();  // persistent first, then the runtime (primary) one

// The pure merges (tests): the new document for docker / containers.
nlohmann::ordered_json ConfigureDocker(nlohmann::ordered_json doc, const std::vector<std::string>& helper_hosts,
                                       bool cred_store);
nlohmann::ordered_json ConfigurePodman(nlohmann::ordered_json doc, const std::vector<std::string>& hosts);
nlohmann::ordered_json Unconfigure(nlohmann::ordered_json doc);

}  // namespace ssm
