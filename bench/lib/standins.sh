# shellcheck shell=bash disable=SC2034 # sourced: the variables set here are read elsewhere
# bench/lib/standins.sh: the benchmark's private world, inside the network + mount namespace
# (sourced by bench/run.sh's inner stage, which has sourced tests/support/{keyring,cloud_standin,
# netns}.sh and set W). See bench/README.md, "How it measures".
#
#   setup_hosts      lo up; a private /etc/hosts (bind mount) with the stand-ins' names
#   start_standins   the ECR + STS stand-in on 127.0.0.1:443, its keys and the web identity
#                    issuer, instance metadata on 169.254.169.254:80, the GCE metadata server at
#                    metadata.google.internal, the Azure stand-ins (IMDS, ACR exchange); sets
#                    STANDIN_PID, MD_PID, GCE_PID, AZ_PID and the secrets the checks expect
#   install_ca       the stand-in's CA in a copy of /etc/ssl/certs bind-mounted over it
#   imds_state S     what a helper finds at 169.254.169.254 (ok, none, silent, azure)
#   standins_alive   all four servers still run
#   stop_standins    stops them by PID
# Each dies (bench/run.sh's die) when something cannot be set up.

MD_PID=
GCE_PID=
AZ_PID=

setup_hosts() {
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
}

# The stand-ins run under setpriv --pdeathsig: they cannot outlive this shell. They are started
# through a small boot file that sets TCP_NODELAY on every connection it accepts: without it,
# the stand-in's writes (TLS session tickets, response headers, body) are held back by Nagle
# until the client ACKs, which Linux's delayed ACK postpones by ~40 ms: +40 ms on every token
# request, for every HTTPS client alike (measured with curl, ecr-login and ours). Real servers
# do not wait like that; the cold cases would mostly measure that wait. Nothing else of the
# stand-in changes. (_standin_edit runs STANDIN_PYTHON on a script from stdin: plain.)
write_standin_python() {
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
}

# serve_standin PIDVAR DIR SCRIPT ARG...: starts tests/support/SCRIPT --state DIR ARG... in the
# background (its log in DIR/server.log), sets PIDVAR to its PID and waits (5 s at most) for
# the PID file it writes once it listens.
serve_standin() {
	local pid_var=$1 dir=$2 script=$3 _
	shift 3
	"$STANDIN_PYTHON" "$SUPPORT_DIR/$script" --state "$dir" "$@" >>"$dir/server.log" 2>&1 &
	printf -v "$pid_var" '%s' "$!"
	for _ in $(seq 1 50); do
		[ -s "$dir/pid" ] && break
		sleep 0.1
	done
}

# The ECR + STS stand-in and the AWS identities (no keys in the environment): the instance
# role's keys that instance metadata hands out, and the web identity role's keys that STS hands
# out for a JWT of a test issuer (RS256, key made here).
start_cloud_standin() {
	standin_start "$W" --san "$ECR_API" --san "$STS_API" --san "$ACR_HOST" --port 443 >/dev/null ||
		die "the ECR + STS stand-in did not start on 127.0.0.1:443"
	AWS_AKID="AKIDBENCH$(openssl rand -hex 6 | tr a-f A-F)"
	AWS_SECRET="bench-aws-secret-$(openssl rand -hex 12)"
	ECR_PW="ecr-bench-$(openssl rand -hex 16)"
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
}

# Instance metadata (tests/support/aws_metadata_standin.py, IMDSv2) at its real address,
# 169.254.169.254:80 on lo. imds_state sets what a helper finds there, for a case:
#   ok      the stand-in answers (IMDSv2 token, role, the role's keys)
#   none    no such address in the namespace: connect() fails at once (ENETUNREACH), as on a
#           machine whose network has no route to it
#   silent  the stand-in accepts and reads each request but answers only after 60 s (the
#           helpers give up long before), as behind a firewall that lets nothing back
#   azure   as ok, but 169.254.169.254:80 is Azure's instance metadata service: a DNAT rule of
#           this namespace's OUTPUT chain sends it to the Azure stand-in on $AZ_IMDS_ADDR:80
#           (Azure has it only at 169.254.169.254, where the AWS stand-in listens; the kernel
#           rewrites the address, no proxy is in the path, and the other states have no rule)
# The GCE metadata server's address ($GCE_NAME in the private /etc/hosts) comes and goes with
# 169.254.169.254: "none" is a machine outside any cloud for both.
md_write() { # MODE: the stand-in's config.json (re-read on every request), written atomically
	jq -n --arg mode "$1" --arg ak "$IMDS_AKID" --arg sk "$IMDS_SECRET" --arg tok "$IMDS_TOKEN" \
		'{imds: {mode: $mode, role: "bench-instance-role",
		         credentials: {AccessKeyId: $ak, SecretAccessKey: $sk, Token: $tok}}}' >"$MD/config.json.tmp" &&
		mv "$MD/config.json.tmp" "$MD/config.json"
}
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

# imds_token_ok: the AWS stand-in hands out an IMDSv2 token at 169.254.169.254:80.
imds_token_ok() {
	curl -fsS -o /dev/null --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		"http://$IMDS_ADDR/latest/api/token"
}

start_metadata_standin() {
	MD="$W/md"
	mkdir -p "$MD"
	imds_state ok || die "cannot set up $IMDS_ADDR on lo"
	serve_standin MD_PID "$MD" aws_metadata_standin.py --listen "imds@$IMDS_ADDR:80"
	imds_token_ok || die "the instance metadata stand-in does not answer on $IMDS_ADDR:80"
	: >"$MD/requests.log"
	log "instance metadata stand-in: http://$IMDS_ADDR (pid $MD_PID)"
}

# The GCE metadata server (tests/support/gcp_standin.py: Metadata-Flavor: Google) at
# http://$GCE_NAME, the first name Application Default Credentials ask (its own address, as
# 169.254.169.254:80 is the AWS stand-in's); its token is what gcr.io gets with no key.
start_gce_standin() {
	GCE="$W/gce"
	GCE_TOKEN="ya29.bench-gce-$(openssl rand -hex 16)"
	mkdir -p "$GCE"
	jq -n --arg t "$GCE_TOKEN" '{metadata: {mode: "ok", token: $t, email: "bench-vm@bench.iam.gserviceaccount.com",
		scopes: ["https://www.googleapis.com/auth/cloud-platform"]}}' >"$GCE/config.json"
	serve_standin GCE_PID "$GCE" gcp_standin.py --listen "metadata@$GCE_ADDR:80"
	curl -fsS -o /dev/null --max-time 2 -H 'Metadata-Flavor: Google' \
		"http://$GCE_NAME/computeMetadata/v1/instance/service-accounts/default/token" ||
		die "the GCE metadata stand-in does not answer at http://$GCE_NAME ($GCE_ADDR:80)"
	: >"$GCE/requests.log"
	log "GCE metadata stand-in: http://$GCE_NAME ($GCE_ADDR, pid $GCE_PID)"
}

# Azure (tests/support/azure_standin.py): the instance metadata service (managed identity,
# Metadata: true, api-version 2018-02-01, ACR's resource) on $AZ_IMDS_ADDR:80, reached at
# 169.254.169.254 in imds_state azure; and the ACR exchange (POST /oauth2/exchange: an access
# token that IMDS issued, for the tenant in its tid) at https://$ACR_HOST, which the private
# /etc/hosts maps to $ACR_ADDR:443, with the ECR stand-in's certificate (it names $ACR_HOST)
# and so trusted through the same CA.
start_azure_standin() {
	command -v iptables >/dev/null || die "iptables is needed (the Azure instance metadata cases)"
	AZ="$W/azure"
	AZ_REFRESH="bench-acr-refresh-$(openssl rand -hex 16)"
	mkdir -p "$AZ"
	cp "$STANDIN_DIR/server.crt" "$STANDIN_DIR/server.key" "$AZ/" || die "cannot copy the stand-in's certificate"
	jq -n --arg r "$AZ_REFRESH" '{tenant: "bench-tenant", refresh_token: $r,
		imds: {mode: "ok", client_id: null, resource_id: null}}' >"$AZ/config.json"
	ip addr add "$AZ_IMDS_ADDR/32" dev lo || die "cannot add $AZ_IMDS_ADDR on lo"
	serve_standin AZ_PID "$AZ" azure_standin.py --listen "imds@$AZ_IMDS_ADDR:80" --listen "acr@$ACR_ADDR:443"
	imds_state azure || die "cannot send $IMDS_ADDR:80 to $AZ_IMDS_ADDR:80 (iptables DNAT in the namespace)"
	curl -fsS -o /dev/null --max-time 2 -H 'Metadata: true' \
		"http://$IMDS_ADDR/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://containerregistry.azure.net" ||
		die "the Azure instance metadata stand-in does not answer at http://$IMDS_ADDR (through the DNAT rule)"
	imds_state ok || die "cannot remove the DNAT rule"
	imds_token_ok || die "without the DNAT rule, $IMDS_ADDR:80 is not the AWS stand-in again"
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$STANDIN_CA" -X POST "https://$ACR_HOST/oauth2/exchange")" = 401 ] ||
		die "the ACR exchange stand-in does not answer at https://$ACR_HOST ($ACR_ADDR:443)"
	: >"$AZ/requests.log"
	: >"$MD/requests.log"
	log "Azure stand-ins: IMDS $AZ_IMDS_ADDR:80 (at $IMDS_ADDR by DNAT), ACR exchange https://$ACR_HOST ($ACR_ADDR), pid $AZ_PID"
}

start_standins() {
	write_standin_python
	start_cloud_standin
	start_metadata_standin
	start_gce_standin
	start_azure_standin
}

# The stand-in's CA installed system-wide as update-ca-certificates would: appended to the
# bundle and linked under its subject hash in the directory, in a copy of /etc/ssl/certs
# bind-mounted over the original (Go reads the bundle, our libcurl the hashed directory).
install_ca() {
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
}

standins_alive() {
	kill -0 "$STANDIN_PID" 2>/dev/null && kill -0 "$MD_PID" 2>/dev/null && kill -0 "$GCE_PID" 2>/dev/null &&
		kill -0 "$AZ_PID" 2>/dev/null
}

stop_standins() {
	local pid
	for pid in "$MD_PID" "$GCE_PID" "$AZ_PID"; do
		[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	done
	standin_stop
}
