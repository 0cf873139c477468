#include "net/crypto/jwt.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "common/error.h"
#include "net/crypto/digest.h"

namespace ssm {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

SecretString UnescapePem(const std::string& text) {
  SecretString out;
  std::string& o = out.mutable_str();
  o.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      o.push_back('\n');
      ++i;
    } else {
      o.push_back(text[i]);
    }
  }
  return out;
}

std::string SignJwtRs256(const nlohmann::json& header, const nlohmann::json& claims, const SecretString& private_key_pem,
                         const std::string& what) {
  std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  SecretString pem = UnescapePem(private_key_pem.str());
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.str().data(), static_cast<int>(pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")) : nullptr);
  if (!key) throw Error::BadInput(what + ": the private key is not a PEM private key OpenSSL can read");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    throw Error::BadInput(what + ": the private key is not an RSA key (RS256 needs one)");
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    throw Error::Failure(what + ": RS256 signing failed");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&signature[0]), &len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1) {
    throw Error::Failure(what + ": RS256 signing failed");
  }
  signature.resize(len);
  return signing_input + "." + Base64UrlEncode(signature);
}

}  // namespace ssm
