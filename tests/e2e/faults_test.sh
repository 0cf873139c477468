#!/usr/bin/env bash
# faults_test.sh /path/to/docker-credential-ssm
# Hardening checks through the binary: the Secret Service disappearing in the
# middle of a command, a full disk under the file store, a token endpoint whose
# certificate names another host, 200 concurrent mixed store/get/erase on both
# stores, the process being non-dumpable, files owned by someone else, and
# valgrind memcheck over the protocol. Needs root (mount namespaces, setpriv).
set -uo pipefail
BIN=$(readlink -f "${1:?usage: faults_test.sh /path/to/docker-credential-ssm}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUPPORT="$here/../support"
# shellcheck source=tests/support/sandbox.sh
source "$SUPPORT/sandbox.sh"
sandbox_enter "$here/faults_test.sh" "$@"
# shellcheck source=tests/support/tap.sh
source "$SUPPORT/tap.sh"
# shellcheck source=tests/support/keyring.sh
source "$SUPPORT/keyring.sh"
# shellcheck source=tests/support/cloud_standin.sh
source "$SUPPORT/cloud_standin.sh"

WORK=$(mktemp -d)
chmod 755 "$WORK"
trap 'standin_stop; keyring_stop; rm -rf "$WORK"' EXIT
unset XDG_CONFIG_HOME XDG_RUNTIME_DIR SSM_LOG SSM_STORE SSM_FILE_STORE_KEY
for v in $(env | sed -n 's/^\(SSM_REGISTRY_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/.local/share"
mkdir -p "$HOME"
store_json() { printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$1" "$2" "$3"; }
lines() { printf '%s\n' "$1" | wc -l; }

# ---------------------------------------------------------------- the Secret Service goes away mid-command
export KEYRING_DATA_HOME="$XDG_DATA_HOME"
if keyring_start "$WORK"; then
	export SSM_STORE=secretservice SSM_CACHE=off
	store_json fault.example u kept-secret | "$BIN" store
	daemon=$KEYRING_PID
	kill -STOP "$daemon"
	start=$(date +%s)
	(store_json fault.example u replaced-secret | "$BIN" store >"$WORK/mid.out" 2>&1; echo $? >"$WORK/mid.rc") &
	sleep 1
	kill -9 "$daemon"
	wait
	took=$(($(date +%s) - start))
	out=$(cat "$WORK/mid.out")
	rc=$(cat "$WORK/mid.rc")
	case "$rc/$out" in 1/"Secret Service: "*) pass "service killed mid-store: one clear line ($out)" ;; *) fail "service killed mid-store: one clear line" "$rc/$out" ;; esac
	check_eq "... in one line" 1 "$(lines "$out")"
	if [ "$took" -le 10 ]; then pass "... in bounded time (${took}s)"; else fail "... in bounded time" "${took}s"; fi
	KEYRING_PID=
	keyring_unlock >/dev/null 2>&1 || keyring_start "$WORK" >/dev/null
	got=$(printf fault.example | "$BIN" get)
	check_eq "after the service restarts the old secret is there, unchanged" kept-secret "$(printf '%s' "$got" | jq -r .Secret)"
	RC=0; out=$(keyring_stop; printf fault.example | "$BIN" get 2>&1) || RC=$?
	case "$RC/$out" in 1/"Secret Service: "*) pass "no service at all: one clear line, not not-found ($out)" ;; *) fail "no service at all: one clear line" "$RC/$out" ;; esac
	unset SSM_STORE SSM_CACHE SSM_FULL_EXIT
else
	fail "a keyring for the Secret Service faults"
fi

# ---------------------------------------------------------------- a full disk under the file store
full="$WORK/full"
mkdir -p "$full"
cat >"$WORK/full.sh" <<SH
set -u
mount -t tmpfs -o size=64k,mode=0755 ssm-full "$full"
export XDG_DATA_HOME="$full" SSM_STORE=file SSM_CACHE=off
printf '%s' '$(store_json full.example u full-kept)' | "$BIN" store || exit 10
before=\$(sha256sum "$full/docker-credential-ssm/credentials.enc" | cut -d' ' -f1)
head -c 1000000 /dev/zero > "$full/filler" 2>/dev/null
big=\$(head -c 20000 /dev/zero | tr '\\0' x)
out=\$(printf '{"ServerURL":"big.example","Username":"u","Secret":"%s"}' "\$big" | "$BIN" store); rc=\$?
echo "rc=\$rc"
echo "out=\$out"
echo "same=\$([ "\$before" = "\$(sha256sum "$full/docker-credential-ssm/credentials.enc" | cut -d' ' -f1)" ] && echo yes || echo no)"
echo "get=\$(printf full.example | "$BIN" get)"
echo "temps=\$(ls "$full/docker-credential-ssm" | grep -c tmp)"
SH
unshare --mount bash "$WORK/full.sh" >"$WORK/full.out" 2>&1
full_out=$(cat "$WORK/full.out")
case $full_out in *"rc=1"*"out=cannot write "*"No space left on device"*) pass "a full disk: store fails with one clear line" ;; *) fail "a full disk: store fails with one clear line" "$full_out" ;; esac
case $full_out in *"same=yes"*) pass "... the old file is untouched" ;; *) fail "... the old file is untouched" "$full_out" ;; esac
case $full_out in *'get={"ServerURL":"full.example","Username":"u","Secret":"full-kept"}'*) pass "... and still reads" ;; *) fail "... and still reads" "$full_out" ;; esac
case $full_out in *"temps=0"*) pass "... no temporary file is left" ;; *) fail "... no temporary file is left" "$full_out" ;; esac

# ---------------------------------------------------------------- TLS: a certificate for another name
standin_start "$WORK" >/dev/null
standin_config '{"aws": {"AKIDF": {"secret": "sk-f"}}, "ecr": {"token_password": "tok-f", "expires_in": 43200, "account": "123456789012"}}'
printf '127.0.0.1 wrong-name.example\n' >"$WORK/hosts"
RC=0
out=$(unshare --mount bash -c "mount --bind '$WORK/hosts' /etc/hosts && printf 123456789012.dkr.ecr.us-east-1.amazonaws.com | \
	SSM_TOKEN_CACHE=off SSM_REGISTRY_ECR_ACCESSKEY=AKIDF SSM_REGISTRY_ECR_SECRETACCESSKEY=sk-f \
	SSM_REGISTRY_ECR_ENDPOINT=https://wrong-name.example:$STANDIN_PORT SSM_REGISTRY_ECR_CACERT__FILE='$STANDIN_CA' '$BIN' get" 2>&1) || RC=$?
case "$RC/$out" in 1/"ecr: cannot reach https://wrong-name.example:"*"certificate"*) pass "a certificate for another name: refused, no token ($out)" ;; *) fail "a certificate for another name: refused" "$RC/$out" ;; esac
check_eq "... and the stand-in handed out no token" 0 "$(standin_stats | jq -r '.ecr.accepted // 0')"
standin_stop

# ---------------------------------------------------------------- 200 concurrent mixed operations, both stores
load() { # STORE
	local store=$1 i pids=() failed=0
	export SSM_STORE=$store
	for i in $(seq 0 49); do
		store_json "e$i.load" u "e-$i" | "$BIN" store
		store_json "g$i.load" u "g-$i" | "$BIN" store
	done
	for i in $(seq 0 99); do
		(store_json "s$i.load" u "s-$i" | "$BIN" store) &
		pids+=($!)
		if [ "$i" -lt 50 ]; then
			(printf "e$i.load" | "$BIN" erase) &
			pids+=($!)
			(printf "g$i.load" | "$BIN" get >"$WORK/get-$store-$i" 2>&1) &
			pids+=($!)
		fi
	done
	for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
	check_eq "[$store] 200 concurrent store/get/erase: every one succeeded" "200/0" "${#pids[@]}/$failed"
	local wrong=0
	for i in $(seq 0 49); do
		[ "$(jq -r .Secret "$WORK/get-$store-$i" 2>/dev/null)" = "g-$i" ] || wrong=$((wrong + 1))
	done
	check_eq "[$store] every concurrent get read its value" 0 "$wrong"
	local listed expected
	listed=$("$BIN" list </dev/null | jq -r 'keys[] | select(endswith(".load"))' | sort | tr '\n' ' ')
	expected=$( (for i in $(seq 0 99); do echo "s$i.load"; done; for i in $(seq 0 49); do echo "g$i.load"; done) | sort | tr '\n' ' ')
	check_eq "[$store] the final state is exactly what the operations imply" "$expected" "$listed"
	wrong=0
	for i in $(seq 0 99); do
		[ "$(printf "s$i.load" | "$BIN" get | jq -r .Secret)" = "s-$i" ] || wrong=$((wrong + 1))
	done
	check_eq "[$store] every stored secret reads back" 0 "$wrong"
	unset SSM_STORE
}
load file
if keyring_start "$WORK/keyring2" >/dev/null 2>&1 || { mkdir -p "$WORK/keyring2" && keyring_start "$WORK/keyring2"; }; then
	load secretservice
	keyring_stop
else
	fail "a keyring for the Secret Service load"
fi

# ---------------------------------------------------------------- non-dumpable, files of another user
nh="$WORK/nobody"
mkdir -p "$nh"
chown nobody:nogroup "$nh"
mkfifo "$WORK/fifo"
chmod 666 "$WORK/fifo"
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$nh" XDG_DATA_HOME="$nh/data" SSM_STORE=file "$BIN" get <"$WORK/fifo" >/dev/null 2>&1 &
pid=$!
exec 7>"$WORK/fifo"
sleep 0.3
owner=$(stat -c %U "/proc/$pid/environ" 2>/dev/null)
exec 7>&-
wait "$pid" 2>/dev/null
# A non-dumpable process's /proc files belong to root, not to its own user:
# no core dump, no ptrace by the user's other processes.
check_eq "a running helper is non-dumpable (/proc/PID belongs to root, not nobody)" root "$owner"
fresh="$WORK/other"
mkdir -p "$fresh"
XDG_DATA_HOME="$fresh" SSM_STORE=file SSM_CACHE=off "$BIN" store <<<"$(store_json own.example u own-secret)"
chown nobody "$fresh/docker-credential-ssm/credentials.enc"
RC=0; out=$(printf own.example | XDG_DATA_HOME="$fresh" SSM_STORE=file SSM_CACHE=off "$BIN" get) || RC=$?
case "$RC/$out" in 1/*"belongs to another user"*) pass "a store file owned by another user is refused ($out)" ;; *) fail "a store file owned by another user is refused" "$RC/$out" ;; esac

# ---------------------------------------------------------------- valgrind memcheck over the protocol
if ldd "$BIN" | grep -q libasan; then
	skip "valgrind memcheck over the protocol" "this is the AddressSanitizer build; the release build runs it"
elif command -v valgrind >/dev/null; then
	vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)
	# SSM_FULL_EXIT: the orderly exit (destructors, module clean-ups), so leaks show.
	export XDG_DATA_HOME="$WORK/vg" SSM_STORE=file SSM_CACHE=off SSM_FULL_EXIT=1
	vgcheck() { # DESCRIPTION EXPECTED-EXIT ACTION INPUT
		local rc=0
		printf '%s' "$4" | "${vg[@]}" "$BIN" "$3" >"$WORK/vg.out" 2>"$WORK/vg.err" || rc=$?
		if [ "$rc" = "$2" ] && ! grep -q "==[0-9]*==" "$WORK/vg.err"; then pass "valgrind: $1"; else fail "valgrind: $1" "rc=$rc $(head -20 "$WORK/vg.err")"; fi
	}
	vgcheck "store" 0 store "$(store_json vg.example u vg-secret)"
	vgcheck "get" 0 get vg.example
	vgcheck "get not found" 1 get nothing.example
	vgcheck "list" 0 list unused
	vgcheck "erase" 0 erase vg.example
	vgcheck "bad JSON" 1 store '{"ServerURL":'
	vgcheck "bad URL" 1 get 'ftp://x'
	SSM_REGISTRY_CUSTOM_URL=https://r.example SSM_REGISTRY_CUSTOM_LOGIN=u SSM_REGISTRY_CUSTOM_PASSWORD=p vgcheck "a configured registry" 0 get r.example
	unset SSM_STORE SSM_CACHE SSM_FULL_EXIT
else
	fail "valgrind is installed"
fi
"$BIN" cache clear >/dev/null
tap_summary
