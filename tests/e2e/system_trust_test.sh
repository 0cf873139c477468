#!/usr/bin/env bash
# system_trust_test.sh /path/to/docker-credential-ssm
# The system's CAs, for a registry with no `cacert`: the helper reads the hashed directory
# /etc/ssl/certs (only the certificates a chain needs) and, when that does not verify the
# server, the bundle /etc/ssl/certs/ca-certificates.crt, so a CA appended to the bundle by hand
# still works. Runs in a private mount namespace (root) where a copy of /etc/ssl/certs, changed
# per case, is bind-mounted over the real one; the ECR token stand-in (tests/support) is the
# server. Cases: the CA nowhere (a TLS error, one attempt per source), only in the bundle (a
# token, the debug log names the fallback), hashed in the directory (a token, no fallback).
set -uo pipefail
BIN=$(readlink -f "${1:?usage: system_trust_test.sh /path/to/docker-credential-ssm}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$here/$(basename "${BASH_SOURCE[0]}")"

if [ "${SSM_TRUST_TEST_INNER:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		echo "not ok - system_trust_test.sh needs root and unshare (a private mount namespace)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	SSM_TRUST_TEST_INNER=1 exec unshare --mount --propagation private -- bash "$SELF" "$BIN"
fi

# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"
# shellcheck source=tests/support/cloud_standin.sh
source "$here/../support/cloud_standin.sh"

[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] || { echo "not in a private mount namespace"; exit 1; }
WORK=$(mktemp -d)
trap 'standin_stop; umount /etc/ssl/certs 2>/dev/null; rm -rf "$WORK"' EXIT
export HOME="$WORK/home" SSM_STORE=file SSM_TOKEN_CACHE=off
mkdir -p "$HOME"
unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_CONFIG_HOME SSM_LOG SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
for v in $(env | sed -n 's/^\(SSM_REGISTRY_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done

standin_start "$WORK" >/dev/null || { echo "cannot start the stand-in"; exit 1; }
ECR_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
TOKEN_PW="ecr-token-$RANDOM-trust"
standin_config "$(jq -n --arg pw "$TOKEN_PW" '{aws: {AKIDTRUST: {secret: "trust-secret"}},
  ecr: {token_password: $pw, expires_in: 43200, account: "123456789012"}, mode: "ok"}')"
accepted() { standin_stats | jq -r '.ecr.accepted // 0'; }

# use_certs bundle|dir|none: a copy of /etc/ssl/certs with the stand-in's CA appended to the
# bundle, also linked under its subject hash, or absent, over the real one.
HASH=$(openssl x509 -noout -subject_hash -in "$STANDIN_CA")
use_certs() {
	umount /etc/ssl/certs 2>/dev/null
	rm -rf "$WORK/certs"
	cp -a /etc/ssl/certs "$WORK/certs"
	case $1 in
	bundle) cat "$STANDIN_CA" >>"$WORK/certs/ca-certificates.crt" ;;
	dir)
		cat "$STANDIN_CA" >>"$WORK/certs/ca-certificates.crt"
		cp "$STANDIN_CA" "$WORK/certs/ssm-trust-test.pem"
		ln -s ssm-trust-test.pem "$WORK/certs/$HASH.0"
		;;
	esac
	mount --bind "$WORK/certs" /etc/ssl/certs
}
get() {
	RC=0
	OUT=$(printf '%s' "$ECR_HOST" | env SSM_LOG=debug SSM_REGISTRY_ECR_ACCESSKEY=AKIDTRUST \
		SSM_REGISTRY_ECR_SECRETACCESSKEY=trust-secret SSM_REGISTRY_ECR_ENDPOINT="$STANDIN_URL" \
		"$BIN" get 2>"$WORK/err") || RC=$?
	ERR=$(cat "$WORK/err")
}
secret() { printf '%s' "$OUT" | jq -r .Secret 2>/dev/null; }

use_certs none
check_eq "the stand-in's CA is not among the real system CAs" "" "$(ls /etc/ssl/certs/"$HASH".* 2>/dev/null)"
before=$(accepted)
get
if [ "$RC" = 1 ] && [[ $OUT == "ecr: cannot reach"*certificate* ]]; then pass "CA nowhere: one line, a TLS error ($OUT)"; else
	fail "CA nowhere: one line, a TLS error" "rc=$RC out=$OUT"; fi
check_eq "... no token request reached the stand-in" "$before" "$(accepted)"
case $ERR in *"trying the system bundle"*) pass "... after the directory, the bundle was tried" ;;
*) fail "... after the directory, the bundle was tried" "$ERR" ;; esac

use_certs bundle
get
check_eq "CA only in the bundle (appended by hand): the token" "0/$TOKEN_PW" "$RC/$(secret)"
case $ERR in *"is not trusted by the system certificate directory; trying the system bundle"*)
	pass "... found through the fallback to the bundle (debug log)" ;;
*) fail "... found through the fallback to the bundle (debug log)" "$ERR" ;; esac

use_certs dir
get
check_eq "CA in the hashed directory (as update-ca-certificates does): the token" "0/$TOKEN_PW" "$RC/$(secret)"
case $ERR in *"trying the system bundle"*) fail "... straight from the directory, no fallback" "$ERR" ;;
*) pass "... straight from the directory, no fallback" ;; esac
check_eq "the stand-in verified exactly two token requests" "$((before + 2))" "$(accepted)"

tap_summary
