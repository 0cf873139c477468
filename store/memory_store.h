// A SecretStore in process memory, for tests. It records how often each
// operation ran so a test can check that the protocol did not over-ask.
#pragma once

#include <map>

#include "store/secret_store.h"

namespace ssm {

class MemoryStore : public SecretStore {
 public:
  std::string Name() const override { return "memory"; }
  std::optional<Credential> Get(const std::string& key) override;
  void Put(const std::string& key, const Credential& credential) override;
  bool Erase(const std::string& key) override;
  std::map<std::string, std::string> List() override;

  int gets() const { return gets_; }
  int puts() const { return puts_; }
  int erases() const { return erases_; }
  size_t size() const { return items_.size(); }

 private:
  std::map<std::string, Credential> items_;
  int gets_ = 0;
  int puts_ = 0;
  int erases_ = 0;
};

}  // namespace ssm
