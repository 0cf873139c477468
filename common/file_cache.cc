#include "common/file_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/fingerprint.h"
#include "common/log.h"
#include "common/runtime_dir.h"

namespace ssm {
namespace {

constexpr char kMagic[] = "ssm-cache 1\n";
constexpr size_t kMagicSize = sizeof kMagic - 1;
constexpr size_t kChecksumSize = 16;
constexpr off_t kMaxFileBytes = 256 * 1024;
constexpr char kTempPrefix[] = ".tmp-";
constexpr int64_t kTempGraceSeconds = 60;

uint64_t Fnv(const char* data, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Hex(uint64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
  return out;
}

bool ParseTime(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsTemp(const char* name) { return std::string(name).rfind(kTempPrefix, 0) == 0; }

// Calls f(name, stat) for each directory entry but . and .. (not following links).
template <typename F>
void ForEachFile(int dir_fd, F f) {
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return;
  }
  while (struct dirent* e = readdir(d)) {
    if (std::string(e->d_name) == "." || std::string(e->d_name) == "..") continue;
    struct stat st;
    if (fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    f(std::string(e->d_name), st);
  }
  closedir(d);
}

}  // namespace

struct FileCache::Entry {
  CacheKind kind = CacheKind::kStoreAnswer;
  std::string key;
  int64_t expires_at = 0;
  SecretString payload;
};

FileCache::FileCache(std::string dir, int fd, Clock clock) : dir_(std::move(dir)), fd_(fd), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<int64_t>(time(nullptr)); };
}

FileCache::~FileCache() { close(fd_); }

std::unique_ptr<FileCache> FileCache::OpenUserCache(std::string* problem) {
  RuntimeDir base = PrivateRuntimeDir();
  if (base.path.empty()) {
    *problem = base.problem;
    return nullptr;
  }
  std::unique_ptr<FileCache> cache = Open(base.path + "/cache", problem);
  if (cache) *problem = base.problem;
  return cache;
}

std::unique_ptr<FileCache> FileCache::Open(const std::string& dir, std::string* problem, Clock clock) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *problem = "cannot create " + dir + ": " + ErrnoText(errno);
    return nullptr;
  }
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    *problem = "cannot open " + dir + ": " + ErrnoText(errno);
    if (fd >= 0) close(fd);
    return nullptr;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    close(fd);
    *problem = dir + " belongs to another user or is open to others";
    return nullptr;
  }
  return std::unique_ptr<FileCache>(new FileCache(dir, fd, std::move(clock)));
}

std::string FileCache::EntryName(CacheKind kind, const std::string& key) {
  std::string material(1, static_cast<char>(kind));
  material.push_back('\0');
  material += key;
  std::string name = static_cast<char>(kind) + Fingerprint(material);
  Cleanse(material);
  return name;
}

std::optional<FileCache::Entry> FileCache::Load(const std::string& name) {
  int fd = openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) unlinkat(fd_, name.c_str(), 0);  // a link, a FIFO...
    return std::nullopt;
  }
  struct stat st;
  bool usable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
                (st.st_mode & 07777) == 0600 && st.st_nlink == 1 && st.st_size <= kMaxFileBytes;
  SecretString content;
  if (usable) {
    std::string& buf = content.mutable_str();
    buf.resize(static_cast<size_t>(st.st_size) + 1);
    size_t got = 0;
    while (got < buf.size()) {
      ssize_t n = read(fd, &buf[got], buf.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    buf.resize(got);
  }
  close(fd);
  std::optional<Entry> entry;
  const std::string& c = content.str();
  if (usable && c.size() >= kMagicSize + kChecksumSize && c.compare(0, kMagicSize, kMagic) == 0 &&
      c.compare(c.size() - kChecksumSize, kChecksumSize, Hex(Fnv(c.data(), c.size() - kChecksumSize))) == 0) {
    std::optional<std::vector<std::string>> fields =
        DecodeFields(c.substr(kMagicSize, c.size() - kMagicSize - kChecksumSize));
    if (fields && fields->size() == 4 && (*fields)[0].size() == 1 &&
        ((*fields)[0][0] == static_cast<char>(CacheKind::kStoreAnswer) ||
         (*fields)[0][0] == static_cast<char>(CacheKind::kToken))) {
      entry.emplace();
      entry->kind = static_cast<CacheKind>((*fields)[0][0]);
      entry->key = (*fields)[1];
      entry->payload = SecretString((*fields)[3]);
      if (!ParseTime((*fields)[2], &entry->expires_at)) entry.reset();
    }
    if (fields) {
      for (std::string& f : *fields) Cleanse(f);
    }
  }
  if (!entry) {
    SSM_DEBUG("cache: " + dir_ + "/" + name + " is not a valid entry; removed");
    unlinkat(fd_, name.c_str(), 0);
  }
  return entry;
}

std::optional<SecretString> FileCache::Read(CacheKind kind, const std::string& key) {
  std::string name = EntryName(kind, key);
  std::optional<Entry> entry = Load(name);
  if (!entry) return std::nullopt;
  if (entry->kind != kind || entry->key != key || entry->expires_at <= clock_()) {
    // Another key's entry (a collision, a renamed or copied file) or a dead one.
    unlinkat(fd_, name.c_str(), 0);
    return std::nullopt;
  }
  return std::move(entry->payload);
}

void FileCache::Write(CacheKind kind, const std::string& key, const std::string& payload, int64_t expires_at) {
  int64_t now = clock_();
  if (expires_at <= now) return;
  SecretString content(kMagic);
  std::string& c = content.mutable_str();
  AppendField(c, std::string(1, static_cast<char>(kind)));
  AppendField(c, key);
  AppendField(c, std::to_string(expires_at));
  AppendField(c, payload);
  c += Hex(Fnv(c.data(), c.size()));
  if (c.size() > static_cast<size_t>(kMaxFileBytes)) return;

  static std::atomic<unsigned> counter{0};
  std::string temp = kTempPrefix + std::to_string(getpid()) + "-" + std::to_string(counter++);
  int fd = openat(fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    SSM_DEBUG("cache: cannot write in " + dir_ + ": " + ErrnoText(errno));
    return;
  }
  bool ok = fchmod(fd, 0600) == 0;
  for (size_t done = 0; ok && done < c.size();) {
    ssize_t n = write(fd, c.data() + done, c.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else done += static_cast<size_t>(n);
  }
  // The modification time is the expiry, so pruning needs no read.
  struct timespec times[2] = {{static_cast<time_t>(now), 0}, {static_cast<time_t>(expires_at), 0}};
  if (ok) futimens(fd, times);
  if (close(fd) != 0) ok = false;
  std::string name = EntryName(kind, key);
  if (!ok || renameat(fd_, temp.c_str(), fd_, name.c_str()) != 0) {
    SSM_DEBUG("cache: cannot write in " + dir_ + ": " + ErrnoText(errno));
    unlinkat(fd_, temp.c_str(), 0);
    return;
  }
  Prune();
}

void FileCache::Prune() {
  int64_t now = clock_();
  std::vector<std::pair<int64_t, std::string>> live;
  ForEachFile(fd_, [&](const std::string& name, const struct stat& st) {
    if (IsTemp(name.c_str())) {
      if (st.st_ctim.tv_sec < now - kTempGraceSeconds) unlinkat(fd_, name.c_str(), 0);
    } else if (!S_ISREG(st.st_mode) || st.st_mtim.tv_sec <= now) {
      unlinkat(fd_, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
    } else {
      live.emplace_back(st.st_mtim.tv_sec, name);
    }
  });
  if (live.size() <= static_cast<size_t>(kMaxEntries)) return;
  std::sort(live.begin(), live.end());
  for (size_t i = 0; i < live.size() - kMaxEntries; ++i) unlinkat(fd_, live[i].second.c_str(), 0);
}

void FileCache::Remove(CacheKind kind, const std::string& key) { unlinkat(fd_, EntryName(kind, key).c_str(), 0); }

void FileCache::RemovePrefix(CacheKind kind, const std::string& prefix) {
  std::vector<std::string> names;
  ForEachFile(fd_, [&](const std::string& name, const struct stat&) {
    if (name[0] == static_cast<char>(kind)) names.push_back(name);
  });
  for (const std::string& name : names) {
    std::optional<Entry> entry = Load(name);  // removes what is not an entry
    if (entry && entry->kind == kind && entry->key.compare(0, prefix.size(), prefix) == 0) {
      unlinkat(fd_, name.c_str(), 0);
    }
  }
}

int FileCache::Clear() {
  int removed = 0;
  ForEachFile(fd_, [&](const std::string& name, const struct stat& st) {
    if (unlinkat(fd_, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == 0 && !IsTemp(name.c_str())) ++removed;
  });
  return removed;
}

}  // namespace ssm
