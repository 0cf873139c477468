#include "providers/token_provider.h"

#include <algorithm>
#include <ctime>
#include <string>
#include <type_traits>

#include "common/error.h"
#include "common/fingerprint.h"
#include "common/log.h"
#include "common/settings.h"
#include "net/net_module.h"
#include "providers/token_cache.h"
#include "providers/tokens/mint_codec.h"

namespace ssm {
namespace {

constexpr int64_t kMaxTokenLifetime = 24 * 3600;

std::string When(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

bool IsNoIdentity(const CachedToken& t) { return t.username.empty() && t.secret.empty(); }

Credential FromCache(const CachedToken& t, ProviderContext& context) {
  context.token_expires_at = t.expires_at;
  Credential c;
  c.username = t.username;
  c.secret = t.secret;
  return c;
}

}  // namespace

std::string TokenCacheKey(const MintRequest& r, const std::string& server) {
  std::string material = server;
  material.push_back('\0');
  ForEachMintField(r, [&](const char* name, const auto& field, MintFieldRole role) {
    if (role != MintFieldRole::kKeyed) return;
    using Field = std::decay_t<decltype(field)>;
    material += name;
    material.push_back('=');
    if constexpr (std::is_same_v<Field, SecretString>) {
      material += field.str();
    } else if constexpr (std::is_same_v<Field, std::string>) {
      material += field;
    } else {
      material += std::to_string(field);
    }
    material.push_back('\0');
  });
  // The server and the token's kind in clear, so a cached entry is bound to
  // them (common/cache.h); the rest (secrets included) as a fingerprint.
  std::string key = r.kind + "|" + server + "|" + Fingerprint(material);
  Cleanse(material);
  return key;
}

std::optional<Credential> TokenProvider::NothingToMintWith(const RegistryConfig& config) const {
  if (config.sources.empty()) return std::nullopt;  // unconfigured: anonymous
  throw Error::Failure(config.Id() + ": no credentials to mint a token with");
}

bool TokenProvider::NeedsNetwork(const RegistryConfig& config, const ServerKey& server,
                                 ProviderContext& context) const {
  try {
    std::optional<MintRequest> request = Prepare(config, server);
    if (!request) return false;
    if (context.cache == nullptr) return true;
    int64_t now = context.now ? context.now() : static_cast<int64_t>(std::time(nullptr));
    std::optional<CachedToken> cached = context.cache->Get(TokenCacheKey(*request, server.key));
    return !(cached && now < cached->RefreshAt());
  } catch (const std::exception&) {
    return false;  // Credentials reports it
  }
}

std::optional<Credential> TokenProvider::Credentials(const RegistryConfig& config, const ServerKey& server,
                                                     ProviderContext& context) const {
  std::optional<MintRequest> request = Prepare(config, server);
  if (!request) return std::nullopt;
  int64_t now = context.now ? context.now() : static_cast<int64_t>(std::time(nullptr));
  request->now = now;
  if (context.settings != nullptr) {
    request->total_timeout_ms = context.settings->HttpTimeoutMs(request->total_timeout_ms);
    request->connect_timeout_ms = context.settings->HttpConnectTimeoutMs(request->connect_timeout_ms);
  }
  std::string key = TokenCacheKey(*request, server.key);

  std::optional<CachedToken> cached;
  if (context.cache != nullptr) {
    cached = context.cache->Get(key);
    if (cached && now < cached->RefreshAt()) {
      if (IsNoIdentity(*cached)) {
        SSM_DEBUG(request->what + ": " + server.key + ": no identity here (remembered until " + When(cached->expires_at) + ")");
        return NothingToMintWith(config);
      }
      SSM_DEBUG(request->what + ": " + server.key + ": token from the " + context.cache->Name() + " cache, valid until " +
               When(cached->expires_at));
      return FromCache(*cached, context);
    }
  }
  // One minter at a time per token; the others then find its token cached.
  std::unique_ptr<MintLock> lock = context.lock ? context.lock(key) : nullptr;
  if (context.cache != nullptr) {
    cached = context.cache->Get(key);
    if (cached && now < cached->RefreshAt()) {
      SSM_DEBUG(request->what + ": " + server.key + ": token minted by another process meanwhile");
      if (IsNoIdentity(*cached)) return NothingToMintWith(config);
      return FromCache(*cached, context);
    }
  }
  // Credentials derived for another token of the same identity, still good.
  std::string identity_key = request->identity_key.empty() ? "" : "identity|" + request->identity_key;
  if (!identity_key.empty() && context.cache != nullptr) {
    std::optional<CachedToken> identity = context.cache->Get(identity_key);
    if (identity && now < identity->RefreshAt() && !identity->secret.empty()) {
      SSM_DEBUG(request->what + ": " + server.key + ": derived credentials from the cache, valid until " +
                When(identity->expires_at));
      request->identity = identity->secret;
    }
  }
  MintedToken minted;
  try {
    SSM_DEBUG(request->what + ": " + server.key + ": minting a token at " + RedactUrl(request->endpoint));
    minted = context.mint(*request);
  } catch (const Error& e) {
    if (cached && !IsNoIdentity(*cached) && now < cached->expires_at - 30) {
      LogWarn(std::string(e.what()) + "; using the cached token, valid until " + When(cached->expires_at));
      return FromCache(*cached, context);
    }
    throw;
  }
  if (!minted.identity.empty() && !identity_key.empty() && context.cache != nullptr &&
      minted.identity_expires_at > now) {
    CachedToken identity;
    identity.username = "identity";
    identity.secret = minted.identity;
    identity.issued_at = now;
    identity.expires_at = minted.identity_expires_at;
    context.cache->Put(identity_key, identity, now);
  }
  if (minted.none()) {
    // Remembered for a while, so a machine with no identity answers at once.
    CachedToken none;
    none.issued_at = now;
    none.expires_at = now + kNoIdentitySeconds;
    if (context.cache != nullptr) context.cache->Put(key, none, now);
    SSM_DEBUG(request->what + ": " + server.key + ": no identity here; remembered for " +
              std::to_string(kNoIdentitySeconds) + " s");
    return NothingToMintWith(config);
  }
  if (minted.expires_at <= now) {
    throw Error::Failure(request->what + ": the token service answered with a token that has already expired (" +
                         When(minted.expires_at) + "; is this machine's clock right?)");
  }
  // No token is kept longer than a day, whatever the service says.
  minted.expires_at = std::min(minted.expires_at, now + kMaxTokenLifetime);
  CachedToken fresh;
  fresh.username = minted.username;
  fresh.secret = minted.secret;
  fresh.issued_at = now;
  fresh.expires_at = minted.expires_at;
  if (context.cache != nullptr) context.cache->Put(key, fresh, now);
  SSM_DEBUG(request->what + ": " + server.key + ": new token valid until " + When(minted.expires_at));
  return FromCache(fresh, context);
}

ProviderContext SystemProviderContext(TokenCache* cache, const Settings& settings) {
  ProviderContext context;
  context.settings = &settings;
  context.now = [] { return static_cast<int64_t>(std::time(nullptr)); };
  context.cache = cache;
  context.lock = [](const std::string& key) { return LockMint(key); };
  context.mint = MintWithNetworkModule;
  return context;
}

}  // namespace ssm
