#include "store/file/file_store.h"

#include <openssl/evp.h>
#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

// Format 1: "SSMCRED1" | nonce | ciphertext | tag, the magic as the GCM
// additional data (read only; it counts as generation 0). Format 2:
// "SSMCRED2" | generation (8 bytes, big-endian) | nonce | ciphertext | tag,
// the first 16 bytes as the additional data, so the generation cannot be
// changed without the key.
constexpr char kMagicV1[] = "SSMCRED1";
constexpr char kMagicV2[] = "SSMCRED2";
constexpr size_t kMagicLen = 8;
constexpr size_t kGenerationLen = 8;
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

struct Header {
  uint64_t generation = 0;
  size_t length = 0;  // bytes of header, the GCM additional data
};

Header ParseHeader(const std::string& blob, const std::string& path) {
  Header h;
  if (blob.size() >= kMagicLen && blob.compare(0, kMagicLen, kMagicV1) == 0) {
    h.length = kMagicLen;
  } else if (blob.size() >= kMagicLen + kGenerationLen && blob.compare(0, kMagicLen, kMagicV2) == 0) {
    for (size_t i = 0; i < kGenerationLen; ++i) {
      h.generation = (h.generation << 8) | static_cast<unsigned char>(blob[kMagicLen + i]);
    }
    h.length = kMagicLen + kGenerationLen;
  }
  if (h.length == 0 || blob.size() < h.length + kNonceLen + kTagLen) {
    throw Error::Corrupt("the file store " + path +
                         " is not a docker-credential-ssm credential file (wrong header); it was left as it is");
  }
  return h;
}

SecretString Decrypt(const SecretString& key, const std::string& blob, const Header& header, const std::string& path) {
  const auto* in = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t head = header.length;
  size_t ct_len = blob.size() - head - kNonceLen - kTagLen;
  SecretString plain;
  plain.mutable_str().resize(ct_len + 16);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, total = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key.str().data()), in + head) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, in, static_cast<int>(head)) == 1;
  auto* out = reinterpret_cast<unsigned char*>(&plain.mutable_str()[0]);
  ok = ok && EVP_DecryptUpdate(ctx.get(), out, &len, in + head + kNonceLen, static_cast<int>(ct_len)) == 1;
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

std::string Encrypt(const SecretString& key, uint64_t generation, const std::string& plain) {
  const size_t head = kMagicLen + kGenerationLen;
  std::string blob(head + kNonceLen + plain.size() + kTagLen, '\0');
  auto* out = reinterpret_cast<unsigned char*>(&blob[0]);
  std::copy(kMagicV2, kMagicV2 + kMagicLen, blob.begin());
  for (size_t i = 0; i < kGenerationLen; ++i) {
    blob[kMagicLen + i] = static_cast<char>((generation >> (8 * (kGenerationLen - 1 - i))) & 0xff);
  }
  if (RAND_bytes(out + head, kNonceLen) != 1) throw Error::Failure("the system random generator failed");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key.str().data()), out + head) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, out, static_cast<int>(head)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out + head + kNonceLen, &len,
                              reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out + head + kNonceLen + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen, out + blob.size() - kTagLen) == 1;
  if (!ok) throw Error::Failure("encryption with AES-256-GCM failed");
  return blob;
}

SecretString RandomKey() {
  SecretString fresh;
  fresh.mutable_str().resize(kKeyLen);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&fresh.mutable_str()[0]), kKeyLen) != 1) {
    throw Error::Failure("the system random generator failed");
  }
  return fresh;
}

bool ParseNumber(const std::string& text, uint64_t* out) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::stoull(text);
  return true;
}

}  // namespace

// The key file: the key's base64 on the first line (all a format-1 key file
// holds), then "generation N", and during a key rotation "next N <base64>".
// The generation file (key from the environment): "generation N" alone.
FileStore::KeyState FileStore::ParseState(const SecretString& text, const std::string& where, bool with_key) {
  KeyState state;
  std::vector<std::string> lines;
  size_t start = 0;
  const std::string& t = text.str();
  while (start < t.size()) {
    size_t nl = t.find('\n', start);
    std::string line = t.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  size_t first = 0;
  if (with_key) {
    if (lines.empty()) throw Error::BadInput("the file store key in " + where + " is not the base64 of 32 bytes");
    state.key = DecodeKey(lines[0], where);
    first = 1;
  }
  for (size_t i = first; i < lines.size(); ++i) {
    std::string& line = lines[i];
    uint64_t n = 0;
    bool ok = false;
    if (line.rfind("generation ", 0) == 0) {
      ok = ParseNumber(line.substr(11), &n);
      state.generation = n;
    } else if (with_key && line.rfind("next ", 0) == 0) {
      size_t space = line.find(' ', 5);
      ok = space != std::string::npos && ParseNumber(line.substr(5, space - 5), &n);
      if (ok) {
        state.next = n;
        state.next_key = DecodeKey(line.substr(space + 1), where);
      }
    }
    Cleanse(line);
    if (!ok) throw Error::BadInput("the file store key file " + where + " has a malformed line; nothing was changed");
  }
  return state;
}

FileStore::FileStore(StoreOptions options) : dir_(std::move(options.data_dir)), env_key_(std::move(options.file_key)) {
  if (env_key_) env_key_ = DecodeKey(env_key_->str(), "SSM_FILE_STORE_KEY");
}

FileStore::KeyState FileStore::LoadState() const {
  if (env_key_) {
    auto text = ReadPrivateFile(generation_path(), 4096);
    KeyState state = text ? ParseState(*text, generation_path(), false) : KeyState{};
    state.key = env_key_;
    return state;
  }
  auto text = ReadPrivateFile(key_path(), 4096);
  if (!text) return KeyState{};
  return ParseState(*text, key_path(), true);
}

void FileStore::SaveState(const KeyState& state) const {
  std::string text;
  if (!env_key_) text = EncodeKey(*state.key);
  text += "generation " + std::to_string(state.generation) + "\n";
  if (state.next) text += "next " + std::to_string(*state.next) + " " + EncodeKey(*state.next_key);
  SecretString keep(std::move(text));
  WriteFileAtomic(env_key_ ? generation_path() : key_path(), keep.str());
}

FileStore::Loaded FileStore::Load(const KeyState& state) const {
  Loaded loaded;
  Entries& entries = loaded.entries;
  auto blob = ReadPrivateFile(data_path(), kMaxFileBytes);
  if (!blob) return loaded;
  if (!state.key) {
    throw Error::Failure("the file store " + data_path() + " exists but its key " + key_path() +
                         " is missing: restore the key file or set SSM_FILE_STORE_KEY (nothing was changed)");
  }
  Header header = ParseHeader(blob->str(), data_path());
  if (header.generation < state.generation) {
    throw Error::Corrupt("refusing " + data_path() +
                         ": credentials.enc is older than its key (restored from a backup?); logins erased or "
                         "changed since would come back. Nothing was changed: put the newer credentials.enc back, or "
                         "move both files away to start empty");
  }
  loaded.generation = header.generation;
  const SecretString& key = state.next && header.generation == *state.next ? *state.next_key : *state.key;
  SecretString plain = Decrypt(key, blob->str(), header, data_path());
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
  return loaded;
}

void FileStore::Save(const SecretString& key, uint64_t generation, const Entries& entries) const {
  WipedJson doc;
  doc.value = {{"version", 1}, {"entries", nlohmann::json::object()}};
  for (const auto& [k, c] : entries) {
    doc.value["entries"][k] = {{"username", c.username}, {"secret", c.secret.str()}};
  }
  SecretString plain(doc.value.dump());
  WriteFileAtomic(data_path(), Encrypt(key, generation, plain.str()));
}

// Writes entries one generation on, then records that generation with the
// key. Data first: a crash between the two leaves data newer than the key
// file says, which reads (only older data is refused). A rotation under way
// (state.next) is completed: its data is written with the next key.
uint64_t FileStore::Write(KeyState& state, uint64_t data_generation, const Entries& entries) const {
  if (!state.key) {
    // A fresh store: the key exists before any data that needs it.
    state.key = RandomKey();
    SaveState(state);
    SSM_DEBUG("file store: created a new key in " + key_path());
  }
  uint64_t target = state.next ? *state.next : std::max(data_generation, state.generation) + 1;
  SecretString key = state.next ? *state.next_key : *state.key;
  Save(key, target, entries);
  state.key = std::move(key);
  state.generation = target;
  state.next.reset();
  state.next_key.reset();
  SaveState(state);
  return target;
}

template <typename Change>
bool FileStore::Modify(Change change) {
  EnsurePrivateDir(dir_);
  FileLock lock(dir_ + "/credentials.lock");
  RemoveStaleTemporaries();
  KeyState state = LoadState();
  // Load refuses a data file without its key, so a lost key never leads to a
  // fresh key silently replacing credentials that could still be recovered.
  Loaded loaded = Load(state);
  if (!change(loaded.entries)) return false;
  Write(state, loaded.generation, loaded.entries);
  return true;
}

FileStore::Entries FileStore::Read() const {
  try {
    return Load(LoadState()).entries;
  } catch (const Error& e) {
    // A key rotation between reading the key file and the data file looks
    // like a wrong key or an old file: once more, after the writer is done.
    struct stat st;
    if (e.kind() != Error::Kind::kCorrupt || stat(dir_.c_str(), &st) != 0) throw;
    std::optional<FileLock> lock;
    try {
      lock.emplace(dir_ + "/credentials.lock");
    } catch (const Error&) {
      throw e;  // a folder we cannot lock in: the first answer stands
    }
    return Load(LoadState()).entries;
  }
}

uint64_t FileStore::RotateKey() {
  if (env_key_) {
    throw Error::BadInput("the file store key comes from SSM_FILE_STORE_KEY, which this command cannot change; "
                          "to change it, log in again under a new SSM_FILE_STORE_KEY with an empty store folder");
  }
  EnsurePrivateDir(dir_);
  FileLock lock(dir_ + "/credentials.lock");
  RemoveStaleTemporaries();
  KeyState state = LoadState();
  Loaded loaded = Load(state);
  if (state.next) loaded.generation = Write(state, loaded.generation, loaded.entries);  // finish the last one
  if (!state.key) return Write(state, loaded.generation, loaded.entries);  // a fresh store has a fresh key
  // The new key is recorded beside the old one for the next generation
  // before the data moves to it: a crash at any step leaves a readable pair.
  state.next = std::max(loaded.generation, state.generation) + 1;
  state.next_key = RandomKey();
  SaveState(state);
  return Write(state, loaded.generation, loaded.entries);
}

// A writer killed between creating its temporary file and the rename leaves
// that file behind (ciphertext only). Holding the writers' lock, no live
// writer owns one, so they can go.
void FileStore::RemoveStaleTemporaries() const {
  DIR* dir = opendir(dir_.c_str());
  if (dir == nullptr) return;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.rfind("credentials.enc.tmp.", 0) == 0 || name.rfind("credentials.key.tmp.", 0) == 0 ||
        name.rfind("credentials.gen.tmp.", 0) == 0) {
      unlinkat(dirfd(dir), name.c_str(), 0);
    }
  }
  closedir(dir);
}

std::optional<Credential> FileStore::Get(const std::string& key) {
  Entries entries = Read();
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
  for (const auto& [k, c] : Read()) out[k] = c.username;
  return out;
}

}  // namespace ssm
