// Small text helpers shared by every layer (ASCII only: hosts, variable
// names, file keys; never locale-dependent).
#pragma once

#include <string>

namespace ssm {

// The one ASCII lower-casing (hosts, header and variable names, JSON keys).
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string AsciiLower(std::string s) {
  for (char& c : s) c = AsciiLower(c);
  return s;
}

// s without leading and trailing spaces, tabs and carriage returns.
inline std::string TrimBlanks(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace ssm

namespace ssm {

// A value for a one-line message: quoted when it is a short word (letters,
// digits, and _ . : - /), else a placeholder, so that neither a line break nor
// a pasted secret ever reaches the message.
inline std::string QuotedIfPlain(const std::string& v) {
  if (v.empty() || v.size() > 48) return "(a value not shown)";
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == ':' || c == '-' || c == '/';
    if (!ok) return "(a value not shown)";
  }
  return "\"" + v + "\"";
}

}  // namespace ssm
