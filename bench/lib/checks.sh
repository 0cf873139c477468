# shellcheck shell=bash disable=SC2034 # sourced: the variables set here are read elsewhere
# bench/lib/checks.sh: the untimed checks of bench/run.sh's inner stage, and the helpers they
# use (sourced after bench/lib/standins.sh; the helpers' environment is set up). Before the
# cases (check_before_cases) every helper must give the answer its case expects, with the
# stand-ins asked as they should be; after them (check_after_cases) the answers must not have
# drifted and the stand-in's count must show one token request per cold run. A failed check
# logs CHECK FAILED and sets FAILED=1. See bench/README.md, "How it measures".

ECR_LOG="$HOME/.ecr/log/ecr-login.log"

# sdk_race_count: how many times ecr-login logged the aws-sdk-go-v2 closed-connection race.
sdk_race_count() {
	local n
	n=$(grep -c 'level=error.*deserialization failed.*use of closed network connection' "$ECR_LOG" 2>/dev/null)
	echo "${n:-0}"
}
# run_helper INPUT-FILE CMD...: sets OUT (stdout) and RC.
run_helper() {
	local input=$1
	shift
	RC=0
	OUT=$("$@" <"$input" 2>>"$W/helpers.err") || RC=$?
}
# expect_login WHAT USER SECRET: OUT is the JSON of that login.
# expect_kubelet WHAT HOST USER SECRET: OUT is a CredentialProviderResponse with that auth.
expect_kubelet() {
	local got
	got=$(printf '%s' "$OUT" | jq -r --arg h "$2" '[.kind, .auth[$h].username, .auth[$h].password] | join(" ")' 2>/dev/null)
	[ "$RC" = 0 ] && [ "$got" = "CredentialProviderResponse $3 $4" ]
	report_answer "$1" $?
}
expect_login() {
	local got
	got=$(printf '%s' "$OUT" | jq -r '[.Username, .Secret] | join(" ")' 2>/dev/null)
	[ "$RC" = 0 ] && [ "$got" = "$2 $3" ]
	report_answer "$1" $?
}
expect_not_found() {
	[ "$RC" = 1 ] && [ "$OUT" = "$NOT_FOUND" ]
	report_answer "$1" $?
}
# report_answer WHAT STATUS: logs the check (with the helper's answer when it failed).
report_answer() {
	if [ "$2" = 0 ]; then
		log "check ok: $1"
	else
		log "CHECK FAILED: $1: exit $RC, output: $(printf '%s' "$OUT" | head -c 200)"
		log "(ecr-login's last error: $(grep 'level=error' "$ECR_LOG" 2>/dev/null | tail -n 1 | cut -c1-400))"
		FAILED=1
	fi
}
check_cmd() {
	local what=$1
	shift
	if "$@"; then log "check ok: $what"; else
		log "CHECK FAILED: $what"
		FAILED=1
	fi
}

# The environments of the cases without keys (also the named sets of bench/cases.txt).
NOKEYS=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY)
WI_ENV=(AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt")
ecr_accepted() { standin_stats | jq -r '.ecr.accepted // 0'; }
ecr_signer() { standin_stats | jq -r '.ecr.last_reason // ""' | sed -n 's/^ok: signed by //p'; }
sts_accepted() { standin_stats | jq -r '.sts.accepted // 0'; }
md_count() { wc -l <"$MD/requests.log"; }
NOGOOGLE=(env -u GOOGLE_APPLICATION_CREDENTIALS -u CLOUDSDK_CONFIG -u GCE_METADATA_HOST -u NO_GCE_CHECK)
gce_count() { wc -l <"$GCE/requests.log"; }
NOAZURE=(env -u AZURE_CLIENT_ID -u AZURE_TENANT_ID -u AZURE_CLIENT_SECRET -u AZURE_CLIENT_CERTIFICATE_PATH
	-u AZURE_FEDERATED_TOKEN_FILE -u AZURE_AUTHORITY_HOST -u IDENTITY_ENDPOINT -u IDENTITY_HEADER -u IMDS_ENDPOINT
	-u SSM_AZURE_IMDS)
az_seen() { tail -n "+$(($1 + 1))" "$AZ/requests.log" | jq -r '"\(.server):\(.status)"' | paste -sd' '; }
# peer_fresh_get INPUT CMD...: CMD (ecr-login get, perhaps after env) with ecr-login's cache
# removed first, retried once after the aws-sdk-go-v2 closed-connection race (see the ECR
# check above; PEER_RETRIED says so). peer_get INPUT [VAR=VALUE...]: the same with no keys.
peer_fresh_get() {
	local input=$1 races
	shift
	rm -f "$HOME/.ecr/cache.json"
	PEER_RETRIED=0
	races=$(sdk_race_count)
	run_helper "$input" "$@"
	if [ "$RC" != 0 ] && [ "$(sdk_race_count)" -gt "$races" ]; then
		log "note: docker-credential-ecr-login hit the aws-sdk-go-v2 closed-connection race; retrying once"
		PEER_RETRIED=1
		rm -f "$HOME/.ecr/cache.json"
		run_helper "$input" "$@"
	fi
}
peer_get() {
	local input=$1
	shift
	peer_fresh_get "$input" "${NOKEYS[@]}" "$@" "$PEER_ECR" get
}

# check_before_cases: the checks before timing; CHECK_MINTS: the token requests they made.
check_before_cases() {
	local items accepted rejected who n0 n1 s0 t0 ms state sts_want
	# 1. One keyring item, stored by docker-credential-secretservice, read by both.
	run_helper "$W/in/ss-cred" "$PEER_SS" store
	check_cmd "docker-credential-secretservice store $SS_SERVER" test "$RC" = 0
	run_helper "$W/in/ss-server" "$PEER_SS" get
	expect_login "docker-credential-secretservice get $SS_SERVER" "$SS_USER" "$SS_SECRET"
	run_helper "$W/in/ss-server" env SSM_STORE=secretservice "$OURS" get
	expect_login "ours (SSM_STORE=secretservice) get $SS_SERVER: the same item" "$SS_USER" "$SS_SECRET"
	run_helper "$W/in/ss-server" env SSM_STORE=secretservice SSM_CACHE=off "$OURS" get
	expect_login "ours (SSM_STORE=secretservice SSM_CACHE=off) get $SS_SERVER" "$SS_USER" "$SS_SECRET"
	items=$(secret-tool search --all server "$SS_SERVER" 2>/dev/null | grep -c '^\[/' || true)
	check_cmd "one keyring item for $SS_SERVER (found $items)" test "$items" = 1

	# 2. ECR: both mint from the same stand-in with the default endpoint, then answer from cache.
	run_helper "$W/in/ecr-server" "$OURS" get
	expect_login "ours get $ECR_HOST (minted: default endpoint, AWS_* keys)" AWS "$ECR_PW"
	# docker-credential-ecr-login 0.6.0 (aws-sdk-go-v2) fails now and then with "deserialization
	# failed, failed to decode response body, read tcp ...: use of closed network connection"
	# although the service answered 200 (aws/aws-sdk-go-v2#1825, #2737: net/http closes the
	# connection under the reader). It is logged in ~/.ecr/log/ecr-login.log. Here one retry.
	EXTRA_MINTS=0
	run_helper "$W/in/ecr-server" "$PEER_ECR" get
	if [ "$RC" != 0 ] && [ "$(sdk_race_count)" -gt 0 ]; then
		log "note: docker-credential-ecr-login hit the aws-sdk-go-v2 closed-connection race; retrying once"
		EXTRA_MINTS=1
		run_helper "$W/in/ecr-server" "$PEER_ECR" get
	fi
	expect_login "docker-credential-ecr-login get $ECR_HOST (minted)" AWS "$ECR_PW"
	accepted=$(standin_stats | jq -r '.ecr.accepted // 0')
	rejected=$(standin_stats | jq -r '.ecr.rejected // 0')
	check_cmd "the stand-in verified and accepted $((2 + EXTRA_MINTS)) GetAuthorizationToken calls (accepted $accepted, rejected $rejected)" \
		test "$accepted/$rejected" = $((2 + EXTRA_MINTS))/0
	check_cmd "docker-credential-ecr-login 0.6.0 caches in \$HOME/.ecr/cache.json" test -s "$HOME/.ecr/cache.json"
	check_cmd "... and nowhere else in \$HOME/.ecr (besides its log)" \
		test "$(cd "$HOME/.ecr" && find . -type f | sort | paste -sd ' ')" = "./cache.json ./log/ecr-login.log"
	run_helper "$W/in/kubelet-ecr" "$OURS" kubelet
	expect_kubelet "ours kubelet $ECR_HOST/bench/app (the cached token)" "$ECR_HOST" AWS "$ECR_PW"
	run_helper "$W/in/ecr-server" env SSM_LOG=debug "$OURS" get
	if grep -q 'runtime folder cache' <(tail -n 20 "$W/helpers.err"); then log "check ok: ours answers from the runtime folder token cache"; else
		log "CHECK FAILED: ours does not say it used the runtime folder token cache"
		FAILED=1
	fi
	run_helper "$W/in/ecr-server" "$PEER_ECR" get
	check_cmd "both answered again from their caches (no new token request)" \
		test "$(standin_stats | jq -r '.ecr.accepted // 0')" = $((2 + EXTRA_MINTS))

	# 4. Not-found answers.
	run_helper "$W/in/public-server" "$OURS" get
	expect_not_found "ours get $PUBLIC_SERVER: not found"
	run_helper "$W/in/public-server" env SSM_CACHE=off "$OURS" get
	expect_not_found "ours (SSM_CACHE=off) get $PUBLIC_SERVER: not found"
	run_helper "$W/in/public-server" "$PEER_SS" get
	expect_not_found "docker-credential-secretservice get $PUBLIC_SERVER: not found"
	run_helper "$W/in/public-server" "$PEER_ECR" get
	expect_not_found "docker-credential-ecr-login get $PUBLIC_SERVER: not found"

	# 5. The file store.
	run_helper "$W/in/file-cred" env SSM_STORE=file "$OURS" store
	check_cmd "ours (SSM_STORE=file) store $FILE_SERVER" test "$RC" = 0
	run_helper "$W/in/file-server" env SSM_STORE=file "$OURS" get
	expect_login "ours (SSM_STORE=file) get $FILE_SERVER" file-user "$FILE_SECRET"
	run_helper "$W/in/kubelet-file" env SSM_STORE=file "$OURS" kubelet
	expect_kubelet "ours (SSM_STORE=file) kubelet $FILE_SERVER/bench/app" "$FILE_SERVER" file-user "$FILE_SECRET"
	check_cmd "the file store exists (credentials.enc)" test -s "$XDG_DATA_HOME/docker-credential-ssm/credentials.enc"

	# 6. Round trips leave nothing.
	for who in "$PEER_SS" "env SSM_STORE=secretservice $OURS" "env SSM_STORE=file $OURS"; do
		# shellcheck disable=SC2086 # word splitting wanted
		check_cmd "round trip ($who) exits 0" "$W/bin/roundtrip.sh" $who
	done
	run_helper "$W/in/rt-server" "$PEER_SS" get
	expect_not_found "after the round trips: docker-credential-secretservice get $RT_SERVER: not found"
	run_helper "$W/in/rt-server" env SSM_STORE=secretservice SSM_CACHE=off "$OURS" get
	expect_not_found "after the round trips: ours (secretservice) get $RT_SERVER: not found"
	run_helper "$W/in/rt-server" env SSM_STORE=file SSM_CACHE=off "$OURS" get
	expect_not_found "after the round trips: ours (file) get $RT_SERVER: not found"

	# 8.-10. AWS identities with no keys in the environment (the SDK chain): instance metadata,
	# web identity, and no identity at all (the not-found answer for an unconfigured ECR host).
	for who in ours ecr-login; do
		imds_state ok
		"$OURS" cache clear >/dev/null
		n0=$(md_count) s0=$(sts_accepted)
		if [ "$who" = ours ]; then run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get; else peer_get "$W/in/ecr-server"; fi
		expect_login "$who get $ECR_HOST, no keys, instance metadata answering (cold)" AWS "$ECR_PW"
		check_cmd "... minted with the instance role's keys, after IMDSv2 requests, without STS (signer $(ecr_signer), $(($(md_count) - n0)) IMDS requests)" \
			test "$(ecr_signer)/$(($(md_count) > n0))/$(sts_accepted)" = "$IMDS_AKID/1/$s0"
		imds_state none
		"$OURS" cache clear >/dev/null
		n0=$(md_count) s0=$(sts_accepted) sts_want=1
		if [ "$who" = ours ]; then
			run_helper "$W/in/ecr-server" "${NOKEYS[@]}" env "${WI_ENV[@]}" "$OURS" get
		else
			peer_get "$W/in/ecr-server" "${WI_ENV[@]}"
			sts_want=$((1 + PEER_RETRIED))
		fi
		expect_login "$who get $ECR_HOST, no keys, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (cold)" AWS "$ECR_PW"
		check_cmd "... $sts_want AssumeRoleWithWebIdentity at $STS_API accepted, minted with the web identity role's keys, no IMDS request (signer $(ecr_signer))" \
			test "$(ecr_signer)/$(($(sts_accepted) - s0))/$(md_count)" = "$WI_AKID/$sts_want/$n0"
	done
	# No identity: the address routed nowhere, then listening but silent.
	imds_state none
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	expect_not_found "ours get $ECR_HOST, no AWS identity ($IMDS_ADDR routed nowhere): not found"
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	expect_not_found "... again: not found (from its negative cache)"
	imds_state silent
	"$OURS" cache clear >/dev/null
	n0=$(md_count)
	t0=$(date +%s%N)
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_not_found "ours get $ECR_HOST, no AWS identity ($IMDS_ADDR listening, silent): not found in $ms ms"
	n1=$(md_count)
	check_cmd "... instance metadata was asked ($((n1 - n0)) requests arrived) and given up on within 3 s" \
		test "$((n1 > n0))/$((ms < 3000))" = 1/1
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	expect_not_found "... again: not found"
	check_cmd "... from the negative cache: instance metadata not asked again" test "$(md_count)" = "$n1"
	if [ -z "$QUICK" ]; then
		# ecr-login has no negative cache: every get probes (about 12 s and 19 s here, README).
		for state in none silent; do
			imds_state "$state"
			n0=$(md_count)
			t0=$(date +%s%N)
			peer_get "$W/in/ecr-server"
			ms=$((($(date +%s%N) - t0) / 1000000))
			expect_not_found "docker-credential-ecr-login get $ECR_HOST, no AWS identity (instance metadata: $state): not found in $ms ms"
		done
		check_cmd "... instance metadata was asked by ecr-login when listening ($(($(md_count) - n0)) requests)" test "$(md_count)" -gt "$n0"
	else
		log "--quick: docker-credential-ecr-login with no AWS identity not run (12-19 s per get, README)"
	fi
	# 11.-12. Google: gcr.io with no key, through the GCE metadata server, and with no Google
	# identity at all (both metadata addresses routed nowhere). No peer: Debian has no
	# docker-credential-gcr (README).
	imds_state ok
	"$OURS" cache clear >/dev/null
	n0=$(gce_count)
	run_helper "$W/in/gcr-server" "${NOGOOGLE[@]}" "$OURS" get
	expect_login "ours get $GCR_SERVER, no key, GCE metadata server answering (cold)" oauth2accesstoken "$GCE_TOKEN"
	check_cmd "... token and scopes asked at http://$GCE_NAME with Metadata-Flavor: Google ($(($(gce_count) - n0)) requests)" \
		test "$(tail -n "+$((n0 + 1))" "$GCE/requests.log" | jq -r '"\(.host) \(.flavor) \(.status)"' | sort -u)" = "$GCE_NAME true 200"
	imds_state none
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/gcr-server" "${NOGOOGLE[@]}" "$OURS" get
	expect_not_found "ours get $GCR_SERVER, no Google identity ($GCE_NAME and $IMDS_ADDR routed nowhere): not found"
	run_helper "$W/in/gcr-server" "${NOGOOGLE[@]}" "$OURS" get
	expect_not_found "... again: not found (from its negative cache)"
	# 14.-15. Azure: an ACR host with no secret, through the instance metadata service (managed
	# identity), and with no Azure identity at all (169.254.169.254 routed nowhere). No peer:
	# Debian packages no ACR helper.
	imds_state azure
	"$OURS" cache clear >/dev/null
	n0=$(wc -l <"$AZ/requests.log") n1=$(md_count)
	run_helper "$W/in/acr-server" "${NOAZURE[@]}" "$OURS" get
	expect_login "ours get $ACR_HOST, no secret, Azure instance metadata answering (cold)" "$AZ_USER" "$AZ_REFRESH"
	check_cmd "... the managed identity's token from IMDS at $IMDS_ADDR, then the exchange at https://$ACR_HOST ($(az_seen "$n0")), the AWS stand-in not asked" \
		test "$(az_seen "$n0")/$(md_count)" = "imds:200 acr:200/$n1"
	imds_state none
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/acr-server" "${NOAZURE[@]}" "$OURS" get
	expect_not_found "ours get $ACR_HOST, no Azure identity ($IMDS_ADDR routed nowhere): not found"
	run_helper "$W/in/acr-server" "${NOAZURE[@]}" "$OURS" get
	expect_not_found "... again: not found (from its negative cache)"

	imds_state ok
	# The warm cases that follow need both helpers' cached token for the keys in the
	# environment again.
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/ecr-server" "$OURS" get
	expect_login "ours get $ECR_HOST with the keys again (minted)" AWS "$ECR_PW"
	peer_fresh_get "$W/in/ecr-server" "$PEER_ECR" get
	expect_login "docker-credential-ecr-login get $ECR_HOST with the keys again (minted)" AWS "$ECR_PW"
	CHECK_MINTS=$(ecr_accepted)
	log "token requests during the checks: $CHECK_MINTS (instance metadata requests: $(md_count))"
}

# check_after_cases: the same answers after the timing (nothing drifted), and one token
# request per cold run (CHECK_MINTS in the checks, then per run, warm-ups included).
check_after_cases() {
	local accepted rejected expected
	# The same answers after all that (nothing drifted during the timing).
	run_helper "$W/in/ss-server" env SSM_STORE=secretservice "$OURS" get
	expect_login "after the cases: ours get $SS_SERVER" "$SS_USER" "$SS_SECRET"
	run_helper "$W/in/ecr-server" "$PEER_ECR" get
	expect_login "after the cases: docker-credential-ecr-login get $ECR_HOST" AWS "$ECR_PW"
	rejected=$(standin_stats | jq -r '.ecr.rejected // 0')
	accepted=$(standin_stats | jq -r '.ecr.accepted // 0')
	check_cmd "the stand-in rejected no token request ($rejected)" test "$rejected" = 0
	# CHECK_MINTS in the checks, then one per run (warm-ups included) of the eight cold cases
	# (four with the keys, two by instance metadata, two by web identity) and none for the rest;
	# up to 6 more are ecr-login's SDK retrying after its closed-connection race (README).
	expected=$((CHECK_MINTS + 8 * (RUNS + WARMUP + ROUNDS - 1)))
	check_cmd "every cold run minted once, no warm run minted ($accepted token requests, expected $expected, at most 6 more from ecr-login's retries)" \
		test "$accepted" -ge "$expected" -a "$accepted" -le $((expected + 6))
	standin_stats >"$W/standin-stats.json" 2>/dev/null || true
}
