// File-system helpers for the files the helper keeps: private folders, files
// that must not be readable by anyone else, atomic replacement and locks.
#pragma once

#include <optional>
#include <string>

#include "common/secure.h"

namespace ssm {

// Creates dir (and missing parents) so that dir itself is 0700. An existing dir
// must belong to this user and not be writable by group or others.
void EnsurePrivateDir(const std::string& dir);

// Every reader opens without blocking and checks the type on the open file
// before reading: a FIFO, device or folder is refused at once (never waited
// on), as is a file over max_bytes. nullopt when the file does not exist.

// A file that holds secrets or protects them, in a private folder: refuses a
// symbolic link, a file that belongs to another user or is readable/writable
// by group or others, and a folder that EnsurePrivateDir would refuse (another
// owner, writable by group or others). nullopt when the folder is missing.
std::optional<SecretString> ReadPrivateFile(const std::string& path, size_t max_bytes);

// A file named to hold one secret value (SSM_REGISTRY_..._<VAR>__FILE):
// symbolic links are followed (Kubernetes mounts secrets as ..data/ links) and
// the final file must be regular, belong to this user or root, and not be
// writable by group or others. A dangling link is "does not exist" (nullopt).
std::optional<SecretString> ReadValueFile(const std::string& path, size_t max_bytes);

// An ordinary file (a config): regular, not a link.
std::optional<std::string> ReadTextFile(const std::string& path, size_t max_bytes);

// Reads a file whose content decides where secrets go (the helper's own
// config.json): as ReadTextFile, but refuses the file and its folder when
// another user could have changed them: writable by group or others, or owned
// by a user other than this one or root. The Error (kDenied) is one line
// naming the file and the command that fixes it.
std::optional<std::string> ReadTrustedFile(const std::string& path, size_t max_bytes);

// Replaces path with data, mode 0600: written to a temporary file in the same
// folder, flushed to disk, then renamed over path, so that a crash at any point
// leaves either the old or the new content, never a mix.
void WriteFileAtomic(const std::string& path, const std::string& data);

// An exclusive advisory lock (flock) on a lock file, held for the object's life.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

std::string DirName(const std::string& path);

}  // namespace ssm
