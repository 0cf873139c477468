#include "common/cache.h"

namespace ssm {

Cache::~Cache() = default;

std::optional<SecretString> MemoryCache::Read(CacheKind kind, const std::string& key) {
  auto it = values_.find({kind, key});
  if (it == values_.end()) return std::nullopt;
  return SecretString(it->second);
}

void MemoryCache::Write(CacheKind kind, const std::string& key, const std::string& payload, int64_t) {
  values_[{kind, key}] = payload;
}

void MemoryCache::Remove(CacheKind kind, const std::string& key) { values_.erase({kind, key}); }

void MemoryCache::RemovePrefix(CacheKind kind, const std::string& prefix) {
  for (auto it = values_.begin(); it != values_.end();) {
    if (it->first.first == kind && it->first.second.compare(0, prefix.size(), prefix) == 0) {
      it = values_.erase(it);
    } else {
      ++it;
    }
  }
}

int MemoryCache::Clear() {
  int n = static_cast<int>(values_.size());
  values_.clear();
  return n;
}

void AppendField(std::string& out, const std::string& field) {
  uint32_t n = static_cast<uint32_t>(field.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += field;
}

std::optional<std::vector<std::string>> DecodeFields(const std::string& data) {
  std::vector<std::string> fields;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 4) return std::nullopt;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    pos += 4;
    if (data.size() - pos < n) return std::nullopt;
    fields.push_back(data.substr(pos, n));
    pos += n;
  }
  return fields;
}

}  // namespace ssm
