#include "common/runtime_dir.h"

#include <errno.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/error.h"
#include "common/paths.h"

namespace ssm {
namespace {

constexpr char kFolder[] = "docker-credential-ssm";

// Our own folder below a safe parent: created 0700 when missing.
RuntimeDir OwnFolder(const std::string& dir) {
  RuntimeDir out;
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      out.problem = "cannot use " + dir + ": " + ErrnoText(errno);
      return out;
    }
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      out.problem = "cannot create " + dir + ": " + ErrnoText(errno);
      return out;
    }
  }
  if (!IsOwnDir(dir, 077, &out.problem)) return out;
  out.path = dir;
  return out;
}

}  // namespace

bool IsOwnDir(const std::string& dir, unsigned forbidden_mode, std::string* problem) {
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    *problem = dir + ": " + ErrnoText(errno);
    return false;
  }
  if (S_ISLNK(st.st_mode)) {
    *problem = dir + " is a symbolic link";
  } else if (!S_ISDIR(st.st_mode)) {
    *problem = dir + " is not a folder";
  } else if (st.st_uid != geteuid()) {
    *problem = dir + " belongs to another user (uid " + std::to_string(st.st_uid) + ")";
  } else if ((st.st_mode & forbidden_mode) != 0) {
    *problem = dir + " is open to other users (mode " + std::to_string((st.st_mode >> 6) & 7) +
               std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + ")";
  } else {
    return true;
  }
  return false;
}

RuntimeDir PrivateRuntimeDir() {
  std::string why;
  std::string runtime = RuntimeDirVariable();
  if (!runtime.empty() && runtime[0] == '/') {
    if (IsOwnDir(runtime, 022, &why)) return OwnFolder(runtime + "/" + kFolder);
    why = "XDG_RUNTIME_DIR: " + why;
  } else {
    why = runtime.empty() ? "XDG_RUNTIME_DIR is not set" : "XDG_RUNTIME_DIR is not absolute";
  }
  std::string uid = std::to_string(geteuid());
  std::string run_user = "/run/user/" + uid;
  std::string ignored;
  if (IsOwnDir(run_user, 077, &ignored)) {
    RuntimeDir run = OwnFolder(run_user + "/" + kFolder);
    run.problem = run.path.empty() ? why + "; " + run.problem : why;
    return run;
  }
  struct statfs fs;
  if (statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
    RuntimeDir shm = OwnFolder("/dev/shm/" + std::string(kFolder) + "-" + uid);
    shm.problem = shm.path.empty() ? why + "; " + shm.problem : why;
    return shm;
  }
  RuntimeDir none;
  none.problem = why + "; " + run_user + " is not a private folder of this user; /dev/shm is not a tmpfs";
  return none;
}

}  // namespace ssm
