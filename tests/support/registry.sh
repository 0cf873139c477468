# shellcheck shell=bash
# A private Distribution registry (Debian package docker-registry, 2.8) with htpasswd auth,
# for end-to-end tests. Sourced library.
#
#   registry_start WORKDIR USER PASSWORD [tls]
#       Writes WORKDIR/registry/{config.yml,htpasswd,data/,registry.log} (and certs/ with tls),
#       listens on 127.0.0.1:<free port>, waits until GET /v2/ answers 401.
#       Exports REGISTRY_HOST (127.0.0.1:PORT), REGISTRY_PID, REGISTRY_URL (http[s]://HOST),
#       REGISTRY_USER, REGISTRY_PASSWORD, and REGISTRY_CA (PEM file of the test CA) with tls.
#   registry_push_test_image WORKDIR REPO:TAG
#       Builds a one-layer image by hand (OCI layout, no network) and pushes it with skopeo as
#       Docker schema 2, so dockerd 20.10, podman, buildah and skopeo can all pull it.
#   registry_start_named WORKDIR ADDR HTPASSWD_FILE HOST...
#       A TLS registry on ADDR:443 serving under the real names HOST... (the caller maps them to
#       ADDR, e.g. in a private /etc/hosts): a test CA and a server certificate for the names
#       and ADDR in WORKDIR/registry/certs, htpasswd from HTPASSWD_FILE, started under
#       `setpriv --pdeathsig TERM` when available (it cannot outlive the caller); waits until
#       GET https://HOST/v2/ answers 401. Exports REGISTRY_PID, REGISTRY_DIR (WORKDIR/registry,
#       with registry.log) and REGISTRY_CA. One line on stderr and status 1 on failure.
#   registry_stop
#       Kills the registry by PID (idempotent). Files stay in WORKDIR for the caller to remove.
#
# Notes:
# - The registry reads every REGISTRY_* environment variable as a configuration override and
#   refuses unknown ones, and podman's REGISTRY_AUTH_FILE would be one of them: it is started
#   with all REGISTRY_* variables removed from its environment.
# - Binary: $REGISTRY_BIN, else docker-registry on PATH, else /usr/bin/docker-registry.

REGISTRY_PID=${REGISTRY_PID:-}

# _registry_free_port: prints a TCP port nobody listens on at the moment (racy by nature;
# registry_start retries with another port if the registry fails to bind).
_registry_free_port() {
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
			printf '%s\n' "$port"
			return 0
		fi
		: "$i"
	done
	echo "registry.sh: no free port found" >&2
	return 1
}

# _registry_make_certs DIR: a test CA and a server certificate for 127.0.0.1, ::1, localhost.
_registry_make_certs() {
	local dir=$1
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" -subj "/CN=ssm e2e test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -sha256 \
		-keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1
	printf '%s\n' \
		"basicConstraints=CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" >"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -sha256 -extfile "$dir/server.ext" \
		-out "$dir/server.crt" >/dev/null 2>&1
}

# _registry_env_clean: prints "-u NAME" pairs for every REGISTRY_* variable in the environment.
_registry_env_unsets() {
	local v
	for v in $(compgen -e); do
		case $v in REGISTRY_*) printf -- '-u\n%s\n' "$v" ;; esac
	done
}

registry_start() {
	local workdir=$1 user=$2 password=$3 mode=${4:-}
	local dir="$workdir/registry" bin port attempt code scheme=http curl_tls=() unsets=()
	bin=${REGISTRY_BIN:-$(command -v docker-registry || echo /usr/bin/docker-registry)}
	mkdir -p "$dir/data"
	htpasswd -Bbn "$user" "$password" >"$dir/htpasswd"
	if [ "$mode" = tls ]; then
		_registry_make_certs "$dir/certs" || { echo "registry.sh: openssl failed" >&2; return 1; }
		scheme=https
		curl_tls=(--cacert "$dir/certs/ca.crt")
	fi
	mapfile -t unsets < <(_registry_env_unsets)

	for attempt in 1 2 3 4 5; do
		port=$(_registry_free_port) || return 1
		{
			printf '%s\n' \
				"version: 0.1" \
				"log:" \
				"  level: info" \
				"  accesslog:" \
				"    disabled: false" \
				"storage:" \
				"  filesystem:" \
				"    rootdirectory: $dir/data" \
				"  delete:" \
				"    enabled: true" \
				"http:" \
				"  addr: 127.0.0.1:$port" \
				"  secret: e2e-not-secret" \
				"  headers:" \
				"    X-Content-Type-Options: [nosniff]"
			if [ "$mode" = tls ]; then
				printf '%s\n' \
					"  tls:" \
					"    certificate: $dir/certs/server.crt" \
					"    key: $dir/certs/server.key"
			fi
			printf '%s\n' \
				"auth:" \
				"  htpasswd:" \
				"    realm: ssm-e2e" \
				"    path: $dir/htpasswd" \
				"health:" \
				"  storagedriver:" \
				"    enabled: false"
		} >"$dir/config.yml"

		env "${unsets[@]}" "$bin" serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
		REGISTRY_PID=$!
		local i
		for i in $(seq 1 100); do
			if ! kill -0 "$REGISTRY_PID" 2>/dev/null; then
				break
			fi
			code=$(curl -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" \
				"$scheme://127.0.0.1:$port/v2/" 2>/dev/null || true)
			if [ "$code" = 401 ]; then
				export REGISTRY_PID REGISTRY_HOST="127.0.0.1:$port" \
					REGISTRY_URL="$scheme://127.0.0.1:$port" \
					REGISTRY_USER="$user" REGISTRY_PASSWORD="$password"
				if [ "$mode" = tls ]; then
					export REGISTRY_CA="$dir/certs/ca.crt"
				else
					unset REGISTRY_CA
				fi
				return 0
			fi
			sleep 0.1
			: "$i"
		done
		registry_stop
		echo "registry.sh: attempt $attempt on port $port failed; log tail:" >&2
		tail -n 3 "$dir/registry.log" >&2 || true
	done
	return 1
}

# registry_push_test_image WORKDIR REPO:TAG
registry_push_test_image() {
	local workdir=$1 ref=$2 repo tag dir
	repo=${ref%:*}
	tag=${ref##*:}
	[ "$repo" != "$ref" ] || tag=latest
	dir=$(mktemp -d "$workdir/image.XXXXXX")
	mkdir -p "$dir/rootfs" "$dir/oci/blobs/sha256"
	printf 'hello from the docker-credential-ssm e2e tests (%s)\n' "$ref" >"$dir/rootfs/hello.txt"

	# Layer: reproducible tar + gzip.
	tar -C "$dir/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$dir/layer.tar" hello.txt
	local diff_id layer_digest layer_size config_digest config_size manifest_digest manifest_size
	diff_id=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
	gzip -n -c "$dir/layer.tar" >"$dir/layer.tar.gz"
	layer_digest=$(sha256sum "$dir/layer.tar.gz" | cut -d' ' -f1)
	layer_size=$(stat -c %s "$dir/layer.tar.gz")
	cp "$dir/layer.tar.gz" "$dir/oci/blobs/sha256/$layer_digest"

	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/"],"Cmd":["/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"ssm e2e registry_push_test_image"}]}' \
		"$diff_id" >"$dir/config.json"
	config_digest=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
	config_size=$(stat -c %s "$dir/config.json")
	cp "$dir/config.json" "$dir/oci/blobs/sha256/$config_digest"

	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		"$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$dir/manifest.json"
	manifest_digest=$(sha256sum "$dir/manifest.json" | cut -d' ' -f1)
	manifest_size=$(stat -c %s "$dir/manifest.json")
	cp "$dir/manifest.json" "$dir/oci/blobs/sha256/$manifest_digest"

	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci/oci-layout"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
		"$manifest_digest" "$manifest_size" "$tag" >"$dir/oci/index.json"

	# Keep skopeo away from the machine's and the test's auth/registries configuration.
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$dir/policy.json"
	: >"$dir/registries.conf"
	local tls_args=(--dest-tls-verify=false)
	if [ -n "${REGISTRY_CA:-}" ]; then
		mkdir -p "$dir/certs.d"
		cp "$REGISTRY_CA" "$dir/certs.d/ca.crt"
		tls_args=(--dest-cert-dir "$dir/certs.d")
	fi
	local out
	if ! out=$(env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG \
		HOME="$dir" XDG_RUNTIME_DIR="$dir" XDG_CONFIG_HOME="$dir" \
		CONTAINERS_REGISTRIES_CONF="$dir/registries.conf" \
		skopeo --policy "$dir/policy.json" copy --quiet --format v2s2 \
		--dest-creds "$REGISTRY_USER:$REGISTRY_PASSWORD" "${tls_args[@]}" \
		"oci:$dir/oci:$tag" "docker://$REGISTRY_HOST/$repo:$tag" 2>&1); then
		echo "registry.sh: skopeo copy failed: $out" >&2
		rm -rf "$dir"
		return 1
	fi
	rm -rf "$dir"
}

# registry_start_named WORKDIR ADDR HTPASSWD_FILE HOST...: see the header.
registry_start_named() {
	local workdir=$1 addr=$2 htpasswd_file=$3
	shift 3
	local dir="$workdir/registry" certs san h bin code i pdeath=() unsets=()
	certs="$dir/certs"
	mkdir -p "$certs" "$dir/data" || return 1
	san="IP:$addr"
	for h in "$@"; do san="DNS:$h,$san"; done
	if ! { openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
		-keyout "$certs/ca.key" -out "$certs/ca.crt" -subj "/CN=ssm e2e cloud registry test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 &&
		openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$certs/server.key" \
			-out "$certs/server.csr" -subj "/CN=$1" >/dev/null 2>&1 &&
		printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" "subjectAltName=$san" >"$certs/server.ext" &&
		openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" \
			-CAcreateserial -days 2 -sha256 -extfile "$certs/server.ext" \
			-out "$certs/server.crt" >/dev/null 2>&1; }; then
		echo "registry.sh: openssl failed making the registry certificates" >&2
		return 1
	fi
	sed '/^$/d' "$htpasswd_file" >"$dir/htpasswd"
	printf '%s\n' "version: 0.1" "log:" "  level: info" "  accesslog:" "    disabled: false" \
		"storage:" "  filesystem:" "    rootdirectory: $dir/data" "  delete:" "    enabled: true" \
		"http:" "  addr: $addr:443" "  secret: e2e-not-secret" "  headers:" \
		"    X-Content-Type-Options: [nosniff]" "  tls:" "    certificate: $certs/server.crt" \
		"    key: $certs/server.key" "auth:" "  htpasswd:" "    realm: ssm-e2e-cloud" \
		"    path: $dir/htpasswd" "health:" "  storagedriver:" "    enabled: false" >"$dir/config.yml"
	bin=${REGISTRY_BIN:-$(command -v docker-registry || echo /usr/bin/docker-registry)}
	if command -v setpriv >/dev/null 2>&1; then pdeath=(setpriv --pdeathsig TERM); fi
	mapfile -t unsets < <(_registry_env_unsets)
	"${pdeath[@]}" env "${unsets[@]}" "$bin" serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
	REGISTRY_PID=$!
	code=
	for i in $(seq 1 100); do
		kill -0 "$REGISTRY_PID" 2>/dev/null || break
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$certs/ca.crt" "https://$1/v2/" 2>/dev/null || true)
		[ "$code" = 401 ] && break
		sleep 0.1
		: "$i"
	done
	if [ "$code" != 401 ]; then
		echo "registry.sh: the registry did not answer on $addr:443: $(tail -n 3 "$dir/registry.log")" >&2
		registry_stop
		return 1
	fi
	export REGISTRY_PID REGISTRY_DIR="$dir" REGISTRY_CA="$certs/ca.crt"
}

registry_stop() {
	if [ -n "${REGISTRY_PID:-}" ]; then
		kill "$REGISTRY_PID" 2>/dev/null || true
		local i
		for i in $(seq 1 50); do
			kill -0 "$REGISTRY_PID" 2>/dev/null || break
			sleep 0.1
			: "$i"
		done
		kill -9 "$REGISTRY_PID" 2>/dev/null || true
		wait "$REGISTRY_PID" 2>/dev/null || true
		REGISTRY_PID=
	fi
}
