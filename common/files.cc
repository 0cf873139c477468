#include "common/files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "common/error.h"

namespace ssm {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

void CheckPrivate(const struct stat& st, const std::string& path, bool is_dir) {
  if (st.st_uid != geteuid()) {
    throw Error::Denied("refusing to use " + path + ": it belongs to another user (uid " +
                        std::to_string(st.st_uid) + ")");
  }
  mode_t forbidden = is_dir ? (S_IWGRP | S_IWOTH) : (S_IRWXG | S_IRWXO);
  if ((st.st_mode & forbidden) != 0) {
    throw Error::Denied("refusing to use " + path + ": its mode " + Octal(st.st_mode) +
                        " lets other users " + (is_dir ? "write to it" : "read it") +
                        " (run: chmod " + (is_dir ? "700 " : "600 ") + path + ")");
  }
}

// For files others must not change (ReadTrustedFile): root's are fine too.
void CheckTrusted(const struct stat& st, const std::string& path, bool is_dir) {
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    throw Error::Denied("refusing to use " + path + ": it belongs to another user (uid " +
                        std::to_string(st.st_uid) + "), who could change it (run: chown " +
                        std::to_string(geteuid()) + " " + path + ")");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error::Denied("refusing to use " + path + ": its mode " + Octal(st.st_mode) +
                        " lets other users change " + (is_dir ? "what is in it" : "it") + " (run: chmod go-w " + path +
                        ")");
  }
}

void WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error::Failure("cannot write " + path + ": " + ErrnoText(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

enum class Rules {
  kPrivate,  // ours, 0600 or stricter, no link, in a folder only we can write
  kText,     // any regular file, no link
  kTrusted,  // no link, ours or root's, neither it nor its folder writable by others
  kValue,    // a regular file after links, ours or root's, not writable by others
};

template <typename S>
std::optional<S> ReadBounded(const std::string& path, size_t max_bytes, Rules rules) {
  if (rules == Rules::kPrivate) {
    // As the write path (EnsurePrivateDir) requires of the folder.
    std::string dir = DirName(path);
    struct stat dst;
    if (lstat(dir.c_str(), &dst) != 0) {
      if (errno == ENOENT) return std::nullopt;
      throw Error::Failure("cannot use " + dir + ": " + ErrnoText(errno));
    }
    if (!S_ISDIR(dst.st_mode)) throw Error::Failure(dir + " exists and is not a folder");
    CheckPrivate(dst, dir, true);
  }
  // O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; the
  // type is checked on the open descriptor, before any read.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (rules == Rules::kValue ? 0 : O_NOFOLLOW);
  Fd fd(open(path.c_str(), flags));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) {
      throw Error::Denied("refusing to use " + path + ": it is a symbolic link" +
                          (rules == Rules::kValue ? " loop" : ""));
    }
    throw Error::Failure("cannot open " + path + ": " + ErrnoText(errno));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) throw Error::Failure("cannot stat " + path + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode)) {
    throw Error::BadInput("refusing to use " + path + ": it is not a regular file" +
                          (rules == Rules::kValue ? " (after following links)" : ""));
  }
  if (rules == Rules::kPrivate) CheckPrivate(st, path, false);
  if (rules == Rules::kValue) CheckTrusted(st, path, false);
  if (rules == Rules::kTrusted) {
    CheckTrusted(st, path, false);
    // The folder too: whoever can write to it can replace the file.
    std::string dir = DirName(path);
    struct stat dst;
    if (stat(dir.c_str(), &dst) != 0) throw Error::Failure("cannot stat " + dir + ": " + ErrnoText(errno));
    CheckTrusted(dst, dir, true);
  }
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    throw Error::BadInput(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  S out;
  std::string& buf = [&]() -> std::string& {
    if constexpr (std::is_same_v<S, SecretString>) {
      return out.mutable_str();
    } else {
      return out;
    }
  }();
  buf.reserve(static_cast<size_t>(st.st_size) + 1);
  char chunk[16384];
  for (;;) {
    ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      explicit_bzero(chunk, sizeof chunk);
      throw Error::Failure("cannot read " + path + ": " + ErrnoText(errno));
    }
    if (n == 0) break;
    if (buf.size() + static_cast<size_t>(n) > max_bytes) {
      explicit_bzero(chunk, sizeof chunk);
      throw Error::BadInput(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  explicit_bzero(chunk, sizeof chunk);
  return out;
}

}  // namespace

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void EnsurePrivateDir(const std::string& dir) {
  struct stat st;
  if (lstat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw Error::Failure(dir + " exists and is not a folder");
    CheckPrivate(st, dir, true);
    return;
  }
  if (errno != ENOENT) throw Error::Failure("cannot use " + dir + ": " + ErrnoText(errno));
  std::string parent = DirName(dir);
  if (parent != dir && parent != "/" && parent != ".") {
    struct stat pst;
    if (stat(parent.c_str(), &pst) != 0) {
      // Parents (~/.local/share, ~/.config) are ordinary folders: 0755 like the
      // XDG tools make them; only our own leaf folder must be private.
      std::string p = DirName(parent);
      if (p != parent && p != "/" && p != ".") {
        struct stat gst;
        if (stat(p.c_str(), &gst) != 0) EnsurePrivateDir(p);
      }
      if (mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
        throw Error::Failure("cannot create " + parent + ": " + ErrnoText(errno));
      }
    }
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error::Failure("cannot create " + dir + ": " + ErrnoText(errno));
  }
}

std::optional<SecretString> ReadPrivateFile(const std::string& path, size_t max_bytes) {
  return ReadBounded<SecretString>(path, max_bytes, Rules::kPrivate);
}

std::optional<SecretString> ReadValueFile(const std::string& path, size_t max_bytes) {
  return ReadBounded<SecretString>(path, max_bytes, Rules::kValue);
}

std::optional<std::string> ReadTextFile(const std::string& path, size_t max_bytes) {
  return ReadBounded<std::string>(path, max_bytes, Rules::kText);
}

std::optional<std::string> ReadTrustedFile(const std::string& path, size_t max_bytes) {
  return ReadBounded<std::string>(path, max_bytes, Rules::kTrusted);
}

void WriteFileAtomic(const std::string& path, const std::string& data) {
  std::string dir = DirName(path);
  std::string tmpl = path + ".tmp.XXXXXX";
  Fd fd(mkostemp(&tmpl[0], O_CLOEXEC));
  if (fd.get() < 0) throw Error::Failure("cannot create a temporary file in " + dir + ": " + ErrnoText(errno));
  try {
    if (fchmod(fd.get(), 0600) != 0) throw Error::Failure("cannot chmod " + tmpl + ": " + ErrnoText(errno));
    WriteAll(fd.get(), data.data(), data.size(), tmpl);
    if (fsync(fd.get()) != 0) throw Error::Failure("cannot flush " + tmpl + ": " + ErrnoText(errno));
    if (close(fd.release()) != 0) throw Error::Failure("cannot close " + tmpl + ": " + ErrnoText(errno));
    if (rename(tmpl.c_str(), path.c_str()) != 0) {
      throw Error::Failure("cannot replace " + path + ": " + ErrnoText(errno));
    }
  } catch (...) {
    unlink(tmpl.c_str());
    throw;
  }
  // Make the rename itself durable; failure here does not lose data.
  Fd dfd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) fsync(dfd.get());
}

FileLock::FileLock(const std::string& path) {
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) throw Error::Failure("cannot open lock file " + path + ": " + ErrnoText(errno));
  while (flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    close(fd_);
    fd_ = -1;
    throw Error::Failure("cannot lock " + path + ": " + ErrnoText(err));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

}  // namespace ssm
