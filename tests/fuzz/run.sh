#!/usr/bin/env bash
# Builds the libFuzzer targets (cmake --preset fuzz) and runs each for SECONDS
# (default 60) on a copy of its seed corpus, so new inputs never land in the
# repository. Fails when any target crashes, leaks, times out or breaks an
# invariant; the crashing input and the log are kept in the work folder it
# names.
# Usage: bash tests/fuzz/run.sh [SECONDS] [TARGET...]
# Environment: SSM_FUZZ_WORKDIR (default: a fresh folder under $TMPDIR, removed
# when every target passes), SSM_FUZZ_JOBS (build jobs, default nproc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(fuzz_protocol fuzz_server_key fuzz_config fuzz_responses fuzz_file_store)
fi
case "$seconds" in
'' | *[!0-9]*) echo "usage: bash tests/fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

# The longest input each target reads: a little above its largest real input.
max_len() {
	case "$1" in
	fuzz_server_key) echo 512 ;;
	# The protocol reads up to 1 MiB: deep nesting needs the room.
	fuzz_protocol) echo 1048577 ;;
	fuzz_responses) echo 4096 ;;
	*) echo 8192 ;;
	esac
}
dict() {
	local name=${1#fuzz_}
	[ -f "tests/fuzz/$name.dict" ] && echo "-dict=tests/fuzz/$name.dict"
	return 0
}

echo "=== fuzz: build (cmake --preset fuzz)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${SSM_FUZZ_JOBS:-$(nproc)}"
bin=build-fuzz/tests/fuzz

work=${SSM_FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/ssm-fuzz-run.XXXXXX")}
mkdir -p "$work"
export TMPDIR="$work/tmp"  # the targets' scratch files
mkdir -p "$TMPDIR"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
for target in "${targets[@]}"; do
	corpus="$work/corpus/$target"
	artifacts="$work/artifacts/$target"
	log="$work/$target.log"
	rm -rf "$corpus"
	mkdir -p "$corpus" "$artifacts"
	cp tests/fuzz/corpus/"$target"/* "$corpus"/
	echo "=== fuzz: $target for ${seconds}s"
	# shellcheck disable=SC2046 # dict prints one option or nothing
	if "$bin/$target" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" $(dict "$target") \
		"$corpus" >"$log" 2>&1; then
		echo "ok - $target"
		passed=$((passed + 1))
	else
		echo "not ok - $target"
		failed=$((failed + 1))
		grep -E -m 20 "invariant violated|ERROR: |SUMMARY: |runtime error|what\(\)|Test unit written" "$log" | sed 's/^/#   /' || true
		echo "#   log: $log"
	fi
	# Coverage and speed, from libFuzzer's last status line and final stats.
	status=$(grep -E '^#[0-9]+.*(cov|DONE)' "$log" | tail -n 1 | sed -E 's/ +/ /g' || true)
	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	echo "#   $target: ${status:-no status line}${execs:+, $execs exec/s on average}"
done

echo "$passed passed, $failed failed"
if [ "$failed" -eq 0 ] && [ -z "${SSM_FUZZ_WORKDIR:-}" ]; then
	rm -rf "$work"
elif [ "$failed" -ne 0 ]; then
	echo "# crashing inputs and logs are in $work"
fi
[ "$failed" -eq 0 ]
