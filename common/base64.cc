#include "common/base64.h"

#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

namespace ssm {

bool Base64Decode(const std::string& text, std::string* out) {
  std::string buf(text.size() / 4 * 3 + 3, '\0');
  int n = b64_pton(text.c_str(), reinterpret_cast<unsigned char*>(&buf[0]), buf.size());
  if (n < 0 || text.find('\0') != std::string::npos) {
    explicit_bzero(&buf[0], buf.size());
    return false;
  }
  buf.resize(static_cast<size_t>(n));
  *out = std::move(buf);
  return true;
}

std::string Base64Encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = b64_ntop(reinterpret_cast<const unsigned char*>(data.data()), data.size(), &out[0], out.size());
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

}  // namespace ssm
