#!/usr/bin/env bash
# Benchmark of docker-credential-ssm against Debian's docker-credential-secretservice
# (golang-docker-credential-helpers) and docker-credential-ecr-login
# (amazon-ecr-credential-helper), in one run, on the same data. See bench/README.md.
#
# Usage: bench/run.sh [--quick] [--out FILE]
#   --quick      5 runs after 1 warm-up per case (CI: proves the benchmark works); writes
#                build/bench-results-quick.md unless --out is given
#   --out FILE   where the Markdown results go (default: bench/results.md in full mode)
#   --hook FILE  (profiling) run the bash script FILE inside the prepared environment after the
#                checks, with OURS, PEER_SS, PEER_ECR, RUNNER and W set, instead of the cases
#   (full mode: 100 runs after 5 warm-ups per case; the cases that take seconds per run, with
#   no AWS identity, get fewer: see bench/README.md)
#
# What it does (root, Debian 12, loopback only):
#  1. Builds the release binary (cmake preset `default`, targets docker-credential-ssm and its
#     modules) and bench/runner.cc (g++ -O2) into build/; copies the binary and its modules into
#     a mktemp -d work dir, stripped as the .deb and install.sh install them (so a rebuild in
#     parallel cannot swap them mid-run).
#  2. Re-runs itself in a throwaway network + mount namespace (`unshare --net --mount`) under
#     `dbus-run-session` with a private bus that has no service directories (the config of
#     tests/support/sandbox.sh). Inside: `lo` up; a private /etc/hosts (bind mount) mapping
#     api.ecr.us-east-1.amazonaws.com and sts.us-east-1.amazonaws.com to 127.0.0.1; a real
#     gnome-keyring-daemon (tests/support/keyring.sh) sharing XDG_DATA_HOME with the helpers, as
#     a desktop session does; the ECR + STS stand-in (tests/support/cloud_standin.sh, verifies
#     SigV4 and RS256 web identity tokens of a test issuer) on 127.0.0.1:443 with those SANs; its
#     test CA installed as update-ca-certificates would, in a copy of /etc/ssl/certs
#     bind-mounted over the original (appended to ca-certificates.crt, read by Go's crypto/x509,
#     and linked under its hash, read by our libcurl), so both ECR helpers use their default
#     endpoints and the same AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; the instance metadata
#     stand-in (tests/support/aws_metadata_standin.py, IMDSv2) on 169.254.169.254:80 on lo, for
#     the cases without keys (answering, address removed, or silent: see imds_state); the GCE
#     metadata stand-in (gcp_standin.py) at metadata.google.internal (169.254.169.253); the
#     Azure stand-in (azure_standin.py): IMDS on 169.254.169.252:80, which an iptables DNAT rule
#     of the namespace puts at 169.254.169.254:80 for the Azure cases only, and the ACR exchange
#     at https://benchreg.azurecr.io (127.0.0.3:443).
#  3. Checks once, untimed, that every helper answers what the case expects (same keyring item,
#     user AWS + the stand-in's token, not-found answers, round trips leave nothing), then runs
#     each case with build/bench-runner (fork/exec, no shell between timer and helper).
#  4. Prints and writes the table of medians, ratios and targets (met / not met) with the
#     machine it ran on.
# Everything started is stopped by PID (servers also run under `setpriv --pdeathsig TERM`);
# all state lives in the work dir (our caches too: XDG_RUNTIME_DIR is a 0700 folder in it),
# removed at the end. Exit status: 0 when every case ran and every check passed (missed targets
# do not count), 1 when something failed to run, 2 on bad usage.
# shellcheck source-path=SCRIPTDIR disable=SC2317 # cleanup functions run from traps
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
SUPPORT_DIR="$ROOT/tests/support"
SELF="$BENCH_DIR/$(basename "${BASH_SOURCE[0]}")"

ECR_HOST=123456789012.dkr.ecr.us-east-1.amazonaws.com
ECR_API=api.ecr.us-east-1.amazonaws.com
STS_API=sts.us-east-1.amazonaws.com
IMDS_ADDR=169.254.169.254
GCR_SERVER=gcr.io
GCE_NAME=metadata.google.internal
GCE_ADDR=169.254.169.253
ACR_HOST=benchreg.azurecr.io
ACR_ADDR=127.0.0.3
AZ_IMDS_ADDR=169.254.169.252
AZ_USER=00000000-0000-0000-0000-000000000000
SS_SERVER=registry.bench.example:5000
RT_SERVER=roundtrip.bench.example
FILE_SERVER=files.bench.example
PUBLIC_SERVER=quay.io
NOT_FOUND='credentials not found in native keychain'

log() { printf '# %s\n' "$*" >&2; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# =============================================================================================
# Inner stage: inside the network + mount namespace and the private session bus.
# =============================================================================================
inner_main() {
	W=${BENCH_W:?}
	RUNS=${BENCH_RUNS:?}
	WARMUP=${BENCH_WARMUP:?}
	ROUNDS=${BENCH_ROUNDS:?}
	RUNNER="$W/bin/bench-runner"
	OURS="$W/bin/docker-credential-ssm"
	PEER_SS=$(command -v docker-credential-secretservice)
	PEER_ECR=$(command -v docker-credential-ecr-login)
	TRUE_BIN=$(command -v true)
	RESULTS="$W/results.jsonl"
	QUICK=${BENCH_QUICK:-}
	FAILED=0
	echo "$$" >"$W/inner.pid"

	# shellcheck source=../tests/support/keyring.sh
	. "$SUPPORT_DIR/keyring.sh"
	# shellcheck source=../tests/support/cloud_standin.sh
	. "$SUPPORT_DIR/cloud_standin.sh"
	# shellcheck source=../tests/support/netns.sh
	. "$SUPPORT_DIR/netns.sh"

	MD_PID=
	GCE_PID=
	AZ_PID=
	inner_cleanup() {
		[ -z "$MD_PID" ] || { kill "$MD_PID" 2>/dev/null; wait "$MD_PID" 2>/dev/null; }
		[ -z "$GCE_PID" ] || { kill "$GCE_PID" 2>/dev/null; wait "$GCE_PID" 2>/dev/null; }
		[ -z "$AZ_PID" ] || { kill "$AZ_PID" 2>/dev/null; wait "$AZ_PID" 2>/dev/null; }
		standin_stop
		keyring_stop
		# Anything else still in this network namespace (but the bus, which dbus-run-session
		# stops when this shell exits) is a leak: report it.
		local left
		left=$(netns_leftovers "$$" --ignore-bus)
		[ -z "$left" ] || log "processes left in the benchmark's network namespace: $left"
	}
	trap inner_cleanup EXIT
	trap 'exit 130' INT TERM HUP

	# ----- namespace, hosts, CA -----------------------------------------------------------------
	ip link set lo up || die "ip link set lo up failed"
	if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ] ||
		[ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
		die "not in a private network and mount namespace"
	fi
	{
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n'
		printf '127.0.0.1\t%s\n' "$ECR_API" "$STS_API"
		printf '%s\t%s\n' "$GCE_ADDR" "$GCE_NAME" "$ACR_ADDR" "$ACR_HOST"
	} >"$W/hosts"
	chmod 644 "$W/hosts"
	mount --bind "$W/hosts" /etc/hosts || die "cannot bind-mount the private /etc/hosts"
	local h
	for h in "$ECR_API" "$STS_API"; do
		[ "$(getent hosts "$h" | awk 'NR == 1 {print $1}')" = 127.0.0.1 ] || die "$h does not resolve to 127.0.0.1 in the namespace"
	done

	# The stand-ins (ECR + STS over TLS, instance metadata over HTTP) under setpriv --pdeathsig:
	# they cannot outlive this shell. They are started through
	# a small boot file that sets TCP_NODELAY on every connection it accepts: without it, the
	# stand-in's writes (TLS session tickets, response headers, body) are held back by Nagle until
	# the client ACKs, which Linux's delayed ACK postpones by ~40 ms: +40 ms on every token
	# request, for every HTTPS client alike (measured with curl, ecr-login and ours). Real
	# servers do not wait like that; the cold cases would mostly measure that wait. Nothing else
	# of the stand-in changes. (_standin_edit runs STANDIN_PYTHON on a script from stdin: plain.)
	cat >"$W/standin-boot.py" <<'PYEOF'
import os, runpy, socket, socketserver, sys
_accept = socketserver.TCPServer.get_request
def get_request(self):
    conn, addr = _accept(self)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn, addr
socketserver.TCPServer.get_request = get_request
sys.argv = sys.argv[1:]
# As if the script ran directly: its own folder first on the path (cloud_standin.py imports
# aws_sts_standin.py from there).
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
PYEOF
	cat >"$W/standin-python" <<SHEOF
#!/bin/sh
case "\${1##*/}" in
cloud_standin.py | aws_metadata_standin.py | gcp_standin.py | azure_standin.py) exec setpriv --pdeathsig TERM /usr/bin/python3 "$W/standin-boot.py" "\$@" ;;
*) exec /usr/bin/python3 "\$@" ;;
esac
SHEOF
	chmod +x "$W/standin-python"
	STANDIN_PYTHON="$W/standin-python"
	standin_start "$W" --san "$ECR_API" --san "$STS_API" --san "$ACR_HOST" --port 443 >/dev/null ||
		die "the ECR + STS stand-in did not start on 127.0.0.1:443"
	AWS_AKID="AKIDBENCH$(openssl rand -hex 6 | tr a-f A-F)"
	AWS_SECRET="bench-aws-secret-$(openssl rand -hex 12)"
	ECR_PW="ecr-bench-$(openssl rand -hex 16)"
	# The AWS identities (no keys in the environment): the instance role's keys that instance
	# metadata hands out, and the web identity role's keys that STS hands out for a JWT of a
	# test issuer (RS256, key made here).
	IMDS_AKID="ASIABENCHIMDS$(openssl rand -hex 4 | tr a-f A-F)"
	IMDS_SECRET="bench-imds-secret-$(openssl rand -hex 12)"
	IMDS_TOKEN="bench-imds-session-$(openssl rand -hex 16)"
	WI_AKID="ASIABENCHWI$(openssl rand -hex 4 | tr a-f A-F)"
	WI_ROLE="arn:aws:iam::123456789012:role/bench-web-identity"
	WI_SUB="system:serviceaccount:bench:puller"
	WI_ISSUER="https://oidc.bench.example/id/$(openssl rand -hex 4)"
	if ! openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/issuer.key" >/dev/null 2>&1 ||
		! openssl pkey -in "$W/issuer.key" -pubout -out "$W/issuer.pub" >/dev/null 2>&1; then
		die "cannot make the web identity issuer key"
	fi
	/usr/bin/python3 - "$W/wi.jwt" "$W/issuer.key" "$WI_ISSUER" "$WI_SUB" <<'PYEOF' || die "cannot make the web identity token"
import base64, json, sys, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
out, key_path, iss, sub = sys.argv[1:]
key = serialization.load_pem_private_key(open(key_path, "rb").read(), None)
b64 = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
now = int(time.time())
msg = b64({"alg": "RS256", "typ": "JWT", "kid": "bench"}) + "." + b64(
    {"iss": iss, "sub": sub, "aud": "sts.amazonaws.com", "iat": now, "exp": now + 6 * 3600})
sig = key.sign(msg.encode(), padding.PKCS1v15(), hashes.SHA256())
with open(out, "w") as f:
    f.write(msg + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode())
PYEOF
	# No newline at the end, as Kubernetes writes a projected token: aws-sdk-go-v2 (ecr-login)
	# sends the file verbatim, and STS refuses a token with a newline as "not a valid JWT".
	chmod 600 "$W/wi.jwt"
	standin_config "$(jq -n --arg akid "$AWS_AKID" --arg secret "$AWS_SECRET" --arg pw "$ECR_PW" \
		--arg imds "$IMDS_AKID" --arg imds_secret "$IMDS_SECRET" --arg imds_token "$IMDS_TOKEN" \
		--arg wi "$WI_AKID" --arg wi_secret "bench-wi-secret-$(openssl rand -hex 12)" \
		--arg wi_token "bench-wi-session-$(openssl rand -hex 16)" --arg role "$WI_ROLE" --arg sub "$WI_SUB" \
		--arg iss "$WI_ISSUER" --rawfile pub "$W/issuer.pub" '{
	  aws: {($akid): {secret: $secret}, ($imds): {secret: $imds_secret, session_token: $imds_token},
	        ($wi): {secret: $wi_secret, session_token: $wi_token}},
	  ecr: {token_password: $pw, expires_in: 43200, account: "123456789012"},
	  sts: {region: "us-east-1", oidc: {issuer: $iss, aud: "sts.amazonaws.com", public_key_pem: $pub},
	        roles: {($role): {issue: $wi, subjects: [$sub]}}},
	  mode: "ok"}')" || die "standin_config failed"

	# Instance metadata (tests/support/aws_metadata_standin.py, IMDSv2) at its real address,
	# 169.254.169.254:80 on lo. imds_state sets what a helper finds there, for a case:
	#   ok      the stand-in answers (IMDSv2 token, role, the role's keys)
	#   none    no such address in the namespace: connect() fails at once (ENETUNREACH), as on a
	#           machine whose network has no route to it
	#   silent  the stand-in accepts and reads each request but answers only after 60 s (the
	#           helpers give up long before), as behind a firewall that lets nothing back
	MD="$W/md"
	mkdir -p "$MD"
	md_write() { # MODE: the stand-in's config.json (re-read on every request), written atomically
		jq -n --arg mode "$1" --arg ak "$IMDS_AKID" --arg sk "$IMDS_SECRET" --arg tok "$IMDS_TOKEN" \
			'{imds: {mode: $mode, role: "bench-instance-role",
			         credentials: {AccessKeyId: $ak, SecretAccessKey: $sk, Token: $tok}}}' >"$MD/config.json.tmp" &&
			mv "$MD/config.json.tmp" "$MD/config.json"
	}
	# The GCE metadata server's address ($GCE_NAME in the private /etc/hosts) comes and goes with
	# 169.254.169.254: "none" is a machine outside any cloud for both.
	#   azure   as ok, but 169.254.169.254:80 is Azure's instance metadata service: a DNAT rule
	#           of this namespace's OUTPUT chain sends it to the Azure stand-in on
	#           $AZ_IMDS_ADDR:80 (Azure has it only at 169.254.169.254, where the AWS stand-in
	#           listens; the kernel rewrites the address, no proxy is in the path, and the
	#           other states have no rule)
	AZ_DNAT=(OUTPUT -d "$IMDS_ADDR/32" -p tcp --dport 80 -j DNAT --to-destination "$AZ_IMDS_ADDR:80")
	IMDS_STATE=
	imds_state() {
		[ "$1" != "$IMDS_STATE" ] || return 0
		local a
		case $1 in
		ok | silent | azure)
			for a in "$IMDS_ADDR" "$GCE_ADDR"; do
				[[ $(ip -o addr show dev lo) == *" $a/"* ]] || ip addr add "$a/32" dev lo || return 1
			done
			md_write "$([ "$1" = silent ] && echo slow:60 || echo ok)" || return 1
			;;
		none)
			for a in "$IMDS_ADDR" "$GCE_ADDR"; do
				[[ $(ip -o addr show dev lo) != *" $a/"* ]] || ip addr del "$a/32" dev lo || return 1
			done
			;;
		*) return 1 ;;
		esac
		if [ "$1" = azure ]; then
			iptables -w -t nat -C "${AZ_DNAT[@]}" 2>/dev/null || iptables -w -t nat -A "${AZ_DNAT[@]}" || return 1
		elif [ -n "$IMDS_STATE" ]; then
			while iptables -w -t nat -C "${AZ_DNAT[@]}" 2>/dev/null; do iptables -w -t nat -D "${AZ_DNAT[@]}" || return 1; done
		fi
		IMDS_STATE=$1
	}
	imds_state ok || die "cannot set up $IMDS_ADDR on lo"
	"$STANDIN_PYTHON" "$SUPPORT_DIR/aws_metadata_standin.py" --state "$MD" --listen "imds@$IMDS_ADDR:80" \
		>>"$MD/server.log" 2>&1 &
	MD_PID=$!
	local i
	for i in $(seq 1 50); do
		[ -s "$MD/pid" ] && break
		sleep 0.1
	done
	curl -fsS -o /dev/null --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		"http://$IMDS_ADDR/latest/api/token" || die "the instance metadata stand-in does not answer on $IMDS_ADDR:80"
	: >"$MD/requests.log"
	log "instance metadata stand-in: http://$IMDS_ADDR (pid $MD_PID)"

	# The GCE metadata server (tests/support/gcp_standin.py: Metadata-Flavor: Google) at
	# http://$GCE_NAME, the first name Application Default Credentials ask (its own address, as
	# 169.254.169.254:80 is the AWS stand-in's); its token is what gcr.io gets with no key.
	GCE="$W/gce"
	GCE_TOKEN="ya29.bench-gce-$(openssl rand -hex 16)"
	mkdir -p "$GCE"
	jq -n --arg t "$GCE_TOKEN" '{metadata: {mode: "ok", token: $t, email: "bench-vm@bench.iam.gserviceaccount.com",
		scopes: ["https://www.googleapis.com/auth/cloud-platform"]}}' >"$GCE/config.json"
	"$STANDIN_PYTHON" "$SUPPORT_DIR/gcp_standin.py" --state "$GCE" --listen "metadata@$GCE_ADDR:80" \
		>>"$GCE/server.log" 2>&1 &
	GCE_PID=$!
	for i in $(seq 1 50); do
		[ -s "$GCE/pid" ] && break
		sleep 0.1
	done
	curl -fsS -o /dev/null --max-time 2 -H 'Metadata-Flavor: Google' \
		"http://$GCE_NAME/computeMetadata/v1/instance/service-accounts/default/token" ||
		die "the GCE metadata stand-in does not answer at http://$GCE_NAME ($GCE_ADDR:80)"
	: >"$GCE/requests.log"
	log "GCE metadata stand-in: http://$GCE_NAME ($GCE_ADDR, pid $GCE_PID)"

	# Azure (tests/support/azure_standin.py): the instance metadata service (managed identity,
	# Metadata: true, api-version 2018-02-01, ACR's resource) on $AZ_IMDS_ADDR:80, reached at
	# 169.254.169.254 in imds_state azure; and the ACR exchange (POST /oauth2/exchange: an
	# access token that IMDS issued, for the tenant in its tid) at https://$ACR_HOST, which the
	# private /etc/hosts maps to $ACR_ADDR:443, with the ECR stand-in's certificate (it names
	# $ACR_HOST) and so trusted through the same CA.
	command -v iptables >/dev/null || die "iptables is needed (the Azure instance metadata cases)"
	AZ="$W/azure"
	AZ_REFRESH="bench-acr-refresh-$(openssl rand -hex 16)"
	mkdir -p "$AZ"
	cp "$STANDIN_DIR/server.crt" "$STANDIN_DIR/server.key" "$AZ/" || die "cannot copy the stand-in's certificate"
	jq -n --arg r "$AZ_REFRESH" '{tenant: "bench-tenant", refresh_token: $r,
		imds: {mode: "ok", client_id: null, resource_id: null}}' >"$AZ/config.json"
	ip addr add "$AZ_IMDS_ADDR/32" dev lo || die "cannot add $AZ_IMDS_ADDR on lo"
	"$STANDIN_PYTHON" "$SUPPORT_DIR/azure_standin.py" --state "$AZ" --listen "imds@$AZ_IMDS_ADDR:80" \
		--listen "acr@$ACR_ADDR:443" >>"$AZ/server.log" 2>&1 &
	AZ_PID=$!
	for i in $(seq 1 50); do
		[ -s "$AZ/pid" ] && break
		sleep 0.1
	done
	imds_state azure || die "cannot send $IMDS_ADDR:80 to $AZ_IMDS_ADDR:80 (iptables DNAT in the namespace)"
	curl -fsS -o /dev/null --max-time 2 -H 'Metadata: true' \
		"http://$IMDS_ADDR/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://containerregistry.azure.net" ||
		die "the Azure instance metadata stand-in does not answer at http://$IMDS_ADDR (through the DNAT rule)"
	imds_state ok || die "cannot remove the DNAT rule"
	curl -fsS -o /dev/null --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		"http://$IMDS_ADDR/latest/api/token" || die "without the DNAT rule, $IMDS_ADDR:80 is not the AWS stand-in again"
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$STANDIN_CA" -X POST "https://$ACR_HOST/oauth2/exchange")" = 401 ] ||
		die "the ACR exchange stand-in does not answer at https://$ACR_HOST ($ACR_ADDR:443)"
	: >"$AZ/requests.log"
	: >"$MD/requests.log"
	log "Azure stand-ins: IMDS $AZ_IMDS_ADDR:80 (at $IMDS_ADDR by DNAT), ACR exchange https://$ACR_HOST ($ACR_ADDR), pid $AZ_PID"

	# The stand-in's CA installed system-wide as update-ca-certificates would: appended to the
	# bundle and linked under its subject hash in the directory, in a copy of /etc/ssl/certs
	# bind-mounted over the original (Go reads the bundle, our libcurl the hashed directory).
	local certs=/etc/ssl/certs
	[ -f "$certs/ca-certificates.crt" ] || die "$certs/ca-certificates.crt is missing"
	cp -a "$certs" "$W/certs" || die "cannot copy $certs"
	cat "$STANDIN_CA" >>"$W/certs/ca-certificates.crt"
	cp "$STANDIN_CA" "$W/certs/ssm-bench-standin.pem"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=ssm-bench-unrelated -days 1 -out "$W/empty.pem" 2>/dev/null || die "openssl req failed"
	ln -s ssm-bench-standin.pem "$W/certs/$(openssl x509 -noout -subject_hash -in "$STANDIN_CA").0"
	chmod 755 "$W/certs"
	mount --bind "$W/certs" "$certs" || die "cannot bind-mount the CA directory"
	curl -fsS -o /dev/null --max-time 5 "https://$ECR_API/_stats" ||
		die "https://$ECR_API/ is not trusted through the system CA bundle in the namespace"
	curl -fsS -o /dev/null --max-time 5 --cacert "$W/empty.pem" --capath "$certs" "https://$ECR_API/_stats" ||
		die "https://$ECR_API/ is not trusted through the system CA directory in the namespace"
	log "stand-in: https://$ECR_API (127.0.0.1:443, pid $STANDIN_PID), trusted through the system bundle and directory"

	# ----- the helpers' environment -------------------------------------------------------------
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

	# ----- checks, untimed ----------------------------------------------------------------------
	local out rc
	ECR_LOG="$HOME/.ecr/log/ecr-login.log"
	# sdk_race_count: how many times ecr-login logged the aws-sdk-go-v2 closed-connection race.
	sdk_race_count() {
		local n
		n=$(grep -c 'level=error.*deserialization failed.*use of closed network connection' "$ECR_LOG" 2>/dev/null)
		echo "${n:-0}"
	}
	# run_helper INPUT-FILE CMD...: sets OUT (stdout) and RC.
	run_helper() {
		local input=$1
		shift
		RC=0
		OUT=$("$@" <"$input" 2>>"$W/helpers.err") || RC=$?
	}
	# expect_login WHAT USER SECRET: OUT is the JSON of that login.
	# expect_kubelet WHAT HOST USER SECRET: OUT is a CredentialProviderResponse with that auth.
	expect_kubelet() {
		local got
		got=$(printf '%s' "$OUT" | jq -r --arg h "$2" '[.kind, .auth[$h].username, .auth[$h].password] | join(" ")' 2>/dev/null)
		[ "$RC" = 0 ] && [ "$got" = "CredentialProviderResponse $3 $4" ]
		report_answer "$1" $?
	}
	expect_login() {
		local got
		got=$(printf '%s' "$OUT" | jq -r '[.Username, .Secret] | join(" ")' 2>/dev/null)
		[ "$RC" = 0 ] && [ "$got" = "$2 $3" ]
		report_answer "$1" $?
	}
	expect_not_found() {
		[ "$RC" = 1 ] && [ "$OUT" = "$NOT_FOUND" ]
		report_answer "$1" $?
	}
	# report_answer WHAT STATUS: logs the check (with the helper's answer when it failed).
	report_answer() {
		if [ "$2" = 0 ]; then
			log "check ok: $1"
		else
			log "CHECK FAILED: $1: exit $RC, output: $(printf '%s' "$OUT" | head -c 200)"
			log "(ecr-login's last error: $(grep 'level=error' "$ECR_LOG" 2>/dev/null | tail -n 1 | cut -c1-400))"
			FAILED=1
		fi
	}
	check_cmd() {
		local what=$1
		shift
		if "$@"; then log "check ok: $what"; else
			log "CHECK FAILED: $what"
			FAILED=1
		fi
	}

	# 1. One keyring item, stored by docker-credential-secretservice, read by both.
	run_helper "$W/in/ss-cred" "$PEER_SS" store
	check_cmd "docker-credential-secretservice store $SS_SERVER" test "$RC" = 0
	run_helper "$W/in/ss-server" "$PEER_SS" get
	expect_login "docker-credential-secretservice get $SS_SERVER" "$SS_USER" "$SS_SECRET"
	run_helper "$W/in/ss-server" env SSM_STORE=secretservice "$OURS" get
	expect_login "ours (SSM_STORE=secretservice) get $SS_SERVER: the same item" "$SS_USER" "$SS_SECRET"
	run_helper "$W/in/ss-server" env SSM_STORE=secretservice SSM_CACHE=off "$OURS" get
	expect_login "ours (SSM_STORE=secretservice SSM_CACHE=off) get $SS_SERVER" "$SS_USER" "$SS_SECRET"
	items=$(secret-tool search --all server "$SS_SERVER" 2>/dev/null | grep -c '^\[/' || true)
	check_cmd "one keyring item for $SS_SERVER (found $items)" test "$items" = 1

	# 2. ECR: both mint from the same stand-in with the default endpoint, then answer from cache.
	run_helper "$W/in/ecr-server" "$OURS" get
	expect_login "ours get $ECR_HOST (minted: default endpoint, AWS_* keys)" AWS "$ECR_PW"
	# docker-credential-ecr-login 0.6.0 (aws-sdk-go-v2) fails now and then with "deserialization
	# failed, failed to decode response body, read tcp ...: use of closed network connection"
	# although the service answered 200 (aws/aws-sdk-go-v2#1825, #2737: net/http closes the
	# connection under the reader). It is logged in ~/.ecr/log/ecr-login.log. Here one retry.
	EXTRA_MINTS=0
	run_helper "$W/in/ecr-server" "$PEER_ECR" get
	if [ "$RC" != 0 ] && [ "$(sdk_race_count)" -gt 0 ]; then
		log "note: docker-credential-ecr-login hit the aws-sdk-go-v2 closed-connection race; retrying once"
		EXTRA_MINTS=1
		run_helper "$W/in/ecr-server" "$PEER_ECR" get
	fi
	expect_login "docker-credential-ecr-login get $ECR_HOST (minted)" AWS "$ECR_PW"
	local accepted rejected
	accepted=$(standin_stats | jq -r '.ecr.accepted // 0')
	rejected=$(standin_stats | jq -r '.ecr.rejected // 0')
	check_cmd "the stand-in verified and accepted $((2 + EXTRA_MINTS)) GetAuthorizationToken calls (accepted $accepted, rejected $rejected)" \
		test "$accepted/$rejected" = $((2 + EXTRA_MINTS))/0
	check_cmd "docker-credential-ecr-login 0.6.0 caches in \$HOME/.ecr/cache.json" test -s "$HOME/.ecr/cache.json"
	check_cmd "... and nowhere else in \$HOME/.ecr (besides its log)" \
		test "$(cd "$HOME/.ecr" && find . -type f | sort | paste -sd ' ')" = "./cache.json ./log/ecr-login.log"
	run_helper "$W/in/kubelet-ecr" "$OURS" kubelet
	expect_kubelet "ours kubelet $ECR_HOST/bench/app (the cached token)" "$ECR_HOST" AWS "$ECR_PW"
	run_helper "$W/in/ecr-server" env SSM_LOG=debug "$OURS" get
	if grep -q 'runtime folder cache' <(tail -n 20 "$W/helpers.err"); then log "check ok: ours answers from the runtime folder token cache"; else
		log "CHECK FAILED: ours does not say it used the runtime folder token cache"
		FAILED=1
	fi
	run_helper "$W/in/ecr-server" "$PEER_ECR" get
	check_cmd "both answered again from their caches (no new token request)" \
		test "$(standin_stats | jq -r '.ecr.accepted // 0')" = $((2 + EXTRA_MINTS))

	# 4. Not-found answers.
	run_helper "$W/in/public-server" "$OURS" get
	expect_not_found "ours get $PUBLIC_SERVER: not found"
	run_helper "$W/in/public-server" env SSM_CACHE=off "$OURS" get
	expect_not_found "ours (SSM_CACHE=off) get $PUBLIC_SERVER: not found"
	run_helper "$W/in/public-server" "$PEER_SS" get
	expect_not_found "docker-credential-secretservice get $PUBLIC_SERVER: not found"
	run_helper "$W/in/public-server" "$PEER_ECR" get
	expect_not_found "docker-credential-ecr-login get $PUBLIC_SERVER: not found"

	# 5. The file store.
	run_helper "$W/in/file-cred" env SSM_STORE=file "$OURS" store
	check_cmd "ours (SSM_STORE=file) store $FILE_SERVER" test "$RC" = 0
	run_helper "$W/in/file-server" env SSM_STORE=file "$OURS" get
	expect_login "ours (SSM_STORE=file) get $FILE_SERVER" file-user "$FILE_SECRET"
	run_helper "$W/in/kubelet-file" env SSM_STORE=file "$OURS" kubelet
	expect_kubelet "ours (SSM_STORE=file) kubelet $FILE_SERVER/bench/app" "$FILE_SERVER" file-user "$FILE_SECRET"
	check_cmd "the file store exists (credentials.enc)" test -s "$XDG_DATA_HOME/docker-credential-ssm/credentials.enc"

	# 6. Round trips leave nothing.
	local who
	for who in "$PEER_SS" "env SSM_STORE=secretservice $OURS" "env SSM_STORE=file $OURS"; do
		# shellcheck disable=SC2086 # word splitting wanted
		check_cmd "round trip ($who) exits 0" "$W/bin/roundtrip.sh" $who
	done
	run_helper "$W/in/rt-server" "$PEER_SS" get
	expect_not_found "after the round trips: docker-credential-secretservice get $RT_SERVER: not found"
	run_helper "$W/in/rt-server" env SSM_STORE=secretservice SSM_CACHE=off "$OURS" get
	expect_not_found "after the round trips: ours (secretservice) get $RT_SERVER: not found"
	run_helper "$W/in/rt-server" env SSM_STORE=file SSM_CACHE=off "$OURS" get
	expect_not_found "after the round trips: ours (file) get $RT_SERVER: not found"

	# 8.-10. AWS identities with no keys in the environment (the SDK chain): instance metadata,
	# web identity, and no identity at all (the not-found answer for an unconfigured ECR host).
	NOKEYS=(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY)
	WI_ENV=(AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt")
	ecr_accepted() { standin_stats | jq -r '.ecr.accepted // 0'; }
	ecr_signer() { standin_stats | jq -r '.ecr.last_reason // ""' | sed -n 's/^ok: signed by //p'; }
	sts_accepted() { standin_stats | jq -r '.sts.accepted // 0'; }
	md_count() { wc -l <"$MD/requests.log"; }
	# peer_fresh_get INPUT CMD...: CMD (ecr-login get, perhaps after env) with ecr-login's cache
	# removed first, retried once after the aws-sdk-go-v2 closed-connection race (see the ECR
	# check above; PEER_RETRIED says so). peer_get INPUT [VAR=VALUE...]: the same with no keys.
	peer_fresh_get() {
		local input=$1 races
		shift
		rm -f "$HOME/.ecr/cache.json"
		PEER_RETRIED=0
		races=$(sdk_race_count)
		run_helper "$input" "$@"
		if [ "$RC" != 0 ] && [ "$(sdk_race_count)" -gt "$races" ]; then
			log "note: docker-credential-ecr-login hit the aws-sdk-go-v2 closed-connection race; retrying once"
			PEER_RETRIED=1
			rm -f "$HOME/.ecr/cache.json"
			run_helper "$input" "$@"
		fi
	}
	peer_get() {
		local input=$1
		shift
		peer_fresh_get "$input" "${NOKEYS[@]}" "$@" "$PEER_ECR" get
	}
	local n0 n1 s0 t0 ms state sts_want
	for who in ours ecr-login; do
		imds_state ok
		"$OURS" cache clear >/dev/null
		n0=$(md_count) s0=$(sts_accepted)
		if [ "$who" = ours ]; then run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get; else peer_get "$W/in/ecr-server"; fi
		expect_login "$who get $ECR_HOST, no keys, instance metadata answering (cold)" AWS "$ECR_PW"
		check_cmd "... minted with the instance role's keys, after IMDSv2 requests, without STS (signer $(ecr_signer), $(($(md_count) - n0)) IMDS requests)" \
			test "$(ecr_signer)/$(($(md_count) > n0))/$(sts_accepted)" = "$IMDS_AKID/1/$s0"
		imds_state none
		"$OURS" cache clear >/dev/null
		n0=$(md_count) s0=$(sts_accepted) sts_want=1
		if [ "$who" = ours ]; then
			run_helper "$W/in/ecr-server" "${NOKEYS[@]}" env "${WI_ENV[@]}" "$OURS" get
		else
			peer_get "$W/in/ecr-server" "${WI_ENV[@]}"
			sts_want=$((1 + PEER_RETRIED))
		fi
		expect_login "$who get $ECR_HOST, no keys, AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (cold)" AWS "$ECR_PW"
		check_cmd "... $sts_want AssumeRoleWithWebIdentity at $STS_API accepted, minted with the web identity role's keys, no IMDS request (signer $(ecr_signer))" \
			test "$(ecr_signer)/$(($(sts_accepted) - s0))/$(md_count)" = "$WI_AKID/$sts_want/$n0"
	done
	# No identity: the address routed nowhere, then listening but silent.
	imds_state none
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	expect_not_found "ours get $ECR_HOST, no AWS identity ($IMDS_ADDR routed nowhere): not found"
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	expect_not_found "... again: not found (from its negative cache)"
	imds_state silent
	"$OURS" cache clear >/dev/null
	n0=$(md_count)
	t0=$(date +%s%N)
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_not_found "ours get $ECR_HOST, no AWS identity ($IMDS_ADDR listening, silent): not found in $ms ms"
	n1=$(md_count)
	check_cmd "... instance metadata was asked ($((n1 - n0)) requests arrived) and given up on within 3 s" \
		test "$((n1 > n0))/$((ms < 3000))" = 1/1
	run_helper "$W/in/ecr-server" "${NOKEYS[@]}" "$OURS" get
	expect_not_found "... again: not found"
	check_cmd "... from the negative cache: instance metadata not asked again" test "$(md_count)" = "$n1"
	if [ -z "$QUICK" ]; then
		# ecr-login has no negative cache: every get probes (about 12 s and 19 s here, README).
		for state in none silent; do
			imds_state "$state"
			n0=$(md_count)
			t0=$(date +%s%N)
			peer_get "$W/in/ecr-server"
			ms=$((($(date +%s%N) - t0) / 1000000))
			expect_not_found "docker-credential-ecr-login get $ECR_HOST, no AWS identity (instance metadata: $state): not found in $ms ms"
		done
		check_cmd "... instance metadata was asked by ecr-login when listening ($(($(md_count) - n0)) requests)" test "$(md_count)" -gt "$n0"
	else
		log "--quick: docker-credential-ecr-login with no AWS identity not run (12-19 s per get, README)"
	fi
	# 11.-12. Google: gcr.io with no key, through the GCE metadata server, and with no Google
	# identity at all (both metadata addresses routed nowhere). No peer: Debian has no
	# docker-credential-gcr (README).
	NOGOOGLE=(env -u GOOGLE_APPLICATION_CREDENTIALS -u CLOUDSDK_CONFIG -u GCE_METADATA_HOST -u NO_GCE_CHECK)
	gce_count() { wc -l <"$GCE/requests.log"; }
	imds_state ok
	"$OURS" cache clear >/dev/null
	n0=$(gce_count)
	run_helper "$W/in/gcr-server" "${NOGOOGLE[@]}" "$OURS" get
	expect_login "ours get $GCR_SERVER, no key, GCE metadata server answering (cold)" oauth2accesstoken "$GCE_TOKEN"
	check_cmd "... token and scopes asked at http://$GCE_NAME with Metadata-Flavor: Google ($(($(gce_count) - n0)) requests)" \
		test "$(tail -n "+$((n0 + 1))" "$GCE/requests.log" | jq -r '"\(.host) \(.flavor) \(.status)"' | sort -u)" = "$GCE_NAME true 200"
	imds_state none
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/gcr-server" "${NOGOOGLE[@]}" "$OURS" get
	expect_not_found "ours get $GCR_SERVER, no Google identity ($GCE_NAME and $IMDS_ADDR routed nowhere): not found"
	run_helper "$W/in/gcr-server" "${NOGOOGLE[@]}" "$OURS" get
	expect_not_found "... again: not found (from its negative cache)"
	# 14.-15. Azure: an ACR host with no secret, through the instance metadata service (managed
	# identity), and with no Azure identity at all (169.254.169.254 routed nowhere). No peer:
	# Debian packages no ACR helper.
	NOAZURE=(env -u AZURE_CLIENT_ID -u AZURE_TENANT_ID -u AZURE_CLIENT_SECRET -u AZURE_CLIENT_CERTIFICATE_PATH
		-u AZURE_FEDERATED_TOKEN_FILE -u AZURE_AUTHORITY_HOST -u IDENTITY_ENDPOINT -u IDENTITY_HEADER -u IMDS_ENDPOINT
		-u SSM_AZURE_IMDS)
	az_seen() { tail -n "+$(($1 + 1))" "$AZ/requests.log" | jq -r '"\(.server):\(.status)"' | paste -sd' '; }
	imds_state azure
	"$OURS" cache clear >/dev/null
	n0=$(wc -l <"$AZ/requests.log") n1=$(md_count)
	run_helper "$W/in/acr-server" "${NOAZURE[@]}" "$OURS" get
	expect_login "ours get $ACR_HOST, no secret, Azure instance metadata answering (cold)" "$AZ_USER" "$AZ_REFRESH"
	check_cmd "... the managed identity's token from IMDS at $IMDS_ADDR, then the exchange at https://$ACR_HOST ($(az_seen "$n0")), the AWS stand-in not asked" \
		test "$(az_seen "$n0")/$(md_count)" = "imds:200 acr:200/$n1"
	imds_state none
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/acr-server" "${NOAZURE[@]}" "$OURS" get
	expect_not_found "ours get $ACR_HOST, no Azure identity ($IMDS_ADDR routed nowhere): not found"
	run_helper "$W/in/acr-server" "${NOAZURE[@]}" "$OURS" get
	expect_not_found "... again: not found (from its negative cache)"

	imds_state ok
	# The warm cases that follow need both helpers' cached token for the keys in the
	# environment again.
	"$OURS" cache clear >/dev/null
	run_helper "$W/in/ecr-server" "$OURS" get
	expect_login "ours get $ECR_HOST with the keys again (minted)" AWS "$ECR_PW"
	peer_fresh_get "$W/in/ecr-server" "$PEER_ECR" get
	expect_login "docker-credential-ecr-login get $ECR_HOST with the keys again (minted)" AWS "$ECR_PW"
	CHECK_MINTS=$(ecr_accepted)
	log "token requests during the checks: $CHECK_MINTS (instance metadata requests: $(md_count))"

	if [ "$FAILED" != 0 ]; then
		log "a check failed: not benchmarking (helpers' stderr: $(tail -n 5 "$W/helpers.err" | tr '\n' ' '))"
		return 1
	fi

	# --hook FILE: a developer's script (profiling) runs here, in the prepared environment, with
	# OURS, PEER_SS, PEER_ECR, RUNNER, W and the in/ files; no cases are timed.
	if [ -n "${BENCH_HOOK:-}" ]; then
		OURS=$OURS PEER_SS=$PEER_SS PEER_ECR=$PEER_ECR RUNNER=$RUNNER W=$W bash "$BENCH_HOOK" >&2
		return $?
	fi

	# ----- the cases ----------------------------------------------------------------------------
	# bench ID GROUP HELPER LABEL EXPECT INPUT [--prepare CMD] [--sdk-race] [--setup STATE]
	#       [--unset VAR]... [--few N] -- [VAR=VALUE...] CMD...
	# registers a case; run_cases then runs them all in ROUNDS rounds, each round giving every
	# case RUNS/ROUNDS timed runs after its warm-up (WARMUP runs in the first round, one in the
	# others: the cold cases' `cache clear` empties every cache, and a warm case must find its
	# own state again before it is timed), so that a slow spell of the machine falls on every
	# case alike instead of on whichever case was running; the samples of the rounds are merged
	# into one median per case. --prepare CMD runs (untimed, through sh) before every run;
	# --setup STATE sets the instance metadata state (imds_state) before each round of the case;
	# --unset VAR removes VAR from the helper's environment; --few N: a case that takes seconds
	# per run gets N timed runs in all, no warm-up, spread over the first rounds (N = 0: not run,
	# reported as such).
	CASES=()
	mkdir -p "$W/cases"
	bench() {
		local id=$1 group=$2 helper=$3 label=$4 expect=$5 input=$6
		shift 6
		local prepare=() envs=() unsets=() sdk_race="" setup="" few="" a
		while [ "$1" != -- ]; do
			case $1 in
			--prepare)
				prepare=(--prepare "$2")
				shift
				;;
			--setup)
				setup=$2
				shift
				;;
			--unset)
				unsets+=(-u "$2")
				shift
				;;
			--few)
				few=$2
				shift
				;;
			--sdk-race) sdk_race=1 ;;
			esac
			shift
		done
		shift
		while [[ $1 == *=* ]]; do
			envs+=("$1")
			shift
		done
		CASES+=("$id")
		{
			printf 'C_ENVS=('
			for a in "${envs[@]}"; do printf '%q ' "$a"; done
			printf ')\nC_UNSETS=('
			for a in "${unsets[@]}"; do printf '%q ' "$a"; done
			printf ')\nC_OPTS=('
			for a in --input "$input" --expect-exit "$expect" "${prepare[@]}"; do printf '%q ' "$a"; done
			printf ')\nC_ARGS=('
			for a in "$@"; do printf '%q ' "$a"; done
			printf ')\nC_SDK=%q\nC_EXPECT=%q\nC_SETUP=%q\nC_FEW=%q\n' "$sdk_race" "$expect" "$setup" "$few"
		} >"$W/cases/$id.sh"
		jq -nc --arg id "$id" --arg group "$group" --arg helper "$helper" --arg lab "$label" \
			--arg envs "${envs[*]}" --argjson expect "$expect" --arg few "$few" \
			'{"id": $id, "group": $group, "helper": $helper, "label": $lab, "env": $envs, "expect_exit": $expect,
			  "few": (if $few == "" then null else ($few | tonumber) end)}' \
			>"$W/cases/$id.meta.json"
	}
	run_cases() {
		local rounds=$ROUNDS per round id warm line rc t0 t1 race0 races
		declare -A wall=() races_of=() bad=() done_of=()
		for ((round = 1; round <= rounds; round++)); do
			for id in "${CASES[@]}"; do
				# shellcheck disable=SC1090
				source "$W/cases/$id.sh"
				per=$((RUNS / ROUNDS)) warm=1
				[ "$round" != 1 ] || warm=$WARMUP
				if [ -n "$C_FEW" ]; then
					# ceil(N / ROUNDS) per round until N are done; no warm-up.
					per=$(((C_FEW + ROUNDS - 1) / ROUNDS)) warm=0
					[ "$per" -le $((C_FEW - ${done_of[$id]:-0})) ] || per=$((C_FEW - ${done_of[$id]:-0}))
					[ "$per" -gt 0 ] || continue
					done_of[$id]=$((${done_of[$id]:-0} + per))
				fi
				# A stand-in that died (killed from outside) would turn every cold run into a
				# timeout: stop at once instead (the cases not run are reported as such).
				if ! kill -0 "$STANDIN_PID" 2>/dev/null || ! kill -0 "$MD_PID" 2>/dev/null || ! kill -0 "$GCE_PID" 2>/dev/null ||
					! kill -0 "$AZ_PID" 2>/dev/null; then
					log "case $id, round $round: a stand-in is gone (ECR + STS pid $STANDIN_PID, instance metadata pid $MD_PID, GCE metadata pid $GCE_PID, Azure pid $AZ_PID): stopping"
					bad[$id]=1
					break 2
				fi
				if [ -n "$C_SETUP" ] && ! imds_state "$C_SETUP"; then
					log "case $id, round $round: cannot set the instance metadata state $C_SETUP"
					bad[$id]=1
					continue
				fi
				race0=$(sdk_race_count)
				rc=0
				t0=$(date +%s.%N)
				line=$(env "${C_UNSETS[@]}" "${C_ENVS[@]}" "$RUNNER" --runs "$per" --warmup "$warm" --samples "${C_OPTS[@]}" -- \
					"${C_ARGS[@]}") || rc=$?
				t1=$(date +%s.%N)
				wall[$id]=$(awk -v w="${wall[$id]:-0}" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", w + b - a }')
				if [ -z "$line" ] || ! printf '%s' "$line" | jq -e .times_ms >/dev/null 2>&1; then
					log "case $id, round $round: the runner failed (exit $rc)"
					bad[$id]=1
					continue
				fi
				printf '%s\n' "$line" >>"$W/cases/$id.chunks"
				races=0
				[ -z "$C_SDK" ] || races=$(($(sdk_race_count) - race0))
				races_of[$id]=$((${races_of[$id]:-0} + races))
			done
			log "round $round of $rounds done"
		done
		# One pass over every case (one Python, not one per case): merged statistics, the exit
		# statuses judged, one line per case in RESULTS, a summary line per case on stderr.
		: >"$W/cases/state.jsonl"
		for id in "${CASES[@]}"; do
			# shellcheck disable=SC1090
			source "$W/cases/$id.sh"
			printf '{"id": "%s", "bad": %s, "not_run": %s, "sdk": %s, "races": %d, "wall_s": %s, "expect": %d}\n' \
				"$id" "$([ -n "${bad[$id]:-}" ] && echo true || echo false)" \
				"$([ "$C_FEW" = 0 ] && echo true || echo false)" "$([ -n "$C_SDK" ] && echo true || echo false)" \
				"${races_of[$id]:-0}" "${wall[$id]:-0}" "$C_EXPECT" >>"$W/cases/state.jsonl"
		done
		/usr/bin/python3 - "$W/cases" "$RESULTS" <<'PYEOF' || FAILED=1
import json, math, os, statistics, sys
cases_dir, results = sys.argv[1:]
failed = False
with open(results, "a") as out:
    for st in (json.loads(l) for l in open(os.path.join(cases_dir, "state.jsonl")) if l.strip()):
        cid = st["id"]
        chunks_path = os.path.join(cases_dir, cid + ".chunks")
        if st["not_run"] and not st["bad"]:
            line = {"runs": 0, "failures": 0, "not_run": True}
        elif st["bad"] or not os.path.exists(chunks_path) or os.path.getsize(chunks_path) == 0:
            line = {"runs": 0, "failures": -1}
            failed = True
        else:
            chunks = [json.loads(l) for l in open(chunks_path) if l.strip()]
            t = [x for c in chunks for x in c["times_ms"]]
            r = [x for c in chunks for x in c["rss_kb"]]
            mean = sum(t) / len(t)
            sd = math.sqrt(sum((x - mean) ** 2 for x in t) / (len(t) - 1)) if len(t) > 1 else 0.0
            line = {"runs": len(t), "median_ms": round(statistics.median(t), 3), "mean_ms": round(mean, 3),
                    "stddev_ms": round(sd, 3), "min_ms": min(t), "max_ms": max(t),
                    "maxrss_kb": round(statistics.median(r)), "failures": sum(c["failures"] for c in chunks),
                    "rounds": len(chunks)}
            n = line["failures"]
            if n and st["sdk"] and n <= st["races"]:
                print("# case %s: %d run(s) failed, each with the aws-sdk-go-v2 closed-connection race (a bug of the "
                      "peer, logged in ecr-login.log; the token was minted): counted, not fatal" % (cid, n), file=sys.stderr)
            elif n:
                print("# case %s: %d run(s) did not exit %d" % (cid, n, st["expect"]), file=sys.stderr)
                failed = True
        meta = json.load(open(os.path.join(cases_dir, cid + ".meta.json")))
        line.update(meta)
        line.update({"wall_s": st["wall_s"], "sdk_race_failures": st["races"]})
        out.write(json.dumps(line, separators=(",", ":")) + "\n")
        print("# %-22s median %8.3f ms  rss %6s kB" % (cid, line.get("median_ms", 0), line.get("maxrss_kb", 0)),
              file=sys.stderr)
sys.exit(1 if failed else 0)
PYEOF
	}
	: >"$RESULTS"
	local clear_ours="$OURS cache clear >/dev/null" clear_ecr="rm -f '$HOME/.ecr/cache.json'"
	log "cases: $RUNS runs each, in $ROUNDS round(s) of $((RUNS / ROUNDS)) after warm-up runs ($WARMUP, then 1 per round)"
	bench true floor true "true" 0 /dev/null -- "$TRUE_BIN"

	# 1. get of the stored login from the Secret Service.
	bench ss_get_peer ss_get secretservice "docker-credential-secretservice get" 0 "$W/in/ss-server" -- "$PEER_SS" get
	bench ss_get_ours ss_get ours "ours get, SSM_STORE=secretservice" 0 "$W/in/ss-server" \
		-- SSM_STORE=secretservice "$OURS" get
	bench ss_get_ours_nocache ss_get ours_nocache "ours get, SSM_STORE=secretservice SSM_CACHE=off" 0 "$W/in/ss-server" \
		-- SSM_STORE=secretservice SSM_CACHE=off "$OURS" get

	# 2. get of a cached ECR token.
	bench ecr_warm_peer ecr_warm ecr-login "docker-credential-ecr-login get (cached token)" 0 "$W/in/ecr-server" \
		-- "$PEER_ECR" get
	bench ecr_warm_ours ecr_warm ours "ours get (cached token)" 0 "$W/in/ecr-server" -- "$OURS" get
	bench kubelet_ecr_ours ecr_warm ours_kubelet "ours kubelet (cached token), a CredentialProviderRequest" 0 \
		"$W/in/kubelet-ecr" -- "$OURS" kubelet

	# 8.-10. AWS identities, no keys in the environment (before the cold ECR cases, which leave the
	# tokens of the environment's keys cached again for the warm cases of the next round).
	local nokeys=(--unset AWS_ACCESS_KEY_ID --unset AWS_SECRET_ACCESS_KEY) few_peer=3 few_silent=10
	[ -z "$QUICK" ] || few_peer=0 few_silent=0
	bench imds_cold_peer imds_cold ecr-login "docker-credential-ecr-login get, instance metadata, ~/.ecr/cache.json removed first" 0 \
		"$W/in/ecr-server" --setup ok "${nokeys[@]}" --prepare "$clear_ecr" --sdk-race -- "$PEER_ECR" get
	bench imds_cold_ours imds_cold ours "ours get, instance metadata, \`cache clear\` first" 0 "$W/in/ecr-server" \
		--setup ok "${nokeys[@]}" --prepare "$clear_ours" -- "$OURS" get
	bench wi_cold_peer wi_cold ecr-login "docker-credential-ecr-login get, web identity, ~/.ecr/cache.json removed first" 0 \
		"$W/in/ecr-server" --setup none "${nokeys[@]}" --prepare "$clear_ecr" --sdk-race \
		-- AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt" "$PEER_ECR" get
	bench wi_cold_ours wi_cold ours "ours get, web identity, \`cache clear\` first" 0 "$W/in/ecr-server" \
		--setup none "${nokeys[@]}" --prepare "$clear_ours" \
		-- AWS_ROLE_ARN="$WI_ROLE" AWS_WEB_IDENTITY_TOKEN_FILE="$W/wi.jwt" "$OURS" get
	bench noaws_first_peer noaws ecr-login "docker-credential-ecr-login get, no AWS identity ($IMDS_ADDR routed nowhere)" 1 \
		"$W/in/ecr-server" --setup none "${nokeys[@]}" --prepare "$clear_ecr" --few "$few_peer" -- "$PEER_ECR" get
	bench noaws_first_ours noaws ours "ours get, no AWS identity ($IMDS_ADDR routed nowhere), \`cache clear\` first" 1 \
		"$W/in/ecr-server" --setup none "${nokeys[@]}" --prepare "$clear_ours" -- "$OURS" get
	bench noaws_warm_ours noaws ours_warm "ours get, no AWS identity, remembered (negative cache)" 1 "$W/in/ecr-server" \
		--setup none "${nokeys[@]}" -- "$OURS" get
	bench noaws_silent_peer noaws_silent ecr-login "docker-credential-ecr-login get, no AWS identity ($IMDS_ADDR silent)" 1 \
		"$W/in/ecr-server" --setup silent "${nokeys[@]}" --prepare "$clear_ecr" --few "$few_peer" -- "$PEER_ECR" get
	bench noaws_silent_ours noaws_silent ours "ours get, no AWS identity ($IMDS_ADDR silent), \`cache clear\` first" 1 \
		"$W/in/ecr-server" --setup silent "${nokeys[@]}" --prepare "$clear_ours" --few "$few_silent" -- "$OURS" get

	# 11.-12. gcr.io with no key: the GCE metadata server, and no Google identity at all.
	local nogoogle=(--unset GOOGLE_APPLICATION_CREDENTIALS --unset CLOUDSDK_CONFIG --unset GCE_METADATA_HOST --unset NO_GCE_CHECK)
	bench gce_cold_ours gce_cold ours "ours get $GCR_SERVER, GCE metadata server, \`cache clear\` first" 0 "$W/in/gcr-server" \
		--setup ok "${nogoogle[@]}" --prepare "$clear_ours" -- "$OURS" get
	bench nogoogle_first_ours nogoogle ours "ours get $GCR_SERVER, no Google identity ($GCE_NAME and $IMDS_ADDR routed nowhere), \`cache clear\` first" 1 \
		"$W/in/gcr-server" --setup none "${nogoogle[@]}" --prepare "$clear_ours" -- "$OURS" get
	bench nogoogle_warm_ours nogoogle ours_warm "ours get $GCR_SERVER, no Google identity, remembered (negative cache)" 1 "$W/in/gcr-server" \
		--setup none "${nogoogle[@]}" -- "$OURS" get

	# 14.-15. An ACR host with no secret: Azure's instance metadata service, and no Azure identity.
	local noazure=(--unset AZURE_CLIENT_ID --unset AZURE_TENANT_ID --unset AZURE_CLIENT_SECRET
		--unset AZURE_CLIENT_CERTIFICATE_PATH --unset AZURE_FEDERATED_TOKEN_FILE --unset AZURE_AUTHORITY_HOST
		--unset IDENTITY_ENDPOINT --unset IDENTITY_HEADER --unset IMDS_ENDPOINT --unset SSM_AZURE_IMDS)
	bench azure_cold_ours azure_cold ours "ours get $ACR_HOST, Azure instance metadata (managed identity), \`cache clear\` first" 0 \
		"$W/in/acr-server" --setup azure "${noazure[@]}" --prepare "$clear_ours" -- "$OURS" get
	bench noazure_first_ours noazure ours "ours get $ACR_HOST, no Azure identity ($IMDS_ADDR routed nowhere), \`cache clear\` first" 1 \
		"$W/in/acr-server" --setup none "${noazure[@]}" --prepare "$clear_ours" -- "$OURS" get
	bench noazure_warm_ours noazure ours_warm "ours get $ACR_HOST, no Azure identity, remembered (negative cache)" 1 "$W/in/acr-server" \
		--setup none "${noazure[@]}" -- "$OURS" get

	# 3. The cold get that mints the token: caches cleared before every run.
	bench ecr_cold_peer ecr_cold ecr-login "docker-credential-ecr-login get, ~/.ecr/cache.json removed first" 0 "$W/in/ecr-server" \
		--prepare "$clear_ecr" --sdk-race -- "$PEER_ECR" get
	bench ecr_cold_ours ecr_cold ours "ours get, \`cache clear\` first" 0 "$W/in/ecr-server" \
		--prepare "$clear_ours" -- "$OURS" get
	bench ecr_cold_ours_file ecr_cold ours_file "ours get, \`cache clear\` first, SSM_STORE=file" 0 "$W/in/ecr-server" \
		--prepare "$clear_ours" -- SSM_STORE=file "$OURS" get
	bench ecr_cold_ours_serial ecr_cold ours_serial "ours get, \`cache clear\` first, SSM_PARALLEL=off" 0 "$W/in/ecr-server" \
		--prepare "$clear_ours" -- SSM_PARALLEL=off "$OURS" get

	# 4. get of an unconfigured public registry: the not-found answer.
	bench nf_peer_ss notfound secretservice "docker-credential-secretservice get $PUBLIC_SERVER" 1 "$W/in/public-server" \
		-- "$PEER_SS" get
	bench nf_peer_ecr notfound ecr-login "docker-credential-ecr-login get $PUBLIC_SERVER" 1 "$W/in/public-server" \
		-- "$PEER_ECR" get
	bench nf_ours notfound ours "ours get $PUBLIC_SERVER" 1 "$W/in/public-server" -- "$OURS" get
	bench nf_ours_nocache notfound ours_nocache "ours get $PUBLIC_SERVER, SSM_CACHE=off" 1 "$W/in/public-server" \
		-- SSM_CACHE=off "$OURS" get

	# 5. get from the built-in file store (no peer has one).
	bench file_get_ours file_get ours "ours get, SSM_STORE=file" 0 "$W/in/file-server" -- SSM_STORE=file "$OURS" get
	bench file_get_ours_nocache file_get ours_nocache "ours get, SSM_STORE=file SSM_CACHE=off" 0 "$W/in/file-server" \
		-- SSM_STORE=file SSM_CACHE=off "$OURS" get
	bench kubelet_file_ours file_get ours_kubelet "ours kubelet, SSM_STORE=file (a static login), a CredentialProviderRequest" 0 \
		"$W/in/kubelet-file" -- SSM_STORE=file "$OURS" kubelet

	# 6. store + erase round trips, through the same /bin/sh script.
	bench rt_floor roundtrip true "roundtrip.sh with \`true\` (the shell alone)" 0 /dev/null \
		-- "$W/bin/roundtrip.sh" "$TRUE_BIN"
	bench rt_peer_ss roundtrip secretservice "roundtrip.sh docker-credential-secretservice" 0 /dev/null \
		-- "$W/bin/roundtrip.sh" "$PEER_SS"
	bench rt_ours_ss roundtrip ours "roundtrip.sh ours, SSM_STORE=secretservice" 0 /dev/null \
		-- SSM_STORE=secretservice "$W/bin/roundtrip.sh" "$OURS"
	bench rt_ours_file roundtrip ours_file "roundtrip.sh ours, SSM_STORE=file" 0 /dev/null \
		-- SSM_STORE=file "$W/bin/roundtrip.sh" "$OURS"

	run_cases

	# The same answers after all that (nothing drifted during the timing).
	run_helper "$W/in/ss-server" env SSM_STORE=secretservice "$OURS" get
	expect_login "after the cases: ours get $SS_SERVER" "$SS_USER" "$SS_SECRET"
	run_helper "$W/in/ecr-server" "$PEER_ECR" get
	expect_login "after the cases: docker-credential-ecr-login get $ECR_HOST" AWS "$ECR_PW"
	rejected=$(standin_stats | jq -r '.ecr.rejected // 0')
	accepted=$(standin_stats | jq -r '.ecr.accepted // 0')
	check_cmd "the stand-in rejected no token request ($rejected)" test "$rejected" = 0
	# CHECK_MINTS in the checks, then one per run (warm-ups included) of the eight cold cases
	# (four with the keys, two by instance metadata, two by web identity) and none for the rest;
	# up to 6 more are ecr-login's SDK retrying after its closed-connection race (README).
	expected=$((CHECK_MINTS + 8 * (RUNS + WARMUP + ROUNDS - 1)))
	check_cmd "every cold run minted once, no warm run minted ($accepted token requests, expected $expected, at most 6 more from ecr-login's retries)" \
		test "$accepted" -ge "$expected" -a "$accepted" -le $((expected + 6))
	standin_stats >"$W/standin-stats.json" 2>/dev/null || true
	return "$FAILED"
}

if [ "${BENCH_STAGE:-}" = inner ]; then
	inner_main
	exit $?
fi

# =============================================================================================
# Outer stage: build, start the inner stage, clean up, report.
# =============================================================================================
QUICK=
OUT=
HOOK=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--out)
		[ $# -ge 2 ] || { echo "bench/run.sh: --out needs a FILE" >&2; exit 2; }
		OUT=$2
		shift
		;;
	--out=*) OUT=${1#--out=} ;;
	--hook)
		[ $# -ge 2 ] || { echo "bench/run.sh: --hook needs a FILE" >&2; exit 2; }
		HOOK=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
		shift
		;;
	-h | --help)
		awk 'NR > 1 && /^# shellcheck/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$SELF"
		exit 0
		;;
	*)
		echo "bench/run.sh: unknown argument $1 (usage: bench/run.sh [--quick] [--out FILE])" >&2
		exit 2
		;;
	esac
	shift
done
if [ -n "$QUICK" ]; then
	RUNS=5 WARMUP=1 ROUNDS=1
	OUT=${OUT:-$ROOT/build/bench-results-quick.md}
else
	RUNS=100 WARMUP=5 ROUNDS=5
	OUT=${OUT:-$BENCH_DIR/results.md}
fi
case $OUT in /*) ;; *) OUT="$PWD/$OUT" ;; esac

[ "$(id -u)" = 0 ] || die "needs root (network and mount namespaces, port 443)"
for c in unshare ip setpriv mount dbus-run-session gnome-keyring-daemon secret-tool gdbus openssl jq curl \
	g++ cmake docker-credential-secretservice docker-credential-ecr-login; do
	command -v "$c" >/dev/null 2>&1 || die "$c is not installed (see bench/README.md)"
done
/usr/bin/python3 -c 'import cryptography' 2>/dev/null || die "/usr/bin/python3 lacks python3-cryptography"

START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "building (cmake preset default) ..."
configure_out=$(cd "$ROOT" && cmake --preset default 2>&1) ||
	{ printf '%s\n' "$configure_out" >&2; die "cmake --preset default failed"; }
(cd "$ROOT" && cmake --build --preset default --target docker-credential-ssm ssm-store-file ssm-store-secretservice ssm-net) \
	>&2 || die "the build failed"
g++ -O2 -std=c++17 -Wall -o "$ROOT/build/bench-runner" "$BENCH_DIR/runner.cc" || die "compiling bench/runner.cc failed"
BUILD_S=$(($(date +%s) - START))

W=$(mktemp -d "${TMPDIR:-/tmp}/ssm-bench.XXXXXX") || die "mktemp failed"
chmod 700 "$W"
INNER=
outer_cleanup() {
	if [ -n "$INNER" ] && kill -0 "$INNER" 2>/dev/null; then
		[ -s "$W/inner.pid" ] && kill -TERM "$(cat "$W/inner.pid")" 2>/dev/null
		wait "$INNER" 2>/dev/null
	fi
	rm -rf "$W"
}
trap outer_cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$W/bin" "$W/bus"
cp "$ROOT/build/docker-credential-ssm" "$ROOT"/build/ssm-*.so "$ROOT/build/bench-runner" "$W/bin/" ||
	die "cannot copy the build into $W"
# Stripped, as installed: the .deb (CPACK_STRIP_FILES) and install.sh (cmake --install --strip)
# ship the same -O2 code without its debug information.
strip "$W/bin/docker-credential-ssm" && strip --strip-unneeded "$W"/bin/ssm-*.so || die "strip failed"
"$W/bin/docker-credential-ssm" version >/dev/null 2>&1 || die "the built helper does not run"
# The private bus of tests/support/sandbox.sh: no service directories, nothing D-Bus-activated.
# shellcheck source=../tests/support/sandbox.sh
. "$SUPPORT_DIR/sandbox.sh"
_sandbox_write_bus_config "$W/bus"

# Nothing from the caller's environment may configure a helper, AWS, TLS or a proxy.
for v in $(compgen -e); do
	case $v in
	SSM_* | AWS_* | DOCKER_* | REGISTRY_* | DBUS_SESSION_BUS_ADDRESS | SSL_CERT_* | CURL_CA_BUNDLE | \
		[Hh][Tt][Tt][Pp]_[Pp][Rr][Oo][Xx][Yy] | [Hh][Tt][Tt][Pp][Ss]_[Pp][Rr][Oo][Xx][Yy] | \
		[Aa][Ll][Ll]_[Pp][Rr][Oo][Xx][Yy] | [Nn][Oo]_[Pp][Rr][Oo][Xx][Yy]) unset "$v" ;;
	esac
done

# cpu_busy: jiffies (1/100 s) the whole machine spent busy so far. children_cpu FILE: CPU time
# (1/100 s) used so far by this shell's waited-for descendants (the inner stage and everything
# it started), from `times`, which must run in this shell, not in a $(...) subshell: hence the
# file. Busy time minus our own over the cases is what other processes used.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
children_cpu() {
	times >"$1"
	awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
		printf "%d\n", n * 100 }' "$1" >"$1.cs"
}
log "running the cases in a private network + mount namespace (work dir $W) ..."
BUSY0=$(cpu_busy)
children_cpu "$W/times0"
T0=$(date +%s)
BENCH_STAGE=inner BENCH_QUICK=$QUICK BENCH_HOOK=$HOOK BENCH_W=$W BENCH_RUNS=$RUNS BENCH_WARMUP=$WARMUP BENCH_ROUNDS=$ROUNDS \
	unshare --net --mount --propagation private -- \
	env HOME="$W" XDG_RUNTIME_DIR="$W/bus" \
	dbus-run-session --config-file="$W/bus/session.conf" -- bash "$SELF" &
INNER=$!
rc=0
wait "$INNER" || rc=$?
while kill -0 "$INNER" 2>/dev/null; do
	rc=0
	wait "$INNER" || rc=$?
done
INNER=
[ -z "$HOOK" ] || exit "$rc"
CASES_S=$(($(date +%s) - T0))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
BUSY1=$(cpu_busy)
children_cpu "$W/times1"
OTHERS_CPU=$(( (BUSY1 - BUSY0) - ($(cat "$W/times1.cs") - $(cat "$W/times0.cs")) ))
[ "$OTHERS_CPU" -ge 0 ] || OTHERS_CPU=0
OTHERS=$(awk -v o="$OTHERS_CPU" -v t="$CASES_S" -v c="$(nproc)" 'BEGIN {
	p = 0
	if (t > 0) p = o / (t * c)
	printf "%.1f CPU-seconds (%.0f%% of the machine over the %d s)", o / 100, p, t }')
log "other processes used $OTHERS while the cases ran"

if [ ! -s "$W/results.jsonl" ]; then
	die "no case ran (exit $rc)"
fi

# ----- the report ------------------------------------------------------------------------------
dpkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }
COMMIT=$(git -C "$ROOT" --no-optional-locks rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	COMMIT="$COMMIT (with uncommitted changes)"
fi
jq -n \
	--arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" \
	--arg cores "$(nproc)" \
	--arg kernel "$(uname -r)" \
	--arg debian "$(cat /etc/debian_version 2>/dev/null || echo unknown)" \
	--arg ss "$(dpkg_version golang-docker-credential-helpers)" \
	--arg ecr "$(dpkg_version amazon-ecr-credential-helper)" \
	--arg gk "$(dpkg_version gnome-keyring)" \
	--arg ls "$(dpkg_version libsecret-1-0)" \
	--arg ours "$("$W/bin/docker-credential-ssm" version 2>&1 | head -n 1)" \
	--arg commit "$COMMIT" \
	--arg date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	--arg mode "$([ -n "$QUICK" ] && echo quick || echo full)" \
	--arg load "before the build: $LOAD_BEFORE; after the cases: $LOAD_AFTER" \
	--arg others "$OTHERS" \
	--argjson runs "$RUNS" --argjson warmup "$WARMUP" --argjson rounds "$ROUNDS" \
	--argjson build_s "$BUILD_S" --argjson cases_s "$CASES_S" --argjson rc "$rc" \
	'{cpu: $cpu, cores: $cores, kernel: $kernel, debian: $debian, ss: $ss, ecr: $ecr, gnome_keyring: $gk,
	  libsecret: $ls, ours: $ours, commit: $commit, date: $date, mode: $mode, runs: $runs, warmup: $warmup, rounds: $rounds,
	  build_s: $build_s, cases_s: $cases_s, inner_rc: $rc, load: $load, others: $others}' >"$W/machine.json"

mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 - "$W/results.jsonl" "$W/machine.json" "$OUT" <<'EOF' || rc=1
import json, sys

results_path, machine_path, out_path = sys.argv[1:]
rows = [json.loads(l) for l in open(results_path) if l.strip()]
m = json.load(open(machine_path))
by = {r["id"]: r for r in rows}

def med(i):
    r = by.get(i)
    return r["median_ms"] if r and r.get("runs") and "median_ms" in r else None

def rss(i):
    r = by.get(i)
    return r["maxrss_kb"] if r and r.get("runs") and "maxrss_kb" in r else None

def not_run(i):
    return bool(by.get(i, {}).get("not_run"))

def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None

def f(x, fmt="%.2f"):
    return "n/a" if x is None else fmt % x

floor = med("true")
few = ", ".join("`%s` %d" % (r["id"], r["runs"]) for r in rows if r.get("few") is not None)
L = []
L.append("# docker-credential-ssm benchmark results")
L.append("")
L.append("Made by `bench/run.sh%s` (see [README.md](README.md) for what each case measures and the caveats)." %
         (" --quick" if m["mode"] == "quick" else ""))
L.append("")
L.append("| | |")
L.append("|---|---|")
for k, v in [("date", m["date"]), ("CPU", m["cpu"]), ("cores", m["cores"]), ("kernel", m["kernel"]),
             ("Debian", m["debian"]),
             ("docker-credential-ssm", "%s, commit %s, cmake preset `default` (RelWithDebInfo: -O2), stripped as installed" % (m["ours"], m["commit"])),
             ("golang-docker-credential-helpers (docker-credential-secretservice)", m["ss"]),
             ("amazon-ecr-credential-helper (docker-credential-ecr-login)", m["ecr"]),
             ("gnome-keyring / libsecret", "%s / %s" % (m["gnome_keyring"], m["libsecret"])),
             ("runs per case", "%d timed, in %d interleaved round(s) (every case once per round), after %d warm-up "
              "run(s) in the first round and 1 in each later one" % (m["runs"], m["rounds"], m["warmup"]) +
              ("; but the cases that take seconds per run, without warm-up: %s" % few if few else "")),
             ("time taken", "build %d s, cases %d s" % (m["build_s"], m["cases_s"])),
             ("load average (1, 5, 15 min)", m["load"]),
             ("CPU used by other processes while the cases ran", m["others"] +
              " (the benchmark's own processes excluded; anything above a few % makes the numbers noisy)")]:
    L.append("| %s | %s |" % (k, v))
L.append("")

# --- targets
def target(name, value, limit, text, allowed, skipped=False):
    met = None if value is None else (value <= limit)
    missing = "n/a (not run in this mode)" if skipped else "n/a (did not run)"
    return "| %s | %s | %s | %s | %s |" % (name, text, allowed, f(value, "%.3f"),
                                           missing if met is None else ("met" if met else "**not met**"))

def allowed_ms(factor, base):
    b = med(base)
    return "n/a" if b is None else "%.3f ms" % (factor * b)

T = []
T.append("| target | measured as | limit | measured | result |")
T.append("|---|---|---|---|---|")
T.append(target("(1) Secret Service get ≤ 0.2× docker-credential-secretservice",
                ratio(med("ss_get_ours"), med("ss_get_peer")), 0.2, "ours (cache on) / peer, medians",
                "0.2, i.e. ours ≤ " + allowed_ms(0.2, "ss_get_peer")))
T.append(target("(2) cached ECR token get ≤ 0.2× docker-credential-ecr-login",
                ratio(med("ecr_warm_ours"), med("ecr_warm_peer")), 0.2, "ours / ecr-login, medians",
                "0.2, i.e. ours ≤ %s (`true`: %s ms)" % (allowed_ms(0.2, "ecr_warm_peer"), f(floor, "%.3f"))))
T.append(target("(3) cold ECR get no slower than docker-credential-ecr-login",
                ratio(med("ecr_cold_ours"), med("ecr_cold_peer")), 1.0, "ours / ecr-login, medians",
                "1.0, i.e. ours ≤ " + allowed_ms(1.0, "ecr_cold_peer")))
T.append(target("(4) not-found get ≤ 2× `true`", ratio(med("nf_ours"), floor), 2.0, "ours / true, medians",
                "2.0, i.e. ours ≤ " + allowed_ms(2.0, "true")))
T.append(target("(5) file store get ≤ 2× `true`", ratio(med("file_get_ours"), floor), 2.0, "ours / true, medians",
                "2.0, i.e. ours ≤ " + allowed_ms(2.0, "true")))
T.append(target("(8) cold ECR get via instance metadata no slower than docker-credential-ecr-login",
                ratio(med("imds_cold_ours"), med("imds_cold_peer")), 1.0, "ours / ecr-login, medians",
                "1.0, i.e. ours ≤ " + allowed_ms(1.0, "imds_cold_peer")))
T.append(target("(9) cold ECR get via web identity no slower than docker-credential-ecr-login",
                ratio(med("wi_cold_ours"), med("wi_cold_peer")), 1.0, "ours / ecr-login, medians",
                "1.0, i.e. ours ≤ " + allowed_ms(1.0, "wi_cold_peer")))
mem_pairs = [("ss_get_ours", "ss_get_peer"), ("nf_ours", "nf_peer_ss"), ("rt_ours_ss", "rt_peer_ss"),
             ("ecr_warm_ours", "ecr_warm_peer"), ("ecr_cold_ours", "ecr_cold_peer"), ("nf_ours", "nf_peer_ecr"),
             ("imds_cold_ours", "imds_cold_peer"), ("wi_cold_ours", "wi_cold_peer"),
             ("noaws_first_ours", "noaws_first_peer"), ("noaws_warm_ours", "noaws_first_peer")]
# A peer case not run in this mode (--quick) has no pair; a case that failed to run makes it n/a.
mem_pairs = [(a, b) for a, b in mem_pairs if not not_run(b)]
mem_ratios = [ratio(rss(a), rss(b)) for a, b in mem_pairs]
worst = None if any(x is None for x in mem_ratios) else max(mem_ratios)
T.append(target("(mem) peak RSS ≤ 0.5× either peer's", worst, 0.5,
                "worst of ours / peer median peak RSS over the paired cases below", "0.5"))

# --- comparisons
C = []
C.append("| case | ours | ours median ms | peer | peer median ms | ours / peer | ours / `true` | ours RSS MiB | peer RSS MiB | RSS ours / peer |")
C.append("|---|---|---|---|---|---|---|---|---|---|")
pairs = [
    ("1. Secret Service get", "ss_get_ours", "ss_get_peer"),
    ("1. Secret Service get", "ss_get_ours_nocache", "ss_get_peer"),
    ("2. cached ECR token get", "ecr_warm_ours", "ecr_warm_peer"),
    ("3. cold ECR get (mints)", "ecr_cold_ours", "ecr_cold_peer"),
    ("3. cold ECR get (mints)", "ecr_cold_ours_file", "ecr_cold_peer"),
    ("3. cold ECR get (mints)", "ecr_cold_ours_serial", "ecr_cold_peer"),
    ("4. not found (%s)" % "quay.io", "nf_ours", "nf_peer_ss"),
    ("4. not found (%s)" % "quay.io", "nf_ours", "nf_peer_ecr"),
    ("4. not found (%s)" % "quay.io", "nf_ours_nocache", "nf_peer_ss"),
    ("5. file store get", "file_get_ours", None),
    ("5. file store get", "file_get_ours_nocache", None),
    ("6. store + erase round trip", "rt_ours_ss", "rt_peer_ss"),
    ("6. store + erase round trip", "rt_ours_file", "rt_peer_ss"),
    ("8. cold ECR get, instance metadata (no keys)", "imds_cold_ours", "imds_cold_peer"),
    ("9. cold ECR get, web identity (no keys)", "wi_cold_ours", "wi_cold_peer"),
    ("10. no AWS identity: not found, first", "noaws_first_ours", "noaws_first_peer"),
    ("10. no AWS identity: not found, warm", "noaws_warm_ours", "noaws_first_peer"),
    ("10. no AWS identity: not found, first, instance metadata silent", "noaws_silent_ours", "noaws_silent_peer"),
    ("11. cold GCR get, GCE metadata server (no key; no peer in Debian)", "gce_cold_ours", None),
    ("12. no Google identity: not found, first (no peer in Debian)", "nogoogle_first_ours", None),
    ("12. no Google identity: not found, warm (no peer in Debian)", "nogoogle_warm_ours", None),
    ("14. cold ACR get, Azure instance metadata (no secret; no peer in Debian)", "azure_cold_ours", None),
    ("15. no Azure identity: not found, first (no peer in Debian)", "noazure_first_ours", None),
    ("15. no Azure identity: not found, warm (no peer in Debian)", "noazure_warm_ours", None),
    ("13. kubelet answer, cached ECR token (peer: ours get, same run)", "kubelet_ecr_ours", "ecr_warm_ours"),
    ("13. kubelet answer, static login from the file store (peer: ours get, same run)", "kubelet_file_ours", "file_get_ours"),
]
def mib(kb):
    return None if kb is None else kb / 1024.0
for name, o, p in pairs:
    ro, rp = by.get(o, {}), by.get(p, {}) if p else {}
    if p and not_run(p):
        C.append("| %s | %s | %s | %s | not run in this mode | – | %s | %s | – | – |" % (
            name, ro.get("label", o), f(med(o), "%.3f"), rp.get("label", p), f(ratio(med(o), floor), "%.2f"),
            f(mib(rss(o)), "%.1f")))
        continue
    C.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        name, ro.get("label", o), f(med(o), "%.3f"), rp.get("label", "(none; `true`: %s ms)" % f(floor, "%.3f")) if p else "(none; `true`: %s ms)" % f(floor, "%.3f"),
        f(med(p), "%.3f") if p else "–", f(ratio(med(o), med(p)), "%.3f") if p else "–",
        f(ratio(med(o), floor), "%.2f"), f(mib(rss(o)), "%.1f"), f(mib(rss(p)), "%.1f") if p else "–",
        f(ratio(rss(o), rss(p)), "%.2f") if p else "–"))

# --- every row
A = []
A.append("| id | command | median ms | mean ms | stddev ms | min ms | max ms | peak RSS kB (median) | ÷ `true` | runs | runs with an unexpected exit |")
A.append("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("not_run"):
        A.append("| %s | %s | not run in this mode (seconds per run) | | | | | | | 0 | |" % (r["id"], r["label"]))
        continue
    if not r.get("runs"):
        A.append("| %s | %s | did not run | | | | | | | | |" % (r["id"], r["label"]))
        continue
    fails = str(r["failures"])
    if r.get("sdk_race_failures"):
        fails += " (all the aws-sdk-go-v2 closed-connection race of ecr-login, see README)"
    A.append("| %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %s | %d | %s |" % (
        r["id"], r["label"], r["median_ms"], r["mean_ms"],
        r["stddev_ms"], r["min_ms"], r["max_ms"], r["maxrss_kb"], f(ratio(r["median_ms"], floor), "%.2f"),
        r["runs"], fails))

L.append("## Targets")
L.append("")
L += T
L.append("")
L.append("## Medians and ratios")
L.append("")
L += C
L.append("")
L.append("For the round trips (6) the command is `/bin/sh roundtrip.sh HELPER` (one `store`, one `erase`) for every "
         "helper: the shell is included for all; `roundtrip.sh true` (the shell alone) took %s ms. Peak RSS there is the "
         "largest of the shell and the helper (wait4 counts waited-for descendants)." % f(med("rt_floor"), "%.3f"))
L.append("")
L.append("## Every case")
L.append("")
L += A
L.append("")
text = "\n".join(L) + "\n"
with open(out_path, "w") as fh:
    fh.write(text)

# Terminal: the short version.
print("")
print("%-26s %-62s %10s %9s %8s" % ("id", "command", "median ms", "÷ true", "RSS MiB"))
for r in rows:
    if not r.get("runs"):
        print("%-26s %-62s %10s" % (r["id"], r["label"][:62], "not run" if r.get("not_run") else "FAILED"))
        continue
    print("%-26s %-62s %10.3f %9s %8.1f" % (r["id"], r["label"][:62], r["median_ms"],
                                            f(ratio(r["median_ms"], floor), "%.2f"), r["maxrss_kb"] / 1024.0))
print("")
print("%-62s %10s %s" % ("target", "measured", "result"))
for line in T[2:]:
    cells = [c.strip() for c in line.strip("|").split("|")]
    print("%-62s %10s %s" % (cells[0][:62], cells[3], cells[4].replace("**", "")))
print("")
print("written to %s" % out_path)
EOF
[ "$rc" = 0 ] || log "something failed to run (see above); the results file marks what did not run"
exit "$rc"
