# shellcheck shell=bash disable=SC2034 # sourced: the variables set here are read elsewhere
# bench/lib/cases.sh: times the cases of bench/cases.txt (sourced by bench/run.sh's inner stage,
# after bench/lib/checks.sh). Only raw measurements are kept; bench/report.py computes every
# statistic from them.
#
#   load_cases FILE   reads the [cases] section: CASES (the ids, in order) and, a case, the words
#                     its runs need in $W/cases/ID.sh
#   run_cases         runs them in ROUNDS rounds, each round giving every case RUNS/ROUNDS timed
#                     runs after its warm-up (WARMUP runs in the first round, one in the others:
#                     the cold cases' `cache clear` empties every cache, and a warm case must find
#                     its own state again before it is timed), so that a slow spell of the machine
#                     falls on every case alike instead of on whichever case was running. It
#                     writes $W/raw/ID.chunks (the runner's JSON line of every round) and
#                     $W/raw/state.jsonl (a case: it could not run, not run in this mode, its
#                     count of runs when limited, ecr-login's SDK races during its runs).
# A case with a `few` count (seconds per run) gets that many timed runs in all, no warm-up,
# spread over the first rounds; none in --quick (reported as not run in this mode), and no
# more than RUNS when --runs limits them (FEW_MAX).

CASES=()

# case_words ENV COMMAND: from the table's env and command cells, the arguments of env before
# the runner in C_ENV (the -u options first, as env wants them, then VAR=VALUE) and the command
# in C_ARGS.
case_words() {
	local w unsets=() sets=()
	for w in $1; do
		case $w in
		nokeys) unsets+=("${NOKEYS[@]:1}") ;;
		nogoogle) unsets+=("${NOGOOGLE[@]:1}") ;;
		noazure) unsets+=("${NOAZURE[@]:1}") ;;
		wi) sets+=("${WI_ENV[@]}") ;;
		*=*) sets+=("$w") ;;
		*) die "bench/cases.txt: unknown env word $w" ;;
		esac
	done
	C_ENV=("${unsets[@]}" "${sets[@]}")
	local -A program=([ours]=$OURS [ss]=$PEER_SS [ecr]=$PEER_ECR [true]=$TRUE_BIN [roundtrip]=$W/bin/roundtrip.sh)
	C_ARGS=()
	for w in $2; do C_ARGS+=("${program[$w]:-$w}"); done
}

# trim VAR: VAR without the white space around it, and empty for `-` (a table cell).
trim() {
	local v=${!1}
	v=${v#"${v%%[![:space:]]*}"}
	v=${v%"${v##*[![:space:]]}"}
	[ "$v" != - ] || v=
	printf -v "$1" '%s' "$v"
}

load_cases() {
	local table=$1 section="" line id _no setup cold expect input envs command few _label a sdk prepare
	local clear_ours="$OURS cache clear >/dev/null" clear_ecr="rm -f '$HOME/.ecr/cache.json'"
	mkdir -p "$W/cases" "$W/raw"
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; '['*']') section=${line:1:-1} && continue ;; esac
		[ "$section" = cases ] || continue
		IFS='|' read -r id _no setup cold expect input envs command few _label <<<"$line"
		for a in id setup cold expect input envs command few; do trim "$a"; done
		case_words "$envs" "$command"
		# A peer case that mints: ecr-login's aws-sdk-go-v2 race is counted (see report.py).
		sdk=
		case $cold in
		clear) prepare=(--prepare "$clear_ours") ;;
		ecr)
			prepare=(--prepare "$clear_ecr")
			[ "$expect" != 0 ] || sdk=1
			;;
		'') prepare=() ;;
		*) die "bench/cases.txt: case $id: unknown cold value $cold" ;;
		esac
		if [ -n "$few" ]; then
			[ -z "$QUICK" ] || few=0
			[ -z "$FEW_MAX" ] || [ "$few" -le "$FEW_MAX" ] || few=$FEW_MAX
		fi
		CASES+=("$id")
		{
			printf 'C_ENV=('
			for a in "${C_ENV[@]}"; do printf '%q ' "$a"; done
			printf ')\nC_OPTS=('
			for a in --input "${input:+$W/in/}${input:-/dev/null}" --expect-exit "$expect" "${prepare[@]}"; do printf '%q ' "$a"; done
			printf ')\nC_ARGS=('
			for a in "${C_ARGS[@]}"; do printf '%q ' "$a"; done
			printf ')\nC_SDK=%q\nC_SETUP=%q\nC_FEW=%q\n' "$sdk" "$setup" "$few"
		} >"$W/cases/$id.sh"
	done <"$table"
	[ "${#CASES[@]}" -gt 0 ] || die "no case in $table"
}

run_cases() {
	local per round id warm line rc race0 races
	declare -A races_of=() bad=() done_of=()
	for ((round = 1; round <= ROUNDS; round++)); do
		for id in "${CASES[@]}"; do
			# shellcheck disable=SC1090
			source "$W/cases/$id.sh"
			per=$((RUNS / ROUNDS)) warm=1
			[ "$round" != 1 ] || warm=$WARMUP
			if [ -n "$C_FEW" ]; then
				# ceil(N / ROUNDS) per round until N are done; no warm-up.
				per=$(((C_FEW + ROUNDS - 1) / ROUNDS)) warm=0
				[ "$per" -le $((C_FEW - ${done_of[$id]:-0})) ] || per=$((C_FEW - ${done_of[$id]:-0}))
				[ "$per" -gt 0 ] || continue
				done_of[$id]=$((${done_of[$id]:-0} + per))
			fi
			# A stand-in that died (killed from outside) would turn every cold run into a
			# timeout: stop at once instead (the cases not run are reported as such).
			if ! standins_alive; then
				log "case $id, round $round: a stand-in is gone (ECR + STS pid $STANDIN_PID, instance metadata pid $MD_PID, GCE metadata pid $GCE_PID, Azure pid $AZ_PID): stopping"
				bad[$id]=1
				break 2
			fi
			if [ -n "$C_SETUP" ] && ! imds_state "$C_SETUP"; then
				log "case $id, round $round: cannot set the instance metadata state $C_SETUP"
				bad[$id]=1
				continue
			fi
			race0=$(sdk_race_count)
			rc=0
			line=$(env "${C_ENV[@]}" "$RUNNER" --runs "$per" --warmup "$warm" "${C_OPTS[@]}" -- "${C_ARGS[@]}") || rc=$?
			if [ -z "$line" ] || ! jq -e .times_ms >/dev/null 2>&1 <<<"$line"; then
				log "case $id, round $round: the runner failed (exit $rc)"
				bad[$id]=1
				continue
			fi
			printf '%s\n' "$line" >>"$W/raw/$id.chunks"
			races=0
			[ -z "$C_SDK" ] || races=$(($(sdk_race_count) - race0))
			races_of[$id]=$((${races_of[$id]:-0} + races))
		done
		log "round $round of $ROUNDS done"
	done
	: >"$W/raw/state.jsonl"
	for id in "${CASES[@]}"; do
		# shellcheck disable=SC1090
		source "$W/cases/$id.sh"
		jq -nc --arg id "$id" --argjson bad "$([ -n "${bad[$id]:-}" ] && echo true || echo false)" \
			--argjson not_run "$([ "$C_FEW" = 0 ] && echo true || echo false)" \
			--argjson few "${C_FEW:-null}" --argjson races "${races_of[$id]:-0}" \
			'{id: $id, bad: $bad, not_run: $not_run, few: $few, races: $races}' >>"$W/raw/state.jsonl"
	done
}
