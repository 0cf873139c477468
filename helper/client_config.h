// `configure docker|podman` and `unconfigure`: naming this helper in the
// clients' own configuration files. The change is a merge: every other key of
// the file keeps its value and order; the file is replaced atomically and the
// previous one kept as <file>.bak, with the plaintext credentials of its
// "auths" (auth, password, identitytoken, registrytoken) left out, so the
// backup never holds a secret; --dry-run shows the change instead.
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

// The number of plaintext credential fields (auth, password, identitytoken,
// registrytoken) under "auths" of a client's file.
int CountPlaintextCredentials(const nlohmann::ordered_json& doc);
// doc with those fields removed (the entries themselves stay, as docker
// leaves them when a helper holds the login).
nlohmann::ordered_json WithoutPlaintextCredentials(nlohmann::ordered_json doc);

}  // namespace ssm
