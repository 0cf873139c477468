#!/usr/bin/env bash
# End-to-end test of registry providers (credentials configured for a registry instead of a
# `docker login`), with real clients against the real Distribution registry with htpasswd.
#
# Usage: tests/e2e/providers_test.sh SUFFIX [STORE...]
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#            (e.g. PATH=$PWD/build:$PATH tests/e2e/providers_test.sh ssm file secretservice)
#   STORE    each value runs every check with SSM_STORE=STORE (`file`, `secretservice`); without
#            one, once with SSM_STORE unset. A private GNOME keyring runs for every store but `file`.
#
# Per store, with fresh HOME/XDG/DOCKER_CONFIG dirs, SSM_LOG=debug, and NO client login unless
# said (docker pull through a private dockerd, podman pull and skopeo inspect, all through
# credHelpers naming the helper):
#  defaults    nothing configured: `get` docker.io, https://index.docker.io/v1/, ghcr.io, quay.io,
#              gcr.io, public.ecr.aws answers exactly the not-found error; `registry add hub
#              --login u --password -` (stdin with a trailing newline) makes `get docker.io` return
#              it, no look-alike host gets it; `registry reset hub` returns it to not-found.
#  env         custom configured only by SSM_REGISTRY_CUSTOM_LAB_{URL,LOGIN,PASSWORD}, then
#              PASSWORD__FILE, then the nameless SSM_REGISTRY_CUSTOM_{URL,AUTH}: the three pulls
#              succeed, `get` returns the user/password, `list` shows the host, nothing written;
#              SSM_REGISTRY_CUSTOM_LAB_TOKEN as alias of PASSWORD (get only).
#  command     `registry add custom lab --url --login --password -`: config file without the
#              password, secret in the store, `registry list`, `list`, pulls, `get`, `registry test`.
#  precedence  `docker login` as another valid user wins over the configured lab; after
#              `docker logout` the configured credentials are back.
#  reset       `registry reset custom lab`, then `registry remove custom lab` (after a re-add with
#              --url=/--login=/--password-file): pulls refused (unauthorized), `get` not-found,
#              `list`/`registry list` without the host, no secret left in the keyring.
#  tls         a TLS registry (registry.sh tls mode, test CA): `registry test` without cacert
#              fails with a one-line TLS error; with --cacert-file it is accepted; skopeo inspect
#              --cert-dir (client trust is its own) succeeds with no login; a wrong password is
#              rejected; cacert through SSM_REGISTRY_..._CACERT__FILE works too.
#  validation  every refusal (custom without url, login without password, password without login,
#              auth with login/password, auth not base64 of user:password, url not a URL, hub
#              login without password) exits 1 with one line naming provider and variable and
#              leaves the config file bytes and the secret store unchanged; usage errors exit 2.
#  hygiene     no planted secret (nor base64 user:password) in any registry-command/list output,
#              the helper's stderr (SSM_LOG=debug, also when run by clients), the config file, the
#              keyring's item attributes, the argv of any process the helper ran (strace execve)
#              for stdin/-file input, or any file of the store's sandbox.
#
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed".
# Exit status 0 only when nothing failed. Needs root (dockerd, mount namespace) and strace for
# the argv check (skipped without it); all state lives in a mktemp -d directory removed at exit,
# every server is stopped by its PID.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=../support/clients_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/clients_e2e.sh"
# SELF, E2E_DIR, SUPPORT_DIR, SUFFIX, STORES, ORIG_PATH, HELPER_BIN
clients_e2e_enter "${BASH_SOURCE[0]}" "$@"

# Nothing from the caller's environment may configure a registry.
for v in $(compgen -e); do
	case $v in SSM_REGISTRY_* | SSM_LOG) unset "$v" ;; esac
done

# Every planted secret contains "xQ7" (survives JSON escaping), so one fixed-string search finds
# any of them; base64 forms of user:password are searched for too.
E2E_USER=e2e-user
# Spaces, a colon (auth is split at the FIRST colon), JSON-special characters, non-ASCII.
E2E_PASS='xQ7mainSecret pa ss:<&>"q"\é-1'
E2E_PASS_TOKEN=xQ7mainSecret # what survives any escaping (a store may keep secrets as JSON)
USER2=e2e-second
USER2_PASS='xQ7userTwoSecret-2'
TLS_USER=tls-user
TLS_PASS='xQ7tlsSecret-3'
HUB_USER=hubuser
HUB_PASS='xQ7hubSecret-4'
WRONG_PASS='xQ7wrongSecret-5'
KEEP_PASS='xQ7keepSecret-6'
REFUSED_PASS='xQ7refusedSecret-7'
STORED_PASS='xQ7storedSecret-8'
AUTH_B64=$(printf '%s:%s' "$E2E_USER" "$E2E_PASS" | base64 -w0)
NOT_FOUND='credentials not found in native keychain'
UNAUTHORIZED_RE='unauthorized|no basic auth credentials|authentication required'
# (not "tls": that is the registry's name in the message)
TLS_ERROR_RE='certificat|ssl|x509|verif|trust|issuer|self[- ]signed|handshake'

HAVE_STRACE=""
command -v strace >/dev/null 2>&1 && HAVE_STRACE=1

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-providers.XXXXXX")
MAIN_REGISTRY_PID=""
TLS_REGISTRY_PID=""
cleanup() {
	keyring_stop
	dockerd_stop
	REGISTRY_PID=$TLS_REGISTRY_PID
	registry_stop
	REGISTRY_PID=$MAIN_REGISTRY_PID
	registry_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PATTERNS="$W/planted-patterns"
{
	printf '%s\n' xQ7 "$AUTH_B64"
	for pair in "$E2E_USER:$E2E_PASS" "$USER2:$USER2_PASS" "$TLS_USER:$TLS_PASS" \
		"$HUB_USER:$HUB_PASS" "$E2E_USER:$WRONG_PASS" "$TLS_USER:$WRONG_PASS"; do
		printf '%s' "$pair" | base64 -w0
		echo
	done
	printf '%s' "$E2E_PASS" | base64 -w0
	echo
} >"$PATTERNS"

# redact TEXT: the text with planted secrets masked (for failure details on stderr).
redact() {
	printf '%s' "$1" | sed -E 's/xQ7[A-Za-z]*/<planted-secret>/g'
}

# ---------------------------------------------------------------------------------------------
# The helper, called directly. Always SSM_LOG=debug; stdout of everything but `get` is kept in
# $S/registry.out and stderr in $S/helper.err for the hygiene checks.

# hrun [--stdin DATA] [--strace NAME] ARG...: sets HRC, HOUT (stdout), HMSG (stdout and stderr
# without debug/info log lines, blank lines dropped: what a person reads as the message).
hrun() {
	local input="" have_input="" trace="" cmd
	while [ $# -gt 0 ]; do
		case $1 in
		--stdin) input=$2 have_input=1; shift 2 ;;
		--strace) trace=$2; shift 2 ;;
		*) break ;;
		esac
	done
	# A hung helper must not hang the suite.
	cmd=(timeout -k 5 60 "$HELPER_BIN" "$@")
	if [ -n "$trace" ] && [ -n "$HAVE_STRACE" ]; then
		# LeakSanitizer cannot run under ptrace: off for traced runs of an ASan build.
		cmd=(strace -f -qq -e trace=execve -s 65536 -o "$S/strace-$trace.log"
			env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "${cmd[@]}")
	fi
	HRC=0
	if [ -n "$have_input" ]; then
		HOUT=$(printf '%s' "$input" | SSM_LOG=debug "${cmd[@]}" 2>"$S/last.err") || HRC=$?
	else
		HOUT=$(SSM_LOG=debug "${cmd[@]}" </dev/null 2>"$S/last.err") || HRC=$?
	fi
	{
		printf '$ %s\n' "$*"
		cat "$S/last.err"
	} >>"$S/helper.err"
	if [ "${1:-}" != get ]; then
		printf '$ %s\n%s\n' "$*" "$HOUT" >>"$S/registry.out"
	fi
	HMSG=$({
		printf '%s\n' "$HOUT"
		grep -vE '^docker-credential-ssm: (debug|info): ' "$S/last.err" || true
	} | sed '/^[[:space:]]*$/d')
}

hdetail() {
	redact "exit $HRC: $HMSG"
}

# expect_ok LABEL [REGEX]: exit 0 (and the message matches REGEX, case-insensitive).
expect_ok() {
	if [ "$HRC" = 0 ] && { [ $# -lt 2 ] || printf '%s' "$HMSG" | grep -qiE "$2"; }; then
		pass "$1"
	else
		fail "$1" "$(hdetail)"
	fi
}

# expect_error LABEL RC REGEX: exit RC with exactly one line that matches REGEX (ERE,
# case-insensitive) and holds no planted secret.
expect_error() {
	local label=$1 rc=$2 re=$3 n
	n=$(printf '%s' "$HMSG" | grep -c . || true)
	if [ "$HRC" = "$rc" ] && [ "$n" = 1 ] && printf '%s' "$HMSG" | grep -qiE "$re" &&
		! printf '%s' "$HMSG" | grep -qF xQ7; then
		pass "$label"
	else
		fail "$label" "$(hdetail) [$n line(s); want exit $rc, one line matching /$re/i]"
	fi
}

# expect_get LABEL SERVER USER SECRET: `get SERVER` answers exactly that ServerURL/user/secret.
expect_get() {
	local label=$1 server=$2 user=$3 secret=$4 shown
	hrun --stdin "$server" get
	if [ "$HRC" = 0 ] && printf '%s' "$HOUT" | jq -e --arg h "$server" --arg u "$user" --arg s "$secret" \
		'.ServerURL == $h and .Username == $u and .Secret == $s' >/dev/null 2>&1; then
		pass "$label"
	else
		shown=$(printf '%s' "$HOUT" | jq -c --arg s "$secret" \
			'.Secret |= (if . == $s then "<the expected secret>" elif . == null then null else "<another secret, \(length) chars>" end)' \
			2>/dev/null || redact "$HOUT")
		fail "$label" "exit $HRC: $shown (wanted ServerURL $server, Username $user)"
	fi
}

# expect_not_found LABEL SERVER: `get SERVER` exits 1 printing exactly the not-found error.
expect_not_found() {
	hrun --stdin "$2" get
	if [ "$HRC" = 1 ] && [ "$HOUT" = "$NOT_FOUND" ]; then
		pass "$1"
	else
		fail "$1" "exit $HRC: $(printf '%s' "$HOUT" | jq -c '.Secret |= (if . then "<secret>" else . end)' 2>/dev/null || redact "$HOUT")"
	fi
}

# expect_list LABEL HOST present|absent [USER]: the protocol `list` has (or has not) HOST.
expect_list() {
	local label=$1 host=$2 want=$3 user=${4:-} filter
	hrun --stdin unused list
	# shellcheck disable=SC2016 # jq variables
	case $want in
	present) filter='type == "object" and has($h)' ;;
	absent) filter='type == "object" and (has($h) | not)' ;;
	esac
	[ -z "$user" ] || filter="$filter and .[\$h] == \$u"
	if [ "$HRC" = 0 ] && printf '%s' "$HOUT" | jq -e --arg h "$host" --arg u "$user" "$filter" >/dev/null 2>&1; then
		pass "$label"
	else
		fail "$label" "$(hdetail)"
	fi
}

# expect_registry_list LABEL present|absent HOST [WORD...]: `registry list` exits 0, never
# prints a planted secret, and shows HOST with every WORD (case-insensitive) or not HOST at all.
expect_registry_list() {
	local label=$1 want=$2 host=$3 word ok=1
	shift 3
	hrun registry list
	[ "$HRC" = 0 ] || ok=""
	if printf '%s' "$HOUT" | grep -qaFf "$PATTERNS"; then
		ok=""
		fail "$label: registry list prints no secret" "it does (masked): $(redact "$HOUT")"
	fi
	if [ "$want" = present ]; then
		printf '%s' "$HOUT" | grep -qF "$host" || ok=""
		for word in "$@"; do
			printf '%s' "$HOUT" | grep -qiF -- "$word" || ok=""
		done
	else
		! printf '%s' "$HOUT" | grep -qF "$host" || ok=""
	fi
	if [ -n "$ok" ]; then
		pass "$label"
	else
		fail "$label" "$(hdetail)"
	fi
}

# ---------------------------------------------------------------------------------------------
# What the helper keeps: config file bytes, store files, keyring items.

config_sum() {
	if [ -e "$CONFIG_FILE" ]; then sha256sum <"$CONFIG_FILE" | cut -d' ' -f1; else echo absent; fi
}

# keyring_read: KEYRING_META (item paths, attributes, modification times: readable by anyone
# on the bus) and KEYRING_SECRETS (secret-tool's view of the same items, secrets included).
keyring_read() {
	local items item attrs modified pair key val re="'[^'\\\\]+': '[^'\\\\]*'"
	KEYRING_META=""
	KEYRING_SECRETS=""
	items=$(gdbus call --session -d org.freedesktop.secrets -o "$KEYRING_COLLECTION" \
		-m org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Items 2>/dev/null |
		grep -o "/org/freedesktop/secrets/collection/[^']*" || true)
	for item in $items; do
		attrs=$(gdbus call --session -d org.freedesktop.secrets -o "$item" \
			-m org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Item Attributes 2>/dev/null || true)
		modified=$(gdbus call --session -d org.freedesktop.secrets -o "$item" \
			-m org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Item Modified 2>/dev/null || true)
		KEYRING_META+="$item $attrs $modified"$'\n'
		pair=$(printf '%s' "$attrs" | grep -oE "$re" | head -n 1 || true)
		[ -n "$pair" ] || continue
		key=${pair%%"': '"*}
		key=${key#"'"}
		val=${pair#*"': '"}
		val=${val%"'"}
		KEYRING_SECRETS+=$(secret-tool search --all --unlock "$key" "$val" 2>&1 || true)$'\n'
	done
	KEYRING_SECRETS=$(printf '%s' "$KEYRING_SECRETS" | LC_ALL=C sort -u)
}

# store_sum: one hash over the helper's data dir files and (Secret Service) the keyring items.
store_sum() {
	{
		if [ -d "$XDG_DATA_HOME" ]; then
			find "$XDG_DATA_HOME" -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
		fi
		if [ -n "${KEYRING_PID:-}" ]; then
			keyring_read
			printf '%s\n%s\n' "$KEYRING_META" "$KEYRING_SECRETS"
		fi
	} | sha256sum | cut -d' ' -f1
}

# keyring_check LABEL has|lacks TEXT: (Secret Service only) whether an item's secret holds TEXT.
keyring_check() {
	[ -n "${KEYRING_PID:-}" ] || return 0
	keyring_read
	local has=""
	printf '%s' "$KEYRING_SECRETS" | grep -qF -- "$3" && has=1
	if { [ "$2" = has ] && [ -n "$has" ]; } || { [ "$2" = lacks ] && [ -z "$has" ]; }; then
		pass "$1"
	else
		fail "$1" "$(printf '%s' "$KEYRING_META" | wc -l) item(s) in the keyring"
	fi
}

# ---------------------------------------------------------------------------------------------
# Clients (no login: the credentials come from the helper's configuration).

# calls_mark, calls_since_mark: tests/support/clients_e2e.sh.

docker_pull() {
	docker rmi -f "$1" >/dev/null 2>&1 || true
	docker pull -q "$1"
}
podman_pull() {
	podman rmi -f "$1" >/dev/null 2>&1 || true
	podman pull -q --tls-verify=false --signature-policy "$POLICY" --authfile "$AUTHFILE" "$1"
}
skopeo_pull() { skopeo inspect --tls-verify=false --authfile "$AUTHFILE" "docker://$1" >/dev/null; }
skopeo_tls_pull() { skopeo inspect --cert-dir "$TLS_CERT_DIR" --authfile "$AUTHFILE" "docker://$1" >/dev/null; }

# step FN ARG...: runs a client command; sets STEP_RC, STEP_OUT, CALLS (helper calls it made).
step() {
	calls_mark
	STEP_RC=0
	STEP_OUT=$("$@" 2>&1) || STEP_RC=$?
	printf '$ %s\n%s\n' "$*" "$STEP_OUT" >>"$S/steps.out"
	CALLS=$(calls_since_mark)
}

client_available() {
	case $1 in
	docker) [ -n "${DOCKERD_PID:-}" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# expect_pulls LABEL ok|unauthorized HOST IMAGE: docker pull, podman pull, skopeo inspect.
expect_pulls() {
	local label=$1 want=$2 host=$3 img=$4 client detail
	for client in docker podman skopeo; do
		if ! client_available "$client"; then
			skip "$label: $client" "$client not available"
			continue
		fi
		step "${client}_pull" "$img"
		detail="exit $STEP_RC: $(redact "$(printf '%s' "$STEP_OUT" | tail -n 5)")
helper calls: $(printf '%s' "$CALLS" | paste -sd ',')"
		if [ "$want" = ok ]; then
			if [ "$STEP_RC" = 0 ] && printf '%s\n' "$CALLS" | grep -qxF "get $host"; then
				pass "$label: $client pull succeeds with no login (helper asked: get $host)"
			else
				fail "$label: $client pull succeeds with no login (helper asked: get $host)" "$detail"
			fi
		else
			if [ "$STEP_RC" != 0 ] && printf '%s' "$STEP_OUT" | grep -qiE "$UNAUTHORIZED_RE"; then
				pass "$label: $client pull is refused by the registry (unauthorized)"
			else
				fail "$label: $client pull is refused by the registry (unauthorized)" "$detail"
			fi
		fi
	done
}

# ---------------------------------------------------------------------------------------------
# The parts. Each runs in the store's environment (run_store) and leaves nothing configured.

part_usage() {
	local l="[$STORE] usage" c0 s0
	c0=$(config_sum)
	s0=$(store_sum)
	# A bare `registry` may print the whole usage text.
	hrun registry
	if [ "$HRC" = 2 ]; then
		pass "$l: 'registry' without a subcommand exits 2"
	else
		fail "$l: 'registry' without a subcommand exits 2" "$(hdetail)"
	fi
	hrun registry frobnicate
	expect_error "$l: unknown subcommand 'registry frobnicate' exits 2 with one line" 2 frobnicate
	hrun registry add
	expect_error "$l: 'registry add' without a provider exits 2 with one line" 2 .
	hrun registry add nosuchprovider x --url "$REGISTRY_URL"
	if [ "$HRC" = 1 ] || [ "$HRC" = 2 ]; then
		pass "$l: unknown provider is refused (exit $HRC)"
	else
		fail "$l: unknown provider is refused" "$(hdetail)"
	fi
	hrun --stdin "$REFUSED_PASS" registry add custom lab --url "$REGISTRY_URL" --login u --password - --nosuchvariable x
	if [ "$HRC" = 1 ] || [ "$HRC" = 2 ]; then
		pass "$l: unknown variable --nosuchvariable is refused (exit $HRC)"
	else
		fail "$l: unknown variable --nosuchvariable is refused" "$(hdetail)"
	fi
	check_eq "$l: refused commands left the config file alone" "$c0" "$(config_sum)"
	check_eq "$l: refused commands left the secret store alone" "$s0" "$(store_sum)"
}

part_defaults() {
	local l="[$STORE] defaults" h
	for h in docker.io https://index.docker.io/v1/ ghcr.io quay.io gcr.io public.ecr.aws; do
		expect_not_found "$l: nothing configured: get $h answers \"$NOT_FOUND\"" "$h"
	done

	# A trailing newline on stdin (echo pw | ...) is not part of the password.
	hrun --stdin "$HUB_PASS"$'\n' registry add hub --login "$HUB_USER" --password -
	expect_ok "$l: registry add hub --login $HUB_USER --password - (stdin)"
	expect_get "$l: get docker.io returns the hub login (trailing newline of stdin dropped)" \
		docker.io "$HUB_USER" "$HUB_PASS"
	expect_get "$l: get https://index.docker.io/v1/ (docker's Hub key) returns it too" \
		https://index.docker.io/v1/ "$HUB_USER" "$HUB_PASS"
	for h in ghcr.io docker.io.evil.com evildocker.io; do
		expect_not_found "$l: hub configured: get $h still answers not-found" "$h"
	done
	expect_registry_list "$l: registry list shows hub" present docker.io hub
	if [ -e "$CONFIG_FILE" ] && grep -qaFf "$PATTERNS" "$CONFIG_FILE"; then
		fail "$l: the config file does not hold the hub password"
	else
		pass "$l: the config file does not hold the hub password"
	fi

	hrun registry reset hub
	expect_ok "$l: registry reset hub"
	expect_not_found "$l: after reset: get docker.io answers \"$NOT_FOUND\"" docker.io
	expect_not_found "$l: after reset: get https://index.docker.io/v1/ answers not-found" https://index.docker.io/v1/
	keyring_check "$l: after reset the keyring holds no hub password" lacks "$HUB_PASS"
}

# env_variant LABEL USER SECRET NAME=VALUE...: configure by environment only, then check.
env_variant() {
	local label=$1 user=$2 secret=$3 c0 s0
	shift 3
	c0=$(config_sum)
	s0=$(store_sum)
	# shellcheck disable=SC2163 # the arguments are NAME=VALUE pairs
	export "$@"
	expect_pulls "$label" ok "$REGISTRY_HOST" "$IMG"
	expect_get "$label: get returns the configured user and password" "$REGISTRY_HOST" "$user" "$secret"
	expect_list "$label: list shows $REGISTRY_HOST" "$REGISTRY_HOST" present
	expect_registry_list "$label: registry list shows custom with $REGISTRY_HOST" present "$REGISTRY_HOST" custom
	expect_not_found "$label: get 127.0.0.1 (no port) answers not-found" 127.0.0.1
	check_eq "$label: environment configuration wrote no config file" "$c0" "$(config_sum)"
	check_eq "$label: environment configuration wrote nothing to the store" "$s0" "$(store_sum)"
	unset "${!SSM_REGISTRY_@}"
	expect_not_found "$label: variables unset: get answers not-found" "$REGISTRY_HOST"
}

part_env() {
	local l="[$STORE] env"
	env_variant "$l url+login+password" "$E2E_USER" "$E2E_PASS" \
		SSM_REGISTRY_CUSTOM_LAB_URL="$REGISTRY_URL" SSM_REGISTRY_CUSTOM_LAB_LOGIN="$E2E_USER" \
		SSM_REGISTRY_CUSTOM_LAB_PASSWORD="$E2E_PASS"
	env_variant "$l password__FILE" "$E2E_USER" "$E2E_PASS" \
		SSM_REGISTRY_CUSTOM_LAB_URL="$REGISTRY_URL" SSM_REGISTRY_CUSTOM_LAB_LOGIN="$E2E_USER" \
		SSM_REGISTRY_CUSTOM_LAB_PASSWORD__FILE="$SECRETS/lab-password"
	env_variant "$l nameless url+auth" "$E2E_USER" "$E2E_PASS" \
		SSM_REGISTRY_CUSTOM_URL="$REGISTRY_URL" SSM_REGISTRY_CUSTOM_AUTH="$AUTH_B64"

	export SSM_REGISTRY_CUSTOM_LAB_URL="$REGISTRY_URL" SSM_REGISTRY_CUSTOM_LAB_LOGIN="$E2E_USER" \
		SSM_REGISTRY_CUSTOM_LAB_TOKEN="$E2E_PASS"
	expect_get "$l token alias: get returns the token as the password" "$REGISTRY_HOST" "$E2E_USER" "$E2E_PASS"
	unset "${!SSM_REGISTRY_@}"

	if grep -q '^store' "$CALLS_LOG" || jq -e '(.auths // {}) | length > 0' "$DOCKER_CONFIG/config.json" "$AUTHFILE" >/dev/null 2>&1; then
		fail "$l: no client login was ever made (no store call, no auths)" "$(cut -f1,2 "$CALLS_LOG" | grep '^store' || true)"
	else
		pass "$l: no client login was ever made (no store call, no auths)"
	fi
}

part_command() {
	local l="[$STORE] command" s0
	s0=$(store_sum)
	hrun --stdin "$E2E_PASS" --strace add-lab registry add custom lab --url "$REGISTRY_URL" --login "$E2E_USER" --password -
	expect_ok "$l: registry add custom lab --url $REGISTRY_URL --login $E2E_USER --password - (stdin)"
	if [ -e "$CONFIG_FILE" ] && grep -qF "$REGISTRY_HOST" "$CONFIG_FILE"; then
		pass "$l: the config file holds the url"
	else
		fail "$l: the config file holds the url" "$(cat "$CONFIG_FILE" 2>/dev/null || echo '<no config file>')"
	fi
	if [ -e "$CONFIG_FILE" ] && grep -qaFf "$PATTERNS" "$CONFIG_FILE"; then
		fail "$l: the config file does not hold the password"
	else
		pass "$l: the config file does not hold the password"
	fi
	if [ "$s0" != "$(store_sum)" ]; then
		pass "$l: the password went to the $STORE store"
	else
		fail "$l: the password went to the $STORE store" "store unchanged by the add"
	fi
	keyring_check "$l: a keyring item holds the password" has "$E2E_PASS_TOKEN"
	expect_registry_list "$l: registry list shows custom/lab with $REGISTRY_HOST and which variables are set" \
		present "$REGISTRY_HOST" custom lab login password
	expect_list "$l: list shows $REGISTRY_HOST" "$REGISTRY_HOST" present
	if printf '%s' "$HOUT" | jq -e 'type == "object" and ([keys[] | select(test("^[a-z0-9.-]+(:[0-9]+)?$|^https://index.docker.io/v1/$") | not)] | length == 0)' >/dev/null 2>&1; then
		pass "$l: list shows only registry hosts (no internal store keys)"
	else
		fail "$l: list shows only registry hosts (no internal store keys)" "$(hdetail)"
	fi
	expect_pulls "$l" ok "$REGISTRY_HOST" "$IMG"
	expect_get "$l: get returns the configured user and password" "$REGISTRY_HOST" "$E2E_USER" "$E2E_PASS"
	hrun --strace test-lab registry test custom lab
	expect_ok "$l: registry test custom lab exits 0 and says accepted" accept
	expect_no_plaintext "$l: while lab is configured"
}

part_precedence() {
	local l="[$STORE] precedence"
	if ! client_available docker; then
		skip "$l" "no dockerd"
		return 0
	fi
	step docker login -u "$USER2" --password-stdin "$REGISTRY_HOST" <<<"$USER2_PASS"
	if [ "$STEP_RC" = 0 ] && printf '%s\n' "$CALLS" | grep -qxF "store $REGISTRY_HOST"; then
		pass "$l: docker login as $USER2 (stored through the helper)"
	else
		fail "$l: docker login as $USER2 (stored through the helper)" "exit $STEP_RC: $(redact "$STEP_OUT")"
	fi
	expect_get "$l: the login wins over the configured lab: get returns $USER2" "$REGISTRY_HOST" "$USER2" "$USER2_PASS"
	expect_list "$l: list shows $REGISTRY_HOST -> $USER2" "$REGISTRY_HOST" present "$USER2"
	step docker_pull "$IMG"
	if [ "$STEP_RC" = 0 ]; then pass "$l: docker pull as $USER2"; else fail "$l: docker pull as $USER2" "$(redact "$STEP_OUT")"; fi
	step docker logout "$REGISTRY_HOST"
	if [ "$STEP_RC" = 0 ] && printf '%s\n' "$CALLS" | grep -qxF "erase $REGISTRY_HOST"; then
		pass "$l: docker logout (erased through the helper)"
	else
		fail "$l: docker logout (erased through the helper)" "exit $STEP_RC: $(redact "$STEP_OUT")"
	fi
	expect_get "$l: after logout get returns the configured lab credentials again" "$REGISTRY_HOST" "$E2E_USER" "$E2E_PASS"
	expect_registry_list "$l: after logout registry list still shows custom/lab" present "$REGISTRY_HOST" custom lab
}

part_reset_remove() {
	local l="[$STORE] reset"
	hrun registry reset custom lab
	expect_ok "$l: registry reset custom lab"
	expect_pulls "$l" unauthorized "$REGISTRY_HOST" "$IMG"
	expect_not_found "$l: get answers \"$NOT_FOUND\"" "$REGISTRY_HOST"
	keyring_check "$l: the keyring holds the password no more" lacks "$E2E_PASS_TOKEN"
	if [ -e "$CONFIG_FILE" ] && grep -qaFf "$PATTERNS" "$CONFIG_FILE"; then
		fail "$l: the config file holds no secret"
	else
		pass "$l: the config file holds no secret"
	fi
	hrun registry remove custom lab
	# After a reset the registry may still be there (anonymous) or be gone altogether.
	if [ "$HRC" = 0 ] || { [ "$HRC" = 1 ] && printf '%s' "$HMSG" | grep -qiE 'not (configured|found)|no such|unknown'; }; then
		pass "$l: registry remove custom lab after the reset (exit $HRC)"
	else
		fail "$l: registry remove custom lab after the reset" "$(hdetail)"
	fi

	l="[$STORE] remove"
	hrun --strace add-lab-file registry add custom lab "--url=$REGISTRY_URL" "--login=$E2E_USER" \
		--password-file "$SECRETS/lab-password"
	expect_ok "$l: registry add custom lab --url=... --login=... --password-file FILE"
	expect_get "$l: get returns the password read from the file" "$REGISTRY_HOST" "$E2E_USER" "$E2E_PASS"
	hrun registry remove custom lab
	expect_ok "$l: registry remove custom lab"
	expect_pulls "$l" unauthorized "$REGISTRY_HOST" "$IMG"
	expect_not_found "$l: get answers \"$NOT_FOUND\"" "$REGISTRY_HOST"
	expect_list "$l: list has no $REGISTRY_HOST" "$REGISTRY_HOST" absent
	expect_registry_list "$l: registry list has no $REGISTRY_HOST" absent "$REGISTRY_HOST"
	keyring_check "$l: the keyring holds the password no more" lacks "$E2E_PASS_TOKEN"
	if [ -e "$CONFIG_FILE" ] && grep -qF "$REGISTRY_HOST" "$CONFIG_FILE"; then
		fail "$l: the config file no longer names $REGISTRY_HOST" "$(cat "$CONFIG_FILE")"
	else
		pass "$l: the config file no longer names $REGISTRY_HOST"
	fi
}

part_tls() {
	local l="[$STORE] tls"
	hrun --stdin "$TLS_PASS" registry add custom tls --url "$TLS_URL" --login "$TLS_USER" --password -
	expect_ok "$l: registry add custom tls (https, no cacert)"
	hrun registry test custom tls
	expect_error "$l: without the test CA, registry test fails with a one-line TLS/certificate error" 1 "$TLS_ERROR_RE"
	hrun registry remove custom tls
	expect_ok "$l: registry remove custom tls"

	hrun --stdin "$TLS_PASS" --strace add-tls registry add custom tls --url "$TLS_URL" --login "$TLS_USER" \
		--password - --cacert-file "$TLS_CA"
	expect_ok "$l: registry add custom tls --cacert-file CA (password on stdin)"
	if [ -e "$CONFIG_FILE" ] && grep -q 'BEGIN CERTIFICATE' "$CONFIG_FILE"; then
		pass "$l: the CA (not secret) is in the config file"
	else
		fail "$l: the CA (not secret) is in the config file" "$(cat "$CONFIG_FILE" 2>/dev/null || echo '<no config file>')"
	fi
	hrun --strace test-tls registry test custom tls
	expect_ok "$l: registry test custom tls exits 0 and says accepted" accept
	expect_get "$l: get returns the TLS registry's user and password" "$TLS_HOST" "$TLS_USER" "$TLS_PASS"
	if client_available skopeo; then
		step skopeo_tls_pull "$TLS_IMG"
		if [ "$STEP_RC" = 0 ] && printf '%s\n' "$CALLS" | grep -qxF "get $TLS_HOST"; then
			pass "$l: skopeo inspect --cert-dir succeeds with no login (helper asked: get $TLS_HOST)"
		else
			fail "$l: skopeo inspect --cert-dir succeeds with no login" \
				"exit $STEP_RC: $(redact "$STEP_OUT"); calls: $(printf '%s' "$CALLS" | paste -sd ',')"
		fi
	else
		skip "$l: skopeo inspect" "skopeo not installed"
	fi
	hrun registry remove custom tls
	expect_ok "$l: registry remove custom tls"

	hrun --stdin "$WRONG_PASS" registry add custom tls --url "$TLS_URL" --login "$TLS_USER" \
		--password - --cacert-file "$TLS_CA"
	expect_ok "$l: registry add custom tls with a wrong password"
	hrun --strace test-tls-wrong registry test custom tls
	expect_error "$l: wrong password: registry test exits 1 with one line saying rejected" 1 reject
	hrun registry remove custom tls
	expect_ok "$l: registry remove custom tls (wrong password)"

	export SSM_REGISTRY_CUSTOM_TLSENV_URL="$TLS_URL" SSM_REGISTRY_CUSTOM_TLSENV_LOGIN="$TLS_USER" \
		SSM_REGISTRY_CUSTOM_TLSENV_PASSWORD__FILE="$SECRETS/tls-password" \
		SSM_REGISTRY_CUSTOM_TLSENV_CACERT__FILE="$TLS_CA"
	hrun registry test custom tlsenv
	expect_ok "$l: configured by environment (CACERT__FILE, PASSWORD__FILE): registry test accepted" accept
	unset "${!SSM_REGISTRY_@}"
	expect_not_found "$l: nothing left for $TLS_HOST" "$TLS_HOST"
}

# refusal LABEL PROVIDER VARIABLE [--stdin DATA] ARG...: `registry ARG...` exits 1 with one
# line naming PROVIDER and VARIABLE, and changes nothing.
refusal() {
	local label=$1 provider=$2 variable=$3 c0 s0 n ok=1
	shift 3
	c0=$(config_sum)
	s0=$(store_sum)
	hrun "$@"
	n=$(printf '%s' "$HMSG" | grep -c . || true)
	[ "$HRC" = 1 ] && [ "$n" = 1 ] || ok=""
	printf '%s' "$HMSG" | grep -qiF -- "$provider" || ok=""
	printf '%s' "$HMSG" | grep -qiF -- "$variable" || ok=""
	! printf '%s' "$HMSG" | grep -qaFf "$PATTERNS" || ok=""
	if [ -n "$ok" ]; then
		pass "$label: exit 1, one line naming $provider and $variable"
	else
		fail "$label: exit 1, one line naming $provider and $variable" "$(hdetail) [$n line(s)]"
	fi
	if [ "$c0" = "$(config_sum)" ] && [ "$s0" = "$(store_sum)" ]; then
		pass "$label: config file and secret store unchanged"
	else
		fail "$label: config file and secret store unchanged" \
			"config: $c0 -> $(config_sum); store: $s0 -> $(store_sum)"
	fi
}

part_validation() {
	# Registry names r1..r7 name no variable, so the message must name it by itself.
	local l="[$STORE] validation" u="http://127.0.0.1:9"
	# Something to keep: a configured registry and a stored login.
	hrun --stdin "$KEEP_PASS" registry add custom keep --url http://127.0.0.1:1 --login keeper --password -
	expect_ok "$l: setup: registry add custom keep"
	hrun --stdin "{\"ServerURL\":\"stored.example:5000\",\"Username\":\"s\",\"Secret\":\"$STORED_PASS\"}" store
	expect_ok "$l: setup: a login stored with store"
	# Keyring modification times have a one-second resolution.
	[ -z "${KEYRING_PID:-}" ] || sleep 1

	refusal "$l: custom without url" custom url \
		--stdin "$REFUSED_PASS" registry add custom r1 --login u --password -
	refusal "$l: login without password" custom password \
		registry add custom r2 --url "$u" --login u
	refusal "$l: password without login" custom login \
		--stdin "$REFUSED_PASS" registry add custom r3 --url "$u" --password -
	# auth values are secrets: given by file or stdin (argv would rightly draw a warning line).
	printf 'u:%s' "$REFUSED_PASS" | base64 -w0 >"$SECRETS/refused-auth"
	refusal "$l: auth together with login/password" custom auth \
		--stdin "$REFUSED_PASS" registry add custom r4 --url "$u" --auth-file "$SECRETS/refused-auth" --login u --password -
	refusal "$l: auth that is not base64" custom auth \
		--stdin 'not*base64!' registry add custom r5 --url "$u" --auth -
	refusal "$l: auth that is base64 without a colon" custom auth \
		--stdin "$(printf 'nocolonhere' | base64 -w0)" registry add custom r6 --url "$u" --auth -
	refusal "$l: url that is not a URL" custom url \
		--stdin "$REFUSED_PASS" registry add custom r7 --url 'not a url' --login u --password -
	refusal "$l: hub login without password" hub password \
		registry add hub --login u

	expect_get "$l: the kept registry still answers" 127.0.0.1:1 keeper "$KEEP_PASS"
	expect_get "$l: the stored login still answers" stored.example:5000 s "$STORED_PASS"
	hrun registry remove custom keep
	expect_ok "$l: cleanup: registry remove custom keep"
	hrun --stdin stored.example:5000 erase
	expect_ok "$l: cleanup: erase the stored login"
	keyring_check "$l: the keyring holds none of the planted secrets" lacks xQ7
}

# expect_no_plaintext LABEL: no file of the store's sandbox holds a planted secret in plaintext
# (the planted files in secrets/ and the strace logs, checked apart, excluded; so is the helper's
# cache in the runtime folder, 0600 files meant to hold answers, tested in file_cache_test.cc).
expect_no_plaintext() {
	local hits
	hits=$(grep -rlaFf "$PATTERNS" "$S" --exclude-dir=secrets --exclude='strace-*.log' 2>/dev/null |
		grep -v "^$S/run/docker-credential-ssm/cache/" || true)
	if [ -z "$hits" ]; then
		pass "$1: no planted secret in plaintext in any file of the sandbox"
	else
		fail "$1: no planted secret in plaintext in any file of the sandbox" "found in: $hits"
	fi
}

part_hygiene() {
	local l="[$STORE] hygiene" f hits
	for f in registry.out helper.err client-helper.err steps.out; do
		if [ -e "$S/$f" ] && grep -qaFf "$PATTERNS" "$S/$f"; then
			fail "$l: no planted secret in $f" "$(grep -naFf "$PATTERNS" "$S/$f" | cut -d: -f1 | head -n 5 | paste -sd ' ' | sed 's/^/lines: /')"
		else
			pass "$l: no planted secret in $f"
		fi
	done
	if grep -q 'docker-credential-ssm: debug' "$S/helper.err"; then
		pass "$l: SSM_LOG=debug did produce debug output (so the check above means something)"
	else
		fail "$l: SSM_LOG=debug did produce debug output"
	fi
	if [ -e "$CONFIG_FILE" ] && grep -qaFf "$PATTERNS" "$CONFIG_FILE"; then
		fail "$l: no planted secret in the config file"
	else
		pass "$l: no planted secret in the config file"
	fi
	if [ -n "$HAVE_STRACE" ]; then
		hits=""
		for f in "$S"/strace-*.log; do
			[ -e "$f" ] || continue
			grep -q 'execve(' "$f" || hits+=" $(basename "$f"):no-execve"
			if grep -qaFf "$PATTERNS" "$f"; then
				# Which programs got a secret in argv (their paths only).
				hits+=" $(basename "$f"): $(grep -aFf "$PATTERNS" "$f" | grep -o 'execve("[^"]*"' | sed 's/^execve(//' | sort -u | paste -sd ',')"
			fi
		done
		if [ -z "$hits" ] && compgen -G "$S/strace-*.log" >/dev/null; then
			pass "$l: no planted secret in the argv of the helper or anything it ran (strace execve: $(find "$S" -maxdepth 1 -name 'strace-*.log' | wc -l) commands)"
		else
			fail "$l: no planted secret in the argv of the helper or anything it ran" "${hits:-no strace log}"
		fi
	else
		skip "$l: argv check" "strace not installed"
	fi
	expect_no_plaintext "$l: at the end"
}

# ---------------------------------------------------------------------------------------------

write_cred_helpers() {
	mkdir -p "$(dirname "$1")"
	jq -n --arg h "$REGISTRY_HOST" --arg t "$TLS_HOST" --arg s "$SUFFIX" \
		'{credHelpers: {($h): $s, ($t): $s}}' >"$1"
}

run_store() {
	local keyring_up=""
	STORE=$1
	S="$W/store-$STORE"
	mkdir -p "$S"/{home,config,data,cache,run,docker,tmp,bin,containers,secrets}
	chmod 700 "$S/run" "$S/secrets"
	export HOME="$S/home" XDG_CONFIG_HOME="$S/config" XDG_DATA_HOME="$S/data" \
		XDG_CACHE_HOME="$S/cache" XDG_RUNTIME_DIR="$S/run" DOCKER_CONFIG="$S/docker" \
		TMPDIR="$S/tmp" SSM_LOG=debug
	unset REGISTRY_AUTH_FILE
	if [ "$STORE" = default ]; then unset SSM_STORE; else export SSM_STORE="$STORE"; fi
	CONFIG_FILE="$XDG_CONFIG_HOME/docker-credential-ssm/config.json"
	SECRETS="$S/secrets"
	printf '%s' "$E2E_PASS" >"$SECRETS/lab-password"
	printf '%s' "$TLS_PASS" >"$SECRETS/tls-password"
	chmod 600 "$SECRETS"/*
	: >"$S/registry.out"
	: >"$S/helper.err"
	: >"$S/client-helper.err"
	: >"$S/steps.out"

	AUTHFILE="$S/auth.json"
	write_cred_helpers "$AUTHFILE"
	write_cred_helpers "$DOCKER_CONFIG/config.json"
	sandbox_clients "$S" --insecure "$REGISTRY_HOST"
	export "${CONTAINERS_ENV[@]}"

	# The recorder (tests/support/recording-helper.sh) under the helper's own name in front of
	# PATH; its wrapper also keeps the helper's stderr (debug logs) when a client runs it.
	CALLS_LOG="$S/calls.log"
	"$SUPPORT_DIR/recording-helper.sh" install "$S/bin" "$HELPER_BIN" "$CALLS_LOG" "$SUFFIX" \
		"$S/client-helper.err"
	export PATH="$S/bin:$ORIG_PATH"

	if [ "$STORE" != file ]; then
		if keyring_start "$S"; then
			keyring_up=1
			pass "[$STORE] private GNOME keyring (Secret Service) is up"
		else
			fail "[$STORE] private GNOME keyring (Secret Service) is up"
			export PATH="$ORIG_PATH"
			return 0
		fi
	fi

	local part t0
	for part in usage defaults env command precedence reset_remove tls validation hygiene; do
		t0=$SECONDS
		"part_$part"
		log "[$STORE] $part: $((SECONDS - t0)) s"
	done

	if [ -n "$keyring_up" ]; then
		keyring_stop
	fi
	unset SSM_LOG
	export PATH="$ORIG_PATH"
}

# ---------------------------------------------------------------------------------------------

clients_e2e_helper "$W"

# Preflight: without the feature there is nothing to test.
if out=$(env HOME="$W" XDG_CONFIG_HOME="$W/preflight" XDG_DATA_HOME="$W/preflight" SSM_STORE=file \
	"$HELPER_BIN" registry list </dev/null 2>&1); then
	pass "the helper has the registry command (registry list exits 0)"
else
	fail "the helper has the registry command (registry list exits 0)" "$out"
	tap_summary
	exit 1
fi
rm -rf "$W/preflight"

# The TLS registry first (registry_start overwrites the REGISTRY_* variables).
REGISTRY_PID=
if registry_start "$W/tls" "$TLS_USER" "$TLS_PASS" tls && registry_push_test_image "$W/tls" e2e/hello:1; then
	TLS_REGISTRY_PID=$REGISTRY_PID
	TLS_HOST=$REGISTRY_HOST
	TLS_URL=$REGISTRY_URL
	TLS_CA=$REGISTRY_CA
	TLS_IMG="$TLS_HOST/e2e/hello:1"
	TLS_CERT_DIR="$W/tls-client-certs"
	mkdir -p "$TLS_CERT_DIR"
	cp "$TLS_CA" "$TLS_CERT_DIR/ca.crt"
	pass "TLS registry (test CA) with htpasswd auth is up at $TLS_URL with a test image"
else
	TLS_REGISTRY_PID=$REGISTRY_PID
	fail "TLS registry (test CA) with htpasswd auth is up with a test image"
	tap_summary
	exit 1
fi
REGISTRY_PID=
if registry_start "$W/main" "$E2E_USER" "$E2E_PASS" && registry_push_test_image "$W/main" e2e/hello:1; then
	MAIN_REGISTRY_PID=$REGISTRY_PID
	pass "registry with htpasswd auth is up at $REGISTRY_URL with a test image"
else
	MAIN_REGISTRY_PID=$REGISTRY_PID
	fail "registry with htpasswd auth is up with a test image"
	tap_summary
	exit 1
fi
IMG="$REGISTRY_HOST/e2e/hello:1"

# A second valid user for the precedence check (registry 2.8 re-reads htpasswd when it changes).
htpasswd -Bb "$W/main/registry/htpasswd" "$USER2" "$USER2_PASS" 2>/dev/null
code=""
for i in $(seq 1 50); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -u "$USER2:$USER2_PASS" "$REGISTRY_URL/v2/" || true)
	[ "$code" != 200 ] || break
	sleep 0.1
	: "$i"
done
check_eq "the registry accepts a second user ($USER2)" 200 "$code"

if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
	if dockerd_start "$W"; then
		pass "private dockerd is up"
	else
		fail "private dockerd is up"
	fi
fi

for store in "${STORES[@]}"; do
	t0=$SECONDS
	run_store "$store"
	log "[$store] total: $((SECONDS - t0)) s"
done

tap_summary
