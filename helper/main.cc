// docker-credential-ssm: wiring only. See helper/cli.h.
#include <iostream>

#include "common/secure.h"
#include "helper/cli.h"

int main(int argc, char** argv) {
  ssm::ProtectProcess();
  std::ios::sync_with_stdio(false);
  return ssm::RunCommandLine(argc, argv, std::cin, std::cout, std::cerr);
}
