# shellcheck shell=bash
# Isolation for the e2e scripts (sourced). Call first thing in a test script:
#     sandbox_enter "$0" "$@"
# The calling process re-runs the script inside the sandbox, waits for it and exits with its
# status; inside, sandbox_enter just returns. The sandbox is:
#  1. a private mount namespace (`unshare --mount --propagation private`, root only) where the
#     machine-wide state dirs that the container tools write to whatever flags they get are
#     covered by empty tmpfs mounts, so nothing lands on the real disk:
#       /var/lib/containers  containers/image's blob-info cache for root
#                            (cache/blob-info-cache-v1.boltdb: skopeo has no flag for it, and
#                            podman 4.3 / buildah 1.28 write it too despite storage.conf)
#       /run/containers      podman 4.3 creates /run/containers/networks
#       /run/libpod /run/docker (dockerd 20.10 hard-codes /run/docker/plugins) /var/tmp
#     Missing mount points are created before and removed (rmdir) after the run (by the last
#     of concurrent runs; a marker file in the real dir tells which ones). Without root
#     or unshare this step is skipped with a warning on stderr.
#  2. `dbus-run-session` when DBUS_SESSION_BUS_ADDRESS is not set: a private session bus for the
#     keyring (tests/support/keyring.sh). Its config (written to a temp dir) has NO service
#     directories, so nothing is D-Bus-activated: no stray gnome-keyring-daemon started by a
#     Secret Service call before ours is up, and no gcr-prompter (with the stock session config,
#     the prompter that a locked keyring asks for is activated, fails for want of a display,
#     and creates ~/.cache in the bus's HOME). The bus also runs with HOME/XDG_* in that temp
#     dir; the script gets the caller's values back.
# Signals: INT/TERM/HUP to the calling process are passed on as TERM to the test script
# itself, whose own trap then stops its servers; the caller waits for it before cleaning up.
#
#     sandbox_usage SCRIPT
# prints SCRIPT's header comment (from line 2 to its first "# shellcheck" line, without the
# "# ") on stderr and exits 2: the usage of every e2e script.
#
# Inside the sandbox, the container clients' configuration, one way for every script:
#     sandbox_clients DIR [--insecure HOST]... [--ca CA_FILE --trust HOST...]
# writes DIR/containers/policy.json (accept anything), storage.conf (vfs under
# DIR/containers/{run,root}), containers.conf (no events log, cgroupfs, temp dirs under DIR,
# networks under DIR/containers/networks) and registries.conf (no unqualified search; each
# --insecure HOST a [[registry]] with insecure = true; otherwise TLS is verified). Sets POLICY
# (the policy file, for --policy) and CONTAINERS_ENV (CONTAINERS_STORAGE_CONF=...,
# CONTAINERS_CONF=..., CONTAINERS_REGISTRIES_CONF=...: export it or pass it to env -i). With
# --trust: a copy of /etc/containers in DIR/etc-containers with certs.d/HOST/ca.crt = CA_FILE
# for each HOST, bind-mounted over /etc/containers (needs the private mount namespace; clients
# then trust CA_FILE for those hosts only). Returns non-zero on the first step that fails.
# The helper calls the clients make are recorded by tests/support/recording-helper.sh install.

SANDBOX_MOUNTS=(/var/lib/containers /run/containers /run/libpod /run/docker /var/tmp)

_sandbox_write_bus_config() {
	cat >"$1/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
}

# _sandbox_remove_mount_points: rmdir the mount points a sandbox created, unless another
# sandbox still runs (an rmdir here would detach its tmpfs); the last one out removes them.
_sandbox_remove_mount_points() {
	local d
	if compgen -G "${TMPDIR:-/tmp}/e2e-sandbox.*" >/dev/null; then
		return 0
	fi
	for d in "${SANDBOX_MOUNTS[@]}"; do
		if [ -e "$d/.e2e-sandbox-created" ]; then
			rm -f "$d/.e2e-sandbox-created"
			rmdir "$d" 2>/dev/null || true
		fi
	done
}

sandbox_enter() {
	local script=$1
	shift
	if [ -n "${E2E_SANDBOX_STATE:-}" ]; then
		# Inside: tell the caller whom to signal.
		echo "$$" >"$E2E_SANDBOX_STATE/pid"
		return 0
	fi

	local use_ns="" use_bus="" state d cmd=() rc=0 child v i
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
		use_ns=1
	else
		echo "# sandbox.sh: not root or no unshare: running without a private mount namespace" >&2
	fi
	[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -n "${SANDBOX_NO_BUS:-}" ] || use_bus=1
	if [ -z "$use_ns" ] && [ -z "$use_bus" ]; then
		return 0
	fi

	state=$(mktemp -d "${TMPDIR:-/tmp}/e2e-sandbox.XXXXXX")
	if [ -n "$use_ns" ]; then
		for d in "${SANDBOX_MOUNTS[@]}"; do
			if [ ! -e "$d" ]; then
				mkdir -p "$d"
				# Marks the real (covered) dir as ours, for _sandbox_remove_mount_points.
				: >"$d/.e2e-sandbox-created"
			fi
		done
		# shellcheck disable=SC2016 # expanded by the inner shell
		cmd+=(unshare --mount --propagation private -- bash -c '
			set -e
			for d in "${@:2:$1}"; do mount -t tmpfs -o mode=0755 e2e-sandbox "$d"; done
			chmod 1777 /var/tmp
			shift $(($1 + 1))
			exec "$@"
		' sandbox "${#SANDBOX_MOUNTS[@]}" "${SANDBOX_MOUNTS[@]}")
	fi
	if [ -n "$use_bus" ]; then
		_sandbox_write_bus_config "$state"
		local sets=(HOME="$HOME") unsets=()
		for v in XDG_RUNTIME_DIR XDG_CACHE_HOME XDG_DATA_HOME XDG_CONFIG_HOME; do
			if [ -n "${!v+x}" ]; then sets+=("$v=${!v}"); else unsets+=(-u "$v"); fi
		done
		cmd+=(env HOME="$state" XDG_RUNTIME_DIR="$state" XDG_CACHE_HOME="$state"
			XDG_DATA_HOME="$state" XDG_CONFIG_HOME="$state"
			dbus-run-session --config-file="$state/session.conf" --
			env "${unsets[@]}" "${sets[@]}")
	fi

	E2E_SANDBOX_STATE=$state "${cmd[@]}" bash "$script" "$@" &
	child=$!
	# shellcheck disable=SC2064 # state and child are fixed now
	trap "if [ -s '$state/pid' ]; then kill -TERM \"\$(cat '$state/pid')\" 2>/dev/null; else kill -TERM $child 2>/dev/null; fi" INT TERM HUP
	wait "$child" || rc=$?
	while kill -0 "$child" 2>/dev/null; do
		rc=0
		wait "$child" || rc=$?
	done
	# The script may outlive a wrapper killed by a terminal's SIGINT: let it finish its cleanup.
	if [ -s "$state/pid" ]; then
		for i in $(seq 1 600); do
			kill -0 "$(cat "$state/pid")" 2>/dev/null || break
			sleep 0.1
			: "$i"
		done
	fi
	trap - INT TERM HUP
	rm -rf "$state"
	[ -z "$use_ns" ] || _sandbox_remove_mount_points
	exit "$rc"
}

sandbox_clients() {
	local dir=$1 ca="" h
	local insecure=() trust=()
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--insecure) insecure+=("$2"); shift 2 ;;
		--ca) ca=$2; shift 2 ;;
		--trust) trust+=("$2"); shift 2 ;;
		*) echo "sandbox_clients: unknown argument $1" >&2; return 2 ;;
		esac
	done
	mkdir -p "$dir/containers" || return 1
	POLICY="$dir/containers/policy.json"
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY" || return 1
	printf '[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s"\n' \
		"$dir/containers/run" "$dir/containers/root" >"$dir/containers/storage.conf" || return 1
	printf '[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\ntmp_dir = "%s"\nimage_copy_tmp_dir = "%s"\n[network]\nnetwork_config_dir = "%s"\n' \
		"$dir/containers/tmp" "$dir/tmp" "$dir/containers/networks" >"$dir/containers/containers.conf" || return 1
	{
		echo 'unqualified-search-registries = []'
		for h in "${insecure[@]}"; do
			printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$h"
		done
	} >"$dir/containers/registries.conf" || return 1
	# shellcheck disable=SC2034 # for the caller
	CONTAINERS_ENV=(CONTAINERS_STORAGE_CONF="$dir/containers/storage.conf"
		CONTAINERS_CONF="$dir/containers/containers.conf"
		CONTAINERS_REGISTRIES_CONF="$dir/containers/registries.conf")
	[ ${#trust[@]} -gt 0 ] || return 0
	if [ -z "$ca" ]; then
		echo "sandbox_clients: --trust needs --ca" >&2
		return 2
	fi
	cp -a /etc/containers "$dir/etc-containers" || return 1
	for h in "${trust[@]}"; do
		mkdir -p "$dir/etc-containers/certs.d/$h" && cp "$ca" "$dir/etc-containers/certs.d/$h/ca.crt" || return 1
	done
	mount --bind "$dir/etc-containers" /etc/containers
}

sandbox_usage() {
	awk 'NR > 1 && /^# shellcheck/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$1" >&2
	exit 2
}
