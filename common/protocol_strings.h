// Strings the clients (docker CLI, containers/image) compare with what the
// helper prints. Defined once; tests use the same constants.
#pragma once

#include <cstddef>

namespace ssm {

inline constexpr char kNotFoundMessage[] = "credentials not found in native keychain";
inline constexpr char kNoServerUrlMessage[] = "no credentials server URL";
inline constexpr char kNoUsernameMessage[] = "no credentials username";
inline constexpr char kProgramName[] = "docker-credential-ssm";

// Largest stdin accepted by any action. Real requests are a few hundred bytes;
// the largest real secrets (cloud tokens) are a few KiB.
inline constexpr size_t kMaxInputBytes = 1u << 20;

}  // namespace ssm
