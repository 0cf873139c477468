#!/usr/bin/env bash
# package_test.sh SOURCE_DIR
# The Debian package from CPack installs with dpkg, the helper runs from PATH
# with its modules, its man pages render, and dpkg -r removes every file.
# Also install/install.sh to a prefix and --uninstall. Needs root.
set -uo pipefail
SRC=$(cd "${1:?usage: package_test.sh SOURCE_DIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"
WORK=$(mktemp -d)
cleanup() {
	dpkg -r docker-credential-ssm >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
if dpkg -s docker-credential-ssm >/dev/null 2>&1; then
	echo "# docker-credential-ssm is installed as a package already; removing it for the test" >&2
	dpkg -r docker-credential-ssm >/dev/null
fi

cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DSSM_BUILD_TESTS=OFF >/dev/null &&
	cmake --build "$WORK/build" -j "$(nproc)" >/dev/null &&
	(cd "$WORK/build" && cpack -G DEB >"$WORK/cpack.log" 2>&1)
deb=$(ls "$WORK"/build/docker-credential-ssm_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then pass "cpack -G DEB builds $(basename "$deb")"; else fail "cpack -G DEB builds a package" "$(tail -5 "$WORK/cpack.log")"; tap_summary; exit 1; fi
depends=$(dpkg-deb -f "$deb" Depends)
case $depends in *libsecret*|*libc6*) pass "the package declares its library dependencies ($depends)" ;; *) fail "the package declares its library dependencies" "$depends" ;; esac
check "dpkg -i installs it" dpkg -i "$deb"
check_eq "the helper is on PATH" /usr/bin/docker-credential-ssm "$(command -v docker-credential-ssm)"
out=$(docker-credential-ssm version)
case $out in "docker-credential-ssm "*) pass "docker-credential-ssm version runs from PATH ($out)" ;; *) fail "version runs from PATH" "$out" ;; esac
export HOME="$WORK/home"
mkdir -p "$HOME"
unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_CONFIG_HOME
printf '{"ServerURL":"pkg.example","Username":"u","Secret":"pkg-secret"}' | SSM_CACHE=off docker-credential-ssm store
got=$(printf pkg.example | SSM_CACHE=off docker-credential-ssm get)
check_eq "the installed helper finds its store module (store and get)" '{"ServerURL":"pkg.example","Username":"u","Secret":"pkg-secret"}' "$got"
out=$(docker-credential-ssm registry test custom nope 2>&1)
case $out in *"custom/nope is not configured"*) pass "registry commands run" ;; *) fail "registry commands run" "$out" ;; esac
page=$(MANPAGER=cat man -P cat docker-credential-ssm 2>/dev/null | head -20)
case $page in *"credential helper for docker"*) pass "man docker-credential-ssm renders" ;; *) fail "man docker-credential-ssm renders" "$page" ;; esac
page5=$(man -P cat 5 docker-credential-ssm.conf 2>/dev/null | head -5)
case $page5 in *"configuration of docker-credential-ssm"*) pass "man 5 docker-credential-ssm.conf renders" ;; *) fail "man 5 docker-credential-ssm.conf renders" "$page5" ;; esac
check "bash completion is installed" test -f /usr/share/bash-completion/completions/docker-credential-ssm
files=$(dpkg -L docker-credential-ssm | while read -r f; do [ -f "$f" ] && echo "$f"; done)
check "dpkg -r removes it" dpkg -r docker-credential-ssm
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done)
check_eq "no installed file is left behind" "" "$left"
check_eq "the helper is gone from PATH" "" "$(command -v docker-credential-ssm)"

# install/install.sh to a prefix, and back.
prefix="$WORK/prefix"
if bash "$SRC/install/install.sh" --prefix "$prefix" >"$WORK/install.log" 2>&1; then pass "install/install.sh --prefix"; else fail "install/install.sh --prefix" "$(tail -5 "$WORK/install.log")"; fi
got=$(printf pkg.example | SSM_CACHE=off "$prefix/bin/docker-credential-ssm" get)
check_eq "the prefix install runs and finds its modules" '{"ServerURL":"pkg.example","Username":"u","Secret":"pkg-secret"}' "$got"
check "its man page is installed" test -f "$prefix/share/man/man1/docker-credential-ssm.1"
bash "$SRC/install/install.sh" --uninstall --prefix "$prefix" >/dev/null 2>&1
left=$(find "$prefix" -type f 2>/dev/null)
check_eq "install.sh --uninstall removes every file" "" "$left"
rm -rf "$SRC/build-install"
tap_summary
