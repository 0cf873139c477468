#!/usr/bin/env bash
# End-to-end test of GCR's and Artifact Registry's Google identities (Application Default
# Credentials and `impersonate`), against stand-ins that check what Google checks, reached at
# their DEFAULT addresses (no endpoint override variable): oauth2.googleapis.com/token (the JWT
# bearer grant, RS256 against the test service account's public key, and the refresh-token
# grant), sts.googleapis.com/v1/token (the token exchange of an RS256 subject token of a test
# issuer) and iamcredentials.googleapis.com generateAccessToken (the Bearer token of an allowed
# caller), over TLS (tests/support/cloud_standin.py + gcp_standin.py); the metadata server on
# http://metadata.google.internal and http://169.254.169.254 (gcp_standin.py: Metadata-Flavor:
# Google, X-Forwarded-For refused), and a GitHub-Actions-like subject token URL on loopback.
#
# Usage: tests/e2e/gcp_identity_test.sh SUFFIX
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#
# Isolation (root only; tests/support/cloud_e2e.sh): sandbox.sh's private mount namespace, then
# `unshare --net --mount`: a private network namespace with only `lo`, carrying 169.254.169.254
# and 127.0.0.3 (a second metadata listener for GCE_METADATA_HOST); a private /etc/hosts mapping
# the three Google API names to 127.0.0.1 (the stand-in, port 443), metadata.google.internal to
# 169.254.169.254, and gcr.io and europe-west1-docker.pkg.dev to 127.0.0.2 (a Distribution
# registry over TLS, tests/support/registry.sh, whose htpasswd holds oauth2accesstoken:<the
# token the metadata server and the impersonated puller account hand out for the pulls>); the
# helper trusts the stand-in CA by SSL_CERT_FILE, the clients the registry CA by a private
# /etc/containers/certs.d. NO_GCE_CHECK (set by ctest for every test) is unset only here,
# inside the namespace.
#
# Checks: each ADC source alone gives the token (the metadata server by its default name, by
# 169.254.169.254 when the name does not resolve, by GCE_METADATA_HOST, never through a proxy
# named by http_proxy, a named service account;
# GOOGLE_APPLICATION_CREDENTIALS with a service account key; gcloud's authorized_user file under
# CLOUDSDK_CONFIG; gcloud's impersonated_service_account file under ~/.config/gcloud;
# external_account with a file and with a url subject token, both with impersonation), with the
# requests each stand-in saw counted in its log; ADC order; `impersonate` on a configured gcr
# registry; the token cache; failures as one line (metadata 500, scopes that cannot read a
# registry, an account the instance lacks, STS 400 with Google's error body, impersonation
# denied, a revoked refresh token, missing files); with no metadata server (address routed
# nowhere, or answering nothing), gcr.io "credentials not found" within a bound, remembered,
# forgotten by `cache clear`; skopeo inspect and podman pull with no key stored, through the
# metadata server and through workload identity federation; no secret in the helper's stderr
# (SSM_LOG=debug) or the stand-ins' logs; nothing left running.
#
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed"; details on
# stderr. Exit status 0 only when nothing failed. State lives in a mktemp -d directory removed
# at exit.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

# shellcheck source=../support/cloud_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/cloud_e2e.sh"
cloud_e2e_enter "${BASH_SOURCE[0]}" "$@" # sets SELF, E2E_DIR, SUPPORT_DIR

SUFFIX=$1
GCR_HOST=gcr.io
AR_HOST=europe-west1-docker.pkg.dev
OAUTH_HOST=oauth2.googleapis.com
STS_HOST=sts.googleapis.com
IAM_HOST=iamcredentials.googleapis.com
MD_NAME=metadata.google.internal
MD_ADDR=169.254.169.254
ALT_MD=127.0.0.3:8080
IMG="$GCR_HOST/e2e-proj/gcp-hello:1"
NOT_FOUND='credentials not found in native keychain'

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-gcp.XXXXXX")
chmod 700 "$W"
MD="$W/md"
MD_PID=
HELPER=

cleanup() {
	[ -z "$HELPER" ] || env -i HOME="$W/home" XDG_RUNTIME_DIR="$W/run" "$HELPER" cache clear >/dev/null 2>&1 || true
	cloud_e2e_stop MD_PID
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PROJECT=e2e-proj
SA_EMAIL="e2e-sa@$PROJECT.iam.gserviceaccount.com"
VM_EMAIL="e2e-vm@$PROJECT.iam.gserviceaccount.com"
PULLER="puller@$PROJECT.iam.gserviceaccount.com"
TARGET="target@$PROJECT.iam.gserviceaccount.com"
tok() { printf 'ya29.e2e-%s-%s' "$1" "$(rnd 18)"; }
MD_TOKEN=$(tok gce)
USER_TOKEN=$(tok user)
FED_TOKEN=$(tok federated)
PULLER_TOKEN=$(tok puller)
TARGET_TOKEN=$(tok target)
REG_TOKEN=$(tok registry)
CLIENT_ID="$(rnd 6)-e2e.apps.googleusercontent.com"
CLIENT_SECRET="GOCSPX-$(rnd 12)"
REFRESH_TOKEN="1//0e2e-$(rnd 20)"
SUBJECT_REQ_TOKEN="gha-request-$(rnd 16)"
POOL_PROVIDER="projects/123456789/locations/global/workloadIdentityPools/e2e-pool/providers/ci"
AUDIENCE="//iam.googleapis.com/$POOL_PROVIDER"
ISSUER="https://token.e2e.example/$(rnd 4)"
IAM_URL="https://$IAM_HOST/v1/projects/-/serviceAccounts"

# ---------------------------------------------------------------------------------------------
# Namespace, addresses, /etc/hosts

cloud_e2e_namespace "$MD_ADDR" "${ALT_MD%:*}"
hosts_lines() { # [without-metadata-name]
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n'
	printf '127.0.0.1\t%s\n' "$OAUTH_HOST" "$STS_HOST" "$IAM_HOST"
	printf '127.0.0.2\t%s\n' "$GCR_HOST" "$AR_HOST"
	[ -n "${1:-}" ] || printf '%s\t%s\n' "$MD_ADDR" "$MD_NAME"
}
write_hosts() { hosts_lines "$@" >"$W/hosts"; } # [without-metadata-name]: /etc/hosts rewritten in place
hosts_lines | cloud_e2e_hosts "$W/hosts"
check_eq "private /etc/hosts: the Google APIs -> 127.0.0.1; $GCR_HOST, $AR_HOST -> 127.0.0.2; $MD_NAME -> $MD_ADDR" \
	"127.0.0.1 127.0.0.1 127.0.0.1 127.0.0.2 127.0.0.2 $MD_ADDR" \
	"$(for h in "$OAUTH_HOST" "$STS_HOST" "$IAM_HOST" "$GCR_HOST" "$AR_HOST" "$MD_NAME"; do getent hosts "$h" | awk 'NR == 1 {print $1}'; done | paste -sd' ')"

# ---------------------------------------------------------------------------------------------
# Stand-ins

cloud_e2e_python "$W"
cloud_e2e_standin "$W" "OAuth2 + STS + IAM credentials stand-in" "$OAUTH_HOST" "$STS_HOST" "$IAM_HOST"

# The service account key (token_uri Google's default) and its token.
SA_FILE=$(STANDIN_URL="https://$OAUTH_HOST" standin_make_sa "$W" "$SA_EMAIL")
SA_TOKEN=$(jq -r --arg e "$SA_EMAIL" '.gcp[$e].access_token' "$STANDIN_DIR/config.json")

# The workload identity issuer: an RSA key of this run; subject tokens are RS256 JWTs.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/issuer.key" >/dev/null 2>&1
openssl pkey -in "$W/issuer.key" -pubout -out "$W/issuer.pub" >/dev/null 2>&1
make_jwt() { cloud_e2e_jwt "$1" "${4:-$W/issuer.key}" "$ISSUER" repo:e2e/app:ref:refs/heads/main "$2" "$3"; } # OUT AUD EXP_OFFSET [KEY]
make_jwt "$W/subject.jwt" "https:$AUDIENCE" 3600
SUBJECT_JWT=$(cat "$W/subject.jwt")

iam_config() { # PULLER_TOKEN: who may impersonate which account, and what each hands out
	jq -n --arg puller "$PULLER" --arg target "$TARGET" --arg pt "$1" --arg tt "$TARGET_TOKEN" \
		--arg fed "$FED_TOKEN" --arg md "$MD_TOKEN" --arg reg "$REG_TOKEN" --arg sa "$SA_TOKEN" --arg user "$USER_TOKEN" '{
	  ($puller): {access_token: $pt, callers: {federated: $fed, user: $user}},
	  ($target): {access_token: $tt, callers: {metadata: $md, registry: $reg, "service account": $sa}}}'
}
standin_config_merge "$(jq -n --arg cid "$CLIENT_ID" --arg cs "$CLIENT_SECRET" --arg rt "$REFRESH_TOKEN" \
	--arg ut "$USER_TOKEN" --arg aud "$AUDIENCE" --arg iss "$ISSUER" --rawfile pub "$W/issuer.pub" \
	--arg fed "$FED_TOKEN" --argjson iam "$(iam_config "$PULLER_TOKEN")" '{
  gcp_users: {($cid): {client_secret: $cs, refresh_token: $rt, access_token: $ut, expires_in: 3599}},
  gcp_sts: {audience: $aud, issuer: $iss, public_key_pem: $pub, access_token: $fed, expires_in: 3599},
  gcp_iam: $iam,
  mode: "ok"}')"

# The metadata server (two listeners) and the subject token URL, one process.
mkdir -p "$MD"
md_config() { cloud_e2e_merge "$MD/config.json" "$1"; } # JSON merged into the metadata stand-in's config.json
MD_OK=$(jq -n -c --arg t "$MD_TOKEN" --arg e "$VM_EMAIL" '{metadata: {mode: "ok", token: $t, email: $e,
  scopes: ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/logging.write"]}}')
md_config "$MD_OK"
md_config "$(jq -n --arg a "bearer $SUBJECT_REQ_TOKEN" --arg v "$SUBJECT_JWT" '{subject: {authorization: $a, value: $v}}')"
"${STANDIN_PYTHON:-/usr/bin/python3}" "$SUPPORT_DIR/gcp_standin.py" --state "$MD" \
	--listen "metadata@$MD_ADDR:80" --listen "metadata@$ALT_MD" --listen subject@127.0.0.1:0 \
	>>"$MD/server.log" 2>&1 &
# shellcheck disable=SC2034 # stopped by name (cloud_e2e_stop MD_PID)
MD_PID=$!
for i in $(seq 1 50); do [ -s "$MD/pid" ] && break; sleep 0.1; : "$i"; done
SUBJ_PORT=$(awk '$1 == "subject" {print $3}' "$MD/listening" 2>/dev/null)
md_curl() { curl -s --max-time 2 "$@"; }
TOKEN_PATH=/computeMetadata/v1/instance/service-accounts/default/token
if [ -n "$SUBJ_PORT" ] && md_curl -o /dev/null -H 'Metadata-Flavor: Google' "http://$MD_NAME$TOKEN_PATH"; then
	pass "metadata server on $MD_ADDR:80 ($MD_NAME) and $ALT_MD, subject token URL on 127.0.0.1:$SUBJ_PORT"
else
	fail "metadata stand-ins listening" "$(tail -n 5 "$MD/server.log")"
	tap_summary
	exit 1
fi
# The stand-ins check what the real services check (curl, before the helper is involved).
check_eq "metadata stand-in: without Metadata-Flavor 403; with X-Forwarded-For 403; with the flavor 200 and Metadata-Flavor: Google in the answer" \
	"403/403/200 Google" "$(md_curl -o /dev/null -w '%{http_code}' "http://$MD_NAME$TOKEN_PATH")/$(
		md_curl -o /dev/null -w '%{http_code}' -H 'Metadata-Flavor: Google' -H 'X-Forwarded-For: 10.0.0.1' "http://$MD_NAME$TOKEN_PATH")/$(
		md_curl -D - -o /dev/null -H 'Metadata-Flavor: Google' "http://$MD_NAME$TOKEN_PATH" | tr -d '\r' |
			awk -F': ' 'NR == 1 {code = $0; sub(/^HTTP\/[0-9.]+ /, "", code); sub(/ .*/, "", code)} tolower($1) == "metadata-flavor" {f = $2} END {print code, f}')"
g_curl() { curl -s --max-time 5 --cacert "$STANDIN_CA" "$@"; }
check_eq "STS stand-in: a wrong grant_type 400 unsupported_grant_type; a subject token of another key 400 invalid_grant; IAM without a Bearer token 401" \
	"unsupported_grant_type/invalid_grant/UNAUTHENTICATED" "$(
		g_curl --data grant_type=client_credentials "https://$STS_HOST/v1/token" | jq -r .error)/$(
		openssl genpkey -algorithm RSA -out "$W/x.key" >/dev/null 2>&1
		make_jwt "$W/bad.jwt" "https:$AUDIENCE" 60 "$W/x.key"
		g_curl --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:token-exchange \
			--data-urlencode requested_token_type=urn:ietf:params:oauth:token-type:access_token \
			--data-urlencode "audience=$AUDIENCE" --data-urlencode scope=https://www.googleapis.com/auth/cloud-platform \
			--data-urlencode subject_token_type=urn:ietf:params:oauth:token-type:jwt \
			--data-urlencode "subject_token=$(cat "$W/bad.jwt")" "https://$STS_HOST/v1/token" | jq -r .error)/$(
		g_curl -H 'Content-Type: application/json' --data '{}' "$IAM_URL/$PULLER:generateAccessToken" | jq -r .error.status)"
rm -f "$W/bad.jwt" "$W/x.key"
: >"$MD/requests.log"

cloud_e2e_helper "$SUFFIX" "$W"
log "helper: $HELPER; workdir: $W"

# ---------------------------------------------------------------------------------------------
# Running the helper and reading the logs

# BASE_ENV, hget, cache_clear, secret_of, one_line: tests/support/cloud_e2e.sh.
cloud_e2e_runner "$W" "$STANDIN_CA"
# mark, since_s, since_m, count_s, count_m: tests/support/cloud_e2e.sh.
cloud_e2e_logs "$MD/requests.log"
# google_calls: "endpoint outcome" of the TLS stand-in's requests since mark, comma-separated.
google_calls() { since_s '"\(.endpoint) \(.outcome)"' | paste -sd,; }
iam_callers() { since_s 'select(.endpoint == "gcp-iam" and .outcome == "accepted") | .reason | sub(".* by "; "")' | paste -sd,; }
# md_calls: "host item flavor status" of the metadata requests since mark.
md_calls() { since_m 'select(.server == "metadata") | "\(.host) \(.path | split("/") | last) \(if .flavor then "F" else "-" end) \(.status)"' | paste -sd,; }

# expect_token DESC TOKEN: the get gave oauth2accesstoken and TOKEN.
expect_token() {
	if [ "$HRC" = 0 ] && [ "$(secret_of)" = "oauth2accesstoken $2" ]; then
		pass "$1"
	else
		fail "$1" "rc=$HRC out=$(printf '%s' "$HOUT" | cut -c1-300) err=$(printf '%s' "$HERR" | tail -n 4)"
	fi
}
# expect_line DESC PATTERN...: one line on stdout, non-zero exit, matching every glob PATTERN.
expect_line() {
	local desc=$1 p ok=1
	shift
	one_line || ok=
	for p in "$@"; do
		# shellcheck disable=SC2053 # a glob on purpose
		[[ $HOUT == $p ]] || ok=
	done
	[[ $HOUT != *"$NOT_FOUND"* ]] || ok=
	if [ -n "$ok" ]; then
		pass "$desc: one line ($(printf '%s' "$HOUT" | cut -c1-160))"
	else
		fail "$desc: one line" "rc=$HRC out=$HOUT"
	fi
}

# ---------------------------------------------------------------------------------------------
# The metadata server

mark
hget "$GCR_HOST"
expect_token "metadata server alone (no credentials file): $GCR_HOST gets the instance's token" "$MD_TOKEN"
check_eq "... GET token then scopes at $MD_NAME with Metadata-Flavor: Google; no other Google request" \
	"$MD_NAME token F 200,$MD_NAME scopes F 200/" "$(md_calls)/$(google_calls)"
hget "$AR_HOST"
expect_token "metadata server: $AR_HOST (Artifact Registry) too" "$MD_TOKEN"

write_hosts without-metadata-name
mark
hget "$GCR_HOST"
expect_token "$MD_NAME not resolving: $MD_ADDR answers" "$MD_TOKEN"
check_eq "... token and scopes asked at $MD_ADDR" "$MD_ADDR token F 200,$MD_ADDR scopes F 200" "$(md_calls)"
write_hosts

mark
hget "$GCR_HOST" GCE_METADATA_HOST="$ALT_MD"
expect_token "GCE_METADATA_HOST=$ALT_MD: token" "$MD_TOKEN"
check_eq "... only $ALT_MD asked" "$ALT_MD token F 200,$ALT_MD scopes F 200" "$(md_calls)"

# A proxy in the environment (here one that is not there): Google's metadata clients never
# use one (through a proxy the metadata server would be another machine's, or refuse the
# X-Forwarded-For a proxy adds).
mark
hget "$GCR_HOST" http_proxy=http://127.0.0.1:9 all_proxy=http://127.0.0.1:9 no_proxy=
expect_token "http_proxy and all_proxy naming a proxy: the metadata server is still asked directly" "$MD_TOKEN"
check_eq "... token and scopes at $MD_NAME" "$MD_NAME token F 200,$MD_NAME scopes F 200" "$(md_calls)"

mark
hget "$GCR_HOST" SSM_REGISTRY_GCR_SERVICEACCOUNT="$VM_EMAIL"
expect_token "configured serviceaccount (the instance's account by e-mail): token" "$MD_TOKEN"
check_eq "... the metadata paths name that account" "2" "$(count_m "select(.path | contains(\"$VM_EMAIL\") or contains(\"${VM_EMAIL/@/%40}\"))")"
hget "$GCR_HOST" SSM_REGISTRY_GCR_SERVICEACCOUNT="other@$PROJECT.iam.gserviceaccount.com"
expect_line "an account the instance lacks" "*has no service account other@*"

md_config '{"metadata": {"scopes": ["https://www.googleapis.com/auth/logging.write", "https://www.googleapis.com/auth/monitoring.write"]}}'
hget "$GCR_HOST"
expect_line "instance scopes that cannot read a registry" "*no scope that can read a registry*" "*cloud-platform*"
md_config '{"metadata": {"mode": "500"}}'
hget "$GCR_HOST"
expect_line "metadata server answering 500" "*metadata server*HTTP 500*"
md_config "$MD_OK"

# ---------------------------------------------------------------------------------------------
# Credentials files

mark
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$SA_FILE"
expect_token "GOOGLE_APPLICATION_CREDENTIALS: a service account key: token" "$SA_TOKEN"
check_eq "... one JWT bearer grant (RS256, aud, scope, iat/exp checked) accepted; metadata not asked" \
	"gcp accepted/0" "$(google_calls)/$(count_m .)"

mkdir -p "$W/gcloud-sdk"
jq -n --arg id "$CLIENT_ID" --arg s "$CLIENT_SECRET" --arg r "$REFRESH_TOKEN" \
	'{client_id: $id, client_secret: $s, refresh_token: $r, type: "authorized_user", universe_domain: "googleapis.com"}' \
	>"$W/gcloud-sdk/application_default_credentials.json"
chmod 600 "$W/gcloud-sdk/application_default_credentials.json"
mark
hget "$GCR_HOST" CLOUDSDK_CONFIG="$W/gcloud-sdk"
expect_token "gcloud's file under CLOUDSDK_CONFIG (authorized_user): token" "$USER_TOKEN"
check_eq "... one refresh-token grant accepted; metadata not asked" "gcp accepted/ok: refresh grant/0" \
	"$(google_calls)/$(since_s '.reason | split(" for")[0]')/$(count_m .)"

mkdir -p "$W/home/.config/gcloud"
jq -n --arg url "$IAM_URL/$PULLER:generateAccessToken" --slurpfile u "$W/gcloud-sdk/application_default_credentials.json" \
	'{type: "impersonated_service_account", service_account_impersonation_url: $url, delegates: [],
	  source_credentials: $u[0]}' >"$W/home/.config/gcloud/application_default_credentials.json"
mark
hget "$GCR_HOST"
expect_token "gcloud's file in ~/.config/gcloud (impersonated_service_account over authorized_user): token" "$PULLER_TOKEN"
check_eq "... refresh grant, then generateAccessToken by the user's token" "gcp accepted,gcp-iam accepted/user" \
	"$(google_calls)/$(iam_callers)"
rm -rf "$W/home/.config/gcloud"

wif_file() { # OUT SOURCE-JSON [AUDIENCE]
	jq -n --arg aud "${3:-$AUDIENCE}" --argjson src "$2" --arg url "$IAM_URL/$PULLER:generateAccessToken" \
		'{type: "external_account", audience: $aud, subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
		  token_url: "https://sts.googleapis.com/v1/token", credential_source: $src,
		  service_account_impersonation_url: $url, universe_domain: "googleapis.com"}' >"$1"
}
wif_file "$W/wif-file.json" "$(jq -n --arg f "$W/subject.jwt" '{file: $f, format: {type: "text"}}')"
wif_file "$W/wif-url.json" "$(jq -n --arg u "http://127.0.0.1:$SUBJ_PORT/token?audience=https:$AUDIENCE" \
	--arg a "bearer $SUBJECT_REQ_TOKEN" '{url: $u, headers: {Authorization: $a}, format: {type: "json", subject_token_field_name: "value"}}')"
mark
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$W/wif-file.json"
expect_token "external_account, file subject token, with impersonation: token" "$PULLER_TOKEN"
check_eq "... STS exchange accepted, then generateAccessToken by the federated token; metadata not asked" \
	"gcp-sts accepted,gcp-iam accepted/federated/0" "$(google_calls)/$(iam_callers)/$(count_m .)"
mark
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$W/wif-url.json"
expect_token "external_account, url subject token (json format, Authorization header), with impersonation: token" "$PULLER_TOKEN"
check_eq "... subject token URL asked once with the header, then STS and generateAccessToken" \
	"subject 200 $(printf '%s' "bearer $SUBJECT_REQ_TOKEN" | sha256sum | cut -c1-12)/gcp-sts accepted,gcp-iam accepted/federated" \
	"$(since_m '"\(.server) \(.status) \(.auth_fp)"' | paste -sd,)/$(google_calls)/$(iam_callers)"

# ---------------------------------------------------------------------------------------------
# Order, impersonate, cache

mark
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$SA_FILE" CLOUDSDK_CONFIG="$W/gcloud-sdk"
expect_token "GOOGLE_APPLICATION_CREDENTIALS with gcloud's file and the metadata server present: the key's token" "$SA_TOKEN"
check_eq "... JWT bearer grant only: no refresh grant, metadata not asked" "gcp accepted/0/0" \
	"$(google_calls)/$(count_s 'select(.reason | test("refresh"))')/$(count_m .)"
mark
hget "$GCR_HOST" CLOUDSDK_CONFIG="$W/gcloud-sdk"
expect_token "gcloud's file with the metadata server present: the user's token" "$USER_TOKEN"
check_eq "... metadata not asked" "0" "$(count_m .)"

mark
hget "$GCR_HOST" SSM_REGISTRY_GCR_IMPERSONATE="$TARGET"
expect_token "gcr configured with impersonate=$TARGET, over the metadata server: token" "$TARGET_TOKEN"
check_eq "... metadata token, then generateAccessToken for $TARGET by it" "2/gcp-iam accepted/metadata" \
	"$(count_m .)/$(google_calls)/$(iam_callers)"
mark
hget "$AR_HOST" SSM_REGISTRY_GCR_IMPERSONATE="$TARGET" GOOGLE_APPLICATION_CREDENTIALS="$SA_FILE"
expect_token "impersonate=$TARGET over a service account key ($AR_HOST): token" "$TARGET_TOKEN"
check_eq "... JWT bearer grant, then generateAccessToken by the key's token" "gcp accepted,gcp-iam accepted/service account" \
	"$(google_calls)/$(iam_callers)"

cache_clear
mark
hget "$GCR_HOST" SSM_TOKEN_CACHE=on
expect_token "token cache on, metadata server: first get" "$MD_TOKEN"
n1=$(count_m .)
hget "$GCR_HOST" SSM_TOKEN_CACHE=on
expect_token "... second get" "$MD_TOKEN"
check_eq "... answered from the cache: no new metadata request" "2/2" "$n1/$(count_m .)"
hget "$GCR_HOST" SSM_TOKEN_CACHE=off
check_eq "... SSM_TOKEN_CACHE=off asks again (token and scopes)" "4" "$(count_m .)"
mark
hget "$GCR_HOST" SSM_TOKEN_CACHE=on GOOGLE_APPLICATION_CREDENTIALS="$W/wif-file.json"
hget "$GCR_HOST" SSM_TOKEN_CACHE=on GOOGLE_APPLICATION_CREDENTIALS="$W/wif-file.json"
expect_token "token cache on, workload identity federation: second get" "$PULLER_TOKEN"
check_eq "... one exchange and one impersonation for both gets" "gcp-sts accepted,gcp-iam accepted" "$(google_calls)"
cache_clear

# ---------------------------------------------------------------------------------------------
# Failures: one line, non-zero exit

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/other.key" >/dev/null 2>&1
make_jwt "$W/forged.jwt" "https:$AUDIENCE" 3600 "$W/other.key"
make_jwt "$W/expired.jwt" "https:$AUDIENCE" -60
wif_file "$W/wif-forged.json" "$(jq -n --arg f "$W/forged.jwt" '{file: $f}')"
wif_file "$W/wif-expired.json" "$(jq -n --arg f "$W/expired.jwt" '{file: $f}')"
wif_file "$W/wif-pool.json" "$(jq -n --arg f "$W/subject.jwt" '{file: $f}')" "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/gone/providers/ci"
wif_file "$W/wif-nofile.json" "$(jq -n --arg f "$W/no-such-token" '{file: $f}')"
for spec in "wif-forged|invalid_grant: Invalid JWT signature" "wif-expired|invalid_grant: The ID Token has expired" \
	"wif-pool|invalid_target"; do
	f=${spec%%|*}
	want=${spec#*|}
	mark
	hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$W/$f.json"
	expect_line "STS refusing the exchange ($f): HTTP 400 with Google's error" "*STS token exchange*HTTP 400*$want*"
done
check_eq "... the stand-in refused it; no impersonation asked" "gcp-sts rejected" "$(google_calls)"
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$W/wif-nofile.json"
expect_line "external_account whose subject token file is missing" "*subject token file $W/no-such-token does not exist*"
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$W/nothing-here.json"
expect_line "GOOGLE_APPLICATION_CREDENTIALS naming a missing file" "*GOOGLE_APPLICATION_CREDENTIALS names*"
mark
hget "$GCR_HOST" SSM_REGISTRY_GCR_IMPERSONATE="$PULLER"
expect_line "impersonation denied (the instance may not impersonate $PULLER)" "*impersonating $PULLER*HTTP 403*"
jq --arg r "1//revoked-$(rnd 8)" '.refresh_token = $r' "$W/gcloud-sdk/application_default_credentials.json" >"$W/revoked.json"
hget "$GCR_HOST" GOOGLE_APPLICATION_CREDENTIALS="$W/revoked.json"
expect_line "authorized_user with a revoked refresh token" "*HTTP 400*invalid_grant*gcloud auth application-default login*"
rm -f "$W/revoked.json"

# ---------------------------------------------------------------------------------------------
# No Google Cloud here: the metadata server not answering

# bound_case DESC MS: get with the token cache on, for gcr.io with nothing configured.
bound_case() {
	local desc=$1 bound=$2
	cache_clear
	mark
	hget "$GCR_HOST" SSM_TOKEN_CACHE=on
	log "$desc: first get ${HMS} ms"
	if [ "$HRC" = 1 ] && [ "$HOUT" = "$NOT_FOUND" ] && [ "$HMS" -lt "$bound" ]; then
		pass "$desc: \"$NOT_FOUND\" in ${HMS} ms (< $bound)"
	else
		fail "$desc: \"$NOT_FOUND\" within $bound ms" "rc=$HRC ms=$HMS out=$HOUT err=$(printf '%s' "$HERR" | tail -n 3)"
	fi
	cloud_e2e_negative_cache "$GCR_HOST" metadata "the metadata server"
}
ip addr del "$MD_ADDR/32" dev lo
bound_case "metadata address routed nowhere ($MD_NAME -> $MD_ADDR)" 2000
write_hosts without-metadata-name
bound_case "$MD_NAME not resolving, $MD_ADDR routed nowhere" 2000
write_hosts
ip addr add "$MD_ADDR/32" dev lo
md_config '{"metadata": {"mode": "slow:10"}}'
bound_case "metadata server listening but answering nothing in time" 3500
md_config "$MD_OK"
cache_clear

# ---------------------------------------------------------------------------------------------
# skopeo and podman with no key stored anywhere

printf '%s\n' "$(htpasswd -Bbn oauth2accesstoken "$REG_TOKEN")" >"$W/htpasswd"
if registry_start_named "$W" 127.0.0.2 "$W/htpasswd" "$GCR_HOST" "$AR_HOST" &&
	REGISTRY_HOST=$GCR_HOST REGISTRY_USER=oauth2accesstoken REGISTRY_PASSWORD=$REG_TOKEN registry_push_test_image "$W" "${IMG#*/}"; then
	pass "GCR-shaped registry on 127.0.0.2:443 (TLS, $GCR_HOST and $AR_HOST) with $IMG pushed"
else
	fail "GCR-shaped registry on 127.0.0.2:443 with the image pushed"
	tap_summary
	exit 1
fi
cloud_e2e_clients "$W" "$SUFFIX" "$REGISTRY_CA" "$GCR_HOST"

# The metadata server and the impersonated puller account now hand out the registry's token.
md_config "$(jq -n --arg t "$REG_TOKEN" '{metadata: {token: $t}}')"
standin_config_merge "$(jq -n --argjson iam "$(iam_config "$REG_TOKEN")" '{gcp_iam: $iam}')"

pull_with() { # NAME WANT-CALLS VAR=VALUE...: skopeo inspect and podman pull with that identity only.
	local name=$1 want=$2
	shift 2
	cache_clear
	mark
	cloud_e2e_pull "$name" "$IMG" "$@"
	check_eq "$name: ... one token minted, reused by the second client" "$want" \
		"$(md_calls | tr ',' '\n' | awk '{print $2}' | paste -sd' ')/$(google_calls)"
}
pull_with "metadata server" "token scopes/"
pull_with "workload identity federation" "/gcp-sts accepted,gcp-iam accepted" GOOGLE_APPLICATION_CREDENTIALS="$W/wif-file.json"
# A CI job's ID token (issue 15's webidentity: nothing but CI variables), exchanged the same way.
pull_with "a CI job's ID token (webidentity env:NAME, workloadprovider, serviceaccount)" "/gcp-sts accepted,gcp-iam accepted" \
	SSM_REGISTRY_GCR_WEBIDENTITY=env:JOB_ID_TOKEN JOB_ID_TOKEN="$SUBJECT_JWT" \
	SSM_REGISTRY_GCR_WORKLOADPROVIDER="$POOL_PROVIDER" SSM_REGISTRY_GCR_SERVICEACCOUNT="$PULLER"
cloud_e2e_registry_user oauth2accesstoken
cache_clear

# ---------------------------------------------------------------------------------------------
# Secret hygiene and leftovers

{
	printf '%s\n' "$MD_TOKEN" "$USER_TOKEN" "$FED_TOKEN" "$PULLER_TOKEN" "$TARGET_TOKEN" "$SA_TOKEN" \
		"$CLIENT_SECRET" "$REFRESH_TOKEN" "$SUBJECT_REQ_TOKEN" "$SUBJECT_JWT" "${SUBJECT_JWT##*.}"
	# Lines of the service account's private key (the base64 body, not the PEM markers).
	jq -r .private_key "$SA_FILE" | grep -v -- '-----' | sed -n '2,4p'
} >"$W/secrets.txt"
check_eq "the helper ran with SSM_LOG=debug (stderr kept: $(wc -l <"$ALL_ERR") lines); $(wc -l <"$W/secrets.txt") secrets to look for; the service account's token is found in the helper's answers" \
	"1/14/1" "$([ -s "$ALL_ERR" ] && echo 1)/$(wc -l <"$W/secrets.txt")/$(grep -q -F "$SA_TOKEN" "$W/helper-stdout.all" && echo 1)"
hits=$(grep -c -F -f "$W/secrets.txt" "$ALL_ERR" "$STANDIN_DIR/requests.log" "$STANDIN_DIR/server.log" \
	"$MD/requests.log" "$MD/server.log" "$REGISTRY_DIR/registry.log" | grep -v ':0$' || true)
check_eq "no access token, client secret, refresh token, subject token or key in the helper's stderr (debug) or any stand-in's log" "" "$hits"
hits=$(grep -c -F -e "$REG_TOKEN" "$ALL_ERR" "$STANDIN_DIR/requests.log" "$MD/requests.log" | grep -v ':0$' || true)
check_eq "the registry's token is in no stderr and no stand-in log" "" "$hits"

cloud_e2e_stop MD_PID
check_eq "stand-ins and registry stopped by PID; nothing left in the network namespace" "" "$(netns_leftovers "$$")"

tap_summary
