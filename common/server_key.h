// Turns whatever server string a client or a person passes into the one key
// credentials are kept under. Docker Hub's spellings (https://index.docker.io/v1/,
// docker.io, index.docker.io, registry-1.docker.io, with or without scheme and
// path) become kDockerHubKey; everything else becomes host[:port], lower-case,
// without scheme, user info, path, query or trailing slash. One exception:
// docker's own keys below Hub's v1 URL (https://index.docker.io/v1/refresh-token)
// stay distinct, so a refresh token never overwrites the login.
#pragma once

#include <string>
#include <string_view>

namespace ssm {

// What docker itself calls Docker Hub; stored items use it so that other
// helpers' items and ours agree.
inline constexpr char kDockerHubKey[] = "https://index.docker.io/v1/";

struct ServerKey {
  std::string key;   // what credentials are stored under
  std::string host;  // lower-case host (brackets kept for IPv6), no port
  std::string port;  // digits, or empty
  bool docker_hub = false;
};

// Throws Error::BadInput with a one-line reason when raw is empty or is not a
// registry address. The message never repeats user info from raw.
ServerKey NormalizeServer(std::string_view raw);

// Same, but nullopt-like: returns false instead of throwing.
bool TryNormalizeServer(std::string_view raw, ServerKey* out);

std::string_view TrimSpace(std::string_view s);

}  // namespace ssm
