// The seam between a token-minting provider and where its identity comes
// from: a CredentialSource (a pod's token, a CI job's ID token, configured
// keys, a cloud's SDK chain, ...) says when it applies to a registry's
// configuration and environment, plans without the network (fills the
// MintRequest fields the network module needs), and describes itself for
// doctor and `registry list/test`. Each source is one file in
// providers/sources/ and one row of the table in providers/source_table.cc,
// which orders the sources of each cloud identity; the providers walk it
// (first applicable source wins) instead of choosing themselves.
#pragma once

#include <optional>
#include <string>

#include "common/inputs.h"
#include "providers/provider.h"
#include "providers/tokens/mint.h"

namespace ssm {

// What a source plans for: the registry's configuration (a registry's own
// or an empty one for an unconfigured host), the environment, and for AWS
// the region and partition (DNS suffix) of the services it may call.
struct SourceQuery {
  const RegistryConfig& config;
  const EnvLookup& env;
  std::string region = "us-east-1";
  std::string dns_suffix = "amazonaws.com";
};

class CredentialSource {
 public:
  virtual ~CredentialSource();

  // How the table and the tests name it: "pod", "webidentity", "keys".
  virtual const char* Name() const = 0;
  // Whether it answers for this configuration and environment. Cheap: reads
  // no file and loads nothing (a cached `get` walks the table).
  virtual bool Applies(const SourceQuery& query) const = 0;
  // Fills request for the network module (endpoint, keys or a chain plan,
  // identity_key) and returns where the identity comes from, never a value;
  // nullopt when it applies but there is nothing to mint with (then no later
  // source is tried: a pod never falls back to the node's identity). Throws
  // Error::BadInput, one line, for what is there but malformed.
  virtual std::optional<std::string> Plan(const SourceQuery& query, MintRequest* request) const = 0;
  // For doctor and `registry list/test`: where the credentials come from, ""
  // when the configuration holds them, nullopt when there is no source.
  // Without the network. By default, what Plan returns.
  virtual std::optional<std::string> Describe(const SourceQuery& query) const;
  // A login the registry takes as it is, with no token to mint (ACR's
  // service principal without a tenant), or nullopt.
  virtual std::optional<Credential> Login(const SourceQuery&) const { return std::nullopt; }
};

}  // namespace ssm
