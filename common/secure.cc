#include "common/secure.h"

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

namespace ssm {

void Cleanse(std::string& s) {
  if (s.capacity() > 0) explicit_bzero(&s[0], s.capacity());
  s.clear();
}

SecretString& SecretString::operator=(const SecretString& other) {
  if (this != &other) {
    Cleanse(value_);
    value_ = other.value_;
  }
  return *this;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Cleanse(value_);
    value_ = std::move(other.value_);
    Cleanse(other.value_);
  }
  return *this;
}

void ProtectProcess() {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
}

}  // namespace ssm
