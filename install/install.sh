#!/usr/bin/env bash
# Builds docker-credential-ssm and installs the binary, its modules, the man
# pages and the bash completion under a prefix; or removes what it installed.
#
#   bash install/install.sh [--prefix DIR]        (default /usr/local as root, ~/.local otherwise)
#   bash install/install.sh --uninstall [--prefix DIR]
#
# Build dependencies (Debian): sudo bash install/deps.sh --build-only
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=""
uninstall=""
while [ $# -gt 0 ]; do
	case $1 in
	--prefix) prefix=$2; shift 2 ;;
	--prefix=*) prefix=${1#--prefix=}; shift ;;
	--uninstall) uninstall=1; shift ;;
	-h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -z "$prefix" ]; then
	if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
manifest="$prefix/share/docker-credential-ssm/install-manifest.txt"

if [ -n "$uninstall" ]; then
	if [ ! -f "$manifest" ]; then
		echo "install.sh: nothing installed under $prefix (no $manifest)" >&2
		exit 1
	fi
	while IFS= read -r file; do
		rm -f -- "$file"
	done <"$manifest"
	rm -f -- "$manifest"
	rmdir "$prefix/share/docker-credential-ssm" "$prefix/lib/docker-credential-ssm" 2>/dev/null || true
	echo "docker-credential-ssm removed from $prefix"
	exit 0
fi

build="$root/build-install"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSSM_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$prefix" \
	-DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
cmake --install "$build" --strip >/dev/null
mkdir -p "$prefix/share/docker-credential-ssm"
{
	cat "$build/install_manifest.txt"
	echo
	echo "$manifest"
} | sed '/^$/d' >"$manifest.new"
mv "$manifest.new" "$manifest"
echo "docker-credential-ssm installed under $prefix:"
sed 's/^/  /' "$manifest"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "note: add $prefix/bin to PATH so docker and podman find the helper" ;; esac
