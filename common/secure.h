// Handling of secret bytes: clearing them when they are no longer needed and
// keeping the process out of core dumps while it holds them.
#pragma once

#include <string>

namespace ssm {

// Overwrites the whole buffer of s (its capacity, not only its size), then
// empties it. The compiler may not drop the writes (explicit_bzero).
void Cleanse(std::string& s);

// A std::string for secret values that is cleansed when it is destroyed,
// reassigned or moved from.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { Cleanse(other.value_); }
  SecretString& operator=(const SecretString& other);
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString() { Cleanse(value_); }

  const std::string& str() const { return value_; }
  std::string& mutable_str() { return value_; }
  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }
  bool operator==(const SecretString& other) const { return value_ == other.value_; }

 private:
  std::string value_;
};

// Marks the process non-dumpable: no core file, no ptrace by other processes
// of the same user. Called first thing by every command.
void ProtectProcess();

}  // namespace ssm
