// One small HTTP client for every remote call the helper makes. The seam is
// virtual so tests can record the exact requests a provider sends. It lives
// in the ssm-net module, loaded only when a command makes a remote call, so a
// `get` answered locally never loads libcurl.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/secure.h"

namespace ssm {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; cleared from memory with the request
  SecretString body;
  std::string ca_pem;        // when set, the only CAs trusted for this call
  bool allow_http = false;   // plain HTTP, only for registries configured with http://
  bool no_proxy = false;     // never through a proxy, whatever http_proxy says: a metadata
                             // server answers only the machine itself (a proxy elsewhere
                             // would get its own machine's identity, or be refused)
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 20000;
  int attempts = 1;          // retries (with backoff) on transport errors, 429 and 5xx
  std::string what;          // who asks, for error messages: "ecr", "registry test custom/lab"

  HttpRequest() = default;
  HttpRequest(const HttpRequest&) = default;
  HttpRequest& operator=(const HttpRequest&) = default;
  ~HttpRequest();
};

struct HttpResponse {
  long status = 0;
  std::multimap<std::string, std::string> headers;  // names in lower case
  SecretString body;
  // The first value of a header (name in lower case), or "".
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient();
  // Throws Error::Unavailable on transport failure (no connection, TLS
  // failure, timeout), naming request.what and the URL without its query.
  virtual HttpResponse Send(const HttpRequest& request) = 0;
};

// The libcurl client (in the ssm-net module, and in tests).
std::unique_ptr<HttpClient> NewCurlHttpClient();

// Percent-encodes everything but A-Z a-z 0-9 - . _ ~ (libcurl's
// curl_easy_escape), for form fields and query values; may hold a secret, so
// libcurl's copy is wiped.
std::string UrlEscape(const std::string& s);

}  // namespace ssm
