#!/usr/bin/env bash
# End-to-end test of CI identities with no stored secret: a GitLab job's own registry login,
# and OIDC federation (`webidentity`) for ECR and Artifact Registry from a GitHub Actions job's
# ID token, against stand-ins at the DEFAULT hostnames over TLS in a private network and mount
# namespace:
#   - GitHub's ID token service at https://token.actions.e2e/idtoken (tests/support/
#     ci_oidc_standin.py, 127.0.0.3:443): checks the bearer request token, answers an RS256 JWT
#     of a test issuer with the requested audience; the same server plays Google's STS
#     (sts.googleapis.com, checks the exchange form, the provider audience and the JWT) and IAM
#     Credentials (iamcredentials.googleapis.com, the impersonation);
#   - AWS STS + ECR at sts.eu-west-1.amazonaws.com / api.ecr.eu-west-1.amazonaws.com
#     (tests/support/cloud_standin.py + aws_sts_standin.py: the web identity JWT verified against
#     the same test issuer, audience sts.amazonaws.com, the subject allowed by the role);
#   - a Distribution registry with htpasswd (tests/support/registry.sh) standing for the GitLab
#     registry (gitlab-ci-token / the job token), and an ECR-shaped one on 127.0.0.2:443.
#
# Usage: tests/e2e/ci_identity_test.sh SUFFIX   (the helper is docker-credential-SUFFIX on PATH)
#
# Checks: GitLab variables give skopeo inspect a login, only for CI_REGISTRY's host:port (another
# port, a trailing dot, a longer name: not found), not outside a job, a stored login wins; ghcr.io
# gets GITHUB_ACTOR / GITHUB_TOKEN in a job; ECR with only CI variables (webidentity github +
# rolearn): the token, the ID token asked once with audience sts.amazonaws.com, skopeo inspect of
# an ECR image; env:NAME too; a wrong request token or a missing id-token permission is one line;
# Artifact Registry with webidentity github + workloadprovider + serviceaccount: the exchange and
# impersonation give oauth2accesstoken; the ID tokens and the request token never in the helper's
# stderr (SSM_LOG=debug), stdout, error lines or any file it wrote; nothing left running.
#
# Output: "ok - ..." / "not ok - ..." per check, then "N passed, M failed". Exit 0 only when
# nothing failed.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

# shellcheck source=../support/cloud_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../support/cloud_e2e.sh"
cloud_e2e_enter "${BASH_SOURCE[0]}" "$@" # sets SELF, E2E_DIR, SUPPORT_DIR

SUFFIX=$1
cloud_e2e_aws_names eu-west-1 123456789012
GH_HOST=token.actions.e2e
GAR_HOST=europe-docker.pkg.dev
IMG="$ECR_HOST/e2e/ci-hello:1"
NOT_FOUND='credentials not found in native keychain'

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-e2e-ci.XXXXXX")
chmod 700 "$W"
GH="$W/gh"
GH_PID=
HELPER=

cleanup() {
	cloud_e2e_stop GH_PID
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WI_AKID="ASIACIWEBID$(rnd 4 | tr a-f A-F)"
WI_SECRET="sec-$(rnd 16)"
WI_TOKEN="IQoJb3JpZ2luX2VjE-$(rnd 24)"
ECR_PW="ecr-e2e-$(rnd 16)"
REQ_TOKEN="ghs-request-$(rnd 16)"
JOB_TOKEN="glcbt-$(rnd 12)"
GHCR_TOKEN="ghs_$(rnd 12)"
WI_ROLE="arn:aws:iam::$ACCT:role/e2e-ci"
SUB="repo:octo-org/app:ref:refs/heads/main"
ISSUER="https://token.actions.e2e/$(rnd 4)"
WIF="//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/github"
SA="images@my-project.iam.gserviceaccount.com"
FED_TOKEN="ya29.federated-$(rnd 12)"
SA_TOKEN="ya29.sa-$(rnd 12)"

# ---------------------------------------------------------------------------------------------
# Namespace, names

# shellcheck disable=SC2119 # no address but lo's own
cloud_e2e_namespace
{
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n'
	printf '127.0.0.1\t%s\n' "$ECR_API" "$STS_HOST"
	printf '127.0.0.2\t%s\n' "$ECR_HOST"
	printf '127.0.0.3\t%s\n' "$GH_HOST" sts.googleapis.com iamcredentials.googleapis.com
} | cloud_e2e_hosts "$W/hosts"

# ---------------------------------------------------------------------------------------------
# Stand-ins

cloud_e2e_python "$W"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/issuer.key" >/dev/null 2>&1
openssl pkey -in "$W/issuer.key" -pubout -out "$W/issuer.pub" >/dev/null 2>&1

if standin_start "$W" --port 443 --san "$ECR_API" --san "$STS_HOST" >/dev/null; then
	pass "STS + ECR stand-in on 127.0.0.1:443"
else
	fail "STS + ECR stand-in on 127.0.0.1:443"
	tap_summary
	exit 1
fi
touch "$STANDIN_DIR/requests.log"
standin_config "$(jq -n --arg ak "$WI_AKID" --arg s "$WI_SECRET" --arg t "$WI_TOKEN" --arg pw "$ECR_PW" \
	--arg region "$REGION" --arg iss "$ISSUER" --rawfile pub "$W/issuer.pub" --arg role "$WI_ROLE" --arg sub "$SUB" '{
  aws: {($ak): {secret: $s, session_token: $t}},
  ecr: {token_password: $pw, expires_in: 43200, account: "123456789012", region: $region},
  sts: {region: $region, oidc: {issuer: $iss, aud: "sts.amazonaws.com", public_key_pem: $pub},
        roles: {($role): {issue: $ak, subjects: [$sub]}}},
  mode: "ok"}')"

# The GitHub / Google stand-in: its own CA and a certificate for its three names.
cloud_e2e_certs "$GH" "ssm e2e ci CA" "$GH_HOST" sts.googleapis.com iamcredentials.googleapis.com
jq -n --arg rt "$REQ_TOKEN" --arg iss "$ISSUER" --arg sub "$SUB" --arg key "$W/issuer.key" --arg pub "$W/issuer.pub" \
	--arg wif "$WIF" --arg sa "$SA" --arg fed "$FED_TOKEN" --arg sat "$SA_TOKEN" \
	'{request_token: $rt, issuer: $iss, subject: $sub, issuer_key: $key, issuer_pub: $pub, wif: $wif,
	  service_account: $sa, federated_token: $fed, sa_token: $sat}' >"$GH/config.json"
: >"$GH/requests.log"
: >"$GH/issued.txt"
ip addr add 127.0.0.3/8 dev lo 2>/dev/null || true
"${STANDIN_PYTHON:-/usr/bin/python3}" "$SUPPORT_DIR/ci_oidc_standin.py" --state "$GH" --listen 127.0.0.3:443 \
	--cert "$GH/server.crt" --key "$GH/server.key" >>"$GH/server.log" 2>&1 &
# shellcheck disable=SC2034 # stopped by name (cloud_e2e_stop GH_PID)
GH_PID=$!
cat "$STANDIN_CA" "$GH/ca.crt" >"$W/cas.pem"
for i in $(seq 1 50); do
	curl -s -o /dev/null --max-time 1 --cacert "$GH/ca.crt" "https://$GH_HOST/" && break
	sleep 0.1
	: "$i"
done
gh_curl() { curl -s --max-time 5 --cacert "$GH/ca.crt" "$@"; }
check_eq "GitHub token stand-in: wrong bearer 401; no audience 400; right bearer a JWT (three parts)" "401/400/3" \
	"$(gh_curl -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "https://$GH_HOST/idtoken?api-version=2.0&audience=x")/$(
		gh_curl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $REQ_TOKEN" "https://$GH_HOST/idtoken?api-version=2.0")/$(
		gh_curl -H "Authorization: Bearer $REQ_TOKEN" "https://$GH_HOST/idtoken?api-version=2.0&audience=x" | jq -r .value | awk -F. '{print NF}')"

cloud_e2e_helper "$SUFFIX" "$W"
# BASE_ENV, hget (the token cache off unless given), cache_clear, secret_of: tests/support/cloud_e2e.sh.
cloud_e2e_runner "$W" "$W/cas.pem" AWS_EC2_METADATA_DISABLED=true NO_GCE_CHECK=true
GH_ENV=(GITHUB_ACTIONS=true GITHUB_REPOSITORY=octo-org/app GITHUB_RUN_ID=4242 GITHUB_ACTOR=octocat
	ACTIONS_ID_TOKEN_REQUEST_URL="https://$GH_HOST/idtoken?api-version=2.0" ACTIONS_ID_TOKEN_REQUEST_TOKEN="$REQ_TOKEN")
gh_count() { grep -c -F "$1" "$GH/requests.log"; }

# ---------------------------------------------------------------------------------------------
# GitLab CI: the job's own registry login

if registry_start "$W/gl" gitlab-ci-token "$JOB_TOKEN" && registry_push_test_image "$W/gl" ci/app:1 >/dev/null 2>&1; then
	pass "GitLab-registry stand-in on $REGISTRY_HOST (htpasswd gitlab-ci-token / the job token), ci/app:1 pushed"
else
	fail "GitLab-registry stand-in with an image"
	tap_summary
	exit 1
fi
GL_HOST=$REGISTRY_HOST
GL_PORT=${GL_HOST##*:}
GL_ENV=(GITLAB_CI=true CI_REGISTRY="$GL_HOST" CI_JOB_TOKEN="$JOB_TOKEN" CI_PROJECT_ID=7 CI_JOB_ID=99)
hget "$GL_HOST" "${GL_ENV[@]}"
check_eq "GitLab job: get $GL_HOST answers gitlab-ci-token / CI_JOB_TOKEN" "gitlab-ci-token $JOB_TOKEN" "$(secret_of)"
hget "$GL_HOST" "${GL_ENV[@]}" CI_REGISTRY_USER=ci-user CI_REGISTRY_PASSWORD="$JOB_TOKEN-pw"
check_eq "... CI_REGISTRY_USER / CI_REGISTRY_PASSWORD win over the job token" "ci-user $JOB_TOKEN-pw" "$(secret_of)"
bad=""
for other in "127.0.0.1:$((GL_PORT + 1))" "127.0.0.1" "127.0.0.10:$GL_PORT" "localhost:$GL_PORT" "127.0.0.1.:$GL_PORT"; do
	hget "$other" "${GL_ENV[@]}"
	[ "$HRC" = 1 ] && [ "$HOUT" = "$NOT_FOUND" ] || bad="$bad $other"
done
check_eq "... another port, host or spelling gets not found" "" "$bad"
hget "$GL_HOST" CI_REGISTRY="$GL_HOST" CI_JOB_TOKEN="$JOB_TOKEN"
check_eq "... outside a job (no GITLAB_CI=true): not found" "1 $NOT_FOUND" "$HRC $HOUT"
PROXY_ENV=("${GL_ENV[@]}" CI_DEPENDENCY_PROXY_SERVER=gitlab.e2e:443 CI_DEPENDENCY_PROXY_USER=gitlab-ci-token
	CI_DEPENDENCY_PROXY_PASSWORD="$JOB_TOKEN-proxy")
got=""
for server in gitlab.e2e:443 gitlab.e2e https://gitlab.e2e:443/v2/ gitlab.e2e:8443 gitlab.e2e. xgitlab.e2e:443 gitlab.e2e.evil.net; do
	hget "$server" "${PROXY_ENV[@]}"
	got="$got $server=$([ "$HRC" = 0 ] && secret_of | awk '{print ($2 == "'"$JOB_TOKEN-proxy"'") ? "proxy" : "other"}' || echo none)"
done
check_eq "dependency proxy gitlab.e2e:443: its login for :443 written or implied; nothing for another port or name" \
	" gitlab.e2e:443=proxy gitlab.e2e=proxy https://gitlab.e2e:443/v2/=proxy gitlab.e2e:8443=none gitlab.e2e.=none xgitlab.e2e:443=none gitlab.e2e.evil.net=none" "$got"

AUTHFILE="$W/auth.json"
jq -n --arg s "$SUFFIX" --arg g "$GL_HOST" --arg e "$ECR_HOST" '{credHelpers: {($g): $s, ($e): $s}}' >"$AUTHFILE"
CLIENT_ENV=("${BASE_ENV[@]}" SSM_LOG=warn)
rc=0
out=$(env -i "${CLIENT_ENV[@]}" "${GL_ENV[@]}" timeout 60 skopeo inspect --tls-verify=false --authfile "$AUTHFILE" \
	"docker://$GL_HOST/ci/app:1" 2>&1) || rc=$?
if [ "$rc" = 0 ] && printf '%s' "$out" | jq -e '(.Layers | length) == 1' >/dev/null 2>&1; then
	pass "skopeo inspect docker://$GL_HOST/ci/app:1 with only the GitLab job's variables"
else
	fail "skopeo inspect with only the GitLab job's variables" "exit $rc: $(printf '%s' "$out" | tail -n 3)"
fi
rc=0
out=$(env -i "${CLIENT_ENV[@]}" timeout 60 skopeo inspect --tls-verify=false --authfile "$AUTHFILE" \
	"docker://$GL_HOST/ci/app:1" 2>&1) || rc=$?
check_eq "... and refused without them (no login anywhere)" "1" "$([ "$rc" != 0 ] && echo 1)"
printf '{"ServerURL":"%s","Username":"stored-user","Secret":"stored-pw"}' "$GL_HOST" |
	env -i "${BASE_ENV[@]}" "$HELPER" store 2>>"$ALL_ERR"
hget "$GL_HOST" "${GL_ENV[@]}"
check_eq "... a stored login for the host wins over the job's" "stored-user stored-pw" "$(secret_of)"
printf '%s' "$GL_HOST" | env -i "${BASE_ENV[@]}" "$HELPER" erase 2>>"$ALL_ERR"
hget ghcr.io GITHUB_ACTIONS=true GITHUB_ACTOR=octocat GITHUB_TOKEN="$GHCR_TOKEN"
check_eq "GitHub job: ghcr.io answers GITHUB_ACTOR / GITHUB_TOKEN" "octocat $GHCR_TOKEN" "$(secret_of)"
hget ghcr.io GITHUB_ACTIONS=true GITHUB_ACTOR=octocat GITHUB_TOKEN="$GHCR_TOKEN" SSM_REGISTRY_GHCR_USERNAME=me \
	SSM_REGISTRY_GHCR_TOKEN=configured-pat
check_eq "... a configured ghcr wins" "me configured-pat" "$(secret_of)"
registry_stop

# ---------------------------------------------------------------------------------------------
# ECR with only CI variables: webidentity github + rolearn

ECR_CI=(SSM_REGISTRY_ECR_WEBIDENTITY=github SSM_REGISTRY_ECR_ROLEARN="$WI_ROLE")
n=$(gh_count '"accepted"')
hget "$ECR_HOST" "${GH_ENV[@]}" "${ECR_CI[@]}"
check_eq "ECR, webidentity github + rolearn: the ECR token" "AWS $ECR_PW" "$(secret_of)"
check_eq "... the ID token asked once, for audience sts.amazonaws.com; STS accepted it" \
	"1/1" "$(($(gh_count '"accepted"') - n))/$(grep -c 'AssumeRoleWithWebIdentity' "$STANDIN_DIR/requests.log")"
grep -q 'audience sts.amazonaws.com' "$GH/requests.log" || fail "... audience sts.amazonaws.com in the request" "$(tail -n 2 "$GH/requests.log")"
hget "$ECR_HOST" "${GH_ENV[@]}" "${ECR_CI[@]}" ACTIONS_ID_TOKEN_REQUEST_TOKEN=wrong-request-token
if [ "$HRC" = 1 ] && [ "$(printf '%s\n' "$HOUT" | wc -l)" = 1 ] && [[ $HOUT == *"answered HTTP 401"* ]]; then
	pass "... a wrong request token: one line with the service's 401"
else
	fail "... a wrong request token: one line" "rc=$HRC out=$HOUT"
fi
hget "$ECR_HOST" GITHUB_ACTIONS=true "${ECR_CI[@]}"
if [ "$HRC" = 1 ] && [[ $HOUT == *"permissions: id-token: write"* ]]; then
	pass "... no ID token variables (no id-token permission): one line saying so"
else
	fail "... no ID token variables: one line" "rc=$HRC out=$HOUT"
fi
# env:NAME (GitLab's id_tokens:): a JWT of the issuer in a variable.
JWT=$(gh_curl -H "Authorization: Bearer $REQ_TOKEN" "https://$GH_HOST/idtoken?api-version=2.0&audience=sts.amazonaws.com" | jq -r .value)
hget "$ECR_HOST" GITLAB_CI=true CI_JOB_ID=5 SSM_REGISTRY_ECR_WEBIDENTITY=env:AWS_ID_TOKEN SSM_REGISTRY_ECR_ROLEARN="$WI_ROLE" \
	AWS_ID_TOKEN="$JWT"
check_eq "ECR, webidentity env:AWS_ID_TOKEN: the ECR token" "AWS $ECR_PW" "$(secret_of)"
printf '%s\n' "$JWT" >"$W/tmp/id-token.jwt"
hget "$ECR_HOST" SSM_REGISTRY_ECR_WEBIDENTITY="file:$W/tmp/id-token.jwt" SSM_REGISTRY_ECR_ROLEARN="$WI_ROLE"
check_eq "ECR, webidentity file:PATH: the ECR token" "AWS $ECR_PW" "$(secret_of)"
rm -f "$W/tmp/id-token.jwt"

# skopeo inspect of an ECR image with only the CI variables.
printf '%s\n' "$(htpasswd -Bbn AWS "$ECR_PW")" >"$W/htpasswd"
if registry_start_named "$W" 127.0.0.2 "$W/htpasswd" "$ECR_HOST" &&
	REGISTRY_HOST=$ECR_HOST REGISTRY_USER=AWS REGISTRY_PASSWORD=$ECR_PW registry_push_test_image "$W" "${IMG#*/}" >/dev/null 2>&1; then
	cp -a /etc/containers "$W/etc-containers"
	mkdir -p "$W/etc-containers/certs.d/$ECR_HOST"
	cp "$REGISTRY_CA" "$W/etc-containers/certs.d/$ECR_HOST/ca.crt"
	mount --bind "$W/etc-containers" /etc/containers
	cache_clear
	rc=0
	out=$(env -i "${CLIENT_ENV[@]}" "${GH_ENV[@]}" "${ECR_CI[@]}" timeout 60 skopeo inspect --authfile "$AUTHFILE" \
		"docker://$IMG" 2>&1) || rc=$?
	if [ "$rc" = 0 ] && printf '%s' "$out" | jq -e '(.Layers | length) == 1' >/dev/null 2>&1; then
		pass "skopeo inspect docker://$IMG with only the GitHub job's variables (webidentity github)"
	else
		fail "skopeo inspect of the ECR image with only CI variables" "exit $rc: $(printf '%s' "$out" | tail -n 3)"
	fi
	registry_stop
else
	fail "ECR-shaped registry on 127.0.0.2:443 with the image pushed"
fi

# ---------------------------------------------------------------------------------------------
# Artifact Registry: webidentity github + workloadprovider + serviceaccount

GCR_CI=(SSM_REGISTRY_GCR_WEBIDENTITY=github SSM_REGISTRY_GCR_WORKLOADPROVIDER="${WIF#//iam.googleapis.com/}"
	SSM_REGISTRY_GCR_SERVICEACCOUNT="$SA")
hget "$GAR_HOST" "${GH_ENV[@]}" "${GCR_CI[@]}"
check_eq "Artifact Registry, webidentity github + workloadprovider + serviceaccount: oauth2accesstoken and the account's token" \
	"oauth2accesstoken $SA_TOKEN" "$(secret_of)"
check_eq "... the ID token asked with the provider's audience, exchanged at STS, then impersonation" "1/1/1" \
	"$(gh_count "audience https://iam.googleapis.com/projects/123456789")/$(gh_count '"google-sts", "outcome": "accepted"')/$(
		gh_count '"iamcredentials", "outcome": "accepted"')"
hget "$GAR_HOST" "${GH_ENV[@]}" "${GCR_CI[@]}" SSM_REGISTRY_GCR_AUDIENCE=wrong-audience
if [ "$HRC" = 1 ] && [[ $HOUT == *"invalid_grant"* ]] && [ "$(printf '%s\n' "$HOUT" | wc -l)" = 1 ]; then
	pass "... an ID token of another audience: STS's invalid_grant in one line"
else
	fail "... another audience: one line" "rc=$HRC out=$HOUT"
fi

# ---------------------------------------------------------------------------------------------
# The ID tokens never leave the exchange

sort -u "$GH/issued.txt" >"$W/ids.txt"
printf '%s\n' "$REQ_TOKEN" >>"$W/ids.txt"
awk -F. 'NF == 3 {print $3}' "$GH/issued.txt" >>"$W/ids.txt"
check_eq "positive control: $(wc -l <"$GH/issued.txt") ID tokens issued; the helper's debug stderr is $(wc -l <"$ALL_ERR") lines" \
	"1/1" "$([ "$(wc -l <"$GH/issued.txt")" -ge 4 ] && echo 1)/$([ -s "$ALL_ERR" ] && echo 1)"
hits=$(grep -c -F -f "$W/ids.txt" "$ALL_ERR" "$W/helper-stdout.all" "$STANDIN_DIR/requests.log" "$STANDIN_DIR/server.log" \
	"$GH/requests.log" "$GH/server.log" | grep -v ':0$' || true)
check_eq "no ID token or request token in the helper's stderr (debug), stdout and error lines, or the stand-ins' logs" "" "$hits"
hits=$(grep -r -l -F -f "$W/ids.txt" "$W/home" "$W/config" "$W/data" "$W/cache" "$W/run" "$W/tmp" 2>/dev/null || true)
check_eq "no ID token or request token in any file the helper wrote (store, config, caches)" "" "$hits"

cloud_e2e_stop GH_PID
check_eq "stand-ins and registries stopped by PID; nothing left in the network namespace" "" "$(netns_leftovers "$$")"

tap_summary
