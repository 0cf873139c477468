#include "common/paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/inputs.h"

namespace ssm {
namespace {

constexpr char kAppDir[] = "/docker-credential-ssm";

std::string XdgHome(const char* variable, const char* fallback_below_home) {
  std::string v = ProcessEnv(variable).value_or("");
  // The spec says relative paths are invalid and must be ignored.
  if (!v.empty() && v[0] == '/') return v;
  return HomeDir() + fallback_below_home;
}

}  // namespace

std::string HomeDir() {
  std::string home = ProcessEnv("HOME").value_or("");
  if (!home.empty() && home[0] == '/') return home;
  struct passwd* pw = getpwuid(geteuid());
  if (pw != nullptr && pw->pw_dir != nullptr && pw->pw_dir[0] == '/') return pw->pw_dir;
  throw Error::Failure("cannot find the home folder: HOME is not set and the user has no entry");
}

std::string ConfigHome() { return XdgHome("XDG_CONFIG_HOME", "/.config"); }
std::string ConfigDir() { return ConfigHome() + kAppDir; }
std::string DataHome() { return XdgHome("XDG_DATA_HOME", "/.local/share"); }
std::string DataDir() { return DataHome() + kAppDir; }

std::string SessionBusAddress() { return ProcessEnv("DBUS_SESSION_BUS_ADDRESS").value_or(""); }

std::string RuntimeDirVariable() { return ProcessEnv("XDG_RUNTIME_DIR").value_or(""); }

bool SessionBusConfigured() {
  if (!SessionBusAddress().empty()) return true;
  std::string runtime = RuntimeDirVariable();
  if (runtime.empty()) return false;
  struct stat st;
  return stat((runtime + "/bus").c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace ssm
