#!/usr/bin/env bash
# setup_test.sh /path/to/docker-credential-ssm
# configure/unconfigure on client files with unrelated content (nothing else
# changes; a corrupt or unwritable file is reported and left as it was), and
# doctor on a healthy setup, without a Secret Service, with a broken config
# and with a token endpoint that is down.
set -uo pipefail
BIN=$(readlink -f "${1:?usage: setup_test.sh /path/to/docker-credential-ssm}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR DOCKER_CONFIG REGISTRY_AUTH_FILE SSM_STORE SSM_LOG
for v in $(env | sed -n 's/^\(SSM_REGISTRY_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$WORK/home" PATH="$(dirname "$BIN"):$PATH" SSM_CACHE=off
mkdir -p "$HOME/.docker" "$HOME/.config/containers"

# Odd spacing, unrelated keys, other helpers, plaintext auths.
cat >"$HOME/.docker/config.json" <<'JSON'
{"auths" :{ "old.example":{"auth":"dTpw"} },
   "proxies": {"default": {"httpProxy": "http://proxy:3128", "noProxy": "*.local"}},
 "credHelpers": {"gcr.io": "gcloud"},   "detachKeys": "ctrl-e,e", "psFormat": "table {{.ID}}"}
JSON
cp "$HOME/.docker/config.json" "$WORK/docker.orig"
strip() { jq -S 'del(.credsStore) | if .credHelpers then .credHelpers |= with_entries(select(.value != "ssm")) else . end' "$1"; }

out=$("$BIN" configure docker --dry-run)
check_eq "--dry-run changes nothing" "$(cat "$WORK/docker.orig")" "$(cat "$HOME/.docker/config.json")"
case $out in *'"credsStore": "ssm"'*) pass "--dry-run shows the change" ;; *) fail "--dry-run shows the change" "$out" ;; esac
out=$("$BIN" configure docker)
case $out in *"(previous file kept as $HOME/.docker/config.json.bak, without its 1 plaintext credential(s)); it still holds plaintext credentials"*) pass "configure docker says what the backup leaves out and what is still plaintext" ;; *) fail "configure docker says what the backup leaves out" "$out" ;; esac
check_eq "credsStore is ssm" ssm "$(jq -r .credsStore "$HOME/.docker/config.json")"
check_eq "every other key keeps its value" "$(jq -S . "$WORK/docker.orig")" "$(strip "$HOME/.docker/config.json")"
check_eq "the previous file is kept as .bak, without its plaintext credentials" \
	"$(jq -S 'del(.auths[].auth)' "$WORK/docker.orig")" "$(jq -S . "$HOME/.docker/config.json.bak")"
if grep -q dTpw "$HOME/.docker/config.json.bak"; then fail "no plaintext credential in the .bak"; else pass "no plaintext credential in the .bak"; fi
check_eq "the file is 0600" 600 "$(stat -c %a "$HOME/.docker/config.json")"
out=$("$BIN" configure docker)
case $out in *"unchanged"*) pass "configuring twice changes nothing" ;; *) fail "configuring twice changes nothing" "$out" ;; esac
check "unconfigure docker" "$BIN" unconfigure docker
check_eq "unconfigure restores the meaning of the original" "$(jq -S . "$WORK/docker.orig")" "$(jq -S . "$HOME/.docker/config.json")"

printf '%s' pw | "$BIN" registry add custom lab --url https://registry.lab:5000 --login ci --password - >/dev/null
printf '{"ServerURL":"stored.example:443","Username":"u","Secret":"s"}' | "$BIN" store
echo '{ "auths": {"x.example": {"auth": "eDp5"}}, "credHelpers": {"quay.io": "secretservice"} }' >"$HOME/.config/containers/auth.json"
cp "$HOME/.config/containers/auth.json" "$WORK/podman.orig"
check "configure podman" "$BIN" configure podman
helpers=$(jq -c '.credHelpers' "$HOME/.config/containers/auth.json")
check_eq "podman: docker.io, the configured and the stored hosts; others kept" \
	'{"quay.io":"secretservice","docker.io":"ssm","registry.lab:5000":"ssm","stored.example:443":"ssm"}' "$helpers"
check_eq "podman: auths untouched" '{"x.example":{"auth":"eDp5"}}' "$(jq -c .auths "$HOME/.config/containers/auth.json")"
check "unconfigure podman" "$BIN" unconfigure podman
if grep -q eDp5 "$HOME/.config/containers/auth.json.bak"; then fail "podman: no plaintext credential in the .bak"; else pass "podman: no plaintext credential in the .bak"; fi
check_eq "podman file back to its meaning" "$(jq -S . "$WORK/podman.orig")" "$(jq -S . "$HOME/.config/containers/auth.json")"

echo '{"credsStore": "ssm",' >"$HOME/.docker/config.json"
cp "$HOME/.docker/config.json" "$WORK/corrupt"
RC=0; out=$("$BIN" configure docker 2>&1) || RC=$?
case "$RC/$out" in 1/*"is not a JSON object; it was left as it is"*) pass "a corrupt file is reported" ;; *) fail "a corrupt file is reported" "$RC/$out" ;; esac
check_eq "... and left as it was" "$(cat "$WORK/corrupt")" "$(cat "$HOME/.docker/config.json")"
echo '{"detachKeys": "ctrl-e,e"}' >"$HOME/.docker/config.json"
if unshare --mount bash -c "mount --bind '$HOME/.docker' '$HOME/.docker' && mount -o remount,bind,ro '$HOME/.docker' && '$BIN' configure docker" >"$WORK/ro.out" 2>&1; then
	fail "an unwritable folder is reported" "$(cat "$WORK/ro.out")"
else
	case $(cat "$WORK/ro.out") in *"docker-credential-ssm: cannot"*"Read-only file system"*) pass "an unwritable file is reported ($(cat "$WORK/ro.out"))" ;; *) fail "an unwritable file is reported" "$(cat "$WORK/ro.out")" ;; esac
fi
check_eq "... and left as it was" '{"detachKeys": "ctrl-e,e"}' "$(cat "$HOME/.docker/config.json")"

# ---------------------------------------------------------------- doctor
"$BIN" configure docker >/dev/null
# Plaintext credentials: in docker's file, podman's, and a .bak an older
# configure wrote; one problem line each, naming the file.
cp "$HOME/.docker/config.json" "$WORK/docker.good"
jq '.auths = {"p.example": {"username": "u", "password": "planted"}}' "$WORK/docker.good" >"$HOME/.docker/config.json"
echo '{"auths": {"old.example": {"auth": "dTpw"}}}' >"$HOME/.docker/config.json.bak"
RC=0; out=$("$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 1/*"[problem] $HOME/.docker/config.json holds 1 plaintext credential(s) under \"auths\""*"fix: docker logout and docker login again"*) pass "doctor finds a plaintext password in docker's config.json" ;; *) fail "doctor finds a plaintext password in docker's config.json" "$RC/$out" ;; esac
case $out in *"[problem] $HOME/.docker/config.json.bak holds 1 plaintext credential(s) under \"auths\" (a backup)"*"fix: delete it (rm $HOME/.docker/config.json.bak)"*) pass "doctor finds plaintext in docker's old .bak" ;; *) fail "doctor finds plaintext in docker's old .bak" "$out" ;; esac
case $out in *"[problem] $HOME/.config/containers/auth.json holds 1 plaintext credential(s)"*"fix: podman logout and podman login again"*) pass "doctor finds plaintext in podman's auth.json" ;; *) fail "doctor finds plaintext in podman's auth.json" "$out" ;; esac
case $out in *"planted"*|*"dTpw"*|*"eDp5"*) fail "doctor prints no secret" "$out" ;; *) pass "doctor prints no secret" ;; esac
cp "$WORK/docker.good" "$HOME/.docker/config.json"
rm "$HOME/.docker/config.json.bak"
jq 'del(.auths)' "$WORK/podman.orig" >"$HOME/.config/containers/auth.json"
RC=0; out=$("$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 0/*"all is well"*) pass "doctor on a healthy setup: all is well" ;; *) fail "doctor on a healthy setup" "$RC/$out" ;; esac
case $out in *"[ok]      custom/lab (registry.lab:5000): variables complete"*) pass "doctor lists the configured registry" ;; *) fail "doctor lists the configured registry" "$out" ;; esac
# Which store and from where: an empty SSM_STORE is unset, as for the choice itself.
case $out in *"secret store: the file store (auto, from default)"*) pass "doctor: the store chosen by default" ;; *) fail "doctor: the store chosen by default" "$out" ;; esac
out=$(SSM_STORE= "$BIN" doctor 2>&1)
case $out in *"secret store: the file store (auto, from default)"*) pass "doctor: an empty SSM_STORE is the default, not SSM_STORE" ;; *) fail "doctor: an empty SSM_STORE is the default" "$out" ;; esac
out=$(SSM_STORE=file "$BIN" doctor 2>&1)
case $out in *"secret store: the file store (file, from SSM_STORE)"*) pass "doctor: the store named by SSM_STORE" ;; *) fail "doctor: the store named by SSM_STORE" "$out" ;; esac
# Where the cache lives, or why there is none.
mkdir -m 700 "$WORK/run"
out=$(SSM_CACHE=on XDG_RUNTIME_DIR="$WORK/run" "$BIN" doctor 2>&1)
case $out in *"[ok]      cache: $WORK/run/docker-credential-ssm/cache (store answers and tokens"*) pass "doctor says where the cache is" ;; *) fail "doctor says where the cache is" "$out" ;; esac
mkdir -m 1777 "$WORK/shared"
out=$(SSM_CACHE=on XDG_RUNTIME_DIR="$WORK/shared" "$BIN" doctor 2>&1)
case $out in *"[ok]      cache: "*"; not in XDG_RUNTIME_DIR: XDG_RUNTIME_DIR: $WORK/shared is open to other users (mode 777)"*) pass "doctor says why a shared XDG_RUNTIME_DIR is not used" ;; *) fail "doctor says why a shared XDG_RUNTIME_DIR is not used" "$out" ;; esac
# No safe place at all: an unsafe XDG_RUNTIME_DIR, no /run/user/<uid>, and our folder in /dev/shm
# made by another user first (in a private mount namespace, with a tmpfs over /run and /dev/shm).
# shellcheck disable=SC2016
out=$(SSM_CACHE=on XDG_RUNTIME_DIR="$WORK/shared" unshare --mount sh -c '
	mount -t tmpfs tmpfs /run && mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
	mkdir -m 700 "/dev/shm/docker-credential-ssm-$(id -u)" && chown 65534 "/dev/shm/docker-credential-ssm-$(id -u)" &&
	"$1" doctor' sh "$BIN" 2>&1)
case $out in *"[note]    cache: none, no private runtime folder ("*"belongs to another user (uid 65534)): every get asks the store"*) pass "doctor says there is no cache, and why" ;; *) fail "doctor says there is no cache, and why" "$out" ;; esac
RC=0; out=$(SSM_STORE=secretservice "$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 1/*"[problem] secret store: Secret Service: no D-Bus session bus"*"fix: start a Secret Service"*) pass "doctor without a Secret Service says what to do" ;; *) fail "doctor without a Secret Service" "$RC/$out" ;; esac
cp "$HOME/.config/docker-credential-ssm/config.json" "$WORK/config.good"
echo '{"registries": ' >"$HOME/.config/docker-credential-ssm/config.json"
RC=0; out=$("$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 1/*"[problem] the config file"*"is not valid JSON"*) pass "doctor with a broken config names it" ;; *) fail "doctor with a broken config" "$RC/$out" ;; esac
cp "$WORK/config.good" "$HOME/.config/docker-credential-ssm/config.json"
RC=0; out=$(SSM_REGISTRY_ECR_ACCESSKEY=AKIDX SSM_REGISTRY_ECR_SECRETACCESSKEY=s SSM_REGISTRY_ECR_ACCOUNT=123456789012 \
	SSM_REGISTRY_ECR_ENDPOINT=https://127.0.0.1:9 SSM_HTTP_TIMEOUT=2 "$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 1/*"[problem] ecr"*"cannot get a token: ecr: cannot reach https://127.0.0.1:9/"*) pass "doctor with a token endpoint down" ;; *) fail "doctor with a token endpoint down" "$RC/$out" ;; esac
RC=0; out=$(SSM_REGISTRY_HUB_LOGIN=alice "$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 1/*"[problem] hub"*"login needs password"*) pass "doctor with an incomplete configuration" ;; *) fail "doctor with an incomplete configuration" "$RC/$out" ;; esac
"$BIN" unconfigure docker >/dev/null
RC=0; out=$("$BIN" doctor 2>&1) || RC=$?
case "$RC/$out" in 1/*"neither docker nor podman is configured"*) pass "doctor notices no client uses the helper" ;; *) fail "doctor notices no client uses the helper" "$RC/$out" ;; esac
tap_summary
