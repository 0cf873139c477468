# shellcheck shell=bash
# Cloud token endpoint stand-ins (tests/support/cloud_standin.py, the server, with its endpoints
# in aws_standin.py, gcp_standin.py and azure_aad_standin.py) for tests: one HTTPS server on
# 127.0.0.1 with its own test CA that serves ECR, ECR public, Google OAuth2, Azure AD and the ACR
# exchange, and checks requests the way the real services do. Sourced library.
#
#   standin_start WORKDIR [--san NAME]... [--port N]
#       State in WORKDIR/standin (ca.crt, server.crt, config.json, requests.log, server.log,
#       port, pid). Writes an empty config ({}) if there is none, starts the server in the
#       background, waits (10 s at most) until GET /_stats answers over TLS with the test CA.
#       Exports STANDIN_URL (https://127.0.0.1:PORT), STANDIN_PORT, STANDIN_CA (ca.crt),
#       STANDIN_PID, STANDIN_DIR.
#   standin_config JSON          replace config.json (validated, written atomically: the server
#                                re-reads it on every request; rewriting it restarts fail_first)
#   standin_config_merge JSON    deep-merge JSON into config.json (objects merge, rest replaces)
#   standin_mode MODE [ENDPOINT] set "mode" (all token endpoints) or "modes".ENDPOINT
#                                (ecr, ecr-public, sts, gcp, gcp-sts, gcp-iam, azure, acr); see
#                                cloud_standin.py (modes) and the endpoint modules
#   standin_stats                print GET /_stats (JSON)
#   standin_reset                POST /_reset (counts and fail_first progress)
#   standin_curl ARGS...         curl with --cacert "$STANDIN_CA" -sS --max-time 10
#   standin_make_sa WORKDIR EMAIL
#       RSA-2048 key pair with openssl; writes WORKDIR/sa-<EMAIL>.json, a Google-style
#       service-account key file (type, project_id "p", private_key_id, private_key PKCS#8 PEM,
#       client_email, client_id, token_uri = $STANDIN_URL/token, ...), registers the public key
#       under "gcp".EMAIL in config.json (access_token "ya29.standin-<random>", expires_in 3599,
#       private_key_id) and prints the key file's path. Needs STANDIN_DIR (standin_start first).
#   standin_stop                 kill the server by PID (TERM, then KILL after 5 s); idempotent
#
# Python: $STANDIN_PYTHON, default /usr/bin/python3 (Debian's, which has python3-cryptography).

STANDIN_PYTHON=${STANDIN_PYTHON:-/usr/bin/python3}
STANDIN_PID=${STANDIN_PID:-}
_STANDIN_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

standin_start() {
	local workdir=${1:?standin_start WORKDIR [--san NAME]...}
	shift
	local dir port i
	mkdir -p "$workdir/standin" || return 1
	dir=$(cd "$workdir/standin" && pwd)
	rm -f "$dir/port" "$dir/pid"
	[ -f "$dir/config.json" ] || printf '{}\n' >"$dir/config.json"
	"$STANDIN_PYTHON" "$_STANDIN_LIB_DIR/cloud_standin.py" --state "$dir" "$@" \
		>>"$dir/server.log" 2>&1 &
	STANDIN_PID=$!
	for i in $(seq 1 100); do
		if ! kill -0 "$STANDIN_PID" 2>/dev/null; then
			echo "cloud_standin.sh: the stand-in exited; server.log:" >&2
			tail -n 20 "$dir/server.log" >&2
			STANDIN_PID=
			return 1
		fi
		if [ -s "$dir/port" ]; then
			port=$(cat "$dir/port")
			if curl -fsS -o /dev/null --max-time 2 --cacert "$dir/ca.crt" \
				"https://127.0.0.1:$port/_stats" 2>/dev/null; then
				export STANDIN_DIR=$dir STANDIN_PORT=$port STANDIN_PID
				export STANDIN_URL="https://127.0.0.1:$port" STANDIN_CA="$dir/ca.crt"
				return 0
			fi
		fi
		sleep 0.1
		: "$i"
	done
	echo "cloud_standin.sh: the stand-in did not answer within 10 s" >&2
	standin_stop
	return 1
}

standin_stop() {
	local pid=${STANDIN_PID:-} i
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			: "$i"
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	STANDIN_PID=
	return 0
}

_standin_need_dir() {
	if [ -z "${STANDIN_DIR:-}" ] || [ ! -d "$STANDIN_DIR" ]; then
		echo "cloud_standin.sh: STANDIN_DIR is not set (standin_start first)" >&2
		return 1
	fi
}

# _standin_edit PYTHON-EXPR-ON-cfg ARG: load config.json as cfg, run the code with sys.argv[1]
# as ARG, write the result back atomically.
_standin_edit() {
	_standin_need_dir || return 1
	"$STANDIN_PYTHON" - "$STANDIN_DIR/config.json" "$1" "${2-}" <<'EOF'
import json, os, sys
path, code, arg = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    with open(path) as f:
        cfg = json.load(f)
except FileNotFoundError:
    cfg = {}

def merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v
    return dst

try:
    exec(code)
except ValueError as e:
    raise SystemExit("cloud_standin.sh: not valid JSON: %s" % e)
tmp = path + ".tmp.%d" % os.getpid()
with open(tmp, "w") as f:
    json.dump(cfg, f, indent=1)
    f.write("\n")
os.replace(tmp, path)
EOF
}

standin_config() {
	_standin_edit 'cfg = json.loads(arg)
if not isinstance(cfg, dict): raise SystemExit("standin_config: not a JSON object")' "${1:?standin_config JSON}"
}

standin_config_merge() {
	_standin_edit 'extra = json.loads(arg)
if not isinstance(extra, dict): raise SystemExit("standin_config_merge: not a JSON object")
merge(cfg, extra)' "${1:?standin_config_merge JSON}"
}

standin_mode() {
	local mode=${1:?standin_mode MODE [ENDPOINT]} endpoint=${2:-}
	if [ -z "$endpoint" ]; then
		_standin_edit 'cfg["mode"] = arg' "$mode"
	else
		_standin_edit 'ep, mode = arg.split("\n", 1)
cfg.setdefault("modes", {})[ep] = mode' "$endpoint"$'\n'"$mode"
	fi
}

standin_curl() {
	curl -sS --max-time 10 --cacert "$STANDIN_CA" "$@"
}

standin_stats() {
	standin_curl -f "$STANDIN_URL/_stats"
}

standin_reset() {
	standin_curl -f -o /dev/null -X POST "$STANDIN_URL/_reset"
}

standin_make_sa() {
	local workdir=${1:?standin_make_sa WORKDIR EMAIL} email=${2:?standin_make_sa WORKDIR EMAIL}
	local safe key pub out
	_standin_need_dir || return 1
	safe=$(printf '%s' "$email" | tr -c 'A-Za-z0-9._-' '_')
	key="$workdir/sa-$safe.key.pem"
	pub="$workdir/sa-$safe.pub.pem"
	out="$workdir/sa-$safe.json"
	(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key") \
		>/dev/null 2>&1 || { echo "cloud_standin.sh: openssl genpkey failed" >&2; return 1; }
	openssl pkey -in "$key" -pubout -out "$pub" >/dev/null 2>&1 ||
		{ echo "cloud_standin.sh: openssl pkey -pubout failed" >&2; return 1; }
	"$STANDIN_PYTHON" - "$STANDIN_DIR/config.json" "$email" "$key" "$pub" "$out" \
		"${STANDIN_URL:-https://oauth2.googleapis.com}/token" <<'EOF' || return 1
import json, os, secrets, sys
cfg_path, email, key_path, pub_path, out, token_uri = sys.argv[1:]
key = open(key_path).read()
pub = open(pub_path).read()
kid = secrets.token_hex(20)
sa = {
    "type": "service_account",
    "project_id": "p",
    "private_key_id": kid,
    "private_key": key,
    "client_email": email,
    "client_id": str(100000000000000000000 + secrets.randbelow(10**20)),
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": token_uri,
    "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email,
    "universe_domain": "googleapis.com",
}
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(sa, f, indent=2)
    f.write("\n")
try:
    with open(cfg_path) as f:
        cfg = json.load(f)
except FileNotFoundError:
    cfg = {}
cfg.setdefault("gcp", {})[email] = {
    "public_key_pem": pub, "private_key_id": kid,
    "access_token": "ya29.standin-" + secrets.token_urlsafe(24), "expires_in": 3599}
tmp = cfg_path + ".tmp.%d" % os.getpid()
with open(tmp, "w") as f:
    json.dump(cfg, f, indent=1)
    f.write("\n")
os.replace(tmp, cfg_path)
EOF
	printf '%s\n' "$out"
}
