// The seam between the protocol and the registries: a Provider knows which
// hosts it serves, which variables configure it, what makes a configuration
// valid, and how a configuration becomes the Username/Secret a client gets.
// Virtual so the table in provider_table.cc can hold every kind, and so tests
// can drive each through the same calls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/secure.h"
#include "common/server_key.h"
#include "store/secret_store.h"

namespace ssm {

struct VariableSpec {
  const char* name;         // lower case, as in the seed documents: "login"
  bool secret;              // kept in the secret store, never in the config file
  const char* description;  // one line for --help and `registry list`
};

// One configured registry: a provider, an optional instance name, its values.
struct RegistryConfig {
  std::string provider;  // "custom"
  std::string name;      // "" or "lab"
  std::map<std::string, std::string> values;    // non-secret variables
  std::map<std::string, SecretString> secrets;  // secret variables
  std::vector<std::string> sources;             // "environment", "config file", "secret store"

  // "custom/lab", or "hub" without a name.
  std::string Id() const { return name.empty() ? provider : provider + "/" + name; }
  bool Has(const std::string& variable) const;
  // The value of a variable, secret or not; empty when unset.
  const std::string& Get(const std::string& variable) const;
};

// Values the kubelet mode (helper/kubelet.h) sets on its own copy of a
// registry's configuration for one pod, never a user (they are no provider's
// variables): the pod's service account token (a secret), and what the pod's
// annotations name for it.
inline constexpr char kPodWebIdentityToken[] = "pod-web-identity-token";
inline constexpr char kPodRoleArn[] = "pod-role-arn";                    // AWS
inline constexpr char kPodGoogleAudience[] = "pod-google-audience";      // a workload identity provider
inline constexpr char kPodGoogleServiceAccount[] = "pod-google-service-account";  // to impersonate
inline constexpr char kPodAzureClientId[] = "pod-azure-client-id";      // the federated app (client)
inline constexpr char kPodAzureTenantId[] = "pod-azure-tenant-id";      // its tenant
// The annotation keys the kubelet read those from, for a message naming what a
// pod's service account lacks.
inline constexpr char kPodRoleArnAnnotation[] = "pod-role-arn-annotation";
inline constexpr char kPodAzureClientIdAnnotation[] = "pod-azure-client-id-annotation";
inline constexpr char kPodAzureTenantIdAnnotation[] = "pod-azure-tenant-id-annotation";

class TokenCache;
class MintLock;
class Settings;
struct MintRequest;
struct MintedToken;

// What a provider may need beyond its configuration: time, and for the
// token-minting ones the cache, the cross-process mint lock and the network
// module. Inputs, so tests can set the clock and record what was minted.
struct ProviderContext {
  std::function<int64_t()> now;  // seconds since the epoch
  TokenCache* cache = nullptr;   // nullptr: no caching
  std::function<std::unique_ptr<MintLock>(const std::string& key)> lock;  // may be empty
  std::function<MintedToken(const MintRequest&)> mint;
  // The HTTP timeouts of a mint (common/settings.h); nullptr: the request's own.
  const Settings* settings = nullptr;
  // Out: set by a token-minting provider to the expiry of the token it
  // answered with (cached or new); left alone by the others.
  int64_t token_expires_at = 0;
};

// The real context: system clock, the given token cache, flock, ssm-net, and
// the settings (which must outlive it).
ProviderContext SystemProviderContext(TokenCache* cache, const Settings& settings);

class Provider {
 public:
  virtual ~Provider();

  virtual const char* Name() const = 0;
  virtual const char* Description() const = 0;
  // The variables this provider takes, besides the ones every provider takes
  // (cacert).
  virtual std::vector<VariableSpec> Variables() const = 0;
  // Hub, GHCR, GCR, ECR Public and Quay are used anonymously when nothing is
  // configured: `registry list` shows them and `registry reset` returns there.
  virtual bool AnonymousByDefault() const { return false; }
  // Whether it serves this server even when nothing is configured (ECR with
  // the standard AWS credential sources).
  virtual bool ServesUnconfigured(const ServerKey&) const { return false; }

  // Whether a registry so configured serves this server.
  virtual bool Serves(const ServerKey& server, const RegistryConfig& config) const = 0;
  // The concrete server keys it serves (for `list`), empty for host patterns.
  virtual std::vector<std::string> Hosts(const RegistryConfig& config) const = 0;
  // Throws Error::BadInput naming the provider and the variable when the
  // configuration breaks the provider's rules.
  virtual void Validate(const RegistryConfig& config) const = 0;
  // The credentials for server, or nullopt for anonymous access.
  virtual std::optional<Credential> Credentials(const RegistryConfig& config, const ServerKey& server,
                                                ProviderContext& context) const = 0;
  // Whether Credentials would have to mint a token over the network (none is
  // cached): a hint to load the network module early. Never throws.
  virtual bool NeedsNetwork(const RegistryConfig&, const ServerKey&, ProviderContext&) const { return false; }

  // The hosts for people to read (`registry list`): Hosts(), or the patterns
  // of a provider that serves many.
  virtual std::string HostsDescription(const RegistryConfig& config) const;
  // One server this configuration serves, to try it (`doctor`, `registry
  // test`): the first of Hosts(), or a typical host of the patterns it
  // serves; nullopt when no single host can stand for them.
  virtual std::optional<std::string> ProbeServer(const RegistryConfig& config) const;
  // Where the credentials come from when not from the configuration itself
  // (a cloud identity: "profile prod in ~/.aws/config, then role ..."), worked
  // out without the network, for doctor and registry list/test; "" when the
  // configuration holds them. With an empty config: what an unconfigured host
  // that this provider serves would use ("" when it serves none). Throws
  // Error when the source is there but malformed (a missing AWS profile).
  virtual std::string IdentitySource(const RegistryConfig&) const { return ""; }
  // Whether doctor tries to mint a token for this configuration (at
  // ProbeServer) rather than only checking its variables.
  virtual bool DoctorMintsToken(const RegistryConfig&) const { return false; }

  // The kubelet's matchImages globs for the hosts this provider serves with
  // no configuration or by pattern ('*' stands for part of one DNS label);
  // `kubelet config` lists them before the configured hosts.
  virtual std::vector<std::string> KubeletImages() const { return {}; }

  // The user name `list` shows, from non-secret variables only.
  virtual std::string ListedUser(const RegistryConfig& config) const;

  // All variables, this provider's and the common ones.
  std::vector<VariableSpec> AllVariables() const;
  std::optional<VariableSpec> FindVariable(const std::string& name) const;
};

// The variables every provider takes.
std::vector<VariableSpec> CommonVariables();

// Shared rules, each throwing Error::BadInput "<provider>: ...":
void RequireVariable(const RegistryConfig& c, const char* variable);
void RequireTogether(const RegistryConfig& c, const char* a, const char* b);
void RequireAllOrNone(const RegistryConfig& c, const std::vector<const char*>& variables);
void RequireUrl(const RegistryConfig& c, const char* variable);
// `auth` excludes the listed variables and must be base64 of user:password.
void ValidateAuth(const RegistryConfig& c, const std::vector<const char*>& excluded);
// Decodes base64 "user:password": split at the FIRST colon, trailing NULs dropped.
Credential DecodeAuth(const std::string& auth, const std::string& provider);
// The server key of a URL variable (host[:port]).
ServerKey UrlServer(const RegistryConfig& c, const char* variable);
Credential MakeCredential(const std::string& username, const std::string& secret);

}  // namespace ssm

namespace ssm {

// For registries named by a `url` variable: whether server is that URL's
// host[:port], and that key for `list`.
bool ServesUrl(const RegistryConfig& c, const ServerKey& server, const char* variable = "url");
std::vector<std::string> UrlHosts(const RegistryConfig& c, const char* variable = "url");
// login + password (or its alias), or auth; nullopt when none is set.
std::optional<Credential> LoginOrAuth(const RegistryConfig& c, const char* password_alias = nullptr);

}  // namespace ssm
