// The command line: the protocol actions the clients call, and the commands
// people run. Returns the exit status; main() only passes the process's
// streams and its settings (read once, common/settings.h), which must outlive
// any background work the command started (common/background.h).
#pragma once

#include <iosfwd>

#include "common/settings.h"

namespace ssm {

int RunCommandLine(int argc, char** argv, Settings& settings, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace ssm
