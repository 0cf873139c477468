#!/usr/bin/env bash
# threads_test.sh /path/to/docker-credential-ssm   (a ThreadSanitizer build: cmake --preset tsan)
# The threads of `get`: a cold get mints on a second thread while the first asks the store.
# Under ThreadSanitizer, against the ECR token stand-in (tests/support), with the file store and
# with a real gnome-keyring Secret Service (tests/support/with-keyring.sh): cold gets that take
# the token from the second thread, cold gets whose stored login wins while the second thread
# mints, gets that fail (wrong key, dead endpoint) on the second thread, and 10 of them at
# once. Every run must answer as expected and ThreadSanitizer must report nothing (a data race,
# a lock-order inversion, use after free across threads). SSM_FULL_EXIT=1 everywhere: the
# orderly exit joins the second thread, which the fast exit would leave to the kernel.
set -uo pipefail
BIN=$(readlink -f "${1:?usage: threads_test.sh /path/to/docker-credential-ssm (ThreadSanitizer build)}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${SSM_THREADS_TEST_INNER:-}" != 1 ]; then
	SSM_THREADS_TEST_INNER=1 exec bash "$here/../support/with-keyring.sh" bash "$here/threads_test.sh" "$BIN"
fi

# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"
# shellcheck source=tests/support/cloud_standin.sh
source "$here/../support/cloud_standin.sh"

if ! ldd "$BIN" | grep -q libtsan; then
	fail "$BIN is a ThreadSanitizer build (cmake --preset tsan)"
	tap_summary
	exit 1
fi
WORK=$(mktemp -d)
trap 'standin_stop; rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" SSM_FULL_EXIT=1
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 log_path=$WORK/tsan suppressions=$here/tsan.supp"
export G_SLICE=always-malloc  # GLib's own allocator hides its synchronization from TSan
mkdir -p "$HOME"
unset SSM_STORE SSM_LOG SSM_TOKEN_CACHE SSM_PARALLEL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_PROFILE
for v in $(env | sed -n 's/^\(SSM_REGISTRY_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done

standin_start "$WORK" >/dev/null || { echo "cannot start the stand-in"; exit 1; }
ECR_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
standin_config '{"aws": {"AKIDTHREADS": {"secret": "threads-secret"}},
  "ecr": {"token_password": "threads-token", "expires_in": 43200, "account": "123456789012"}, "mode": "ok"}'
ecr=(SSM_REGISTRY_ECR_ACCESSKEY=AKIDTHREADS SSM_REGISTRY_ECR_SECRETACCESSKEY=threads-secret
	SSM_REGISTRY_ECR_ENDPOINT="$STANDIN_URL" SSM_REGISTRY_ECR_CACERT__FILE="$STANDIN_CA")

# get STORE [VAR=VALUE...]: a cold get (caches cleared) of the ECR host; sets RC, OUT, ERR.
get() {
	local store=$1
	shift
	"$BIN" cache clear >/dev/null
	RC=0
	OUT=$(printf '%s' "$ECR_HOST" | env SSM_STORE="$store" SSM_LOG=debug "${ecr[@]}" "$@" "$BIN" get 2>"$WORK/err") || RC=$?
	ERR=$(cat "$WORK/err")
}
user_secret() { printf '%s' "$OUT" | jq -r '[.Username, .Secret] | join("/")' 2>/dev/null; }

for store in file secretservice; do
	get "$store"
	check_eq "[$store] cold get: the token from the second thread" "0/AWS/threads-token" "$RC/$(user_secret)"
	case $ERR in *"the token from the second thread"*) pass "[$store] ... (the debug log says so)" ;;
	*) fail "[$store] ... (the debug log says so)" "$ERR" ;; esac
	get "$store" SSM_REGISTRY_ECR_SECRETACCESSKEY=wrong
	if [ "$RC" = 1 ] && [[ $OUT == "ecr: "*"HTTP 403"* ]]; then pass "[$store] a wrong key: the second thread's error, one line"; else
		fail "[$store] a wrong key: the second thread's error, one line" "rc=$RC out=$OUT"; fi
	get "$store" SSM_REGISTRY_ECR_ENDPOINT=https://127.0.0.1:9 SSM_HTTP_TIMEOUT=2
	if [ "$RC" = 1 ] && [[ $OUT == "ecr: cannot reach"* ]]; then pass "[$store] a dead endpoint: one line"; else
		fail "[$store] a dead endpoint: one line" "rc=$RC out=$OUT"; fi
	printf '{"ServerURL":"%s","Username":"stored","Secret":"stored-secret"}' "$ECR_HOST" | SSM_STORE=$store "$BIN" store
	get "$store"
	check_eq "[$store] a stored login wins while the second thread mints" "0/stored/stored-secret" "$RC/$(user_secret)"
	printf '%s' "$ECR_HOST" | SSM_STORE=$store "$BIN" erase
	"$BIN" cache clear >/dev/null
	pids=()
	for i in $(seq 1 10); do
		(printf '%s' "$ECR_HOST" | env SSM_STORE="$store" "${ecr[@]}" "$BIN" get >"$WORK/par$i" 2>&1) &
		pids+=($!)
	done
	failed=0
	for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
	check_eq "[$store] 10 cold gets at once all answer the token" "0/10" \
		"$failed/$(cat "$WORK"/par* | jq -r .Secret 2>/dev/null | grep -c '^threads-token$')"
	rm -f "$WORK"/par*
done

reports=$(cat "$WORK"/tsan.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
if [ "$reports" = 0 ]; then pass "ThreadSanitizer reported nothing"; else
	fail "ThreadSanitizer reported nothing" "$reports reports; the first: $(cat "$WORK"/tsan.* | head -40)"; fi
"$BIN" cache clear >/dev/null
tap_summary
