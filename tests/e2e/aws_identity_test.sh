#!/usr/bin/env bash
# End-to-end test of ECR's AWS identities: the SDKs' default chain and the per-registry
# profile/rolearn/externalid, against stand-ins that check what AWS checks, reached at their
# DEFAULT addresses (no endpoint override variable): STS and ECR over TLS at
# https://sts.eu-west-1.amazonaws.com and https://api.ecr.eu-west-1.amazonaws.com
# (tests/support/cloud_standin.py + aws_sts_standin.py: SigV4 with the caller's session token,
# RS256 web identity tokens of a test issuer), instance metadata on http://169.254.169.254 and
# the container endpoint on http://169.254.170.2 and a loopback FULL_URI
# (tests/support/aws_metadata_standin.py: IMDSv2 tokens, the Authorization header).
#
# Usage: tests/e2e/aws_identity_test.sh SUFFIX
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#
# Isolation (root only): sandbox.sh's private mount namespace, then `unshare --net --mount`: a
# private network namespace with only `lo`, carrying 169.254.169.254 and 169.254.170.2; a
# private /etc/hosts mapping the STS and ECR API names to 127.0.0.1 (the stand-in, port 443)
# and the registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com to 127.0.0.2 (a Distribution
# registry over TLS, tests/support/registry.sh, whose htpasswd holds AWS:<the ECR token>); the
# helper trusts the stand-in CA by SSL_CERT_FILE, the clients the registry CA by a private
# /etc/containers/certs.d. AWS_EC2_METADATA_DISABLED (set by ctest for every test) is unset
# only here, inside the namespace.
#
# Checks: each source alone gives the token (env web identity; IMDSv2; IMDSv1 fallback;
# container RELATIVE_URI; FULL_URI with a token file, re-read; credential_process; role_arn +
# source_profile; per-registry rolearn + externalid on top of IMDS), with the requests each
# stand-in saw counted in its log and the final ECR request signed with the expected keys; the
# chain's order; the token cache (reuse, SSM_TOKEN_CACHE=off); failures as one line (IMDS 500,
# STS AccessDenied, credential_process failing, printing garbage, running past
# SSM_AWS_PROCESS_TIMEOUT); with no instance metadata, "credentials not found" within a bound,
# remembered, forgotten by `cache clear`; skopeo inspect and podman pull with no key stored, for
# IMDS, container credentials and web identity; no secret in the helper's stderr (SSM_LOG=debug)
# or the stand-ins' logs; nothing left running.
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
cloud_e2e_aws_names eu-west-1 123456789012
IMG="$ECR_HOST/e2e/aws-hello:1"
NOT_FOUND='credentials not found in native keychain'

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-aws.XXXXXX")
chmod 700 "$W"
MD="$W/md"
MD_PID=
HELPER=

cleanup() {
	[ -z "$HELPER" ] || env -i HOME="$W/home" "$HELPER" cache clear >/dev/null 2>&1 || true
	cloud_e2e_stop MD_PID
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RUN=$(rnd 4 | tr a-f A-F)
# Keys: AKID -> secret, session token (none for the long-term user keys).
declare -A SECRET TOKEN
newkey() { # VAR PREFIX [session]: a new key pair named VAR.
	local id
	id="$2$RUN$(rnd 3 | tr a-f A-F)"
	printf -v "$1" '%s' "$id"
	SECRET[$id]="sec-$(rnd 16)"
	TOKEN[$id]=
	[ "${3:-}" = session ] && TOKEN[$id]="IQoJb3JpZ2luX2VjE-$(rnd 24)"
}
newkey USER_AKID AKIAUSER
newkey ENVKEY_AKID AKIAENV
newkey IMDS_AKID ASIAIMDS session
newkey CONT_AKID ASIACONT session
newkey WI_AKID ASIAWEBID session
newkey PROC_AKID ASIAPROC session
newkey APP_AKID ASIAAPPROLE session
newkey CROSS_AKID ASIACROSS session
ECR_PW="ecr-e2e-$(rnd 16)"
CONT_TOKEN="cont-auth-$(rnd 12)"
CONT_TOKEN2="cont-auth-2-$(rnd 12)"
WI_ROLE="arn:aws:iam::$ACCT:role/e2e-web-identity"
APP_ROLE="arn:aws:iam::$ACCT:role/e2e-app"
CROSS_ROLE="arn:aws:iam::444455556666:role/e2e-cross"
EXTERNAL_ID="ext-$(rnd 6)"
WI_SUB="system:serviceaccount:ci:puller"

# ---------------------------------------------------------------------------------------------
# Namespace, addresses, /etc/hosts

cloud_e2e_namespace 169.254.169.254 169.254.170.2
{
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n'
	printf '127.0.0.1\t%s\n' "$ECR_API" "$STS_HOST"
	printf '127.0.0.2\t%s\n' "$ECR_HOST"
} | cloud_e2e_hosts "$W/hosts"
check_eq "private /etc/hosts: $ECR_API, $STS_HOST -> 127.0.0.1; $ECR_HOST -> 127.0.0.2" \
	"127.0.0.1 127.0.0.1 127.0.0.2" \
	"$(for h in "$ECR_API" "$STS_HOST" "$ECR_HOST"; do getent hosts "$h" | awk 'NR == 1 {print $1}'; done | paste -sd' ')"

# ---------------------------------------------------------------------------------------------
# Stand-ins

cloud_e2e_python "$W"
cloud_e2e_standin "$W" "STS + ECR stand-in" "$ECR_API" "$STS_HOST"

# The web identity issuer: an RSA key of this run; tokens are RS256 JWTs.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/issuer.key" >/dev/null 2>&1
openssl pkey -in "$W/issuer.key" -pubout -out "$W/issuer.pub" >/dev/null 2>&1
ISSUER="https://oidc.e2e.example/id/$RUN"
make_jwt() { cloud_e2e_jwt "$1" "${4:-$W/issuer.key}" "$ISSUER" "$WI_SUB" "$2" "$3"; } # OUT AUD EXP_OFFSET [KEY]
make_jwt "$W/wi.jwt" sts.amazonaws.com 3600
WI_JWT=$(cat "$W/wi.jwt")

aws_map() {
	local id first=1
	printf '{'
	for id in "${!SECRET[@]}"; do
		[ -n "$first" ] || printf ','
		first=
		jq -n -c --arg id "$id" --arg s "${SECRET[$id]}" --arg t "${TOKEN[$id]}" \
			'{($id): {secret: $s, session_token: (if $t == "" then null else $t end)}}' | sed 's/^{//; s/}$//'
	done
	printf '}'
}
standin_config "$(jq -n --argjson aws "$(aws_map)" --arg pw "$ECR_PW" --arg region "$REGION" \
	--arg iss "$ISSUER" --rawfile pub "$W/issuer.pub" --arg wi "$WI_ROLE" --arg wiak "$WI_AKID" \
	--arg sub "$WI_SUB" --arg app "$APP_ROLE" --arg appak "$APP_AKID" --arg user "$USER_AKID" \
	--arg cross "$CROSS_ROLE" --arg crossak "$CROSS_AKID" --arg imds "$IMDS_AKID" --arg ext "$EXTERNAL_ID" '{
  aws: $aws,
  ecr: {token_password: $pw, expires_in: 43200, account: "123456789012", region: $region},
  sts: {region: $region,
        oidc: {issuer: $iss, aud: "sts.amazonaws.com", public_key_pem: $pub},
        roles: {($wi): {issue: $wiak, subjects: [$sub]},
                ($app): {issue: $appak, principals: [$user]},
                ($cross): {issue: $crossak, principals: [$imds], external_id: $ext}}},
  mode: "ok"}')"

# Instance metadata and container endpoint (one process, three listeners).
mkdir -p "$MD"
md_config() { cloud_e2e_merge "$MD/config.json" "$1"; } # JSON merged into the metadata stand-ins' config.json
md_config "$(jq -n --arg ia "$IMDS_AKID" --arg is "${SECRET[$IMDS_AKID]}" --arg it "${TOKEN[$IMDS_AKID]}" \
	--arg ca "$CONT_AKID" --arg cs "${SECRET[$CONT_AKID]}" --arg ct "${TOKEN[$CONT_AKID]}" --arg auth "$CONT_TOKEN" '{
  imds: {mode: "ok", role: "e2e-instance-role",
         credentials: {AccessKeyId: $ia, SecretAccessKey: $is, Token: $it}},
  container: {authorization: $auth, credentials: {AccessKeyId: $ca, SecretAccessKey: $cs, Token: $ct}}}')"
"${STANDIN_PYTHON:-/usr/bin/python3}" "$SUPPORT_DIR/aws_metadata_standin.py" --state "$MD" \
	--listen imds@169.254.169.254:80 --listen container@169.254.170.2:80 --listen container@127.0.0.1:0 \
	>>"$MD/server.log" 2>&1 &
# shellcheck disable=SC2034 # stopped by name (cloud_e2e_stop MD_PID)
MD_PID=$!
for i in $(seq 1 50); do [ -s "$MD/pid" ] && break; sleep 0.1; : "$i"; done
FULL_PORT=$(awk '$1 == "container" && $2 == "127.0.0.1" {print $3}' "$MD/listening" 2>/dev/null)
if [ -n "$FULL_PORT" ] && curl -s -o /dev/null --max-time 2 -X PUT http://169.254.169.254/latest/api/token; then
	pass "instance metadata on 169.254.169.254:80, container endpoint on 169.254.170.2:80 and 127.0.0.1:$FULL_PORT"
else
	fail "metadata stand-ins listening" "$(tail -n 5 "$MD/server.log")"
	tap_summary
	exit 1
fi
# The stand-ins check what the real services check (curl, before the helper is involved).
tok_hdr=$(curl -s -D - -o "$W/imds-token" --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
	http://169.254.169.254/latest/api/token | tr -d '\r' | awk -F': ' 'tolower($1) == "x-aws-ec2-metadata-token-ttl-seconds" {print $2}')
check_eq "IMDS stand-in: token PUT echoes the TTL header; no TTL 400; X-Forwarded-For 403; data without token 401, with it 200" \
	"60/400/403/401/200" "$tok_hdr/$(curl -s -o /dev/null -w '%{http_code}' -X PUT http://169.254.169.254/latest/api/token)/$(
		curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' -H 'X-Forwarded-For: 10.0.0.1' http://169.254.169.254/latest/api/token)/$(
		curl -s -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/iam/security-credentials/)/$(
		curl -s -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $(cat "$W/imds-token")" http://169.254.169.254/latest/meta-data/iam/security-credentials/)"
sts_curl() { curl -s --max-time 5 --cacert "$STANDIN_CA" -H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' "https://$STS_HOST/" "$@"; }
check_eq "STS stand-in: unsigned AssumeRole 403 MissingAuthenticationToken; a web identity token of another key 400 InvalidIdentityToken" \
	"MissingAuthenticationToken/InvalidIdentityToken" \
	"$(sts_curl --data "Action=AssumeRole&Version=2011-06-15&RoleArn=$APP_ROLE&RoleSessionName=x1" | sed -n 's:.*<Code>\(.*\)</Code>.*:\1:p')/$(
		openssl genpkey -algorithm RSA -out "$W/x.key" >/dev/null 2>&1
		make_jwt "$W/bad.jwt" sts.amazonaws.com 60 "$W/x.key"
		sts_curl --data-urlencode Action=AssumeRoleWithWebIdentity --data-urlencode Version=2011-06-15 --data-urlencode "RoleArn=$WI_ROLE" \
			--data-urlencode RoleSessionName=x1 --data-urlencode "WebIdentityToken=$(cat "$W/bad.jwt")" | sed -n 's:.*<Code>\(.*\)</Code>.*:\1:p')"
rm -f "$W/imds-token" "$W/bad.jwt" "$W/x.key"
: >"$MD/requests.log"

cloud_e2e_helper "$SUFFIX" "$W"
mkdir -p "$W/home/.aws"
log "helper: $HELPER; workdir: $W"

# ---------------------------------------------------------------------------------------------
# Running the helper and reading the logs

# BASE_ENV, hget, cache_clear, secret_of, one_line: tests/support/cloud_e2e.sh.
cloud_e2e_runner "$W" "$STANDIN_CA"
# mark, since_s, since_m, count_s, count_m: tests/support/cloud_e2e.sh.
cloud_e2e_logs "$MD/requests.log"
# ecr_signers: "AKID ..." of the ECR requests accepted since mark.
ecr_signers() { since_s 'select(.endpoint == "ecr" and .outcome == "accepted") | .reason' | sed 's/.*signed by //; s/"//g' | paste -sd' '; }
sts_summary() { since_s 'select(.endpoint == "sts") | .outcome' | tr -d '"' | paste -sd' '; }
imds_summary() { since_m 'select(.server == "imds") | "\(.method) \(.status) \(if .token then "T" else "-" end)"' | tr -d '"' | paste -sd','; }

# expect_token DESC [extra]: the get gave AWS and the ECR token.
expect_token() {
	if [ "$HRC" = 0 ] && [ "$(secret_of)" = "AWS $ECR_PW" ]; then
		pass "$1"
	else
		fail "$1" "rc=$HRC out=$HOUT err=$(printf '%s' "$HERR" | tail -n 4)"
	fi
}

# ---------------------------------------------------------------------------------------------
# Each source alone, at the default endpoints

mark
hget "$ECR_HOST" AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt" AWS_ROLE_SESSION_NAME=e2e
expect_token "env web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE): token"
check_eq "... one AssumeRoleWithWebIdentity accepted, ECR signed with the role's keys, IMDS not asked" \
	"accepted/$WI_AKID/0" "$(sts_summary)/$(ecr_signers)/$(count_m 'select(.server == "imds")')"

mark
hget "$ECR_HOST"
expect_token "IMDSv2 alone: token"
check_eq "... PUT token (TTL header), role list and credentials with the token; ECR signed with the instance keys" \
	"PUT 200 -,GET 200 T,GET 200 T/$IMDS_AKID/" "$(imds_summary)/$(ecr_signers)/$(sts_summary)"

# Twenty cold gets at once with the token cache on: one instance-credential request and one
# token request between them (the mint lock), and all twenty answer the token.
cache_clear
mark
pids=()
for i in $(seq 1 20); do
	(printf '%s' "$ECR_HOST" | env -i "${BASE_ENV[@]}" SSM_LOG= "$HELPER" get >"$W/par.$i.out" 2>>"$ALL_ERR") &
	pids+=($!)
done
wait "${pids[@]}"  # not a bare wait: the stand-ins are children too
ok=0
for i in $(seq 1 20); do
	[ "$(jq -r '.Username + " " + .Secret' "$W/par.$i.out" 2>/dev/null)" = "AWS $ECR_PW" ] && ok=$((ok + 1))
	cat "$W/par.$i.out" >>"$W/helper-stdout.all"
done
check_eq "20 parallel cold gets via IMDS: all answer the token, one role-credential request, one ECR request" \
	"20/1/1" "$ok/$(count_m 'select(.server == "imds" and .method == "GET" and (.path | test("security-credentials/.+")))')/$(count_s 'select(.endpoint == "ecr" and .outcome == "accepted")')"
cache_clear

for code in 405 404 403; do
	md_config "{\"imds\": {\"mode\": \"v1only:$code\"}}"
	mark
	hget "$ECR_HOST"
	expect_token "IMDSv1 fallback (token PUT answered $code): token"
	check_eq "... then the role list and credentials without a token; ECR signed with the instance keys" \
		"PUT $code -,GET 200 -,GET 200 -/$IMDS_AKID" "$(imds_summary)/$(ecr_signers)"
done

md_config '{"imds": {"mode": "401-once"}}'
mark
hget "$ECR_HOST"
expect_token "IMDSv2, first data call 401: new token, then token"
check_eq "... PUT, 401, PUT again, list, credentials" "PUT 200 -,GET 401 T,PUT 200 -,GET 200 T,GET 200 T" "$(imds_summary)"
md_config '{"imds": {"mode": "ok"}}'

mark
hget "$ECR_HOST" AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/e2e-task AWS_CONTAINER_AUTHORIZATION_TOKEN="$CONT_TOKEN"
expect_token "container RELATIVE_URI (http://169.254.170.2/v2/credentials/e2e-task): token"
check_eq "... one GET with the Authorization header accepted; ECR signed with the container keys; IMDS not asked" \
	"/v2/credentials/e2e-task 200/$CONT_AKID/0" \
	"$(since_m 'select(.server == "container") | "\(.path) \(.status)"' | tr -d '"' | paste -sd,)/$(ecr_signers)/$(count_m 'select(.server == "imds")')"
hget "$ECR_HOST" AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/e2e-task AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-token
if one_line && [[ $HOUT == *"container credentials endpoint"*"HTTP 401"* ]]; then
	pass "container endpoint refusing the Authorization token: one line ($HOUT)"
else
	fail "container endpoint refusing the Authorization token: one line" "rc=$HRC out=$HOUT"
fi

printf '%s\n' "$CONT_TOKEN" >"$W/cont-token"
chmod 600 "$W/cont-token"
FULL_ENV=(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$FULL_PORT/get-credentials" AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$W/cont-token")
fp() { printf '%s' "$1" | sha256sum | cut -c1-12; }
mark
hget "$ECR_HOST" "${FULL_ENV[@]}"
expect_token "container FULL_URI on 127.0.0.1:$FULL_PORT with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: token"
# The file changes (the token rotates): the next get re-reads it and sends the new token.
printf '%s\n' "$CONT_TOKEN2" >"$W/cont-token"
md_config "$(jq -n --arg t "$CONT_TOKEN2" '{container: {authorization: $t}}')"
hget "$ECR_HOST" "${FULL_ENV[@]}"
expect_token "... the token file rewritten: token again"
check_eq "... the first get sent the first token, the second the new one (the file is re-read)" \
	"$(fp "$CONT_TOKEN") 200,$(fp "$CONT_TOKEN2") 200/$CONT_AKID $CONT_AKID" \
	"$(since_m 'select(.server == "container") | "\(.auth_fp) \(.status)"' | tr -d '"' | paste -sd,)/$(ecr_signers)"

# credential_process in the default profile.
cat >"$W/creds-process.sh" <<EOF
#!/bin/sh
case "\$1" in
ok) printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "%s"}\n' \
	"$PROC_AKID" "${SECRET[$PROC_AKID]}" "${TOKEN[$PROC_AKID]}" "\$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" ;;
fail) echo "creds-process: refusing" >&2; exit 1 ;;
garbage) echo "this is not JSON at all" ;;
sleep) sleep 20 ;;
esac
EOF
chmod 755 "$W/creds-process.sh"
aws_config() { printf '%s\n' "$@" >"$W/home/.aws/config"; }
aws_config "[default]" "credential_process = $W/creds-process.sh ok"
mark
hget "$ECR_HOST"
expect_token "profile default with credential_process (Version 1 JSON): token"
check_eq "... ECR signed with the process's keys; IMDS not asked" "$PROC_AKID/0" "$(ecr_signers)/$(count_m 'select(.server == "imds")')"

# role_arn + source_profile with static keys in ~/.aws/credentials.
aws_config "[profile app]" "role_arn = $APP_ROLE" "source_profile = base" "role_session_name = e2e-app"
printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$USER_AKID" "${SECRET[$USER_AKID]}" >"$W/home/.aws/credentials"
chmod 600 "$W/home/.aws/credentials"
mark
hget "$ECR_HOST" AWS_PROFILE=app
expect_token "profile app: role_arn + source_profile base (static keys): token"
check_eq "... one AssumeRole (SigV4 by the base keys, verified) accepted; ECR signed with the role's keys" \
	"accepted/$APP_AKID" "$(sts_summary)/$(ecr_signers)"
rm -f "$W/home/.aws/config" "$W/home/.aws/credentials"

# Per-registry rolearn + externalid on top of IMDS.
PROD_ENV=(SSM_REGISTRY_ECR_PROD_ACCOUNT=123456789012 SSM_REGISTRY_ECR_PROD_ROLEARN="$CROSS_ROLE"
	SSM_REGISTRY_ECR_PROD_EXTERNALID="$EXTERNAL_ID" SSM_REGISTRY_ECR_PROD_SESSIONNAME=e2e-cross)
mark
hget "$ECR_HOST" "${PROD_ENV[@]}"
expect_token "per-registry rolearn + externalid on top of IMDS: token"
check_eq "... IMDSv2 (3 requests), one AssumeRole signed with the instance keys + session token, ECR signed with the role's keys" \
	"PUT 200 -,GET 200 T,GET 200 T/accepted/$CROSS_AKID" "$(imds_summary)/$(sts_summary)/$(ecr_signers)"

# ---------------------------------------------------------------------------------------------
# Order

mark
hget "$ECR_HOST" AWS_ACCESS_KEY_ID="$ENVKEY_AKID" AWS_SECRET_ACCESS_KEY="${SECRET[$ENVKEY_AKID]}"
expect_token "env keys with IMDS present: token"
check_eq "... env keys win: ECR signed with them, IMDS never asked" "$ENVKEY_AKID/0" "$(ecr_signers)/$(count_m '.')"
mark
hget "$ECR_HOST" AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt"
expect_token "web identity with IMDS present: token"
check_eq "... web identity wins: AssumeRoleWithWebIdentity, IMDS never asked" "accepted/$WI_AKID/0" \
	"$(sts_summary)/$(ecr_signers)/$(count_m '.')"

# ---------------------------------------------------------------------------------------------
# Token cache

cache_clear
mark
hget "$ECR_HOST" SSM_TOKEN_CACHE=on
expect_token "token cache on, IMDS: first get mints"
n1="$(count_m '.')/$(count_s '.')"
hget "$ECR_HOST" SSM_TOKEN_CACHE=on
expect_token "... second get: token"
check_eq "... answered from the cache: no new IMDS, STS or ECR request" "$n1" "$(count_m '.')/$(count_s '.')"
hget "$ECR_HOST" SSM_TOKEN_CACHE=off
check_eq "... SSM_TOKEN_CACHE=off asks again (3 more IMDS requests, 1 more ECR)" \
	"3/1" "$(($(count_m '.') - ${n1%/*}))/$(($(count_s '.') - ${n1#*/}))"
cache_clear

# ---------------------------------------------------------------------------------------------
# Failures: one line, non-zero exit

md_config '{"imds": {"mode": "500"}}'
hget "$ECR_HOST"
if one_line && [[ $HOUT == *"instance metadata"* ]] && [[ $HOUT != *"$NOT_FOUND"* ]]; then
	pass "IMDS answering 500: one line naming instance metadata ($HOUT)"
else
	fail "IMDS answering 500: one line naming instance metadata" "rc=$HRC out=$HOUT"
fi
md_config '{"imds": {"mode": "norole"}}'
hget "$ECR_HOST"
if one_line && [[ $HOUT == *"no IAM role"* ]]; then
	pass "IMDS without an instance profile (404 on the role list): one line ($HOUT)"
else
	fail "IMDS without an instance profile: one line" "rc=$HRC out=$HOUT"
fi
md_config '{"imds": {"mode": "ok"}}'

mark
hget "$ECR_HOST" SSM_REGISTRY_ECR_PROD_ACCOUNT=123456789012 SSM_REGISTRY_ECR_PROD_ROLEARN="$CROSS_ROLE" SSM_REGISTRY_ECR_PROD_EXTERNALID=wrong-external-id
if one_line && [[ $HOUT == *"AccessDenied"* ]] && [[ $HOUT == *"HTTP 403"* ]]; then
	pass "STS refusing AssumeRole (wrong externalid): one line with AccessDenied ($(printf '%s' "$HOUT" | cut -c1-120)...)"
else
	fail "STS refusing AssumeRole: one line with AccessDenied" "rc=$HRC out=$HOUT"
fi
check_eq "... the stand-in refused it for the ExternalId; no ECR request" "ExternalId mismatch/0" \
	"$(since_s 'select(.endpoint == "sts") | .reason' | tr -d '"')/$(count_s 'select(.endpoint == "ecr")')"

make_jwt "$W/wi-expired.jwt" sts.amazonaws.com -60
make_jwt "$W/wi-aud.jwt" api://AzureADTokenExchange 3600
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/other.key" >/dev/null 2>&1
make_jwt "$W/wi-forged.jwt" sts.amazonaws.com 3600 "$W/other.key"
for spec in "wi-expired ExpiredTokenException" "wi-aud InvalidIdentityToken" "wi-forged InvalidIdentityToken"; do
	read -r f code <<<"$spec"
	hget "$ECR_HOST" AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/$f.jwt"
	if one_line && [[ $HOUT == *"HTTP 400"*"$code"* ]]; then
		pass "web identity token $f refused by STS: one line with $code"
	else
		fail "web identity token $f refused by STS: one line with $code" "rc=$HRC out=$HOUT"
	fi
done

for spec in "fail|failed with exit status 1" "garbage|credential_process"; do
	mode=${spec%%|*}
	want=${spec#*|}
	aws_config "[default]" "credential_process = $W/creds-process.sh $mode"
	hget "$ECR_HOST"
	if one_line && [[ $HOUT == *"$want"* ]] && [[ $HOUT != *"$NOT_FOUND"* ]]; then
		pass "credential_process $mode: one line ($(printf '%s' "$HOUT" | cut -c1-120))"
	else
		fail "credential_process $mode: one line" "rc=$HRC out=$HOUT"
	fi
done
aws_config "[default]" "credential_process = $W/creds-process.sh sleep"
hget "$ECR_HOST" SSM_AWS_PROCESS_TIMEOUT=1
if one_line && [[ $HOUT == *"did not finish within 1 s"* ]] && [ "$HMS" -lt 5000 ]; then
	pass "credential_process past SSM_AWS_PROCESS_TIMEOUT=1: stopped, one line, ${HMS} ms"
else
	fail "credential_process past SSM_AWS_PROCESS_TIMEOUT=1: stopped, one line" "rc=$HRC ms=$HMS out=$HOUT"
fi
sleep 0.2
check_eq "... and the process (its group) is gone" "" "$(pgrep -f "$W/creds-process.sh sleep" || true)"
rm -f "$W/home/.aws/config"

# ---------------------------------------------------------------------------------------------
# No AWS here: instance metadata not answering

# bound_case DESC: get with the token cache on, for an unconfigured ECR host.
bound_case() {
	local desc=$1
	cache_clear
	mark
	hget "$ECR_HOST" SSM_TOKEN_CACHE=on
	log "$desc: first get ${HMS} ms"
	if [ "$HRC" = 1 ] && [ "$HOUT" = "$NOT_FOUND" ] && [ "$HMS" -lt 3000 ]; then
		pass "$desc: \"$NOT_FOUND\" in ${HMS} ms (< 3000)"
	else
		fail "$desc: \"$NOT_FOUND\" within 3 s" "rc=$HRC ms=$HMS out=$HOUT err=$(printf '%s' "$HERR" | tail -n 3)"
	fi
	cloud_e2e_negative_cache "$ECR_HOST" IMDS IMDS
}
ip addr del 169.254.169.254/32 dev lo
bound_case "IMDS address routed nowhere"
ip addr add 169.254.169.254/32 dev lo
md_config '{"imds": {"mode": "slow:10"}}'
bound_case "IMDS listening but answering nothing in time"
md_config '{"imds": {"mode": "ok"}}'
cache_clear

# ---------------------------------------------------------------------------------------------
# skopeo and podman with no key stored anywhere

printf '%s\n' "$(htpasswd -Bbn AWS "$ECR_PW")" >"$W/htpasswd"
if registry_start_named "$W" 127.0.0.2 "$W/htpasswd" "$ECR_HOST" &&
	REGISTRY_HOST=$ECR_HOST REGISTRY_USER=AWS REGISTRY_PASSWORD=$ECR_PW registry_push_test_image "$W" "${IMG#*/}"; then
	pass "ECR-shaped registry on 127.0.0.2:443 (TLS) with $IMG pushed"
else
	fail "ECR-shaped registry on 127.0.0.2:443 with the image pushed"
	tap_summary
	exit 1
fi
cloud_e2e_clients "$W" "$SUFFIX" "$REGISTRY_CA" "$ECR_HOST"

pull_with() { # NAME AKID VAR=VALUE...: skopeo inspect and podman pull with that identity only.
	local name=$1 akid=$2
	shift 2
	cache_clear
	mark
	cloud_e2e_pull "$name" "$IMG" "$@"
	check_eq "$name: ... one token minted (ECR accepted once, signed with $akid), reused by the second client" \
		"$akid" "$(ecr_signers)"
}
pull_with "IMDS" "$IMDS_AKID"
pull_with "container credentials" "$CONT_AKID" AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/e2e-task AWS_CONTAINER_AUTHORIZATION_TOKEN="$CONT_TOKEN2"
pull_with "web identity" "$WI_AKID" AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt"
cloud_e2e_registry_user AWS
cache_clear

# ---------------------------------------------------------------------------------------------
# Secret hygiene and leftovers

secrets_list() {
	local id
	for id in "${!SECRET[@]}"; do
		printf '%s\n' "${SECRET[$id]}"
		[ -z "${TOKEN[$id]}" ] || printf '%s\n' "${TOKEN[$id]}"
	done
	printf '%s\n' "$CONT_TOKEN" "$CONT_TOKEN2" "$WI_JWT" "${WI_JWT##*.}"
}
secrets_list >"$W/secrets.txt"
# Positive controls: the list holds every secret, and grep finds the ECR token where it belongs.
check_eq "the helper ran with SSM_LOG=debug (stderr kept: $(wc -l <"$ALL_ERR") lines); $(wc -l <"$W/secrets.txt") secrets to look for; the ECR token is found in the helper's answers" \
	"1/$((${#SECRET[@]} + 6 + 4))/1" \
	"$([ -s "$ALL_ERR" ] && echo 1)/$(wc -l <"$W/secrets.txt")/$(grep -q -F "$ECR_PW" "$W/helper-stdout.all" && echo 1)"
hits=$(grep -c -F -f "$W/secrets.txt" "$ALL_ERR" "$W/helper-stdout.all" "$STANDIN_DIR/requests.log" \
	"$STANDIN_DIR/server.log" "$MD/requests.log" "$MD/server.log" "$REGISTRY_DIR/registry.log" | grep -v ':0$' || true)
check_eq "no secret key, session token, web identity or container token in the helper's stderr (debug) or stdout, or any stand-in's log" "" "$hits"
hits=$(grep -c -F -e "$ECR_PW" "$ALL_ERR" "$STANDIN_DIR/requests.log" "$MD/requests.log" | grep -v ':0$' || true)
check_eq "the ECR token is in no stderr and no stand-in log" "" "$hits"

cloud_e2e_stop MD_PID
check_eq "stand-ins and registry stopped by PID; nothing left in the network namespace" "" "$(netns_leftovers "$$")"

tap_summary
