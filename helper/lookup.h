// What `get` answers for a server, worked out in one place, in this order:
//  1. a login kept by store (docker login) under the server's key;
//  2. one kept under another spelling of the same server (other helpers);
//  3. the configured registry serving it (`registry add`, SSM_REGISTRY_*);
//  4. an implicit one: inside a CI job, the job's own login for its
//     registries (providers/ci/ci_job.h); else a provider that works
//     unconfigured for that host (private ECR with the AWS chain, GCR with
//     Google's ADC, ACR with Azure's identities).
// Used by the protocol's `get` and by `kubelet`, which also needs to know
// where the answer came from and how long a minted token lives.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/server_key.h"
#include "providers/provider.h"
#include "providers/registry_settings.h"
#include "store/secret_store.h"

namespace ssm {

class TokenCache;

struct LookupAnswer {
  enum class Source { kNone, kStoredLogin, kConfigured, kImplicit };
  Source source = Source::kNone;
  std::optional<Credential> credential;  // nullopt: not found (anonymous)
  bool minted = false;                   // a token from a provider (cached or new)
  int64_t expires_at = 0;                // a minted token's expiry; 0 for a static login
  std::string registry_id;               // "custom/lab", "ecr"; "" for a stored login
};

const char* LookupSourceName(LookupAnswer::Source source);

// What the lookup reads, opened on first use by whoever owns it (the command
// line opens the real ones; tests and the fuzzer pass their own).
struct LookupSources {
  std::function<SecretStore&()> store;
  std::function<std::vector<ConfiguredRegistry>&()> registries;
  // The token cache of this thread (may return nullptr: none).
  std::function<TokenCache*()> token_cache;
  // Clock, mint lock and network for a cache (SystemProviderContext).
  std::function<ProviderContext(TokenCache*)> provider_context;
  // A cache for a second thread; empty: never mint on a second thread.
  std::function<std::unique_ptr<TokenCache>()> open_thread_cache;
};

// The store's keys, other than key itself, that normalize to key: items
// written by other helpers under another spelling of the same server.
std::vector<std::string> OtherSpellings(SecretStore& store, const std::string& key);

class CredentialLookup {
 public:
  explicit CredentialLookup(LookupSources sources);
  ~CredentialLookup();

  // Steps 1 to 4. Throws Error as get reports it (a locked keyring, a token
  // service that refused). with_parallel_mint: a token the registries step
  // will need is minted on a second thread while the store is asked slowly.
  LookupAnswer Find(const ServerKey& server, bool with_parallel_mint);

  // Steps 1 and 2 only: the stored login. before_slow_lookup runs (when set)
  // before a store lookup that is not answered from a cache.
  LookupAnswer FromStore(const ServerKey& server, const std::function<void(const ServerKey&)>& before_slow_lookup);
  // Steps 3 and 4 only.
  LookupAnswer FromRegistries(const ServerKey& server);
  // Steps 3 and 4 with extra values set on the serving registry's own copy of
  // its configuration (a pod's identity, helper/kubelet.h), with no token
  // cache and no mint lock: what one pod's identity mints is kept by no one
  // but the caller, and no file is made for it.
  LookupAnswer FromRegistriesWith(const ServerKey& server, const RegistryConfig& extra);

  // Starts minting, on a second thread, the token FromRegistries(server) will
  // need (see cli.cc for when); never throws.
  void PrepareForSlowLookup(const ServerKey& server);

 private:
  // Step 3, else step 4 filled into *implicit, else nullptr.
  ConfiguredRegistry* RegistryFor(const ServerKey& server, ConfiguredRegistry* implicit);
  // Step 4: a provider serving server unconfigured, filled into *implicit.
  static bool ImplicitRegistry(const ServerKey& server, ConfiguredRegistry* implicit);

  LookupAnswer Registries(const ServerKey& server, const RegistryConfig* extra);

  struct BackgroundMint;
  LookupSources sources_;
  std::shared_ptr<BackgroundMint> mint_;
};

}  // namespace ssm
