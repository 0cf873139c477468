#include "providers/provider.h"

#include "common/base64.h"
#include "common/error.h"

namespace ssm {
namespace {

const std::string kEmpty;

[[noreturn]] void Refuse(const RegistryConfig& c, const std::string& why) {
  throw Error::BadInput(c.Id() + ": " + why);
}

}  // namespace

bool RegistryConfig::Has(const std::string& variable) const {
  auto v = values.find(variable);
  if (v != values.end() && !v->second.empty()) return true;
  auto s = secrets.find(variable);
  return s != secrets.end() && !s->second.empty();
}

const std::string& RegistryConfig::Get(const std::string& variable) const {
  auto v = values.find(variable);
  if (v != values.end()) return v->second;
  auto s = secrets.find(variable);
  if (s != secrets.end()) return s->second.str();
  return kEmpty;
}

Provider::~Provider() = default;

std::optional<std::string> Provider::ProbeServer(const RegistryConfig& c) const {
  std::vector<std::string> hosts = Hosts(c);
  if (hosts.empty()) return std::nullopt;
  return hosts.front();
}

std::string Provider::HostsDescription(const RegistryConfig& c) const {
  std::string out;
  for (const std::string& h : Hosts(c)) out += (out.empty() ? "" : " ") + h;
  return out.empty() ? "-" : out;
}

std::string Provider::ListedUser(const RegistryConfig& c) const {
  for (const char* v : {"login", "username", "clientid"}) {
    if (c.Has(v) && FindVariable(v) && !FindVariable(v)->secret) return c.Get(v);
  }
  return "";
}

std::vector<VariableSpec> CommonVariables() {
  return {{"cacert", false, "PEM CA certificate(s) trusted for this registry's HTTPS calls (self-signed registries)"}};
}

std::vector<VariableSpec> Provider::AllVariables() const {
  std::vector<VariableSpec> all = Variables();
  for (const VariableSpec& v : CommonVariables()) all.push_back(v);
  return all;
}

std::optional<VariableSpec> Provider::FindVariable(const std::string& name) const {
  for (const VariableSpec& v : AllVariables()) {
    if (name == v.name) return v;
  }
  return std::nullopt;
}

void RequireVariable(const RegistryConfig& c, const char* variable) {
  if (!c.Has(variable)) Refuse(c, std::string("the variable ") + variable + " is required");
}

void RequireTogether(const RegistryConfig& c, const char* a, const char* b) {
  if (c.Has(a) && !c.Has(b)) Refuse(c, std::string(a) + " needs " + b + " (set both or neither)");
  if (c.Has(b) && !c.Has(a)) Refuse(c, std::string(b) + " needs " + a + " (set both or neither)");
}

void RequireAllOrNone(const RegistryConfig& c, const std::vector<const char*>& variables) {
  std::string all, missing;
  bool any = false;
  for (const char* v : variables) {
    all += (all.empty() ? "" : ", ") + std::string(v);
    if (c.Has(v)) {
      any = true;
    } else {
      missing += (missing.empty() ? "" : ", ") + std::string(v);
    }
  }
  if (any && !missing.empty()) {
    Refuse(c, missing + (missing.find(',') == std::string::npos ? " is" : " are") + " missing: set all of " + all +
                  " or none");
  }
}

void RequireUrl(const RegistryConfig& c, const char* variable) {
  if (!c.Has(variable)) return;
  const std::string& url = c.Get(variable);
  if (url.find("://") == std::string::npos) {
    Refuse(c, std::string(variable) + " must be a URL with a scheme, like https://registry.example.com");
  }
  ServerKey key;
  if (!TryNormalizeServer(url, &key)) {
    try {
      NormalizeServer(url);
    } catch (const Error& e) {
      Refuse(c, std::string(variable) + " is not a valid URL (" + e.what() + ")");
    }
  }
}

Credential DecodeAuth(const std::string& auth, const std::string& provider) {
  SecretString decoded;
  if (!Base64Decode(auth, &decoded.mutable_str())) {
    throw Error::BadInput(provider + ": auth is not valid base64 (expected base64 of user:password)");
  }
  std::string& d = decoded.mutable_str();
  while (!d.empty() && d.back() == '\0') d.pop_back();
  size_t colon = d.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw Error::BadInput(provider + ": auth must be base64 of user:password (no user:password inside)");
  }
  return MakeCredential(d.substr(0, colon), d.substr(colon + 1));
}

void ValidateAuth(const RegistryConfig& c, const std::vector<const char*>& excluded) {
  if (!c.Has("auth")) return;
  for (const char* v : excluded) {
    if (c.Has(v)) Refuse(c, std::string("auth excludes ") + v + " (give auth alone, or login and password)");
  }
  DecodeAuth(c.Get("auth"), c.Id());
}

ServerKey UrlServer(const RegistryConfig& c, const char* variable) {
  try {
    return NormalizeServer(c.Get(variable));
  } catch (const Error& e) {
    Refuse(c, std::string(variable) + " is not a valid URL (" + e.what() + ")");
  }
}

Credential MakeCredential(const std::string& username, const std::string& secret) {
  Credential c;
  c.username = username;
  c.secret = SecretString(secret);
  return c;
}

}  // namespace ssm

namespace ssm {

bool ServesUrl(const RegistryConfig& c, const ServerKey& server, const char* variable) {
  if (!c.Has(variable)) return false;
  ServerKey key;
  return TryNormalizeServer(c.Get(variable), &key) && key.key == server.key;
}

std::vector<std::string> UrlHosts(const RegistryConfig& c, const char* variable) {
  ServerKey key;
  if (c.Has(variable) && TryNormalizeServer(c.Get(variable), &key)) return {key.key};
  return {};
}

std::optional<Credential> LoginOrAuth(const RegistryConfig& c, const char* password_alias) {
  if (c.Has("auth")) return DecodeAuth(c.Get("auth"), c.Id());
  if (!c.Has("login")) return std::nullopt;
  const char* secret = c.Has("password") || password_alias == nullptr ? "password" : password_alias;
  return MakeCredential(c.Get("login"), c.Get(secret));
}

}  // namespace ssm
