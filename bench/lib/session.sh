# shellcheck shell=bash disable=SC2034 # sourced: the variables set here are read elsewhere
# bench/lib/session.sh: the helpers' session inside the namespace (sourced by bench/run.sh's
# inner stage, after bench/lib/standins.sh). setup_session exports HOME and XDG_* into the work
# dir W and the ECR keys, starts the gnome-keyring-daemon (tests/support/keyring.sh) with its
# files where the helpers look, and writes the inputs the checks and cases read ($W/in/: the
# server names, logins to store, the kubelet's requests) and $W/bin/roundtrip.sh; it sets
# SS_USER, SS_SECRET and FILE_SECRET, which the checks expect.

setup_session() {
	local k
	mkdir -p "$W"/{home,config,data,cache,run,tmp,in}
	chmod 700 "$W/run" "$W/home"
	export HOME="$W/home" XDG_CONFIG_HOME="$W/config" XDG_DATA_HOME="$W/data" \
		XDG_CACHE_HOME="$W/cache" XDG_RUNTIME_DIR="$W/run" TMPDIR="$W/tmp"
	export AWS_ACCESS_KEY_ID="$AWS_AKID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET"
	# The keyring daemon keeps its files where the helpers look (XDG_DATA_HOME/keyrings).
	KEYRING_DATA_HOME="$XDG_DATA_HOME"
	keyring_start "$W" || die "gnome-keyring-daemon did not start"
	log "gnome-keyring-daemon pid $KEYRING_PID on $DBUS_SESSION_BUS_ADDRESS"

	# Inputs (no trailing newline, as clients send them).
	printf '%s' "$SS_SERVER" >"$W/in/ss-server"
	printf '%s' "$ECR_HOST" >"$W/in/ecr-server"
	printf '%s' "$PUBLIC_SERVER" >"$W/in/public-server"
	printf '%s' "$FILE_SERVER" >"$W/in/file-server"
	printf '%s' "$RT_SERVER" >"$W/in/rt-server"
	printf '%s' "$GCR_SERVER" >"$W/in/gcr-server"
	printf '%s' "$ACR_HOST" >"$W/in/acr-server"
	# The kubelet's requests for images on the same registries (docker-credential-ssm kubelet).
	for k in ecr:"$ECR_HOST" file:"$FILE_SERVER"; do
		jq -cn --arg i "${k#*:}/bench/app" \
			'{apiVersion: "credentialprovider.kubelet.k8s.io/v1", kind: "CredentialProviderRequest", image: $i}' \
			>"$W/in/kubelet-${k%%:*}"
	done
	SS_USER=bench-user SS_SECRET="bench-secret-$(openssl rand -hex 12)"
	jq -cn --arg s "$SS_SERVER" --arg u "$SS_USER" --arg p "$SS_SECRET" \
		'{ServerURL: $s, Username: $u, Secret: $p}' >"$W/in/ss-cred"
	FILE_SECRET="bench-file-secret-$(openssl rand -hex 12)"
	jq -cn --arg s "$FILE_SERVER" --arg p "$FILE_SECRET" \
		'{ServerURL: $s, Username: "file-user", Secret: $p}' >"$W/in/file-cred"
	jq -cn --arg s "$RT_SERVER" --arg p "rt-secret-$(openssl rand -hex 12)" \
		'{ServerURL: $s, Username: "rt-user", Secret: $p}' >"$W/in/rt-cred"
	# The round trip: one store and one erase through /bin/sh, the same script for every helper.
	cat >"$W/bin/roundtrip.sh" <<EOF
#!/bin/sh
# store then erase of one login; \$1 = the helper; any further arguments go before it (env).
"\$@" store <"$W/in/rt-cred" >/dev/null || exit 1
exec "\$@" erase <"$W/in/rt-server" >/dev/null
EOF
	chmod +x "$W/bin/roundtrip.sh"
}
