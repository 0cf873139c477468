// The credential-helper protocol (store, get, erase, list, version) over
// streams, as the docker CLI and containers/image speak it. main() only wires
// stdin/stdout and a store to it; tests drive it with string streams.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "common/server_key.h"
#include "store/secret_store.h"

namespace ssm {

class Protocol {
 public:
  // Opens the store on first use, so `version` or a rejected request never
  // loads one.
  using StoreOpener = std::function<SecretStore&()>;
  // What get answers for a server: the whole precedence, worked out by
  // helper/lookup.h (the command line passes CredentialLookup::Find); nullopt
  // means "answer not found". Without one, get answers the stored logins only
  // (steps 1 and 2 of helper/lookup.h).
  using Finder = std::function<std::optional<Credential>(const ServerKey&)>;
  // The configured registries' concrete servers with their user names, which
  // `list` shows beside the stored logins.
  using Configured = std::function<std::map<std::string, std::string>()>;

  explicit Protocol(StoreOpener store, Finder find = nullptr, Configured configured = nullptr);

  // Runs one action. Protocol output goes to out; so does the one-line error
  // message clients read. Returns the exit status (0 or 1).
  int Run(const std::string& action, std::istream& in, std::ostream& out);

 private:
  void Store(std::istream& in);
  void Get(std::istream& in, std::ostream& out);
  void Erase(std::istream& in);
  void List(std::ostream& out);

  // The store's keys, other than key itself, that normalize to key: items
  // written by other helpers under another spelling of the same server.
  std::vector<std::string> OtherSpellings(const std::string& key);

  StoreOpener open_store_;
  Finder find_;
  Configured configured_;
};

// Store keys that are not logins (registry secrets) start with this; `list`
// and `get` never show them.
inline constexpr char kInternalKeyPrefix[] = "docker-credential-ssm:";

// Reads all of in, at most kMaxInputBytes; throws Error::BadInput beyond.
std::string ReadBoundedInput(std::istream& in, const char* action);

std::string VersionLine();

}  // namespace ssm
