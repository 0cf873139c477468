// Credentials in the Secret Service (gnome-keyring, KeePassXC, KWallet's
// bridge) through libsecret, in the item layout of docker-credential-secretservice
// so that logins made with it keep working: schema io.docker.Credentials with
// the attributes server, username, docker_cli=1 and label. Unlike that helper it
// keeps one item per server: storing again replaces.
#pragma once

#include "store/secret_store.h"

typedef struct _SecretService SecretService;

namespace ssm {

class SecretServiceStore : public SecretStore {
 public:
  // Connects to the session bus. Throws Error::Unavailable when there is no
  // session bus; a service that is absent shows up as Unavailable from the
  // first operation.
  SecretServiceStore();
  ~SecretServiceStore() override;
  SecretServiceStore(const SecretServiceStore&) = delete;
  SecretServiceStore& operator=(const SecretServiceStore&) = delete;

  std::string Name() const override { return "secretservice"; }
  std::optional<Credential> Get(const std::string& key) override;
  void Put(const std::string& key, const Credential& credential) override;
  bool Erase(const std::string& key) override;
  std::map<std::string, std::string> List() override;

 private:
  SecretService* service_ = nullptr;
};

}  // namespace ssm
