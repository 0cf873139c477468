#!/usr/bin/env bash
# tokens_test.sh /path/to/docker-credential-ssm
# The built binary against the cloud token stand-ins (tests/support/cloud_standin.py,
# real TLS on 127.0.0.1, checking SigV4 signatures, JWT signatures and form fields
# as the real services do): ECR private and public, GCR, ACR token exchange; the
# token cache (reuse, expiry, 20 parallel cold gets, stale serving, off switch);
# and every failure of the endpoint giving one clear line naming the provider.
set -uo pipefail
BIN=$(readlink -f "${1:?usage: tokens_test.sh /path/to/docker-credential-ssm}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"
# shellcheck source=tests/support/cloud_standin.sh
source "$here/../support/cloud_standin.sh"

WORK=$(mktemp -d)
trap 'standin_stop; rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run"
mkdir -p "$HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_CONFIG_HOME SSM_STORE SSM_LOG SSM_TOKEN_CACHE
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
for v in $(env | sed -n 's/^\(SSM_REGISTRY_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export SSM_STORE=file

standin_start "$WORK" >/dev/null || { echo "cannot start the stand-in"; exit 1; }
ECR_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
TOKEN_PW="ecr-token-$RANDOM-planted"
standin_config "$(jq -n --arg pw "$TOKEN_PW" '{
  aws: {AKIDSTANDIN1: {secret: "planted-secret-1"}, AKIDSTANDIN2: {secret: "planted-secret-2"},
        AKIDSTANDIN3: {secret: "planted-secret-3"}, AKIDSTANDIN4: {secret: "planted-secret-4"}},
  ecr: {token_password: $pw, expires_in: 43200, account: "123456789012"},
  mode: "ok"}')"

# get SERVER [ENV=VALUE...]: runs `get`; sets OUT (stdout), ERR (stderr), RC.
get() {
	local server=$1
	shift
	RC=0
	OUT=$(printf '%s' "$server" | env "$@" "$BIN" get 2>"$WORK/err") || RC=$?
	ERR=$(cat "$WORK/err")
}
ecr_env() {
	echo "SSM_REGISTRY_ECR_ACCESSKEY=$1" "SSM_REGISTRY_ECR_SECRETACCESSKEY=$2" \
		"SSM_REGISTRY_ECR_ENDPOINT=$STANDIN_URL" "SSM_REGISTRY_ECR_CACERT__FILE=$STANDIN_CA"
}
accepted() { standin_stats | jq -r ".\"$1\".accepted // 0"; }
json_field() { printf '%s' "$OUT" | jq -r ".$1" 2>/dev/null; }
one_line_error() { # DESCRIPTION PATTERN
	if [ "$RC" = 1 ] && [ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && [[ $OUT == $2 ]]; then
		pass "$1 ($OUT)"
	else
		fail "$1" "rc=$RC out=$OUT err=$ERR"
	fi
}

# ---------------------------------------------------------------- ECR private
# The kernel keys of ours before (an older version's may linger): none may be added.
our_keys() { awk '$8 == "user" && $9 ~ /^docker-credential-ssm/ {print $1}' /proc/keys | sort; }
KEYS_BEFORE=$(our_keys)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug
check_eq "ECR get: AWS and the token the signed request earned" "AWS/$TOKEN_PW/$ECR_HOST" \
	"$(json_field Username)/$(json_field Secret)/$(json_field ServerURL)"
check_eq "the stand-in verified one signed request" 1 "$(accepted ecr)"
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug
check_eq "a second get is served from the cache" "$TOKEN_PW/1" "$(json_field Secret)/$(accepted ecr)"
case $ERR in *"token from the runtime folder cache"*) pass "debug log says cache hit" ;; *) fail "debug log says cache hit" "$ERR" ;; esac
# The cache is one 0600 file per entry in the private runtime folder, nothing in the kernel
# keyring (which a process of the same uid in a container could read and rewrite).
check_eq "no key of ours added to the kernel keyrings (/proc/keys)" "" "$(comm -13 <(echo "$KEYS_BEFORE") <(our_keys))"
check_eq "the cache folder is 0700, its entries 0600" "700 600" \
	"$(stat -c %a "$XDG_RUNTIME_DIR/docker-credential-ssm/cache") $(stat -c %a "$XDG_RUNTIME_DIR"/docker-credential-ssm/cache/* | sort -u)"
# A process of the same uid in a fresh mount namespace (as in a container) where the runtime
# folder is not the user's: it finds no cached token (it mints its own), and no file holds it.
# shellcheck disable=SC2046,SC2016
OUT=$(printf '%s' "$ECR_HOST" | env $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug \
	unshare --mount sh -c 'mount -t tmpfs -o mode=700 tmpfs "$XDG_RUNTIME_DIR" &&
		! grep -rqF "$1" "$XDG_RUNTIME_DIR" && "$2" get' sh "$TOKEN_PW" "$BIN" 2>"$WORK/err")
ERR=$(cat "$WORK/err")
case $ERR in
*"token from the runtime folder cache"*) fail "a fresh mount namespace does not see the cached token" "$ERR" ;;
*) check_eq "a fresh mount namespace does not see the cached token: it mints (request 2)" "$TOKEN_PW/2" \
	"$(json_field Secret)/$(accepted ecr)" ;;
esac
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1)
check_eq "... and the user's own cache still answers (no request)" "$TOKEN_PW/2" "$(json_field Secret)/$(accepted ecr)"
# A cached entry rewritten by hand (another token put in its file) is not served.
for f in "$XDG_RUNTIME_DIR"/docker-credential-ssm/cache/t*; do
	sed -i "s/$TOKEN_PW/$(printf '%s' "$TOKEN_PW" | tr '[:lower:]' '[:upper:]')/" "$f"
done
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1)
check_eq "a rewritten cache entry is ignored: minted again (request 3)" "$TOKEN_PW/3" "$(json_field Secret)/$(accepted ecr)"
# A shared XDG_RUNTIME_DIR (sticky, world-writable) where another user made our folder first:
# neither the cache nor the mint lock goes there, and minting still works (in a private mount
# namespace with its own /dev/shm, where the cache then goes, so that nothing is left behind).
mkdir -m 1777 "$WORK/shared"
mkdir -m 700 "$WORK/shared/docker-credential-ssm"
chown 65534:65534 "$WORK/shared/docker-credential-ssm"
# shellcheck disable=SC2046,SC2016
get "$ECR_HOST" $(ecr_env AKIDSTANDIN4 planted-secret-4) XDG_RUNTIME_DIR="$WORK/shared" \
	unshare --mount sh -c 'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec "$0" "$@"'
check_eq "a foreign folder in a shared XDG_RUNTIME_DIR does not stop a mint" "0/$TOKEN_PW" "$RC/$(json_field Secret)"
check_eq "... and nothing was written there" "" "$(ls -A "$WORK/shared/docker-credential-ssm")"
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_TOKEN_CACHE=off
check_eq "SSM_TOKEN_CACHE=off mints again" "$TOKEN_PW/5" "$(json_field Secret)/$(accepted ecr)"
# libcurl and OpenSSL would log the TLS session secrets to SSLKEYLOGFILE.
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_TOKEN_CACHE=off SSLKEYLOGFILE="$WORK/keylog"
check_eq "SSLKEYLOGFILE is ignored: the token is minted and no key log written" "0/$TOKEN_PW/6/absent" \
	"$RC/$(json_field Secret)/$(accepted ecr)/$([ -e "$WORK/keylog" ] && echo present || echo absent)"
for bad in nan 0.0001 inf; do
	# shellcheck disable=SC2046
	get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_TOKEN_CACHE=off SSM_HTTP_TIMEOUT=$bad
	one_line_error "SSM_HTTP_TIMEOUT=$bad is refused" "SSM_HTTP_TIMEOUT must be a number of seconds from 0.1 to 600"
	# shellcheck disable=SC2046
	get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_TOKEN_CACHE=off SSM_HTTP_CONNECT_TIMEOUT=$bad
	one_line_error "SSM_HTTP_CONNECT_TIMEOUT=$bad is refused" "SSM_HTTP_CONNECT_TIMEOUT must be a number of seconds from 0.1 to 600"
done
check_eq "... and nothing was minted for them" 6 "$(accepted ecr)"

# 20 parallel cold gets mint once.
before=$(accepted ecr)
pids=()
for i in $(seq 1 20); do
	# shellcheck disable=SC2046
	(printf '%s' "$ECR_HOST" | env $(ecr_env AKIDSTANDIN2 planted-secret-2) "$BIN" get >"$WORK/par$i" 2>&1) &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "20 parallel cold gets all succeed" 0 "$failed"
good=$(cat "$WORK"/par* | jq -r .Secret | grep -c "^$TOKEN_PW\$")
check_eq "... all with the token" 20 "$good"
check_eq "... and made exactly one token request" $((before + 1)) "$(accepted ecr)"

# Expiry: a 62-second token is due for refresh after 2 seconds.
standin_config_merge '{"ecr": {"expires_in": 62}}'
before=$(accepted ecr)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN3 planted-secret-3)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN3 planted-secret-3)
check_eq "a fresh short token is reused" $((before + 1)) "$(accepted ecr)"
sleep 3
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN3 planted-secret-3)
check_eq "once due, a new token is minted" "0/$((before + 2))" "$RC/$(accepted ecr)"
sleep 3
standin_mode 500
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN3 planted-secret-3)
check_eq "endpoint failing, cached token still valid: it is served" "0/$TOKEN_PW" "$RC/$(json_field Secret)"
case $ERR in *"ecr: "*"HTTP 500"*"using the cached token, valid until"*) pass "... and stderr says so" ;; *) fail "... and stderr says so" "$ERR" ;; esac

# Nothing cached: each failure is one line naming the provider, never not-found.
standin_config_merge '{"ecr": {"expires_in": 43200}}'
for mode in 500 403 429 reset truncated wrongshape; do
	standin_mode "$mode"
	# shellcheck disable=SC2046
	get "$ECR_HOST" $(ecr_env AKIDSTANDIN4 planted-secret-4) SSM_HTTP_TIMEOUT=5
	one_line_error "ECR endpoint mode $mode: one line naming ecr" "ecr: *"
done
standin_mode hang
start=$(date +%s)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN4 planted-secret-4) SSM_HTTP_TIMEOUT=1
took=$(($(date +%s) - start))
one_line_error "a hanging endpoint: one line naming ecr" "ecr: *"
if [ "$took" -le 8 ]; then pass "... within the bounded time (${took}s for 3 attempts of 1s)"; else fail "... within the bounded time" "${took}s"; fi
standin_mode "fail_first:2"
before=$(accepted ecr)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN4 planted-secret-4)
check_eq "two 500s then success: the retries get the token" "0/$TOKEN_PW/$((before + 1))" "$RC/$(json_field Secret)/$(accepted ecr)"
standin_mode ok

# Keys the service does not accept.
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 wrong-secret-planted)
one_line_error "a wrong secret key: the service's reason" "ecr: *HTTP 403*InvalidSignatureException*"
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDUNKNOWN planted-secret-1)
one_line_error "an unknown access key: the service's reason" "ecr: *HTTP 403*UnrecognizedClientException*"
# A dead endpoint and an untrusted certificate.
get "$ECR_HOST" SSM_REGISTRY_ECR_ACCESSKEY=AKIDSTANDIN1 SSM_REGISTRY_ECR_SECRETACCESSKEY=x \
	SSM_REGISTRY_ECR_ENDPOINT=https://127.0.0.1:9 SSM_REGISTRY_ECR_CACERT__FILE="$STANDIN_CA"
one_line_error "a dead endpoint: cannot reach" "ecr: cannot reach https://127.0.0.1:9/*"
get "$ECR_HOST" SSM_REGISTRY_ECR_ACCESSKEY=AKIDSTANDIN1 SSM_REGISTRY_ECR_SECRETACCESSKEY=planted-secret-1 \
	SSM_REGISTRY_ECR_ENDPOINT="$STANDIN_URL"
one_line_error "an endpoint whose CA is not trusted: a TLS error, no token" "ecr: cannot reach*certificate*"
# Trust without a per-registry cacert: SSL_CERT_FILE, SSL_CERT_DIR (a hashed directory, as
# update-ca-certificates writes /etc/ssl/certs), and a directory without the CA: refused.
"$BIN" cache clear >/dev/null
ecr_nocacert=(SSM_REGISTRY_ECR_ACCESSKEY=AKIDSTANDIN1 SSM_REGISTRY_ECR_SECRETACCESSKEY=planted-secret-1
	SSM_REGISTRY_ECR_ENDPOINT="$STANDIN_URL" SSM_TOKEN_CACHE=off)
get "$ECR_HOST" "${ecr_nocacert[@]}" SSL_CERT_FILE="$STANDIN_CA"
check_eq "no cacert, SSL_CERT_FILE holds the stand-in's CA: token" "0/$TOKEN_PW" "$RC/$(json_field Secret)"
mkdir -p "$WORK/certdir" "$WORK/otherdir"
cp "$STANDIN_CA" "$WORK/certdir/standin.pem"
ln -s standin.pem "$WORK/certdir/$(openssl x509 -noout -subject_hash -in "$STANDIN_CA").0"
get "$ECR_HOST" "${ecr_nocacert[@]}" SSL_CERT_DIR="$WORK/certdir"
check_eq "no cacert, SSL_CERT_DIR is a hashed directory with the CA: token" "0/$TOKEN_PW" "$RC/$(json_field Secret)"
get "$ECR_HOST" "${ecr_nocacert[@]}" SSL_CERT_DIR="$WORK/otherdir"
one_line_error "no cacert, SSL_CERT_DIR without the CA: a TLS error" "ecr: cannot reach*certificate*"
before=$(accepted ecr)
get "$ECR_HOST" "${ecr_nocacert[@]}" SSL_CERT_DIR="$WORK/otherdir" SSM_LOG=debug
check_eq "... tried once, not retried (a certificate does not change)" "$before" "$(accepted ecr)"
case $ERR in *"retrying"*) fail "... no retry in the debug log" "$ERR" ;; *) pass "... no retry in the debug log" ;; esac

# When a token must be minted, it is minted on a second thread while the store is asked; not
# when one is cached; a stored login still wins (the token then waits in the cache).
"$BIN" cache clear >/dev/null
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug
check_eq "cold get with the preload: the token" "0/$TOKEN_PW" "$RC/$(json_field Secret)"
case $ERR in *"new token valid until"*) ;; *) ERR="no new token: $ERR" ;; esac
case $ERR in *"no cached token; minting one on a second thread while the store is asked"*"the token from the second thread"*)
	pass "... the debug log shows the mint on the second thread, its token answered" ;;
*) fail "... the debug log shows the mint on the second thread, its token answered" "$ERR" ;; esac
if printf '%s\n' "$ERR" | grep -v '^docker-credential-ssm: debug: \[[0-9]*\.[0-9] ms\] ' | grep -q .; then
	fail "... every debug line says when (ms since start)" "$ERR"
else pass "... every debug line says when (ms since start)"; fi
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug
case $ERR in *"second thread"*) fail "warm get: no second thread" "$ERR" ;; *) pass "warm get: no second thread" ;; esac
"$BIN" cache clear >/dev/null
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug SSM_PARALLEL=off
check_eq "SSM_PARALLEL=off: the same token" "0/$TOKEN_PW" "$RC/$(json_field Secret)"
case $ERR in *"second thread"*) fail "... and no second thread" "$ERR" ;; *) pass "... and no second thread" ;; esac
printf '{"ServerURL":"%s","Username":"stored-user","Secret":"stored-planted-secret"}' "$ECR_HOST" | "$BIN" store
"$BIN" cache clear >/dev/null
before=$(accepted ecr)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug
check_eq "a stored login wins over ECR, cold: the login" \
	"0/stored-user/stored-planted-secret" "$RC/$(json_field Username)/$(json_field Secret)"
"$BIN" cache clear >/dev/null
before=$(accepted ecr)
for i in 1 2 3; do
	# shellcheck disable=SC2046
	get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug SSM_FULL_EXIT=1
done
check_eq "... again and again (waiting for the second thread): the login; one token request, then it waits in the cache" \
	"0/stored-user/$((before + 1))" "$RC/$(json_field Username)/$(accepted ecr)"
"$BIN" cache clear >/dev/null
before=$(accepted ecr)
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug SSM_FULL_EXIT=1 SSM_TOKEN_CACHE=off
check_eq "... with SSM_TOKEN_CACHE=off: the login, and no token minted to be thrown away" \
	"0/stored-user/$before" "$RC/$(json_field Username)/$(accepted ecr)"
case $ERR in *"second thread"*) fail "... (no second thread)" "$ERR" ;; *) pass "... (no second thread)" ;; esac
printf '%s' "$ECR_HOST" | "$BIN" erase
"$BIN" cache clear >/dev/null

# Unconfigured ECR with no AWS keys anywhere: not found, so clients pull anonymously.
get "$ECR_HOST"
check_eq "unconfigured ECR without keys: not found" "1/credentials not found in native keychain" "$RC/$OUT"

# ---------------------------------------------------------------- ECR public
get public.ecr.aws
check_eq "ECR Public unconfigured: anonymous" "1/credentials not found in native keychain" "$RC/$OUT"
get public.ecr.aws SSM_REGISTRY_ECRPUBLIC_ACCESSKEY=AKIDSTANDIN1 SSM_REGISTRY_ECRPUBLIC_SECRETACCESSKEY=planted-secret-1 \
	SSM_REGISTRY_ECRPUBLIC_ENDPOINT="$STANDIN_URL" SSM_REGISTRY_ECRPUBLIC_CACERT__FILE="$STANDIN_CA"
check_eq "ECR Public configured: AWS and its token" "0/AWS/$TOKEN_PW/1" "$RC/$(json_field Username)/$(json_field Secret)/$(accepted ecr-public)"

# ---------------------------------------------------------------- GCR
sa=$(standin_make_sa "$WORK" puller@proj.iam.gserviceaccount.com)
standin_config_merge "$(jq -n --arg aud "$STANDIN_URL/token" '{gcp_aud: $aud}')"
gcp_token=$(jq -r '.gcp["puller@proj.iam.gserviceaccount.com"].access_token' "$STANDIN_DIR/config.json")
get gcr.io SSM_REGISTRY_GCR_KEYJSON__FILE="$sa" SSM_REGISTRY_GCR_CACERT__FILE="$STANDIN_CA"
check_eq "GCR with a JSON key file: oauth2accesstoken and the access token" "0/oauth2accesstoken/$gcp_token" \
	"$RC/$(json_field Username)/$(json_field Secret)"
check_eq "the stand-in verified the JWT" 1 "$(accepted gcp)"
pem=$(jq -r .private_key "$sa" | awk '{printf "%s\\n", $0}')
get europe-west1-docker.pkg.dev SSM_REGISTRY_GCR_CLIENTEMAIL=puller@proj.iam.gserviceaccount.com \
	SSM_REGISTRY_GCR_PRIVATEKEY="$pem" SSM_REGISTRY_GCR_TOKENURL="$STANDIN_URL/token" SSM_REGISTRY_GCR_CACERT__FILE="$STANDIN_CA"
check_eq "Artifact Registry with clientemail + privatekey (literal \\n)" "0/$gcp_token" "$RC/$(json_field Secret)"
mkdir -p "$WORK/other"
other=$(standin_make_sa "$WORK/other" other@proj.iam.gserviceaccount.com)
jq --arg e puller@proj.iam.gserviceaccount.com '.client_email = $e' "$other" >"$WORK/forged.json"
get gcr.io SSM_REGISTRY_GCR_KEYJSON__FILE="$WORK/forged.json" SSM_REGISTRY_GCR_CACERT__FILE="$STANDIN_CA"
one_line_error "GCR with a key that is not the account's: refused" "gcr: *HTTP 400*invalid_grant*"
get gcr.io
check_eq "GCR unconfigured: anonymous" "1/credentials not found in native keychain" "$RC/$OUT"

# ---------------------------------------------------------------- ACR exchange
standin_config_merge '{"azure": {"tenant-1": {"client_id": "client-1", "client_secret": "planted-acr-secret", "access_token": "aad-planted", "expires_in": 3599}}, "acr": {"refresh_token": "acr-refresh-planted"}}'
acr_env=(SSM_REGISTRY_ACR_CLIENTID=client-1 SSM_REGISTRY_ACR_TENANTID=tenant-1
	SSM_REGISTRY_ACR_AUTHORITYURL="$STANDIN_URL" SSM_REGISTRY_ACR_EXCHANGEURL="$STANDIN_URL/oauth2/exchange"
	SSM_REGISTRY_ACR_CACERT__FILE="$STANDIN_CA")
get contoso.azurecr.io "${acr_env[@]}" SSM_REGISTRY_ACR_CLIENTSECRET=planted-acr-secret
check_eq "ACR with tenantid: the exchanged refresh token" "0/00000000-0000-0000-0000-000000000000/acr-refresh-planted" \
	"$RC/$(json_field Username)/$(json_field Secret)"
check_eq "... after Azure AD and the exchange both accepted" "1/1" "$(accepted azure)/$(accepted acr)"
get contoso.azurecr.io "${acr_env[@]}" SSM_REGISTRY_ACR_CLIENTSECRET=wrong-planted
one_line_error "ACR with a wrong client secret: Azure AD's reason" "acr: *HTTP 401*invalid_client*"

# ---------------------------------------------------------------- hygiene
if grep -rqa -e planted-secret -e planted-acr-secret "$WORK/home"; then
	fail "no secret in any file under HOME"
else
	pass "no secret in any file under HOME"
fi
# shellcheck disable=SC2046
get "$ECR_HOST" $(ecr_env AKIDSTANDIN1 planted-secret-1) SSM_LOG=debug SSM_TOKEN_CACHE=off
if printf '%s' "$ERR" | grep -q -e planted-secret -e "$TOKEN_PW"; then fail "debug log holds no key or token" "$ERR"; else pass "debug log holds no key or token"; fi
if grep -q -e planted-secret -e "$TOKEN_PW" -e planted-acr "$STANDIN_DIR/requests.log"; then
	fail "nothing secret reached the stand-in's log"
else
	pass "nothing secret reached the stand-in's log"
fi

"$BIN" cache clear >/dev/null
tap_summary
