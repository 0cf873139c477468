#!/usr/bin/env bash
# Interoperability of docker-credential-SUFFIX (default: ssm, with SSM_STORE=secretservice) with
# Debian's docker-credential-secretservice (package golang-docker-credential-helpers) on one
# Secret Service (a private GNOME keyring, tests/support/keyring.sh):
#   - what the reference helper stored, ours reads (get, list) and erases;
#   - what ours stored, the reference helper reads (get, list) and erases;
#   - ours writes the reference helper's item layout (schema io.docker.Credentials, attributes
#     server/username/docker_cli=1/label="Docker Credentials", item label = server);
#   - Docker Hub: the Docker CLI's key https://index.docker.io/v1/ both ways, and ours finds
#     the reference helper's Hub login when asked for docker.io / index.docker.io (podman's key);
#     ours stores podman's "docker.io" so that the Docker CLI's key finds it;
#   - a locked keyring (no prompter can unlock it here): ours fails fast with one line on stdout.
#
# Usage: tests/e2e/interop_test.sh [SUFFIX]      (put the build dir on PATH first)
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed".
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUPPORT_DIR=$(cd "$E2E_DIR/../support" && pwd)
SELF="$E2E_DIR/$(basename "${BASH_SOURCE[0]}")"

# shellcheck source=../support/sandbox.sh
. "$SUPPORT_DIR/sandbox.sh"
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sandbox_usage "$SELF"
fi
sandbox_enter "$SELF" "$@"
# shellcheck source=../support/tap.sh
. "$SUPPORT_DIR/tap.sh"
# shellcheck source=../support/keyring.sh
. "$SUPPORT_DIR/keyring.sh"

SUFFIX=${1:-ssm}
NOT_FOUND='credentials not found in native keychain'
HUB='https://index.docker.io/v1/'

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-interop.XXXXXX")
trap 'keyring_stop; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM

export HOME="$W/home" XDG_CONFIG_HOME="$W/config" XDG_DATA_HOME="$W/data" \
	XDG_CACHE_HOME="$W/cache" XDG_RUNTIME_DIR="$W/run" DOCKER_CONFIG="$W/docker" TMPDIR="$W/tmp"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" \
	"$DOCKER_CONFIG" "$TMPDIR"
chmod 700 "$XDG_RUNTIME_DIR"
export SSM_STORE=secretservice

OURS=$(command -v "docker-credential-$SUFFIX" || true)
REF=$(command -v docker-credential-secretservice || true)

# h BIN ACTION INPUT: sets HOUT, HRC (stderr kept in $W/helper.err).
h() {
	HRC=0
	HOUT=$(printf '%s' "$3" | timeout 20 "$1" "$2" 2>>"$W/helper.err") || HRC=$?
}

h_store() { # BIN SERVER USER SECRET
	h "$1" store "$(jq -cn --arg s "$2" --arg u "$3" --arg p "$4" '{ServerURL: $s, Username: $u, Secret: $p}')"
}

# expect_get LABEL BIN QUERY USER SECRET
expect_get() {
	local got
	h "$2" get "$3"
	got=$(printf '%s' "$HOUT" | jq -r '[.Username, .Secret] | join("\n")' 2>/dev/null || true)
	if [ "$HRC" = 0 ] && [ "$got" = "$4"$'\n'"$5" ]; then
		pass "$1"
	else
		fail "$1" "exit $HRC: $(printf '%s' "$HOUT" | sed 's/"Secret":"[^"]*"/"Secret":"..."/')"
	fi
}

# expect_not_found LABEL BIN QUERY
expect_not_found() {
	local out
	h "$2" get "$3"
	out=$(printf '%s' "$HOUT" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
	if [ "$HRC" = 1 ] && [ "$out" = "$NOT_FOUND" ]; then
		pass "$1"
	else
		fail "$1" "exit $HRC: $HOUT"
	fi
}

# expect_listed LABEL BIN SERVER USER
expect_listed() {
	local got
	h "$2" list unused
	got=$(printf '%s' "$HOUT" | jq -r --arg s "$3" '.[$s] // "<absent>"' 2>/dev/null || echo '<bad JSON>')
	if [ "$HRC" = 0 ] && [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "exit $HRC: $HOUT"
	fi
}

# expect_ok LABEL (after h ...)
expect_ok() {
	if [ "$HRC" = 0 ]; then pass "$1"; else fail "$1" "exit $HRC: $HOUT"; fi
}

# item_layout SERVER: the Secret Service item(s) for SERVER in a comparable form (values of
# server/username/secret replaced by placeholders).
item_layout() {
	secret-tool search --all server "$1" 2>/dev/null |
		grep -E '^(label|schema|attribute\.[a-z_:]+) = ' |
		sed -e "s|^label = $1\$|label = <server>|" \
			-e "s|^attribute.server = $1\$|attribute.server = <server>|" \
			-e 's|^attribute.username = .*|attribute.username = <username>|' |
		sort
}

if [ -z "$OURS" ] || [ -z "$REF" ]; then
	[ -n "$OURS" ] || fail "docker-credential-$SUFFIX is on PATH"
	[ -n "$REF" ] || fail "docker-credential-secretservice is on PATH (apt-get install golang-docker-credential-helpers)"
	tap_summary
	exit 1
fi

# One data folder for the keyring daemon and the helpers, as in a desktop
# session: docker-credential-ssm's cache sees the keyring files change when
# another program writes to the Secret Service.
export KEYRING_DATA_HOME="$XDG_DATA_HOME"
if keyring_start "$W"; then
	pass "private GNOME keyring (Secret Service) is up"
else
	fail "private GNOME keyring (Secret Service) is up"
	tap_summary
	exit 1
fi

# --- reference -> ours ---------------------------------------------------------------------
A=interop-a.example:5000
h_store "$REF" "$A" alice 'secret-A <&>'
expect_ok "reference helper stores $A"
expect_get "$SUFFIX get $A reads the reference helper's item" "$OURS" "$A" alice 'secret-A <&>'
expect_get "$SUFFIX get https://$A/ (scheme, slash) reads it too" "$OURS" "https://$A/" alice 'secret-A <&>'
expect_listed "$SUFFIX list shows the reference helper's $A" "$OURS" "$A" alice

# --- ours -> reference ---------------------------------------------------------------------
B=interop-b.example:5000
h_store "$OURS" "$B" bob 'secret-B "q"'
expect_ok "$SUFFIX stores $B"
expect_get "reference get $B reads $SUFFIX's item" "$REF" "$B" bob 'secret-B "q"'
expect_listed "reference list shows $SUFFIX's $B" "$REF" "$B" bob
h_store "$REF" "interop-layout.example" layout-user layout-secret
ref_layout=$(item_layout interop-layout.example)
ours_layout=$(item_layout "$B")
if [ -n "$ours_layout" ] && [ "$ours_layout" = "$ref_layout" ]; then
	pass "$SUFFIX's item has the reference layout (schema, attributes, label)"
else
	fail "$SUFFIX's item has the reference layout (schema, attributes, label)" "reference:
$ref_layout
$SUFFIX:
$ours_layout"
fi

# --- erase across helpers --------------------------------------------------------------------
h "$OURS" erase "$A"
expect_ok "$SUFFIX erases the reference helper's $A"
expect_not_found "reference get $A after $SUFFIX erased it: not found" "$REF" "$A"
h "$REF" erase "$B"
expect_ok "reference helper erases $SUFFIX's $B"
expect_not_found "$SUFFIX get $B after the reference erased it: not found" "$OURS" "$B"

# --- Docker Hub ------------------------------------------------------------------------------
h_store "$REF" "$HUB" hubref 'hub-secret-ref'
expect_ok "reference helper stores $HUB (docker login)"
expect_get "$SUFFIX get $HUB reads it" "$OURS" "$HUB" hubref hub-secret-ref
expect_get "$SUFFIX get docker.io (podman's key) reads it" "$OURS" docker.io hubref hub-secret-ref
expect_get "$SUFFIX get index.docker.io reads it" "$OURS" index.docker.io hubref hub-secret-ref
h "$OURS" erase docker.io
expect_ok "$SUFFIX erase docker.io"
expect_not_found "reference get $HUB after $SUFFIX erased docker.io: not found" "$REF" "$HUB"
h "$REF" erase "$HUB" # clean up whatever is left, so later checks start empty

h_store "$OURS" "$HUB" hubours 'hub-secret-ours'
expect_ok "$SUFFIX stores $HUB"
expect_get "reference get $HUB reads $SUFFIX's Hub item" "$REF" "$HUB" hubours hub-secret-ours
expect_listed "reference list shows $SUFFIX's $HUB" "$REF" "$HUB" hubours
h "$REF" erase "$HUB"

h_store "$OURS" docker.io hubpodman 'hub-secret-podman'
expect_ok "$SUFFIX stores docker.io (podman login)"
expect_get "reference get $HUB (Docker CLI) reads $SUFFIX's docker.io login" "$REF" "$HUB" hubpodman hub-secret-podman
expect_get "$SUFFIX get $HUB reads its own docker.io login" "$OURS" "$HUB" hubpodman hub-secret-podman
h "$OURS" erase docker.io
expect_not_found "$SUFFIX get docker.io after erase: not found" "$OURS" docker.io

# --- locked keyring ----------------------------------------------------------------------------
C=interop-c.example
h_store "$REF" "$C" carol secret-C
if keyring_lock; then
	pass "keyring locked (Secret Service Lock())"
	start=$(date +%s%N)
	h "$OURS" get "$C"
	ms=$((($(date +%s%N) - start) / 1000000))
	lines=$(printf '%s' "$HOUT" | grep -c . || true)
	if [ "$HRC" != 0 ] && [ "$HRC" != 124 ] && [ "$lines" = 1 ]; then
		pass "$SUFFIX get on a locked keyring fails with one line on stdout ($ms ms): $HOUT"
	else
		fail "$SUFFIX get on a locked keyring fails with one line on stdout" "exit $HRC after $ms ms: $HOUT"
	fi
	if [ "$ms" -lt 5000 ]; then
		pass "$SUFFIX get on a locked keyring does not hang (< 5 s)"
	else
		fail "$SUFFIX get on a locked keyring does not hang (< 5 s)" "$ms ms"
	fi
	h_store "$OURS" interop-d.example dave secret-D
	lines=$(printf '%s' "$HOUT" | grep -c . || true)
	if [ "$HRC" != 0 ] && [ "$HRC" != 124 ] && [ "$lines" = 1 ]; then
		pass "$SUFFIX store on a locked keyring fails with one line on stdout: $HOUT"
	else
		fail "$SUFFIX store on a locked keyring fails with one line on stdout" "exit $HRC: $HOUT"
	fi
else
	fail "keyring locked (Secret Service Lock())"
fi

tap_summary
