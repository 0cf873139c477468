// The seam between the protocol and where secrets live. Virtual so that the
// Secret Service, the encrypted file and the in-memory test store are
// interchangeable, and so the heavy ones can live in modules loaded on demand.
// Keys are opaque strings to a store: it never knows what a registry is.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/secure.h"

namespace ssm {

struct Credential {
  std::string username;
  SecretString secret;
};

class SecretStore {
 public:
  virtual ~SecretStore();

  // "secretservice", "file" or "memory": what `doctor` and debug logs show.
  virtual std::string Name() const = 0;

  // The credential stored under key, or nullopt when there is none.
  virtual std::optional<Credential> Get(const std::string& key) = 0;

  // Stores credential under key, replacing whatever was stored there, as one
  // item: a key never holds two credentials.
  virtual void Put(const std::string& key, const Credential& credential) = 0;

  // Removes what is stored under key; false when there was nothing.
  virtual bool Erase(const std::string& key) = 0;

  // Every key with its username. Never reads a secret.
  virtual std::map<std::string, std::string> List() = 0;

  // True when Get(key) would answer without the slow work (loading a module,
  // D-Bus, decrypting): a cache holds the answer. A hint only.
  virtual bool AnswersQuickly(const std::string&) { return false; }

  // Opens the backing store now if it would open on first use (CachingStore),
  // so a caller can order slow work around it. Throws what opening throws.
  virtual void Connect() {}
};

}  // namespace ssm
