// Recorded services for the network code's tests: RecordedServices, an
// HttpClient answering by "METHOD URL" and keeping every request; and reading
// what was sent: a header's value and the fields of a form body, for tests
// that check exact requests.
#pragma once

#include <strings.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "net/http/http_client.h"

namespace ssm::test {

// One answer of RecordedServices. Status 0 stands for nothing listening: Send
// throws Error::Unavailable naming the request and the URL.
struct Answer {
  Answer(long s, std::string b, std::multimap<std::string, std::string> h = {})
      : status(s), body(std::move(b)), headers(std::move(h)) {}
  long status;
  std::string body;
  std::multimap<std::string, std::string> headers;
};

// An HttpClient answering by "METHOD URL" (a request with no answer fails the
// test). Several answers to one key are given in turn, the last one again and
// again: answers[key] = {...} sets them all, On(key, ...) adds one, starting
// afresh once the last one was given. Every request is kept in sent.
class RecordedServices : public ssm::HttpClient {
 public:
  std::vector<ssm::HttpRequest> sent;
  std::map<std::string, std::vector<Answer>> answers;

  void On(const std::string& key, long status, const std::string& body,
          std::multimap<std::string, std::string> headers = {}) {
    if (repeating_[key]) answers[key].clear();
    repeating_[key] = false;
    answers[key].push_back({status, body, std::move(headers)});
  }

  ssm::HttpResponse Send(const ssm::HttpRequest& request) override {
    sent.push_back(request);
    std::string key = request.method + " " + request.url;
    auto it = answers.find(key);
    if (it == answers.end() || it->second.empty()) FAIL("unexpected request " + key);
    Answer a = it->second.front();
    if (it->second.size() > 1) {
      it->second.erase(it->second.begin());
    } else {
      repeating_[key] = true;
    }
    if (a.status == 0) throw ssm::Error::Unavailable(request.what + ": " + request.url + ": nothing listening");
    ssm::HttpResponse r;
    r.status = a.status;
    r.body = ssm::SecretString(a.body);
    r.headers = a.headers;
    return r;
  }

 private:
  std::map<std::string, bool> repeating_;
};

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
