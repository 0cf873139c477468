// docker-credential-ssm: wiring only. See helper/cli.h.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/background.h"
#include "common/log.h"
#include "common/module_loader.h"
#include "common/secure.h"
#include "common/settings.h"
#include "helper/cli.h"

int main(int argc, char** argv) {
  ssm::ProtectProcess();
  // The network module's TLS must never log its session secrets
  // (net/http/curl_http_client.cc); dropped while single-threaded.
  unsetenv("SSLKEYLOGFILE");
  // The binary's own settings, read once; they outlive the background work.
  ssm::Settings settings = ssm::Settings::FromProcess();
  ssm::SetLogLevel(settings.log_level());
  ssm::StartLogClock();
  std::ios::sync_with_stdio(false);
  int status = ssm::RunCommandLine(argc, argv, settings, std::cin, std::cout, std::cerr);
  std::cout.flush();
#if !defined(__SANITIZE_ADDRESS__)
  // With modules loaded, an orderly exit runs GLib's, libcurl's and OpenSSL's
  // clean-ups and joins their threads: milliseconds the client waits for, as
  // it reads until the helper exits. Everything the command does is done
  // (files renamed, keyring written, output flushed), so the process ends
  // here. SSM_FULL_EXIT=1 keeps the orderly exit (leak checkers).
  // A token still being minted on a second thread for a server whose stored
  // login answered is not waited for either (it would only fill the cache).
  if ((ssm::AnyModuleLoaded() || ssm::AnyBackgroundStarted()) && !settings.full_exit()) {
    std::fflush(nullptr);
    _exit(status);
  }
#endif
  ssm::WaitForAllBackground();
  return status;
}
