// The one error type of docker-credential-ssm: a message for the user (never
// holding a secret), the exit status that goes with it, and a kind that lets
// callers decide whether to degrade (an unavailable store) or stop.
#pragma once

#include <stdexcept>
#include <string>

namespace ssm {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    kUsage,        // the command line is wrong
    kBadInput,     // stdin, a config file or a variable is malformed
    kUnavailable,  // a backend (D-Bus, Secret Service, endpoint) does not answer
    kDenied,       // a backend answered no (locked keyring, refused unlock, 403)
    kCorrupt,      // stored data failed its integrity check
    kFailure,      // anything else that went wrong while doing the work
  };

  Error(Kind kind, const std::string& message, int exit_status = 1);
  ~Error() override;

  Kind kind() const { return kind_; }
  int exit_status() const { return exit_status_; }

  static Error Usage(const std::string& message) { return Error(Kind::kUsage, message, 1); }
  static Error BadInput(const std::string& message) { return Error(Kind::kBadInput, message); }
  static Error Unavailable(const std::string& message) { return Error(Kind::kUnavailable, message); }
  static Error Denied(const std::string& message) { return Error(Kind::kDenied, message); }
  static Error Corrupt(const std::string& message) { return Error(Kind::kCorrupt, message); }
  static Error Failure(const std::string& message) { return Error(Kind::kFailure, message); }

 private:
  Kind kind_;
  int exit_status_;
};

// errno as text, for messages about files and sockets.
std::string ErrnoText(int err);

}  // namespace ssm
