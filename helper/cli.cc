#include "helper/cli.h"

#include <memory>
#include <ostream>
#include <string>

#include "common/error.h"
#include "helper/config.h"
#include "helper/protocol.h"
#include "helper/protocol_strings.h"
#include "helper/store_selection.h"

namespace ssm {
namespace {

std::string BaseName(const char* argv0) {
  std::string s = argv0 == nullptr ? kProgramName : argv0;
  size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

void PrintHelp(std::ostream& out, const std::string& program) {
  out << "Usage: " << program << " <store|get|erase|list|version>\n"
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
      << "Examples:\n"
      << "  printf '%s' ghcr.io | " << program << " get\n"
      << "  echo '{\"ServerURL\":\"localhost:5000\",\"Username\":\"me\",\"Secret\":\"s3cret\"}' | " << program
      << " store\n"
      << "\n"
      << "Environment:\n"
      << "  SSM_STORE            auto (default), secretservice or file\n"
      << "  SSM_FILE_STORE_KEY   base64 of the 32-byte file store key, instead of the key file\n"
      << "  SSM_LOG              debug, info, warn (default), error or off; logs go to stderr\n"
      << "\n"
      << "See docker-credential-ssm(1).\n";
}

}  // namespace

int RunCommandLine(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  (void)err;
  std::string program = BaseName(argc > 0 ? argv[0] : nullptr);
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

  std::unique_ptr<SecretStore> store;
  Protocol protocol([&]() -> SecretStore& {
    if (!store) store = OpenStore(ChooseStore(LoadConfig()));
    return *store;
  });
  return protocol.Run(action, in, out);
}

}  // namespace ssm
