#!/usr/bin/env bash
# binary_test.sh /path/to/docker-credential-ssm
# Drives the built binary over real pipes: the command line, bad input that must
# change nothing, the encrypted file store under 50 concurrent writers and under
# kill -9 mid-write, store selection with and without a D-Bus session, a
# config file others could change, an old copy of the data file put back, key
# rotation, auto mode reading and erasing in both stores (with a real
# gnome-keyring, tests/support/with-keyring.sh), and secret hygiene (no
# planted secret in stderr or any file in plaintext).
set -uo pipefail
BIN=$(readlink -f "${1:?usage: binary_test.sh /path/to/docker-credential-ssm}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR SSM_STORE SSM_FILE_STORE_KEY SSM_LOG

# fresh_home NAME: a new empty HOME for one group of checks.
fresh_home() {
	export HOME="$WORK/$1"
	mkdir -p "$HOME"
	STORE_DIR="$HOME/.local/share/docker-credential-ssm"
	DATA="$STORE_DIR/credentials.enc"
}

# run ACTION INPUT: runs the helper with INPUT on stdin; sets OUT, ERR, RC.
run() {
	local action=$1 input=$2
	RC=0
	OUT=$(printf '%s' "$input" | "$BIN" "$action" 2>"$WORK/stderr") || RC=$?
	ERR=$(cat "$WORK/stderr")
}

store_json() { printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "$1" "$2" "$3"; }

lines() { printf '%s\n' "$1" | wc -l; }

sum() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

# ---------------------------------------------------------------- command line
fresh_home cli
RC=0; OUT=$("$BIN" 2>/dev/null) || RC=$?
check_eq "no argument: usage line" "Usage: docker-credential-ssm <store|get|erase|list|version>" "$OUT"
check_eq "no argument: exit 1" 1 "$RC"
RC=0; OUT=$("$BIN" get extra 2>/dev/null) || RC=$?
check_eq "two arguments: usage and exit 1" "Usage: docker-credential-ssm <store|get|erase|list|version>/1" "$OUT/$RC"
for flag in --help -h; do
	RC=0; OUT=$("$BIN" "$flag") || RC=$?
	check_eq "$flag exits 0 with usage first" "Usage: docker-credential-ssm <store|get|erase|list|version>/0" "$(printf '%s' "$OUT" | head -1)/$RC"
done
for flag in --version -v version; do
	RC=0; OUT=$("$BIN" "$flag" </dev/null) || RC=$?
	check_eq "$flag prints one version line" "0/1" "$RC/$(lines "$OUT")"
	case $OUT in "docker-credential-ssm "[0-9]*) pass "$flag names the program and version" ;; *) fail "$flag names the program and version" "$OUT" ;; esac
done
run frobnicate ""
check_eq "unknown action" "docker-credential-ssm: unknown action: frobnicate/1" "$OUT/$RC"
check_eq "version opened no store" "" "$(ls -A "$HOME")"

# ---------------------------------------------------------------- file store through the binary
fresh_home roundtrip
run store "$(store_json https://index.docker.io/v1/ alice planted-secret-hub)"
check_eq "store (auto, no D-Bus: file store) succeeds silently" "0/" "$RC/$OUT"
run get docker.io
check_eq "get docker.io finds the docker login" '{"ServerURL":"docker.io","Username":"alice","Secret":"planted-secret-hub"}/0' "$OUT/$RC"
run get "https://index.docker.io/v1/"
check_eq "get echoes the URL it was asked for" '{"ServerURL":"https://index.docker.io/v1/","Username":"alice","Secret":"planted-secret-hub"}' "$OUT"
run list unused
check_eq "list" '{"https://index.docker.io/v1/":"alice"}/0' "$OUT/$RC"
check_eq "store folder is 0700" 700 "$(stat -c %a "$STORE_DIR")"
check_eq "data file is 0600" 600 "$(stat -c %a "$DATA")"
check_eq "key file is 0600" 600 "$(stat -c %a "$STORE_DIR/credentials.key")"
if grep -rqa planted-secret "$HOME"; then fail "no plaintext secret under HOME"; else pass "no plaintext secret under HOME"; fi
run erase docker.io
check_eq "erase" "0/" "$RC/$OUT"
run get docker.io
check_eq "get after erase: not found" "credentials not found in native keychain/1" "$OUT/$RC"
run erase docker.io
check_eq "erase of nothing succeeds" "0/" "$RC/$OUT"

# ---------------------------------------------------------------- bad input changes nothing
fresh_home badinput
run store "$(store_json keep.example keeper planted-secret-keep)"
before=$(sum "$DATA")
bad_inputs=(
	"not json at all"
	'{"ServerURL":"x.example"}'
	'{"Username":"u","Secret":"s"}'
	'{"ServerURL":"x.example","Username":"","Secret":"s"}'
	'["x.example","u","s"]'
	'{"ServerURL":"ftp://x.example","Username":"u","Secret":"s"}'
	'{"ServerURL":"x.example","Username":"u","Secret":"planted-secret-trunc'
	'{"ServerURL":"keep.example","Username":"u","Secret":"a\u0000b"}'
)
for input in "${bad_inputs[@]}"; do
	run store "$input"
	if [ "$RC" = 1 ] && [ "$(lines "$OUT")" = 1 ] && [ -n "$OUT" ]; then
		pass "store refuses with one line: ${input:0:40}"
	else
		fail "store refuses with one line: ${input:0:40}" "rc=$RC out=$OUT"
	fi
	case $OUT$ERR in *planted-secret*) fail "refusal does not echo the secret" "$OUT" ;; esac
done
check_eq "refused stores left the file unchanged" "$before" "$(sum "$DATA")"

# Raw bytes that printf cannot carry in a variable: write them to files.
printf '{"ServerURL":"keep.example","Username":"u","Secret":"a\0b"}' >"$WORK/nul.json"
printf '{"ServerURL":"keep.example","Username":"u","Secret":"\xff\xfe"}' >"$WORK/utf8.json"
printf 'keep.example\0evil' >"$WORK/nul.url"
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$WORK/big"
# Nested far deeper than any credential (under the 1 MiB bound): the recursive
# wipe of the parsed input overflowed the stack (SIGSEGV, no line).
{ head -c 250000 /dev/zero | tr '\0' '['; head -c 250000 /dev/zero | tr '\0' ']'; } >"$WORK/deep.json"
for case in "store nul.json" "store utf8.json" "store big" "get big" "erase big" "get nul.url" "erase nul.url" \
	"store deep.json"; do
	set -- $case
	RC=0
	OUT=$("$BIN" "$1" <"$WORK/$2" 2>/dev/null) || RC=$?
	if [ "$RC" = 1 ] && [ "$(lines "$OUT")" = 1 ]; then pass "$1 <$2: one line, exit 1 ($OUT)"; else fail "$1 <$2: one line, exit 1" "rc=$RC out=${OUT:0:200}"; fi
done
RC=0; OUT=$("$BIN" store </dev/null 2>/dev/null) || RC=$?
check_eq "store with empty stdin: one line, exit 1" "1/1" "$RC/$(lines "$OUT")"
check_eq "bad input left the file unchanged" "$before" "$(sum "$DATA")"
run get keep.example
check_eq "the stored login is intact" '{"ServerURL":"keep.example","Username":"keeper","Secret":"planted-secret-keep"}' "$OUT"

# ---------------------------------------------------------------- secrets stay out of logs
fresh_home hygiene
RC=0
SSM_LOG=debug "$BIN" store <<<"$(store_json ghcr.io me planted-secret-debug)" 2>"$WORK/debug.log" >/dev/null || RC=$?
printf ghcr.io | SSM_LOG=debug "$BIN" get 2>>"$WORK/debug.log" >/dev/null || RC=$?
printf ghcr.io | SSM_LOG=debug "$BIN" erase 2>>"$WORK/debug.log" >/dev/null || RC=$?
check_eq "debug run succeeded" 0 "$RC"
if grep -q "debug:" "$WORK/debug.log"; then pass "SSM_LOG=debug writes diagnostics to stderr"; else fail "SSM_LOG=debug writes diagnostics to stderr"; fi
if grep -q planted-secret "$WORK/debug.log"; then fail "debug log holds no secret" "$(cat "$WORK/debug.log")"; else pass "debug log holds no secret"; fi

# ---------------------------------------------------------------- concurrency
fresh_home concurrent
run store "$(store_json base.example base planted-secret-base)"
pids=()
for i in $(seq 1 50); do
	store_json "w$i.example:5000" "user$i" "secret-$i" | "$BIN" store >"$WORK/c$i.out" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "50 concurrent stores all succeed" 0 "$failed"
count=$("$BIN" list </dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check_eq "after 50 concurrent stores, list has all 51" 51 "$count"
pids=()
for i in $(seq 1 50); do
	if [ $((i % 2)) = 0 ]; then
		printf 'w%s.example:5000' "$i" | "$BIN" erase >/dev/null 2>&1 &
	else
		store_json "w$i.example:5000" "user$i" "changed-$i" | "$BIN" store >/dev/null 2>&1 &
	fi
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "50 concurrent mixed stores and erases succeed" 0 "$failed"
listed=$("$BIN" list </dev/null | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))))')
expected=$(for i in $(seq 1 2 49); do printf 'w%s.example:5000\n' "$i"; done; echo base.example)
expected=$(printf '%s\n' $expected | sort | tr '\n' ' ' | sed 's/ $//')
check_eq "final state is exactly what the operations imply" "$expected" "$listed"
wrong=0
for i in $(seq 1 2 49); do
	printf 'w%s.example:5000' "$i" | "$BIN" get | grep -q "\"changed-$i\"" || wrong=$((wrong + 1))
done
check_eq "every surviving entry holds its latest secret" 0 "$wrong"

# ---------------------------------------------------------------- kill -9 mid-write
fresh_home killed
run store "$(store_json old.example old planted-secret-old)"
before=$(sum "$DATA")
store_json new.example new planted-secret-new >"$WORK/new.json"
if command -v gdb >/dev/null 2>&1; then
	# Stop the writer exactly at the rename (temporary file written and
	# flushed) and at the flush itself, then SIGKILL it there.
	for fn in rename fsync "write if \$rdi > 2"; do
		gdb -q -batch -nx -ex "set breakpoint pending on" \
			-ex "break $fn" -ex "run store <$WORK/new.json" -ex "info registers rip" -ex "kill" \
			"$BIN" >"$WORK/gdb.log" 2>&1
		if grep -Eq "^Breakpoint 1(\.[0-9]+)?, " "$WORK/gdb.log"; then pass "writer stopped at $fn and killed"; else fail "writer stopped at $fn and killed" "$(tail -5 "$WORK/gdb.log")"; fi
		check_eq "after kill -9 at $fn the data file is the old one" "$before" "$(sum "$DATA")"
		run get old.example
		check_eq "after kill -9 at $fn the old login reads" '{"ServerURL":"old.example","Username":"old","Secret":"planted-secret-old"}' "$OUT"
		run get new.example
		check_eq "after kill -9 at $fn the new login is absent" "credentials not found in native keychain" "$OUT"
	done
else
	fail "gdb is installed (needed for the deterministic kill test)"
fi
# And at random moments, with a large secret so writes take a while.
big=$(head -c 600000 /dev/zero | tr '\0' 'x')
store_json big.example big "$big" >"$WORK/big.json"
broken=0
for i in $(seq 1 25); do
	"$BIN" store <"$WORK/big.json" >/dev/null 2>&1 &
	p=$!
	sleep "0.00$((RANDOM % 10))"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	printf old.example | "$BIN" get >/dev/null 2>&1 || broken=$((broken + 1))
done
check_eq "25 writers killed at random moments: the store always reads" 0 "$broken"
run store "$(store_json after.example a b)"
check_eq "a later store succeeds" 0 "$RC"
check_eq "and leaves no temporary files" "credentials.enc credentials.key credentials.lock" "$(ls "$STORE_DIR" | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------- damaged store
fresh_home damaged
run store "$(store_json ghcr.io me planted-secret-d)"
/usr/bin/python3 - "$DATA" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[30] ^= 1
open(p, "wb").write(bytes(b))
PY
damaged=$(sum "$DATA")
run get ghcr.io
case "$RC/$OUT" in 1/*"failed its integrity check"*) pass "tampered file: get says so ($OUT)" ;; *) fail "tampered file: get says so" "$RC/$OUT" ;; esac
run store "$(store_json quay.io me x)"
case "$RC/$OUT" in 1/*"integrity check"*) pass "tampered file: store refuses" ;; *) fail "tampered file: store refuses" "$RC/$OUT" ;; esac
check_eq "tampered file was left as it was" "$damaged" "$(sum "$DATA")"
fresh_home lostkey
run store "$(store_json ghcr.io me planted-secret-l)"
rm "$STORE_DIR/credentials.key"
before=$(sum "$DATA")
run store "$(store_json quay.io me x)"
case "$RC/$OUT" in 1/*"is missing"*) pass "lost key: store refuses and says why" ;; *) fail "lost key: store refuses and says why" "$RC/$OUT" ;; esac
check_eq "lost key: data file unchanged, no new key" "$before/no" "$(sum "$DATA")/$([ -e "$STORE_DIR/credentials.key" ] && echo yes || echo no)"
fresh_home shared
run store "$(store_json ghcr.io me planted-secret-s)"
chmod 644 "$DATA"
run get ghcr.io
case "$RC/$OUT" in 1/*"chmod 600"*) pass "world-readable data file is refused" ;; *) fail "world-readable data file is refused" "$RC/$OUT" ;; esac

# ---------------------------------------------------------------- key from the environment
fresh_home envkey
key=$(head -c 32 /dev/urandom | base64)
SSM_FILE_STORE_KEY=$key "$BIN" store <<<"$(store_json ghcr.io me planted-secret-e)" >/dev/null
check_eq "SSM_FILE_STORE_KEY: no key file written" no "$([ -e "$STORE_DIR/credentials.key" ] && echo yes || echo no)"
OUT=$(printf ghcr.io | SSM_FILE_STORE_KEY=$key "$BIN" get)
check_eq "SSM_FILE_STORE_KEY: get" '{"ServerURL":"ghcr.io","Username":"me","Secret":"planted-secret-e"}' "$OUT"
RC=0; OUT=$(printf ghcr.io | SSM_FILE_STORE_KEY=$(head -c 32 /dev/urandom | base64) "$BIN" get) || RC=$?
case "$RC/$OUT" in 1/*"integrity check"*) pass "another SSM_FILE_STORE_KEY cannot read it" ;; *) fail "another SSM_FILE_STORE_KEY cannot read it" "$RC/$OUT" ;; esac
RC=0; OUT=$(printf ghcr.io | SSM_FILE_STORE_KEY=short "$BIN" get) || RC=$?
check_eq "a malformed SSM_FILE_STORE_KEY is one clear line" "1/the file store key in SSM_FILE_STORE_KEY is not the base64 of 32 bytes" "$RC/$OUT"

# ---------------------------------------------------------------- rollback and key rotation
fresh_home rollback
run store "$(store_json ghcr.io me planted-secret-rb)"
cp -p "$DATA" "$WORK/old.enc"
run store "$(store_json quay.io q planted-secret-q)"
run erase ghcr.io
cp -p "$DATA" "$WORK/current.enc"
cp -p "$WORK/old.enc" "$DATA"
run get ghcr.io
case "$RC/$OUT" in "1/refusing $DATA: credentials.enc is older than its key (restored from a backup?)"*) pass "a restored old copy of credentials.enc is refused: the erased login does not come back" ;; *) fail "a restored old copy of credentials.enc is refused" "$RC/$OUT" ;; esac
check_eq "... in one line" 1 "$(lines "$OUT")"
run store "$(store_json lscr.io l x)"
check_eq "... writes are refused too, the file left as it is" "1/$(sum "$WORK/old.enc")" "$RC/$(sum "$DATA")"
cp -p "$WORK/current.enc" "$DATA"
key_before=$(sum "$STORE_DIR/credentials.key")
RC=0; OUT=$("$BIN" store-key rotate 2>&1) || RC=$?
case "$RC/$OUT" in "0/the file store key was replaced and the data re-encrypted: $STORE_DIR/credentials.key (generation "*")") pass "store-key rotate ($OUT)" ;; *) fail "store-key rotate" "$RC/$OUT" ;; esac
check_eq "... a new key file, 0600" "yes/600" "$([ "$key_before" != "$(sum "$STORE_DIR/credentials.key")" ] && echo yes || echo no)/$(stat -c %a "$STORE_DIR/credentials.key")"
run get quay.io
check_eq "... the data still reads" '0/{"ServerURL":"quay.io","Username":"q","Secret":"planted-secret-q"}' "$RC/$OUT"
cp -p "$WORK/current.enc" "$DATA"
run get quay.io
case "$RC/$OUT" in "1/refusing $DATA: credentials.enc is older than its key"*) pass "... the copy taken before the rotation no longer opens" ;; *) fail "... the copy taken before the rotation no longer opens" "$RC/$OUT" ;; esac
RC=0; OUT=$(SSM_FILE_STORE_KEY=$(head -c 32 /dev/urandom | base64) "$BIN" store-key rotate 2>&1) || RC=$?
case "$RC/$OUT" in "1/docker-credential-ssm: the file store key comes from SSM_FILE_STORE_KEY"*) pass "store-key rotate with SSM_FILE_STORE_KEY says why not" ;; *) fail "store-key rotate with SSM_FILE_STORE_KEY says why not" "$RC/$OUT" ;; esac
RC=0; OUT=$("$BIN" store-key spin 2>&1) || RC=$?
check_eq "store-key with a wrong argument: usage, exit 2" "2/Usage: docker-credential-ssm store-key rotate" "$RC/$OUT"

# ---------------------------------------------------------------- store selection
fresh_home selection
RC=0; OUT=$(printf ghcr.io | SSM_STORE=secretservice "$BIN" get 2>&1) || RC=$?
case "$RC/$OUT" in 1/"Secret Service: no D-Bus session bus"*) pass "SSM_STORE=secretservice without D-Bus says why" ;; *) fail "SSM_STORE=secretservice without D-Bus says why" "$RC/$OUT" ;; esac
check_eq "... in one line" 1 "$(lines "$OUT")"
RC=0; OUT=$(printf ghcr.io | SSM_STORE=vault "$BIN" get 2>&1) || RC=$?
check_eq "unknown SSM_STORE is refused" '1/SSM_STORE must be auto, secretservice or file, not "vault"' "$RC/$OUT"
mkdir -p "$HOME/.config/docker-credential-ssm"
printf '{"store": ' >"$HOME/.config/docker-credential-ssm/config.json"
RC=0; OUT=$(printf ghcr.io | "$BIN" get 2>&1) || RC=$?
case "$RC/$OUT" in "1/the config file $HOME/.config/docker-credential-ssm/config.json is not valid JSON"*) pass "broken config file is named" ;; *) fail "broken config file is named" "$RC/$OUT" ;; esac
{ printf '{"store":"file","x":'; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}'; } >"$HOME/.config/docker-credential-ssm/config.json"
RC=0; OUT=$(printf ghcr.io | timeout 20 "$BIN" get 2>&1) || RC=$?
check_eq "config file nested too deeply: one line, exit 1" "1/1/the config file $HOME/.config/docker-credential-ssm/config.json is nested deeper than 64 levels" "$RC/$(lines "$OUT")/$OUT"
printf '{"store": "file"}' >"$HOME/.config/docker-credential-ssm/config.json"
run store "$(store_json ghcr.io me x)"
check_eq "config store=file is used" "0/yes" "$RC/$([ -e "$DATA" ] && echo yes || echo no)"
# The config decides where secrets go (url, endpoint, authorityurl): one
# another user could change is refused, with the fix.
CONF="$HOME/.config/docker-credential-ssm/config.json"
chmod 666 "$CONF"
RC=0; OUT=$(printf ghcr.io | "$BIN" get 2>&1) || RC=$?
check_eq "a world-writable config file is refused in one line" "1/refusing to use $CONF: its mode 0666 lets other users change it (run: chmod go-w $CONF)" "$RC/$OUT"
chmod 644 "$CONF"
chmod 777 "$(dirname "$CONF")"
RC=0; OUT=$(printf ghcr.io | "$BIN" get 2>&1) || RC=$?
check_eq "a config folder others can write to is refused" "1/refusing to use $(dirname "$CONF"): its mode 0777 lets other users change what is in it (run: chmod go-w $(dirname "$CONF"))" "$RC/$OUT"
chmod 700 "$(dirname "$CONF")"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$CONF"
	RC=0; OUT=$(printf ghcr.io | "$BIN" get 2>&1) || RC=$?
	case "$RC/$OUT" in "1/refusing to use $CONF: it belongs to another user (uid 65534)"*) pass "a config file owned by another user is refused" ;; *) fail "a config file owned by another user is refused" "$RC/$OUT" ;; esac
	check_eq "... in one line" 1 "$(lines "$OUT")"
	RC=0; OUT=$("$BIN" registry list 2>&1) || RC=$?
	case "$RC/$OUT" in "1/docker-credential-ssm: refusing to use $CONF"*) pass "registry list refuses it too" ;; *) fail "registry list refuses it too" "$RC/$OUT" ;; esac
	chown 0 "$CONF"
else
	skip "a config file owned by another user is refused" "needs root (chown)"
fi
run get ghcr.io
check_eq "a config file of this user, 0644, is used" '0/{"ServerURL":"ghcr.io","Username":"me","Secret":"x"}' "$RC/$OUT"

# ---------------------------------------------------------------- FIFOs are refused, not waited on
fresh_home fifo
run store "$(store_json fifo.example u planted-secret-fifo)"
mv "$DATA" "$WORK/credentials.enc.saved"
mkfifo "$DATA"
RC=0; OUT=$(printf fifo.example | SSM_STORE=file timeout 10 "$BIN" get 2>/dev/null) || RC=$?
check_eq "a FIFO as credentials.enc: get answers one line at once" "1/1/refusing to use $DATA: it is not a regular file" "$RC/$(lines "$OUT")/$OUT"
rm -f "$DATA"
mv "$WORK/credentials.enc.saved" "$DATA"
mkfifo "$WORK/pw.fifo"
RC=0; OUT=$(printf lab.example | SSM_REGISTRY_CUSTOM_LAB_URL=https://lab.example SSM_REGISTRY_CUSTOM_LAB_LOGIN=u \
	SSM_REGISTRY_CUSTOM_LAB_PASSWORD__FILE="$WORK/pw.fifo" SSM_STORE=file timeout 10 "$BIN" get 2>/dev/null) || RC=$?
check_eq "a FIFO as a __FILE secret: get answers one line at once" \
	"1/1/SSM_REGISTRY_CUSTOM_LAB_PASSWORD__FILE: refusing to use $WORK/pw.fifo: it is not a regular file (after following links)" \
	"$RC/$(lines "$OUT")/$OUT"
# Kubernetes mounts secrets as links: token -> ..data/token, ..data -> ..2026_x
mkdir -p "$WORK/k8s/..2026_x"
printf 'planted-secret-k8s\n' >"$WORK/k8s/..2026_x/password"
ln -s ..2026_x "$WORK/k8s/..data"
ln -s ..data/password "$WORK/k8s/password"
RC=0; OUT=$(printf lab.example | SSM_REGISTRY_CUSTOM_LAB_URL=https://lab.example SSM_REGISTRY_CUSTOM_LAB_LOGIN=u \
	SSM_REGISTRY_CUSTOM_LAB_PASSWORD__FILE="$WORK/k8s/password" SSM_STORE=file timeout 10 "$BIN" get 2>/dev/null) || RC=$?
check_eq "a __FILE secret mounted the Kubernetes way is read through its links" \
	'0/{"ServerURL":"lab.example","Username":"u","Secret":"planted-secret-k8s"}' "$RC/$OUT"
printf 'https://planted-secret-host\n' >"$WORK/host-secret"  # a secret file named by mistake
RC=0; OUT=$(SSM_REGISTRY_CUSTOM_LAB_URL__FILE="$WORK/host-secret" SSM_REGISTRY_CUSTOM_LAB_LOGIN=u SSM_REGISTRY_CUSTOM_LAB_PASSWORD=p SSM_STORE=file timeout 10 "$BIN" list 2>/dev/null) || RC=$?
case $OUT in *planted-secret*) fail "list never shows a __FILE's content" "$OUT" ;; *) pass "list never shows a __FILE's content ($RC/$OUT)" ;; esac

# A session bus on which no Secret Service is running nor activatable.
cat >"$WORK/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$WORK</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
XML
fresh_home emptybus
RC=0
OUT=$(store_json ghcr.io me planted-secret-b | dbus-run-session --config-file="$WORK/bus.conf" -- "$BIN" store 2>"$WORK/bus.err") || RC=$?
check_eq "auto with a bus but no Secret Service: falls back to the file store" "0//yes" "$RC/$OUT/$([ -e "$DATA" ] && echo yes || echo no)"
RC=0
OUT=$(printf ghcr.io | dbus-run-session --config-file="$WORK/bus.conf" -- "$BIN" erase 2>"$WORK/bus.err") || RC=$?
case "$RC/$OUT" in "1/erased from the file store, but the Secret Service, which may also hold this login, cannot be reached ("*"or set SSM_STORE=file to erase from the file store only") pass "auto erase with a bus but no Secret Service: erased from the file store, says the service may hold it too" ;; *) fail "auto erase with a bus but no Secret Service says the service may hold it" "$RC/$OUT" ;; esac
check_eq "... in one line" 1 "$(lines "$OUT")"
RC=0
OUT=$(printf ghcr.io | SSM_STORE=file dbus-run-session --config-file="$WORK/bus.conf" -- "$BIN" get 2>"$WORK/bus.err") || RC=$?
check_eq "... and the file store no longer holds it" "1/credentials not found in native keychain" "$RC/$OUT"
RC=0
OUT=$(printf ghcr.io | SSM_STORE=secretservice dbus-run-session --config-file="$WORK/bus.conf" -- "$BIN" get 2>"$WORK/bus.err") || RC=$?
case "$RC/$OUT" in 1/"Secret Service: "*) pass "SSM_STORE=secretservice with no service: one clear line ($OUT)" ;; *) fail "SSM_STORE=secretservice with no service: one clear line" "$RC/$OUT" ;; esac

# ---------------------------------------------------------------- the cache of store answers
# In a private runtime folder: a user name with a newline comes back whole from the cache;
# store/erase through the helper are seen by the next get; an unsafe XDG_RUNTIME_DIR is not
# used; `cache clear` empties it.
fresh_home cached
export XDG_RUNTIME_DIR="$WORK/run" SSM_STORE=file
mkdir -m 700 "$XDG_RUNTIME_DIR"
CACHE_DIR="$XDG_RUNTIME_DIR/docker-credential-ssm/cache"
run store '{"ServerURL":"nl.example","Username":"line1\nline2","Secret":"nl-secret"}'
run get nl.example
run get nl.example
check_eq "a cached answer keeps a newline in the user name" "0/line1
line2/nl-secret" "$RC/$(printf '%s' "$OUT" | jq -r .Username)/$(printf '%s' "$OUT" | jq -r .Secret)"
check_eq "... and it came from a cache entry (0600 in a 0700 folder)" "700 600" \
	"$(stat -c %a "$CACHE_DIR") $(stat -c %a "$CACHE_DIR"/* | sort -u)"
run store "$(store_json nl.example other nl-secret-2)"
run get nl.example
check_eq "after store, get answers the new login" "0/other/nl-secret-2" \
	"$RC/$(printf '%s' "$OUT" | jq -r .Username)/$(printf '%s' "$OUT" | jq -r .Secret)"
run erase nl.example
run get nl.example
check_eq "after erase, get answers not found" "1/credentials not found in native keychain" "$RC/$OUT"
RC=0; OUT=$("$BIN" cache clear) || RC=$?
case "$RC/$OUT" in "0/removed "[1-9]*" cached entr"*) pass "cache clear removes the entries ($OUT)" ;; *) fail "cache clear removes the entries" "$RC/$OUT" ;; esac
check_eq "... the cache folder is empty" "" "$(ls -A "$CACHE_DIR")"
chmod 1777 "$XDG_RUNTIME_DIR"
run get nl.example
check_eq "a world-writable XDG_RUNTIME_DIR holds no cache" "" "$(ls -A "$CACHE_DIR")"
RC=0; OUT=$(SSM_CACHE=maybe "$BIN" get <<<nl.example 2>&1) || RC=$?
check_eq "a bad SSM_CACHE is one clear line" "1/SSM_CACHE must be off or on" "$RC/$OUT"
unset XDG_RUNTIME_DIR SSM_STORE
# ---------------------------------------------------------------- auto mode sees both stores
# A login saved where no session bus was (the file store) is found, listed and
# erased by commands that run with a real Secret Service; an erase that cannot
# reach a store that may hold the login fails in one line.
fresh_home layered
run store "$(store_json ghcr.io me planted-secret-layered)"
check_eq "auto with no bus: the login goes to the file store" "0/yes" "$RC/$([ -e "$DATA" ] && echo yes || echo no)"
cat >"$WORK/layered.sh" <<'SH'
BIN=$1 OUTDIR=$2
# $1: name; the rest: command. Records stdout, exit status and stderr.
rec() { local name=$1; shift; RC=0; "$@" >"$OUTDIR/$name.out" 2>"$OUTDIR/$name.err" || RC=$?; echo "$RC" >"$OUTDIR/$name.rc"; }
rec doctor "$BIN" doctor
rec get1 sh -c 'printf ghcr.io | "$0" get' "$BIN"
rec list1 sh -c '"$0" list </dev/null' "$BIN"
rec store2 sh -c 'printf "{\"ServerURL\":\"quay.io\",\"Username\":\"q\",\"Secret\":\"planted-secret-q\"}" | "$0" store' "$BIN"
rec erase1 sh -c 'printf ghcr.io | "$0" erase' "$BIN"
rec get2 sh -c 'printf ghcr.io | "$0" get' "$BIN"
rec filestore sh -c 'printf ghcr.io | SSM_STORE=file "$0" get' "$BIN"
rec quayfile sh -c 'printf quay.io | SSM_STORE=file "$0" get' "$BIN"
SH
bash "$here/../support/with-keyring.sh" bash "$WORK/layered.sh" "$BIN" "$WORK" >"$WORK/layered.log" 2>&1
r() { printf '%s/%s' "$(cat "$WORK/$1.rc" 2>/dev/null)" "$(cat "$WORK/$1.out" 2>/dev/null)"; }
case $(r doctor) in *"[note]    1 login is in the file store, which auto mode no longer writes to: ghcr.io"*) pass "doctor names the login left in the file store" ;; *) fail "doctor names the login left in the file store" "$(r doctor) $(cat "$WORK/layered.log")" ;; esac
check_eq "with a Secret Service running, get still finds the file store's login" '0/{"ServerURL":"ghcr.io","Username":"me","Secret":"planted-secret-layered"}' "$(r get1)"
check_eq "... list shows it" '0/{"ghcr.io":"me"}' "$(r list1)"
check_eq "a new login goes to the Secret Service, not the file store" "0//1/credentials not found in native keychain" "$(r store2)/$(r quayfile)"
check_eq "erase (docker logout) succeeds" "0/" "$(r erase1)"
check_eq "... and get no longer answers" "1/credentials not found in native keychain" "$(r get2)"
check_eq "... because the file store no longer holds it" "1/credentials not found in native keychain" "$(r filestore)"

run store "$(store_json lscr.io me planted-secret-damaged)"
/usr/bin/python3 - "$DATA" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[30] ^= 1
open(p, "wb").write(bytes(b))
PY
cat >"$WORK/layered2.sh" <<'SH'
BIN=$1 OUTDIR=$2
RC=0; printf lscr.io | "$BIN" erase >"$OUTDIR/erase3.out" 2>&1 || RC=$?; echo "$RC" >"$OUTDIR/erase3.rc"
SH
bash "$here/../support/with-keyring.sh" bash "$WORK/layered2.sh" "$BIN" "$WORK" >"$WORK/layered.log" 2>&1
case $(r erase3) in "1/cannot erase from the file store, which may also hold this login: the file store $DATA failed its integrity check"*) pass "erase with an unreadable file store fails" ;; *) fail "erase with an unreadable file store fails" "$(r erase3) $(cat "$WORK/layered.log")" ;; esac
check_eq "... in one line" 1 "$(wc -l <"$WORK/erase3.out")"

tap_summary
