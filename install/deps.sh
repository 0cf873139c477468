#!/usr/bin/env bash
# Installs what building and testing docker-credential-ssm needs on Debian 12.
# Usage: sudo bash install/deps.sh [--build-only]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
packages=$(sed -e 's/#.*//' "$here/debian-packages.txt" | tr -s ' \n' ' ')
if [ "${1:-}" = "--build-only" ]; then
	packages=$(sed -n '/^# Build/,/^# Tests/p' "$here/debian-packages.txt" | sed -e 's/#.*//' | tr -s ' \n' ' ')
fi
if [ "$(id -u)" != 0 ]; then
	echo "install/deps.sh: run as root (sudo) to install: $packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # a list of package names
apt-get install -y -q --no-install-recommends $packages
