#!/usr/bin/env bash
# End-to-end test of ACR's Azure identities with no secret stored: the Azure SDKs' environment
# chain (service principal secret and certificate, workload identity, App Service, Azure Arc
# and the instance metadata service), then the ACR token exchange, against stand-ins that check what
# Azure checks, reached at their DEFAULT addresses: Azure AD over TLS at
# https://login.microsoftonline.com, the exchange at https://myreg.azurecr.io/oauth2/exchange,
# IMDS at http://169.254.169.254 (tests/support/azure_standin.py).
#
# Usage: tests/e2e/azure_identity_test.sh SUFFIX
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#
# Isolation (root only): sandbox.sh's private mount namespace, then `unshare --net --mount`: a
# private network namespace with only `lo`, carrying 169.254.169.254; a private /etc/hosts
# mapping login.microsoftonline.com to 127.0.0.1 (Azure AD stand-in), myreg.azurecr.io to
# 127.0.0.3 (the ACR stand-in: /oauth2/exchange, everything else passed to a Distribution
# registry over TLS on 127.0.0.2, tests/support/registry.sh, whose htpasswd holds
# 00000000-0000-0000-0000-000000000000:<the ACR refresh token>). The helper trusts the stand-in
# CA by SSL_CERT_FILE, skopeo by a private /etc/containers/certs.d.
#
# Checks: each source alone gives a working `get` (and the stand-ins saw the grant they
# expect: secret, certificate assertion, federated assertion, IMDS with Metadata: true, App
# Service with X-IDENTITY-HEADER, Azure Arc's challenge), a user-assigned identity, `identity`
# pinning; failures as one line (Azure AD's error_description, a missing federated token file,
# a pinned source that is absent, IMDS without the identity); with no Azure at all, "credentials
# not found" within a bound and remembered (IMDS unreachable or silent); registry list and
# registry test naming the source; skopeo inspect and podman pull with no key stored for managed and workload
# identity; `kubelet` with a pod's service account token (KEP-4412): the token is the federated
# assertion for the app of the pod's azure.workload.identity/client-id annotation (the stand-in
# checks it is that pod's JWT for that app: another pod's token, or the pod's token for another
# app, is refused), the tenant from its annotation or AZURE_TENANT_ID, never IMDS or the node's
# principal; no client id annotation: no auth and no request (a configured acr: one line naming
# the annotation); no file written for a pod; no secret in the helper's stderr (SSM_LOG=debug);
# nothing left running.
#
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed".
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

# shellcheck source=../support/cloud_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/cloud_e2e.sh"
cloud_e2e_enter "${BASH_SOURCE[0]}" "$@" # sets SELF, E2E_DIR, SUPPORT_DIR

SUFFIX=$1
ACR=myreg.azurecr.io
AAD=login.microsoftonline.com
IMG="$ACR/e2e/azure-hello:1"
NOT_FOUND='credentials not found in native keychain'
ZERO=00000000-0000-0000-0000-000000000000

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-azure.XXXXXX")
chmod 700 "$W"
ST="$W/standin"
ST_PID=
HELPER=

cleanup() {
	[ -z "$HELPER" ] || env -i HOME="$W/home" "$HELPER" cache clear >/dev/null 2>&1 || true
	cloud_e2e_stop ST_PID
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TENANT="$(rnd 4)-tenant"
CLIENT="$(rnd 4)-client"
SP_SECRET="sp-secret-$(rnd 12)"
ID_HEADER="id-header-$(rnd 12)"
REFRESH="acr-refresh-$(rnd 16)"
UA_CLIENT="ua-$(rnd 4)"
ISSUER="https://oidc.e2e.example/$(rnd 4)"
SUBJECT="system:serviceaccount:ci:puller"

# ---------------------------------------------------------------------------------------------
# Namespace, addresses, /etc/hosts, certificates

cloud_e2e_namespace 169.254.169.254
printf '127.0.0.1\tlocalhost %s\n127.0.0.3\t%s\n127.0.0.2\tacr-backend.test\n::1\tlocalhost\n' "$AAD" "$ACR" |
	cloud_e2e_hosts "$W/hosts"

cloud_e2e_certs "$ST" "ssm e2e azure CA" "$AAD" "$ACR"
# The service principal's certificate (PEM: certificate and key), and the federation issuer.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout "$W/sp.key" -out "$W/sp.crt" -subj "/CN=sp" >/dev/null 2>&1
cat "$W/sp.crt" "$W/sp.key" >"$W/sp.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/issuer.key" >/dev/null 2>&1
openssl pkey -in "$W/issuer.key" -pubout -out "$W/issuer.pub" >/dev/null 2>&1
make_jwt() { cloud_e2e_jwt "$1" "$2" "$ISSUER" "${3:-$SUBJECT}" api://AzureADTokenExchange 3600; } # OUT KEY [SUBJECT]
make_jwt "$W/federated.jwt" "$W/issuer.key"
FED_JWT=$(cat "$W/federated.jwt")

# ---------------------------------------------------------------------------------------------
# The registry behind ACR's name, and the stand-ins

printf '%s\n' "$(htpasswd -Bbn "$ZERO" "$REFRESH")" >"$W/htpasswd"
if registry_start_named "$W" 127.0.0.2 "$W/htpasswd" acr-backend.test &&
	REGISTRY_HOST=acr-backend.test REGISTRY_USER=$ZERO REGISTRY_PASSWORD=$REFRESH registry_push_test_image "$W" "${IMG#*/}"; then
	pass "Distribution registry on 127.0.0.2:443 (TLS) with ${IMG#*/} pushed"
else
	fail "Distribution registry on 127.0.0.2:443 with the image pushed"
	tap_summary
	exit 1
fi

st_config() { cloud_e2e_merge "$ST/config.json" "$1"; } # JSON merged into the stand-ins' config.json
st_config "$(jq -n --arg t "$TENANT" --arg c "$CLIENT" --arg s "$SP_SECRET" --rawfile cert "$W/sp.crt" \
	--rawfile pub "$W/issuer.pub" --arg iss "$ISSUER" --arg sub "$SUBJECT" --arg h "$ID_HEADER" --arg r "$REFRESH" '{
  tenant: $t, client_id: $c, client_secret: $s, certificate_pem: $cert,
  federated: {public_key_pem: $pub, issuer: $iss, subject: $sub, audience: "api://AzureADTokenExchange"},
  imds: {mode: "ok", client_id: null, resource_id: null}, appservice: {header: $h},
  refresh_token: $r, backend: "https://127.0.0.2:443", arc_key_dir: "/var/opt/azcmagent/tokens"}')"
# Azure Arc's key files live under /var/opt/azcmagent/tokens: a private tmpfs here.
mkdir -p /var/opt
mount -t tmpfs -o mode=755 tmpfs /var/opt
mkdir -p /var/opt/azcmagent/tokens
chmod 700 /var/opt/azcmagent/tokens
cloud_e2e_python "$W"
"$STANDIN_PYTHON" "$SUPPORT_DIR/azure_standin.py" --state "$ST" --listen aad@127.0.0.1:443 --listen acr@127.0.0.3:443 \
	--listen imds@169.254.169.254:80 --listen appservice@127.0.0.1:0 --listen arc@127.0.0.1:0 >>"$ST/server.log" 2>&1 &
# shellcheck disable=SC2034 # stopped by name (cloud_e2e_stop ST_PID)
ST_PID=$!
for i in $(seq 1 50); do [ -s "$ST/pid" ] && break; sleep 0.1; : "$i"; done
AS_PORT=$(awk '$1 == "appservice" {print $3}' "$ST/listening" 2>/dev/null)
ARC_PORT=$(awk '$1 == "arc" {print $3}' "$ST/listening" 2>/dev/null)
touch "$ST/requests.log"
if [ -n "$AS_PORT" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ST/ca.crt" "https://$ACR/v2/")" = 401 ]; then
	pass "stand-ins: Azure AD on $AAD, ACR on $ACR (TLS), IMDS on 169.254.169.254:80, App Service on 127.0.0.1:$AS_PORT"
else
	fail "stand-ins listening" "$(tail -n 5 "$ST/server.log")"
	tap_summary
	exit 1
fi
check_eq "stand-ins check what Azure checks: IMDS without Metadata: true 400; App Service without the header 401; a secret grant for another scope 400 invalid_scope" \
	"400/401/invalid_scope" \
	"$(curl -s -o /dev/null -w '%{http_code}' 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://containerregistry.azure.net')/$(
		curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AS_PORT/msi/token?api-version=2019-08-01&resource=https://containerregistry.azure.net")/$(
		curl -s --cacert "$ST/ca.crt" "https://$AAD/$TENANT/oauth2/v2.0/token" --data-urlencode grant_type=client_credentials \
			--data-urlencode "client_id=$CLIENT" --data-urlencode "client_secret=$SP_SECRET" \
			--data-urlencode scope=https://management.azure.com/.default | jq -r .error)"
: >"$ST/requests.log"

cloud_e2e_helper "$SUFFIX" "$W"
# BASE_ENV, hget, cache_clear, secret_of, one_line: tests/support/cloud_e2e.sh.
cloud_e2e_runner "$W" "$ST/ca.crt"
MARK=0
mark() { MARK=$(wc -l <"$ST/requests.log"); }
since() { tail -n "+$((MARK + 1))" "$ST/requests.log" | jq -r "$1" | paste -sd' '; }

expect_token() { # DESC EXPECTED-REQUESTS
	local seen
	seen=$(since '"\(.server):\(.status):\(.reason)"')
	if [ "$HRC" = 0 ] && [ "$(secret_of)" = "$ZERO $REFRESH" ] && [ "$seen" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "rc=$HRC out=$HOUT seen=[$seen] want=[$2] err=$(printf '%s' "$HERR" | tail -n 3)"
	fi
}
expect_line() { # DESC GLOB: one line on stdout matching GLOB, non-zero exit
	# shellcheck disable=SC2053
	if one_line && [[ $HOUT == $2 ]]; then
		pass "$1"
	else
		fail "$1" "rc=$HRC out=$HOUT"
	fi
}

# ---------------------------------------------------------------------------------------------
# Each source alone, nothing configured, default endpoints

mark
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_SECRET="$SP_SECRET"
expect_token "service principal secret (AZURE_CLIENT_SECRET): client-credentials grant, then the exchange" \
	"aad:200:ok secret acr:200:ok"
mark
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_CERTIFICATE_PATH="$W/sp.pem"
expect_token "service principal certificate: an RS256 client assertion with x5t, verified by the stand-in" \
	"aad:200:ok certificate acr:200:ok"
mark
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_FEDERATED_TOKEN_FILE="$W/federated.jwt"
expect_token "workload identity: the federated token as the client assertion" "aad:200:ok federated acr:200:ok"
check_eq "SSM_LOG=debug names the source" "1" \
	"$(grep -c -F "acr: azure: credentials from workload identity: client $CLIENT of tenant $TENANT, token file $W/federated.jwt" <<<"$HERR" | sed 's/^[1-9][0-9]*$/1/')"
mark
hget "$ACR"
expect_token "managed identity from IMDS (Metadata: true, api-version 2018-02-01, ACR's resource)" "imds:200:ok acr:200:ok"
mark
hget "$ACR" IDENTITY_ENDPOINT="http://127.0.0.1:$AS_PORT/msi/token" IDENTITY_HEADER="$ID_HEADER"
expect_token "managed identity from App Service (X-IDENTITY-HEADER, date-form expires_on)" "appservice:200:ok acr:200:ok"
mark
hget "$ACR" IDENTITY_ENDPOINT="http://127.0.0.1:$ARC_PORT/metadata/identity/oauth2/token" IMDS_ENDPOINT="http://127.0.0.1:$ARC_PORT"
expect_token "managed identity from Azure Arc (the 401 challenge's key file, then Basic)" \
	"arc:401:challenge arc:200:ok acr:200:ok"
mark
# A CI job's ID token (webidentity, issue 15): the same federated assertion, from a variable,
# for the configured app; the node's environment ignored.
hget "$ACR" SSM_REGISTRY_ACR_WEBIDENTITY=env:JOB_ID_TOKEN JOB_ID_TOKEN="$FED_JWT" \
	SSM_REGISTRY_ACR_CLIENTID="$CLIENT" SSM_REGISTRY_ACR_TENANTID="$TENANT" AZURE_CLIENT_SECRET="wrong-$(rnd 4)"
expect_token "webidentity env:NAME (a CI job's ID token): the federated client assertion of clientid, then the exchange" \
	"aad:200:ok federated acr:200:ok"
hget "$ACR" SSM_REGISTRY_ACR_WEBIDENTITY=env:JOB_ID_TOKEN SSM_REGISTRY_ACR_CLIENTID="$CLIENT" \
	SSM_REGISTRY_ACR_TENANTID="$TENANT"
expect_line "webidentity env:NAME with the variable unset: one line naming it" "*JOB_ID_TOKEN*"
mark
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_SECRET="$SP_SECRET" \
	AZURE_FEDERATED_TOKEN_FILE="$W/federated.jwt"
expect_token "order: the environment's service principal before workload identity" "aad:200:ok secret acr:200:ok"

# User-assigned identity and pinning, on a configured registry.
st_config "$(jq -n --arg c "$UA_CLIENT" '{imds: {client_id: $c}}')"
mark
hget "$ACR" SSM_REGISTRY_ACR_IDENTITY=managed SSM_REGISTRY_ACR_CLIENTID="$UA_CLIENT" \
	AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_SECRET="$SP_SECRET"
expect_token "identity=managed + clientid: the user-assigned identity from IMDS, the environment's principal ignored" \
	"imds:200:ok acr:200:ok"
mark
hget "$ACR" SSM_REGISTRY_ACR_IDENTITY=managed
expect_line "identity=managed, IMDS has no such identity: one line with IMDS's reason" \
	"acr: *HTTP 400 (invalid_request: Identity not found)*"
st_config '{"imds": {"client_id": null}}'

# ---------------------------------------------------------------------------------------------
# Failures: one line

hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_SECRET="wrong-$(rnd 4)"
expect_line "a wrong client secret: one line with Azure AD's error_description" \
	"*HTTP 401 (invalid_client: AADSTS7000215: Invalid client secret provided.)*"
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_FEDERATED_TOKEN_FILE="$W/missing.jwt"
expect_line "a federated token file that does not exist: one line naming it" \
	"acr: the federated token file $W/missing.jwt (AZURE_FEDERATED_TOKEN_FILE) does not exist"
openssl genpkey -algorithm RSA -out "$W/other.key" >/dev/null 2>&1
make_jwt "$W/foreign.jwt" "$W/other.key"
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_FEDERATED_TOKEN_FILE="$W/foreign.jwt"
expect_line "a federated token of another issuer key: one line with Azure AD's reason" "*HTTP 400 (invalid_request: AADSTS70021:*"
hget "$ACR" SSM_REGISTRY_ACR_IDENTITY=workload
expect_line "identity=workload without AZURE_FEDERATED_TOKEN_FILE: one line" \
	"acr: identity workload needs AZURE_FEDERATED_TOKEN_FILE*"
printf 'not a pem\n' >"$W/bad.pem"
hget "$ACR" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_CERTIFICATE_PATH="$W/bad.pem"
expect_line "a certificate file without a certificate: one line" "acr: the certificate file $W/bad.pem *holds no PEM certificate*"

# ---------------------------------------------------------------------------------------------
# No Azure at all: bounded, remembered, anonymous

ip addr del 169.254.169.254/32 dev lo
cache_clear
mark
hget "$ACR" SSM_TOKEN_CACHE=on
t1=$HMS
out1="$HRC/$HOUT"
hget "$ACR" SSM_TOKEN_CACHE=on
if [ "$out1" = "1/$NOT_FOUND" ] && [ "$HRC/$HOUT" = "1/$NOT_FOUND" ] && [ "$t1" -lt 3000 ] && [ "$HMS" -lt 1000 ]; then
	pass "no Azure (IMDS address routed nowhere): not found in ${t1} ms, then remembered (${HMS} ms)"
else
	fail "no Azure: not found within the bound, then remembered" "first=$out1 ${t1}ms second=$HRC/$HOUT ${HMS}ms"
fi
hget "$ACR" SSM_AZURE_IMDS=off
check_eq "SSM_AZURE_IMDS=off: not found with no request" "1/$NOT_FOUND/" "$HRC/$HOUT/$(since '.server')"
ip addr add 169.254.169.254/32 dev lo
st_config '{"imds": {"mode": "slow"}}'
hget "$ACR"
if [ "$HRC/$HOUT" = "1/$NOT_FOUND" ] && [ "$HMS" -lt 4500 ]; then
	pass "IMDS listening but not answering: not found within the bound (${HMS} ms)"
else
	fail "IMDS listening but not answering: not found within the bound" "rc=$HRC out=$HOUT ${HMS} ms"
fi
st_config '{"imds": {"mode": "ok"}}'
cache_clear

# ---------------------------------------------------------------------------------------------
# Which identity answers: registry list, doctor and registry test name it

out=$(env -i "${BASE_ENV[@]}" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_FEDERATED_TOKEN_FILE="$W/federated.jwt" \
	"$HELPER" registry list --json 2>/dev/null | jq -r '.[] | select(.registry == "acr") | .identity')
check_eq "registry list names the source of an unconfigured ACR" \
	"workload identity: client $CLIENT of tenant $TENANT, token file $W/federated.jwt" "$out"
rc=0
out=$(env -i "${BASE_ENV[@]}" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_FEDERATED_TOKEN_FILE="$W/missing.jwt" \
	"$HELPER" doctor 2>&1) || rc=$?
if [ "$rc" != 0 ] && grep -c -F "acr: AZURE_FEDERATED_TOKEN_FILE names $W/missing.jwt, which cannot be read" <<<"$out" >/dev/null; then
	pass "doctor: a federated token file that cannot be read is a problem (exit $rc)"
else
	fail "doctor names the unreadable federated token file" "rc=$rc out=$(grep -i azurecr <<<"$out")"
fi
rc=0
out=$(env -i "${BASE_ENV[@]}" SSM_REGISTRY_ACR_IDENTITY=managed "$HELPER" registry test acr --host "$ACR" 2>&1) || rc=$?
if [ "$rc" = 0 ] && [[ $out == *"managed identity (instance metadata service 169.254.169.254)"* ]]; then
	pass "registry test acr --host $ACR: works, naming the managed identity"
else
	fail "registry test acr --host $ACR names the managed identity" "rc=$rc out=$out"
fi
cache_clear

# ---------------------------------------------------------------------------------------------
# kubelet mode: a pod's service account token as its own workload identity

POD_CLIENT="$(rnd 4)-pod-app"
POD_SUBJECT="system:serviceaccount:shop:puller"
make_jwt "$W/pod-a.jwt" "$W/issuer.key" "$POD_SUBJECT"
make_jwt "$W/pod-b.jwt" "$W/issuer.key" "system:serviceaccount:other:intruder"
st_config "$(jq -n --arg c "$POD_CLIENT" --arg s "$POD_SUBJECT" '{federated_apps: {($c): $s}}')"
mkdir -p "$W/krun" "$W/ktmp"
chmod 700 "$W/krun"
# As the kubelet runs it: root, no HOME, no store; the node's IMDS identity is there (mode ok).
KUBELET_ENV=(PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$W/krun" TMPDIR="$W/ktmp" SSL_CERT_FILE="$ST/ca.crt" SSM_LOG=debug)
kreq() { # TOKEN-FILE CLIENT TENANT
	jq -n -c --arg i "$ACR/e2e/azure-hello" --rawfile t "$1" --arg c "$2" --arg n "$3" '
	  {apiVersion: "credentialprovider.kubelet.k8s.io/v1", kind: "CredentialProviderRequest", image: $i,
	   serviceAccountToken: ($t | rtrimstr("\n")),
	   serviceAccountAnnotations: ((if $c == "" then {} else {"azure.workload.identity/client-id": $c} end)
	     + (if $n == "" then {} else {"azure.workload.identity/tenant-id": $n} end))}'
}
kask() { # REQUEST [VAR=VALUE...]: sets HOUT HERR HRC
	local req=$1
	shift
	HRC=0
	HOUT=$(printf '%s' "$req" | env -i "${KUBELET_ENV[@]}" "$@" "$HELPER" kubelet 2>"$W/err") || HRC=$?
	HERR=$(cat "$W/err")
	cat "$W/err" >>"$ALL_ERR"
}
kauth() { printf '%s' "$HOUT" | jq -r --arg h "$ACR" '.auth[$h] | "\(.username) \(.password)"' 2>/dev/null; }

mark
kask "$(kreq "$W/pod-a.jwt" "$POD_CLIENT" "$TENANT")"
check_eq "kubelet, a pod's token and client id annotation: its federated assertion for that app, then the exchange (not IMDS)" \
	"0/$ZERO $REFRESH/Registry/aad:200:ok federated acr:200:ok" \
	"$HRC/$(kauth)/$(printf '%s' "$HOUT" | jq -r .cacheKeyType)/$(since '"\(.server):\(.status):\(.reason)"')"
mark
kask "$(kreq "$W/pod-b.jwt" "$POD_CLIENT" "$TENANT")"
check_eq "... another pod's token for that app: Azure AD refuses (no federated credential for its subject); exit 1, nothing on stdout, no exchange" \
	"1//1/aad:400" "$HRC/$HOUT/$(tail -n 1 <<<"$HERR" | grep -c 'AADSTS70021')/$(since '"\(.server):\(.status)"')"
mark
kask "$(kreq "$W/pod-a.jwt" "$CLIENT" "$TENANT")"
check_eq "... the pod's token for another app (the node's client): refused" "1/aad:400" "$HRC/$(since '"\(.server):\(.status)"')"
mark
kask "$(kreq "$W/pod-a.jwt" "$POD_CLIENT" "")" AZURE_TENANT_ID="$TENANT"
check_eq "... no tenant annotation: AZURE_TENANT_ID" "0/$ZERO $REFRESH/aad:200:ok federated acr:200:ok" \
	"$HRC/$(kauth)/$(since '"\(.server):\(.status):\(.reason)"')"
mark
kask "$(kreq "$W/pod-a.jwt" "" "$TENANT")" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_CLIENT_SECRET="$SP_SECRET"
check_eq "... no client id annotation: auth {}, not cached, no request (never the node's principal or IMDS)" \
	"0/{}/0s/" "$HRC/$(printf '%s' "$HOUT" | jq -c .auth)/$(printf '%s' "$HOUT" | jq -r .cacheDuration)/$(since '.server')"
kask "$(kreq "$W/pod-a.jwt" "" "$TENANT")" SSM_REGISTRY_ACR_URL="https://$ACR" SSM_REGISTRY_ACR_IDENTITY=managed
check_eq "... a configured acr registry: one line naming the missing annotation, nothing on stdout" \
	"1//1" "$HRC/$HOUT/$(tail -n 1 <<<"$HERR" | grep -c -F "docker-credential-ssm: acr: the pod's service account has no azure.workload.identity/client-id annotation")"
check_eq "... no file written for the pods (runtime and temporary folders empty)" "0" "$(find "$W/krun" "$W/ktmp" -type f | wc -l)"

# ---------------------------------------------------------------------------------------------
# skopeo and podman with no key stored

cloud_e2e_clients "$W" "$SUFFIX" "$ST/ca.crt" "$ACR"
pull_with() { # NAME VAR=VALUE...
	cache_clear
	cloud_e2e_pull "$1" "$IMG" "${@:2}"
}
pull_with "managed identity (IMDS)"
pull_with "workload identity" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT" AZURE_FEDERATED_TOKEN_FILE="$W/federated.jwt"
pull_with "a CI job's ID token (webidentity env:NAME)" SSM_REGISTRY_ACR_WEBIDENTITY=env:JOB_ID_TOKEN JOB_ID_TOKEN="$FED_JWT" \
	SSM_REGISTRY_ACR_CLIENTID="$CLIENT" SSM_REGISTRY_ACR_TENANTID="$TENANT"
cloud_e2e_registry_user "$ZERO"
cache_clear

# ---------------------------------------------------------------------------------------------
# Secret hygiene and leftovers

{
	printf '%s\n' "$SP_SECRET" "$ID_HEADER" "$REFRESH" "$FED_JWT" "${FED_JWT##*.}"
	cat "$W/pod-a.jwt" "$W/pod-b.jwt"
	printf '\n'
	cat /var/opt/azcmagent/tokens/*.key 2>/dev/null && echo
} | sed '/^$/d' >"$W/secrets.txt"
check_eq "the helper ran with SSM_LOG=debug ($(wc -l <"$ALL_ERR") lines of stderr kept); the refresh token is found where it belongs (its answers)" \
	"1/1" "$([ -s "$ALL_ERR" ] && echo 1)/$(grep -q -F "$REFRESH" "$W/helper-stdout.all" && echo 1)"
hits=$(grep -c -F -f "$W/secrets.txt" "$ALL_ERR" "$ST/requests.log" "$ST/server.log" | grep -v ':0$' || true)
check_eq "no client secret, identity header, federated or pod token, Arc key or refresh token in the helper's stderr or the stand-in's logs ($(wc -l <"$W/secrets.txt") secrets)" "" "$hits"

cloud_e2e_stop ST_PID
check_eq "stand-ins and registry stopped by PID; nothing left in the network namespace" "" "$(netns_leftovers "$$")"

tap_summary
