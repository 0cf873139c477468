// Fuzzes the encrypted file store's reader (store/file/file_store.h) on arbitrary
// file content: the input becomes credentials.enc next to a fixed key, then
// Get and List run on it.
//
// Input: the first byte picks the mode, the rest is the content.
//   even: the rest is written as credentials.enc as it is (header, nonce, tag
//         and size checks; a seed that is a real file reaches the JSON inside)
//   odd:  the rest is the plaintext, encrypted here with the fixed key in the
//         store's format 1 (SSMCRED1 | nonce | AES-256-GCM | tag; still read,
//         as generation 0, under the one-line key file here), so the fuzzer
//         reaches the parsing of the decrypted document. Format 2's header
//         (SSMCRED2 | generation) is reached through the raw mode.
//
// Invariants: only ssm::Error comes out; every key List shows, Get finds with
// the same user name.
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "fuzz_support.h"
#include "store/file/file_store.h"

namespace {

using ssm::fuzz::Escape;

// base64 of the 32 bytes 0x00..0x1f; tests/fuzz/make_file_store_seed.py uses
// the same key.
constexpr char kKeyBase64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

std::string StoreDir() { return ssm::fuzz::ScratchDir() + "/store"; }

// The store's file format, with a fixed nonce (the fuzzer needs determinism,
// not secrecy).
std::string Encrypt(const std::string& plain) {
  unsigned char key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(i);
  const unsigned char nonce[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::string blob = "SSMCRED1";
  blob.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  std::string ct(plain.size() + 16, '\0');
  unsigned char tag[16];
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key, nonce) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(blob.data()), 8) == 1 &&
            EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(&ct[0]), &len,
                              reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(&ct[0]) + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
  FUZZ_CHECK(ok, "AES-256-GCM encryption failed in the harness");
  ct.resize(static_cast<size_t>(total));
  blob += ct;
  blob.append(reinterpret_cast<const char*>(tag), sizeof tag);
  return blob;
}

void Run(const std::string& file_content) {
  ssm::fuzz::WriteFileOrDie(StoreDir() + "/credentials.enc", file_content);
  ssm::StoreOptions options;
  options.data_dir = StoreDir();
  ssm::FileStore store(options);
  try {
    (void)store.Get("registry.example.com");
    (void)store.Get("https://index.docker.io/v1/");
  } catch (const ssm::Error&) {
  }
  std::map<std::string, std::string> listed = store.List();
  for (const auto& [key, user] : listed) {
    std::optional<ssm::Credential> c = store.Get(key);
    FUZZ_CHECK(c.has_value(), "List shows " + Escape(key) + " but Get does not find it");
    FUZZ_CHECK(c->username == user, "List and Get disagree on the user of " + Escape(key));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ssm::fuzz::IsolateEnvironment();
  mkdir(StoreDir().c_str(), 0700);
  ssm::fuzz::WriteFileOrDie(StoreDir() + "/credentials.key", std::string(kKeyBase64) + "\n");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    Run((data[0] & 1) != 0 ? Encrypt(rest) : rest);
  } catch (const ssm::Error&) {
    // Corrupt, tampered with or malformed: refused with a message, as it should.
  }
  return 0;
}
