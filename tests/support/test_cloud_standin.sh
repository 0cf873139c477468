#!/bin/bash
# Proves that every check of the cloud token stand-ins (cloud_standin.py / cloud_standin.sh) can
# fail and pass, without the C++ binary: requests are made with curl --cacert, signed by a small
# helper written here (SigV4 with hashlib/hmac, JWTs with python3-cryptography), independent of
# the server's code. Also runs the server's SigV4 self-test over the whole AWS test suite.
#
#   tests/support/test_cloud_standin.sh
#
# Prints "ok - ..." / "not ok - ..." and "N passed, M failed"; exits non-zero on any failure.
# Needs /usr/bin/python3 with python3-cryptography, curl, openssl. About 10 s, loopback only.
# SIGV4_SUITE overrides the test-suite folder (default tests/data/aws-sigv4-test-suite in this repository).

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tap.sh
. "$HERE/tap.sh"
# shellcheck source=cloud_standin.sh
. "$HERE/cloud_standin.sh"

PY=/usr/bin/python3
SUITE=${SIGV4_SUITE:-$HERE/../data/aws-sigv4-test-suite}
T_START=$(date +%s.%N)
WORK=$(mktemp -d /tmp/test_cloud_standin.XXXXXX)
H="$WORK/h.py"
BG_PIDS=()

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	standin_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Distinctive secrets: none of them may ever appear in requests.log.
AKID=AKIDSTANDIN1
AWS_SECRET="aws-secret-Zq9wKx1/Mn+TEST"
AKID_TMP=ASIASTANDIN2
AWS_SECRET_TMP="aws-secret-tmp-Uv4qRt8"
SESSION="session-token-Xp2Lw9FQoGZXIvYXdzEJr"
ECR_PW="ecr-password-Pw7Hh3"
AZ_TENANT=11111111-2222-3333-4444-555555555555
AZ_TENANT2=99999999-2222-3333-4444-555555555555
AZ_CLIENT=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
AZ_SECRET="azure-secret-Az5~Qp.W"
AAD_TOKEN="aad-token-Tk3Jq8"
AAD_TOKEN2="aad-token-two-Vb6"
ACR_REFRESH="acr-refresh-Rf8Nc2"
SA_EMAIL="sa@proj.iam.gserviceaccount.com"
ECR_TARGET=AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken
PUB_TARGET=SpencerFrontendService.GetAuthorizationToken

# --- the independent request helper ---------------------------------------------------------
cat >"$H" <<'EOF'
import argparse, base64, datetime, hashlib, hmac, json, os, re, sys, time

def sigv4(a):
    body = a.body.encode()
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=a.skew)
    amz = now.strftime("%Y%m%dT%H%M%SZ")
    sdate = a.scope_date or amz[:8]
    hdrs = {"content-type": a.content_type, "host": a.host, "x-amz-date": amz,
            "x-amz-target": a.target}
    if a.token:
        hdrs["x-amz-security-token"] = a.token
    signed = sorted(h for h in hdrs if h not in a.unsigned)
    canon = "".join("%s:%s\n" % (h, hdrs[h].strip()) for h in signed)
    cr = "\n".join(["POST", "/", "", canon, ";".join(signed), hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (sdate, a.region, a.service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(cr.encode()).hexdigest()])
    k = ("AWS4" + a.secret).encode()
    for m in (sdate, a.region, a.service, "aws4_request"):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    print("Content-Type: " + a.content_type)
    print("X-Amz-Date: " + amz)
    print("X-Amz-Target: " + a.target)
    if a.token:
        print("X-Amz-Security-Token: " + a.token)
    print("Authorization: AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
          % (a.akid, scope, ";".join(signed), sig))

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def jwt(a):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    kid = a.kid
    if a.sa:
        sa = json.load(open(a.sa))
        pem = sa["private_key"].encode()
        iss = a.iss or sa["client_email"]
        if kid is None:
            kid = sa["private_key_id"]
    else:
        pem = open(a.key, "rb").read()
        iss = a.iss
    key = serialization.load_pem_private_key(pem, None)
    now = int(time.time())
    header = {"alg": a.alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    claims = {"iss": iss, "aud": a.aud, "iat": now + a.iat, "exp": now + a.exp}
    if a.scope is not None:
        claims["scope"] = a.scope
    si = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
    sig = key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())
    print(si + "." + b64u(sig))

def check(a):
    raw = open(a.file, "rb").read().decode("utf-8", "replace")
    try:
        d = json.loads(raw)
        valid = True
    except ValueError:
        d, valid = None, False
    env = {"d": d, "raw": raw, "valid": valid, "b64": lambda s: base64.b64decode(s).decode(),
           "re": re, "now": time.time(), "E": os.environ}
    try:
        ok = eval("(" + a.expr + "\n)", env)
    except Exception as e:
        ok = False
        print("check raised %r" % (e,))
    if not ok:
        print("condition: %s\nbody: %s" % (a.expr, raw[:600]))
        sys.exit(1)

def get(a):
    d = json.load(open(a.file))
    v = eval(a.expr, {"d": d})
    print(v if isinstance(v, str) else json.dumps(v))

p = argparse.ArgumentParser()
sub = p.add_subparsers(dest="cmd", required=True)
s = sub.add_parser("sigv4")
s.add_argument("--host", required=True); s.add_argument("--body", default="{}")
s.add_argument("--akid", required=True); s.add_argument("--secret", required=True)
s.add_argument("--token"); s.add_argument("--region", required=True)
s.add_argument("--service", required=True); s.add_argument("--target", required=True)
s.add_argument("--content-type", default="application/x-amz-json-1.1")
s.add_argument("--skew", type=int, default=0); s.add_argument("--scope-date")
s.add_argument("--unsigned", action="append", default=[])
s.set_defaults(fn=sigv4)
j = sub.add_parser("jwt")
j.add_argument("--sa"); j.add_argument("--key"); j.add_argument("--iss"); j.add_argument("--kid")
j.add_argument("--aud", default="https://oauth2.googleapis.com/token")
j.add_argument("--scope", default="https://www.googleapis.com/auth/cloud-platform")
j.add_argument("--no-scope", dest="scope", action="store_const", const=None)
j.add_argument("--iat", type=int, default=0); j.add_argument("--exp", type=int, default=3600)
j.add_argument("--alg", default="RS256")
j.set_defaults(fn=jwt)
c = sub.add_parser("check"); c.add_argument("file"); c.add_argument("expr"); c.set_defaults(fn=check)
g = sub.add_parser("get"); g.add_argument("file"); g.add_argument("expr"); g.set_defaults(fn=get)
a = p.parse_args()
a.fn(a)
EOF

# --- request and assertion helpers ----------------------------------------------------------
ECR_ARGS=(--akid "$AKID" --secret "$AWS_SECRET" --region eu-west-1 --service ecr --target "$ECR_TARGET")
PUB_ARGS=(--akid "$AKID" --secret "$AWS_SECRET" --region us-east-1 --service ecr-public --target "$PUB_TARGET")

# aws_call NAME SEND_BODY [sigv4 args...]: signs (the body signed is --body, default SEND_BODY),
# POSTs SEND_BODY to $STANDIN_URL/, prints the HTTP status; response body in $WORK/NAME.json.
aws_call() {
	local name=$1 send=$2
	shift 2
	"$PY" -S "$H" sigv4 --host "127.0.0.1:$STANDIN_PORT" --body "$send" "$@" >"$WORK/$name.hdr" ||
		{ echo "signer-failed"; return 0; }
	curl -sS --cacert "$STANDIN_CA" --max-time 10 -o "$WORK/$name.json" -w '%{http_code}' \
		-H @"$WORK/$name.hdr" --data-binary "$send" "$STANDIN_URL/" 2>"$WORK/$name.err"
}

# form_call NAME PATH [curl --data-urlencode args...]: POST form; prints the HTTP status.
form_call() {
	local name=$1 path=$2
	shift 2
	curl -sS --cacert "$STANDIN_CA" --max-time 10 -o "$WORK/$name.json" -w '%{http_code}' \
		"$@" "$STANDIN_URL$path" 2>"$WORK/$name.err"
}

# gcp_call NAME [jwt args...]: mint a JWT with the helper, POST it to /token.
gcp_call() {
	local name=$1 jwt
	shift
	jwt=$("$PY" "$H" jwt "$@") || { echo "jwt-failed"; return 0; }
	printf '%s\n' "$jwt" >>"$WORK/assertions"
	form_call "$name" /token --data-urlencode "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer" \
		--data-urlencode "assertion=$jwt"
}

azure_call() { # azure_call NAME TENANT CLIENT_ID SECRET [SCOPE]
	form_call "$1" "/$2/oauth2/v2.0/token" --data-urlencode grant_type=client_credentials \
		--data-urlencode "client_id=$3" --data-urlencode "client_secret=$4" \
		--data-urlencode "scope=${5:-https://management.azure.com/.default}"
}

acr_call() { # acr_call NAME TENANT ACCESS_TOKEN [GRANT]
	form_call "$1" /oauth2/exchange --data-urlencode "grant_type=${4:-access_token}" \
		--data-urlencode "service=myreg.azurecr.io" --data-urlencode "tenant=$2" \
		--data-urlencode "access_token=$3"
}

# expect DESC WANT_STATUS GOT_STATUS NAME [PYTHON-CONDITION on d (JSON), raw, valid]
expect() {
	local desc=$1 want=$2 got=$3 name=$4 cond=${5:-True} res
	if [ "$got" != "$want" ]; then
		fail "$desc" "HTTP $got, expected $want: $(head -c 600 "$WORK/$name.json" 2>/dev/null) $(cat "$WORK/$name.err" 2>/dev/null)"
		return
	fi
	if res=$("$PY" -S "$H" check "$WORK/$name.json" "$cond" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "$res"
	fi
}

# expect_aws DESC WANT_STATUS GOT_STATUS NAME TYPE [MESSAGE-SUBSTRING]
expect_aws() {
	EXPECT_SUB=${6:-} expect "$1" "$2" "$3" "$4" "d['__type'] == '$5' and E['EXPECT_SUB'] in d['message']"
}

# expect_err DESC WANT_STATUS GOT_STATUS NAME ERROR DESCRIPTION-SUBSTRING   (OAuth-style error)
expect_err() {
	[ -n "${NORECORD:-}" ] || printf '%s\n' "$(cat "$WORK/$4.json" 2>/dev/null)" >>"$WORK/descriptions.raw"
	EXPECT_SUB=$6 expect "$1" "$2" "$3" "$4" "d['error'] == '$5' and E['EXPECT_SUB'] in d['error_description']"
}

elapsed_since() { # elapsed_since START -> seconds with 2 decimals
	awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
}

# --- 0. SigV4 self-test over the published vectors -------------------------------------------
ncases=$(find "$SUITE" -mindepth 2 -maxdepth 2 -name context.json | wc -l)
out=$("$PY" "$HERE/cloud_standin.py" --selftest-sigv4 "$SUITE" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$ncases" -gt 0 ] && [ "$(printf '%s\n' "$out" | tail -n 1)" = "$ncases passed, 0 failed" ]; then
	pass "SigV4 self-test: signer and verifier agree with all $ncases AWS test-suite cases"
else
	fail "SigV4 self-test over $SUITE ($ncases cases)" "$(printf '%s\n' "$out" | grep -v '^PASS' | tail -n 30)"
fi

# --- 1. start, files, TLS -----------------------------------------------------------------------
if ! standin_start "$WORK" --san api.ecr.eu-west-1.amazonaws.com; then
	fail "stand-in starts"
	tap_summary
	exit 1
fi
pass "stand-in starts and answers on $STANDIN_URL (pid $STANDIN_PID)"
# shellcheck disable=SC2016 # expanded by the inner bash
check "state dir has ca.crt, ca.key, server.crt, server.key, port, pid = STANDIN_PID" \
	bash -c '[ -s "$1/ca.crt" ] && [ -s "$1/ca.key" ] && [ -s "$1/server.crt" ] && [ -s "$1/server.key" ] &&
		[ "$(cat "$1/port")" = "$2" ] && [ "$(cat "$1/pid")" = "$3" ]' _ "$STANDIN_DIR" "$STANDIN_PORT" "$STANDIN_PID"
# shellcheck disable=SC2016 # expanded by the inner bash
check "server certificate has SANs 127.0.0.1, ::1, localhost, --san name and chains to ca.crt" \
	bash -c 'openssl verify -CAfile "$1/ca.crt" "$1/server.crt" >/dev/null &&
		openssl x509 -in "$1/server.crt" -noout -ext subjectAltName |
		grep -q "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, DNS:api.ecr.eu-west-1.amazonaws.com"' _ "$STANDIN_DIR"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$STANDIN_URL/_stats" 2>/dev/null)
rc=$?
check_eq "TLS without the test CA is refused by curl (exit 60)" "60 000" "$rc $code"
check "curl --cacert reaches https://localhost:PORT" \
	curl -fsS -o /dev/null --max-time 5 --cacert "$STANDIN_CA" "https://localhost:$STANDIN_PORT/_stats"
nc=$(curl -sS --max-time 5 --cacert "$STANDIN_CA" -o /dev/null -o /dev/null -w '%{num_connects} ' \
	"$STANDIN_URL/_stats" "$STANDIN_URL/_stats")
check_eq "HTTP/1.1 keep-alive: the second request reuses the connection" "1 0 " "$nc"
check "curl --cacert --resolve reaches the --san name" \
	curl -fsS -o /dev/null --max-time 5 --cacert "$STANDIN_CA" \
	--resolve "api.ecr.eu-west-1.amazonaws.com:$STANDIN_PORT:127.0.0.1" \
	"https://api.ecr.eu-west-1.amazonaws.com:$STANDIN_PORT/_stats"

standin_config "{
 \"aws\": {\"$AKID\": {\"secret\": \"$AWS_SECRET\", \"session_token\": null},
         \"$AKID_TMP\": {\"secret\": \"$AWS_SECRET_TMP\", \"session_token\": \"$SESSION\"}},
 \"ecr\": {\"token_password\": \"$ECR_PW\", \"expires_in\": 43200, \"account\": \"123456789012\"},
 \"azure\": {\"$AZ_TENANT\": {\"client_id\": \"$AZ_CLIENT\", \"client_secret\": \"$AZ_SECRET\",
                             \"access_token\": \"$AAD_TOKEN\", \"expires_in\": 3599},
           \"$AZ_TENANT2\": {\"client_id\": \"$AZ_CLIENT\", \"client_secret\": \"$AZ_SECRET\",
                             \"access_token\": \"$AAD_TOKEN2\", \"expires_in\": 3599}},
 \"acr\": {\"refresh_token\": \"$ACR_REFRESH\"},
 \"mode\": \"ok\"}" || fail "standin_config writes config.json"

# --- 2. ECR private ------------------------------------------------------------------------------
s=$(aws_call ecr_ok '{}' "${ECR_ARGS[@]}")
expect "ECR: correctly signed GetAuthorizationToken gets a token" 200 "$s" ecr_ok \
	"b64(d['authorizationData'][0]['authorizationToken']) == 'AWS:$ECR_PW' and
	 d['authorizationData'][0]['proxyEndpoint'] == 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com'"
expect "ECR: expiresAt is epoch seconds in exponent notation, now + 12 h" 200 "$s" ecr_ok \
	"re.search(r'\"expiresAt\": ?[0-9]\\.[0-9]+E9[,}]', raw) and abs(d['authorizationData'][0]['expiresAt'] - now - 43200) < 60"
s=$(aws_call ecr_ids '{"registryIds":["210987654321"]}' "${ECR_ARGS[@]}")
expect "ECR: registryIds selects the proxyEndpoint account" 200 "$s" ecr_ids \
	"d['authorizationData'][0]['proxyEndpoint'] == 'https://210987654321.dkr.ecr.eu-west-1.amazonaws.com'"
s=$(aws_call ecr_badids '{"registryIds":["12345"]}' "${ECR_ARGS[@]}")
expect_aws "ECR: malformed registryIds -> 400 InvalidParameterException" 400 "$s" ecr_badids InvalidParameterException
"$PY" -S "$H" sigv4 --host "api.ecr.eu-west-1.amazonaws.com:$STANDIN_PORT" "${ECR_ARGS[@]}" >"$WORK/ecr_host.hdr"
s=$(curl -sS --cacert "$STANDIN_CA" --max-time 10 -o "$WORK/ecr_host.json" -w '%{http_code}' \
	--resolve "api.ecr.eu-west-1.amazonaws.com:$STANDIN_PORT:127.0.0.1" -H @"$WORK/ecr_host.hdr" \
	--data-binary '{}' "https://api.ecr.eu-west-1.amazonaws.com:$STANDIN_PORT/" 2>"$WORK/ecr_host.err")
expect "ECR: signed for the real host name, reached with --resolve" 200 "$s" ecr_host "len(d['authorizationData']) == 1"

s=$(aws_call ecr_secret '{}' "${ECR_ARGS[@]}" --secret "wrong-secret")
expect_aws "ECR: wrong secret -> 403 InvalidSignatureException (with the canonical string)" 403 "$s" ecr_secret \
	InvalidSignatureException "The Canonical String for this request should have been"
s=$(aws_call ecr_akid '{}' "${ECR_ARGS[@]}" --akid AKIDUNKNOWN0)
expect_aws "ECR: unknown access key -> 403 UnrecognizedClientException" 403 "$s" ecr_akid \
	UnrecognizedClientException "The security token included in the request is invalid."
s=$(aws_call ecr_body '{"registryIds":["123456789012"]}' "${ECR_ARGS[@]}" --body '{}')
expect_aws "ECR: body changed after signing -> 403 InvalidSignatureException" 403 "$s" ecr_body \
	InvalidSignatureException "does not match"
s=$(aws_call ecr_target '{}' "${ECR_ARGS[@]}" --unsigned x-amz-target)
expect_aws "ECR: unsigned X-Amz-Target -> 403 InvalidSignatureException" 403 "$s" ecr_target \
	InvalidSignatureException "'X-Amz-Target' must be a 'SignedHeader'"
s=$(aws_call ecr_ctype '{}' "${ECR_ARGS[@]}" --unsigned content-type)
expect_aws "ECR: unsigned Content-Type -> 403 InvalidSignatureException" 403 "$s" ecr_ctype \
	InvalidSignatureException "'Content-Type' must be a 'SignedHeader'"
s=$(aws_call ecr_host_unsigned '{}' "${ECR_ARGS[@]}" --unsigned host)
expect_aws "ECR: unsigned Host -> 403 InvalidSignatureException" 403 "$s" ecr_host_unsigned \
	InvalidSignatureException "'Host' must be a 'SignedHeader'"
s=$(aws_call ecr_stale '{}' "${ECR_ARGS[@]}" --skew -1200)
expect_aws "ECR: X-Amz-Date 20 min old -> 403 InvalidSignatureException 'Signature expired'" 403 "$s" ecr_stale \
	InvalidSignatureException "Signature expired"
s=$(aws_call ecr_future '{}' "${ECR_ARGS[@]}" --skew 1200)
expect_aws "ECR: X-Amz-Date 20 min ahead -> 403 'Signature not yet current'" 403 "$s" ecr_future \
	InvalidSignatureException "Signature not yet current"
s=$(aws_call ecr_skewok '{}' "${ECR_ARGS[@]}" --skew -600)
expect "ECR: X-Amz-Date 10 min old is still accepted" 200 "$s" ecr_skewok "len(d['authorizationData']) == 1"
s=$(aws_call ecr_scope '{}' "${ECR_ARGS[@]}" --scope-date 20200101)
expect_aws "ECR: credential-scope date != X-Amz-Date date -> 403" 403 "$s" ecr_scope \
	InvalidSignatureException "Date in Credential scope does not match"
s=$(aws_call ecr_service '{}' "${ECR_ARGS[@]}" --service ecr-public)
expect_aws "ECR: scope service not 'ecr' -> 403" 403 "$s" ecr_service \
	InvalidSignatureException "Credential should be scoped to correct service: 'ecr'."
s=$(aws_call ecr_region '{}' "${ECR_ARGS[@]}" --region moon)
expect_aws "ECR: scope region not a region -> 403" 403 "$s" ecr_region \
	InvalidSignatureException "Credential should be scoped to a valid region"
standin_config_merge '{"ecr": {"region": "us-west-2"}}'
s=$(aws_call ecr_region2 '{}' "${ECR_ARGS[@]}")
expect_aws "ECR: with ecr.region set, another scope region -> 403" 403 "$s" ecr_region2 \
	InvalidSignatureException "not 'eu-west-1'"
standin_config_merge '{"ecr": {"region": null}}'
s=$(curl -sS --cacert "$STANDIN_CA" --max-time 10 -o "$WORK/ecr_noauth.json" -w '%{http_code}' \
	-H "Content-Type: application/x-amz-json-1.1" -H "X-Amz-Target: $ECR_TARGET" --data-binary '{}' \
	"$STANDIN_URL/" 2>"$WORK/ecr_noauth.err")
expect_aws "ECR: no Authorization -> 403 MissingAuthenticationTokenException" 403 "$s" ecr_noauth \
	MissingAuthenticationTokenException "Missing Authentication Token"
s=$(aws_call ecr_op '{}' "${ECR_ARGS[@]}" --target AmazonEC2ContainerRegistry_V20150921.DescribeRepositories)
expect_aws "ECR: unknown X-Amz-Target -> 400 UnknownOperationException" 400 "$s" ecr_op UnknownOperationException
s=$(aws_call ecr_json '{}' "${ECR_ARGS[@]}" --content-type application/json)
expect_aws "ECR: Content-Type not application/x-amz-json-1.1 -> 400 SerializationException" 400 "$s" ecr_json SerializationException
s=$(aws_call ecr_empty '' "${ECR_ARGS[@]}")
expect_aws "ECR: empty body (not {}) -> 400 SerializationException" 400 "$s" ecr_empty SerializationException

TMP_ARGS=(--akid "$AKID_TMP" --secret "$AWS_SECRET_TMP" --region eu-west-1 --service ecr --target "$ECR_TARGET")
s=$(aws_call ecr_sts '{}' "${TMP_ARGS[@]}" --token "$SESSION")
expect "ECR: temporary credentials with a signed session token -> token" 200 "$s" ecr_sts \
	"b64(d['authorizationData'][0]['authorizationToken']) == 'AWS:$ECR_PW'"
s=$(aws_call ecr_sts_none '{}' "${TMP_ARGS[@]}")
expect_aws "ECR: temporary credentials without the session token -> 403 UnrecognizedClientException" 403 "$s" ecr_sts_none UnrecognizedClientException
s=$(aws_call ecr_sts_wrong '{}' "${TMP_ARGS[@]}" --token "not-the-session-token")
expect_aws "ECR: wrong session token -> 403 UnrecognizedClientException" 403 "$s" ecr_sts_wrong UnrecognizedClientException
s=$(aws_call ecr_sts_unsigned '{}' "${TMP_ARGS[@]}" --token "$SESSION" --unsigned x-amz-security-token)
expect_aws "ECR: session token sent but not signed -> 403 InvalidSignatureException" 403 "$s" ecr_sts_unsigned \
	InvalidSignatureException "'X-Amz-Security-Token' must be a 'SignedHeader'"
s=$(aws_call ecr_sts_extra '{}' "${ECR_ARGS[@]}" --token "$SESSION")
expect_aws "ECR: session token with long-term keys -> 403 UnrecognizedClientException" 403 "$s" ecr_sts_extra UnrecognizedClientException
if grep -q "$SESSION" "$WORK/ecr_sts_unsigned.json" "$WORK/ecr_sts_wrong.json" 2>/dev/null; then
	fail "ECR: error bodies never echo the session token"
else
	pass "ECR: error bodies never echo the session token"
fi

# --- 3. ECR public ---------------------------------------------------------------------------------
s=$(aws_call pub_ok '{}' "${PUB_ARGS[@]}")
expect "ECR public: signed for ecr-public/us-east-1 -> authorizationData object with token" 200 "$s" pub_ok \
	"isinstance(d['authorizationData'], dict) and b64(d['authorizationData']['authorizationToken']) == 'AWS:$ECR_PW'
	 and re.search(r'\"expiresAt\": ?[0-9]\\.[0-9]+E9[,}]', raw)"
s=$(aws_call pub_region '{}' "${PUB_ARGS[@]}" --region eu-west-1)
expect_aws "ECR public: scope region eu-west-1 -> 403 InvalidSignatureException" 403 "$s" pub_region \
	InvalidSignatureException "Credential should be scoped to a valid region, not 'eu-west-1'."
s=$(aws_call pub_service '{}' "${PUB_ARGS[@]}" --service ecr)
expect_aws "ECR public: scope service 'ecr' -> 403" 403 "$s" pub_service \
	InvalidSignatureException "correct service: 'ecr-public'."
s=$(aws_call pub_secret '{}' "${PUB_ARGS[@]}" --secret nope)
expect_aws "ECR public: wrong secret -> 403 InvalidSignatureException" 403 "$s" pub_secret InvalidSignatureException

# --- 4. Google OAuth2 JWT bearer -----------------------------------------------------------------------
SA_FILE=$(standin_make_sa "$WORK" "$SA_EMAIL")
if [ -n "$SA_FILE" ] && "$PY" -S "$H" check "$SA_FILE" "d['type'] == 'service_account' and d['client_email'] == '$SA_EMAIL'
	and d['private_key'].startswith('-----BEGIN PRIVATE KEY-----\\n') and d['token_uri'] == '$STANDIN_URL/token'
	and len(d['private_key_id']) == 40 and d['project_id'] == 'p'" >/dev/null; then
	pass "standin_make_sa writes a Google-style service-account key file"
else
	fail "standin_make_sa writes a Google-style service-account key file" "$SA_FILE"
fi
GCP_TOKEN=$("$PY" -S "$H" get "$STANDIN_DIR/config.json" "d['gcp']['$SA_EMAIL']['access_token']")
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other.pem" >/dev/null 2>&1

s=$(gcp_call gcp_ok --sa "$SA_FILE")
expect "GCP: valid JWT (kid = private_key_id) -> access token" 200 "$s" gcp_ok \
	"d == {'access_token': '$GCP_TOKEN', 'expires_in': 3599, 'token_type': 'Bearer'}"
s=$(gcp_call gcp_nokid --sa "$SA_FILE" --kid '')
expect "GCP: valid JWT without kid -> access token" 200 "$s" gcp_nokid "d['access_token'] == '$GCP_TOKEN'"
s=$(gcp_call gcp_otherkey --key "$WORK/other.pem" --iss "$SA_EMAIL")
expect_err "GCP: JWT signed by another key -> 400 'Invalid JWT Signature.'" 400 "$s" gcp_otherkey invalid_grant "Invalid JWT Signature."
s=$(gcp_call gcp_kid --sa "$SA_FILE" --kid 0123456789abcdef0123456789abcdef01234567)
expect_err "GCP: kid that is not the key's -> 400" 400 "$s" gcp_kid invalid_grant "no key with this kid"
s=$(gcp_call gcp_aud --sa "$SA_FILE" --aud "https://www.googleapis.com/oauth2/v4/token")
expect_err "GCP: wrong aud -> 400 audience check" 400 "$s" gcp_aud invalid_grant "Failed audience check"
s=$(gcp_call gcp_aud2 --sa "$SA_FILE" --aud "$STANDIN_URL/token")
NORECORD=1 expect_err "GCP: aud = stand-in URL refused without gcp_aud" 400 "$s" gcp_aud2 invalid_grant "Failed audience check"
standin_config_merge "{\"gcp_aud\": \"$STANDIN_URL/token\"}"
s=$(gcp_call gcp_aud3 --sa "$SA_FILE" --aud "$STANDIN_URL/token")
expect "GCP: aud = stand-in URL accepted with config gcp_aud" 200 "$s" gcp_aud3 "d['access_token'] == '$GCP_TOKEN'"
standin_config_merge '{"gcp_aud": null}'
s=$(gcp_call gcp_noscope --sa "$SA_FILE" --no-scope)
expect_err "GCP: missing scope -> 400 invalid_scope" 400 "$s" gcp_noscope invalid_scope "Invalid OAuth scope or ID token audience provided."
s=$(gcp_call gcp_scope --sa "$SA_FILE" --scope "https://www.googleapis.com/auth/devstorage.read_only")
expect_err "GCP: scope without cloud-platform -> 400 invalid_scope" 400 "$s" gcp_scope invalid_scope "scope does not include"
s=$(gcp_call gcp_expired --sa "$SA_FILE" --iat -3700 --exp -100)
expect_err "GCP: expired JWT -> 400" 400 "$s" gcp_expired invalid_grant "exp is not in the future"
s=$(gcp_call gcp_long --sa "$SA_FILE" --exp 7200)
expect_err "GCP: exp - iat > 3600 -> 400" 400 "$s" gcp_long invalid_grant "exp - iat is more than 3600"
s=$(gcp_call gcp_iat --sa "$SA_FILE" --iat -600 --exp 600)
expect_err "GCP: iat 10 min in the past -> 400" 400 "$s" gcp_iat invalid_grant "iat is more than 5 minutes"
s=$(gcp_call gcp_iss --sa "$SA_FILE" --iss other@proj.iam.gserviceaccount.com)
expect_err "GCP: unknown iss -> 400 account not found" 400 "$s" gcp_iss invalid_grant "account not found"
s=$(gcp_call gcp_alg --sa "$SA_FILE" --alg HS256)
expect_err "GCP: header alg not RS256 -> 400" 400 "$s" gcp_alg invalid_grant "alg) must be RS256"
s=$(form_call gcp_grant /token --data-urlencode grant_type=client_credentials --data-urlencode assertion=x)
expect_err "GCP: wrong grant_type -> 400 unsupported_grant_type" 400 "$s" gcp_grant unsupported_grant_type "Invalid grant_type"
dups=$("$PY" -c '
import json, sys
seen = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        d = json.loads(line)
        seen.setdefault(d["error_description"], 0)
        seen[d["error_description"]] += 1
print(len(seen), sum(1 for v in seen.values() if v > 1))' "$WORK/descriptions.raw" 2>&1)
check_eq "GCP: each failed check above has its own error_description (11 distinct)" "11 0" "$dups"

# --- 5. Azure AD and the ACR exchange ------------------------------------------------------------------
s=$(acr_call acr_never "$AZ_TENANT" "$AAD_TOKEN")
expect "ACR: exchange with an AAD token the stand-in never issued -> 401" 401 "$s" acr_never "d['errors'][0]['code'] == 'UNAUTHORIZED'"
s=$(azure_call az_ok "$AZ_TENANT" "$AZ_CLIENT" "$AZ_SECRET")
expect "Azure AD: client credentials -> Bearer access token" 200 "$s" az_ok \
	"d['token_type'] == 'Bearer' and d['expires_in'] == 3599 and d['access_token'] == '$AAD_TOKEN'"
s=$(azure_call az_secret "$AZ_TENANT" "$AZ_CLIENT" "wrong-secret")
expect "Azure AD: wrong client secret -> 401 invalid_client (AADSTS7000215)" 401 "$s" az_secret \
	"d['error'] == 'invalid_client' and d['error_codes'] == [7000215]"
s=$(azure_call az_tenant 00000000-0000-0000-0000-000000000000 "$AZ_CLIENT" "$AZ_SECRET")
expect "Azure AD: unknown tenant -> 400 (AADSTS90002)" 400 "$s" az_tenant "d['error'] == 'invalid_request' and d['error_codes'] == [90002]"
s=$(azure_call az_client "$AZ_TENANT" 00000000-1111-1111-1111-000000000000 "$AZ_SECRET")
expect "Azure AD: unknown client_id -> 400 unauthorized_client (AADSTS700016)" 400 "$s" az_client "d['error'] == 'unauthorized_client'"
s=$(azure_call az_scope "$AZ_TENANT" "$AZ_CLIENT" "$AZ_SECRET" "https://graph.microsoft.com/.default")
expect "Azure AD: scope other than management.azure.com/.default -> 400 invalid_scope" 400 "$s" az_scope "d['error'] == 'invalid_scope'"
s=$(form_call az_grant "/$AZ_TENANT/oauth2/v2.0/token" --data-urlencode grant_type=password \
	--data-urlencode "client_id=$AZ_CLIENT" --data-urlencode "client_secret=$AZ_SECRET" \
	--data-urlencode "scope=https://management.azure.com/.default")
expect "Azure AD: grant_type other than client_credentials -> 400 unsupported_grant_type" 400 "$s" az_grant "d['error'] == 'unsupported_grant_type'"
s=$(acr_call acr_ok "$AZ_TENANT" "$AAD_TOKEN")
expect "ACR: exchange of an issued AAD token -> refresh_token" 200 "$s" acr_ok "d == {'refresh_token': '$ACR_REFRESH'}"
s=$(acr_call acr_tenant "$AZ_TENANT2" "$AAD_TOKEN")
expect "ACR: issued token presented for another tenant -> 401" 401 "$s" acr_tenant "d['errors'][0]['code'] == 'UNAUTHORIZED'"
s=$(acr_call acr_made "$AZ_TENANT" "aad-made-up-token")
expect "ACR: made-up token -> 401" 401 "$s" acr_made "'errors' in d"
s=$(acr_call acr_grant "$AZ_TENANT" "$AAD_TOKEN" refresh_token)
expect "ACR: grant_type other than access_token -> 401" 401 "$s" acr_grant "'errors' in d"

# --- 6. failure modes ---------------------------------------------------------------------------------------
standin_mode 500
s=$(aws_call m500 '{}' "${ECR_ARGS[@]}")
expect_aws "mode 500: ECR -> 500 ServerException" 500 "$s" m500 ServerException
s=$(gcp_call m500g --sa "$SA_FILE")
expect "mode 500: Google -> 500 with an OAuth error body" 500 "$s" m500g "d['error'] == 'internal_failure'"
s=$(azure_call m500a "$AZ_TENANT" "$AZ_CLIENT" "$AZ_SECRET")
expect "mode 500: Azure AD -> 500 with an AAD error body" 500 "$s" m500a "d['error'] == 'temporarily_unavailable'"
check "mode 500: /_stats still answers 200" standin_stats
standin_mode 429
s=$(aws_call m429 '{}' "${ECR_ARGS[@]}")
expect_aws "mode 429: ECR -> 429 ThrottlingException" 429 "$s" m429 ThrottlingException
standin_mode 403
s=$(aws_call m403 '{}' "${ECR_ARGS[@]}")
expect_aws "mode 403: ECR -> 403 AccessDeniedException" 403 "$s" m403 AccessDeniedException
s=$(gcp_call m403g --sa "$SA_FILE")
expect "mode 403: Google -> 403" 403 "$s" m403g "d['error'] == 'access_denied'"

standin_mode hang
t0=$(date +%s.%N)
"$PY" -S "$H" sigv4 --host "127.0.0.1:$STANDIN_PORT" "${ECR_ARGS[@]}" >"$WORK/hang.hdr"
curl -sS --cacert "$STANDIN_CA" --max-time 2 -o /dev/null -H @"$WORK/hang.hdr" --data-binary '{}' \
	"$STANDIN_URL/" 2>/dev/null
rc=$?
el=$(elapsed_since "$t0")
if [ "$rc" -eq 28 ] && awk -v e="$el" 'BEGIN { exit !(e >= 1.9 && e < 4) }'; then
	pass "mode hang: no answer, curl --max-time 2 times out (exit 28 after ${el}s)"
else
	fail "mode hang: no answer, curl --max-time 2 times out" "curl exit $rc after ${el}s"
fi

standin_mode reset
code=$(curl -sS --cacert "$STANDIN_CA" --max-time 5 -o /dev/null -w '%{http_code}' -H @"$WORK/hang.hdr" \
	--data-binary '{}' "$STANDIN_URL/" 2>"$WORK/reset.err")
rc=$?
if [ "$rc" -ne 0 ] && [ "$code" = 000 ]; then
	pass "mode reset: connection closed without a response (curl exit $rc)"
else
	fail "mode reset: connection closed without a response" "curl exit $rc, HTTP $code"
fi

standin_mode truncated
s=$(aws_call mtrunc '{}' "${ECR_ARGS[@]}")
expect "mode truncated: 200 with a body that is not valid JSON" 200 "$s" mtrunc "not valid and raw.startswith('{\"authorizationData\"')"
s=$(aws_call mtrunc_bad '{}' "${ECR_ARGS[@]}" --secret nope)
expect_aws "mode truncated: a badly signed request still gets its 403" 403 "$s" mtrunc_bad InvalidSignatureException
standin_mode truncated_transfer
s=$(aws_call mtrans '{}' "${ECR_ARGS[@]}")
rc=$(grep -c "curl: (18)" "$WORK/mtrans.err")
check_eq "mode truncated_transfer: 200 then the connection closes early (curl exit 18)" "200 1" "$s $rc"

standin_mode wrongshape
s=$(aws_call mshape '{}' "${ECR_ARGS[@]}")
expect "mode wrongshape: ECR -> 200 {\"authorizationData\": []}" 200 "$s" mshape "d == {'authorizationData': []}"
standin_mode wrongshape:1
s=$(aws_call mshape1 '{}' "${PUB_ARGS[@]}")
expect "mode wrongshape:1: ECR public -> 200 {\"foo\": 1}" 200 "$s" mshape1 "d == {'foo': 1}"
s=$(gcp_call mshapeg --sa "$SA_FILE")
expect "mode wrongshape:1: Google -> 200 with an empty access_token" 200 "$s" mshapeg "d['access_token'] == ''"

standin_mode slow:1
t0=$(date +%s.%N)
s=$(aws_call mslow '{}' "${ECR_ARGS[@]}")
el=$(elapsed_since "$t0")
if awk -v e="$el" 'BEGIN { exit !(e >= 1.0) }'; then
	expect "mode slow:1: correct answer after ${el}s" 200 "$s" mslow "len(d['authorizationData']) == 1"
else
	fail "mode slow:1: correct answer after a delay" "answered after ${el}s"
fi

standin_mode fail_first:2
seq_codes=""
for i in 1 2 3 4; do
	seq_codes="$seq_codes $(aws_call mff$i '{}' "${ECR_ARGS[@]}")"
done
check_eq "mode fail_first:2: 500, 500, then 200s" " 500 500 200 200" "$seq_codes"
standin_mode fail_first:1
s1=$(gcp_call mffg1 --sa "$SA_FILE")
s2=$(gcp_call mffg2 --sa "$SA_FILE")
check_eq "mode fail_first:1: rewriting config.json starts the count again (Google 500 then 200)" "500 200" "$s1 $s2"

standin_mode ok
standin_mode 500 acr
s=$(azure_call mper_az "$AZ_TENANT" "$AZ_CLIENT" "$AZ_SECRET")
s2=$(acr_call mper_acr "$AZ_TENANT" "$AAD_TOKEN")
check_eq "per-endpoint modes: modes.acr=500 fails the exchange only" "200 500" "$s $s2"
standin_mode bogus
s=$(aws_call mbogus '{}' "${ECR_ARGS[@]}")
expect "an unknown mode answers 500 with standin_error (test bug, not a cloud answer)" 500 "$s" mbogus "'standin_error' in d"
standin_config_merge '{"mode": "ok", "modes": {}}'

# --- 7. stats and the request log ----------------------------------------------------------------------------
standin_reset
aws_call st1 '{}' "${ECR_ARGS[@]}" >/dev/null
aws_call st2 '{}' "${ECR_ARGS[@]}" --secret nope >/dev/null
aws_call st3 '{}' "${PUB_ARGS[@]}" >/dev/null
standin_mode 500 gcp
gcp_call st4 --sa "$SA_FILE" >/dev/null
standin_config_merge '{"modes": {}}'
standin_stats >"$WORK/stats.json"
if "$PY" -S "$H" check "$WORK/stats.json" "d['ecr']['accepted'] == 1 and d['ecr']['rejected'] == 1 and
	d['ecr']['last_reason'] == 'signature mismatch' and d['ecr-public']['accepted'] == 1 and
	d['gcp']['injected'] == 1 and d['gcp']['accepted'] == 0 and d['azure']['accepted'] == 0" >"$WORK/stats.err"; then
	pass "/_stats counts accepted, rejected and injected per endpoint since /_reset"
else
	fail "/_stats counts accepted, rejected and injected per endpoint since /_reset" "$(cat "$WORK/stats.err")"
fi
check "requests.log: every line is JSON with endpoint, status, outcome, reason" "$PY" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert {"endpoint", "status", "outcome", "reason"} <= set(d), line
    n += 1
assert n > 50, n' "$STANDIN_DIR/requests.log"
leaks=""
ECR_B64=$(printf 'AWS:%s' "$ECR_PW" | base64 -w0)
for secret in "$AWS_SECRET" "$AWS_SECRET_TMP" "$SESSION" "$ECR_PW" "$ECR_B64" "$AZ_SECRET" "$AAD_TOKEN" \
	"$AAD_TOKEN2" "$ACR_REFRESH" "$GCP_TOKEN" "AWS4-HMAC-SHA256" "Credential=" "Signature=" "PRIVATE KEY"; do
	grep -qF -- "$secret" "$STANDIN_DIR/requests.log" && leaks="$leaks [$secret]"
done
while read -r jwt; do
	[ -n "$jwt" ] && grep -qF -- "${jwt##*.}" "$STANDIN_DIR/requests.log" && leaks="$leaks [a JWT signature]"
done <"$WORK/assertions"
check_eq "requests.log never contains secrets, tokens, assertions or the Authorization header" "" "$leaks"

# --- 8. restart keeps the CA, stop by PID, killable while hanging ----------------------------------------------
ca_before=$(sha256sum <"$STANDIN_CA")
standin_stop
standin_start "$WORK" --san myreg.azurecr.io || fail "restart"
ca_after=$(sha256sum <"$STANDIN_CA")
if [ "$ca_before" = "$ca_after" ] && openssl x509 -in "$STANDIN_DIR/server.crt" -noout -ext subjectAltName |
	grep -q "DNS:myreg.azurecr.io" && openssl verify -CAfile "$STANDIN_CA" "$STANDIN_DIR/server.crt" >/dev/null; then
	pass "restart reuses the CA and re-issues the server certificate for a new --san"
else
	fail "restart reuses the CA and re-issues the server certificate for a new --san"
fi
s=$(aws_call restart_ok '{}' "${ECR_ARGS[@]}")
expect "config.json survives a restart" 200 "$s" restart_ok "len(d['authorizationData']) == 1"

standin_mode hang
curl -sS --cacert "$STANDIN_CA" --max-time 30 -o /dev/null -H @"$WORK/hang.hdr" --data-binary '{}' \
	"$STANDIN_URL/" 2>/dev/null &
BG_PIDS+=($!)
bg=$!
sleep 0.5
check "a hanging request does not block other connections (/_stats answers)" standin_stats
pid=$STANDIN_PID
t0=$(date +%s.%N)
standin_stop
el=$(elapsed_since "$t0")
if ! kill -0 "$pid" 2>/dev/null && awk -v e="$el" 'BEGIN { exit !(e < 2) }'; then
	pass "standin_stop kills it by PID within ${el}s while a request hangs"
else
	fail "standin_stop kills it by PID while a request hangs" "after ${el}s, pid $pid alive: $(kill -0 "$pid" 2>&1 && echo yes)"
fi
for i in $(seq 1 30); do kill -0 "$bg" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$bg" 2>/dev/null; then
	fail "the hanging client sees the connection end when the stand-in is stopped"
else
	pass "the hanging client sees the connection end when the stand-in is stopped"
fi
# shellcheck disable=SC2016 # expanded by the inner bash
check "pid and port files are removed on stop" bash -c '[ ! -e "$1/pid" ] && [ ! -e "$1/port" ]' _ "$STANDIN_DIR"

log "took $(elapsed_since "$T_START")s"
tap_summary
