// Anchored matching of registry hosts. Every rule compares whole DNS labels of
// the normalized (lower-case, no scheme, no path) host, so a credential is
// never handed to ghcr.io.evil.com, evilghcr.io or x.azurecr.io.attacker.net.
// Cloud registries answer on 443 only: a host matches with no port or :443.
#pragma once

#include <string>

#include "common/server_key.h"

namespace ssm {

// host is exactly name, on the default HTTPS port.
bool IsHost(const ServerKey& server, const char* name);

// gcr.io, <sub>.gcr.io, <location>-docker.pkg.dev, docker.<region>.rep.pkg.dev.
bool IsGcrHost(const ServerKey& server);

struct EcrHost {
  std::string account;    // 12 digits
  std::string region;     // us-east-1
  std::string dns_suffix; // amazonaws.com, amazonaws.com.cn, on.aws ...
  bool fips = false;
  bool dual_stack = false;
};
// <12 digits>.dkr.ecr[-fips].<region>.<partition suffix> and the dual-stack
// <12 digits>.dkr-ecr[-fips].<region>.on.aws.
bool ParseEcrHost(const ServerKey& server, EcrHost* out);
// public.ecr.aws and the dual-stack ecr-public.aws.com.
bool IsEcrPublicHost(const ServerKey& server);
// <name>.azurecr.io / .cn / .us / .de
bool IsAcrHost(const ServerKey& server);

}  // namespace ssm
