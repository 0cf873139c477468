#include "net/google/google_chain.h"

#include <strings.h>

#include <cstdlib>

#include "common/error.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "common/text.h"
#include "common/time_text.h"
#include "net/ci/id_token.h"
#include "net/tokens/token_clients.h"

namespace ssm {
namespace {

constexpr const char* kDefaultTokenUri = "https://oauth2.googleapis.com/token";
constexpr const char* kDefaultStsUrl = "https://sts.googleapis.com/v1/token";
// The metadata server answers in milliseconds where it exists; elsewhere
// these bounds are what a machine outside Google Cloud pays once.
constexpr long kMetadataConnectMs = 500;
constexpr long kMetadataTotalMs = 1000;

std::string Text(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool Allowed(const std::string& url) { return url.rfind("https://", 0) == 0; }

// What every file-based credential says when it is wrong: one line naming
// the source, never a value.
[[noreturn]] void Malformed(const nlohmann::json& plan, const std::string& why) {
  throw Error::BadInput(plan.value("description", std::string("Google credentials")) + ": " + why);
}

std::string RequireHttps(const nlohmann::json& plan, const nlohmann::json& adc, const char* key, const char* fallback) {
  std::string url = Text(adc, key);
  if (url.empty()) url = fallback == nullptr ? "" : fallback;
  if (url.empty()) Malformed(plan, std::string("has no ") + key);
  if (!Allowed(url)) Malformed(plan, std::string(key) + " must be an https:// URL");
  return url;
}

class Chain {
 public:
  Chain(const nlohmann::json& plan, const MintRequest& request, HttpClient& http, const TextFileReader& read_file)
      : plan_(plan), request_(request), http_(http), read_file_(read_file) {}

  std::optional<MintedToken> Run() {
    std::string source = plan_.value("source", "");
    std::optional<MintedToken> token;
    if (source == "metadata") {
      token = Metadata();
      if (!token) return std::nullopt;
    } else {
      auto adc = plan_.find("adc");
      if (adc == plan_.end() || !adc->is_object()) Malformed(plan_, "is not a JSON object");
      token = FromCredentials(*adc, 0);
    }
    std::string target = plan_.value("impersonate", "");
    if (!target.empty()) {
      token = Impersonate(std::string(kGoogleIamCredentials) + "/v1/projects/-/serviceAccounts/" + UrlEscape(target) +
                              ":generateAccessToken",
                          *token, "impersonating " + target);
    }
    token->username = "oauth2accesstoken";
    return token;
  }

 private:
  MintedToken FromCredentials(const nlohmann::json& adc, int depth) {
    if (depth > 2) Malformed(plan_, "nests source_credentials too deep");
    std::string type = Text(adc, "type");
    if (type == "service_account") return ServiceAccount(adc);
    if (type == "authorized_user") return AuthorizedUser(adc);
    if (type == "external_account") return ExternalAccount(adc);
    if (type == "impersonated_service_account") {
      auto source = adc.find("source_credentials");
      if (source == adc.end() || !source->is_object()) Malformed(plan_, "has no source_credentials");
      MintedToken base = FromCredentials(*source, depth + 1);
      std::string url = RequireHttps(plan_, adc, "service_account_impersonation_url", nullptr);
      return Impersonate(url, base, "impersonation");
    }
    Malformed(plan_, "has an unknown type " + QuotedIfPlain(type) +
                         " (service_account, authorized_user, external_account or impersonated_service_account)");
  }

  MintedToken ServiceAccount(const nlohmann::json& adc) {
    MintRequest r = request_;
    r.google_chain = SecretString();
    r.client_email = Text(adc, "client_email");
    r.private_key = SecretString(Text(adc, "private_key"));
    r.private_key_id = Text(adc, "private_key_id");
    if (r.client_email.empty() || r.private_key.empty()) Malformed(plan_, "has no client_email and private_key");
    r.endpoint = RequireHttps(plan_, adc, "token_uri", kDefaultTokenUri);
    r.audience = r.endpoint;
    return MintGoogleServiceAccountToken(r, http_);
  }

  MintedToken AuthorizedUser(const nlohmann::json& adc) {
    std::string client_id = Text(adc, "client_id");
    SecretString client_secret(Text(adc, "client_secret"));
    SecretString refresh_token(Text(adc, "refresh_token"));
    if (client_id.empty() || refresh_token.empty()) Malformed(plan_, "has no client_id and refresh_token");
    std::string url = RequireHttps(plan_, adc, "token_uri", kDefaultTokenUri);
    SecretString body("grant_type=refresh_token&client_id=" + UrlEscape(client_id) + "&client_secret=" +
                      UrlEscape(client_secret.str()) + "&refresh_token=" + UrlEscape(refresh_token.str()));
    SSM_DEBUG(request_.what + ": google: refresh-token grant at " + RedactUrl(url));
    HttpResponse response = http_.Send(FormPost(url, body.str(), request_));
    if (response.status != 200) {
      ThrowRemoteError(request_, "the token endpoint " + RedactUrl(url) + " (user credentials of " +
                                     plan_.value("description", std::string("gcloud")) + ")",
                       response, response.status == 400 ? "; run `gcloud auth application-default login` again" : "");
    }
    return ParseGoogleTokenAnswer(response.body.str(), request_.now, request_.what);
  }

  MintedToken ExternalAccount(const nlohmann::json& adc) {
    std::string audience = Text(adc, "audience");
    std::string token_type = Text(adc, "subject_token_type");
    if (audience.empty() || token_type.empty()) Malformed(plan_, "has no audience and subject_token_type");
    std::string url = RequireHttps(plan_, adc, "token_url", kDefaultStsUrl);
    SecretString subject;
    if (auto job = plan_.find("web_identity"); job != plan_.end()) {
      // A CI job's ID token (a registry's webidentity), never from a file's JSON.
      subject = FetchIdToken(WebIdentityFromJson(*job), http_, ProcessEnv, read_file_, request_.what);
    } else {
      auto source = adc.find("credential_source");
      if (source == adc.end() || !source->is_object()) Malformed(plan_, "has no credential_source");
      subject = SubjectToken(*source);
    }
    SecretString body("grant_type=" + UrlEscape("urn:ietf:params:oauth:grant-type:token-exchange") +
                      "&requested_token_type=" + UrlEscape("urn:ietf:params:oauth:token-type:access_token") +
                      "&audience=" + UrlEscape(audience) + "&scope=" + UrlEscape(kGoogleCloudPlatformScope) +
                      "&subject_token_type=" + UrlEscape(token_type) + "&subject_token=" + UrlEscape(subject.str()));
    SSM_DEBUG(request_.what + ": google: token exchange at " + RedactUrl(url));
    HttpResponse response = http_.Send(FormPost(url, body.str(), request_));
    if (response.status != 200) {
      ThrowRemoteError(request_, "the STS token exchange at " + RedactUrl(url) + " (workload identity " + audience + ")",
                       response);
    }
    MintedToken federated = ParseGoogleTokenAnswer(response.body.str(), request_.now, request_.what);
    std::string impersonation = Text(adc, "service_account_impersonation_url");
    if (impersonation.empty()) return federated;
    if (!Allowed(impersonation)) Malformed(plan_, "service_account_impersonation_url must be an https:// URL");
    return Impersonate(impersonation, federated, "impersonation");
  }

  SecretString SubjectToken(const nlohmann::json& source) {
    nlohmann::json format = source.contains("format") ? source["format"] : nlohmann::json::object();
    if (source.contains("executable")) {
      Malformed(plan_, "takes its subject token from an executable, which docker-credential-ssm does not run; "
                       "use a file or url credential_source");
    }
    if (!Text(source, "environment_id").empty()) {
      Malformed(plan_, "takes its subject token from AWS (environment_id), which is not supported yet");
    }
    // The kubelet mode's pod token, inline (providers/google/google_identity.h).
    if (std::string inline_token = Text(source, "subject_token"); !inline_token.empty()) {
      SecretString owned(std::move(inline_token));
      return SubjectTokenFrom(owned.str(), format, request_.what + ": the pod's service account token");
    }
    std::string file = Text(source, "file");
    if (!file.empty()) {
      std::optional<std::string> text = read_file_(file);
      if (!text) throw Error::Failure(request_.what + ": the subject token file " + file + " does not exist");
      SecretString owned(std::move(*text));
      return SubjectTokenFrom(owned.str(), format, request_.what + ": the subject token file " + file);
    }
    std::string url = Text(source, "url");
    if (url.empty()) Malformed(plan_, "credential_source has neither file nor url");
    HttpRequest get;
    get.url = url;
    get.what = request_.what;
    get.allow_http = true;  // the token server of the platform, often on a link-local address
    get.connect_timeout_ms = 2000;
    get.total_timeout_ms = 5000;
    get.attempts = 2;
    if (auto headers = source.find("headers"); headers != source.end() && headers->is_object()) {
      for (const auto& [name, value] : headers->items()) {
        if (!value.is_string()) continue;
        const std::string& v = value.get_ref<const std::string&>();
        if (name.find_first_of(":\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) {
          Malformed(plan_, "credential_source has a header with a line break or colon in its name");
        }
        get.headers.push_back(name + ": " + v);
      }
    }
    HttpResponse response = http_.Send(get);
    if (response.status != 200) {
      throw Error::Failure(request_.what + ": the subject token URL " + RedactUrl(url) + " answered HTTP " +
                           std::to_string(response.status));
    }
    return SubjectTokenFrom(response.body.str(), format, request_.what + ": the subject token URL");
  }

  MintedToken Impersonate(const std::string& url, const MintedToken& with, const std::string& doing) {
    HttpRequest post;
    post.method = "POST";
    post.url = url;
    post.what = request_.what;
    post.ca_pem = request_.ca_pem;
    post.connect_timeout_ms = request_.connect_timeout_ms;
    post.total_timeout_ms = request_.total_timeout_ms;
    post.attempts = request_.attempts;
    post.headers = {"Content-Type: application/json", "Authorization: Bearer " + with.secret.str()};
    post.body = SecretString(nlohmann::json{{"scope", {kGoogleCloudPlatformScope}}, {"lifetime", "3600s"}}.dump());
    SSM_DEBUG(request_.what + ": google: " + doing + " at " + RedactUrl(url));
    HttpResponse response = http_.Send(post);
    if (response.status != 200) ThrowRemoteError(request_, doing + " at " + RedactUrl(url), response);
    return ParseImpersonationAnswer(response.body.str(), request_.what);
  }

  std::optional<MintedToken> Metadata() {
    std::string account = plan_.value("service_account", std::string("default"));
    std::vector<std::string> hosts;
    if (auto h = plan_.find("metadata_hosts"); h != plan_.end() && h->is_array()) {
      for (const auto& host : *h) {
        if (host.is_string()) hosts.push_back(host.get<std::string>());
      }
    }
    for (const std::string& host : hosts) {
      std::string base = "http://" + host + "/computeMetadata/v1/instance/service-accounts/" + UrlEscape(account);
      std::optional<HttpResponse> token = Ask(base + "/token");
      if (!token) continue;  // nothing there: the next address
      if (token->status == 404 && !plan_.contains("service_account")) {
        // An instance created with no service account: no identity here,
        // like no metadata server (public images still pull anonymously).
        SSM_DEBUG(request_.what + ": google: the metadata server at " + host + " has no default service account");
        return std::nullopt;
      }
      if (token->status == 404) {
        throw Error::Failure(request_.what + ": the metadata server at " + host + " has no service account " + account);
      }
      if (token->status != 200) {
        throw Error::Failure(request_.what + ": the metadata server at " + host + " answered HTTP " +
                             std::to_string(token->status) + " for the access token");
      }
      MintedToken out = ParseGoogleTokenAnswer(token->body.str(), request_.now, request_.what);
      CheckScopes(base + "/scopes", host, account);
      SSM_DEBUG(request_.what + ": google: token of service account " + account + " from the metadata server " + host);
      return out;
    }
    SSM_DEBUG(request_.what + ": google: no metadata server answered");
    return std::nullopt;
  }

  // nullopt when nothing answers there; a server that answers without
  // Metadata-Flavor: Google is not Google's (a proxy, a captive portal).
  std::optional<HttpResponse> Ask(const std::string& url) {
    HttpRequest get;
    get.url = url;
    get.what = request_.what;
    get.allow_http = true;
    get.headers = {"Metadata-Flavor: Google"};
    get.no_proxy = true;  // as Google's own metadata clients: the proxy's machine is not this one
    get.connect_timeout_ms = kMetadataConnectMs;
    get.total_timeout_ms = kMetadataTotalMs;
    get.attempts = 1;
    HttpResponse response;
    try {
      response = http_.Send(get);
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kUnavailable) throw;
      SSM_DEBUG(request_.what + ": google: " + e.what());
      return std::nullopt;
    }
    if (strcasecmp(response.Header("metadata-flavor").c_str(), "Google") != 0) {
      SSM_DEBUG(request_.what + ": google: " + url.substr(0, url.find("/computeMetadata")) +
                " answered without Metadata-Flavor: Google; not a metadata server");
      return std::nullopt;
    }
    return response;
  }

  void CheckScopes(const std::string& url, const std::string& host, const std::string& account) {
    std::optional<HttpResponse> scopes = Ask(url);
    if (!scopes || scopes->status != 200) return;  // the token decides, then
    const std::string& text = scopes->body.str();
    for (const char* ok : {"https://www.googleapis.com/auth/cloud-platform",
                           "https://www.googleapis.com/auth/devstorage.read_only",
                           "https://www.googleapis.com/auth/devstorage.read_write",
                           "https://www.googleapis.com/auth/devstorage.full_control"}) {
      if (text.find(ok) != std::string::npos) return;
    }
    std::string listed = text;
    for (char& c : listed) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    throw Error::Denied(request_.what + ": the service account " + account + " of this instance (metadata server " +
                        host + ") has no scope that can read a registry (" + listed.substr(0, 300) +
                        "); give the instance the cloud-platform or devstorage.read_only scope");
  }

  const nlohmann::json& plan_;
  const MintRequest& request_;
  HttpClient& http_;
  const TextFileReader& read_file_;
};

}  // namespace

MintedToken ParseImpersonationAnswer(const std::string& body, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(body);
  if (!doc.is_object()) throw Error::Failure(what + ": the impersonation answer is not a JSON object");
  MintedToken out;
  out.secret = SecretString(Text(doc, "accessToken"));
  std::optional<int64_t> at = ParseRfc3339(Text(doc, "expireTime"));
  if (auto it = doc.find("accessToken"); it != doc.end() && it->is_string()) Cleanse(it->get_ref<std::string&>());
  if (out.secret.empty()) throw Error::Failure(what + ": the impersonation answer has no accessToken");
  if (!at) throw Error::Failure(what + ": the impersonation answer has no valid expireTime");
  out.expires_at = *at;
  return out;
}

SecretString SubjectTokenFrom(const std::string& text, const nlohmann::json& format, const std::string& what) {
  std::string type = format.is_object() ? Text(format, "type") : "";
  if (type.empty() || type == "text") {
    SecretString token(text);
    std::string& t = token.mutable_str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.empty()) throw Error::Failure(what + " is empty");
    return token;
  }
  if (type != "json") throw Error::BadInput(what + ": format type must be text or json, not " + QuotedIfPlain(type));
  std::string field = Text(format, "subject_token_field_name");
  if (field.empty()) throw Error::BadInput(what + ": format json needs subject_token_field_name");
  nlohmann::json doc = ParseJsonOrDiscarded(text);
  if (!doc.is_object()) throw Error::Failure(what + " is not a JSON object");
  SecretString token(Text(doc, field.c_str()));
  if (auto it = doc.find(field); it != doc.end() && it->is_string()) Cleanse(it->get_ref<std::string&>());
  if (token.empty()) throw Error::Failure(what + " has no \"" + field + "\"");
  return token;
}

std::optional<MintedToken> RunGoogleChain(const nlohmann::json& plan, const MintRequest& request, HttpClient& http,
                                          const TextFileReader& read_file) {
  Chain chain(plan, request, http, read_file);
  return chain.Run();
}

}  // namespace ssm
