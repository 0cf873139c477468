#include "net/aws/aws_chain.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "common/time_text.h"
#include "net/ci/id_token.h"
#include "net/crypto/digest.h"
#include "net/crypto/sigv4.h"

namespace ssm {
namespace {

// Instance metadata answers in milliseconds where it exists; elsewhere the
// address black-holes, so these bounds are what a machine outside AWS pays
// once (then the caller's negative cache answers).
constexpr long kImdsTokenConnectMs = 400;
constexpr long kImdsTokenTotalMs = 700;
constexpr long kImdsV1ConnectMs = 250;
constexpr long kImdsV1TotalMs = 400;
constexpr long kImdsDataTotalMs = 2000;

std::string UrlHostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string WithSlash(std::string url) {
  if (url.find('/', url.find("://") + 3) == std::string::npos) url += "/";
  return url;
}

std::string XmlUnescape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    static const std::pair<const char*, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [name, c] : kEntities) {
      if (s.compare(i, std::char_traits<char>::length(name), name) == 0) {
        out.push_back(c);
        i += std::char_traits<char>::length(name) - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back('&');
  }
  return out;
}

// The text of the first <tag> element inside [from, to) of xml.
std::optional<std::string> XmlText(const std::string& xml, const std::string& tag, size_t from = 0,
                                   size_t to = std::string::npos) {
  std::string open = "<" + tag + ">";
  std::string close = "</" + tag + ">";
  size_t b = xml.find(open, from);
  if (b == std::string::npos || (to != std::string::npos && b >= to)) return std::nullopt;
  b += open.size();
  size_t e = xml.find(close, b);
  if (e == std::string::npos || (to != std::string::npos && e > to)) return std::nullopt;
  return XmlUnescape(xml.substr(b, e - b));
}

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > 300) {
    size_t cut = 300;
    // Never cut inside a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

int64_t ExpiryOrThrow(const std::string& text, const std::string& what, const std::string& from) {
  std::optional<int64_t> at = ParseRfc3339(text);
  if (!at) throw Error::Failure(what + ": " + from + " sent an expiration that is not a time");
  return *at;
}

nlohmann::json ParseObject(const std::string& text, const std::string& what, const std::string& from) {
  nlohmann::json doc = ParseJsonOrDiscarded(text);
  if (doc.is_discarded() || !doc.is_object()) throw Error::Failure(what + ": " + from + " did not answer a JSON object");
  return doc;
}

std::string StringField(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Reads a token file (web identity, container authorization), trimmed.
SecretString ReadTokenFile(const AwsChainContext& c, const std::string& path, const std::string& purpose) {
  std::optional<std::string> text;
  try {
    text = c.read_file(path);
  } catch (const Error& e) {
    throw Error::Failure(c.what + ": the " + purpose + " file " + path + " cannot be read: " + e.what());
  }
  if (!text) throw Error::Failure(c.what + ": the " + purpose + " file " + path + " does not exist");
  SecretString token(std::move(*text));
  std::string& t = token.mutable_str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) throw Error::Failure(c.what + ": the " + purpose + " file " + path + " is empty");
  return token;
}

HttpRequest BaseRequest(const AwsChainContext& c, const std::string& method, const std::string& url) {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.what = c.what;
  r.ca_pem = c.ca_pem;
  r.connect_timeout_ms = 3000;
  r.total_timeout_ms = 10000;
  r.attempts = 2;
  return r;
}

AwsSessionCredentials CallSts(AwsChainContext& c, const std::string& form, const AwsCredentials* signer,
                              const std::string& doing) {
  std::string url = WithSlash(c.sts_endpoint);
  HttpRequest post = BaseRequest(c, "POST", url);
  post.headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
  post.body = SecretString(form);
  if (signer != nullptr) {
    SigV4Request sig;
    sig.method = "POST";
    sig.path = url.substr(url.find('/', url.find("://") + 3));
    sig.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"Host", UrlHostOf(url)}};
    sig.body = form;
    SigV4Options options;
    options.region = c.sts_region;
    options.service = "sts";
    options.now = static_cast<std::time_t>(c.now);
    SigV4Result signature = SignV4(sig, *signer, options);
    Cleanse(sig.body);
    post.headers.push_back("Host: " + UrlHostOf(url));
    for (const auto& [name, value] : signature.added_headers) post.headers.push_back(name + ": " + value);
    post.headers.push_back("Authorization: " + signature.authorization);
  }
  SSM_DEBUG(c.what + ": aws: " + doing + " at " + c.sts_endpoint);
  HttpResponse response = c.http->Send(post);
  if (response.status != 200) {
    std::string detail = StsErrorMessage(response.body.str());
    throw Error::Failure(c.what + ": " + doing + " at " + c.sts_endpoint + " answered HTTP " +
                         std::to_string(response.status) + (detail.empty() ? "" : ": " + detail));
  }
  return ParseStsCredentials(response.body.str(), c.what);
}

std::string FormValue(const std::string& name, const std::string& value) { return name + "=" + UrlEscape(value); }

AwsSessionCredentials WebIdentityRole(AwsChainContext& c, const AwsBaseSource& s) {
  SecretString token;
  if (!s.web_identity.empty()) {
    // A CI job's ID token (a registry's webidentity), fetched now.
    nlohmann::json source = ParseJsonOrDiscarded(s.web_identity);
    EnvLookup env = c.env ? c.env : EnvLookup([](const std::string&) { return std::optional<std::string>(); });
    token = FetchIdToken(WebIdentityFromJson(source), *c.http, env, c.read_file, c.what);
  } else if (s.token_file.empty()) {
    token = SecretString(s.token.str());  // a pod's token, handed over by the kubelet
  } else {
    token = ReadTokenFile(c, s.token_file, "web identity token");
  }
  if (token.empty()) throw Error::Failure(c.what + ": the web identity token is empty");
  SecretString form(FormValue("Action", "AssumeRoleWithWebIdentity") + "&" + FormValue("Version", "2011-06-15") + "&" +
                    FormValue("RoleArn", s.role_arn) + "&" + FormValue("RoleSessionName", s.session_name) + "&" +
                    FormValue("WebIdentityToken", token.str()));
  return CallSts(c, form.str(), nullptr, "AssumeRoleWithWebIdentity for " + s.role_arn);
}

AwsSessionCredentials AssumeRole(AwsChainContext& c, const AwsRoleStep& role, const AwsCredentials& with) {
  std::string form = FormValue("Action", "AssumeRole") + "&" + FormValue("Version", "2011-06-15") + "&" +
                     FormValue("RoleArn", role.role_arn) + "&" + FormValue("RoleSessionName", role.session_name);
  if (!role.external_id.empty()) form += "&" + FormValue("ExternalId", role.external_id);
  if (role.duration_seconds > 0) form += "&" + FormValue("DurationSeconds", std::to_string(role.duration_seconds));
  return CallSts(c, form, &with, "AssumeRole " + role.role_arn + " (" + role.named_by + ")");
}

AwsSessionCredentials Container(AwsChainContext& c, const AwsBaseSource& s) {
  HttpRequest get = BaseRequest(c, "GET", s.container_url);
  get.allow_http = true;
  get.ca_pem.clear();
  get.connect_timeout_ms = 2000;
  get.total_timeout_ms = 5000;
  SecretString token = s.container_token_file.empty()
                           ? SecretString(s.container_token.str())
                           : ReadTokenFile(c, s.container_token_file, "container authorization token");
  if (token.str().find_first_of("\r\n") != std::string::npos) {
    throw Error::Failure(c.what + ": the container authorization token holds a line break");
  }
  if (!token.empty()) get.headers.push_back("Authorization: " + token.str());
  SSM_DEBUG(c.what + ": aws: container credentials from " + s.container_url);
  HttpResponse response = c.http->Send(get);
  if (response.status != 200) {
    throw Error::Failure(c.what + ": the container credentials endpoint " + s.container_url + " answered HTTP " +
                         std::to_string(response.status));
  }
  return ParseMetadataCredentials(response.body.str(), c.what);
}

class InstanceMetadata {
 public:
  InstanceMetadata(AwsChainContext& c, const AwsBaseSource& s) : c_(c), s_(s) {}

  std::optional<AwsSessionCredentials> Get() {
    if (!FetchToken()) return std::nullopt;
    std::string base = "/latest/meta-data/iam/security-credentials/";
    std::optional<HttpResponse> roles = Data(base, v1_ ? kImdsV1TotalMs : kImdsDataTotalMs);
    if (!roles) return std::nullopt;
    if (roles->status == 404) {
      throw Error::Failure(c_.what + ": instance metadata at " + s_.imds_endpoint +
                           " has no IAM role for this instance (attach an instance profile)");
    }
    CheckStatus(*roles, "the role list");
    std::string role = roles->body.str().substr(0, roles->body.str().find_first_of("\r\n"));
    if (role.empty()) throw Error::Failure(c_.what + ": instance metadata listed no IAM role");
    std::optional<HttpResponse> creds = Data(base + role, kImdsDataTotalMs);
    if (!creds) throw Error::Failure(c_.what + ": instance metadata stopped answering");
    CheckStatus(*creds, "the credentials of role " + role);
    AwsSessionCredentials out = ParseMetadataCredentials(creds->body.str(), c_.what);
    out.keys.source = "instance role " + role + " via " + (v1_ ? "IMDSv1" : "IMDSv2");
    return out;
  }

 private:
  // False when nothing answers at the address at all.
  bool FetchToken() {
    HttpRequest put = Request("PUT", "/latest/api/token", kImdsTokenConnectMs, kImdsTokenTotalMs);
    put.headers.push_back("X-aws-ec2-metadata-token-ttl-seconds: 21600");
    try {
      HttpResponse r = c_.http->Send(put);
      if (r.status == 200 && !r.body.empty()) {
        token_ = SecretString(r.body.str());
        return true;
      }
      if (r.status == 403 || r.status == 404 || r.status == 405) {
        SSM_DEBUG(c_.what + ": aws: IMDS token request answered " + std::to_string(r.status));
        return FallBackToV1("the token request was answered HTTP " + std::to_string(r.status));
      }
      throw Error::Failure(c_.what + ": instance metadata at " + s_.imds_endpoint + " answered the token request HTTP " +
                           std::to_string(r.status));
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kUnavailable) throw;
      SSM_DEBUG(c_.what + ": aws: no IMDSv2 token: " + e.what());
      if (s_.imds_v1_disabled) return false;
      v1_ = true;
      probing_ = true;  // a v1 request that fails too means "no instance metadata"
      return true;
    }
  }

  bool FallBackToV1(const std::string& why) {
    if (s_.imds_v1_disabled) {
      throw Error::Failure(c_.what + ": instance metadata: " + why +
                           " and IMDSv1 is switched off (AWS_EC2_METADATA_V1_DISABLED)");
    }
    v1_ = true;
    return true;
  }

  HttpRequest Request(const std::string& method, const std::string& path, long connect_ms, long total_ms) {
    HttpRequest r;
    r.method = method;
    r.url = s_.imds_endpoint + path;
    r.allow_http = true;
    r.what = c_.what;
    r.connect_timeout_ms = connect_ms;
    r.total_timeout_ms = total_ms;
    r.attempts = 1;
    return r;
  }

  std::optional<HttpResponse> Data(const std::string& path, long total_ms) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      HttpRequest get = Request("GET", path, probing_ ? kImdsV1ConnectMs : kImdsTokenConnectMs, total_ms);
      if (!v1_) get.headers.push_back("X-aws-ec2-metadata-token: " + token_.str());
      HttpResponse r;
      try {
        r = c_.http->Send(get);
      } catch (const Error& e) {
        if (e.kind() == Error::Kind::kUnavailable && probing_) {
          SSM_DEBUG(c_.what + ": aws: no instance metadata: " + e.what());
          return std::nullopt;
        }
        throw;
      }
      probing_ = false;
      // A token that expired meanwhile: get a new one, once.
      if (r.status == 401 && !v1_ && attempt == 0) {
        if (!FetchToken()) return std::nullopt;
        continue;
      }
      return r;
    }
    return std::nullopt;
  }

  void CheckStatus(const HttpResponse& r, const std::string& what) {
    if (r.status == 200) return;
    throw Error::Failure(c_.what + ": instance metadata at " + s_.imds_endpoint + " answered HTTP " +
                         std::to_string(r.status) + " for " + what);
  }

  AwsChainContext& c_;
  const AwsBaseSource& s_;
  SecretString token_;
  bool v1_ = false;
  bool probing_ = false;
};

AwsSessionCredentials Process(AwsChainContext& c, const AwsBaseSource& s) {
  std::vector<std::string> argv = SplitCommandLine(s.command);
  if (argv.empty()) throw Error::BadInput(c.what + ": " + s.description + " is empty");
  SSM_DEBUG(c.what + ": aws: running credential_process " + argv[0]);
  ProcessOutput result = c.processes->Run(argv, c.process_timeout_ms);
  if (result.timed_out) {
    throw Error::Failure(c.what + ": " + s.description + " (" + argv[0] + ") did not finish within " +
                         std::to_string(c.process_timeout_ms / 1000) + " s and was stopped");
  }
  if (result.exit_status != 0) {
    throw Error::Failure(c.what + ": " + s.description + " (" + argv[0] + ") failed with exit status " +
                         std::to_string(result.exit_status));
  }
  return ParseProcessCredentials(result.out.str(), c.what + ": " + s.description);
}

AwsSessionCredentials Sso(AwsChainContext& c, const AwsBaseSource& s) {
  std::string path = c.home + "/.aws/sso/cache/" + Hex(Sha1(s.sso_cache_name)) + ".json";
  const std::string login = "run `aws sso login` for " + s.description.substr(0, s.description.find(':'));
  std::optional<std::string> text;
  try {
    text = c.read_file(path);
  } catch (const Error& e) {
    throw Error::Failure(c.what + ": the IAM Identity Center token cache " + path + " cannot be read: " + e.what());
  }
  if (!text) throw Error::Denied(c.what + ": no IAM Identity Center login is cached (" + path + "): " + login);
  nlohmann::json doc = ParseJsonOrDiscarded(*text);
  Cleanse(*text);
  if (doc.is_discarded() || !doc.is_object()) {
    throw Error::Failure(c.what + ": the IAM Identity Center token cache " + path + " is not JSON: " + login);
  }
  SecretString token(StringField(doc, "accessToken"));
  std::string expires = StringField(doc, "expiresAt");
  WipeJson(doc);
  if (token.empty()) throw Error::Failure(c.what + ": " + path + " holds no accessToken: " + login);
  std::optional<int64_t> at = ParseRfc3339(expires);
  if (!at || *at <= c.now) {
    throw Error::Denied(c.what + ": the IAM Identity Center login expired" +
                        (at ? " at " + FormatRfc3339(*at) : std::string()) + ": " + login);
  }
  std::string endpoint = c.sso_endpoint.empty() ? "https://portal.sso." + s.sso_region + ".amazonaws.com" : c.sso_endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  HttpRequest get = BaseRequest(c, "GET", endpoint + "/federation/credentials?role_name=" + UrlEscape(s.sso_role_name) +
                                              "&account_id=" + UrlEscape(s.sso_account_id));
  get.headers.push_back("x-amz-sso_bearer_token: " + token.str());
  SSM_DEBUG(c.what + ": aws: IAM Identity Center credentials from " + endpoint);
  HttpResponse response = c.http->Send(get);
  if (response.status == 401 || response.status == 403) {
    throw Error::Denied(c.what + ": IAM Identity Center refused the cached login (HTTP " +
                        std::to_string(response.status) + "): " + login);
  }
  if (response.status != 200) {
    throw Error::Failure(c.what + ": IAM Identity Center at " + endpoint + " answered HTTP " +
                         std::to_string(response.status));
  }
  return ParseSsoCredentials(response.body.str(), c.what);
}

}  // namespace

ProcessRunner::~ProcessRunner() = default;

AwsSessionCredentials ParseStsCredentials(const std::string& xml, const std::string& what) {
  size_t from = xml.find("<Credentials>");
  size_t to = from == std::string::npos ? std::string::npos : xml.find("</Credentials>", from);
  if (from == std::string::npos || to == std::string::npos) {
    throw Error::Failure(what + ": STS answered 200 without Credentials");
  }
  std::optional<std::string> id = XmlText(xml, "AccessKeyId", from, to);
  std::optional<std::string> secret = XmlText(xml, "SecretAccessKey", from, to);
  std::optional<std::string> token = XmlText(xml, "SessionToken", from, to);
  std::optional<std::string> expiration = XmlText(xml, "Expiration", from, to);
  AwsSessionCredentials out;
  out.keys.access_key_id = id.value_or("");
  out.keys.secret_access_key = SecretString(secret.value_or(""));
  out.keys.session_token = SecretString(token.value_or(""));
  if (secret) Cleanse(*secret);
  if (token) Cleanse(*token);
  if (out.keys.access_key_id.empty() || out.keys.secret_access_key.empty() || out.keys.session_token.empty()) {
    throw Error::Failure(what + ": STS answered 200 with incomplete Credentials");
  }
  out.expires_at = ExpiryOrThrow(expiration.value_or(""), what, "STS");
  return out;
}

std::string StsErrorMessage(const std::string& xml) {
  std::optional<std::string> code = XmlText(xml, "Code");
  std::optional<std::string> message = XmlText(xml, "Message");
  if (!code && !message) return "";
  return OneLine(code.value_or("") + (message ? ": " + *message : std::string()));
}

AwsSessionCredentials ParseMetadataCredentials(const std::string& json, const std::string& what) {
  nlohmann::json doc = ParseObject(json, what, "the credentials endpoint");
  std::string code = StringField(doc, "Code");
  AwsSessionCredentials out;
  out.keys.access_key_id = StringField(doc, "AccessKeyId");
  out.keys.secret_access_key = SecretString(StringField(doc, "SecretAccessKey"));
  out.keys.session_token = SecretString(StringField(doc, "Token"));
  std::string expiration = StringField(doc, "Expiration");
  WipeJson(doc);
  if (!code.empty() && code != "Success") {
    throw Error::Failure(what + ": the credentials endpoint answered Code " + OneLine(code));
  }
  if (out.keys.access_key_id.empty() || out.keys.secret_access_key.empty()) {
    throw Error::Failure(what + ": the credentials endpoint answered without AccessKeyId and SecretAccessKey");
  }
  if (!expiration.empty()) out.expires_at = ExpiryOrThrow(expiration, what, "the credentials endpoint");
  return out;
}

AwsSessionCredentials ParseProcessCredentials(const std::string& json, const std::string& what) {
  nlohmann::json doc = ParseJsonOrDiscarded(json);
  if (doc.is_discarded() || !doc.is_object()) throw Error::Failure(what + " did not print a JSON object");
  auto version = doc.find("Version");
  bool v1 = version != doc.end() && version->is_number_integer() && version->get<int64_t>() == 1;
  AwsSessionCredentials out;
  out.keys.access_key_id = StringField(doc, "AccessKeyId");
  out.keys.secret_access_key = SecretString(StringField(doc, "SecretAccessKey"));
  out.keys.session_token = SecretString(StringField(doc, "SessionToken"));
  std::string expiration = StringField(doc, "Expiration");
  WipeJson(doc);
  if (!v1) throw Error::Failure(what + " printed no \"Version\": 1");
  if (out.keys.access_key_id.empty() || out.keys.secret_access_key.empty()) {
    throw Error::Failure(what + " printed no AccessKeyId and SecretAccessKey");
  }
  if (!expiration.empty()) out.expires_at = ExpiryOrThrow(expiration, what, "the process");
  return out;
}

AwsSessionCredentials ParseSsoCredentials(const std::string& json, const std::string& what) {
  nlohmann::json doc = ParseObject(json, what, "IAM Identity Center");
  auto role = doc.find("roleCredentials");
  if (role == doc.end() || !role->is_object()) {
    WipeJson(doc);
    throw Error::Failure(what + ": IAM Identity Center answered without roleCredentials");
  }
  AwsSessionCredentials out;
  out.keys.access_key_id = StringField(*role, "accessKeyId");
  out.keys.secret_access_key = SecretString(StringField(*role, "secretAccessKey"));
  out.keys.session_token = SecretString(StringField(*role, "sessionToken"));
  auto expiration = role->find("expiration");
  bool has_expiration = expiration != role->end() && expiration->is_number();
  double ms = has_expiration ? expiration->get<double>() : 0;
  WipeJson(doc);
  if (out.keys.access_key_id.empty() || out.keys.secret_access_key.empty()) {
    throw Error::Failure(what + ": IAM Identity Center answered incomplete roleCredentials");
  }
  if (!has_expiration || !(ms > 0 && ms < 1e15)) {
    throw Error::Failure(what + ": IAM Identity Center answered no usable expiration");
  }
  out.expires_at = static_cast<int64_t>(ms / 1000);
  return out;
}

std::vector<std::string> SplitCommandLine(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word), word.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 < line.size()) word.push_back(line[++i]);
      continue;
    }
    if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string::npos) throw Error::BadInput("credential_process has an unclosed ' quote");
      word += line.substr(i + 1, end - i - 1);
      i = end;
      continue;
    }
    if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() &&
            (line[j + 1] == '"' || line[j + 1] == '\\' || line[j + 1] == '$' || line[j + 1] == '`')) {
          ++j;
        }
        word.push_back(line[j]);
      }
      if (j >= line.size()) throw Error::BadInput("credential_process has an unclosed \" quote");
      i = j;
      continue;
    }
    word.push_back(c);
  }
  if (in_word) words.push_back(word);
  return words;
}

std::optional<AwsSessionCredentials> RunAwsChain(const AwsChainPlan& plan, AwsChainContext& c) {
  std::optional<AwsSessionCredentials> current;
  const AwsBaseSource& s = plan.base;
  switch (s.kind) {
    case AwsBaseSource::Kind::kStatic:
      current.emplace();
      current->keys.access_key_id = s.keys.access_key_id;
      current->keys.secret_access_key = SecretString(s.keys.secret_access_key.str());
      current->keys.session_token = SecretString(s.keys.session_token.str());
      break;
    case AwsBaseSource::Kind::kWebIdentity:
      current = WebIdentityRole(c, s);
      break;
    case AwsBaseSource::Kind::kProcess:
      current = Process(c, s);
      break;
    case AwsBaseSource::Kind::kSso:
      current = Sso(c, s);
      break;
    case AwsBaseSource::Kind::kContainer:
      current = Container(c, s);
      break;
    case AwsBaseSource::Kind::kInstanceMetadata: {
      InstanceMetadata imds(c, s);
      current = imds.Get();
      if (!current) return std::nullopt;
      break;
    }
  }
  std::string source = current->keys.source.empty() ? s.description : current->keys.source;
  for (const AwsRoleStep& role : plan.roles) {
    AwsSessionCredentials next = AssumeRole(c, role, current->keys);
    current = std::move(next);
    source += ", then role " + role.role_arn;
  }
  current->keys.source = source;
  return current;
}

}  // namespace ssm
