#include "helper/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <ctime>
#include <exception>
#include <memory>
#include <ostream>
#include <string>

#include "common/error.h"
#include "common/file_cache.h"
#include "common/log.h"
#include "common/protocol_strings.h"
#include "helper/client_config.h"
#include "helper/config.h"
#include "helper/doctor.h"
#include "helper/kubelet.h"
#include "helper/lookup.h"
#include "helper/protocol.h"
#include "helper/registry_command.h"
#include "helper/store_selection.h"
#include "providers/provider_table.h"
#include "providers/registry_settings.h"
#include "providers/token_cache.h"
#include "providers/token_provider.h"
#include "store/empty_store.h"

extern char** environ;

namespace ssm {
namespace {

std::string BaseName(const char* argv0) {
  std::string s = argv0 == nullptr ? kProgramName : argv0;
  size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

void PrintHelp(std::ostream& out, const std::string& program) {
  out << "Usage: " << program << " <store|get|erase|list|version>\n"
      << "       " << program << " registry <add|list|remove|reset|test> ...\n"
      << "       " << program << " configure|unconfigure docker|podman [--dry-run]\n"
      << "       " << program << " doctor\n"
      << "       " << program << " kubelet [--config FILE] | kubelet config\n"
      << "       " << program << " cache clear\n"
      << "       " << program << " store-key rotate\n"
      << "\n"
      << "A Docker credential helper: docker, podman, buildah and skopeo run it to store and\n"
      << "fetch registry credentials. Name it in ~/.docker/config.json (\"credsStore\": \"ssm\" or\n"
      << "\"credHelpers\": {\"<registry>\": \"ssm\"}) or in containers' auth.json credHelpers.\n"
      << "\n"
      << "Actions (read stdin, write stdout; errors are one line on stdout and exit status 1):\n"
      << "  store     stdin {\"ServerURL\":\"...\",\"Username\":\"...\",\"Secret\":\"...\"}\n"
      << "  get       stdin: a server URL; prints {\"ServerURL\",\"Username\",\"Secret\"}\n"
      << "  erase     stdin: a server URL\n"
      << "  list      prints {\"<server>\": \"<username>\", ...}\n"
      << "  version   prints the version\n"
      << "\n"
      << "get answers, in this order: a login kept by store (docker login) for that server; a\n"
      << "registry configured with `registry add` or SSM_REGISTRY_* variables; inside a CI job,\n"
      << "the job's own login for its registries (CI_REGISTRY, ghcr.io with GITHUB_TOKEN); otherwise\n"
      << "\"" << kNotFoundMessage << "\" (the client pulls anonymously).\n"
      << "\n"
      << "Examples:\n"
      << "  printf '%s' ghcr.io | " << program << " get\n"
      << "  " << program << " registry add ghcr --username octocat --token -\n"
      << "\n"
      << "Environment:\n"
      << "  SSM_STORE            auto (default), secretservice or file\n"
      << "  SSM_FILE_STORE_KEY   base64 of the 32-byte file store key, instead of the key file\n"
      << "  SSM_REGISTRY_<PROVIDER>[_<NAME>]_<VARIABLE>[__FILE]   configure a registry\n"
      << "  SSM_CACHE            off: no cache of store answers or tokens (files in $XDG_RUNTIME_DIR)\n"
      << "  SSM_CACHE_TTL        seconds a cached store answer lives (default 600 file, 30 Secret Service)\n"
      << "  SSM_TOKEN_CACHE      off: mint a new token for every get\n"
      << "  SSM_HTTP_TIMEOUT     seconds for a whole remote call (default 20); SSM_HTTP_CONNECT_TIMEOUT (5)\n"
      << "  SSM_PARALLEL         off: do not mint a missing token while the store is asked\n"
      << "  SSL_CERT_FILE, SSL_CERT_DIR  CAs for registries without cacert (default: the system's)\n"
      << "  SSM_LOG              debug, info, warn (default), error or off; logs go to stderr\n"
      << "\n"
      << "See docker-credential-ssm(1) and `" << program << " registry --help`.\n";
}

// Reads a line from the terminal with echo off; false when there is no terminal.
bool PromptSecret(const std::string& prompt, std::string* value) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  struct termios old_attr;
  bool have_attr = tcgetattr(fd, &old_attr) == 0;
  if (have_attr) {
    struct termios quiet = old_attr;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  ssize_t ignored = write(fd, prompt.data(), prompt.size());
  char c;
  value->clear();
  while (read(fd, &c, 1) == 1 && c != '\n') value->push_back(c);
  if (have_attr) tcsetattr(fd, TCSAFLUSH, &old_attr);
  ignored = write(fd, "\n", 1);
  (void)ignored;
  close(fd);
  return true;
}

// Lazily opened pieces shared by the protocol and the commands.
class Session {
 public:
  explicit Session(Settings& settings) : settings_(settings) {}

  const Config& config() {
    if (!config_) config_ = config_path_.empty() ? LoadConfig() : LoadConfigFrom(config_path_);
    return *config_;
  }
  // SSM_STORE, else the config file's "store".
  StoreDecision store_choice() { return ChooseStore(settings_, config()); }
  SecretStore& store() {
    if (!store_) store_ = no_store_ ? std::make_unique<EmptyStore>() : OpenStore(store_choice().choice, settings_);
    return *store_;
  }
  // kubelet mode: another config file, no store.
  void UseConfigFile(const std::string& path) { config_path_ = path; }
  void UseNoStore() { no_store_ = true; }
  std::vector<ConfiguredRegistry>& registries() {
    if (!registries_) registries_ = LoadRegistries(config().document, config().path, environ);
    return *registries_;
  }

  // get's lookup (helper/lookup.h) over this session's store, registries
  // and token cache.
  CredentialLookup& lookup() {
    if (!lookup_) {
      LookupSources sources;
      sources.store = [this]() -> SecretStore& { return store(); };
      sources.registries = [this]() -> std::vector<ConfiguredRegistry>& { return registries(); };
      sources.token_cache = [this] { return token_cache(); };
      sources.provider_context = [this](TokenCache* cache) { return SystemProviderContext(cache, settings_); };
      sources.open_thread_cache = [this] { return OpenTokenCache(settings_); };
      lookup_ = std::make_unique<CredentialLookup>(std::move(sources));
    }
    return *lookup_;
  }

  TokenCache* token_cache() {
    if (!token_cache_) token_cache_ = OpenTokenCache(settings_);
    return token_cache_.get();
  }

  std::map<std::string, std::string> ConfiguredHosts() {
    std::map<std::string, std::string> out;
    for (ConfiguredRegistry r : registries()) {
      // Only what get would answer: a broken configuration is left out.
      try {
        LoadStoredSecrets(r, store());
        r.provider->Validate(r.config);
      } catch (const Error& e) {
        SSM_DEBUG(std::string("list: leaving out ") + r.config.Id() + ": " + e.what());
        continue;
      }
      for (const std::string& host : r.provider->Hosts(r.config)) out.emplace(host, r.provider->ListedUser(r.config));
    }
    return out;
  }

 private:
  Settings& settings_;
  std::optional<Config> config_;
  std::unique_ptr<SecretStore> store_;
  std::optional<std::vector<ConfiguredRegistry>> registries_;
  std::unique_ptr<TokenCache> token_cache_;
  std::unique_ptr<CredentialLookup> lookup_;
  std::string config_path_;
  bool no_store_ = false;
};


// The arguments after the command, with --debug taken out (and obeyed).
std::vector<std::string> CommandArgs(int argc, char** argv, int first) {
  std::vector<std::string> args;
  for (int i = first; i < argc; ++i) {
    if (std::string(argv[i]) == "--debug") {
      SetLogLevel(LogLevel::kDebug);
      setenv("SSM_LOG", "debug", 1);  // the modules read it too
      StartLogClock();
      continue;
    }
    args.push_back(argv[i]);
  }
  return args;
}

}  // namespace

int RunCommand(int argc, char** argv, Settings& settings, std::istream& in, std::ostream& out, std::ostream& err);

int RunCommandLine(int argc, char** argv, Settings& settings, std::istream& in, std::ostream& out, std::ostream& err) {
  // The boundary for the commands people run; the protocol has its own, which
  // puts the line on stdout where clients read it.
  try {
    return RunCommand(argc, argv, settings, in, out, err);
  } catch (const Error& e) {
    err << "docker-credential-ssm: " << e.what() << "\n";
    return e.exit_status();
  } catch (const std::exception& e) {
    err << "docker-credential-ssm: internal error: " << e.what() << "\n";
    return 1;
  }
}

int RunCommand(int argc, char** argv, Settings& settings, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string program = BaseName(argc > 0 ? argv[0] : nullptr);
  Session session(settings);
  std::string command = argc >= 2 ? argv[1] : "";
  if (command == "configure" || command == "unconfigure") {
    ClientConfigContext ctx;
    ctx.out = &out;
    ctx.err = &err;
    std::vector<std::string> args = CommandArgs(argc, argv, 2);
    bool help = args.empty() || args[0] == "--help" || args[0] == "-h";
    if (!help && command == "configure") {
      try {
        for (const auto& [host, user] : session.ConfiguredHosts()) ctx.known_hosts.push_back(host);
        for (const auto& [key, user] : session.store().List()) {
          if (!IsRegistrySecretsKey(key)) ctx.known_hosts.push_back(key);
        }
      } catch (const Error& e) {
        err << "docker-credential-ssm: warning: " << e.what() << "; configuring without the stored logins\n";
      }
    }
    return RunConfigureCommand(command == "unconfigure", args, ctx);
  }
  if (command == "doctor") {
    DoctorContext ctx;
    ctx.out = &out;
    ctx.store = [&]() -> SecretStore& { return session.store(); };
    ctx.store_description = [&]() {
      StoreDecision decision = session.store_choice();
      return "the " + session.store().Name() + " store (" + StoreChoiceName(decision.choice) + ", from " + decision.how +
             ")";
    };
    ctx.idle_logins = [&]() { return IdleStoreLogins(session.store_choice().choice, settings); };
    ctx.config_path = ConfigPath();
    ctx.environment = environ;
    ctx.provider_context = [&]() { return SystemProviderContext(session.token_cache(), settings); };
    ctx.settings = &settings;
    return RunDoctor(CommandArgs(argc, argv, 2), ctx);
  }
  if (argc >= 2 && std::string(argv[1]) == "registry") {
    CommandContext ctx;
    ctx.store = [&]() -> SecretStore& { return session.store(); };
    ctx.config_path = ConfigPath();
    ctx.environment = environ;
    ctx.check = CheckRegistryWithNetworkModule;
    ctx.in = &in;
    ctx.out = &out;
    ctx.err = &err;
    ctx.prompt = PromptSecret;
    ctx.settings = &settings;
    return RunRegistryCommand(CommandArgs(argc, argv, 2), ctx);
  }
  if (command == "kubelet") {
    // Config from --config FILE or SSM_CONFIG; the store only when SSM_STORE
    // names one (a node has no keyring; none is the default).
    std::vector<std::string> args = CommandArgs(argc, argv, 2);
    std::vector<std::string> rest;
    std::string config_file = settings.config_file();
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--config" && i + 1 < args.size()) {
        config_file = args[++i];
      } else if (args[i].rfind("--config=", 0) == 0) {
        config_file = args[i].substr(9);
      } else {
        rest.push_back(args[i]);
      }
    }
    if (!config_file.empty()) session.UseConfigFile(config_file);
    if (settings.store().empty() || settings.store() == "none") session.UseNoStore();
    KubeletContext ctx;
    ctx.lookup = [&]() -> CredentialLookup& { return session.lookup(); };
    ctx.now = [] { return static_cast<int64_t>(std::time(nullptr)); };
    ctx.configured_hosts = [&] {
      std::vector<std::string> hosts;
      for (const auto& [host, user] : session.ConfiguredHosts()) hosts.push_back(host);
      return hosts;
    };
    ctx.in = &in;
    ctx.out = &out;
    ctx.err = &err;
    ctx.settings = &settings;
    return RunKubelet(rest, ctx);
  }
  if (argc >= 2 && std::string(argv[1]) == "store-key") {
    // store-key rotate: the file store's key replaced, its data re-encrypted.
    std::vector<std::string> args = CommandArgs(argc, argv, 2);
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
      out << "Usage: " << program << " store-key rotate\n\n"
          << "Replaces the file store's key (credentials.key) by a new random one and re-encrypts\n"
          << "credentials.enc with it; a crash at any moment leaves the store readable. Copies of the\n"
          << "data file taken before no longer open. Not with SSM_FILE_STORE_KEY (rotate it where it is kept).\n";
      return 0;
    }
    if (args.size() != 1 || args[0] != "rotate") {
      err << "Usage: " << program << " store-key rotate\n";
      return 2;
    }
    std::string done = RotateFileStoreKey(settings);
    out << "the file store key was replaced and the data re-encrypted: " << done << "\n";
    return 0;
  }
  if (argc >= 2 && std::string(argv[1]) == "cache") {
    // cache clear: forget every cached answer and token of this user.
    if (argc != 3 || std::string(argv[2]) != "clear") {
      err << "Usage: " << program << " cache clear\n";
      return 2;
    }
    std::string problem;
    std::unique_ptr<FileCache> cache = FileCache::OpenUserCache(&problem);
    int removed = cache ? cache->Clear() : 0;
    out << "removed " << removed << " cached entr" << (removed == 1 ? "y" : "ies") << "\n";
    return 0;
  }
  if (argc != 2) {
    out << "Usage: " << program << " <store|get|erase|list|version>\n";
    return 1;
  }
  std::string action = argv[1];
  if (action == "--help" || action == "-h" || action == "help") {
    PrintHelp(out, program);
    return 0;
  }
  if (action == "--version" || action == "-v") {
    out << VersionLine() << "\n";
    return 0;
  }
  if (action == "list") {
    // Clients send a dummy line to `list`. Read it (bounded) when it comes
    // from a pipe or file, so a client still writing never meets a closed
    // pipe; a terminal is not waited on.
    struct stat st;
    if (fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode))) {
      char sink[4096];
      size_t total = 0;
      while (total < kMaxInputBytes && in.read(sink, sizeof sink).gcount() > 0) total += static_cast<size_t>(in.gcount());
    }
  }
  // get: the whole lookup (helper/lookup.h), with the parallel mint unless
  // SSM_PARALLEL=off.
  Protocol protocol([&]() -> SecretStore& { return session.store(); },
                    [&](const ServerKey& server) { return session.lookup().Find(server, settings.parallel()).credential; },
                    [&]() { return session.ConfiguredHosts(); });
  return protocol.Run(action, in, out);
}

}  // namespace ssm
