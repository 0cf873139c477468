// The kernel's per-user keyring (keyctl), used as a cache: values live in
// kernel memory, never on disk, readable only by processes of this user, and
// the kernel drops each at its timeout and at reboot. Reached by system calls
// alone, so a cache hit loads no library. Every call degrades to "no cache"
// when the kernel refuses (seccomp in containers, no CONFIG_KEYS).
#pragma once

#include <optional>
#include <string>

#include "common/secure.h"

namespace ssm {

class KernelKeyring {
 public:
  // Whether the user keyring answers at all.
  static bool Available();
  // The payload of the "user" key with this description, or nullopt.
  static std::optional<SecretString> Read(const std::string& description);
  // Creates or replaces the key; it disappears after ttl_seconds. Returns false
  // when the kernel refused.
  static bool Write(const std::string& description, const std::string& payload, long ttl_seconds);
  static void Remove(const std::string& description);
  // Removes every key whose description starts with prefix; returns how many.
  static int RemoveAll(const std::string& prefix);
};

}  // namespace ssm
