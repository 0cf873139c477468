// The one table of providers, in the order `registry list` shows them and in
// which they are asked whether they serve a host.
#pragma once

#include <string>
#include <vector>

#include "providers/provider.h"

namespace ssm {

const std::vector<const Provider*>& ProviderTable();
// nullptr when no provider has that name.
const Provider* FindProvider(const std::string& name);
std::string ProviderNames();  // "hub, ghcr, ..." for messages

}  // namespace ssm
