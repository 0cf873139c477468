#!/usr/bin/env bash
# with-keyring.sh COMMAND [ARG...]
# Runs COMMAND inside a private sandbox (tests/support/sandbox.sh: own mount
# namespace, own D-Bus session bus with no service activation) that has a
# real, unlocked gnome-keyring Secret Service (tests/support/keyring.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/sandbox.sh
source "$here/sandbox.sh"
sandbox_enter "$here/with-keyring.sh" "$@"
# shellcheck source=tests/support/keyring.sh
source "$here/keyring.sh"
work=$(mktemp -d)
trap 'keyring_stop; rm -rf "$work"' EXIT
keyring_start "$work"
"$@"
