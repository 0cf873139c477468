// The helper's private folder for this boot, where cached secrets and lock
// files live: a folder only this user's processes that can read its private
// files can reach (a container of the same uid with its own mount namespace
// does not see it). In order:
//   $XDG_RUNTIME_DIR/docker-credential-ssm when XDG_RUNTIME_DIR is absolute, a
//     real folder (no symbolic link), ours, and not writable by group or others;
//   /run/user/<uid>/docker-credential-ssm when /run/user/<uid> is ours and 0700;
//   /dev/shm/docker-credential-ssm-<uid> when /dev/shm is a tmpfs.
// The folder is created 0700 when missing; an existing one must be a real
// folder, ours, with no permission for group or others, else there is none
// (a folder pre-created by someone else is never used). Only system calls: a
// warm `get` calls this.
#pragma once

#include <string>

namespace ssm {

struct RuntimeDir {
  std::string path;     // empty when there is no safe place
  // Why there is none when path is empty; else why XDG_RUNTIME_DIR was not
  // used, when it was not (empty when it was).
  std::string problem;
};

RuntimeDir PrivateRuntimeDir();

// Whether dir (not following a symbolic link) is a folder owned by this
// effective user with none of the permission bits in forbidden_mode; why not
// in *problem.
bool IsOwnDir(const std::string& dir, unsigned forbidden_mode, std::string* problem);

}  // namespace ssm
