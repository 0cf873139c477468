// Loads the helper's optional parts (store modules, the network module) with
// dlopen, so that a command pays for GLib, libcrypto or libcurl only when it
// uses them. Modules resolve ssm:: symbols from the binary.
#pragma once

namespace ssm {

// Returns the address of symbol in module file, found in the install's
// module folder (relative to the binary) or beside the binary (a build tree).
// Throws Error::Failure naming the places looked in.
void* LoadModuleSymbol(const char* file, const char* symbol);

// Whether any module has been loaded into this process.
bool AnyModuleLoaded();

}  // namespace ssm
