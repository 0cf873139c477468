#include "common/server_key.h"

#include <cstdlib>

#include "common/error.h"
#include "common/protocol_strings.h"
#include "common/text.h"

namespace ssm {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string Quote(std::string_view raw) {
  // Only quote what is printable and short; anything else is described. A
  // string with '@' may hold user:password@ that another check (scheme,
  // spaces) refuses before the user-information check: never repeated.
  if (raw.size() > 200) return "(a " + std::to_string(raw.size()) + "-byte string)";
  if (raw.find('@') != std::string_view::npos) return "(not repeated: it contains @)";
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return "(a string with control or non-ASCII characters)";
  }
  return "\"" + std::string(raw) + "\"";
}

[[noreturn]] void Malformed(std::string_view raw, const std::string& why) {
  throw Error::BadInput("invalid server URL " + Quote(raw) + ": " + why);
}

bool ValidHostName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (label == 0) return false;  // empty label: ".x", "a..b"
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return true;
}

bool ValidIpv6Literal(const std::string& inside) {
  if (inside.empty()) return false;
  for (char c : inside) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
    if (!ok) return false;
  }
  return inside.find(':') != std::string::npos;
}

bool IsDockerHubHost(const std::string& host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

}  // namespace

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

ServerKey NormalizeServer(std::string_view raw) {
  std::string_view s = TrimSpace(raw);
  if (s.empty()) throw Error::BadInput(kNoServerUrlMessage);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) Malformed(s, "it contains spaces, control or non-ASCII characters");
  }

  std::string_view rest = s;
  size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme;
    for (char c : rest.substr(0, scheme_end)) scheme.push_back(AsciiLower(c));
    if (scheme != "https" && scheme != "http") Malformed(s, "the scheme must be https or http");
    rest.remove_prefix(scheme_end + 3);
  } else if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
  }
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  path = path.substr(0, path.find_first_of("?#"));
  if (authority.find('@') != std::string_view::npos) {
    throw Error::BadInput("invalid server URL: it must not contain user information (user@ or user:password@)");
  }
  if (authority.empty()) Malformed(s, "it has no host");

  ServerKey out;
  std::string auth;
  for (char c : authority) auth.push_back(AsciiLower(c));
  std::string port_text;
  if (auth[0] == '[') {
    size_t close = auth.find(']');
    if (close == std::string::npos) Malformed(s, "an IPv6 address must end with ]");
    if (!ValidIpv6Literal(auth.substr(1, close - 1))) Malformed(s, "it is not a valid IPv6 address");
    out.host = auth.substr(0, close + 1);
    std::string after = auth.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') Malformed(s, "unexpected characters after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) Malformed(s, "the port is empty");
    }
  } else {
    size_t colon = auth.find(':');
    if (colon != std::string::npos && auth.find(':', colon + 1) != std::string::npos) {
      Malformed(s, "an IPv6 address must be written in brackets, like [::1]:5000");
    }
    out.host = auth.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = auth.substr(colon + 1);
      if (port_text.empty()) Malformed(s, "the port is empty");
    }
    if (!ValidHostName(out.host)) Malformed(s, "the host name is not valid");
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
      Malformed(s, "the port must be a number");
    }
    long port = std::strtol(port_text.c_str(), nullptr, 10);
    if (port < 1 || port > 65535) Malformed(s, "the port must be between 1 and 65535");
    out.port = std::to_string(port);
  }

  if (out.port.empty() && IsDockerHubHost(out.host)) {
    // docker keeps other things beside the login under Hub's v1 URL: since
    // v28 the OAuth refresh token under https://index.docker.io/v1/refresh-token.
    // Such a key stays its own; only the bare spellings are the login.
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    std::string_view below_v1;
    if (path.substr(0, 4) == "/v1/") below_v1 = path.substr(4);
    if (!below_v1.empty()) {
      // The path is kept in the key: user:password@ there would be stored and
      // listed in clear (docker's own keys, refresh-token, have no '@').
      if (below_v1.find('@') != std::string_view::npos) Malformed(s, "a Docker Hub key must not contain @");
      out.key = std::string(kDockerHubKey) + std::string(below_v1);
    } else {
      out.docker_hub = true;
      out.key = kDockerHubKey;
    }
  } else {
    out.key = out.port.empty() ? out.host : out.host + ":" + out.port;
  }
  return out;
}

bool TryNormalizeServer(std::string_view raw, ServerKey* out) {
  try {
    *out = NormalizeServer(raw);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace ssm
