#include "net/crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64.h"
#include "common/error.h"

namespace ssm {

std::string Sha256(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) {
    throw Error::Failure("SHA-256 failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha1(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha1(), nullptr) != 1) {
    throw Error::Failure("SHA-1 failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &len) == nullptr) {
    throw Error::Failure("HMAC-SHA256 failed");
  }
  std::string mac(reinterpret_cast<char*>(out), len);
  OPENSSL_cleanse(out, sizeof out);
  return mac;
}

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string Base64UrlEncode(const std::string& data) {
  std::string out = Base64Encode(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

bool Base64UrlDecode(const std::string& text, std::string* out) {
  std::string std_text = text;
  for (char& c : std_text) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return false;
    }
  }
  while (std_text.size() % 4 != 0) std_text.push_back('=');
  return Base64Decode(std_text, out);
}

}  // namespace ssm
