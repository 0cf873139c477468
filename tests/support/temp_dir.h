// A private temporary folder for a test, removed with everything in it.
#pragma once

#include <filesystem>
#include <string>

namespace ssm::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets an environment variable for the life of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value);  // value nullptr: unset
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  bool had_ = false;
  std::string old_;
};

std::string ReadAll(const std::string& path);
inline std::string ReadAll(const std::filesystem::path& path) { return ReadAll(path.string()); }
void WriteAll(const std::string& path, const std::string& data);
int FileMode(const std::string& path);  // st_mode & 07777, or -1

}  // namespace ssm::test
