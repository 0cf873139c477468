#!/usr/bin/env bash
# Builds and runs every test: the release build (warnings are errors), the
# benchmark in quick mode, the ASan+UBSan build of the same tests, a
# ThreadSanitizer build over the threads of get, the fuzz targets for a minute
# each, and the man page lint.
# Usage: bash tests/run-all.sh        (after: sudo bash install/deps.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=$(nproc)
# No stage may probe the real instance-metadata address (see tests/CMakeLists.txt).
export AWS_EC2_METADATA_DISABLED=true NO_GCE_CHECK=true SSM_AZURE_IMDS=off
# AWS_CA_BUNDLE from the machine's environment would replace the stand-ins' CAs.
unset AWS_CA_BUNDLE

echo "=== release build and tests"
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default

echo "=== benchmark, quick mode (proves it runs; bench/results.md holds a full run)"
bash bench/run.sh --quick

echo "=== ASan + UBSan build and tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan

echo "=== ThreadSanitizer build: the threads of get"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs"
bash tests/e2e/threads_test.sh build-tsan/docker-credential-ssm

echo "=== libFuzzer targets, 60 s each (Clang)"
bash tests/fuzz/run.sh 60

echo "=== man page lint"
for page in man/*.[1-9]; do
	mandoc -Tlint -W warning "$page"
done
echo "all test stages passed"
