# shellcheck shell=bash
# The shared preamble and helpers of the e2e tests with real container clients and stores
# (tests/e2e/clients_test.sh, providers_test.sh). Sourced library.
#
#   clients_e2e_enter SELF "$@"
#       SELF = the script's absolute path, E2E_DIR its folder, SUPPORT_DIR this folder. Usage
#       (SELF's header comment, on stderr) and exit 2 without an argument; then sandbox.sh's
#       private mount namespace and session bus (sandbox_enter), returning inside it. Sources
#       tap.sh, registry.sh, keyring.sh and dockerd.sh. Sets SUFFIX (the first argument),
#       STORES (the other arguments, or "default"), ORIG_PATH (PATH as it was) and HELPER_BIN
#       (docker-credential-SUFFIX as found on PATH, empty when it is not).
#   clients_e2e_helper WORKDIR
#       Fails the check "docker-credential-SUFFIX is on PATH" and exits 1 without HELPER_BIN;
#       else HELPER_BIN = its resolved path, logged with STORES and WORKDIR.
#   calls_mark
#       Remembers where CALLS_LOG (recording-helper.sh's log) ends.
#   calls_since_mark
#       "action server" per helper call since calls_mark, one per line (for a store, the
#       ServerURL of its JSON input).
# shellcheck source-path=SCRIPTDIR

_CLIENTS_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

clients_e2e_enter() {
	E2E_DIR=$(cd "$(dirname "$1")" && pwd)
	SELF="$E2E_DIR/$(basename "$1")"
	# shellcheck disable=SC2034 # for the caller
	SUPPORT_DIR=$_CLIENTS_E2E_DIR
	shift
	# shellcheck source=sandbox.sh
	. "$_CLIENTS_E2E_DIR/sandbox.sh"
	if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
		sandbox_usage "$SELF"
	fi
	sandbox_enter "$SELF" "$@"
	# shellcheck source=tap.sh
	. "$_CLIENTS_E2E_DIR/tap.sh"
	# shellcheck source=registry.sh
	. "$_CLIENTS_E2E_DIR/registry.sh"
	# shellcheck source=keyring.sh
	. "$_CLIENTS_E2E_DIR/keyring.sh"
	# shellcheck source=dockerd.sh
	. "$_CLIENTS_E2E_DIR/dockerd.sh"
	SUFFIX=$1
	shift
	STORES=("$@")
	[ ${#STORES[@]} -gt 0 ] || STORES=(default)
	# shellcheck disable=SC2034 # for the caller
	ORIG_PATH=$PATH
	HELPER_BIN=$(command -v "docker-credential-$SUFFIX" || true)
}

clients_e2e_helper() {
	if [ -z "$HELPER_BIN" ]; then
		fail "docker-credential-$SUFFIX is on PATH"
		tap_summary
		exit 1
	fi
	HELPER_BIN=$(readlink -f "$HELPER_BIN")
	log "helper under test: $HELPER_BIN; stores: ${STORES[*]}; workdir: $1"
}

calls_mark() {
	CALLS_MARK=$(wc -l <"$CALLS_LOG")
}

calls_since_mark() {
	local argv input rest
	tail -n "+$((CALLS_MARK + 1))" "$CALLS_LOG" | while IFS=$'\t' read -r argv input rest; do
		: "$rest"
		input=${input%\\n}
		if [ "$argv" = store ]; then
			input=$(printf '%s' "$input" | jq -r '.ServerURL' 2>/dev/null || printf '%s' "$input")
		fi
		printf '%s %s\n' "$argv" "$input"
	done
}
