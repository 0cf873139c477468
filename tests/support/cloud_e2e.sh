# shellcheck shell=bash
# The shared preamble and helpers of the e2e tests of cloud identities (tests/e2e/
# aws_identity_test.sh, gcp_identity_test.sh, azure_identity_test.sh, ci_identity_test.sh,
# kubelet_test.sh). Sourced library.
#
#   cloud_e2e_enter SELF "$@"
#       SELF = the script's absolute path, E2E_DIR its folder, SUPPORT_DIR this folder.
#       Usage (SELF's header comment, on stderr) and exit 2 unless there is exactly one
#       argument; "not ok" and exit 1 without root, unshare or ip. Then sandbox.sh's private
#       mount namespace (no session bus), then SELF again inside `unshare --net --mount
#       --propagation private` (a private network namespace with only `lo`); returns there.
#       Sources tap.sh, registry.sh, cloud_standin.sh and netns.sh, and unsets every variable
#       that would steer the helper, the clients or the stand-ins (SSM_*, AWS_*, GOOGLE_*,
#       CLOUDSDK_*, GCE_*, NO_GCE_CHECK, AZURE_*, IDENTITY_*, IMDS_*, MSI_*, the CI job's
#       GITLAB_CI, CI_*, GITHUB_*, ACTIONS_*, REGISTRY_*, DOCKER_*, CONTAINERS_*, the session
#       bus, SSL_CERT_*, CURL_CA_BUNDLE, proxies).
#   cloud_e2e_namespace ADDR...
#       `lo` up carrying each ADDR/32; passes the check that the namespaces are private and lo
#       is the only link, or fails it and exits 1.
#   cloud_e2e_aws_names REGION ACCOUNT
#       REGION, ACCT = ACCOUNT, and the default names in that region: ECR_HOST (the account's
#       registry), ECR_API, STS_HOST.
#   cloud_e2e_hosts FILE <LINES
#       FILE = standard input (hosts lines), mode 644, bind-mounted over /etc/hosts (this mount
#       namespace only). Rewriting FILE in place later changes what /etc/hosts says.
#   rnd [N]
#       N (default 12) random bytes as hex.
#   cloud_e2e_jwt OUT KEY ISSUER SUBJECT AUDIENCE EXP_OFFSET [NEWLINE]
#       OUT = an RS256 JWT signed by the PEM private key KEY (header kid "e2e"; claims iss, sub,
#       aud, iat now, exp now + EXP_OFFSET seconds), with a trailing newline unless NEWLINE is
#       "no".
#   cloud_e2e_certs DIR CA_NAME NAME...
#       A test CA (DIR/ca.crt, ca.key; subject CN=CA_NAME) and a TLS server certificate it signs
#       (DIR/server.crt, server.key; CN the first NAME, subjectAltName every NAME).
#   cloud_e2e_merge FILE JSON
#       Deep-merges JSON into the JSON object in FILE ({} when FILE is missing), atomically (a
#       stand-in re-reading FILE never sees half of it).
#   cloud_e2e_standin WORKDIR WHAT NAME...
#       standin_start WORKDIR on 127.0.0.1:443 with a certificate for each NAME; one check
#       "WHAT listens on 127.0.0.1:443 (TLS, names ...)", or its failure and exit 1. Then
#       STANDIN_DIR/requests.log exists.
#   cloud_e2e_stop PIDVAR...
#       Stops (TERM, then waits for) the process whose PID each variable PIDVAR holds and empties
#       it, then the cloud stand-in (standin_stop) and the registry (registry_stop). Idempotent:
#       for the EXIT trap and for the check that nothing is left running.
#   cloud_e2e_python WORKDIR
#       STANDIN_PYTHON = a wrapper running /usr/bin/python3 under `setpriv --pdeathsig TERM`
#       (a stand-in cannot outlive the test), when setpriv exists.
#   cloud_e2e_helper SUFFIX WORKDIR
#       HELPER = the resolved docker-credential-SUFFIX on PATH (or fail and exit 1); creates
#       WORKDIR/{home,config,data,cache,run,tmp}.
#   cloud_e2e_runner WORKDIR CA_FILE [VAR=VALUE...]
#       BASE_ENV = the helper's whole environment (PATH, HOME and XDG_* under WORKDIR, the file
#       store without its cache, SSL_CERT_FILE=CA_FILE, SSM_LOG=debug, then each VAR=VALUE);
#       ALL_ERR = WORKDIR/helper-stderr.all and WORKDIR/helper-stdout.all, emptied. Then, with
#       HELPER:
#   hget HOST [VAR=VALUE...]
#       `get` with env -i BASE_ENV (token cache off unless given); sets HOUT, HERR, HRC, HMS
#       (elapsed milliseconds). Every stderr is appended to ALL_ERR (for the secret checks),
#       every stdout to WORKDIR/helper-stdout.all.
#   cache_clear; secret_of (HOUT's "Username Secret"); one_line (HRC != 0 and HOUT one line:
#       the helper's one error line).
#   cloud_e2e_clients WORKDIR SUFFIX CA_FILE HOST
#       (after cloud_e2e_runner) sandbox_clients WORKDIR trusting CA_FILE for HOST; AUTHFILE =
#       WORKDIR/auth.json sending HOST to docker-credential-SUFFIX; CLIENT_ENV = BASE_ENV with
#       SSM_LOG=warn and CONTAINERS_ENV.
#   cloud_e2e_pull NAME IMAGE [VAR=VALUE...]
#       Two checks: skopeo inspect docker://IMAGE, then podman pull IMAGE (REGISTRY_AUTH_FILE),
#       each with env -i CLIENT_ENV and the VAR=VALUEs, AUTHFILE and POLICY; then the image is
#       removed again.
#   cloud_e2e_registry_user USER
#       One check: the registry (registry.sh) authenticated a client as USER.
#   cloud_e2e_negative_cache HOST SERVICE WHO
#       (after a get of HOST that found nothing, with the token cache on, since mark) Two
#       checks: a second get is "credentials not found" from the negative cache without a new
#       request in METADATA_LOG ("no new SERVICE request"); after cache clear, WHO is asked
#       again (or, when nothing could log at all, the get still finds nothing).
#   cloud_e2e_logs METADATA_LOG
#       Then: mark (remembers where the TLS stand-in's requests.log and METADATA_LOG end);
#       since_s / since_m JQ-FILTER (their lines since mark through jq -rc JQ-FILTER);
#       count_s / count_m JQ-FILTER (how many).
# shellcheck source-path=SCRIPTDIR

_CLOUD_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

cloud_e2e_enter() {
	local self v
	E2E_DIR=$(cd "$(dirname "$1")" && pwd)
	SELF="$E2E_DIR/$(basename "$1")"
	# shellcheck disable=SC2034 # for the caller
	SUPPORT_DIR=$_CLOUD_E2E_DIR
	self=$SELF
	shift
	if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
		# shellcheck source=sandbox.sh
		. "$_CLOUD_E2E_DIR/sandbox.sh"
		sandbox_usage "$self"
	fi
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
		echo "not ok - $(basename "$self") needs root, unshare and ip (network + mount namespaces)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	export SANDBOX_NO_BUS=1
	# shellcheck source=sandbox.sh
	. "$_CLOUD_E2E_DIR/sandbox.sh"
	sandbox_enter "$self" "$@"
	if [ -z "${CLOUD_E2E_NETNS:-}" ]; then
		export CLOUD_E2E_NETNS=1
		exec unshare --net --mount --propagation private -- bash "$self" "$@"
	fi
	# shellcheck source=tap.sh
	. "$_CLOUD_E2E_DIR/tap.sh"
	# shellcheck source=registry.sh
	. "$_CLOUD_E2E_DIR/registry.sh"
	# shellcheck source=cloud_standin.sh
	. "$_CLOUD_E2E_DIR/cloud_standin.sh"
	# shellcheck source=netns.sh
	. "$_CLOUD_E2E_DIR/netns.sh"
	# Only this shell's own view: the helper runs with a clean environment, the clients with
	# what the test exports.
	for v in $(compgen -e); do
		case $v in
		SSM_* | AWS_* | GOOGLE_* | CLOUDSDK_* | GCE_* | NO_GCE_CHECK | AZURE_* | IDENTITY_* | IMDS_* | MSI_* | \
			GITLAB_CI | CI_* | GITHUB_* | ACTIONS_* | REGISTRY_* | DOCKER_* | CONTAINERS_* | \
			DBUS_SESSION_BUS_ADDRESS | SSL_CERT_* | CURL_CA_BUNDLE | [Hh][Tt][Tt][Pp]_[Pp][Rr][Oo][Xx][Yy] | \
			[Hh][Tt][Tt][Pp][Ss]_[Pp][Rr][Oo][Xx][Yy] | [Nn][Oo]_[Pp][Rr][Oo][Xx][Yy] | ALL_PROXY | all_proxy) unset "$v" ;;
		esac
	done
}

cloud_e2e_namespace() {
	local a
	ip link set lo up
	for a in "$@"; do ip addr add "$a/32" dev lo; done
	if [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] &&
		[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] &&
		[ "$(ip -o link show | awk -F': ' '{print $2}' | paste -sd,)" = lo ]; then
		pass "private network (only lo${1:+, with $*}) and mount namespaces"
	else
		fail "private network and mount namespaces" "$(ip -o addr show)"
		tap_summary
		exit 1
	fi
}

# shellcheck disable=SC2034 # for the caller
cloud_e2e_aws_names() {
	REGION=$1 ACCT=$2
	ECR_HOST=$ACCT.dkr.ecr.$REGION.amazonaws.com
	ECR_API=api.ecr.$REGION.amazonaws.com
	STS_HOST=sts.$REGION.amazonaws.com
}

cloud_e2e_hosts() {
	cat >"$1"
	chmod 644 "$1"
	mount --bind "$1" /etc/hosts
}

rnd() { openssl rand -hex "${1:-12}"; }

cloud_e2e_jwt() {
	/usr/bin/python3 - "$@" <<'EOF'
import base64, json, sys, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
out, keyp, iss, sub, aud, off = sys.argv[1:7]
newline = "" if sys.argv[7:] == ["no"] else "\n"
key = serialization.load_pem_private_key(open(keyp, "rb").read(), None)
b = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
now = int(time.time())
msg = b({"alg": "RS256", "typ": "JWT", "kid": "e2e"}) + "." + b(
    {"iss": iss, "sub": sub, "aud": aud, "iat": now, "exp": now + int(off)})
sig = key.sign(msg.encode(), padding.PKCS1v15(), hashes.SHA256())
open(out, "w").write(msg + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + newline)
EOF
}

cloud_e2e_certs() {
	local dir=$1 ca_name=$2 san='' n
	shift 2
	for n in "$@"; do san="$san${san:+,}DNS:$n"; done
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout "$dir/ca.key" -out "$dir/ca.crt" \
		-subj "/CN=$ca_name" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=$1" >/dev/null 2>&1
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" "subjectAltName=$san" >"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 -sha256 \
		-extfile "$dir/server.ext" -out "$dir/server.crt" >/dev/null 2>&1
}

cloud_e2e_merge() {
	local cur='{}'
	[ -f "$1" ] && cur=$(cat "$1")
	jq -n --argjson a "$cur" --argjson b "$2" '$a * $b' >"$1.tmp" && mv "$1.tmp" "$1"
}

cloud_e2e_standin() {
	local workdir=$1 what=$2 sans=() names
	shift 2
	for names in "$@"; do sans+=(--san "$names"); done
	names=$(printf '%s, ' "$@")
	if standin_start "$workdir" --port 443 "${sans[@]}" >/dev/null; then
		pass "$what listens on 127.0.0.1:443 (TLS, names ${names%, })"
	else
		fail "$what listens on 127.0.0.1:443"
		tap_summary
		exit 1
	fi
	touch "$STANDIN_DIR/requests.log"
}

cloud_e2e_stop() {
	local v
	for v in "$@"; do
		[ -z "${!v}" ] || { kill "${!v}" 2>/dev/null; wait "${!v}" 2>/dev/null; }
		printf -v "$v" '%s' ''
	done
	standin_stop
	registry_stop
}

cloud_e2e_python() {
	if command -v setpriv >/dev/null 2>&1; then
		printf '#!/bin/sh\nexec setpriv --pdeathsig TERM /usr/bin/python3 "$@"\n' >"$1/standin-python"
		chmod +x "$1/standin-python"
		STANDIN_PYTHON="$1/standin-python"
	fi
}

cloud_e2e_helper() {
	HELPER=$(command -v "docker-credential-$1" || true)
	if [ -z "$HELPER" ]; then
		fail "docker-credential-$1 is on PATH"
		tap_summary
		exit 1
	fi
	HELPER=$(readlink -f "$HELPER")
	mkdir -p "$2"/{home,config,data,cache,run,tmp}
	chmod 700 "$2/run"
}

cloud_e2e_runner() {
	_CLOUD_E2E_WORK=$1
	ALL_ERR="$1/helper-stderr.all"
	: >"$ALL_ERR"
	: >"$1/helper-stdout.all"
	BASE_ENV=(PATH="$PATH" HOME="$1/home" XDG_CONFIG_HOME="$1/config" XDG_DATA_HOME="$1/data"
		XDG_CACHE_HOME="$1/cache" XDG_RUNTIME_DIR="$1/run" TMPDIR="$1/tmp" SSM_STORE=file SSM_CACHE_TTL=0
		SSL_CERT_FILE="$2" SSM_LOG=debug "${@:3}")
}

hget() {
	local host=$1 t0 t1 err="$_CLOUD_E2E_WORK/err"
	shift
	t0=$(date +%s%N)
	HRC=0
	HOUT=$(printf '%s' "$host" | env -i "${BASE_ENV[@]}" SSM_TOKEN_CACHE=off "$@" "$HELPER" get 2>"$err") || HRC=$?
	t1=$(date +%s%N)
	# shellcheck disable=SC2034 # for the caller
	HMS=$(((t1 - t0) / 1000000))
	# shellcheck disable=SC2034
	HERR=$(cat "$err")
	cat "$err" >>"$ALL_ERR"
	printf '%s\n' "$HOUT" >>"$_CLOUD_E2E_WORK/helper-stdout.all"
}

cache_clear() { env -i "${BASE_ENV[@]}" "$HELPER" cache clear >/dev/null 2>&1; }
secret_of() { printf '%s' "$HOUT" | jq -r '.Username + " " + .Secret' 2>/dev/null; }
one_line() { [ "$HRC" != 0 ] && [ "$(printf '%s\n' "$HOUT" | wc -l)" = 1 ]; }

cloud_e2e_clients() {
	sandbox_clients "$1" --ca "$3" --trust "$4"
	AUTHFILE="$1/auth.json"
	jq -n --arg s "$2" --arg h "$4" '{credHelpers: {($h): $s}}' >"$AUTHFILE"
	CLIENT_ENV=("${BASE_ENV[@]}" SSM_LOG=warn "${CONTAINERS_ENV[@]}")
}

cloud_e2e_pull() {
	local name=$1 image=$2 rc=0 out
	shift 2
	out=$(env -i "${CLIENT_ENV[@]}" "$@" timeout 120 skopeo inspect --authfile "$AUTHFILE" "docker://$image" 2>&1) || rc=$?
	if [ "$rc" = 0 ] && printf '%s' "$out" | jq -e '(.Layers | length) == 1' >/dev/null 2>&1; then
		pass "$name: skopeo inspect docker://$image with no key stored"
	else
		fail "$name: skopeo inspect docker://$image" "exit $rc: $(printf '%s' "$out" | tail -n 3)"
	fi
	rc=0
	out=$(env -i "${CLIENT_ENV[@]}" "$@" REGISTRY_AUTH_FILE="$AUTHFILE" timeout 180 podman pull -q --signature-policy "$POLICY" "$image" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$name: podman pull $image with no key stored"
	else
		fail "$name: podman pull $image" "exit $rc: $(printf '%s' "$out" | tail -n 3)"
	fi
	env -i "${CLIENT_ENV[@]}" podman rmi -f "$image" >/dev/null 2>&1 || true
}

cloud_e2e_registry_user() {
	if grep -q -E "auth\.user\.name=\"?$1" "$REGISTRY_DIR/registry.log"; then
		pass "the registry authenticated the clients as $1"
	else
		fail "the registry authenticated the clients as $1" "$(tail -n 3 "$REGISTRY_DIR/registry.log")"
	fi
}

cloud_e2e_negative_cache() {
	local host=$1 service=$2 who=$3 n not_found='credentials not found in native keychain'
	n=$(count_m .)
	hget "$host" SSM_TOKEN_CACHE=on
	check_eq "... second get: not found from the negative cache, no new $service request (${HMS} ms)" \
		"1/$not_found/$n" "$HRC/$HOUT/$(count_m .)"
	cache_clear
	hget "$host" SSM_TOKEN_CACHE=on
	if [ "$HRC" = 1 ] && [ "$(count_m .)" -gt "$n" ]; then
		pass "... after cache clear, $who is asked again"
	elif [ "$HRC" = 1 ] && [ "$n" = 0 ]; then
		pass "... after cache clear, asked again (nothing can log at an unreachable address; ${HMS} ms)"
	else
		fail "... after cache clear, $who is asked again" "rc=$HRC n=$n now=$(count_m .)"
	fi
}

cloud_e2e_logs() {
	_CLOUD_E2E_MD_LOG=$1
	MARK_S=0 MARK_M=0
}
mark() {
	MARK_S=$(wc -l <"$STANDIN_DIR/requests.log" 2>/dev/null || echo 0)
	MARK_M=$(wc -l <"$_CLOUD_E2E_MD_LOG")
}
since_s() { tail -n "+$((MARK_S + 1))" "$STANDIN_DIR/requests.log" 2>/dev/null | jq -rc "$1"; }
since_m() { tail -n "+$((MARK_M + 1))" "$_CLOUD_E2E_MD_LOG" | jq -rc "$1"; }
count_s() { since_s "$1" | wc -l; }
count_m() { since_m "$1" | wc -l; }
