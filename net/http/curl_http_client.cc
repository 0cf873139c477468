// The HttpClient over libcurl, built into the ssm-net module.
#include <curl/curl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "common/error.h"
#include "common/inputs.h"
#include "common/log.h"
#include "common/text.h"
#include "net/http/http_client.h"

namespace ssm {
namespace {

constexpr size_t kMaxBodyBytes = 4u << 20;

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  HttpResponse* response;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  std::string& body = sink->response->body.mutable_str();
  if (body.size() + n > kMaxBodyBytes) {
    sink->too_big = true;
    return 0;
  }
  body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  std::string line(data, n);
  if (line.rfind("HTTP/", 0) == 0) sink->response->headers.clear();  // a new response (after 100 Continue)
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    name = AsciiLower(std::move(name));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    sink->response->headers.emplace(name, value);
  }
  return n;
}

bool Retryable(long status) { return status == 429 || status >= 500; }

// Where the CAs of a call come from when its registry has no `cacert`.
//  - SSL_CERT_FILE / SSL_CERT_DIR (OpenSSL's and Go's variables) or CURL_CA_BUNDLE
//    (curl's): exactly those.
//  - Otherwise the system's hashed certificate directory (libcurl's built-in CA path,
//    /etc/ssl/certs on Debian), where OpenSSL reads only the certificates a chain needs,
//    instead of parsing the whole bundle file on every start (about 145 certificates, close
//    to half of a cold token request's time). update-ca-certificates writes the same
//    certificates to both; a certificate that is only in the bundle (appended by hand) is
//    still found: a call that fails verification against the directory is made once more
//    with libcurl's built-in bundle (SendOnce).
// A default Trust leaves libcurl's built-in bundle and path as they are.
struct Trust {
  bool set = false;            // use file and dir below instead of libcurl's defaults
  std::string file;            // CURLOPT_CAINFO; "": none
  std::string dir;             // CURLOPT_CAPATH; "": none
  bool can_fall_back = false;  // the directory was chosen over the built-in bundle
};

bool IsDirectory(const char* path) {
  struct stat st;
  return path != nullptr && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

Trust SystemTrust() {
  Trust t;
  std::string file = ProcessEnv("SSL_CERT_FILE").value_or("");
  if (file.empty()) file = ProcessEnv("CURL_CA_BUNDLE").value_or("");
  std::string dir = ProcessEnv("SSL_CERT_DIR").value_or("");
  if (!file.empty() || !dir.empty()) {
    t.set = true;
    t.file = file;
    t.dir = dir;
    return t;
  }
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info != nullptr && IsDirectory(info->capath) && info->cainfo != nullptr) {
    t.set = true;
    t.dir = info->capath;
    t.can_fall_back = true;
  }
  return t;
}

// A TLS verification failure: another set of CAs might pass it, another attempt would not.
struct TrustFailure : Error {
  explicit TrustFailure(const Error& e) : Error(e) {}
};

class CurlHttpClient : public HttpClient {
 public:
  HttpResponse Send(const HttpRequest& request) override {
    int attempts = request.attempts < 1 ? 1 : request.attempts;
    for (int attempt = 1;; ++attempt) {
      try {
        HttpResponse response = SendOnce(request);
        if (attempt < attempts && Retryable(response.status)) {
          SSM_DEBUG(request.what + ": " + RedactUrl(request.url) + " answered " + std::to_string(response.status) +
                   "; retrying");
          Backoff(attempt);
          continue;
        }
        return response;
      } catch (const TrustFailure& e) {
        throw Error(e);  // another attempt would meet the same certificate
      } catch (const Error& e) {
        if (attempt >= attempts || e.kind() != Error::Kind::kUnavailable) throw;
        SSM_DEBUG(std::string(e.what()) + "; retrying");
        Backoff(attempt);
      }
    }
  }

 private:
  static void Backoff(int attempt) {
    long ms = 200L << (attempt - 1);  // 200, 400, 800 ms
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, nullptr);
  }

  HttpResponse SendOnce(const HttpRequest& request) {
    if (!request.ca_pem.empty()) return SendWithTrust(request, Trust{});
    Trust trust = SystemTrust();
    try {
      return SendWithTrust(request, trust);
    } catch (const TrustFailure&) {
      if (!trust.can_fall_back) throw;
    }
    SSM_DEBUG(request.what + ": the certificate of " + RedactUrl(request.url) +
              " is not trusted by the system certificate directory; trying the system bundle");
    return SendWithTrust(request, Trust{});
  }

  HttpResponse SendWithTrust(const HttpRequest& request, const Trust& trust) {
    std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
    if (!curl) throw Error::Failure("cannot initialize libcurl");
    CURL* c = curl.get();
    HttpResponse response;
    Sink sink{&response};
    char errbuf[CURL_ERROR_SIZE] = {0};
    std::unique_ptr<curl_slist, SlistFree> headers;
    for (const std::string& h : request.headers) {
      curl_slist* next = curl_slist_append(headers.get(), h.c_str());
      if (next == nullptr) throw Error::Failure("out of memory");
      headers.release();
      headers.reset(next);
    }
    // Keep libcurl from adding "Expect: 100-continue" to POSTs.
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, request.allow_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, request.total_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "docker-credential-ssm");
    // Proxies come from the usual variables (https_proxy, no_proxy), read by libcurl;
    // "" turns them off.
    if (request.no_proxy) curl_easy_setopt(c, CURLOPT_PROXY, "");
    struct curl_blob ca;
    if (!request.ca_pem.empty()) {
      ca.data = const_cast<char*>(request.ca_pem.data());
      ca.len = request.ca_pem.size();
      ca.flags = CURL_BLOB_COPY;
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
    } else if (trust.set) {
      curl_easy_setopt(c, CURLOPT_CAINFO, trust.file.empty() ? nullptr : trust.file.c_str());
      curl_easy_setopt(c, CURLOPT_CAPATH, trust.dir.empty() ? nullptr : trust.dir.c_str());
    }
    if (request.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.str().data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (request.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    CURLcode rc = curl_easy_perform(c);
    if (sink.too_big) {
      throw Error::Failure(request.what + ": the answer from " + RedactUrl(request.url) + " is larger than " +
                           std::to_string(kMaxBodyBytes >> 20) + " MiB");
    }
    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      Error e = Error::Unavailable(request.what + ": cannot reach " + RedactUrl(request.url) + ": " + detail);
      if (rc == CURLE_PEER_FAILED_VERIFICATION) throw TrustFailure(e);
      throw e;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    if (LogEnabled(LogLevel::kDebug)) {
      double total = 0, connected = 0, tls = 0;
      curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &total);
      curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connected);
      curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME, &tls);
      auto ms = [](double s) { return std::to_string(static_cast<long>(s * 1000 + 0.5)); };
      Log(LogLevel::kDebug, request.what + ": " + request.method + " " + RedactUrl(request.url) + " -> " +
                                std::to_string(response.status) + " in " + ms(total) + " ms (connected at " +
                                ms(connected) + " ms, TLS done at " + ms(tls) + " ms)");
    }
    return response;
  }
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient() {
  // libcurl (at its global init) and OpenSSL write the TLS session secrets of
  // every connection to the file SSLKEYLOGFILE names: anyone who can read it
  // and the traffic can read the tokens. It is dropped before libcurl starts.
  // The binary drops it first thing in main, before any thread.
  static std::once_flag once;
  std::call_once(once, [] { unsetenv("SSLKEYLOGFILE"); });
  return std::make_unique<CurlHttpClient>();
}

std::string UrlEscape(const std::string& s) {
  char* escaped = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  if (escaped == nullptr) throw Error::Failure("out of memory");
  std::string out(escaped);
  explicit_bzero(escaped, out.size());
  curl_free(escaped);
  return out;
}

}  // namespace ssm
