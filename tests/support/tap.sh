# shellcheck shell=bash
# Minimal result reporting for the e2e scripts (sourced).
#   check "description" cmd args...   -> runs cmd, prints "ok - description" or "not ok - ..."
#   pass "description" / fail "description" [detail]
#   tap_summary                       -> prints "N passed, M failed", returns 1 if M > 0
# Result lines and the summary go to stdout; details of a failure go to stderr indented with
# "#   ", so they never look like result lines.

TAP_PASSED=0
TAP_FAILED=0
TAP_SKIPPED=0

pass() {
	TAP_PASSED=$((TAP_PASSED + 1))
	printf 'ok - %s\n' "$1"
}

fail() {
	TAP_FAILED=$((TAP_FAILED + 1))
	printf 'not ok - %s\n' "$1"
	if [ $# -gt 1 ] && [ -n "$2" ]; then
		printf '%s\n' "$2" | sed 's/^/#   /' >&2
	fi
}

# check DESCRIPTION CMD [ARGS...]: pass if CMD exits 0.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "exit $rc: $(printf '%s' "$out" | tail -n 5)"
	fi
}

# check_fails DESCRIPTION CMD [ARGS...]: pass if CMD exits non-zero.
check_fails() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		pass "$desc"
	else
		fail "$desc" "unexpectedly succeeded: $(printf '%s' "$out" | tail -n 5)"
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $2
actual:   $3"
	fi
}

# skip DESCRIPTION REASON: counted apart, shown as "ok - DESCRIPTION # SKIP REASON".
skip() {
	TAP_SKIPPED=$((TAP_SKIPPED + 1))
	printf 'ok - %s # SKIP %s\n' "$1" "$2"
}

# log MESSAGE: diagnostics on stderr, never mistaken for a result line.
log() {
	printf '# %s\n' "$*" >&2
}

tap_summary() {
	if [ "$TAP_SKIPPED" -gt 0 ]; then
		printf '%d passed, %d failed, %d skipped\n' "$TAP_PASSED" "$TAP_FAILED" "$TAP_SKIPPED"
	else
		printf '%d passed, %d failed\n' "$TAP_PASSED" "$TAP_FAILED"
	fi
	[ "$TAP_FAILED" -eq 0 ]
}
