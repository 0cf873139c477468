#include "helper/kubelet.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "common/error.h"
#include "common/log.h"
#include "common/secret_json.h"
#include "common/server_key.h"
#include "helper/protocol.h"
#include "providers/provider.h"
#include "providers/provider_table.h"

namespace ssm {
namespace {

constexpr const char* kApiVersions[] = {"credentialprovider.kubelet.k8s.io/v1",
                                        "credentialprovider.kubelet.k8s.io/v1beta1",
                                        "credentialprovider.kubelet.k8s.io/v1alpha1"};
constexpr size_t kMaxImageBytes = 4096;
constexpr size_t kMaxNameBytes = 255;  // docker's limit on a repository name
constexpr int64_t kDefaultStaticCacheSeconds = 300;
constexpr int kDefaultTimeoutSeconds = 50;
constexpr const char* kDefaultRoleAnnotation = "eks.amazonaws.com/role-arn";
constexpr const char* kDefaultGoogleProviderAnnotation = "docker-credential-ssm/gcp-workload-identity-provider";
constexpr const char* kDefaultGoogleAccountAnnotation = "iam.gke.io/gcp-service-account";
// Azure Workload Identity's own keys (its webhook reads the same ones).
constexpr const char* kDefaultAzureClientAnnotation = "azure.workload.identity/client-id";
constexpr const char* kDefaultAzureTenantAnnotation = "azure.workload.identity/tenant-id";

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsLower(c) || IsUpper(c) || IsDigit(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// A DNS name of letters, digits and hyphens, or a bracketed IPv6 address,
// then an optional :port.
bool IsRegistryHost(const std::string& h) {
  if (h.empty() || h.size() > 253 + 6) return false;
  std::string name = h;
  size_t colon = std::string::npos;
  if (h[0] == '[') {
    size_t close = h.find(']');
    if (close == std::string::npos || close < 3) return false;
    for (size_t i = 1; i < close; ++i) {
      if (!IsHex(h[i]) && h[i] != ':') return false;
    }
    if (close + 1 == h.size()) return true;
    if (h[close + 1] != ':') return false;
    colon = close + 1;
  } else {
    colon = h.find(':');
    name = h.substr(0, colon);
    if (name.empty() || name.size() > 253) return false;
    size_t start = 0;
    while (start <= name.size()) {
      size_t dot = name.find('.', start);
      std::string label = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
      for (char c : label) {
        if (!IsAlnum(c) && c != '-') return false;
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  if (colon == std::string::npos) return true;
  std::string port = h.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  long n = std::strtol(port.c_str(), nullptr, 10);
  return n >= 1 && n <= 65535;
}

// A path component: lower-case letters and digits, separated by '.', '_',
// '__' or hyphens, as docker's reference grammar has it.
bool IsPathComponent(const std::string& c) {
  if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (IsLower(ch) || IsDigit(ch) || ch == '-') continue;
    if (ch == '.' || ch == '_') {
      bool next_sep = i + 1 < c.size() && (c[i + 1] == '.' || c[i + 1] == '-');
      if (next_sep || (i > 0 && c[i - 1] == '.')) return false;
      if (ch == '_' && i + 2 < c.size() && c[i + 1] == '_' && c[i + 2] == '_') return false;
      continue;
    }
    return false;
  }
  return true;
}

bool IsTag(const std::string& t) {
  if (t.empty() || t.size() > 128) return false;
  if (!IsAlnum(t[0]) && t[0] != '_') return false;
  for (char c : t) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// algorithm:hex, e.g. sha256:<64 hex>.
bool IsDigest(const std::string& d) {
  size_t colon = d.find(':');
  if (colon == std::string::npos || colon == 0 || d.size() - colon - 1 < 32) return false;
  for (size_t i = 0; i < colon; ++i) {
    if (!IsLower(d[i]) && !IsDigit(d[i]) && d[i] != '+' && d[i] != '.' && d[i] != '_' && d[i] != '-') return false;
  }
  for (size_t i = colon + 1; i < d.size(); ++i) {
    if (!IsHex(d[i])) return false;
  }
  return true;
}

const Settings::Kubelet& KubeletSettings(const KubeletContext& context) {
  static const Settings::Kubelet unset;
  return context.settings != nullptr ? context.settings->kubelet() : unset;
}

std::string Or(const std::string& value, const char* fallback) { return value.empty() ? fallback : value; }

int64_t StaticCacheSeconds(const KubeletContext& context) {
  const std::string& text = KubeletSettings(context).cache_duration;
  if (text.empty()) return kDefaultStaticCacheSeconds;
  int64_t seconds = 0;
  if (!ParseGoDuration(text, &seconds)) {
    throw Error::BadInput("SSM_KUBELET_CACHE_DURATION must be a duration like 5m, 1h or 90s");
  }
  return seconds;
}

const std::string* ReadStringField(const nlohmann::json& doc, const char* name, bool required) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) {
    if (required) throw Error::BadInput(std::string("kubelet: the request has no \"") + name + "\"");
    return nullptr;
  }
  if (!it->is_string()) throw Error::BadInput(std::string("kubelet: the request's \"") + name + "\" must be a string");
  return &it->get_ref<const std::string&>();
}

// The value of the pod's annotation name, or ""; *key (when given) is set to
// that annotation's key.
std::string PodAnnotation(const nlohmann::json& request, const std::string& name, std::string* key = nullptr) {
  if (key != nullptr) *key = name;
  auto it = request.find("serviceAccountAnnotations");
  if (it == request.end() || it->is_null()) return "";
  if (!it->is_object()) throw Error::BadInput("kubelet: the request's \"serviceAccountAnnotations\" must be an object");
  auto value = it->find(name);
  if (value == it->end() || !value->is_string()) return "";
  return value->get<std::string>();
}

extern "C" void KubeletTimedOut(int) {
  static const char kLine[] = "docker-credential-ssm: kubelet: no answer within SSM_KUBELET_TIMEOUT; giving up\n";
  ssize_t ignored = write(2, kLine, sizeof kLine - 1);
  (void)ignored;
  _exit(1);
}

// Bounds the whole answer (a token service that hangs included) well under
// the kubelet's one-minute limit.
void ArmDeadline(KubeletContext& context) {
  const std::string& text = KubeletSettings(context).timeout;
  int seconds = kDefaultTimeoutSeconds;
  if (!text.empty()) {
    if (text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos || std::atoi(text.c_str()) < 1) {
      throw Error::BadInput("SSM_KUBELET_TIMEOUT must be whole seconds from 1 to 999");
    }
    seconds = std::atoi(text.c_str());
  }
  // Each remote call well inside the deadline, unless set otherwise.
  if (context.settings != nullptr) context.settings->UseHttpTimeoutDefault((seconds < 30 ? (seconds + 2) / 3 : 10) * 1000L);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = KubeletTimedOut;
  sigaction(SIGALRM, &sa, nullptr);
  alarm(static_cast<unsigned>(seconds));
}

void PrintUsage(std::ostream& out) {
  out << "Usage: docker-credential-ssm kubelet [--config FILE]   (a CredentialProviderRequest on stdin)\n"
      << "       docker-credential-ssm kubelet config            (prints a CredentialProviderConfig)\n";
}

}  // namespace

bool ImageRegistry(const std::string& image, std::string* host) {
  if (image.empty() || image.size() > kMaxImageBytes) return false;
  for (char c : image) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  std::string name = image;
  size_t at = image.find('@');
  if (at != std::string::npos) {
    if (!IsDigest(image.substr(at + 1))) return false;
    name = image.substr(0, at);
  }
  // A tag after the last '/'.
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    if (!IsTag(name.substr(colon + 1))) return false;
    name = name.substr(0, colon);
  }
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  std::string registry = "docker.io";
  std::string path = name;
  size_t first = name.find('/');
  if (first != std::string::npos) {
    std::string head = name.substr(0, first);
    bool is_host = head.find_first_of(".:") != std::string::npos || head == "localhost" || head[0] == '[';
    for (char c : head) is_host = is_host || IsUpper(c);
    if (is_host) {
      if (!IsRegistryHost(head)) return false;
      registry = head;
      path = name.substr(first + 1);
    }
  }
  size_t start = 0;
  while (true) {
    size_t next = path.find('/', start);
    if (!IsPathComponent(path.substr(start, next == std::string::npos ? std::string::npos : next - start))) return false;
    if (next == std::string::npos) break;
    start = next + 1;
  }
  *host = registry;
  return true;
}

std::string GoDuration(int64_t seconds) {
  if (seconds <= 0) return "0s";
  int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(s) + "s";
  if (m > 0) return std::to_string(m) + "m" + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

bool ParseGoDuration(const std::string& text, int64_t* seconds) {
  if (text.empty() || text.size() > 32) return false;
  if (text == "0") {
    *seconds = 0;
    return true;
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == digits || i == text.size() || i - digits > 9) return false;
    int64_t n = std::strtoll(text.substr(digits, i - digits).c_str(), nullptr, 10);
    char unit = text[i++];
    if (unit == 'h') {
      total += n * 3600;
    } else if (unit == 'm') {
      if (i < text.size() && text[i] == 's') return false;  // ms: less than a second
      total += n * 60;
    } else if (unit == 's') {
      total += n;
    } else {
      return false;
    }
  }
  *seconds = total;
  return true;
}

std::string KubeletAnswer(const std::string& request_text, KubeletContext& context) {
  if (JsonTooDeep(request_text)) throw Error::BadInput("kubelet: the request is nested too deeply");
  WipedJson wiped;
  nlohmann::json& request = wiped.value;
  try {
    request = nlohmann::json::parse(request_text);
  } catch (const nlohmann::json::exception&) {
    throw Error::BadInput("kubelet: stdin is not a JSON CredentialProviderRequest");
  }
  if (!request.is_object()) throw Error::BadInput("kubelet: stdin is not a JSON CredentialProviderRequest");
  const std::string* api_version = ReadStringField(request, "apiVersion", true);
  bool known = false;
  for (const char* v : kApiVersions) known = known || *api_version == v;
  if (!known) {
    throw Error::BadInput("kubelet: unsupported apiVersion; expected credentialprovider.kubelet.k8s.io/v1, v1beta1 or v1alpha1");
  }
  const std::string* kind = ReadStringField(request, "kind", true);
  if (*kind != "CredentialProviderRequest") throw Error::BadInput("kubelet: kind must be CredentialProviderRequest");
  const std::string* image = ReadStringField(request, "image", true);
  const std::string* sa_token = ReadStringField(request, "serviceAccountToken", false);
  RegistryConfig pod;
  if (sa_token != nullptr && !sa_token->empty()) {
    // Empty values leave that cloud with no source (never the node's identity).
    const Settings::Kubelet& names = KubeletSettings(context);
    pod.values[kPodRoleArn] = PodAnnotation(request, Or(names.aws_role_annotation, kDefaultRoleAnnotation),
                                            &pod.values[kPodRoleArnAnnotation]);
    pod.values[kPodGoogleAudience] =
        PodAnnotation(request, Or(names.gcp_provider_annotation, kDefaultGoogleProviderAnnotation));
    pod.values[kPodGoogleServiceAccount] =
        PodAnnotation(request, Or(names.gcp_account_annotation, kDefaultGoogleAccountAnnotation));
    pod.values[kPodAzureClientId] = PodAnnotation(request, Or(names.azure_client_annotation, kDefaultAzureClientAnnotation),
                                                  &pod.values[kPodAzureClientIdAnnotation]);
    pod.values[kPodAzureTenantId] = PodAnnotation(request, Or(names.azure_tenant_annotation, kDefaultAzureTenantAnnotation),
                                                  &pod.values[kPodAzureTenantIdAnnotation]);
    pod.secrets[kPodWebIdentityToken] = SecretString(*sa_token);
  }

  std::string host;
  LookupAnswer found;
  int64_t now = context.now();
  if (!ImageRegistry(*image, &host)) {
    SSM_DEBUG("kubelet: not an image reference; answering no credentials");
  } else {
    ServerKey server;
    if (!TryNormalizeServer(host, &server)) {
      SSM_DEBUG("kubelet: " + host + " is not a registry this helper can name; answering no credentials");
    } else if (pod.Has(kPodWebIdentityToken)) {
      // The pod's own identity for the clouds; a static login as without it.
      CredentialLookup& lookup = context.lookup();
      found = lookup.FromStore(server, nullptr);
      if (!found.credential) found = lookup.FromRegistriesWith(server, pod);
    } else {
      found = context.lookup().Find(server, false);
    }
  }

  WipedOrderedJson wiped_answer;
  nlohmann::ordered_json& answer = wiped_answer.value;
  answer["apiVersion"] = *api_version;
  answer["kind"] = "CredentialProviderResponse";
  answer["cacheKeyType"] = "Registry";
  int64_t cache_seconds = 0;
  if (found.credential) {
    cache_seconds = found.minted ? (found.expires_at - now) / 2 : StaticCacheSeconds(context);
  }
  answer["cacheDuration"] = GoDuration(cache_seconds);
  answer["auth"] = nlohmann::ordered_json::object();
  if (found.credential) {
    answer["auth"][host] = {{"username", found.credential->username}, {"password", found.credential->secret.str()}};
  }
  SSM_DEBUG("kubelet: " + host + ": " + LookupSourceName(found.source) + ", cached by the kubelet for " +
            GoDuration(cache_seconds));
  try {
    return answer.dump();
  } catch (const nlohmann::json::type_error&) {
    throw Error::Failure("kubelet: the user name or password for " + host + " is not valid UTF-8");
  }
}

std::string KubeletProviderConfig(const std::vector<std::string>& configured_hosts) {
  // The hosts the providers serve unconfigured or by pattern, then the
  // configured ones (kubelet globs: '*' stands for part of one DNS label).
  std::vector<std::string> images;
  for (const Provider* p : ProviderTable()) {
    for (const std::string& glob : p->KubeletImages()) images.push_back(glob);
  }
  std::set<std::string> seen(images.begin(), images.end());
  for (const std::string& h : configured_hosts) {
    // Docker Hub's key is a URL; the kubelet names its images docker.io/...
    std::vector<std::string> names = {h};
    if (h == kDockerHubKey) names = {"docker.io", "index.docker.io", "registry-1.docker.io"};
    for (const std::string& name : names) {
      if (name.find("://") != std::string::npos || name.rfind(kInternalKeyPrefix, 0) == 0) continue;
      if (seen.insert(name).second) images.push_back(name);
    }
  }
  nlohmann::ordered_json provider;
  provider["name"] = "docker-credential-ssm";
  provider["matchImages"] = images;
  provider["defaultCacheDuration"] = GoDuration(kDefaultStaticCacheSeconds);
  provider["apiVersion"] = kApiVersions[0];
  provider["args"] = {"kubelet"};
  provider["env"] = nlohmann::ordered_json::array(
      {{{"name", "SSM_CONFIG"}, {"value", "/etc/docker-credential-ssm/config.json"}}});
  nlohmann::ordered_json config;
  config["apiVersion"] = "kubelet.config.k8s.io/v1";
  config["kind"] = "CredentialProviderConfig";
  config["providers"] = nlohmann::ordered_json::array({provider});
  return config.dump(2);
}

int RunKubelet(const std::vector<std::string>& args, KubeletContext& context) {
  std::ostream& out = *context.out;
  std::ostream& err = *context.err;
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    PrintUsage(out);
    return 0;
  }
  try {
    if (args.size() == 1 && args[0] == "config") {
      out << KubeletProviderConfig(context.configured_hosts()) << "\n";
      return 0;
    }
    if (!args.empty()) {
      PrintUsage(err);
      return 2;
    }
    ArmDeadline(context);
    std::string request = ReadBoundedInput(*context.in, "kubelet");
    std::string text = KubeletAnswer(request, context);
    Cleanse(request);
    // All at once: never part of an answer.
    out << text << "\n";
    out.flush();
    Cleanse(text);
    return 0;
  } catch (const Error& e) {
    err << "docker-credential-ssm: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ssm
