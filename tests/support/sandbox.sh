# shellcheck shell=bash
# Isolation for the e2e scripts (sourced). Call first thing in a test script:
#     sandbox_enter "$0" "$@"
# It re-executes the script (the caller's process waits for it and exits with its status):
#  1. in a private mount namespace (`unshare --mount --propagation private`, root only) where
#     the machine-wide state dirs the container tools write to no matter what flags they get
#     are covered by empty tmpfs mounts, so nothing lands on the real disk:
#       /var/lib/containers  containers/image's blob-info cache for root
#                            (cache/blob-info-cache-v1.boltdb; skopeo has no flag for it and
#                            podman 4.3 / buildah 1.28 write it too despite --root)
#       /run/containers      podman 4.3 creates /run/containers/networks
#       /run/libpod /run/docker (dockerd 20.10 hard-codes /run/docker/plugins) /var/tmp
#     Missing mount points are created before and removed (rmdir) after the run.
#     Without root or unshare, this step is skipped with a warning on stderr.
#  2. under `dbus-run-session --` when DBUS_SESSION_BUS_ADDRESS is not set, giving a private
#     session bus for the keyring (tests/support/keyring.sh).
# Everything the re-executed script starts dies with it: the namespace's tmpfs mounts vanish
# with its last process, and dbus-run-session ends the bus (and with it gnome-keyring-daemon).

SANDBOX_MOUNTS=(/var/lib/containers /run/containers /run/libpod /run/docker /var/tmp)

sandbox_enter() {
	local script=$1
	shift
	if [ -z "${E2E_SANDBOX_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
		local created=() d rc=0
		for d in "${SANDBOX_MOUNTS[@]}"; do
			if [ ! -e "$d" ]; then
				mkdir -p "$d"
				created+=("$d")
			fi
		done
		# shellcheck disable=SC2016 # expanded by the inner shell
		E2E_SANDBOX_NS=1 unshare --mount --propagation private -- bash -c '
			set -e
			for d in "${@:2:$1}"; do mount -t tmpfs -o mode=0755 e2e-sandbox "$d"; done
			chmod 1777 /var/tmp
			shift $(($1 + 1))
			exec bash "$@"
		' sandbox "${#SANDBOX_MOUNTS[@]}" "${SANDBOX_MOUNTS[@]}" "$script" "$@" || rc=$?
		for d in "${created[@]}"; do
			rmdir "$d" 2>/dev/null || true
		done
		exit "$rc"
	fi
	if [ -z "${E2E_SANDBOX_NS:-}" ]; then
		echo "# sandbox.sh: not root or no unshare: running without a private mount namespace" >&2
		export E2E_SANDBOX_NS=0
	fi
	if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
		local busdir rc=0
		busdir=$(mktemp -d "${TMPDIR:-/tmp}/e2e-bus.XXXXXX")
		cat >"$busdir/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$busdir</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
		# The bus (and anything it might start) sees only busdir; the script gets the
		# caller's HOME and XDG_* back unchanged.
		local sets=(HOME="$HOME") unsets=() v
		for v in XDG_RUNTIME_DIR XDG_CACHE_HOME XDG_DATA_HOME XDG_CONFIG_HOME; do
			if [ -n "${!v+x}" ]; then sets+=("$v=${!v}"); else unsets+=(-u "$v"); fi
		done
		HOME="$busdir" XDG_RUNTIME_DIR="$busdir" XDG_CACHE_HOME="$busdir" \
			XDG_DATA_HOME="$busdir" XDG_CONFIG_HOME="$busdir" \
			dbus-run-session --config-file="$busdir/session.conf" -- \
			env "${unsets[@]}" "${sets[@]}" bash "$script" "$@" || rc=$?
		rm -rf "$busdir"
		exit "$rc"
	fi
}
