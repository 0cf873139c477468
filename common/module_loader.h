// Loads the helper's optional parts (store modules, the network module) with
// dlopen, so that a command pays for GLib, libcrypto or libcurl only when it
// uses them. Modules resolve ssm:: symbols from the binary.
#pragma once

namespace ssm {

// Returns the address of symbol in module file, found in the install's
// module folder (relative to the binary) or beside the binary (a build tree).
// Throws Error::Failure naming the places looked in.
// Waits for a preload of file (below) first.
void* LoadModuleSymbol(const char* file, const char* symbol);

// Starts loading module file on a second thread (dlopen, then the module's
// optional `void SsmModuleWarm(void)`, which initializes its libraries), so
// the caller can do other slow work meanwhile, such as asking the Secret
// Service. Failures are dropped: LoadModuleSymbol reports them when the
// module is used. Threads still running at exit are waited for.
void PreloadModule(const char* file);

// Whether any module has been loaded into this process.
bool AnyModuleLoaded();

}  // namespace ssm
