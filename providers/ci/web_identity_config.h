// The `webidentity` and `audience` variables of a cloud registry's
// configuration (ecr, gcr, acr): their declaration, their checks, and the
// WebIdentity they make (providers/ci/web_identity.h). In the binary only.
#pragma once

#include <string>
#include <vector>

#include "common/inputs.h"
#include "providers/ci/web_identity.h"
#include "providers/provider.h"

namespace ssm {

// The configuration's webidentity with its audience (the `audience` variable,
// else default_audience) and the job binding read from env.
WebIdentity WebIdentityFor(const RegistryConfig& config, const std::string& default_audience, const EnvLookup& env);

// Checks webidentity and audience on a configuration (nothing when unset).
void ValidateWebIdentity(const RegistryConfig& config);

// The variables every provider with web identity takes.
std::vector<VariableSpec> WebIdentityVariables(const char* default_audience);

}  // namespace ssm
