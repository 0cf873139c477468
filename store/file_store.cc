#include "store/file_store.h"

#include <openssl/evp.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

constexpr char kMagic[] = "SSMCRED1";  // 8 bytes, also the GCM additional data
constexpr size_t kMagicLen = 8;
constexpr size_t kNonceLen = 12;
constexpr size_t kTagLen = 16;
constexpr size_t kKeyLen = 32;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

SecretString DecodeKey(const std::string& text, const std::string& where) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) {
    trimmed.pop_back();
  }
  SecretString raw;
  raw.mutable_str().resize(trimmed.size());
  int n = trimmed.empty() || trimmed.size() % 4 != 0
              ? -1
              : EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&raw.mutable_str()[0]),
                                reinterpret_cast<const unsigned char*>(trimmed.data()),
                                static_cast<int>(trimmed.size()));
  if (n >= 0) {
    size_t pad = 0;
    while (pad < 2 && pad < trimmed.size() && trimmed[trimmed.size() - 1 - pad] == '=') ++pad;
    raw.mutable_str().resize(static_cast<size_t>(n) - pad);
  }
  Cleanse(trimmed);
  if (n < 0 || raw.size() != kKeyLen) {
    throw Error::BadInput("the file store key in " + where + " is not the base64 of 32 bytes");
  }
  return raw;
}

std::string EncodeKey(const SecretString& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                          reinterpret_cast<const unsigned char*>(raw.str().data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  out.push_back('\n');
  return out;
}

SecretString Decrypt(const SecretString& key, const std::string& blob, const std::string& path) {
  if (blob.size() < kMagicLen + kNonceLen + kTagLen || blob.compare(0, kMagicLen, kMagic) != 0) {
    throw Error::Corrupt("the file store " + path +
                         " is not a docker-credential-ssm credential file (wrong header); it was left as it is");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(blob.data());
  size_t ct_len = blob.size() - kMagicLen - kNonceLen - kTagLen;
  SecretString plain;
  plain.mutable_str().resize(ct_len + 16);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, total = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key.str().data()), in + kMagicLen) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, in, kMagicLen) == 1;
  auto* out = reinterpret_cast<unsigned char*>(&plain.mutable_str()[0]);
  ok = ok && EVP_DecryptUpdate(ctx.get(), out, &len, in + kMagicLen + kNonceLen, static_cast<int>(ct_len)) == 1;
  total = len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagLen,
                                 const_cast<unsigned char*>(in + blob.size() - kTagLen)) == 1;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), out + total, &len) == 1;
  if (!ok) {
    throw Error::Corrupt("the file store " + path +
                         " failed its integrity check (corrupted, tampered with, or encrypted with another key); "
                         "it was left as it is");
  }
  total += len;
  plain.mutable_str().resize(static_cast<size_t>(total));
  return plain;
}

std::string Encrypt(const SecretString& key, const std::string& plain) {
  std::string blob(kMagicLen + kNonceLen + plain.size() + kTagLen, '\0');
  auto* out = reinterpret_cast<unsigned char*>(&blob[0]);
  std::copy(kMagic, kMagic + kMagicLen, blob.begin());
  if (RAND_bytes(out + kMagicLen, kNonceLen) != 1) throw Error::Failure("the system random generator failed");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key.str().data()), out + kMagicLen) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, out, kMagicLen) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out + kMagicLen + kNonceLen, &len,
                              reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out + kMagicLen + kNonceLen + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen, out + blob.size() - kTagLen) == 1;
  if (!ok) throw Error::Failure("encryption with AES-256-GCM failed");
  return blob;
}

}  // namespace

FileStore::FileStore(StoreOptions options) : dir_(std::move(options.data_dir)), env_key_(std::move(options.file_key)) {
  if (env_key_) env_key_ = DecodeKey(env_key_->str(), "SSM_FILE_STORE_KEY");
}

std::optional<SecretString> FileStore::LoadKey() const {
  if (env_key_) return env_key_;
  auto text = ReadPrivateFile(key_path(), 4096);
  if (!text) return std::nullopt;
  return DecodeKey(text->str(), key_path());
}

FileStore::Entries FileStore::Load(const std::optional<SecretString>& key) const {
  Entries entries;
  auto blob = ReadPrivateFile(data_path(), kMaxFileBytes);
  if (!blob) return entries;
  if (!key) {
    throw Error::Failure("the file store " + data_path() + " exists but its key " + key_path() +
                         " is missing: restore the key file or set SSM_FILE_STORE_KEY (nothing was changed)");
  }
  SecretString plain = Decrypt(*key, blob->str(), data_path());
  WipedJson doc;
  if (JsonTooDeep(plain.str())) {
    throw Error::Corrupt("the file store " + data_path() + " decrypted but does not hold valid data");
  }
  try {
    doc.value = nlohmann::json::parse(plain.str());
  } catch (const nlohmann::json::exception&) {
    throw Error::Corrupt("the file store " + data_path() + " decrypted but does not hold valid data");
  }
  if (!doc.value.is_object() || !doc.value.contains("entries") || !doc.value["entries"].is_object()) {
    throw Error::Corrupt("the file store " + data_path() + " decrypted but does not hold valid data");
  }
  for (auto& [k, v] : doc.value["entries"].items()) {
    if (!v.is_object() || !v.contains("username") || !v["username"].is_string() || !v.contains("secret") ||
        !v["secret"].is_string()) {
      throw Error::Corrupt("the file store " + data_path() + " has a malformed entry");
    }
    Credential c;
    c.username = v["username"].get<std::string>();
    c.secret = SecretString(v["secret"].get<std::string>());
    entries.emplace(k, std::move(c));
  }
  return entries;
}

void FileStore::Save(const SecretString& key, const Entries& entries) const {
  WipedJson doc;
  doc.value = {{"version", 1}, {"entries", nlohmann::json::object()}};
  for (const auto& [k, c] : entries) {
    doc.value["entries"][k] = {{"username", c.username}, {"secret", c.secret.str()}};
  }
  SecretString plain(doc.value.dump());
  WriteFileAtomic(data_path(), Encrypt(key, plain.str()));
}

template <typename Change>
bool FileStore::Modify(Change change) {
  EnsurePrivateDir(dir_);
  FileLock lock(dir_ + "/credentials.lock");
  RemoveStaleTemporaries();
  std::optional<SecretString> key = LoadKey();
  // Load refuses a data file without its key, so a lost key never leads to a
  // fresh key silently replacing credentials that could still be recovered.
  Entries entries = Load(key);
  if (!change(entries)) return false;
  if (!key) {
    SecretString fresh;
    fresh.mutable_str().resize(kKeyLen);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&fresh.mutable_str()[0]), kKeyLen) != 1) {
      throw Error::Failure("the system random generator failed");
    }
    SecretString encoded(EncodeKey(fresh));
    WriteFileAtomic(key_path(), encoded.str());
    SSM_DEBUG("file store: created a new key in " + key_path());
    key = std::move(fresh);
  }
  Save(*key, entries);
  return true;
}

// A writer killed between creating its temporary file and the rename leaves
// that file behind (ciphertext only). Holding the writers' lock, no live
// writer owns one, so they can go.
void FileStore::RemoveStaleTemporaries() const {
  DIR* dir = opendir(dir_.c_str());
  if (dir == nullptr) return;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.rfind("credentials.enc.tmp.", 0) == 0 || name.rfind("credentials.key.tmp.", 0) == 0) {
      unlinkat(dirfd(dir), name.c_str(), 0);
    }
  }
  closedir(dir);
}

std::optional<Credential> FileStore::Get(const std::string& key) {
  Entries entries = Load(LoadKey());
  auto it = entries.find(key);
  if (it == entries.end()) return std::nullopt;
  return std::move(it->second);
}

void FileStore::Put(const std::string& key, const Credential& credential) {
  Modify([&](Entries& entries) {
    entries[key] = credential;
    return true;
  });
}

bool FileStore::Erase(const std::string& key) {
  return Modify([&](Entries& entries) { return entries.erase(key) > 0; });
}

std::map<std::string, std::string> FileStore::List() {
  std::map<std::string, std::string> out;
  for (const auto& [k, c] : Load(LoadKey())) out[k] = c.username;
  return out;
}

}  // namespace ssm
