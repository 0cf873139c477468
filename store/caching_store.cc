#include "store/caching_store.h"

#include <nlohmann/json.hpp>

#include "common/fingerprint.h"
#include "common/kernel_keyring.h"
#include "common/log.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

constexpr char kPrefix[] = "docker-credential-ssm:store:";

std::string Encode(const std::optional<Credential>& c) {
  if (!c) return "v1\n0\n";
  return "v1\n1\n" + c->username + "\n" + c->secret.str();
}

// nullopt: not an entry; otherwise the cached answer (itself maybe "absent").
std::optional<std::optional<Credential>> Decode(const std::string& payload) {
  if (payload == "v1\n0\n") return std::optional<Credential>();
  if (payload.rfind("v1\n1\n", 0) != 0) return std::nullopt;
  size_t nl = payload.find('\n', 5);
  if (nl == std::string::npos) return std::nullopt;
  Credential c;
  c.username = payload.substr(5, nl - 5);
  c.secret = SecretString(payload.substr(nl + 1));
  return std::optional<Credential>(std::move(c));
}

}  // namespace

ValueCache::~ValueCache() = default;

std::optional<SecretString> KernelValueCache::Read(const std::string& name) { return KernelKeyring::Read(name); }
void KernelValueCache::Write(const std::string& name, const std::string& value, long ttl) {
  KernelKeyring::Write(name, value, ttl);
}
void KernelValueCache::Remove(const std::string& name) { KernelKeyring::Remove(name); }
void KernelValueCache::Clear() { KernelKeyring::RemoveAll(kPrefix); }

std::optional<SecretString> MemoryValueCache::Read(const std::string& name) {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return SecretString(it->second);
}
void MemoryValueCache::Write(const std::string& name, const std::string& value, long) { values[name] = value; }
void MemoryValueCache::Remove(const std::string& name) { values.erase(name); }

CachingStore::CachingStore(Opener open, Stamp stamp, long ttl_seconds, ValueCache* cache)
    : open_(std::move(open)), stamp_(std::move(stamp)), ttl_(ttl_seconds), cache_(cache) {}

SecretStore& CachingStore::Real() const {
  if (!real_) real_ = open_();
  return *real_;
}

std::string CachingStore::Name() const { return Real().Name(); }

std::string CachingStore::EntryName(const std::string& stamp, const std::string& key) const {
  return kPrefix + Fingerprint(stamp + '\0' + key);
}

void CachingStore::Remember(const std::string& key, const std::optional<Credential>& value) {
  SecretString payload(Encode(value));
  cache_->Write(EntryName(stamp_(), key), payload.str(), ttl_);
}

std::optional<Credential> CachingStore::Get(const std::string& key) {
  if (peeked_ && peeked_->key == key) {
    // What AnswersQuickly read a moment ago: not read (nor stamped) twice.
    Peeked peeked = std::move(*peeked_);
    peeked_.reset();
    if (auto cached = Decode(peeked.payload.str())) {
      SSM_DEBUG("store: " + key + ": answered from the cache");
      return *cached;
    }
  }
  peeked_.reset();
  std::string before = stamp_();
  if (std::optional<SecretString> payload = cache_->Read(EntryName(before, key))) {
    if (auto cached = Decode(payload->str())) {
      SSM_DEBUG("store: " + key + ": answered from the cache");
      return *cached;
    }
  }
  std::optional<Credential> value = Real().Get(key);
  // Cache only if nothing changed the store while it was read.
  std::string after = stamp_();
  if (after == before) {
    SecretString payload(Encode(value));
    cache_->Write(EntryName(after, key), payload.str(), ttl_);
  }
  return value;
}

bool CachingStore::AnswersQuickly(const std::string& key) {
  std::string name = EntryName(stamp_(), key);
  std::optional<SecretString> payload = cache_->Read(name);
  if (!payload || !Decode(payload->str()).has_value()) return false;
  peeked_.emplace(Peeked{key, std::move(*payload)});  // the Get that follows answers with it
  return true;
}

void CachingStore::Forget(const std::string&) {
  peeked_.reset();
  cache_->Clear();
}

void CachingStore::Put(const std::string& key, const Credential& credential) {
  Forget(key);
  Real().Put(key, credential);
  Remember(key, credential);
}

bool CachingStore::Erase(const std::string& key) {
  Forget(key);
  bool erased = Real().Erase(key);
  Remember(key, std::nullopt);
  return erased;
}

std::map<std::string, std::string> CachingStore::List() {
  // `get` lists the store on a miss (to find other spellings of a server), so
  // the list is cached too, under the same stamp. It holds no secret.
  const std::string kListKey("\0list", 5);
  std::string before = stamp_();
  if (std::optional<SecretString> payload = cache_->Read(EntryName(before, kListKey))) {
    nlohmann::json doc = ParseJsonOrDiscarded(payload->str());
    if (doc.is_object()) {
      std::map<std::string, std::string> out;
      for (auto& [k, v] : doc.items()) out[k] = v.is_string() ? v.get<std::string>() : "";
      return out;
    }
  }
  std::map<std::string, std::string> items = Real().List();
  if (stamp_() == before) cache_->Write(EntryName(before, kListKey), nlohmann::json(items).dump(), ttl_);
  return items;
}

}  // namespace ssm
