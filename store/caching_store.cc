#include "store/caching_store.h"

#include <time.h>

#include <vector>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

// Length-prefixed fields: "0" (not found) or "1", user name, secret.
std::string Encode(const std::optional<Credential>& c) {
  std::string out;
  AppendField(out, c ? "1" : "0");
  if (c) {
    AppendField(out, c->username);
    AppendField(out, c->secret.str());
  }
  return out;
}

// nullopt: not an entry; otherwise the cached answer (itself maybe "absent").
std::optional<std::optional<Credential>> Decode(const std::string& payload) {
  std::optional<std::vector<std::string>> fields = DecodeFields(payload);
  if (!fields) return std::nullopt;
  std::optional<std::optional<Credential>> out;
  if (fields->size() == 1 && (*fields)[0] == "0") {
    out.emplace();
  } else if (fields->size() == 3 && (*fields)[0] == "1") {
    Credential c;
    c.username = (*fields)[1];
    c.secret = SecretString((*fields)[2]);
    out.emplace(std::move(c));
  }
  for (std::string& f : *fields) Cleanse(f);
  return out;
}

std::string EntryKey(const std::string& stamp, const std::string& key) { return stamp + '\0' + key; }

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

}  // namespace

CachingStore::CachingStore(Opener open, Stamp stamp, long ttl_seconds, std::shared_ptr<Cache> cache)
    : open_(std::move(open)), stamp_(std::move(stamp)), ttl_(ttl_seconds), cache_(std::move(cache)) {}

SecretStore& CachingStore::Real() const {
  if (!real_) real_ = open_();
  return *real_;
}

std::string CachingStore::Name() const { return Real().Name(); }

void CachingStore::Remember(const std::string& key, const std::optional<Credential>& value) {
  SecretString payload(Encode(value));
  cache_->Write(CacheKind::kStoreAnswer, EntryKey(stamp_(), key), payload.str(), Now() + ttl_);
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
  if (std::optional<SecretString> payload = cache_->Read(CacheKind::kStoreAnswer, EntryKey(before, key))) {
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
    cache_->Write(CacheKind::kStoreAnswer, EntryKey(after, key), payload.str(), Now() + ttl_);
  }
  return value;
}

bool CachingStore::AnswersQuickly(const std::string& key) {
  std::optional<SecretString> payload = cache_->Read(CacheKind::kStoreAnswer, EntryKey(stamp_(), key));
  if (!payload || !Decode(payload->str()).has_value()) return false;
  peeked_.emplace(Peeked{key, std::move(*payload)});  // the Get that follows answers with it
  return true;
}

void CachingStore::Forget(const std::string& stamp) {
  // What was cached under the stamp this write is made under may be stale
  // (another spelling of the server, the list); the write usually moves the
  // stamp anyway. Other stores' entries stay.
  peeked_.reset();
  cache_->RemovePrefix(CacheKind::kStoreAnswer, EntryKey(stamp, ""));
}

void CachingStore::Put(const std::string& key, const Credential& credential) {
  Forget(stamp_());
  Real().Put(key, credential);
  Remember(key, credential);
}

bool CachingStore::Erase(const std::string& key) {
  Forget(stamp_());
  bool erased = Real().Erase(key);
  Remember(key, std::nullopt);
  return erased;
}

std::map<std::string, std::string> CachingStore::List() {
  // `get` lists the store on a miss (to find other spellings of a server), so
  // the list is cached too, under the same stamp. It holds no secret.
  const std::string kListKey("\0list", 5);
  std::string before = stamp_();
  if (std::optional<SecretString> payload = cache_->Read(CacheKind::kStoreAnswer, EntryKey(before, kListKey))) {
    nlohmann::json doc = ParseJsonOrDiscarded(payload->str());
    if (doc.is_object()) {
      std::map<std::string, std::string> out;
      for (auto& [k, v] : doc.items()) out[k] = v.is_string() ? v.get<std::string>() : "";
      return out;
    }
  }
  std::map<std::string, std::string> items = Real().List();
  if (stamp_() == before) cache_->Write(CacheKind::kStoreAnswer, EntryKey(before, kListKey), nlohmann::json(items).dump(), Now() + ttl_);
  return items;
}

}  // namespace ssm
