// One cache for everything the helper keeps between commands: the store's
// answers and minted tokens. An entry is bound to its kind and to its whole
// key (the store answer's stamp and server, the token's server and request):
// it answers that kind and key only, and only until its absolute expiry.
// Payloads are opaque bytes; EncodeFields/DecodeFields give callers a
// length-prefixed encoding, so no byte of a value (a newline in a user name)
// can move a field boundary.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/secure.h"

namespace ssm {

enum class CacheKind : char { kStoreAnswer = 's', kToken = 't' };

class Cache {
 public:
  virtual ~Cache();
  // The payload of a live entry of this kind and key, else nullopt.
  virtual std::optional<SecretString> Read(CacheKind kind, const std::string& key) = 0;
  // Creates or replaces the entry; it is dead from expires_at (seconds since the epoch).
  virtual void Write(CacheKind kind, const std::string& key, const std::string& payload, int64_t expires_at) = 0;
  virtual void Remove(CacheKind kind, const std::string& key) = 0;
  // Removes the entries of this kind whose key starts with prefix.
  virtual void RemovePrefix(CacheKind kind, const std::string& prefix) = 0;
  // Removes every entry; returns how many there were.
  virtual int Clear() = 0;
};

// In memory, for tests (no expiry).
class MemoryCache : public Cache {
 public:
  std::optional<SecretString> Read(CacheKind kind, const std::string& key) override;
  void Write(CacheKind kind, const std::string& key, const std::string& payload, int64_t expires_at) override;
  void Remove(CacheKind kind, const std::string& key) override;
  void RemovePrefix(CacheKind kind, const std::string& prefix) override;
  int Clear() override;
  size_t size() const { return values_.size(); }

 private:
  std::map<std::pair<CacheKind, std::string>, std::string> values_;
};

// Each field as a 4-byte little-endian length and its bytes.
void AppendField(std::string& out, const std::string& field);
// The fields of data; nullopt unless data is exactly a sequence of fields.
std::optional<std::vector<std::string>> DecodeFields(const std::string& data);

}  // namespace ssm
