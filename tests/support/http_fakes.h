// Reading what a provider sent through a recorded HttpClient: a header's
// value and the fields of a form body, for tests that check exact requests.
#pragma once

#include <strings.h>

#include <map>
#include <string>

#include "net/http/http_client.h"

namespace ssm::test {

// The value of the first header called name (any case), or "".
inline std::string HeaderValue(const ssm::HttpRequest& r, const std::string& name) {
  for (const std::string& h : r.headers) {
    if (h.size() > name.size() && strncasecmp(h.c_str(), name.c_str(), name.size()) == 0 && h[name.size()] == ':') {
      return h.substr(name.size() + 2);
    }
  }
  return "";
}

// The fields of an application/x-www-form-urlencoded body, percent-decoded.
inline std::map<std::string, std::string> FormFields(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < body.size()) {
    size_t amp = body.find('&', i);
    std::string part = body.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
    size_t eq = part.find('=');
    std::string value = eq == std::string::npos ? "" : part.substr(eq + 1), decoded;
    for (size_t k = 0; k < value.size(); ++k) {
      if (value[k] == '%' && k + 2 < value.size()) {
        decoded.push_back(static_cast<char>(std::stoi(value.substr(k + 1, 2), nullptr, 16)));
        k += 2;
      } else {
        decoded.push_back(value[k]);
      }
    }
    out[part.substr(0, eq)] = decoded;
    if (amp == std::string::npos) break;
    i = amp + 1;
  }
  return out;
}

}  // namespace ssm::test
