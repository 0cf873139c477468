// Where the helper keeps its files, after the XDG base-directory rules:
// $XDG_CONFIG_HOME (else ~/.config) and $XDG_DATA_HOME (else ~/.local/share),
// each with a docker-credential-ssm folder. The one reader of the system's
// variables HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_RUNTIME_DIR and
// DBUS_SESSION_BUS_ADDRESS (the helper's own are common/settings.h's).
#pragma once

#include <string>

namespace ssm {

std::string HomeDir();
// $XDG_CONFIG_HOME (else ~/.config) itself.
std::string ConfigHome();
std::string ConfigDir();  // .../docker-credential-ssm
std::string DataDir();    // .../docker-credential-ssm
// $XDG_DATA_HOME (else ~/.local/share) itself, where gnome-keyring keeps keyrings/.
std::string DataHome();

// $DBUS_SESSION_BUS_ADDRESS, "" when unset.
std::string SessionBusAddress();
// $XDG_RUNTIME_DIR as set, "" when unset (common/runtime_dir.h checks it).
std::string RuntimeDirVariable();

// Whether a D-Bus session bus can be found the way GLib finds it without
// autolaunching: $DBUS_SESSION_BUS_ADDRESS, or the socket $XDG_RUNTIME_DIR/bus.
bool SessionBusConfigured();

}  // namespace ssm
