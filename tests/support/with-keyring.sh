#!/usr/bin/env bash
# with-keyring.sh COMMAND [ARG...]
# Runs COMMAND inside a private D-Bus session that has a real, unlocked
# gnome-keyring Secret Service (tests/support/keyring.sh), and tears it down.
set -euo pipefail
if [ -z "${SSM_PRIVATE_BUS:-}" ]; then
	SSM_PRIVATE_BUS=1 exec dbus-run-session -- bash "$0" "$@"
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/keyring.sh
source "$here/keyring.sh"
work=$(mktemp -d)
trap 'keyring_stop; rm -rf "$work"' EXIT
keyring_start "$work"
"$@"
