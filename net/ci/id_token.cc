#include "net/ci/id_token.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/log.h"
#include "common/secret_json.h"

namespace ssm {
namespace {

constexpr size_t kMaxTokenBytes = 64u << 10;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t start = 0;
  while (start < s.size() && (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' || s[start] == '\r')) ++start;
  return s.substr(start);
}

SecretString Checked(SecretString token, const WebIdentity& w, const std::string& what) {
  if (token.empty()) throw Error::Failure(what + ": " + w.Describe() + " is empty");
  if (token.str().size() > kMaxTokenBytes || !LooksLikeJwt(token.str())) {
    throw Error::Failure(what + ": " + w.Describe() + " is not a JWT (three base64url parts)");
  }
  return token;
}

SecretString FromGithub(const WebIdentity& w, HttpClient& http, const EnvLookup& env, const std::string& what) {
  std::optional<std::string> url = env("ACTIONS_ID_TOKEN_REQUEST_URL");
  std::optional<std::string> bearer = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  SecretString request_token(bearer ? std::move(*bearer) : std::string());
  if (!url || url->empty() || request_token.empty()) {
    throw Error::Failure(what + ": webidentity github: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN "
                                "are not set; give the job `permissions: id-token: write` (GitHub Actions only)");
  }
  if (url->rfind("https://", 0) != 0) {
    throw Error::Failure(what + ": webidentity github: ACTIONS_ID_TOKEN_REQUEST_URL is not an https:// URL");
  }
  if (request_token.str().find_first_of("\r\n") != std::string::npos) {
    throw Error::Failure(what + ": webidentity github: ACTIONS_ID_TOKEN_REQUEST_TOKEN holds a line break");
  }
  HttpRequest get;
  get.url = *url + (url->find('?') == std::string::npos ? "?" : "&") + "audience=" + UrlEscape(w.audience);
  get.headers = {"Authorization: Bearer " + request_token.str(), "Accept: application/json"};
  get.what = what;
  get.connect_timeout_ms = 5000;
  get.total_timeout_ms = 15000;
  get.attempts = 3;
  std::string shown = RedactUrl(url->substr(0, url->find('?')));
  SSM_DEBUG(what + ": asking the GitHub Actions token service " + shown + " for an ID token with audience " + w.audience);
  HttpResponse response = http.Send(get);
  if (response.status != 200) {
    std::string message = what + ": the GitHub Actions ID token request to " + shown + " answered HTTP " +
                          std::to_string(response.status);
    if (response.status == 401 || response.status == 403) {
      throw Error::Denied(message + " (is `permissions: id-token: write` given to the job?)");
    }
    throw Error::Unavailable(message);
  }
  WipedJson doc(ParseJsonOrDiscarded(response.body.str()));
  auto value = doc.value.is_object() ? doc.value.find("value") : doc.value.end();
  if (!doc.value.is_object() || value == doc.value.end() || !value->is_string()) {
    throw Error::Failure(what + ": the GitHub Actions token service " + shown + " answered without a \"value\"");
  }
  SecretString token(value->get<std::string>());
  return Checked(std::move(token), w, what);
}

}  // namespace

bool LooksLikeJwt(const std::string& text) {
  int dots = 0;
  size_t part = 0;
  for (char c : text) {
    if (c == '.') {
      if (part == 0) return false;
      ++dots;
      part = 0;
      continue;
    }
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '=';
    if (!ok) return false;
    ++part;
  }
  return dots == 2 && part > 0;
}

SecretString FetchIdToken(const WebIdentity& w, HttpClient& http, const EnvLookup& env, const TextFileReader& read_file,
                          const std::string& what) {
  switch (w.kind) {
    case WebIdentity::Kind::kGithub:
      return FromGithub(w, http, env, what);
    case WebIdentity::Kind::kEnv: {
      std::optional<std::string> value = env(w.name);
      if (!value) {
        throw Error::Failure(what + ": webidentity env:" + w.name + ": the variable " + w.name +
                             " is not set (GitLab CI: declare it under id_tokens: in the job)");
      }
      SecretString token(std::move(*value));
      SecretString trimmed(Trimmed(token.str()));
      return Checked(std::move(trimmed), w, what);
    }
    case WebIdentity::Kind::kFile: {
      std::optional<std::string> text;
      try {
        text = read_file(w.name);
      } catch (const Error& e) {
        throw Error::Failure(what + ": the ID token file " + w.name + " cannot be read: " + e.what());
      }
      if (!text) throw Error::Failure(what + ": the ID token file " + w.name + " does not exist");
      SecretString token(std::move(*text));
      SecretString trimmed(Trimmed(token.str()));
      return Checked(std::move(trimmed), w, what);
    }
  }
  throw Error::Failure(what + ": unknown web identity source");
}

}  // namespace ssm
