#include "helper/doctor.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <ostream>

#include "common/error.h"
#include "common/secret_json.h"
#include "common/file_cache.h"
#include "common/files.h"
#include "common/inputs.h"
#include "helper/client_config.h"
#include "helper/config.h"
#include "helper/protocol.h"
#include "providers/ci/ci_job.h"
#include "providers/provider_table.h"
#include "providers/registry_settings.h"

namespace ssm {
namespace {

class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void Ok(const std::string& what) { out_ << "[ok]      " << what << "\n"; }
  void Note(const std::string& what) { out_ << "[note]    " << what << "\n"; }
  void Problem(const std::string& what, const std::string& fix) {
    ++problems_;
    out_ << "[problem] " << what << "\n          fix: " << fix << "\n";
  }
  int problems() const { return problems_; }

 private:
  std::ostream& out_;
  int problems_ = 0;
};

bool OnPath(const std::string& program) {
  std::optional<std::string> path = ProcessEnv("PATH");
  if (!path) return false;
  const std::string& p = *path;
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

// "docker.io, ghcr.io, ... and public.ecr.aws": the providers used
// anonymously when nothing is configured, from the provider table.
std::string AnonymousHosts() {
  std::vector<std::string> hosts;
  for (const Provider* p : ProviderTable()) {
    if (!p->AnonymousByDefault()) continue;
    std::optional<std::string> host = p->ProbeServer(RegistryConfig{});
    if (host) hosts.push_back(*host == kDockerHubKey ? "docker.io" : *host);
  }
  std::string out;
  for (size_t i = 0; i < hosts.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == hosts.size() ? " and " : ", ") + hosts[i];
  }
  return out;
}

void CheckRegistries(Report& report, DoctorContext& ctx, const Config& config) {
  std::vector<ConfiguredRegistry> registries;
  try {
    registries = LoadRegistries(config.document, config.path, ctx.environment);
  } catch (const Error& e) {
    report.Problem(std::string("registry configuration: ") + e.what(), "correct the variable or entry it names");
    return;
  }
  if (registries.empty()) report.Note("no registry configured: " + AnonymousHosts() + " are used anonymously");
  // Inside a CI job: the job's own logins, after stored logins and configured registries.
  for (const CiJobRegistry& job : CiJobRegistries(ProcessEnvironment())) {
    report.Note(job.server + ": the login of the " + job.source + ", unless a stored login or a configured registry serves it");
  }
  // Providers that serve hosts with no configuration, with a cloud identity.
  for (const Provider* p : ProviderTable()) {
    bool configured = false;
    for (const ConfiguredRegistry& r : registries) configured = configured || r.provider == p;
    if (configured || p->AnonymousByDefault()) continue;
    RegistryConfig empty;
    empty.provider = p->Name();
    try {
      std::string identity = p->IdentitySource(empty);
      if (!identity.empty()) report.Note(p->HostsDescription(empty) + " with no configuration: credentials from " + identity);
    } catch (const Error& e) {
      report.Problem(p->HostsDescription(empty) + " with no configuration: " + e.what(),
                     "fix the file or variable it names (the cloud's own tools would refuse it too)");
    }
  }
  for (ConfiguredRegistry& r : registries) {
    std::string id = r.config.Id();
    std::string where = " (" + r.provider->HostsDescription(r.config) + ")";
    try {
      LoadStoredSecrets(r, ctx.store());
      r.provider->Validate(r.config);
    } catch (const Error& e) {
      report.Problem(id + where + ": " + e.what(),
                     "docker-credential-ssm registry add " + r.config.provider +
                         (r.config.name.empty() ? "" : " " + r.config.name) + " ... (see registry --help)");
      continue;
    }
    try {
      std::string identity = r.provider->IdentitySource(r.config);
      if (!identity.empty()) report.Note(id + where + ": credentials from " + identity);
    } catch (const Error& e) {
      report.Problem(id + where + ": " + e.what(), "fix the file or variable it names");
      continue;
    }
    std::optional<std::string> probe = r.provider->ProbeServer(r.config);
    if (!r.provider->DoctorMintsToken(r.config)) {
      report.Ok(id + where + ": variables complete");
      continue;
    }
    if (!probe) {
      report.Ok(id + where + ": variables complete (name an account to check that a token can be minted)");
      continue;
    }
    try {
      ProviderContext pc = ctx.provider_context();
      std::optional<Credential> c = r.provider->Credentials(r.config, NormalizeServer(*probe), pc);
      if (c) {
        report.Ok(id + where + ": a token for " + *probe + " was minted (or is cached)");
      } else {
        report.Note(id + where + ": no credentials to mint with; used anonymously");
      }
    } catch (const Error& e) {
      report.Problem(id + where + ": cannot get a token: " + e.what(),
                     "check the keys, the clock, the network and proxy (https_proxy), then docker-credential-ssm "
                     "registry test " + r.config.provider + (r.config.name.empty() ? "" : " " + r.config.name));
    }
  }
}

// Where the cache lives, or why there is none.
void CheckCache(Report& report, const Settings& all_settings) {
  CacheSettings settings;
  try {
    settings = all_settings.Cache();
  } catch (const Error& e) {
    report.Problem(e.what(), "set it to off or on, or unset it");
    return;
  }
  if (!settings.store_answers) {
    report.Note("cache: off (SSM_CACHE=off): every get asks the store, tokens are minted each time");
    return;
  }
  std::string problem;
  std::unique_ptr<FileCache> cache = FileCache::OpenUserCache(&problem);
  if (!cache) {
    report.Note("cache: none, no private runtime folder (" + problem +
                "): every get asks the store, tokens are minted each time");
    return;
  }
  report.Ok("cache: " + cache->dir() + " (store answers" + (settings.tokens ? " and tokens" : "") +
            ", one 0600 file each, only for processes that can read your private files)" +
            (settings.tokens ? "" : "; tokens are not cached (SSM_TOKEN_CACHE=off)") +
            (problem.empty() ? "" : "; not in XDG_RUNTIME_DIR: " + problem));
}

// Plaintext credentials in a client's file (client: "docker" or "podman"),
// and in the .bak beside it (written by older versions of configure).
void CheckPlaintext(Report& report, const std::string& path, const std::string& client) {
  for (bool backup : {false, true}) {
    std::string file = backup ? path + ".bak" : path;
    std::optional<std::string> text;
    try {
      text = ReadTextFile(file, 4u << 20);
    } catch (const Error&) {
      continue;  // reported above for the file itself; a backup we cannot read is not ours
    }
    if (!text) continue;
    nlohmann::ordered_json doc =
        JsonTooDeep(*text) ? nlohmann::ordered_json(nlohmann::ordered_json::value_t::discarded)
                           : nlohmann::ordered_json::parse(*text, nullptr, false);
    int count = doc.is_discarded() ? 0 : CountPlaintextCredentials(doc);
    if (count == 0) continue;
    std::string what = file + " holds " + std::to_string(count) + " plaintext credential(s) under \"auths\"";
    if (backup) {
      report.Problem(what + " (a backup)", "delete it (rm " + file + ") once you no longer need it");
    } else {
      report.Problem(what, client + " logout and " + client +
                               " login again with the helper configured (docker-credential-ssm configure " + client +
                               "), or remove them from \"auths\"");
    }
  }
}

void CheckClients(Report& report) {
  bool any = false;
  std::string docker = DockerConfigPath();
  std::optional<std::string> text;
  try {
    text = ReadTextFile(docker, 4u << 20);
  } catch (const Error& e) {
    report.Problem(docker + ": " + e.what(), "fix its permissions");
  }
  if (text) {
    nlohmann::json doc = ParseJsonOrDiscarded(*text);
    if (!doc.is_object()) {
      report.Problem(docker + " is not valid JSON", "fix it: docker ignores a broken config");
    } else {
      // Not doc.value(): a credsStore of another type must not throw.
      bool store = doc.contains("credsStore") && doc["credsStore"].is_string() && doc["credsStore"] == "ssm";
      int helpers = 0;
      if (doc.contains("credHelpers") && doc["credHelpers"].is_object()) {
        for (auto& [k, v] : doc["credHelpers"].items()) helpers += v == "ssm";
      }
      if (store || helpers > 0) {
        any = true;
        report.Ok(docker + ": docker uses this helper" +
                  (store ? std::string(" for every registry (credsStore)") : " for " + std::to_string(helpers) + " registries (credHelpers)"));
      } else {
        report.Note(docker + ": docker does not use this helper (docker-credential-ssm configure docker)");
      }
    }
  } else {
    report.Note(docker + " does not exist: docker does not use this helper (docker-credential-ssm configure docker)");
  }
  for (const std::string& path : PodmanAuthPaths()) {
    std::optional<std::string> auth;
    try {
      auth = ReadTextFile(path, 4u << 20);
    } catch (const Error&) {
    }
    if (!auth) continue;
    nlohmann::json doc = ParseJsonOrDiscarded(*auth);
    int helpers = 0;
    if (doc.is_object() && doc.contains("credHelpers") && doc["credHelpers"].is_object()) {
      for (auto& [k, v] : doc["credHelpers"].items()) helpers += v == "ssm";
    }
    if (helpers > 0) {
      any = true;
      report.Ok(path + ": podman, buildah and skopeo use this helper for " + std::to_string(helpers) + " registries");
    }
  }
  CheckPlaintext(report, docker, "docker");
  for (const std::string& path : PodmanAuthPaths()) CheckPlaintext(report, path, "podman");
  if (!any) {
    report.Problem("neither docker nor podman is configured to use this helper",
                   "docker-credential-ssm configure docker, or docker-credential-ssm configure podman");
  }
}

}  // namespace

int RunDoctor(const std::vector<std::string>& args, DoctorContext& ctx) {
  if (!args.empty()) {
    *ctx.out << "Usage: docker-credential-ssm doctor [--debug]\n\n"
             << "Checks the secret store, the configuration, every configured registry (minting a token where\n"
             << "there is one to mint), and docker's and podman's configuration; says what to do about each\n"
             << "problem. Exit status 0 when all is well, 1 otherwise.\n";
    return args[0] == "--help" || args[0] == "-h" ? 0 : 2;
  }
  Report report(*ctx.out);
  report.Ok(VersionLine());
  if (OnPath("docker-credential-ssm")) {
    report.Ok("docker-credential-ssm is on PATH, where clients look for it");
  } else {
    report.Problem("docker-credential-ssm is not on PATH: docker and podman cannot run it",
                   "install it (install/install.sh, or the .deb), or add its folder to PATH");
  }
  Config config;
  try {
    config = LoadConfigFrom(ctx.config_path);
    report.Ok("config file " + ctx.config_path + (config.exists ? ": valid" : ": none (defaults)"));
  } catch (const Error& e) {
    report.Problem(e.what(), e.kind() == Error::Kind::kDenied
                                 ? "make it yours and not writable by others, as the message says"
                                 : "fix the JSON in that file (see man docker-credential-ssm.conf)");
  }
  try {
    std::string description = ctx.store_description();
    size_t logins = 0;
    for (const auto& [k, v] : ctx.store().List()) logins += !IsRegistrySecretsKey(k);
    report.Ok("secret store: " + description + "; it answers (" + std::to_string(logins) + " stored logins)");
    std::vector<std::string> idle;
    if (ctx.idle_logins) {
      for (const auto& [k, v] : ctx.idle_logins()) {
        if (!IsRegistrySecretsKey(k)) idle.push_back(k);
      }
    }
    if (!idle.empty()) {
      std::string names;
      for (const std::string& k : idle) names += (names.empty() ? "" : ", ") + k;
      report.Note(std::to_string(idle.size()) + (idle.size() == 1 ? " login is" : " logins are") +
                  " in the file store, which auto mode no longer writes to: " + names +
                  " (get still finds them and erase removes them; log in again to move one to the Secret Service)");
    }
  } catch (const Error& e) {
    report.Problem(std::string("secret store: ") + e.what(),
                   e.kind() == Error::Kind::kUnavailable
                       ? "start a Secret Service (desktop session, or dbus-run-session with gnome-keyring-daemon "
                         "--unlock), or use SSM_STORE=file"
                       : e.kind() == Error::Kind::kDenied ? "unlock the keyring, or fix the file permissions named"
                                                          : "see the message; nothing was changed");
  }
  CheckCache(report, ctx.settings != nullptr ? *ctx.settings : Settings());
  CheckRegistries(report, ctx, config);
  CheckClients(report);
  *ctx.out << (report.problems() == 0 ? "all is well\n" : std::to_string(report.problems()) + " problem(s)\n");
  return report.problems() == 0 ? 0 : 1;
}

}  // namespace ssm
