#!/usr/bin/env bash
# The folders depend one way (README "Source layout"): each folder's quoted
# includes may name only the folders listed for it. Run from anywhere:
#   bash tests/layering_test.sh [SOURCE_DIR]
# Prints one TAP line per rule and exits non-zero when an include breaks one.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

n=0
failed=0
# rule FOLDER DEPTH ALLOWED_REGEX DESCRIPTION: every `#include "x/..."` in the
# sources of FOLDER (DEPTH: "top" for its own files only, "all" with its
# subfolders) must match ALLOWED_REGEX (an extended regex on the included path).
rule() {
	local folder=$1 depth=$2 allowed=$3 what=$4 bad
	local -a files
	if [[ $depth == top ]]; then
		mapfile -t files < <(find "$folder" -maxdepth 1 -type f \( -name '*.cc' -o -name '*.h' \) | sort)
	else
		mapfile -t files < <(find "$folder" -type f \( -name '*.cc' -o -name '*.h' \) | sort)
	fi
	n=$((n + 1))
	if [[ ${#files[@]} -eq 0 ]]; then
		echo "not ok $n - $what (no sources under $folder)"
		failed=$((failed + 1))
		return
	fi
	bad=$(grep -noE '^#include "[^"]+"' "${files[@]}" |
		sed -E 's/^([^:]+):([0-9]+):#include "([^"]+)"$/\1:\2 \3/' |
		awk -v re="^(${allowed})$" '{ if ($2 !~ re) print }' || true)
	if [[ -z $bad ]]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/#   /' <<<"$bad"
		failed=$((failed + 1))
	fi
}

vocabulary='providers/tokens/mint\.h|providers/tokens/mint_codec\.h|providers/aws/aws_credentials\.h|providers/aws/aws_chain_plan\.h|providers/aws/aws_plan_codec\.h|providers/ci/web_identity\.h'
rule common all 'common/.*' "common/ includes only common/"
rule store top 'common/.*|store/[a-z_]+\.h' "store/ includes only its own interface files and common/, no backend"
rule providers all 'common/.*|store/secret_store\.h|providers/.*|net/net_module\.h' \
	"providers/ sees of store/ only the store interface and of net/ only its contract"
rule helper all 'common/.*|store/[a-z_]+\.h|providers/.*|helper/.*|net/net_module\.h' \
	"helper/ sees no store backend and of net/ only its contract"
rule net all "common/.*|net/.*|store/secret_store\.h|${vocabulary}" \
	"net/ (ssm-net.so) sees common/, itself and the request vocabulary only"
rule store/file all 'common/.*|store/secret_store\.h|store/store_module\.h|store/file/.*' \
	"store/file/ (ssm-store-file.so) sees its contract and common/ only"
rule store/secretservice all 'common/.*|store/secret_store\.h|store/store_module\.h|store/secretservice/.*' \
	"store/secretservice/ (ssm-store-secretservice.so) sees its contract and common/ only"

echo "1..$n"
[[ $failed -eq 0 ]]
