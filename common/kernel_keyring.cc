#include "common/kernel_keyring.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

#include <vector>

#include "common/error.h"
#include "common/log.h"

namespace ssm {
namespace {

// Possessor and same user: view, read, write, search, link, setattr. Others: nothing.
constexpr unsigned long kPermissions = 0x3f3f0000;

long KeyCtl(int op, unsigned long a, unsigned long b = 0, unsigned long c = 0, unsigned long d = 0) {
  return syscall(SYS_keyctl, op, a, b, c, d);
}

long Search(const std::string& description) {
  return KeyCtl(KEYCTL_SEARCH, static_cast<unsigned long>(KEY_SPEC_USER_KEYRING), reinterpret_cast<unsigned long>("user"),
                reinterpret_cast<unsigned long>(description.c_str()), 0);
}

}  // namespace

bool KernelKeyring::Available() {
  return KeyCtl(KEYCTL_GET_KEYRING_ID, static_cast<unsigned long>(KEY_SPEC_USER_KEYRING), 1) >= 0;
}

std::optional<SecretString> KernelKeyring::Read(const std::string& description) {
  long id = Search(description);
  if (id < 0) return std::nullopt;
  SecretString payload;
  std::string& buf = payload.mutable_str();
  buf.resize(4096);
  for (;;) {
    long n = KeyCtl(KEYCTL_READ, static_cast<unsigned long>(id), reinterpret_cast<unsigned long>(&buf[0]), buf.size());
    if (n < 0) return std::nullopt;
    if (static_cast<size_t>(n) <= buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return payload;
    }
    Cleanse(buf);
    buf.resize(static_cast<size_t>(n));
  }
}

bool KernelKeyring::Write(const std::string& description, const std::string& payload, long ttl_seconds) {
  long id = syscall(SYS_add_key, "user", description.c_str(), payload.data(), payload.size(), KEY_SPEC_USER_KEYRING);
  if (id < 0) {
    SSM_DEBUG("cache: the kernel keyring refused a value: " + ErrnoText(errno));
    return false;
  }
  KeyCtl(KEYCTL_SETPERM, static_cast<unsigned long>(id), kPermissions);
  KeyCtl(KEYCTL_SET_TIMEOUT, static_cast<unsigned long>(id), static_cast<unsigned long>(ttl_seconds < 1 ? 1 : ttl_seconds));
  return true;
}

void KernelKeyring::Remove(const std::string& description) {
  long id = Search(description);
  if (id >= 0) KeyCtl(KEYCTL_INVALIDATE, static_cast<unsigned long>(id));
}

int KernelKeyring::RemoveAll(const std::string& prefix) {
  std::vector<int32_t> ids(256);
  for (;;) {
    long n = KeyCtl(KEYCTL_READ, static_cast<unsigned long>(KEY_SPEC_USER_KEYRING),
                    reinterpret_cast<unsigned long>(ids.data()), ids.size() * sizeof(int32_t));
    if (n < 0) return 0;
    if (static_cast<size_t>(n) <= ids.size() * sizeof(int32_t)) {
      ids.resize(static_cast<size_t>(n) / sizeof(int32_t));
      break;
    }
    ids.resize(static_cast<size_t>(n) / sizeof(int32_t));
  }
  int removed = 0;
  for (int32_t id : ids) {
    char desc[512];
    long n = KeyCtl(KEYCTL_DESCRIBE, static_cast<unsigned long>(id), reinterpret_cast<unsigned long>(desc), sizeof desc);
    if (n <= 0 || static_cast<size_t>(n) > sizeof desc) continue;
    // "type;uid;gid;perm;description"
    std::string d(desc, strnlen(desc, sizeof desc));
    size_t pos = 0;
    for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = d.find(';', pos == 0 && i == 0 ? 0 : pos + 1);
    if (pos == std::string::npos || d.compare(0, 5, "user;") != 0) continue;
    if (d.compare(pos + 1, prefix.size(), prefix) != 0) continue;
    if (KeyCtl(KEYCTL_INVALIDATE, static_cast<unsigned long>(id)) == 0) ++removed;
  }
  return removed;
}

}  // namespace ssm
