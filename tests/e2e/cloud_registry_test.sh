#!/usr/bin/env bash
# End-to-end test of the token-minting providers (ECR private, GCR, Artifact Registry) with real
# clients: skopeo and podman pull from the real Distribution registry, served over TLS on
# 127.0.0.1:443 under the real registry host names, with credentials the helper mints from the
# cloud token stand-ins (tests/support/cloud_standin.py, which verify SigV4 and JWT signatures
# like the real services). No login is ever done.
#
# Usage: tests/e2e/cloud_registry_test.sh SUFFIX
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#            (e.g. PATH=$PWD/build:$PATH tests/e2e/cloud_registry_test.sh ssm)
#
# Isolation (root only): sandbox.sh's private mount namespace (tmpfs over the container tools'
# machine-wide state dirs), then `unshare --net --mount`: a private network namespace with only
# `lo` (up), where the registry takes 127.0.0.1:443 and the stand-in a free port, and a private
# /etc/hosts (bind-mounted file from the temp dir) mapping
#     123456789012.dkr.ecr.us-east-1.amazonaws.com  gcr.io  europe-west1-docker.pkg.dev
# to 127.0.0.1, and a private copy of /etc/containers (bind-mounted) whose certs.d/<host>/ca.crt
# holds the registry's test CA: the clients trust it through containers/image's own mechanism,
# with no --cert-dir and no --tls-verify=false. The helper trusts the stand-in through
# SSM_REGISTRY_{ECR,GCR}_CACERT__FILE. The registry's htpasswd accepts exactly
# AWS:<the ECR token password the stand-in issues> and oauth2accesstoken:<the service account's
# access token>; anonymous and wrong passwords get 401.
#
# Checks: the namespaces; the registry; for ECR, GCR and Artifact Registry, with credHelpers in
# the auth file (skopeo --authfile, podman REGISTRY_AUTH_FILE): skopeo inspect and podman pull
# succeed, the helper was asked `get HOST`, the stand-in verified exactly one token request per
# registry (a second podman pull reuses the cached token: no new request), the
# clients only ever called `get`; the helper's own `get` returns AWS / oauth2accesstoken and the
# token (from the cache; minted again with SSM_TOKEN_CACHE=off); no token in any file; then,
# with SSM_TOKEN_CACHE=off, the stand-in's AWS secret changed and the service account's public
# key replaced: skopeo inspect and podman pull fail showing the helper's one-line error
# ("ecr: ... HTTP 403 ...", "gcr: ... HTTP 400 ...") and the registry sees no request at all
# (no silent anonymous pull). At the end every server is stopped by PID, no process is left in
# the network namespace, and the tokens this run cached are removed from its runtime folder.
# The servers run under `setpriv --pdeathsig TERM`, so even a kill -9 of this script stops them.
# The helper is run from a snapshot (binary + modules copied into the temp dir once stable), so
# a rebuild in parallel cannot swap it mid-run.
#
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed"; details on
# stderr. Exit status 0 only when nothing failed. All state lives in a mktemp -d directory that
# is removed at exit.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

# sandbox.sh's private mount namespace with tmpfs over /var/lib/containers etc. (no D-Bus: the
# helper uses its file store here), then inside it a private network namespace (and a nested
# private mount namespace for the bind mounts below). `unshare` without --fork execs in this
# same process, so the PID sandbox_enter recorded for signals stays right.
# shellcheck source=../support/cloud_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/cloud_e2e.sh"
cloud_e2e_enter "${BASH_SOURCE[0]}" "$@" # sets SELF, E2E_DIR, SUPPORT_DIR

SUFFIX=$1
ECR_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
GCR_HOST=gcr.io
AR_HOST=europe-west1-docker.pkg.dev
HOSTS=("$ECR_HOST" "$GCR_HOST" "$AR_HOST")
ECR_IMG="$ECR_HOST/e2e/ecr-hello:1"
GCR_IMG="$GCR_HOST/e2e-proj/hello:1"
AR_IMG="$AR_HOST/e2e-proj/repo/hello:1"
SA_EMAIL=puller@e2e-proj.iam.gserviceaccount.com
NOT_FOUND='credentials not found in native keychain'

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-cloud.XXXXXX")
chmod 700 "$W"
# Unique per run, so the run's cached tokens are found (and removed at the end) by these values.
RUN_ID=$(openssl rand -hex 8)
ECR_PW="ecr-e2e-$RUN_ID-$(openssl rand -hex 8)"
AWS_AKID="AKIDE2E$(printf '%s' "$RUN_ID" | tr a-f A-F)"
AWS_SECRET="e2e-aws-secret-$(openssl rand -hex 12)"
GCP_TOKEN=

# cached_tokens MODE: counts (MODE=count) or removes (MODE=remove) the helper's cached tokens
# (files t* in its cache folder under XDG_RUNTIME_DIR) that hold one of this run's tokens;
# prints the number.
cached_tokens() {
	local n=0 f
	[ -n "$ECR_PW" ] || { echo 0; return 0; }
	for f in "$W/run/docker-credential-ssm/cache"/t*; do
		[ -f "$f" ] || continue
		grep -qF -e "$ECR_PW" ${GCP_TOKEN:+-e "$GCP_TOKEN"} "$f" || continue
		if [ "$1" = remove ]; then rm -f "$f"; fi
		n=$((n + 1))
	done
	echo "$n"
}

cleanup() {
	standin_stop
	registry_stop
	cached_tokens remove >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Namespaces, /etc/hosts, /etc/containers

ip link set lo up
if [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] &&
	[ "$(ip -o link show | awk -F': ' '{print $2}' | paste -sd,)" = lo ] &&
	ip -o link show lo | grep -q 'UP'; then
	pass "private network namespace: only lo, up"
else
	fail "private network namespace: only lo, up" "$(ip -o link show)"
	tap_summary
	exit 1
fi
if [ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]; then
	pass "private mount namespace"
else
	fail "private mount namespace"
	tap_summary
	exit 1
fi

{
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n'
	printf '127.0.0.1\t%s\n' "${HOSTS[@]}"
} | cloud_e2e_hosts "$W/hosts"
# (getent hosts, not ahosts: getaddrinfo's AI_ADDRCONFIG finds no address here but loopback.)
resolved=$(for h in "${HOSTS[@]}"; do getent hosts "$h" | awk 'NR == 1 {print $1}'; done | sort -u | paste -sd,)
check_eq "private /etc/hosts maps ${HOSTS[*]} to 127.0.0.1" 127.0.0.1 "$resolved"

# ---------------------------------------------------------------------------------------------
# The stand-in (tokens) and the registry (accepting exactly the minted tokens)

# The servers get SIGTERM if this shell dies without its EXIT trap (kill -9), so they cannot
# outlive it in an orphaned network namespace (setpriv --pdeathsig; `exec` keeps the PID;
# registry_start_named does the same for the registry).
cloud_e2e_python "$W"
if standin_start "$W" >/dev/null; then
	pass "cloud token stand-in is up at $STANDIN_URL (inside the namespace)"
else
	fail "cloud token stand-in is up"
	tap_summary
	exit 1
fi
standin_config "$(jq -n --arg akid "$AWS_AKID" --arg secret "$AWS_SECRET" --arg pw "$ECR_PW" \
	--arg aud "$STANDIN_URL/token" '{
  aws: {($akid): {secret: $secret}},
  ecr: {token_password: $pw, expires_in: 43200, account: "123456789012"},
  gcp_aud: $aud,
  mode: "ok"}')"
SA_FILE=$(standin_make_sa "$W" "$SA_EMAIL")
GCP_TOKEN=$(jq -r --arg e "$SA_EMAIL" '.gcp[$e].access_token' "$STANDIN_DIR/config.json")
if [ -s "$SA_FILE" ] && [ -n "$GCP_TOKEN" ] && [ "$GCP_TOKEN" != null ]; then
	pass "service-account key file made and registered with the stand-in"
else
	fail "service-account key file made and registered with the stand-in"
	tap_summary
	exit 1
fi

{
	htpasswd -Bbn AWS "$ECR_PW"
	htpasswd -Bbn oauth2accesstoken "$GCP_TOKEN"
} >"$W/htpasswd"
# The registry: test CA, a server certificate for the three names, 127.0.0.1:443 (registry.sh).
if registry_start_named "$W" 127.0.0.1 "$W/htpasswd" "${HOSTS[@]}"; then
	pass "registry with a test CA and a certificate for ${HOSTS[*]} listens on 127.0.0.1:443 over TLS (GET /v2/ -> 401)"
else
	fail "registry listens on 127.0.0.1:443 over TLS"
	tap_summary
	exit 1
fi
REG_DIR=$REGISTRY_DIR
RC_DIR="$REG_DIR/certs"

# /etc/containers: a private copy with certs.d/<host>/ca.crt, bind-mounted over the real one.
trust=()
for h in "${HOSTS[@]}"; do trust+=(--trust "$h"); done
sandbox_clients "$W" --ca "$RC_DIR/ca.crt" "${trust[@]}"
check "clients trust the registry CA through /etc/containers/certs.d/<host>/ca.crt (private copy)" \
	test -f "/etc/containers/certs.d/$GCR_HOST/ca.crt"

# http_code USER:PASSWORD|- HOST [CURL ARGS]: status of GET /v2/ with those credentials.
http_code() {
	local creds=$1 host=$2
	shift 2
	local auth=()
	[ "$creds" = - ] || auth=(-u "$creds")
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${auth[@]}" "$@" "https://$host/v2/" 2>/dev/null || true
}
check_eq "registry: anonymous 401, AWS:<ECR token> 200, oauth2accesstoken:<access token> 200" "401/200/200" \
	"$(http_code - "$ECR_HOST" --cacert "$RC_DIR/ca.crt")/$(http_code "AWS:$ECR_PW" "$ECR_HOST" --cacert "$RC_DIR/ca.crt")/$(http_code "oauth2accesstoken:$GCP_TOKEN" "$GCR_HOST" --cacert "$RC_DIR/ca.crt")"
check_eq "registry: wrong passwords, swapped users 401" "401/401/401/401" \
	"$(http_code "AWS:${ECR_PW}x" "$ECR_HOST" --cacert "$RC_DIR/ca.crt")/$(http_code "oauth2accesstoken:${GCP_TOKEN%?}" "$GCR_HOST" --cacert "$RC_DIR/ca.crt")/$(http_code "AWS:$GCP_TOKEN" "$ECR_HOST" --cacert "$RC_DIR/ca.crt")/$(http_code "oauth2accesstoken:$ECR_PW" "$GCR_HOST" --cacert "$RC_DIR/ca.crt")"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "https://$GCR_HOST/v2/" 2>/dev/null)
if [ "$code" = 000 ]; then
	pass "the registry CA is not in the system trust store (curl without --cacert refuses)"
else
	fail "the registry CA is not in the system trust store (curl without --cacert refuses)" "HTTP $code"
fi

# Test images, pushed with the tokens themselves (registry.sh's hand-made image).
push_ok=1
for spec in "$ECR_IMG AWS $ECR_PW" "$GCR_IMG oauth2accesstoken $GCP_TOKEN" "$AR_IMG oauth2accesstoken $GCP_TOKEN"; do
	read -r img user password <<<"$spec"
	if ! REGISTRY_HOST=${img%%/*} REGISTRY_USER=$user REGISTRY_PASSWORD=$password \
		REGISTRY_CA="$RC_DIR/ca.crt" registry_push_test_image "$W" "${img#*/}"; then
		push_ok=
	fi
done
if [ -n "$push_ok" ]; then
	pass "test images pushed: $ECR_IMG, $GCR_IMG, $AR_IMG"
else
	fail "test images pushed"
	tap_summary
	exit 1
fi

# ---------------------------------------------------------------------------------------------
# Clients and helper configuration

cloud_e2e_helper "$SUFFIX" "$W"
HELPER_BIN=$HELPER
# Run a snapshot of the helper (binary and the store/network modules beside it or in
# ../lib/docker-credential-ssm), taken once it has been stable for a second: a rebuild in
# parallel must not swap it mid-run (a half-written binary fails with "Permission denied").
helper_snapshot() {
	local src=$1 dst="$W/helper/bin" i prev="" now
	for i in $(seq 1 60); do
		now=$(stat -c '%s %Y' "$src" "$(dirname "$src")"/ssm-*.so 2>/dev/null | paste -sd' ')
		[ -x "$src" ] && [ -n "$now" ] && [ "$now" = "$prev" ] && break
		prev=$now
		sleep 1
		: "$i"
	done
	mkdir -p "$dst" "$W/helper/lib" || return 1
	cp "$src" "$dst/" || return 1
	cp "$(dirname "$src")"/ssm-*.so "$dst/" 2>/dev/null || true
	if [ -d "$(dirname "$src")/../lib/docker-credential-ssm" ]; then
		cp -r "$(dirname "$src")/../lib/docker-credential-ssm" "$W/helper/lib/" || return 1
	fi
	printf '%s\n' "$dst/$(basename "$src")"
}
HELPER_SRC=$HELPER_BIN
if HELPER_BIN=$(helper_snapshot "$HELPER_SRC") && "$HELPER_BIN" version >/dev/null 2>&1; then
	pass "helper snapshot runs ($HELPER_SRC: $("$HELPER_BIN" version 2>&1 | head -n 1))"
else
	fail "helper snapshot runs ($HELPER_SRC)"
	tap_summary
	exit 1
fi
log "helper under test: $HELPER_SRC (run from $HELPER_BIN); workdir: $W; stand-in: $STANDIN_URL"

mkdir -p "$W"/{home,config,data,cache,run,tmp,bin,containers}
chmod 700 "$W/run"
export HOME="$W/home" XDG_CONFIG_HOME="$W/config" XDG_DATA_HOME="$W/data" XDG_CACHE_HOME="$W/cache" \
	XDG_RUNTIME_DIR="$W/run" TMPDIR="$W/tmp"
# No "insecure", no mirrors (sandbox_clients above): TLS verification on, trust from certs.d only.
export "${CONTAINERS_ENV[@]}"

AUTHFILE="$W/auth.json"
jq -n --arg s "$SUFFIX" --arg e "$ECR_HOST" --arg g "$GCR_HOST" --arg a "$AR_HOST" \
	'{credHelpers: {($e): $s, ($g): $s, ($a): $s}}' >"$AUTHFILE"
AUTHFILE_BEFORE=$(cat "$AUTHFILE")

# Every call the clients make to the helper is recorded (the helper's stderr passes through).
CALLS_LOG="$W/calls.log"
"$SUPPORT_DIR/recording-helper.sh" install "$W/bin" "$HELPER_BIN" "$CALLS_LOG" "$SUFFIX"
export PATH="$W/bin:$PATH"

# The helper's configuration: environment only, passed on by the clients. SSM_CACHE_TTL=0: no
# cache of store answers; the token cache stays on.
export SSM_STORE=file SSM_CACHE_TTL=0 \
	SSM_REGISTRY_ECR_ACCESSKEY="$AWS_AKID" SSM_REGISTRY_ECR_SECRETACCESSKEY="$AWS_SECRET" \
	SSM_REGISTRY_ECR_ENDPOINT="$STANDIN_URL" SSM_REGISTRY_ECR_CACERT__FILE="$STANDIN_CA" \
	SSM_REGISTRY_GCR_KEYJSON__FILE="$SA_FILE" SSM_REGISTRY_GCR_CACERT__FILE="$STANDIN_CA"

# skopeo_inspect IMG / podman_pull IMG: set OUT (stdout+stderr) and RC.
skopeo_inspect() {
	RC=0
	OUT=$(timeout 120 skopeo inspect --authfile "$AUTHFILE" "docker://$1" 2>&1) || RC=$?
}
podman_pull() {
	podman rmi -f "$1" >/dev/null 2>&1 || true
	RC=0
	OUT=$(REGISTRY_AUTH_FILE=$AUTHFILE timeout 180 podman pull -q --signature-policy "$POLICY" "$1" 2>&1) || RC=$?
}
stat_of() { standin_stats | jq -r --arg ep "$1" --arg f "$2" '.[$ep][$f] // 0'; }
calls_mark() { CALLS_MARK=$(wc -l <"$CALLS_LOG"); }
calls_since() { tail -n "+$((CALLS_MARK + 1))" "$CALLS_LOG" | awk -F '\t' '{ print $1 " " $2 " -> " $3 }'; }
# registry_hits PATH-FRAGMENT: lines of the registry's log naming that repository.
registry_hits() { grep -c -F "/v2/$1/" "$REG_DIR/registry.log" || true; }

expect_ok() { # DESCRIPTION
	if [ "$RC" = 0 ]; then pass "$1"; else fail "$1" "exit $RC: $(printf '%s' "$OUT" | tail -n 5)"; fi
}
expect_get_call() { # DESCRIPTION HOST
	local calls
	calls=$(calls_since)
	if printf '%s\n' "$calls" | grep -qxF "get $2 -> 0"; then
		pass "$1"
	else
		fail "$1" "helper calls: $(printf '%s' "$calls" | paste -sd ',')"
	fi
}

# ---------------------------------------------------------------------------------------------
# Pulls with minted tokens

# run_provider NAME HOST IMG ENDPOINT: skopeo inspect, podman pull, podman pull again.
run_provider() {
	local name=$1 host=$2 img=$3 ep=$4 a0 a1 r0
	a0=$(stat_of "$ep" accepted)
	r0=$(stat_of "$ep" rejected)

	calls_mark
	skopeo_inspect "$img"
	expect_ok "$name: skopeo inspect docker://$img with no login"
	if [ "$RC" = 0 ] && printf '%s' "$OUT" | jq -e '(.Layers | length) == 1 and (.Digest | startswith("sha256:"))' >/dev/null 2>&1; then
		pass "$name: ... shows the pushed image (1 layer, digest)"
	else
		fail "$name: ... shows the pushed image (1 layer, digest)" "$(printf '%s' "$OUT" | tail -n 3)"
	fi
	expect_get_call "$name: ... skopeo asked the helper (get $host)" "$host"
	a1=$(stat_of "$ep" accepted)
	check_eq "$name: the stand-in verified and accepted one token request ($ep), rejected none" \
		"$((a0 + 1))/$r0" "$a1/$(stat_of "$ep" rejected)"

	calls_mark
	podman_pull "$img"
	expect_ok "$name: podman pull $img with no login"
	if [ "$RC" = 0 ] && podman image exists "$img" 2>/dev/null; then
		pass "$name: ... the image is in podman's storage"
	else
		fail "$name: ... the image is in podman's storage" "$(podman images 2>&1 | tail -n 3)"
	fi
	expect_get_call "$name: ... podman asked the helper (get $host)" "$host"
	check_eq "$name: ... with the cached token (no new token request)" "$a1" "$(stat_of "$ep" accepted)"

	podman_pull "$img"
	expect_ok "$name: a second podman pull (image removed first)"
	check_eq "$name: ... reuses the cached token: still one token request" "$a1/$r0" \
		"$(stat_of "$ep" accepted)/$(stat_of "$ep" rejected)"
}

run_provider ECR "$ECR_HOST" "$ECR_IMG" ecr
run_provider GCR "$GCR_HOST" "$GCR_IMG" gcp
run_provider "Artifact Registry" "$AR_HOST" "$AR_IMG" gcp

if grep -q -E 'auth\.user\.name="?AWS' "$REG_DIR/registry.log" &&
	grep -q -E 'auth\.user\.name="?oauth2accesstoken' "$REG_DIR/registry.log"; then
	pass "the registry's log shows requests authenticated as AWS and as oauth2accesstoken"
else
	fail "the registry's log shows requests authenticated as AWS and as oauth2accesstoken" \
		"$(grep -o 'auth.user.name=[^ ]*' "$REG_DIR/registry.log" | sort | uniq -c)"
fi

actions=$(awk -F '\t' '{ split($1, a, " "); print a[1] }' "$CALLS_LOG" | sort -u | paste -sd,)
check_eq "the clients only ever asked the helper to get (no store, no erase: no login)" get "$actions"

# The helper run directly (inside the namespace, same environment).
# helper_get SERVER [ENV=VALUE...]: sets HOUT, HRC, HERR.
helper_get() {
	local server=$1
	shift
	HRC=0
	HOUT=$(printf '%s' "$server" | env "$@" "$HELPER_BIN" get 2>"$W/helper.err") || HRC=$?
	HERR=$(cat "$W/helper.err")
}
fields() { printf '%s' "$HOUT" | jq -r '[.ServerURL, .Username, .Secret] | join(" ")' 2>/dev/null; }
before=$(stat_of ecr accepted)
helper_get "$ECR_HOST" SSM_LOG=debug
check_eq "helper get $ECR_HOST: Username AWS and the ECR token" "0/$ECR_HOST AWS $ECR_PW" "$HRC/$(fields)"
case $HERR in
*"runtime folder cache"*) pass "... from the runtime folder cache (debug log), no new token request ($(stat_of ecr accepted))" ;;
*) fail "... from the runtime folder cache (debug log)" "$HERR" ;;
esac
helper_get "$ECR_HOST" SSM_TOKEN_CACHE=off
check_eq "helper get $ECR_HOST with SSM_TOKEN_CACHE=off: minted again" "0/$ECR_HOST AWS $ECR_PW/$((before + 1))" \
	"$HRC/$(fields)/$(stat_of ecr accepted)"
helper_get "$GCR_HOST"
check_eq "helper get $GCR_HOST: Username oauth2accesstoken and the access token" \
	"0/$GCR_HOST oauth2accesstoken $GCP_TOKEN" "$HRC/$(fields)"
helper_get quay.io
check_eq "helper get of an unconfigured host: not found" "1/$NOT_FOUND" "$HRC/$HOUT"

# No login was ever done: the auth file is unchanged, and no token is in any file the clients
# or the helper wrote but its cache (0600 files in the private runtime folder).
check_eq "the auth file is unchanged (credHelpers only, no auths)" "$AUTHFILE_BEFORE" "$(cat "$AUTHFILE")"
hits=$(grep -rlF -e "$ECR_PW" -e "$GCP_TOKEN" -e "$(printf 'AWS:%s' "$ECR_PW" | base64 -w0)" \
	"$HOME" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$TMPDIR" "$AUTHFILE" \
	"$W/containers" "$CALLS_LOG" 2>/dev/null | grep -v "^$XDG_RUNTIME_DIR/docker-credential-ssm/cache/" || true)
check_eq "no token in any client or helper file (nor in the recorded helper output)" "" "$hits"
check_eq "the three tokens (ECR, gcr.io, Artifact Registry) are cached in the runtime folder" 3 "$(cached_tokens count)"

# ---------------------------------------------------------------------------------------------
# Keys the services no longer accept: the clients fail with the helper's error

export SSM_TOKEN_CACHE=off
# The helper's line as the clients quote it (c/image: ... out: `<line>`).
# shellcheck disable=SC2016 # backquotes are literal here
ECR_ERR_RE='ecr: [^`"]*HTTP 403[^`"]*' GCR_ERR_RE='gcr: [^`"]*HTTP 4[0-9][0-9][^`"]*'
# expect_helper_error NAME IMG PATTERN REPO: after skopeo_inspect/podman_pull, a failure whose
# output holds the helper's line, and the registry saw no request (no anonymous try).
expect_helper_error() {
	local desc=$1 pattern=$2 hits_before=$3 repo=$4 line
	line=$(printf '%s\n' "$OUT" | grep -o -E "$pattern" | head -n 1)
	log "client output: ...$(printf '%s' "$OUT" | tr '\n\t' '  ' | grep -o 'err: exit status.*' | cut -c1-200)..."
	if [ "$RC" != 0 ] && [ -n "$line" ]; then
		pass "$desc fails with the helper's error ($(printf '%s' "$line" | cut -c1-110)...)"
	else
		fail "$desc fails with the helper's error" "exit $RC: $(printf '%s' "$OUT" | tail -n 5)"
	fi
	if [ "$hits_before" -gt 0 ]; then
		check_eq "... and never reached the registry (no anonymous pull)" "$hits_before" "$(registry_hits "$repo")"
	else
		fail "... and never reached the registry" "the registry's log has no line for /v2/$repo/ at all: the check would prove nothing"
	fi
}

standin_config_merge "$(jq -n --arg akid "$AWS_AKID" '{aws: {($akid): {secret: "rotated-by-the-e2e-test"}}}')"
r0=$(stat_of ecr rejected)
h=$(registry_hits e2e/ecr-hello)
skopeo_inspect "$ECR_IMG"
expect_helper_error "ECR, AWS secret no longer valid: skopeo inspect" "$ECR_ERR_RE" "$h" e2e/ecr-hello
podman_pull "$ECR_IMG"
expect_helper_error "ECR, AWS secret no longer valid: podman pull" "$ECR_ERR_RE" "$h" e2e/ecr-hello
if [ "$(stat_of ecr rejected)" -gt "$r0" ] && stat_of ecr last_reason | grep -qi signature; then
	pass "the stand-in rejected the ECR requests: $(stat_of ecr last_reason | head -c 120)"
else
	fail "the stand-in rejected the ECR requests for their signature" "$(standin_stats)"
fi
helper_get "$ECR_HOST"
if [ "$HRC" = 1 ] && [ "$(printf '%s\n' "$HOUT" | wc -l)" = 1 ] && [[ $HOUT == "ecr: "*"HTTP 403"* ]]; then
	pass "helper get $ECR_HOST: one-line error ($(printf '%s' "$HOUT" | cut -c1-110)...)"
else
	fail "helper get $ECR_HOST: one-line error" "rc=$HRC out=$HOUT err=$HERR"
fi

mkdir -p "$W/other"
other=$(standin_make_sa "$W/other" intruder@e2e-proj.iam.gserviceaccount.com)
other_pem=$(jq -r '.gcp["intruder@e2e-proj.iam.gserviceaccount.com"].public_key_pem' "$STANDIN_DIR/config.json")
standin_config_merge "$(jq -n --arg e "$SA_EMAIL" --arg pem "$other_pem" '{gcp: {($e): {public_key_pem: $pem}}}')"
: "$other"
r0=$(stat_of gcp rejected)
for spec in "GCR $GCR_IMG e2e-proj/hello" "Artifact Registry $AR_IMG e2e-proj/repo/hello"; do
	name=${spec% * *}
	rest=${spec#"$name "}
	img=${rest% *}
	repo=${rest#* }
	h=$(registry_hits "$repo")
	skopeo_inspect "$img"
	expect_helper_error "$name, service-account key no longer registered: skopeo inspect" "$GCR_ERR_RE" "$h" "$repo"
	podman_pull "$img"
	expect_helper_error "$name, service-account key no longer registered: podman pull" "$GCR_ERR_RE" "$h" "$repo"
done
if [ "$(stat_of gcp rejected)" -gt "$r0" ]; then
	pass "the stand-in rejected the JWTs: $(stat_of gcp last_reason | head -c 120)"
else
	fail "the stand-in rejected the JWTs" "$(standin_stats)"
fi
unset SSM_TOKEN_CACHE

# ---------------------------------------------------------------------------------------------
# Leave nothing behind

standin_stop
registry_stop
# Processes still in this network namespace, other than this shell and the checking process.
left=$(netns_leftovers "$$")
check_eq "registry and stand-in stopped by PID; no process left in the network namespace" "" "$left"
removed=$(cached_tokens remove)
check_eq "this run's cached tokens removed from the runtime folder ($removed removed)" 0 "$(cached_tokens count)"

tap_summary
