// A store that holds nothing and keeps nothing (SSM_STORE=none, and the
// default of `kubelet` mode): get goes straight to the configured registries.
#pragma once

#include "common/error.h"
#include "store/secret_store.h"

namespace ssm {

class EmptyStore : public SecretStore {
 public:
  std::string Name() const override { return "none"; }
  std::optional<Credential> Get(const std::string&) override { return std::nullopt; }
  void Put(const std::string&, const Credential&) override {
    throw Error::BadInput("the store is none (SSM_STORE=none): nothing can be stored");
  }
  bool Erase(const std::string&) override { return false; }
  std::map<std::string, std::string> List() override { return {}; }
  bool AnswersQuickly(const std::string&) override { return true; }
};

}  // namespace ssm
