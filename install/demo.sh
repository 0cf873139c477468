#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install the dependencies, build
# docker-credential-ssm, start a real registry that requires a password (the
# Distribution registry with htpasswd, on 127.0.0.1), configure it once with
# `registry add`, and let skopeo pull through the helper with no login; then
# show the helper's `get`.
# Where no Secret Service runs, the built-in encrypted file store is used.
# Usage: sudo bash install/demo.sh        (everything it starts, it stops)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ -z "${E2E_SANDBOX_STATE:-}" ]; then
	if ! command -v docker-registry >/dev/null || ! command -v skopeo >/dev/null || ! command -v cmake >/dev/null; then
		bash install/deps.sh
	fi
	echo "== build"
	cmake --preset default >/dev/null
	cmake --build --preset default -j "$(nproc)" >/dev/null
fi
bin="$root/build/docker-credential-ssm"

# shellcheck source=tests/support/sandbox.sh
source tests/support/sandbox.sh
# A private mount namespace keeps skopeo's caches off the machine.
SANDBOX_NO_BUS=1 sandbox_enter "$root/install/demo.sh" "$@"
# shellcheck source=tests/support/registry.sh
source tests/support/registry.sh

work=$(mktemp -d)
trap 'registry_stop; rm -rf "$work"' EXIT
# A throwaway home: the demo leaves your own logins alone.
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
unset XDG_DATA_HOME XDG_CONFIG_HOME DOCKER_CONFIG REGISTRY_AUTH_FILE

echo "== a registry that requires a password"
registry_start "$work" demo-user 'demo-Secret-1' >/dev/null
registry_push_test_image "$work" demo/hello:latest >/dev/null
echo "registry at $REGISTRY_HOST (user demo-user)"

echo "== clients name the helper (containers' auth.json credHelpers)"
mkdir -p "$XDG_RUNTIME_DIR/containers"
printf '{"credHelpers": {"%s": "ssm"}}\n' "$REGISTRY_HOST" >"$XDG_RUNTIME_DIR/containers/auth.json"
cat "$XDG_RUNTIME_DIR/containers/auth.json"
export PATH="$root/build:$PATH"

echo "== configure the registry once (the password from stdin, kept encrypted)"
printf '%s' 'demo-Secret-1' |
	"$bin" registry add custom demo --url "http://$REGISTRY_HOST" --login demo-user --password -
"$bin" registry test custom demo
"$bin" registry list
ls -l "$HOME/.local/share/docker-credential-ssm/" 2>/dev/null || true

echo "== skopeo inspect through the helper, with no login ever done"
skopeo inspect --tls-verify=false "docker://$REGISTRY_HOST/demo/hello:latest" | head -5

echo "== what the helper answers (get)"
printf '%s' "$REGISTRY_HOST" | SSM_LOG=debug "$bin" get
echo "demo done: a real get through a configured registry worked"
