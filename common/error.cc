#include "common/error.h"

#include <cstring>

namespace ssm {

Error::Error(Kind kind, const std::string& message, int exit_status)
    : std::runtime_error(message), kind_(kind), exit_status_(exit_status) {}

// Defined here so the type's identity (vtable, typeinfo) lives in one object:
// store modules loaded with dlopen throw the same type the binary catches.
Error::~Error() = default;

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer, which may not be buf.
  return std::string(strerror_r(err, buf, sizeof buf));
}

}  // namespace ssm
