#include "helper/registry_command.h"

#include <algorithm>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "common/error.h"
#include "common/files.h"
#include "common/module_abi.h"
#include "common/secure.h"
#include "common/utf8.h"
#include "helper/config.h"
#include "helper/protocol.h"
#include "net/net_module.h"
#include "providers/provider_table.h"
#include "providers/registry_settings.h"
#include "providers/token_cache.h"
#include "providers/token_provider.h"

namespace ssm {
namespace {

constexpr char kSecretsUser[] = "docker-credential-ssm";

[[noreturn]] void Usage(const std::string& message) { throw Error(Error::Kind::kUsage, message, 2); }

struct Target {
  const Provider* provider;
  std::string name;
  std::string Id() const { return name.empty() ? provider->Name() : std::string(provider->Name()) + "/" + name; }
};

// provider [name] from the front of args; removes them.
Target TakeTarget(std::vector<std::string>& args, const char* command) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    Usage(std::string("registry ") + command + ": name a provider (" + ProviderNames() + ")");
  }
  Target t;
  std::string provider = args[0];
  size_t slash = provider.find('/');
  if (slash != std::string::npos) {  // "custom/lab" is accepted too
    t.name = provider.substr(slash + 1);
    provider = provider.substr(0, slash);
  }
  t.provider = FindProvider(provider);
  if (t.provider == nullptr) {
    Usage("registry " + std::string(command) + ": unknown provider \"" + provider + "\" (known: " + ProviderNames() +
          ")");
  }
  args.erase(args.begin());
  if (slash == std::string::npos && !args.empty() && args[0].rfind("--", 0) != 0) {
    t.name = args[0];
    args.erase(args.begin());
  }
  try {
    CheckInstanceName(t.name);
  } catch (const Error& e) {
    Usage(e.what());
  }
  return t;
}

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::vector<std::string> EnvironmentVariablesFor(char** environment, const std::string& id) {
  std::string provider, name;
  ParseRegistryId(id, &provider, &name);
  std::string prefix = "SSM_REGISTRY_";
  for (char c : provider + (name.empty() ? "" : "_" + name)) {
    prefix.push_back(static_cast<char>((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c));
  }
  prefix += "_";
  std::vector<std::string> found;
  for (char** e = environment; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.rfind(prefix, 0) != 0) continue;
    std::string var = entry.substr(0, entry.find('='));
    // SSM_REGISTRY_CUSTOM_X is provider custom, instance "" only when X is a variable.
    if (name.empty() && var.substr(prefix.size()).find('_') != std::string::npos &&
        var.find("__FILE") == std::string::npos) {
      continue;
    }
    found.push_back(var);
  }
  return found;
}

// Reads --variable values: "--v value", "--v=value", "--v -" (stdin), "--v-file path",
// or "--v" alone (asked for on the terminal).
RegistryConfig ParseVariables(const Target& target, const std::vector<std::string>& args, CommandContext& ctx) {
  RegistryConfig config;
  config.provider = target.provider->Name();
  config.name = target.name;
  bool stdin_used = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() < 3) Usage("registry add: unexpected argument \"" + arg + "\"");
    std::string var = arg.substr(2);
    std::optional<std::string> inline_value;
    size_t eq = var.find('=');
    if (eq != std::string::npos) {
      inline_value = var.substr(eq + 1);
      var = var.substr(0, eq);
    }
    bool from_file = false;
    if (!target.provider->FindVariable(var) && var.size() > 5 && var.compare(var.size() - 5, 5, "-file") == 0) {
      var.resize(var.size() - 5);
      from_file = true;
    }
    auto spec = target.provider->FindVariable(var);
    if (!spec) {
      std::string known;
      for (const VariableSpec& v : target.provider->AllVariables()) known += (known.empty() ? "--" : ", --") + std::string(v.name);
      Usage("registry add: " + target.Id() + " has no variable \"" + var + "\" (it takes " + known + ")");
    }
    if (config.values.count(var) || config.secrets.count(var)) Usage("registry add: --" + var + " is given twice");
    std::optional<std::string> value = inline_value;
    if (!value && i + 1 < args.size() && (args[i + 1] == "-" || args[i + 1].rfind("--", 0) != 0)) {
      value = args[++i];
    }
    SecretString text;
    if (from_file) {
      if (!value) Usage("registry add: --" + var + "-file needs a path");
      auto content = ReadTextFile(*value, 1u << 20);
      if (!content) throw Error::BadInput("registry add: --" + var + "-file: " + *value + " does not exist");
      text = SecretString(std::move(*content));
    } else if (value && *value == "-") {
      if (stdin_used) Usage("registry add: only one variable can be read from stdin");
      stdin_used = true;
      text = SecretString(ReadBoundedInput(*ctx.in, "registry add"));
    } else if (value) {
      text = SecretString(*value);
      if (spec->secret) {
        *ctx.err << "docker-credential-ssm: warning: --" << var
                 << " on the command line is visible to other processes (ps, shell history); prefer --" << var
                 << " - (stdin) or --" << var << "-file PATH\n";
      }
    } else {
      std::string entered;
      if (!ctx.prompt || !ctx.prompt(target.Id() + " " + var + ": ", &entered)) {
        Usage("registry add: --" + var + " needs a value: give it, or - to read stdin, or --" + var +
              "-file PATH (no terminal to ask on)");
      }
      text = SecretString(std::move(entered));
    }
    // Values from files and stdin end with a newline that is not part of them.
    std::string& t = text.mutable_str();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    if (t.empty()) throw Error::BadInput("registry add: " + target.Id() + ": " + var + " is empty");
    if (t.find('\0') != std::string::npos) throw Error::BadInput("registry add: " + var + " contains a NUL byte");
    if (!IsValidUtf8(t)) {
      throw Error::BadInput("registry add: " + target.Id() + ": " + var +
                            " is not valid UTF-8 text (a credential helper answers in JSON, which cannot carry it)");
    }
    if (spec->secret) {
      config.secrets[var] = std::move(text);
    } else {
      config.values[var] = t;
    }
  }
  return config;
}

nlohmann::json ReadConfigDocument(const std::string& path) { return LoadConfigFrom(path).document; }

// Writes the config document and keeps the secret item in step with it; if
// the file cannot be written, the store item is put back as it was.
void Commit(CommandContext& ctx, const std::string& id, const std::optional<nlohmann::json>& entry,
            const std::map<std::string, SecretString>& secrets) {
  std::string dir = DirName(ctx.config_path);
  EnsurePrivateDir(dir);
  FileLock lock(dir + "/config.lock");
  nlohmann::json doc = ReadConfigDocument(ctx.config_path);
  SecretStore& store = ctx.store();
  std::string key = SecretsKey(id);
  std::optional<Credential> before = store.Get(key);
  if (!secrets.empty()) {
    Credential item;
    item.username = kSecretsUser;
    item.secret = EncodeStoredSecrets(secrets);
    store.Put(key, item);
  } else if (before) {
    store.Erase(key);
  }
  try {
    if (!doc.contains("registries") || !doc["registries"].is_object()) doc["registries"] = nlohmann::json::object();
    if (entry) {
      doc["registries"][id] = *entry;
    } else {
      doc["registries"].erase(id);
    }
    WriteFileAtomic(ctx.config_path, doc.dump(2) + "\n");
  } catch (...) {
    if (before) {
      store.Put(key, *before);
    } else if (!secrets.empty()) {
      store.Erase(key);
    }
    throw;
  }
}

// Two configurations for one server would leave `get` to pick one of them:
// refused, naming the one already there.
void RefuseSharedHosts(const Target& target, const RegistryConfig& config, CommandContext& ctx) {
  Config current = LoadConfigFrom(ctx.config_path);
  std::vector<ConfiguredRegistry> registries = LoadRegistries(current.document, current.path, ctx.environment);
  for (const std::string& host : target.provider->Hosts(config)) {
    ServerKey server = NormalizeServer(host);
    for (ConfiguredRegistry& other : registries) {
      if (other.config.Id() == target.Id()) continue;
      std::vector<std::string> other_hosts = other.provider->Hosts(other.config);
      if (std::find(other_hosts.begin(), other_hosts.end(), server.key) != other_hosts.end()) {
        throw Error::BadInput(target.Id() + ": " + other.config.Id() + " already serves " + server.key +
                              " (remove it first, or configure " + other.config.Id() + " instead)");
      }
    }
  }
}

int Add(std::vector<std::string> args, CommandContext& ctx) {
  Target target = TakeTarget(args, "add");
  RegistryConfig config = ParseVariables(target, args, ctx);
  target.provider->Validate(config);
  RefuseSharedHosts(target, config, ctx);
  // A configuration that could never be reached is refused too.
  nlohmann::json entry = nlohmann::json::object();
  for (const auto& [k, v] : config.values) entry[k] = v;
  std::vector<std::string> secret_names;
  for (const auto& [k, v] : config.secrets) secret_names.push_back(k);
  if (!secret_names.empty()) entry["stored_secrets"] = secret_names;
  Commit(ctx, target.Id(), entry, config.secrets);
  std::vector<std::string> hosts = target.provider->Hosts(config);
  *ctx.out << target.Id() << ": configured";
  if (!hosts.empty()) *ctx.out << " for " << Join(hosts);
  if (!secret_names.empty()) *ctx.out << "; " << Join(secret_names) << " kept in the " << ctx.store().Name() << " store";
  *ctx.out << "\n";
  auto env = EnvironmentVariablesFor(ctx.environment, target.Id());
  if (!env.empty()) {
    *ctx.err << "docker-credential-ssm: warning: " << Join(env)
             << " set in the environment override this configuration\n";
  }
  return 0;
}

// "ok", or what is wrong with a configuration (checked with its stored secrets).
std::string Status(ConfiguredRegistry r, CommandContext& ctx) {
  try {
    LoadStoredSecrets(r, ctx.store());
    r.provider->Validate(r.config);
    return "ok";
  } catch (const Error& e) {
    return std::string("invalid: ") + e.what();
  }
}

std::string HostsText(const ConfiguredRegistry& r) { return r.provider->HostsDescription(r.config); }

int List(std::vector<std::string> args, CommandContext& ctx, Config& config) {
  bool json = false;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else {
      Usage("registry list: unexpected argument \"" + a + "\"");
    }
  }
  std::vector<ConfiguredRegistry> registries = LoadRegistries(config.document, config.path, ctx.environment);
  nlohmann::json rows = nlohmann::json::array();
  for (const Provider* p : ProviderTable()) {
    bool any = false;
    for (ConfiguredRegistry& r : registries) {
      if (r.provider != p) continue;
      any = true;
      std::vector<std::string> set;
      for (const auto& [k, v] : r.config.values) set.push_back(k);
      for (const auto& [k, v] : r.config.secrets) set.push_back(k + " (secret, environment)");
      for (const std::string& s : r.stored_secrets) {
        if (!r.config.secrets.count(s)) set.push_back(s + " (secret, store)");
      }
      std::string status = Status(r, ctx);
      std::string identity;
      try {
        identity = status == "ok" ? p->IdentitySource(r.config) : "";
      } catch (const Error& e) {
        status = std::string("invalid: ") + e.what();
      }
      if (!identity.empty()) status += "; credentials: " + identity;
      rows.push_back({{"registry", r.config.Id()},
                      {"provider", p->Name()},
                      {"name", r.config.name},
                      {"hosts", HostsText(r)},
                      {"variables", set},
                      {"sources", r.config.sources},
                      {"anonymous", false},
                      {"identity", identity},
                      {"status", status}});
    }
    if (any) continue;
    // Not configured: anonymous by default, or served with a cloud identity
    // (ECR); either way, say which identity would answer.
    RegistryConfig empty;
    empty.provider = p->Name();
    std::string identity, status = p->AnonymousByDefault() ? "anonymous (default)" : "unconfigured";
    try {
      identity = p->IdentitySource(empty);
      if (!identity.empty()) status += "; credentials: " + identity;
    } catch (const Error& e) {
      identity = "-";
      status += std::string("; invalid: ") + e.what();
    }
    if (!p->AnonymousByDefault() && identity.empty()) continue;
    rows.push_back({{"registry", p->Name()},
                    {"provider", p->Name()},
                    {"name", ""},
                    {"hosts", p->HostsDescription(empty)},
                    {"variables", nlohmann::json::array()},
                    {"sources", nlohmann::json::array()},
                    {"anonymous", p->AnonymousByDefault()},
                    {"identity", identity},
                    {"status", status}});
  }
  if (json) {
    *ctx.out << rows.dump(2) << "\n";
    return 0;
  }
  *ctx.out << "REGISTRY\tHOSTS\tVARIABLES\tFROM\tSTATUS\n";
  for (const auto& row : rows) {
    std::vector<std::string> vars = row["variables"].get<std::vector<std::string>>();
    std::vector<std::string> sources = row["sources"].get<std::vector<std::string>>();
    *ctx.out << row["registry"].get<std::string>() << "\t" << row["hosts"].get<std::string>() << "\t"
             << (vars.empty() ? "-" : Join(vars)) << "\t" << (sources.empty() ? "-" : Join(sources)) << "\t"
             << row["status"].get<std::string>() << "\n";
  }
  return 0;
}

int Remove(std::vector<std::string> args, CommandContext& ctx, bool reset) {
  const char* command = reset ? "reset" : "remove";
  Target target = TakeTarget(args, command);
  if (!args.empty()) Usage(std::string("registry ") + command + ": unexpected argument \"" + args[0] + "\"");
  std::string id = target.Id();
  auto env = EnvironmentVariablesFor(ctx.environment, id);
  if (!env.empty()) {
    throw Error::Failure(id + " is configured by the environment (" + Join(env) + "): unset those variables");
  }
  nlohmann::json doc = ReadConfigDocument(ctx.config_path);
  bool in_file = doc.contains("registries") && doc["registries"].is_object() && doc["registries"].contains(id);
  if (!in_file) {
    if (!reset) throw Error::Failure(id + " is not configured (see: docker-credential-ssm registry list)");
    *ctx.out << id << ": nothing configured"
             << (target.provider->AnonymousByDefault() ? "; it is used anonymously" : "") << "\n";
    return 0;
  }
  Commit(ctx, id, std::nullopt, {});
  *ctx.out << id << ": " << (reset ? "reset" : "removed")
           << (target.provider->AnonymousByDefault() ? "; it is used anonymously again" : "") << "\n";
  return 0;
}

int Test(std::vector<std::string> args, CommandContext& ctx, Config& config) {
  Target target = TakeTarget(args, "test");
  std::string host;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--host" && i + 1 < args.size()) {
      host = args[++i];
    } else if (args[i].rfind("--host=", 0) == 0) {
      host = args[i].substr(7);
    } else {
      Usage("registry test: unexpected argument \"" + args[i] + "\"");
    }
  }
  std::vector<ConfiguredRegistry> registries = LoadRegistries(config.document, config.path, ctx.environment);
  ConfiguredRegistry* r = FindRegistry(registries, target.Id());
  ConfiguredRegistry anonymous;
  if (r == nullptr) {
    bool unconfigured_ok = target.provider->AnonymousByDefault() ||
                           (!host.empty() && target.provider->ServesUnconfigured(NormalizeServer(host)));
    if (!unconfigured_ok) {
      throw Error::Failure(target.Id() + " is not configured (see: docker-credential-ssm registry list)");
    }
    anonymous.provider = target.provider;
    anonymous.config.provider = target.provider->Name();
    r = &anonymous;
  }
  LoadStoredSecrets(*r, ctx.store());
  r->provider->Validate(r->config);
  std::vector<std::string> hosts = r->provider->Hosts(r->config);
  if (host.empty()) {
    if (hosts.empty()) Usage("registry test: " + target.Id() + " serves many hosts: name one with --host");
    host = hosts.front();
  }
  ServerKey server = NormalizeServer(host);
  if (!r->provider->Serves(server, r->config)) {
    throw Error::BadInput(target.Id() + " does not serve " + server.key);
  }
  std::string identity = r->provider->IdentitySource(r->config);
  if (!identity.empty()) *ctx.out << target.Id() << ": credentials from " << identity << "\n";
  Settings unset;
  const Settings& settings = ctx.settings != nullptr ? *ctx.settings : unset;
  std::unique_ptr<TokenCache> cache = OpenTokenCache(settings);
  ProviderContext provider_context = SystemProviderContext(cache.get(), settings);
  std::optional<Credential> credential = r->provider->Credentials(r->config, server, provider_context);
  std::string scheme = "https://";
  if (r->config.Has("url") && r->config.Get("url").rfind("http://", 0) == 0) scheme = "http://";
  std::string base = scheme + (server.docker_hub ? std::string("registry-1.docker.io") : server.key);
  CheckResult result = ctx.check(base, credential, r->config.Get("cacert"), "registry test " + target.Id());
  *ctx.out << target.Id() << ": " << result.message << "\n";
  return result.accepted ? 0 : 1;
}

}  // namespace

void PrintRegistryHelp(std::ostream& out) {
  std::string anonymous;
  for (const Provider* p : ProviderTable()) {
    if (p->AnonymousByDefault()) anonymous += (anonymous.empty() ? "" : ", ") + std::string(p->Name());
  }
  out << "Usage: docker-credential-ssm registry <command> ...\n"
      << "\n"
      << "  add <provider> [name] --<variable> <value>...   configure a registry (replaces its configuration)\n"
      << "        --<variable> -          read the value from stdin (for secrets)\n"
      << "        --<variable>-file PATH  read the value from a file\n"
      << "        --<variable>            ask for the value on the terminal\n"
      << "  list [--json]                                   configured and default registries (no secret values)\n"
      << "  remove <provider> [name]                        forget a configured registry\n"
      << "  reset <provider> [name]                         back to the default (anonymous for " << anonymous << ")\n"
      << "  test <provider> [name] [--host HOST]            check the credentials against the registry's /v2/\n"
      << "\n"
      << "Providers and their variables (* = secret, kept in the secret store; every provider also takes cacert):\n";
  for (const Provider* p : ProviderTable()) {
    out << "  " << p->Name();
    for (size_t pad = std::string(p->Name()).size(); pad < 11; ++pad) out << ' ';
    std::string vars;
    for (const VariableSpec& v : p->Variables()) vars += (vars.empty() ? "" : " ") + std::string(v.name) + (v.secret ? "*" : "");
    out << vars << "   (" << p->Description() << ")\n";
  }
  out << "\n"
      << "The environment configures registries too: SSM_REGISTRY_<PROVIDER>[_<NAME>]_<VARIABLE>=value, or\n"
      << "SSM_REGISTRY_..._<VARIABLE>__FILE=path; it wins over the config file.\n"
      << "\n"
      << "Examples:\n"
      << "  docker-credential-ssm registry add custom lab --url https://registry.lab:5000 --login ci --password -\n"
      << "  docker-credential-ssm registry add ghcr --username octocat --token-file ~/.ghcr-token\n"
      << "  docker-credential-ssm registry add quay --namespace myorg --account puller --token -\n"
      << "  docker-credential-ssm registry test custom lab\n";
}

int RunRegistryCommand(const std::vector<std::string>& all_args, CommandContext& ctx) {
  try {
    if (all_args.empty() || all_args[0] == "--help" || all_args[0] == "-h" || all_args[0] == "help") {
      PrintRegistryHelp(*ctx.out);
      return all_args.empty() ? 2 : 0;
    }
    std::string command = all_args[0];
    std::vector<std::string> args(all_args.begin() + 1, all_args.end());
    if (std::find(args.begin(), args.end(), "--help") != args.end()) {
      PrintRegistryHelp(*ctx.out);
      return 0;
    }
    if (command == "add") return Add(args, ctx);
    if (command == "remove") return Remove(args, ctx, false);
    if (command == "reset") return Remove(args, ctx, true);
    Config config = LoadConfigFrom(ctx.config_path);
    if (command == "list") return List(args, ctx, config);
    if (command == "test") return Test(args, ctx, config);
    Usage("registry: unknown command \"" + command + "\" (add, list, remove, reset, test)");
  } catch (const Error& e) {
    *ctx.err << "docker-credential-ssm: " << e.what() << "\n";
    return e.exit_status();
  }
}

}  // namespace ssm
