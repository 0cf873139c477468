#include "common/paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.h"

namespace ssm {
namespace {

constexpr char kAppDir[] = "/docker-credential-ssm";

std::string XdgHome(const char* variable, const char* fallback_below_home) {
  const char* v = std::getenv(variable);
  // The spec says relative paths are invalid and must be ignored.
  if (v != nullptr && v[0] == '/') return v;
  return HomeDir() + fallback_below_home;
}

}  // namespace

std::string HomeDir() {
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return home;
  struct passwd* pw = getpwuid(geteuid());
  if (pw != nullptr && pw->pw_dir != nullptr && pw->pw_dir[0] == '/') return pw->pw_dir;
  throw Error::Failure("cannot find the home folder: HOME is not set and the user has no entry");
}

std::string ConfigHome() { return XdgHome("XDG_CONFIG_HOME", "/.config"); }
std::string ConfigDir() { return ConfigHome() + kAppDir; }
std::string DataHome() { return XdgHome("XDG_DATA_HOME", "/.local/share"); }
std::string DataDir() { return DataHome() + kAppDir; }

std::string SessionBusAddress() {
  const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  return address != nullptr ? address : "";
}

std::string RuntimeDirVariable() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return runtime != nullptr ? runtime : "";
}

bool SessionBusConfigured() {
  if (!SessionBusAddress().empty()) return true;
  std::string runtime = RuntimeDirVariable();
  if (runtime.empty()) return false;
  struct stat st;
  return stat((runtime + "/bus").c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace ssm
