// The command line: the protocol actions the clients call, and the commands
// people run. Returns the exit status; main() only passes the process's streams.
#pragma once

#include <iosfwd>

namespace ssm {

int RunCommandLine(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace ssm
