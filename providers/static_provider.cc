#include "providers/static_provider.h"

#include "common/error.h"
#include "providers/host_match.h"

namespace ssm {

std::optional<ServerKey> StaticProvider::UrlKey(const RegistryConfig& c) const {
  const char* var = spec_.url_variable;
  std::string url = c.Has(var) ? c.Get(var) : spec_.default_url ? spec_.default_url : "";
  ServerKey key;
  if (url.empty() || !TryNormalizeServer(url, &key)) return std::nullopt;
  return key;
}

bool StaticProvider::Serves(const ServerKey& server, const RegistryConfig& c) const {
  if (spec_.docker_hub) return server.docker_hub;
  if (spec_.host) return IsHost(server, spec_.host);
  std::optional<ServerKey> key = UrlKey(c);
  return key && key->key == server.key;
}

std::vector<std::string> StaticProvider::Hosts(const RegistryConfig& c) const {
  if (spec_.docker_hub) return {kDockerHubKey};
  if (spec_.host) return {spec_.host};
  std::optional<ServerKey> key = UrlKey(c);
  if (key) return {key->key};
  return {};
}

void StaticProvider::Validate(const RegistryConfig& c) const {
  const LoginRule& rule = spec_.login;
  if (spec_.url_variable) {
    if (!spec_.default_url) RequireVariable(c, spec_.url_variable);
    RequireUrl(c, spec_.url_variable);
  }
  for (const char* v : spec_.more_urls) RequireUrl(c, v);
  if (rule.compose_user) {
    RequireAllOrNone(c, rule.all_or_none);
    return;
  }
  if (rule.auth) {
    if (rule.alias) {
      ValidateAuth(c, {rule.user, rule.secret, rule.alias});
    } else {
      ValidateAuth(c, {rule.user, rule.secret});
    }
  }
  bool by_auth = rule.auth && c.Has("auth");
  if (rule.required && !by_auth) {
    if (!rule.default_user) RequireVariable(c, rule.user);
    RequireVariable(c, rule.secret);
  }
  if (rule.default_user) return;
  if (!rule.alias) {
    RequireTogether(c, rule.user, rule.secret);
    return;
  }
  const std::string secret = rule.secret;
  const std::string alias = rule.alias;
  if (c.Has(secret) && c.Has(alias)) {
    throw Error::BadInput(c.Id() + ": " + alias + " is " + rule.alias_is + ": give one of them");
  }
  bool has_secret = c.Has(secret) || c.Has(alias);
  if (c.Has(rule.user) && !has_secret) {
    throw Error::BadInput(c.Id() + ": " + rule.user + " needs " + secret + " (or " + alias + ")");
  }
  if (has_secret && !c.Has(rule.user)) {
    throw Error::BadInput(c.Id() + ": " + (c.Has(alias) ? alias : secret) + " needs " + rule.user);
  }
}

std::optional<Credential> StaticProvider::Credentials(const RegistryConfig& c, const ServerKey&,
                                                      ProviderContext&) const {
  const LoginRule& rule = spec_.login;
  if (rule.auth && c.Has("auth")) return DecodeAuth(c.Get("auth"), c.Id());
  const char* secret = c.Has(rule.secret) ? rule.secret : rule.alias && c.Has(rule.alias) ? rule.alias : nullptr;
  if (!secret) return std::nullopt;
  return MakeCredential(ListedUser(c), c.Get(secret));
}

std::string StaticProvider::ListedUser(const RegistryConfig& c) const {
  const LoginRule& rule = spec_.login;
  if (rule.compose_user) return rule.compose_user(c);
  if (c.Has(rule.user)) return c.Get(rule.user);
  return rule.default_user ? rule.default_user : "";
}

}  // namespace ssm
