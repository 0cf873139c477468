#include "helper/lookup.h"

#include <exception>

#include "common/background.h"
#include "common/error.h"
#include "common/log.h"
#include "providers/ci/ci_job_provider.h"
#include "providers/provider_table.h"
#include "providers/token_cache.h"

namespace ssm {

struct CredentialLookup::BackgroundMint {
  std::string server;
  std::optional<Credential> value;
  int64_t expires_at = 0;
  std::exception_ptr error;
};

const char* LookupSourceName(LookupAnswer::Source source) {
  switch (source) {
    case LookupAnswer::Source::kStoredLogin: return "stored login";
    case LookupAnswer::Source::kConfigured: return "configured registry";
    case LookupAnswer::Source::kImplicit: return "implicit registry";
    case LookupAnswer::Source::kNone: break;
  }
  return "none";
}

std::vector<std::string> OtherSpellings(SecretStore& store, const std::string& key) {
  std::vector<std::string> others;
  for (const auto& [server, username] : store.List()) {
    ServerKey normalized;
    if (server != key && TryNormalizeServer(server, &normalized) && normalized.key == key) others.push_back(server);
  }
  return others;
}

CredentialLookup::CredentialLookup(LookupSources sources) : sources_(std::move(sources)) {}
CredentialLookup::~CredentialLookup() = default;

LookupAnswer CredentialLookup::Find(const ServerKey& server, bool with_parallel_mint) {
  std::function<void(const ServerKey&)> hook;
  if (with_parallel_mint) hook = [this](const ServerKey& s) { PrepareForSlowLookup(s); };
  LookupAnswer stored = FromStore(server, hook);
  if (stored.credential) return stored;
  return FromRegistries(server);
}

LookupAnswer CredentialLookup::FromStore(const ServerKey& server,
                                         const std::function<void(const ServerKey&)>& before_slow_lookup) {
  LookupAnswer answer;
  SecretStore& store = sources_.store();
  if (before_slow_lookup && !store.AnswersQuickly(server.key)) {
    // The hook's thread starts first; opening the store (a module, D-Bus)
    // then overlaps with it.
    before_slow_lookup(server);
    store.Connect();
  }
  answer.credential = store.Get(server.key);
  if (!answer.credential) {
    for (const std::string& other : OtherSpellings(store, server.key)) {
      answer.credential = store.Get(other);
      if (answer.credential) break;
    }
  }
  if (!answer.credential) {
    SSM_DEBUG("get: " + server.key + ": no stored login");
    return answer;
  }
  SSM_DEBUG("get: " + server.key + ": stored login from the " + store.Name() + " store");
  answer.source = LookupAnswer::Source::kStoredLogin;
  return answer;
}

bool CredentialLookup::ImplicitRegistry(const ServerKey& server, ConfiguredRegistry* implicit) {
  // Inside a CI job, the job's own login for its registries (providers/ci/ci_job.h).
  if (const Provider* job = CiJobProviderFor(server)) {
    implicit->provider = job;
    implicit->config.provider = job->Name();
    return true;
  }
  for (const Provider* p : ProviderTable()) {
    if (!p->ServesUnconfigured(server)) continue;
    implicit->provider = p;
    implicit->config.provider = p->Name();
    return true;
  }
  return false;
}

ConfiguredRegistry* CredentialLookup::RegistryFor(const ServerKey& server, ConfiguredRegistry* implicit) {
  if (ConfiguredRegistry* r = FindRegistryFor(sources_.registries(), server)) return r;
  return ImplicitRegistry(server, implicit) ? implicit : nullptr;
}

// Before get asks the store the slow way (D-Bus, a module to load): when the
// registry serving server needs a token minted, it is minted on a second
// thread meanwhile (loading libcurl and OpenSSL, the TLS handshake, the
// request: the longest part of a cold get). A stored login still wins: the
// token then only waits in the cache. Not for registries whose own secrets
// are in the store being asked, nor without a token cache (a token minted for
// a server whose stored login answers would be thrown away).
void CredentialLookup::PrepareForSlowLookup(const ServerKey& server) {
  try {
    if (!sources_.open_thread_cache) return;
    TokenCache* cache = sources_.token_cache();
    if (cache == nullptr || !cache->Keeps()) return;
    ConfiguredRegistry implicit;
    ConfiguredRegistry* r = RegistryFor(server, &implicit);
    if (r == nullptr || !r->stored_secrets.empty()) return;
    r->provider->Validate(r->config);
    ProviderContext context = sources_.provider_context(cache);
    if (!r->provider->NeedsNetwork(r->config, server, context)) return;
    auto job = std::make_shared<BackgroundMint>();
    job->server = server.key;
    bool started = StartBackground("mint", [job, registry = *r, server, sources = sources_] {
      try {
        std::unique_ptr<TokenCache> own_cache = sources.open_thread_cache();
        ProviderContext own = sources.provider_context(own_cache.get());
        job->value = registry.provider->Credentials(registry.config, server, own);
        job->expires_at = own.token_expires_at;
      } catch (...) {
        job->error = std::current_exception();
      }
    });
    if (!started) return;
    SSM_DEBUG("get: " + server.key + ": no cached token; minting one on a second thread while the store is asked");
    mint_ = std::move(job);
  } catch (const Error&) {
    // The lookups that follow report it.
  }
}

LookupAnswer CredentialLookup::FromRegistries(const ServerKey& server) { return Registries(server, nullptr); }

LookupAnswer CredentialLookup::FromRegistriesWith(const ServerKey& server, const RegistryConfig& extra) {
  return Registries(server, &extra);
}

LookupAnswer CredentialLookup::Registries(const ServerKey& server, const RegistryConfig* extra) {
  LookupAnswer answer;
  ConfiguredRegistry implicit;
  ConfiguredRegistry* r = RegistryFor(server, &implicit);
  if (r == nullptr) return answer;
  answer.source = r == &implicit ? LookupAnswer::Source::kImplicit : LookupAnswer::Source::kConfigured;
  answer.registry_id = r->config.Id();
  if (mint_ && mint_->server == server.key && extra == nullptr) {
    // Started by PrepareForSlowLookup with this same registry: its answer.
    WaitForBackground("mint");
    std::shared_ptr<BackgroundMint> job = std::move(mint_);
    SSM_DEBUG("get: " + server.key + ": " + r->config.Id() + ", the token from the second thread");
    if (job->error) std::rethrow_exception(job->error);
    answer.credential = std::move(job->value);
    answer.expires_at = job->expires_at;
    answer.minted = job->expires_at != 0;
    return answer;
  }
  if (r == &implicit) {
    SSM_DEBUG("get: " + server.key + ": " + r->config.Id() + " with its default configuration");
  } else {
    SSM_DEBUG("get: " + server.key + ": configured registry " + r->config.Id());
    LoadStoredSecrets(*r, sources_.store());
  }
  r->provider->Validate(r->config);
  TokenCache* cache = extra == nullptr && sources_.token_cache ? sources_.token_cache() : nullptr;
  ProviderContext context = sources_.provider_context(cache);
  if (extra != nullptr) {
    // Nothing kept, so nothing to serialize: no lock file per pod either.
    context.lock = nullptr;
    RegistryConfig own = r->config;
    for (const auto& [k, v] : extra->values) own.values[k] = v;
    for (const auto& [k, v] : extra->secrets) own.secrets[k] = SecretString(v.str());
    answer.credential = r->provider->Credentials(own, server, context);
  } else {
    answer.credential = r->provider->Credentials(r->config, server, context);
  }
  answer.expires_at = context.token_expires_at;
  answer.minted = context.token_expires_at != 0;
  return answer;
}

}  // namespace ssm
