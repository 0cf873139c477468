#!/usr/bin/env bash
# Recording credential-helper shim.
#
# Logs every call a client makes (argv, stdin, exit status, stdout) and delegates it to another
# helper, so a test can see exactly which actions and server strings docker, podman, skopeo and
# buildah send.
#
# Install it as a helper (a generated wrapper with the paths baked in, so it works whatever
# environment the client passes on):
#     tests/support/recording-helper.sh install BINDIR DELEGATE LOGFILE [NAME [ERRFILE]]
# empties LOGFILE and creates BINDIR/docker-credential-NAME (NAME defaults to "rec"; with
# ERRFILE, the delegate's stderr is appended there instead of reaching the client) which runs
#     REC_LOG=LOGFILE REC_DELEGATE=DELEGATE tests/support/recording-helper.sh ARGS...
# DELEGATE is a helper suffix (runs docker-credential-DELEGATE from PATH) or a path to the
# helper binary. Point credHelpers at NAME and put BINDIR first on PATH. To record calls to an
# existing helper under its own name, give NAME = its suffix and DELEGATE = its full path.
#
# Log format, one line per call, tab-separated, newlines in fields written as \n, tabs as \t:
#     <argv joined by spaces>  <stdin>  <exit status>  <stdout>
# The Secret of `store` input and of `get` output is replaced by "***" in the log.
# `rec_log_calls LOGFILE` (below, when sourced) prints just "<action> <stdin>" per call.

_rec_escape() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//$'\t'/\\t}
	s=${s//$'\n'/\\n}
	printf '%s' "$s"
}

# rec_log_calls LOGFILE: "<action> <stdin>" per recorded call (usable when sourced).
rec_log_calls() {
	awk -F '\t' '{ print $1 " " $2 }' "$1"
}

_rec_main() {
	if [ "${1:-}" = install ]; then
		local bindir=$2 delegate=$3 logfile=$4 name=${5:-rec} errfile=${6:-} self redirect=""
		self=$(readlink -f "${BASH_SOURCE[0]}")
		mkdir -p "$bindir"
		: >"$logfile"
		[ -z "$errfile" ] || redirect="exec 2>>$(printf '%q' "$errfile")"$'\n'
		printf '#!/bin/sh\n%sREC_LOG=%s REC_DELEGATE=%s exec %s "$@"\n' "$redirect" \
			"$(printf '%q' "$logfile")" "$(printf '%q' "$delegate")" "$(printf '%q' "$self")" \
			>"$bindir/docker-credential-$name"
		chmod +x "$bindir/docker-credential-$name"
		return 0
	fi

	local log=${REC_LOG:?REC_LOG not set} delegate=${REC_DELEGATE:?REC_DELEGATE not set}
	local input output rc=0 logged_input logged_output helper
	case $delegate in
	*/*) helper=$delegate ;;
	*) helper=docker-credential-$delegate ;;
	esac
	# Read all of stdin (clients may or may not end it with a newline; keep it byte-exact
	# apart from a trailing newline, which the log shows as \n).
	input=$(
		cat
		printf x
	)
	input=${input%x}
	output=$(
		printf "%s" "$input" | "$helper" "$@"
		printf "x%s" "${PIPESTATUS[1]}"
	) || true
	rc=${output##*x}
	output=${output%x*}
	logged_input=$input
	if [ "${1:-}" = store ] && command -v jq >/dev/null 2>&1; then
		logged_input=$(printf '%s' "$input" | jq -c '.Secret = "***"' 2>/dev/null || echo '<unparsable>')
		case $input in *$'\n') logged_input+=$'\n' ;; esac
	fi
	logged_output=$output
	if [ "${1:-}" = get ] && [ "$rc" = 0 ] && command -v jq >/dev/null 2>&1; then
		logged_output=$(printf '%s' "$output" | jq -c '.Secret = "***"' 2>/dev/null || echo '<unparsable>')
	fi
	printf '%s\t%s\t%s\t%s\n' "$(_rec_escape "$*")" "$(_rec_escape "$logged_input")" "$rc" \
		"$(_rec_escape "$logged_output")" >>"$log"
	printf '%s' "$output"
	return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	_rec_main "$@"
fi
