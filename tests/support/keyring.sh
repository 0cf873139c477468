# shellcheck shell=bash
# A private GNOME Keyring (Secret Service) for end-to-end tests. Sourced library.
#
# Needs a private session bus: the test script re-executes itself under
#     dbus-run-session -- "$0" "$@"
# when DBUS_SESSION_BUS_ADDRESS is not set (see tests/e2e/*.sh). Never run this against a
# desktop session bus: keyring_start refuses when org.freedesktop.secrets is already owned.
#
#   keyring_start WORKDIR
#       Starts `gnome-keyring-daemon --foreground --unlock --components=secrets` with
#       HOME/XDG_DATA_HOME/XDG_RUNTIME_DIR under WORKDIR/keyring, password $KEYRING_PASSWORD
#       (default "e2e-keyring-password") on stdin. As no keyring exists yet, the daemon creates
#       a fresh `login` keyring with that password, unlocked, as the `default` alias.
#       Waits for the bus name, checks secret-tool store/lookup/clear, exports KEYRING_PID,
#       KEYRING_DIR, KEYRING_PASSWORD, KEYRING_COLLECTION (its D-Bus object path).
#       KEYRING_DATA_HOME, when set, is the daemon's XDG_DATA_HOME (where keyrings/ lives):
#       set it to the helper's XDG_DATA_HOME to share one data folder, as a desktop session does.
#   keyring_lock
#       Locks the default collection with the Secret Service Lock() method (no prompt needed
#       for locking) and checks that the Locked property became true.
#   keyring_is_locked      exit 0 when the default collection is locked.
#   keyring_unlock
#       Restarts the daemon with --unlock and the same password (see below why).
#   keyring_stop
#       Kills the daemon by PID (idempotent).
#
# What works on Debian 12 (gnome-keyring 42.1, libsecret 0.20.5, gcr 3.41), found by trying:
# - `gnome-keyring-daemon --unlock` reads the password from stdin (no newline needed); with
#   --foreground it stays our child, so `$!` is its PID and it can be stopped by PID. With
#   --daemonize it forks away and prints nothing useful to find it again.
# - Locking: `secret-tool lock --collection=login` DOES lock the collection but then crashes
#   (SIGSEGV, exit 139), so it is useless in a `set -e` script. The D-Bus call
#       gdbus call --session -d org.freedesktop.secrets -o /org/freedesktop/secrets \
#           -m org.freedesktop.Secret.Service.Lock "['/org/freedesktop/secrets/collection/login']"
#   works and returns `([objectpath '...login'], objectpath '/')` (locked at once, no prompt).
#   dbus-send --print-reply ... org.freedesktop.Secret.Service.Lock array:objpath:... works too.
# - Once locked, nothing can unlock it here: an Unlock() or a write needs a prompt. With the
#   stock session bus config the daemon D-Bus-activates org.gnome.keyring.SystemPrompter
#   (/usr/libexec/gcr-prompter), which dies at once ("cannot open display") and creates
#   ~/.cache in the bus's HOME; on the bus of tests/support/sandbox.sh (no service dirs) the
#   prompter simply does not exist. Either way the caller gets an error within ~50 ms, no hang:
#     secret-tool lookup -> exit 1, nothing printed
#     secret-tool store  -> "Cannot create an item in a locked collection"
#     docker-credential-secretservice get   -> "credentials not found in native keychain" when
#       the server has no item; for an existing item it CRASHES (libsecret-CRITICAL
#       secret_value_get assertion, Go SIGSEGV trace on stderr, exit 2, empty stdout)
#     docker-credential-secretservice list  -> works (attributes are readable while locked)
#     docker-credential-secretservice erase -> exit 0, prints nothing
#     docker-credential-secretservice store -> "Cannot create an item in a locked collection"
# - A second `gnome-keyring-daemon --unlock` while one runs does NOT unlock the running one (it
#   starts another daemonized process that cannot own the bus name); hence keyring_unlock
#   restarts the daemon, which unlocks the existing login keyring with the password.
# - org.freedesktop.secrets is D-Bus-activatable on a stock session bus
#   (/usr/share/dbus-1/services): a Secret Service call while our daemon is not running
#   auto-starts another gnome-keyring-daemon with the bus's HOME (it created
#   ~/.local/share/keyrings there). sandbox.sh's bus has no service dirs; keyring_start waits
#   with NameHasOwner, which never activates anything.
# - The daemon exits by itself when the session bus goes away, so nothing survives
#   dbus-run-session even if a trap is skipped.

KEYRING_PID=${KEYRING_PID:-}
KEYRING_PASSWORD=${KEYRING_PASSWORD:-e2e-keyring-password}

_keyring_bus_has() {
	gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}

# _keyring_launch: start the daemon on KEYRING_DIR and wait until it serves the default alias.
_keyring_launch() {
	local i
	printf '%s' "$KEYRING_PASSWORD" |
		env HOME="$KEYRING_DIR/home" XDG_DATA_HOME="${KEYRING_DATA_HOME:-$KEYRING_DIR/home/.local/share}" \
			XDG_CONFIG_HOME="$KEYRING_DIR/home/.config" XDG_RUNTIME_DIR="$KEYRING_DIR/run" \
			gnome-keyring-daemon --foreground --unlock --components=secrets \
			>>"$KEYRING_DIR/daemon.log" 2>&1 &
	KEYRING_PID=$!
	export KEYRING_PID
	for i in $(seq 1 100); do
		if ! kill -0 "$KEYRING_PID" 2>/dev/null; then
			echo "keyring.sh: gnome-keyring-daemon exited; log:" >&2
			cat "$KEYRING_DIR/daemon.log" >&2
			KEYRING_PID=
			return 1
		fi
		if _keyring_bus_has org.freedesktop.secrets; then
			KEYRING_COLLECTION=$(gdbus call --session -d org.freedesktop.secrets \
				-o /org/freedesktop/secrets -m org.freedesktop.Secret.Service.ReadAlias default \
				2>/dev/null | sed -n "s/^(objectpath '\(.*\)',)$/\1/p")
			if [ -n "$KEYRING_COLLECTION" ] && [ "$KEYRING_COLLECTION" != / ]; then
				export KEYRING_COLLECTION
				return 0
			fi
		fi
		sleep 0.1
		: "$i"
	done
	echo "keyring.sh: the Secret Service did not come up; log:" >&2
	cat "$KEYRING_DIR/daemon.log" >&2
	keyring_stop
	return 1
}

keyring_start() {
	local workdir=$1 probe got
	if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
		echo "keyring.sh: no session bus; run under dbus-run-session" >&2
		return 1
	fi
	if _keyring_bus_has org.freedesktop.secrets; then
		echo "keyring.sh: org.freedesktop.secrets already owned on this bus; refusing" >&2
		return 1
	fi
	KEYRING_DIR="$workdir/keyring"
	export KEYRING_DIR KEYRING_PASSWORD
	mkdir -p "$KEYRING_DIR/home/.local/share" "$KEYRING_DIR/home/.config" "$KEYRING_DIR/run"
	chmod 700 "$KEYRING_DIR/run"
	_keyring_launch || return 1

	probe="probe-$$-$RANDOM"
	if ! printf 'probe-secret' | secret-tool store --label="ssm e2e probe" ssm-e2e-probe "$probe"; then
		echo "keyring.sh: secret-tool store failed" >&2
		keyring_stop
		return 1
	fi
	got=$(secret-tool lookup ssm-e2e-probe "$probe" || true)
	secret-tool clear ssm-e2e-probe "$probe" || true
	if [ "$got" != probe-secret ]; then
		echo "keyring.sh: secret-tool lookup returned '$got'" >&2
		keyring_stop
		return 1
	fi
}

keyring_is_locked() {
	gdbus call --session -d org.freedesktop.secrets -o "${KEYRING_COLLECTION:?}" \
		-m org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked \
		2>/dev/null | grep -q true
}

keyring_lock() {
	gdbus call --session -d org.freedesktop.secrets -o /org/freedesktop/secrets \
		-m org.freedesktop.Secret.Service.Lock "['${KEYRING_COLLECTION:?}']" >/dev/null || return 1
	if ! keyring_is_locked; then
		echo "keyring.sh: Lock() returned but the collection is not locked" >&2
		return 1
	fi
}

keyring_unlock() {
	keyring_stop
	_keyring_launch || return 1
	if keyring_is_locked; then
		echo "keyring.sh: still locked after restart with --unlock" >&2
		return 1
	fi
}

keyring_stop() {
	if [ -n "${KEYRING_PID:-}" ]; then
		kill "$KEYRING_PID" 2>/dev/null || true
		local i
		for i in $(seq 1 50); do
			kill -0 "$KEYRING_PID" 2>/dev/null || break
			sleep 0.1
			: "$i"
		done
		kill -9 "$KEYRING_PID" 2>/dev/null || true
		wait "$KEYRING_PID" 2>/dev/null || true
		KEYRING_PID=
		# Let the bus notice the name is gone before anyone starts a new daemon.
		for i in $(seq 1 50); do
			_keyring_bus_has org.freedesktop.secrets || break
			sleep 0.1
		done
	fi
}
