#include "store/memory_store.h"

namespace ssm {

std::optional<Credential> MemoryStore::Get(const std::string& key) {
  ++gets_;
  auto it = items_.find(key);
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

void MemoryStore::Put(const std::string& key, const Credential& credential) {
  ++puts_;
  items_[key] = credential;
}

bool MemoryStore::Erase(const std::string& key) {
  ++erases_;
  return items_.erase(key) > 0;
}

std::map<std::string, std::string> MemoryStore::List() {
  std::map<std::string, std::string> out;
  for (const auto& [key, credential] : items_) out[key] = credential.username;
  return out;
}

}  // namespace ssm
