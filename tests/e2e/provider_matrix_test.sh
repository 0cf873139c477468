#!/usr/bin/env bash
# provider_matrix_test.sh /path/to/docker-credential-ssm
# Every provider, configured three ways (environment variables; registry add;
# the config file edited by hand over secrets kept in the store), answers
# `get` with the Username and Secret it should; and no secret it was given
# appears in its debug output (SSM_LOG=debug), `registry list`, the config
# file, or any file in plaintext. Token providers mint from the TLS stand-ins.
set -uo pipefail
BIN=$(readlink -f "${1:?usage: provider_matrix_test.sh /path/to/docker-credential-ssm}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/support/tap.sh
source "$here/../support/tap.sh"
# shellcheck source=tests/support/cloud_standin.sh
source "$here/../support/cloud_standin.sh"
WORK=$(mktemp -d)
trap 'standin_stop; rm -rf "$WORK"' EXIT
unset DBUS_SESSION_BUS_ADDRESS XDG_DATA_HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR SSM_LOG AWS_PROFILE
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SHARED_CREDENTIALS_FILE
for v in $(env | sed -n 's/^\(SSM_REGISTRY_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export SSM_STORE=file SSM_TOKEN_CACHE=off
standin_start "$WORK" >/dev/null || { echo "cannot start the stand-in"; exit 1; }
sa=$(standin_make_sa "$WORK" matrix@proj.iam.gserviceaccount.com)
gcp_token=$(jq -r '.gcp["matrix@proj.iam.gserviceaccount.com"].access_token' "$STANDIN_DIR/config.json")
standin_config_merge "$(jq -n --arg aud "$STANDIN_URL/token" '{gcp_aud: $aud,
  aws: {AKIDMATRIX: {secret: "sk-matrix-SECRET"}},
  ecr: {token_password: "ecr-token-SECRET", expires_in: 43200, account: "123456789012"},
  azure: {"tenant-m": {client_id: "cid-m", client_secret: "cs-tenant-SECRET", access_token: "aad-SECRET", expires_in: 3599}},
  acr: {refresh_token: "acr-refresh-SECRET"}}')"
ca=$(cat "$STANDIN_CA")

# Each case: name | provider | server | non-secret vars | secret vars | user | secret
# (vars as name=value separated by ';'; every secret value contains SECRET)
cases=(
	"hub-login|hub|docker.io|login=alice-hub|password=pw-hub-SECRET|alice-hub|pw-hub-SECRET"
	"hub-auth|hub|https://index.docker.io/v1/||auth=$(printf 'bob:pa:ss-SECRET' | base64)|bob|pa:ss-SECRET"
	"ghcr|ghcr|ghcr.io|username=octo|token=ghp-SECRET|octo|ghp-SECRET"
	"lscr|lscr|lscr.io|username=ls|token=lscr-SECRET|ls|lscr-SECRET"
	"quay|quay|quay.io|namespace=org;account=robot|token=quay-SECRET|org+robot|quay-SECRET"
	"gitlab|gitlab|registry.gitlab.com||token=glpat-SECRET|docker-credential-ssm|glpat-SECRET"
	"gitea|gitea|git.example.com|url=https://git.example.com;login=g|password=gitea-SECRET|g|gitea-SECRET"
	"forgejo|forgejo|code.example.org:3000|url=https://code.example.org:3000;login=f|password=forgejo-SECRET|f|forgejo-SECRET"
	"custom|custom|registry.lab:5000|url=https://registry.lab:5000;login=c|password=custom-SECRET|c|custom-SECRET"
	"acr|acr|contoso.azurecr.io|clientid=cid|clientsecret=cs-SECRET|cid|cs-SECRET"
	"acr-exchange|acr|contoso.azurecr.io|clientid=cid-m;tenantid=tenant-m;authorityurl=$STANDIN_URL;exchangeurl=$STANDIN_URL/oauth2/exchange|clientsecret=cs-tenant-SECRET|00000000-0000-0000-0000-000000000000|acr-refresh-SECRET"
	"ecr|ecr|123456789012.dkr.ecr.us-east-1.amazonaws.com|accesskey=AKIDMATRIX;endpoint=$STANDIN_URL|secretaccesskey=sk-matrix-SECRET|AWS|ecr-token-SECRET"
	"ecrpublic|ecrpublic|public.ecr.aws|accesskey=AKIDMATRIX;endpoint=$STANDIN_URL|secretaccesskey=sk-matrix-SECRET|AWS|ecr-token-SECRET"
	"gcr|gcr|us-docker.pkg.dev|tokenurl=$STANDIN_URL/token|keyjson=@$sa|oauth2accesstoken|$gcp_token"
)
token_providers=" acr-exchange ecr ecrpublic gcr "

upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }
# value_of VALUE: a value, or the content of the file after @.
value_of() { case $1 in @*) cat "${1#@}" ;; *) printf '%s' "$1" ;; esac; }

# run_get NAME SERVER USER SECRET [ENV...]: checks get and a clean debug log.
run_get() {
	local name=$1 server=$2 user=$3 secret=$4 out err rc=0
	shift 4
	out=$(printf '%s' "$server" | env "$@" SSM_LOG=debug "$BIN" get 2>"$WORK/err") || rc=$?
	err=$(cat "$WORK/err")
	check_eq "$name: get answers $user and its secret" "0/$user/$secret" \
		"$rc/$(printf '%s' "$out" | jq -r .Username 2>/dev/null)/$(printf '%s' "$out" | jq -r .Secret 2>/dev/null)"
	if printf '%s' "$err" | grep -q -e SECRET -e "$gcp_token"; then fail "$name: the debug log holds no secret" "$err"; else pass "$name: the debug log holds no secret"; fi
}

for c in "${cases[@]}"; do
	IFS='|' read -r name provider server plain secrets user secret <<<"$c"
	env_vars=(SSM_REGISTRY_"$(upper "$provider")"_CACERT="$ca")
	add_args=(registry add "$provider" --cacert-file "$STANDIN_CA")
	IFS=';' read -r -a plain_list <<<"$plain"
	IFS=';' read -r -a secret_list <<<"$secrets"
	for kv in "${plain_list[@]}"; do
		[ -n "$kv" ] || continue
		env_vars+=("SSM_REGISTRY_$(upper "$provider")_$(upper "${kv%%=*}")=${kv#*=}")
		add_args+=("--${kv%%=*}" "${kv#*=}")
	done
	n=0
	for kv in "${secret_list[@]}"; do
		n=$((n + 1))
		value_of "${kv#*=}" >"$WORK/secret-$n"
		env_vars+=("SSM_REGISTRY_$(upper "$provider")_$(upper "${kv%%=*}")__FILE=$WORK/secret-$n")
		add_args+=("--${kv%%=*}-file" "$WORK/secret-$n")
	done

	# 1. By environment only.
	export HOME="$WORK/$name-env"
	mkdir -p "$HOME"
	run_get "$name (environment)" "$server" "$user" "$secret" "${env_vars[@]}"

	# 2. By registry add.
	export HOME="$WORK/$name-add"
	mkdir -p "$HOME"
	if "$BIN" "${add_args[@]}" >"$WORK/add.out" 2>&1; then pass "$name: registry add"; else fail "$name: registry add" "$(cat "$WORK/add.out")"; fi
	run_get "$name (registry add)" "$server" "$user" "$secret"
	cfg="$HOME/.config/docker-credential-ssm/config.json"
	if grep -q SECRET "$cfg" "$WORK/add.out"; then fail "$name: no secret in the config file or add's output"; else pass "$name: no secret in the config file or add's output"; fi
	listed=$("$BIN" registry list 2>&1)
	if printf '%s' "$listed" | grep -q SECRET; then fail "$name: registry list shows no secret"; else pass "$name: registry list shows no secret"; fi
	if grep -rqa -e SECRET -e "$gcp_token" "$HOME"; then fail "$name: no plaintext secret in any file"; else pass "$name: no plaintext secret in any file"; fi

	# 3. The config file edited by hand, over the secrets kept in the store.
	case " $token_providers " in *" $name "*) continue ;; esac
	first_plain=${plain_list[0]:-}
	if [ -n "$first_plain" ] && [ "${first_plain%%=*}" != url ]; then
		var=${first_plain%%=*}
		jq --arg id "$provider" --arg v "$var" '.registries[$id][$v] = "edited-by-hand"' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
		expected_user=$user
		[ "$user" = "${first_plain#*=}" ] && expected_user=edited-by-hand
		[ "$provider" = quay ] && expected_user="edited-by-hand+robot"
		run_get "$name (config file + store)" "$server" "$expected_user" "$secret"
	fi
done
"$BIN" cache clear >/dev/null
tap_summary
