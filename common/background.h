// Work on a second thread, for a command that can do two slow things at once
// (asking the Secret Service while a token is minted). One job per name.
// Jobs not waited for are joined when the process exits normally; main() may
// end the process first with _exit once its answer is out (see main.cc).
#pragma once

#include <functional>
#include <string>

namespace ssm {

// Starts work (which must not throw) on a new thread; false when a job of
// that name exists already or no thread could be made (run it inline then).
bool StartBackground(const std::string& name, std::function<void()> work);

// Waits for the job of that name, if there is one still running.
void WaitForBackground(const std::string& name);

// Whether any job was started in this process.
bool AnyBackgroundStarted();

// Waits for every job: main() calls it before returning, as static
// destructors (of this code and of the libraries a job uses) must not run
// under a job still working.
void WaitForAllBackground();

}  // namespace ssm
