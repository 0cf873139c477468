#!/usr/bin/env bash
# Builds and runs every test: the release build (warnings are errors), then the
# ASan+UBSan build of the same tests, then the man page lint.
# Usage: bash tests/run-all.sh        (after: sudo bash install/deps.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=$(nproc)

echo "=== release build and tests"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default

echo "=== ASan + UBSan build and tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan

echo "=== man page lint"
for page in man/*.[1-9]; do
	mandoc -Tlint -W warning "$page"
done
echo "all test stages passed"
