#!/usr/bin/env bash
# End-to-end test of `docker-credential-ssm kubelet` (the kubelet image credential provider)
# with per-pod identities: CredentialProviderRequests carrying a service account token
# (KEP-4412) for an ECR image, answered through AssumeRoleWithWebIdentity for the role the
# pod's annotation names, against the STS + ECR stand-in (tests/support/cloud_standin.py +
# aws_sts_standin.py, which verifies the RS256 web identity JWTs of a test issuer) at the
# DEFAULT addresses https://sts.eu-west-1.amazonaws.com and https://api.ecr.eu-west-1.amazonaws.com.
#
# Usage: tests/e2e/kubelet_test.sh SUFFIX
#   SUFFIX   the helper under test is docker-credential-SUFFIX, found on PATH
#
# Isolation (root only), as tests/e2e/aws_identity_test.sh: sandbox.sh's private mount
# namespace, then a private network namespace with only `lo` and a private /etc/hosts mapping
# the STS and ECR API names to 127.0.0.1. The helper runs as the kubelet runs it: root, a clean
# environment without HOME, no keyring (SSM_STORE unset).
#
# Checks: a pod's token and role give the ECR token, through one AssumeRoleWithWebIdentity and
# an ECR request signed with that role's keys, cacheKeyType Registry and half the token's life;
# another pod's token (a subject the role does not trust) is refused by STS: exit 1, one line
# on stderr, nothing on stdout; a pod whose annotation names no role gets no auth and STS is
# not asked (with ECR configured: one line naming the annotation); a token of another issuer key is refused; a hanging STS is given up within
# SSM_KUBELET_TIMEOUT; the node's own identity (AWS_ROLE_ARN + token file) without a pod
# token (its token cached in the root-only runtime folder, as for get); hostile image
# references get no auth; no token, password or JWT in stderr (SSM_LOG=debug); no file at
# all written for the pods' requests; `kubelet config` is JSON the kubelet reads.
#
# Output (stdout): "ok - ..." / "not ok - ..." per check, then "N passed, M failed".
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

# shellcheck source=../support/cloud_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/cloud_e2e.sh"
cloud_e2e_enter "${BASH_SOURCE[0]}" "$@" # sets SELF, E2E_DIR, SUPPORT_DIR

SUFFIX=$1
cloud_e2e_aws_names eu-west-1 123456789012
IMAGE="$ECR_HOST/team/app"
V1=credentialprovider.kubelet.k8s.io/v1

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-kubelet.XXXXXX")
chmod 700 "$W"
cleanup() {
	standin_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RUN=$(rnd 4 | tr a-f A-F)
POD_AKID="ASIAPOD$RUN"
POD_SECRET="sec-$(rnd 16)"
POD_TOKEN="IQoJb3JpZ2luX2VjE-$(rnd 24)"
NODE_AKID="ASIANODE$RUN"
NODE_SECRET="sec-$(rnd 16)"
NODE_TOKEN="IQoJb3JpZ2luX2VjE-$(rnd 24)"
ECR_PW="ecr-e2e-$(rnd 16)"
POD_ROLE="arn:aws:iam::$ACCT:role/e2e-pod"
NODE_ROLE="arn:aws:iam::$ACCT:role/e2e-node"
POD_SUB="system:serviceaccount:shop:puller"
NODE_SUB="system:node:e2e"

# shellcheck disable=SC2119 # no address but lo's own
cloud_e2e_namespace
printf '127.0.0.1\tlocalhost\n127.0.0.1\t%s\n127.0.0.1\t%s\n' "$ECR_API" "$STS_HOST" | cloud_e2e_hosts "$W/hosts"

cloud_e2e_python "$W"
cloud_e2e_standin "$W" "STS + ECR stand-in" "$ECR_API" "$STS_HOST"

mkdir -p "$W/jwt"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/jwt/issuer.key" >/dev/null 2>&1
openssl pkey -in "$W/jwt/issuer.key" -pubout -out "$W/jwt/issuer.pub" >/dev/null 2>&1
ISSUER="https://oidc.e2e.example/id/$RUN"
# OUT SUB [KEY]: a service account token as Kubernetes issues it (no trailing newline).
make_jwt() { cloud_e2e_jwt "$1" "${3:-$W/jwt/issuer.key}" "$ISSUER" "$2" sts.amazonaws.com 3600 no; }
make_jwt "$W/jwt/pod-a" "$POD_SUB"
make_jwt "$W/jwt/pod-b" "system:serviceaccount:other:intruder"
make_jwt "$W/jwt/node" "$NODE_SUB"
openssl genpkey -algorithm RSA -out "$W/jwt/other.key" >/dev/null 2>&1
make_jwt "$W/jwt/forged" "$POD_SUB" "$W/jwt/other.key"

standin_config "$(jq -n --arg pa "$POD_AKID" --arg ps "$POD_SECRET" --arg pt "$POD_TOKEN" \
	--arg na "$NODE_AKID" --arg ns "$NODE_SECRET" --arg nt "$NODE_TOKEN" --arg pw "$ECR_PW" --arg region "$REGION" \
	--arg iss "$ISSUER" --rawfile pub "$W/jwt/issuer.pub" --arg pr "$POD_ROLE" --arg nr "$NODE_ROLE" \
	--arg psub "$POD_SUB" --arg nsub "$NODE_SUB" --arg acct "$ACCT" '{
  aws: {($pa): {secret: $ps, session_token: $pt}, ($na): {secret: $ns, session_token: $nt}},
  ecr: {token_password: $pw, expires_in: 43200, account: $acct, region: $region},
  sts: {region: $region, oidc: {issuer: $iss, aud: "sts.amazonaws.com", public_key_pem: $pub},
        roles: {($pr): {issue: $pa, subjects: [$psub]}, ($nr): {issue: $na, subjects: [$nsub]}}},
  mode: "ok"}')"

cloud_e2e_helper "$SUFFIX" "$W"
ALL_ERR="$W/stderr.all"
: >"$ALL_ERR"
# As the kubelet runs it: root, no HOME, no keyring; the stand-in CA trusted.
BASE_ENV=(PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$W/run" TMPDIR="$W/tmp" SSL_CERT_FILE="$STANDIN_CA" SSM_LOG=debug)

request() { # IMAGE [TOKEN-FILE [ROLE]]
	local token='' role=${3:-}
	[ -n "${2:-}" ] && token=$(cat "$2")
	jq -n -c --arg v "$V1" --arg i "$1" --arg t "$token" --arg r "$role" '
	  {apiVersion: $v, kind: "CredentialProviderRequest", image: $i}
	  + (if $t == "" then {} else {serviceAccountToken: $t,
	       serviceAccountAnnotations: (if $r == "" then {} else {"eks.amazonaws.com/role-arn": $r} end)} end)'
}
# ask REQUEST [VAR=VALUE...]: sets KOUT, KERR, KRC, KMS.
ask() {
	local req=$1 t0 t1
	shift
	t0=$(date +%s%N)
	KRC=0
	KOUT=$(printf '%s' "$req" | env -i "${BASE_ENV[@]}" "$@" "$HELPER" kubelet 2>"$W/err") || KRC=$?
	t1=$(date +%s%N)
	KMS=$(((t1 - t0) / 1000000))
	KERR=$(cat "$W/err")
	cat "$W/err" >>"$ALL_ERR"
}
MARK=0
mark() { MARK=$(wc -l <"$STANDIN_DIR/requests.log"); }
since() { tail -n "+$((MARK + 1))" "$STANDIN_DIR/requests.log" | jq -c "$1"; }
sts_summary() { since 'select(.endpoint == "sts") | .outcome' | tr -d '"' | paste -sd' '; }
ecr_signers() { since 'select(.endpoint == "ecr" and .outcome == "accepted") | .reason' | sed 's/.*signed by //; s/"//g' | paste -sd' '; }
auth_of() { printf '%s' "$KOUT" | jq -r --arg h "$ECR_HOST" '.auth[$h] | "\(.username) \(.password)"' 2>/dev/null; }

mark
ask "$(request "$IMAGE:v1" "$W/jwt/pod-a" "$POD_ROLE")"
check_eq "a pod's token and role: AWS and the ECR token for $ECR_HOST" "0/AWS $ECR_PW" "$KRC/$(auth_of)"
# The ECR token expires with the role session that signed it (STS: one hour): half of that.
check_eq "... cacheKeyType Registry, cacheDuration half the token's life (the 1 h role session), apiVersion echoed, nothing else" \
	'Registry/30m0s/credentialprovider.kubelet.k8s.io/v1/CredentialProviderResponse/["apiVersion","auth","cacheDuration","cacheKeyType","kind"]' \
	"$(printf '%s' "$KOUT" | jq -r '"\(.cacheKeyType)/\(.cacheDuration)/\(.apiVersion)/\(.kind)/\(keys | tojson)"')"
check_eq "... one AssumeRoleWithWebIdentity accepted, ECR signed with the pod role's keys" \
	"accepted/$POD_AKID" "$(sts_summary)/$(ecr_signers)"

mark
ask "$(request "$IMAGE" "$W/jwt/pod-a" "$POD_ROLE")"
check_eq "the same pod again: minted again (nothing of a pod is cached by the helper; the kubelet caches)" \
	"0/accepted" "$KRC/$(sts_summary)"

mark
ask "$(request "$IMAGE" "$W/jwt/pod-b" "$POD_ROLE")"
check_eq "another pod's token for that role: STS refuses; exit 1, nothing on stdout, no ECR request" \
	"1//0/0" "$KRC/$KOUT/$(sts_summary | grep -c accepted)/$(since 'select(.endpoint == "ecr")' | wc -l)"
check_eq "... the last line on stderr is the error, naming AssumeRoleWithWebIdentity" "1" \
	"$(printf '%s\n' "$KERR" | tail -n 1 | grep -c '^docker-credential-ssm: .*AssumeRoleWithWebIdentity')"

mark
ask "$(request "$IMAGE" "$W/jwt/pod-a")"
check_eq "a pod whose service account names no role: auth {}, not cached, STS and ECR not asked (never the node's identity)" \
	"0/{}/0s/0" "$KRC/$(printf '%s' "$KOUT" | jq -c .auth)/$(printf '%s' "$KOUT" | jq -r .cacheDuration)/$(since . | wc -l)"

mark
ask "$(request "$IMAGE" "$W/jwt/pod-a")" SSM_REGISTRY_ECR_REGION="$REGION"
check_eq "... the same with ECR configured (SSM_REGISTRY_ECR_*): exit 1, one line naming the missing annotation, STS not asked" \
	"1//1/0" "$KRC/$KOUT/$(tail -n 1 <<<"$KERR" | grep -c -F "docker-credential-ssm: ecr: the pod's service account has no eks.amazonaws.com/role-arn annotation")/$(since . | wc -l)"

mark
ask "$(request "$IMAGE" "$W/jwt/forged" "$POD_ROLE")"
check_eq "a token signed by another key: exit 1, nothing on stdout, ECR not asked" \
	"1//0" "$KRC/$KOUT/$(since 'select(.endpoint == "ecr")' | wc -l)"

check_eq "after the pods' requests: no file written (no token or credential of a pod cached on the node)" "0" \
	"$(find "$W/run" "$W/tmp" -type f | wc -l)"

mark
ask "$(request "$IMAGE")" AWS_ROLE_ARN="$NODE_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/jwt/node"
check_eq "no pod token: the node's identity (AWS_ROLE_ARN + token file), signed by the node role's keys" \
	"0/AWS $ECR_PW/$NODE_AKID" "$KRC/$(auth_of)/$(ecr_signers)"

for image in "$ECR_HOST.evil.example/team/app" "evil.example/$ECR_HOST/team/app" "user@$ECR_HOST/team/app" \
	"$ECR_HOST/Team/App" "$ECR_HOST/$(head -c 300 /dev/zero | tr '\0' a)"; do
	ask "$(request "$image" "$W/jwt/pod-a" "$POD_ROLE")"
	check_eq "hostile reference ${image:0:60}: auth {}" "0/{}" "$KRC/$(printf '%s' "$KOUT" | jq -c .auth)"
done

standin_mode hang sts
mark
ask "$(request "$IMAGE" "$W/jwt/pod-a" "$POD_ROLE")" SSM_KUBELET_TIMEOUT=3
if [ "$KRC" = 1 ] && [ -z "$KOUT" ] && [ "$KMS" -lt 8000 ]; then
	pass "STS hanging: given up within SSM_KUBELET_TIMEOUT=3 (${KMS} ms), exit 1, nothing on stdout"
else
	fail "STS hanging: given up within SSM_KUBELET_TIMEOUT" "rc=$KRC ms=$KMS out=$KOUT err=$(printf '%s' "$KERR" | tail -n 2)"
fi
standin_mode ok sts

KOUT=$(env -i "${BASE_ENV[@]}" "$HELPER" kubelet config 2>>"$ALL_ERR")
check_eq "kubelet config: a CredentialProviderConfig for this binary, matching ECR hosts" \
	"kubelet.config.k8s.io/v1/docker-credential-ssm/credentialprovider.kubelet.k8s.io/v1/true" \
	"$(printf '%s' "$KOUT" | jq -r '"\(.apiVersion)/\(.providers[0].name)/\(.providers[0].apiVersion)/\(.providers[0].matchImages | index("*.dkr.ecr.*.amazonaws.com") != null)"')"

leaks=0
for s in "$ECR_PW" "$POD_SECRET" "$POD_TOKEN" "$NODE_SECRET" "$NODE_TOKEN" "$(cat "$W/jwt/pod-a")" "$(cat "$W/jwt/node")"; do
	grep -qF -- "$s" "$ALL_ERR" && { leaks=$((leaks + 1)); log "leak in stderr: ${s:0:12}..."; }
done
for s in "$POD_SECRET" "$POD_TOKEN" "$(cat "$W/jwt/pod-a")"; do
	grep -rlF -- "$s" "$W/run" "$W/tmp" >&2 && leaks=$((leaks + 1))
done
check_eq "no password, key, session token or service account token in stderr (debug); nothing of a pod in any file" "0" "$leaks"

tap_summary
