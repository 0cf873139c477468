#include "net/registry_check.h"

#include "common/base64.h"
#include "common/error.h"
#include "common/text.h"

namespace ssm {
namespace {

std::string BasicHeader(const Credential& c) {
  std::string pair = c.username + ":" + c.secret.str();
  std::string header = "Authorization: Basic " + Base64Encode(pair);
  Cleanse(pair);
  return header;
}

HttpRequest Get(const std::string& url, const std::string& ca_pem, const std::string& what) {
  HttpRequest r;
  r.url = url;
  r.ca_pem = ca_pem;
  r.allow_http = url.rfind("http://", 0) == 0;
  r.what = what;
  return r;
}

}  // namespace

Challenge ParseChallenge(const std::string& header) {
  Challenge ch;
  size_t i = 0;
  while (i < header.size() && header[i] == ' ') ++i;
  size_t sp = header.find(' ', i);
  ch.scheme = AsciiLower(header.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
  if (sp == std::string::npos) return ch;
  i = sp + 1;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = AsciiLower(header.substr(i, eq - i));
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value.push_back(header[i++]);
      }
      ++i;
    } else {
      size_t end = header.find(',', i);
      value = header.substr(i, end == std::string::npos ? std::string::npos : end - i);
      i = end == std::string::npos ? header.size() : end;
    }
    ch.params[key] = value;
  }
  return ch;
}

CheckResult CheckRegistryLogin(HttpClient& http, const std::string& base_url,
                               const std::optional<Credential>& credential, const std::string& ca_pem,
                               const std::string& what) {
  std::string ping = base_url + "/v2/";
  HttpResponse first = http.Send(Get(ping, ca_pem, what));
  if (first.status == 200) {
    return {true, "the registry at " + base_url + " allows anonymous access; credentials were not needed"};
  }
  if (first.status != 401) {
    return {false, "the registry at " + base_url + " answered " + std::to_string(first.status) +
                       " to GET /v2/ (expected 401 or 200): is it a registry?"};
  }
  if (!credential) {
    return {false, "the registry at " + base_url + " requires credentials and none are configured"};
  }
  Challenge ch = ParseChallenge(first.Header("www-authenticate"));
  if (ch.scheme == "basic") {
    HttpRequest again = Get(ping, ca_pem, what);
    again.headers.push_back(BasicHeader(*credential));
    HttpResponse r = http.Send(again);
    if (r.status == 200) return {true, "credentials accepted by " + base_url + " (basic auth)"};
    return {false, "credentials rejected by " + base_url + " (HTTP " + std::to_string(r.status) + ")"};
  }
  if (ch.scheme == "bearer") {
    auto realm = ch.params.find("realm");
    if (realm == ch.params.end() || realm->second.empty()) {
      return {false, "the registry at " + base_url + " sent a Bearer challenge without a realm"};
    }
    std::string url = realm->second;
    char sep = url.find('?') == std::string::npos ? '?' : '&';
    if (ch.params.count("service")) {
      url += sep + std::string("service=") + UrlEscape(ch.params["service"]);
      sep = '&';
    }
    url += sep + std::string("account=") + UrlEscape(credential->username);
    HttpRequest token = Get(url, ca_pem, what);
    // The realm may be another host (auth.docker.io, gitlab.com): it must be HTTPS
    // unless the registry itself was configured with http://.
    token.allow_http = base_url.rfind("http://", 0) == 0;
    token.headers.push_back(BasicHeader(*credential));
    HttpResponse r = http.Send(token);
    if (r.status == 200) return {true, "credentials accepted by " + base_url + " (token from " + realm->second + ")"};
    return {false, "credentials rejected by " + realm->second + " (HTTP " + std::to_string(r.status) + ")"};
  }
  return {false, "the registry at " + base_url + " asks for an authentication scheme this check does not know (" +
                     (ch.scheme.empty() ? std::string("none") : ch.scheme) + ")"};
}

}  // namespace ssm
