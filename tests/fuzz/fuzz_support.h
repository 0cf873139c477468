// What the fuzz targets share: invariant checks that crash (so libFuzzer keeps
// the input), a private scratch folder, and an environment that cannot reach
// the user's real files (HOME, AWS keys, XDG folders point into the scratch
// folder).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace ssm::fuzz {

// An invariant broke: print why and abort, which libFuzzer reports as a crash
// and saves the input for.
[[noreturn]] inline void Fail(const char* file, int line, const std::string& why) {
  std::fprintf(stderr, "\n*** fuzz invariant violated at %s:%d: %s\n", file, line, why.c_str());
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(cond, why)                                         \
  do {                                                                \
    if (!(cond)) ::ssm::fuzz::Fail(__FILE__, __LINE__, (why));        \
  } while (0)

// Printable form of bytes for failure messages.
inline std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return out;
}

// A 0700 folder under $TMPDIR, created once per process and removed at exit.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ssm-fuzz.XXXXXX";
    if (mkdtemp(&tmpl[0]) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    static std::string removed;
    removed = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(removed, ec);
    });
    return tmpl;
  }();
  return dir;
}

// Keeps the code under test away from the real user's configuration and keys.
inline void IsolateEnvironment() {
  const std::string& dir = ScratchDir();
  setenv("HOME", dir.c_str(), 1);
  setenv("XDG_CONFIG_HOME", (dir + "/config").c_str(), 1);
  setenv("XDG_DATA_HOME", (dir + "/data").c_str(), 1);
  setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
  setenv("SSM_LOG", "off", 1);
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                           "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "SSM_HTTP_TIMEOUT",
                           "SSM_HTTP_CONNECT_TIMEOUT", "SSM_STORE", "SSM_FILE_STORE_KEY"}) {
    unsetenv(name);
  }
}

inline void WriteFileOrDie(const std::string& path, std::string_view data, mode_t mode = 0600) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  chmod(path.c_str(), mode);
}

}  // namespace ssm::fuzz
