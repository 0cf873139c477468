#!/usr/bin/env bash
# End-to-end test of a Docker credential helper with real clients against a real registry.
#
# Usage: tests/e2e/clients_test.sh SUFFIX [STORE...]
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#            (e.g. PATH=$PWD/build:$PATH tests/e2e/clients_test.sh ssm file secretservice)
#   STORE    each value runs the whole matrix with SSM_STORE=STORE (`file`, `secretservice`);
#            without one, the matrix runs once with SSM_STORE unset (for reference helpers such
#            as Debian's docker-credential-secretservice). A private GNOME keyring runs for
#            every store except `file`.
#
# For each client (docker CLI + private dockerd, podman with --authfile, podman with
# REGISTRY_AUTH_FILE, podman with its default auth file, skopeo, buildah): anonymous pull refused
# -> wrong-password login refused and nothing stored -> login -> helper list/get show the
# credentials and no client file holds them -> pull -> logout -> helper get answers not-found,
# list has no entry -> pull refused. The calls each client makes to the helper are recorded
# (tests/support/recording-helper.sh, installed under the helper's own name in front of PATH)
# and summed up on stderr at the end as "#   [store] client step: action server, ..." lines.
#
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed".
# Exit status 0 only when nothing failed. Needs root (dockerd, mount namespace); all state lives
# in a mktemp -d directory that is removed at exit, every server is stopped by its PID.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=../support/clients_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/clients_e2e.sh"
# SELF, E2E_DIR, SUPPORT_DIR, SUFFIX, STORES, ORIG_PATH, HELPER_BIN
clients_e2e_enter "${BASH_SOURCE[0]}" "$@"

E2E_USER=e2e-user
# Spaces, a colon, JSON-special and HTML-escaped characters, non-ASCII: all clients pass it.
E2E_PASS='pa ss:<&>"q"\é-1'
E2E_WRONG_PASS=wrong-password
NOT_FOUND='credentials not found in native keychain'
UNAUTHORIZED_RE='unauthorized|no basic auth credentials|authentication required'


W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-clients.XXXXXX")
cleanup() {
	keyring_stop
	dockerd_stop
	registry_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Helper-level checks (the real binary, called directly, in the same environment)

# helper_run ACTION INPUT: sets HOUT (stdout) and HRC (exit status); stderr to $S/helper.err.
helper_run() {
	HRC=0
	HOUT=$(printf '%s' "$2" | "$HELPER_BIN" "$1" 2>>"$S/helper.err") || HRC=$?
}

# expect_helper_has LABEL: list and get show E2E_USER / E2E_PASS for REGISTRY_HOST.
expect_helper_has() {
	local label=$1 got
	helper_run list unused
	got=$(printf '%s' "$HOUT" | jq -r --arg h "$REGISTRY_HOST" '.[$h] // "<absent>"' 2>&1 || true)
	if [ "$HRC" = 0 ] && [ "$got" = "$E2E_USER" ]; then
		pass "$label: helper list shows $REGISTRY_HOST -> $E2E_USER"
	else
		fail "$label: helper list shows $REGISTRY_HOST -> $E2E_USER" "exit $HRC: $HOUT"
	fi
	helper_run get "$REGISTRY_HOST"
	got=$(printf '%s' "$HOUT" | jq -r '[.ServerURL, .Username, .Secret] | join("\n")' 2>&1 || true)
	if [ "$HRC" = 0 ] && [ "$got" = "$REGISTRY_HOST"$'\n'"$E2E_USER"$'\n'"$E2E_PASS" ]; then
		pass "$label: helper get returns the login's username and secret"
	else
		fail "$label: helper get returns the login's username and secret" \
			"exit $HRC: $(printf '%s' "$HOUT" | sed 's/"Secret":"[^"]*"/"Secret":"..."/')"
	fi
}

# expect_helper_empty LABEL: get answers not-found, list has no entry for REGISTRY_HOST.
expect_helper_empty() {
	local label=$1 out
	helper_run get "$REGISTRY_HOST"
	out=$(printf '%s' "$HOUT" | tr -d '\r' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
	if [ "$HRC" = 1 ] && [ "$out" = "$NOT_FOUND" ]; then
		pass "$label: helper get answers \"$NOT_FOUND\""
	else
		fail "$label: helper get answers \"$NOT_FOUND\"" "exit $HRC: $HOUT"
	fi
	helper_run list unused
	if [ "$HRC" = 0 ] && printf '%s' "$HOUT" | jq -e --arg h "$REGISTRY_HOST" 'type == "object" and (has($h) | not)' >/dev/null 2>&1; then
		pass "$label: helper list has no $REGISTRY_HOST"
	else
		fail "$label: helper list has no $REGISTRY_HOST" "exit $HRC: $HOUT"
	fi
}

# helper_forget: remove whatever a failed step may have left (no check).
helper_forget() {
	helper_run erase "$REGISTRY_HOST"
}

# ---------------------------------------------------------------------------------------------
# Recorded calls

# calls_mark, calls_since_mark: tests/support/clients_e2e.sh.

# calls_report LABEL STEP: keeps the calls in CALLS (one line each) and in the summary file.
calls_report() {
	CALLS=$(calls_since_mark)
	printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$CALLS" | paste -sd ',')" >>"$W/calls-summary.tsv"
}

expect_call() {
	local label=$1 what=$2
	# Not `printf | grep -q`: under pipefail, grep leaving early can fail printf (SIGPIPE)
	# when the client asked more than once, and the check with it.
	if grep -xF "$what" >/dev/null <<<"$CALLS"; then
		pass "$label (helper saw: $what)"
	else
		fail "$label (helper saw: $what)" "calls: $(printf '%s' "$CALLS" | paste -sd ',')"
	fi
}

# ---------------------------------------------------------------------------------------------
# Clients. Each defines CLIENT_setup (write its config), CLIENT_login USER PASS, CLIENT_pull,
# CLIENT_logout and CLIENT_files (client files that must never hold the secret).

write_cred_helpers() {
	mkdir -p "$(dirname "$1")"
	jq -n --arg h "$REGISTRY_HOST" --arg s "$SUFFIX" '{credHelpers: {($h): $s}}' >"$1"
}

docker_setup() { write_cred_helpers "$DOCKER_CONFIG/config.json"; }
docker_login() { printf '%s\n' "$2" | docker login -u "$1" --password-stdin "$REGISTRY_HOST"; }
docker_pull() {
	docker rmi -f "$IMG" >/dev/null 2>&1 || true
	docker pull -q "$IMG"
}
docker_logout() { docker logout "$REGISTRY_HOST"; }
docker_files() { printf '%s\n' "$DOCKER_CONFIG"; }

# containers/image tools: the auth file with credHelpers is passed explicitly. DOCKER_CONFIG
# points at a config.json without credHelpers (and must exist: with DOCKER_CONFIG set, podman's
# default auth file is $DOCKER_CONFIG/config.json and a missing one is an error).
cimage_setup() {
	write_cred_helpers "$AUTHFILE"
	echo '{}' >"$DOCKER_CONFIG/config.json"
}
cimage_files() { printf '%s\n' "$AUTHFILE" "$DOCKER_CONFIG" "$XDG_RUNTIME_DIR/containers"; }

podman_setup() { cimage_setup; }
podman_login() {
	printf '%s\n' "$2" | podman login --tls-verify=false --authfile "$AUTHFILE" -u "$1" --password-stdin "$REGISTRY_HOST"
}
podman_pull() {
	podman rmi -f "$IMG" >/dev/null 2>&1 || true
	podman pull -q --tls-verify=false --signature-policy "$POLICY" --authfile "$AUTHFILE" "$IMG"
}
podman_logout() { podman logout --authfile "$AUTHFILE" "$REGISTRY_HOST"; }
podman_files() { cimage_files; }

# podman-env: the same auth file named by REGISTRY_AUTH_FILE instead of --authfile.
podman_env_setup() { cimage_setup; }
podman_env_login() {
	printf '%s\n' "$2" | REGISTRY_AUTH_FILE=$AUTHFILE podman login --tls-verify=false -u "$1" --password-stdin "$REGISTRY_HOST"
}
podman_env_pull() {
	podman rmi -f "$IMG" >/dev/null 2>&1 || true
	REGISTRY_AUTH_FILE=$AUTHFILE podman pull -q --tls-verify=false --signature-policy "$POLICY" "$IMG"
}
podman_env_logout() { REGISTRY_AUTH_FILE=$AUTHFILE podman logout "$REGISTRY_HOST"; }
podman_env_files() { cimage_files; }

# podman-default: no --authfile, no REGISTRY_AUTH_FILE, no DOCKER_CONFIG: podman's default
# (primary) auth file $XDG_RUNTIME_DIR/containers/auth.json carries the credHelpers.
podman_default_setup() {
	write_cred_helpers "$XDG_RUNTIME_DIR/containers/auth.json"
	echo '{}' >"$DOCKER_CONFIG/config.json"
}
podman_default_login() {
	printf '%s\n' "$2" | env -u DOCKER_CONFIG podman login --tls-verify=false -u "$1" --password-stdin "$REGISTRY_HOST"
}
podman_default_pull() {
	podman rmi -f "$IMG" >/dev/null 2>&1 || true
	env -u DOCKER_CONFIG podman pull -q --tls-verify=false --signature-policy "$POLICY" "$IMG"
}
podman_default_logout() { env -u DOCKER_CONFIG podman logout "$REGISTRY_HOST"; }
podman_default_files() { cimage_files; }

skopeo_setup() { cimage_setup; }
skopeo_login() {
	printf '%s\n' "$2" | skopeo login --tls-verify=false --authfile "$AUTHFILE" -u "$1" --password-stdin "$REGISTRY_HOST"
}
skopeo_pull() { skopeo inspect --tls-verify=false --authfile "$AUTHFILE" "docker://$IMG" >/dev/null; }
skopeo_logout() { skopeo logout --authfile "$AUTHFILE" "$REGISTRY_HOST"; }
skopeo_files() { cimage_files; }

buildah_setup() { cimage_setup; }
buildah_login() {
	printf '%s\n' "$2" | buildah login --tls-verify=false --authfile "$AUTHFILE" -u "$1" --password-stdin "$REGISTRY_HOST"
}
# --policy always: buildah's default pull policy "missing" would not ask the registry at all
# when the image is already in storage.
buildah_pull() {
	buildah rmi -f "$IMG" >/dev/null 2>&1 || true
	buildah pull -q --policy always --tls-verify=false --signature-policy "$POLICY" --authfile "$AUTHFILE" "$IMG"
}
buildah_logout() { buildah logout --authfile "$AUTHFILE" "$REGISTRY_HOST"; }
buildah_files() { cimage_files; }

# ---------------------------------------------------------------------------------------------

# run_step LABEL CLIENT ACTION NAME [ARGS]: runs CLIENT_ACTION ARGS, records the helper calls
# under NAME; sets STEP_RC, STEP_OUT.
run_step() {
	local label=$1 fn=${2//-/_}_$3 step=$4
	shift 4
	calls_mark
	STEP_RC=0
	STEP_OUT=$("$fn" "$@" 2>&1) || STEP_RC=$?
	calls_report "$label" "$step"
}

expect_step_ok() {
	if [ "$STEP_RC" = 0 ]; then
		pass "$1"
	else
		fail "$1" "exit $STEP_RC: $(printf '%s' "$STEP_OUT" | tail -n 5)"
	fi
}

expect_step_unauthorized() {
	if [ "$STEP_RC" != 0 ] && printf '%s' "$STEP_OUT" | grep -iE "$UNAUTHORIZED_RE" >/dev/null; then
		pass "$1"
	else
		fail "$1" "exit $STEP_RC: $(printf '%s' "$STEP_OUT" | tail -n 5)"
	fi
}

# expect_no_plaintext LABEL: no client file holds the password or base64(user:password).
expect_no_plaintext() {
	local label=$1 b64 hits f
	b64=$(printf '%s:%s' "$E2E_USER" "$E2E_PASS" | base64 -w0)
	hits=""
	while IFS= read -r f; do
		[ -e "$f" ] || continue
		hits+=$(grep -rlF -e "$E2E_PASS" -e "$b64" "$f" 2>/dev/null || true)
	done < <("${CLIENT}_files")
	if [ -z "$hits" ]; then
		pass "$label: no client config file holds the secret"
	else
		fail "$label: no client config file holds the secret" "found in: $hits"
	fi
}

run_client() {
	local store=$1 client=$2 label
	CLIENT=${client//-/_}
	label="[$store] $client"
	"${CLIENT}_setup"
	helper_forget

	run_step "$label" "$client" pull pull-anonymous
	expect_step_unauthorized "$label: pull without login is refused"

	run_step "$label" "$client" login login-wrong-password "$E2E_USER" "$E2E_WRONG_PASS"
	if [ "$STEP_RC" != 0 ]; then
		pass "$label: login with a wrong password is refused"
	else
		fail "$label: login with a wrong password is refused" "$STEP_OUT"
	fi
	if grep '^store ' >/dev/null <<<"$CALLS"; then
		fail "$label: wrong-password login sent no store" "calls: $CALLS"
	else
		pass "$label: wrong-password login sent no store"
	fi
	expect_helper_empty "$label: after the wrong-password login"

	run_step "$label" "$client" login login "$E2E_USER" "$E2E_PASS"
	expect_step_ok "$label: login"
	expect_call "$label: login stored through the helper" "store $REGISTRY_HOST"
	expect_helper_has "$label: after login"
	expect_no_plaintext "$label: after login"

	run_step "$label" "$client" pull pull
	expect_step_ok "$label: pull with the stored credentials"
	expect_call "$label: pull asked the helper" "get $REGISTRY_HOST"

	run_step "$label" "$client" logout logout
	expect_step_ok "$label: logout"
	expect_call "$label: logout erased through the helper" "erase $REGISTRY_HOST"
	expect_helper_empty "$label: after logout"

	run_step "$label" "$client" pull pull-after-logout
	expect_step_unauthorized "$label: pull after logout is refused (unauthorized)"

	helper_forget
}

run_store() {
	local store=$1 client keyring_up=""
	S="$W/store-$store"
	mkdir -p "$S"/{home,config,data,cache,run,docker,tmp,bin,containers}
	chmod 700 "$S/run"
	export HOME="$S/home" XDG_CONFIG_HOME="$S/config" XDG_DATA_HOME="$S/data" \
		XDG_CACHE_HOME="$S/cache" XDG_RUNTIME_DIR="$S/run" DOCKER_CONFIG="$S/docker" \
		TMPDIR="$S/tmp"
	unset REGISTRY_AUTH_FILE
	if [ "$store" = default ]; then
		unset SSM_STORE
	else
		export SSM_STORE="$store"
	fi
	AUTHFILE="$S/auth.json"
	sandbox_clients "$S" --insecure "$REGISTRY_HOST"
	export "${CONTAINERS_ENV[@]}"

	# The recorder, installed under the helper's own name, in front of the real one.
	CALLS_LOG="$S/calls.log"
	"$SUPPORT_DIR/recording-helper.sh" install "$S/bin" "$HELPER_BIN" "$CALLS_LOG" "$SUFFIX"
	export PATH="$S/bin:$ORIG_PATH"

	if [ "$store" != file ]; then
		if keyring_start "$S"; then
			keyring_up=1
			pass "[$store] private GNOME keyring (Secret Service) is up"
		else
			fail "[$store] private GNOME keyring (Secret Service) is up"
			return 0
		fi
	fi

	for client in docker podman podman-env podman-default skopeo buildah; do
		case $client in
		docker)
			if [ -z "${DOCKERD_PID:-}" ]; then
				skip "[$store] docker" "no dockerd"
				continue
			fi
			;;
		podman*)
			command -v podman >/dev/null 2>&1 || { skip "[$store] $client" "podman not installed"; continue; } ;;
		*)
			command -v "$client" >/dev/null 2>&1 || { skip "[$store] $client" "$client not installed"; continue; } ;;
		esac
		run_client "$store" "$client"
	done

	if [ -n "$keyring_up" ]; then
		keyring_stop
	fi
	export PATH="$ORIG_PATH"
}

# ---------------------------------------------------------------------------------------------

clients_e2e_helper "$W"

if registry_start "$W" "$E2E_USER" "$E2E_PASS" && registry_push_test_image "$W" e2e/hello:1; then
	pass "registry with htpasswd auth is up at $REGISTRY_HOST with a test image"
else
	fail "registry with htpasswd auth is up with a test image"
	tap_summary
	exit 1
fi
IMG="$REGISTRY_HOST/e2e/hello:1"

if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
	if dockerd_start "$W"; then
		pass "private dockerd is up"
		if docker info 2>/dev/null | grep -A3 'Insecure Registries' | grep -F '127.0.0.0/8' >/dev/null; then
			pass "dockerd treats 127.0.0.0/8 registries as insecure (plain HTTP allowed)"
		else
			fail "dockerd treats 127.0.0.0/8 registries as insecure (plain HTTP allowed)"
		fi
	else
		fail "private dockerd is up"
	fi
fi

for store in "${STORES[@]}"; do
	run_store "$store"
done

if [ -s "$W/calls-summary.tsv" ]; then
	log "recorded helper calls (client, step: action server, ...):"
	while IFS=$'\t' read -r label step calls; do
		log "  $label $step: ${calls:-<none>}"
	done <"$W/calls-summary.tsv"
fi

tap_summary
