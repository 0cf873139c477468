#!/usr/bin/env bash
# Benchmark of docker-credential-ssm against Debian's docker-credential-secretservice
# (golang-docker-credential-helpers) and docker-credential-ecr-login
# (amazon-ecr-credential-helper), in one run, on the same data. See bench/README.md.
#
# Usage: bench/run.sh [--quick | --runs N] [--out FILE]
#   --quick      5 runs after 1 warm-up per case (CI: proves the benchmark works); writes
#                build/bench-results-quick.md unless --out is given
#   --runs N     the full table (the cases that take seconds per run too) with N timed runs per
#                case (at most N for those), in min(N, 5) rounds (N a multiple of them), after
#                1 warm-up: proves the full mode works in little time; writes
#                build/bench-results-runs.md unless --out is given
#   --out FILE   where the Markdown results go (default: bench/results.md in full mode)
#   --hook FILE  (profiling) run the bash script FILE inside the prepared environment after the
#                checks, with OURS, PEER_SS, PEER_ECR, RUNNER and W set, instead of the cases
#   (full mode: 100 runs after 5 warm-ups per case; the cases that take seconds per run, with
#   no AWS identity, get fewer: see bench/README.md)
#
# The parts:
#   bench/run.sh           this runner: builds, sets up the namespace, checks, times, reports
#   bench/lib/standins.sh  /etc/hosts, the stand-ins (ECR + STS, instance metadata, GCE, Azure),
#                          the CA, imds_state
#   bench/lib/session.sh   the helpers' HOME/XDG, the gnome-keyring-daemon, the inputs
#   bench/lib/checks.sh    the untimed checks before and after the cases
#   bench/lib/cases.sh     times the cases of bench/cases.txt with build/bench-runner (raw
#                          measurements only)
#   bench/cases.txt        the table of cases, of the comparisons and of the targets
#   bench/report.py        every statistic, from the raw measurements; writes the results
#
# What it does (root, Debian 12, loopback only):
#  1. Builds the release binary (cmake preset `default`, targets docker-credential-ssm and its
#     modules) and bench/runner.cc (g++ -O2) into build/; copies the binary and its modules into
#     a mktemp -d work dir, stripped as the .deb and install.sh install them (so a rebuild in
#     parallel cannot swap them mid-run).
#  2. Re-runs itself in a throwaway network + mount namespace (`unshare --net --mount`) under
#     `dbus-run-session` with a private bus that has no service directories (the config of
#     tests/support/sandbox.sh). Inside: `lo` up; a private /etc/hosts (bind mount) mapping
#     api.ecr.us-east-1.amazonaws.com and sts.us-east-1.amazonaws.com to 127.0.0.1; a real
#     gnome-keyring-daemon (tests/support/keyring.sh) sharing XDG_DATA_HOME with the helpers, as
#     a desktop session does; the ECR + STS stand-in (tests/support/cloud_standin.sh, verifies
#     SigV4 and RS256 web identity tokens of a test issuer) on 127.0.0.1:443 with those SANs; its
#     test CA installed as update-ca-certificates would, in a copy of /etc/ssl/certs
#     bind-mounted over the original (appended to ca-certificates.crt, read by Go's crypto/x509,
#     and linked under its hash, read by our libcurl), so both ECR helpers use their default
#     endpoints and the same AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; the instance metadata
#     stand-in (tests/support/aws_metadata_standin.py, IMDSv2) on 169.254.169.254:80 on lo, for
#     the cases without keys (answering, address removed, or silent: see imds_state); the GCE
#     metadata stand-in (gcp_standin.py) at metadata.google.internal (169.254.169.253); the
#     Azure stand-in (azure_standin.py): IMDS on 169.254.169.252:80, which an iptables DNAT rule
#     of the namespace puts at 169.254.169.254:80 for the Azure cases only, and the ACR exchange
#     at https://benchreg.azurecr.io (127.0.0.3:443).
#  3. Checks once, untimed, that every helper answers what the case expects (same keyring item,
#     user AWS + the stand-in's token, not-found answers, round trips leave nothing), then runs
#     each case with build/bench-runner (fork/exec, no shell between timer and helper).
#  4. bench/report.py prints and writes the table of medians, ratios and targets (met / not met)
#     with the machine it ran on.
# Everything started is stopped by PID (servers also run under `setpriv --pdeathsig TERM`);
# all state lives in the work dir (our caches too: XDG_RUNTIME_DIR is a 0700 folder in it),
# removed at the end. Exit status: 0 when every case ran and every check passed (missed targets
# do not count), 1 when something failed to run, 2 on bad usage.
# shellcheck source-path=SCRIPTDIR disable=SC2317 # cleanup functions run from traps
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
SUPPORT_DIR="$ROOT/tests/support"
SELF="$BENCH_DIR/$(basename "${BASH_SOURCE[0]}")"

ECR_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
ECR_API=api.ecr.us-east-1.amazonaws.com
STS_API=sts.us-east-1.amazonaws.com
IMDS_ADDR=169.254.169.254
GCR_SERVER=gcr.io
GCE_NAME=metadata.google.internal
GCE_ADDR=169.254.169.253
ACR_HOST=benchreg.azurecr.io
ACR_ADDR=127.0.0.3
AZ_IMDS_ADDR=169.254.169.252
AZ_USER=00000000-0000-0000-0000-000000000000
SS_SERVER=registry.bench.example:5000
RT_SERVER=roundtrip.bench.example
FILE_SERVER=files.bench.example
PUBLIC_SERVER=quay.io
NOT_FOUND='credentials not found in native keychain'

log() { printf '# %s\n' "$*" >&2; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# =============================================================================================
# Inner stage: inside the network + mount namespace and the private session bus.
# =============================================================================================
inner_main() {
	W=${BENCH_W:?}
	RUNS=${BENCH_RUNS:?}
	WARMUP=${BENCH_WARMUP:?}
	ROUNDS=${BENCH_ROUNDS:?}
	RUNNER="$W/bin/bench-runner"
	OURS="$W/bin/docker-credential-ssm"
	PEER_SS=$(command -v docker-credential-secretservice)
	PEER_ECR=$(command -v docker-credential-ecr-login)
	TRUE_BIN=$(command -v true)
	QUICK=${BENCH_QUICK:-}
	FEW_MAX=${BENCH_FEW_MAX:-}
	FAILED=0
	echo "$$" >"$W/inner.pid"

	# shellcheck source=../tests/support/keyring.sh
	. "$SUPPORT_DIR/keyring.sh"
	# shellcheck source=../tests/support/cloud_standin.sh
	. "$SUPPORT_DIR/cloud_standin.sh"
	# shellcheck source=../tests/support/netns.sh
	. "$SUPPORT_DIR/netns.sh"
	# shellcheck source=lib/standins.sh
	. "$BENCH_DIR/lib/standins.sh"
	# shellcheck source=lib/session.sh
	. "$BENCH_DIR/lib/session.sh"

	inner_cleanup() {
		stop_standins
		keyring_stop
		# Anything else still in this network namespace (but the bus, which dbus-run-session
		# stops when this shell exits) is a leak: report it.
		local left
		left=$(netns_leftovers "$$" --ignore-bus)
		[ -z "$left" ] || log "processes left in the benchmark's network namespace: $left"
	}
	trap inner_cleanup EXIT
	trap 'exit 130' INT TERM HUP

	setup_hosts
	start_standins
	install_ca
	setup_session
	# The checks' helpers and environments need the session (HOME, the identities).
	# shellcheck source=lib/checks.sh
	. "$BENCH_DIR/lib/checks.sh"
	# shellcheck source=lib/cases.sh
	. "$BENCH_DIR/lib/cases.sh"

	check_before_cases
	if [ "$FAILED" != 0 ]; then
		log "a check failed: not benchmarking (helpers' stderr: $(tail -n 5 "$W/helpers.err" | tr '\n' ' '))"
		return 1
	fi

	# --hook FILE: a developer's script (profiling) runs here, in the prepared environment, with
	# OURS, PEER_SS, PEER_ECR, RUNNER, W and the in/ files; no cases are timed.
	if [ -n "${BENCH_HOOK:-}" ]; then
		OURS=$OURS PEER_SS=$PEER_SS PEER_ECR=$PEER_ECR RUNNER=$RUNNER W=$W bash "$BENCH_HOOK" >&2
		return $?
	fi

	load_cases "$BENCH_DIR/cases.txt"
	log "cases: $RUNS runs each, in $ROUNDS round(s) of $((RUNS / ROUNDS)) after warm-up runs ($WARMUP, then 1 per round)"
	run_cases
	check_after_cases
	return "$FAILED"
}

if [ "${BENCH_STAGE:-}" = inner ]; then
	inner_main
	exit $?
fi

# =============================================================================================
# Outer stage: build, start the inner stage, clean up, report.
# =============================================================================================
QUICK=
REDUCED=
OUT=
HOOK=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--runs)
		if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
			echo "bench/run.sh: --runs needs a number N >= 1" >&2
			exit 2
		fi
		REDUCED=$2
		shift
		;;
	--out)
		[ $# -ge 2 ] || { echo "bench/run.sh: --out needs a FILE" >&2; exit 2; }
		OUT=$2
		shift
		;;
	--out=*) OUT=${1#--out=} ;;
	--hook)
		[ $# -ge 2 ] || { echo "bench/run.sh: --hook needs a FILE" >&2; exit 2; }
		HOOK=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
		shift
		;;
	-h | --help)
		awk 'NR > 1 && /^# shellcheck/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$SELF"
		exit 0
		;;
	*)
		echo "bench/run.sh: unknown argument $1 (usage: bench/run.sh [--quick | --runs N] [--out FILE])" >&2
		exit 2
		;;
	esac
	shift
done
if [ -n "$QUICK" ] && [ -n "$REDUCED" ]; then
	echo "bench/run.sh: --quick and --runs exclude each other" >&2
	exit 2
elif [ -n "$QUICK" ]; then
	RUNS=5 WARMUP=1 ROUNDS=1 MODE=quick
	OUT=${OUT:-$ROOT/build/bench-results-quick.md}
elif [ -n "$REDUCED" ]; then
	# The full table with few runs: every round gives a case the same count of runs.
	RUNS=$REDUCED WARMUP=1 ROUNDS=$((REDUCED < 5 ? REDUCED : 5)) MODE=runs
	[ $((RUNS % ROUNDS)) = 0 ] || { echo "bench/run.sh: --runs N: N must be below 5 or a multiple of 5" >&2; exit 2; }
	OUT=${OUT:-$ROOT/build/bench-results-runs.md}
else
	RUNS=100 WARMUP=5 ROUNDS=5 MODE=full
	OUT=${OUT:-$BENCH_DIR/results.md}
fi
case $OUT in /*) ;; *) OUT="$PWD/$OUT" ;; esac

[ "$(id -u)" = 0 ] || die "needs root (network and mount namespaces, port 443)"
for c in unshare ip setpriv mount dbus-run-session gnome-keyring-daemon secret-tool gdbus openssl jq curl \
	g++ cmake docker-credential-secretservice docker-credential-ecr-login; do
	command -v "$c" >/dev/null 2>&1 || die "$c is not installed (see bench/README.md)"
done
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || die "/usr/bin/python3 lacks python3-cryptography"

START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "building (cmake preset default) ..."
configure_out=$(cd "$ROOT" && cmake --preset default 2>&1) ||
	{ printf '%s\n' "$configure_out" >&2; die "cmake --preset default failed"; }
(cd "$ROOT" && cmake --build --preset default --target docker-credential-ssm ssm-store-file ssm-store-secretservice ssm-net) \
	>&2 || die "the build failed"
g++ -O2 -std=c++17 -Wall -o "$ROOT/build/bench-runner" "$BENCH_DIR/runner.cc" || die "compiling bench/runner.cc failed"
BUILD_S=$(($(date +%s) - START))

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-bench.XXXXXX") || die "mktemp failed"
chmod 700 "$W"
INNER=
outer_cleanup() {
	if [ -n "$INNER" ] && kill -0 "$INNER" 2>/dev/null; then
		[ -s "$W/inner.pid" ] && kill -TERM "$(cat "$W/inner.pid")" 2>/dev/null
		wait "$INNER" 2>/dev/null
	fi
	rm -rf "$W"
}
trap outer_cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$W/bin" "$W/bus"
cp "$ROOT/build/docker-credential-ssm" "$ROOT"/build/ssm-*.so "$ROOT/build/bench-runner" "$W/bin/" ||
	die "cannot copy the build into $W"
# Stripped, as installed: the .deb (CPACK_STRIP_FILES) and install.sh (cmake --install --strip)
# ship the same -O2 code without its debug information.
strip "$W/bin/docker-credential-ssm" && strip --strip-unneeded "$W"/bin/ssm-*.so || die "strip failed"
"$W/bin/docker-credential-ssm" version >/dev/null 2>&1 || die "the built helper does not run"
# The private bus of tests/support/sandbox.sh: no service directories, nothing D-Bus-activated.
# shellcheck source=../tests/support/sandbox.sh
. "$SUPPORT_DIR/sandbox.sh"
_sandbox_write_bus_config "$W/bus"

# Nothing from the caller's environment may configure a helper, AWS, TLS or a proxy.
for v in $(compgen -e); do
	case $v in
	SSM_* | AWS_* | DOCKER_* | REGISTRY_* | DBUS_SESSION_BUS_ADDRESS | SSL_CERT_* | CURL_CA_BUNDLE | \
		[Hh][Tt][Tt][Pp]_[Pp][Rr][Oo][Xx][Yy] | [Hh][Tt][Tt][Pp][Ss]_[Pp][Rr][Oo][Xx][Yy] | \
		[Aa][Ll][Ll]_[Pp][Rr][Oo][Xx][Yy] | [Nn][Oo]_[Pp][Rr][Oo][Xx][Yy]) unset "$v" ;;
	esac
done

# cpu_busy: jiffies (1/100 s) the whole machine spent busy so far. children_cpu FILE: CPU time
# (1/100 s) used so far by this shell's waited-for descendants (the inner stage and everything
# it started), from `times`, which must run in this shell, not in a $(...) subshell: hence the
# file. Busy time minus our own over the cases is what other processes used.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
children_cpu() {
	times >"$1"
	awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
		printf "%d\n", n * 100 }' "$1" >"$1.cs"
}
log "running the cases in a private network + mount namespace (work dir $W) ..."
BUSY0=$(cpu_busy)
children_cpu "$W/times0"
T0=$(date +%s)
BENCH_STAGE=inner BENCH_QUICK=$QUICK BENCH_FEW_MAX=$REDUCED BENCH_HOOK=$HOOK BENCH_W=$W BENCH_RUNS=$RUNS BENCH_WARMUP=$WARMUP BENCH_ROUNDS=$ROUNDS \
	unshare --net --mount --propagation private -- \
	env HOME="$W" XDG_RUNTIME_DIR="$W/bus" \
	dbus-run-session --config-file="$W/bus/session.conf" -- bash "$SELF" &
INNER=$!
rc=0
wait "$INNER" || rc=$?
while kill -0 "$INNER" 2>/dev/null; do
	rc=0
	wait "$INNER" || rc=$?
done
INNER=
[ -z "$HOOK" ] || exit "$rc"
CASES_S=$(($(date +%s) - T0))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY1=$(cpu_busy)
children_cpu "$W/times1"
OTHERS_CPU=$(( (BUSY1 - BUSY0) - ($(cat "$W/times1.cs") - $(cat "$W/times0.cs")) ))
[ "$OTHERS_CPU" -ge 0 ] || OTHERS_CPU=0
OTHERS=$(awk -v o="$OTHERS_CPU" -v t="$CASES_S" -v c="$(nproc)" 'BEGIN {
	p = 0
	if (t > 0) p = o / (t * c)
	printf "%.1f CPU-seconds (%.0f%% of the machine over the %d s)", o / 100, p, t }')
log "other processes used $OTHERS while the cases ran"

if [ ! -s "$W/raw/state.jsonl" ]; then
	die "no case ran (exit $rc)"
fi

# ----- the report: bench/report.py, from the raw measurements ---------------------------------
dpkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }
COMMIT=$(git -C "$ROOT" --no-optional-locks rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	COMMIT="$COMMIT (with uncommitted changes)"
fi
jq -n \
	--arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" \
	--arg cores "$(nproc)" \
	--arg kernel "$(uname -r)" \
	--arg debian "$(cat /etc/debian_version 2>/dev/null || echo unknown)" \
	--arg ss "$(dpkg_version golang-docker-credential-helpers)" \
	--arg ecr "$(dpkg_version amazon-ecr-credential-helper)" \
	--arg gk "$(dpkg_version gnome-keyring)" \
	--arg ls "$(dpkg_version libsecret-1-0)" \
	--arg ours "$("$W/bin/docker-credential-ssm" version 2>&1 | head -n 1)" \
	--arg commit "$COMMIT" \
	--arg date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	--arg mode "$MODE" \
	--arg load "before the build: $LOAD_BEFORE; after the cases: $LOAD_AFTER" \
	--arg others "$OTHERS" \
	--argjson runs "$RUNS" --argjson warmup "$WARMUP" --argjson rounds "$ROUNDS" \
	--argjson build_s "$BUILD_S" --argjson cases_s "$CASES_S" --argjson rc "$rc" \
	'{cpu: $cpu, cores: $cores, kernel: $kernel, debian: $debian, ss: $ss, ecr: $ecr, gnome_keyring: $gk,
	  libsecret: $ls, ours: $ours, commit: $commit, date: $date, mode: $mode, runs: $runs, warmup: $warmup, rounds: $rounds,
	  build_s: $build_s, cases_s: $cases_s, inner_rc: $rc, load: $load, others: $others}' >"$W/machine.json"

mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 "$BENCH_DIR/report.py" --cases "$BENCH_DIR/cases.txt" --raw "$W/raw" --machine "$W/machine.json" \
	--out "$OUT" || rc=1
[ "$rc" = 0 ] || log "something failed to run (see above); the results file marks what did not run"
exit "$rc"
