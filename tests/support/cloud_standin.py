#!/usr/bin/python3
# Loopback stand-ins for the cloud token endpoints docker-credential-ssm talks to, over real TLS,
# that check what the real services check (AWS SigV4, Google's JWT bearer grant, Azure AD
# client credentials, the ACR token exchange), not just that a request arrived.
#
# Debian's Python only (/usr/bin/python3, python3-cryptography) plus the standard library.
#
#   /usr/bin/python3 cloud_standin.py --state DIR [--port N] [--san NAME]...
#       One HTTPS server on 127.0.0.1:N (0 or absent = a free port), until killed (SIGTERM/INT).
#       Creates in DIR when absent: ca.crt/ca.key (test CA), server.crt/server.key (signed by it,
#       SANs 127.0.0.1, ::1, localhost and every --san; a server certificate lacking a requested
#       SAN is re-issued by the same CA). Writes DIR/port and DIR/pid once it listens, appends
#       one JSON line per request to DIR/requests.log (endpoint, status, outcome, reason; never
#       secrets, tokens, assertions or the Authorization header), reads DIR/config.json on every
#       request.
#   /usr/bin/python3 cloud_standin.py --selftest-sigv4 SUITE_DIR
#       Runs the signer and the verifier over every case of the AWS SigV4 test suite; prints
#       PASS/FAIL per case and "N passed, M failed"; exit 0 only when all pass.
#
# Endpoints (all on the one server):
#   POST /  X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken   (ecr)
#   POST /  X-Amz-Target: SpencerFrontendService.GetAuthorizationToken                 (ecr-public)
#   POST /  form Action=AssumeRole|AssumeRoleWithWebIdentity   STS (aws_sts_standin.py) (sts)
#   POST /token                          Google OAuth2 JWT bearer grant, and the refresh
#                                        grant (gcp_standin.py)                        (gcp)
#   POST /v1/token                       Google STS token exchange (gcp_standin.py)    (gcp-sts)
#   POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken
#                                        IAM credentials (gcp_standin.py)              (gcp-iam)
#   POST /<tenant>/oauth2/v2.0/token     Azure AD client credentials                   (azure)
#   POST /oauth2/exchange                ACR AAD-token -> refresh-token exchange       (acr)
#   GET  /_stats   counts per endpoint;  POST /_reset   clears counts and fail_first progress
#
# config.json (every key optional):
#   {"aws":   {"AKID": {"secret": "...", "session_token": null | "..."}},
#    "ecr":   {"token_password": "...", "expires_in": 43200, "account": "123456789012",
#              "region": null | "eu-west-1" (only this scope region accepted),
#              "proxy_endpoint": null | "https://..." (overrides the computed one)},
#    "ecr_public": {"token_password": "...", "expires_in": 43200}   (defaults to "ecr")
#    "gcp":   {"EMAIL": {"public_key_pem": "...", "private_key_id": null | "...",
#                        "access_token": "ya29.x", "expires_in": 3599}},
#    "gcp_aud": null | "URL" | ["URL", ...]     (accepted as JWT aud besides Google's)
#    "gcp_users", "gcp_sts", "gcp_iam": {...}   (see gcp_standin.py)
#    "azure": {"TENANT": {"client_id": "...", "client_secret": "...", "access_token": "aad-x",
#                         "expires_in": 3599, "scopes": ["https://management.azure.com/.default"]}},
#    "acr":   {"refresh_token": "acr-refresh-x", "service": null | "x.azurecr.io"},
#    "mode":  "ok",                       (all token endpoints)
#    "modes": {"ecr": "...", "ecr-public": "...", "sts": "...", "gcp": "...", "gcp-sts": "...",
#              "gcp-iam": "...", "azure": "...", "acr": "..."},
#    "sts": {...}                         (roles and the OIDC issuer: see aws_sts_standin.py)
#    "clock_offset": 0,                   (seconds added to the stand-in's clock: skew tests)
#    "hang_max_seconds": 300}
# Modes: ok | 500 | 429 | 403 | hang | reset | truncated | truncated_transfer | wrongshape[:K]
#        | slow:<seconds> | fail_first:<n>
#   500/429/403/hang/reset/fail_first act before the request is validated; slow delays, then
#   validates; truncated/truncated_transfer/wrongshape only mangle a response that would have
#   been a success (an invalid request still gets its real rejection). fail_first counts per
#   mode scope ("mode" = all token endpoints together, "modes" entry = that endpoint) and starts
#   again whenever config.json is rewritten or /_reset is posted.

import argparse
import base64
import datetime
import decimal
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import re
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid

# The STS stand-in lives beside this file; the benchmark starts this one through
# runpy from elsewhere, so the folder is put on the path explicitly.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_sts_standin  # noqa: E402
import gcp_standin  # noqa: E402

AWS_ALGO = "AWS4-HMAC-SHA256"
ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
ECR_PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken"
AWS_JSON = "application/x-amz-json-1.1"
GOOGLE_AUD = "https://oauth2.googleapis.com/token"
GOOGLE_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ARM_SCOPE = "https://management.azure.com/.default"
ENDPOINTS = ("ecr", "ecr-public", "sts", "gcp", "gcp-sts", "gcp-iam", "azure", "acr", "other")
TOKEN_ENDPOINTS = ENDPOINTS[:-1]
MAX_BODY = 1 << 20
SIGV4_SKEW = 15 * 60
UTC = datetime.timezone.utc

# ---------------------------------------------------------------------------------------------
# AWS Signature Version 4
# ---------------------------------------------------------------------------------------------

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_HDR_WS = re.compile(r"[ \t\r\n]+")
_AMZ_DATE = re.compile(r"(\d{8})T(\d{6})Z")
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")


class SigV4Error(Exception):
    """A rejection as AWS would answer it: HTTP status, __type, message; reason is for logs."""

    def __init__(self, status, type_, message, reason):
        super().__init__(reason)
        self.status = status
        self.type = type_
        self.message = message
        self.reason = reason


def aws_uri_encode(data, keep_slash=False):
    out = []
    for b in data:
        if b in _UNRESERVED or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def aws_normalize_path(path):
    """RFC 3986 remove_dot_segments plus empty-segment removal, as AWS SDKs do (not S3)."""
    if not path:
        return b"/"
    segs = []
    for s in path.split(b"/"):
        if not s or s == b".":
            continue
        if s == b"..":
            if segs:
                segs.pop()
            continue
        segs.append(s)
    out = b"/" + b"/".join(segs)
    if path.endswith(b"/") and segs:
        out += b"/"
    return out


def aws_canonical_uri(path, normalize=True):
    # The path as received (already percent-encoded on the wire) is encoded once more: AWS's
    # "double encoding" for every service but S3.
    path = aws_normalize_path(path) if normalize else (path or b"/")
    return aws_uri_encode(path, keep_slash=True)


def aws_canonical_query(query):
    if not query:
        return ""
    params = []
    for part in query.split(b"&"):
        if not part:
            continue
        k, _, v = part.partition(b"=")
        params.append((aws_uri_encode(urllib.parse.unquote_to_bytes(k)),
                       aws_uri_encode(urllib.parse.unquote_to_bytes(v))))
    params.sort()
    return "&".join("%s=%s" % kv for kv in params)


def aws_header_value(value):
    return _HDR_WS.sub(" ", value).strip(" ")


def aws_canonical_headers(headers, signed):
    values = {}
    for name, value in headers:
        values.setdefault(name.strip().lower(), []).append(aws_header_value(value))
    return "".join("%s:%s\n" % (n, ",".join(values.get(n, []))) for n in signed)


def aws_canonical_request(method, path, query, headers, signed, payload_hash, normalize=True):
    return "\n".join([method.upper(), aws_canonical_uri(path, normalize), aws_canonical_query(query),
                      aws_canonical_headers(headers, signed), ";".join(signed), payload_hash])


def aws_string_to_sign(amz_date, scope, canonical_request):
    digest = hashlib.sha256(canonical_request.encode("latin-1", "replace")).hexdigest()
    return "\n".join([AWS_ALGO, amz_date, scope, digest])


def aws_signature(secret, date, region, service, string_to_sign):
    def h(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()
    key = h(h(h(h(("AWS4" + secret).encode("utf-8"), date), region), service), "aws4_request")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _amz(ts):
    return datetime.datetime.fromtimestamp(ts, UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_aws_authorization(value):
    value = value.strip()
    algo, _, rest = value.partition(" ")
    if algo != AWS_ALGO:
        raise SigV4Error(400, "IncompleteSignatureException",
                         "Unsupported AWS 'algorithm': '%s'" % algo[:40],
                         "Authorization algorithm is not AWS4-HMAC-SHA256")
    params = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        k, eq, v = part.partition("=")
        if not eq:
            raise SigV4Error(400, "IncompleteSignatureException",
                             "Authorization header requires 'Credential', 'SignedHeaders' and "
                             "'Signature' parameters as key=value pairs separated by commas.",
                             "Authorization component without '='")
        params[k.strip()] = v.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in params]
    if missing:
        raise SigV4Error(400, "IncompleteSignatureException",
                         " ".join("Authorization header requires '%s' parameter." % k for k in missing),
                         "Authorization lacks " + ",".join(missing))
    cred = params["Credential"].split("/")
    if len(cred) != 5 or not all(cred):
        raise SigV4Error(400, "IncompleteSignatureException",
                         "Credential must have exactly 5 slash-delimited elements, e.g. "
                         "keyid/date/region/service/term, got '%s'" % params["Credential"][:200],
                         "malformed Credential (%d elements)" % len(cred))
    return cred, params["SignedHeaders"], params["Signature"]


def sigv4_verify(method, target, headers, body, lookup, now, expected_service=None,
                 region_ok=None, required_signed=("host", "x-amz-date"), check_token=False,
                 normalize=True):
    """Verify a SigV4 header-signed request the way AWS does.

    target: the request target as received (bytes, path plus optional ?query);
    headers: list of (name, value) as received (duplicates in order); body: bytes;
    lookup(akid) -> (secret, session_token or None) or None; now: epoch seconds;
    region_ok(region) -> None or an error message. Returns a dict with the canonical request,
    string to sign and signature; raises SigV4Error otherwise."""
    path, _, query = target.partition(b"?")

    def header(name):
        for n, v in headers:
            if n.strip().lower() == name:
                return v
        return None

    auth = header("authorization")
    if auth is None:
        raise SigV4Error(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
                         "no Authorization header")
    cred, signed_str, signature = parse_aws_authorization(auth)
    akid, scope_date, region, service, term = cred

    amz_date = header("x-amz-date")
    if amz_date is None:
        raise SigV4Error(400, "IncompleteSignatureException",
                         "Authorization header requires existence of either a 'X-Amz-Date' or a "
                         "'Date' header.", "no X-Amz-Date header")
    amz_date = amz_date.strip()
    m = _AMZ_DATE.fullmatch(amz_date)
    req_time = None
    if m:
        try:
            req_time = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            req_time = None
    if req_time is None:
        raise SigV4Error(400, "IncompleteSignatureException",
                         "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                         "http://en.wikipedia.org/wiki/ISO_8601" % amz_date[:40],
                         "X-Amz-Date not in basic ISO-8601 format")
    if term != "aws4_request":
        raise SigV4Error(403, "InvalidSignatureException",
                         "Credential should be scoped with a valid terminator: 'aws4_request', "
                         "not '%s'." % term[:40], "credential scope terminator is not aws4_request")
    if expected_service is not None and service != expected_service:
        raise SigV4Error(403, "InvalidSignatureException",
                         "Credential should be scoped to correct service: '%s'. " % expected_service,
                         "credential scope service %r, expected %r" % (service[:40], expected_service))
    if region_ok is not None:
        problem = region_ok(region)
        if problem:
            raise SigV4Error(403, "InvalidSignatureException", problem,
                             "credential scope region %r refused" % region[:40])
    if scope_date != amz_date[:8]:
        raise SigV4Error(403, "InvalidSignatureException",
                         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                         "of date from HTTP: '%s' != '%s', from '%s'."
                         % (scope_date[:20], amz_date[:8], amz_date),
                         "credential scope date != X-Amz-Date date")
    t = req_time.timestamp()
    if t < now - SIGV4_SKEW:
        raise SigV4Error(403, "InvalidSignatureException",
                         "Signature expired: %s is now earlier than %s (%s - 15 min.)"
                         % (amz_date, _amz(now - SIGV4_SKEW), _amz(now)),
                         "X-Amz-Date more than 15 minutes in the past")
    if t > now + SIGV4_SKEW:
        raise SigV4Error(403, "InvalidSignatureException",
                         "Signature not yet current: %s is still later than %s (%s + 15 min.)"
                         % (amz_date, _amz(now + SIGV4_SKEW), _amz(now)),
                         "X-Amz-Date more than 15 minutes in the future")

    creds = lookup(akid)
    if creds is None:
        raise SigV4Error(403, "UnrecognizedClientException",
                         "The security token included in the request is invalid.",
                         "unknown access key id %r" % akid[:40])
    secret, want_token = creds

    signed = signed_str.split(";")
    if any(not s or s != s.lower() for s in signed) or signed != sorted(set(signed)):
        raise SigV4Error(403, "InvalidSignatureException",
                         "SignedHeaders must list lower-case header names, sorted and without "
                         "duplicates, separated by ';'. Got '%s'." % signed_str[:300],
                         "SignedHeaders not lower-case/sorted/unique")
    for name in required_signed:
        if name not in signed:
            raise SigV4Error(403, "InvalidSignatureException",
                             "'%s' must be a 'SignedHeader' in the AWS Authorization."
                             % _display_header(name), "header %s not signed" % name)

    token = header("x-amz-security-token")
    if check_token:
        if token is not None and "x-amz-security-token" not in signed:
            raise SigV4Error(403, "InvalidSignatureException",
                             "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS "
                             "Authorization.", "header x-amz-security-token not signed")
        if want_token:
            if token is None or not hmac.compare_digest(token.strip().encode(), want_token.encode()):
                raise SigV4Error(403, "UnrecognizedClientException",
                                 "The security token included in the request is invalid.",
                                 "session token missing" if token is None else "session token mismatch")
        elif token is not None:
            raise SigV4Error(403, "UnrecognizedClientException",
                             "The security token included in the request is invalid.",
                             "session token sent for long-term credentials")

    payload_hash = hashlib.sha256(body).hexdigest()
    cr = aws_canonical_request(method, path, query, headers, signed, payload_hash, normalize)
    scope = "/".join([scope_date, region, service, term])
    sts = aws_string_to_sign(amz_date, scope, cr)
    expected = aws_signature(secret, scope_date, region, service, sts)
    if not hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace")):
        shown_cr = cr.replace(token.strip(), "<X-Amz-Security-Token>") if token and token.strip() else cr
        raise SigV4Error(403, "InvalidSignatureException",
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your AWS Secret Access Key and signing method. Consult "
                         "the service documentation for details.\n\nThe Canonical String for this "
                         "request should have been\n'%s'\n\nThe String-to-Sign should have been\n"
                         "'%s'\n" % (shown_cr, sts), "signature mismatch")
    return {"akid": akid, "date": scope_date, "region": region, "service": service,
            "canonical_request": cr, "string_to_sign": sts, "signature": expected}


def _display_header(name):
    return {"host": "Host", "x-amz-date": "X-Amz-Date", "x-amz-target": "X-Amz-Target",
            "content-type": "Content-Type"}.get(name, name)


# --- self-test over the published vectors ----------------------------------------------------

def parse_raw_request(data):
    """Parse a request.txt of the test suite: (method, target bytes, [(name, value)], body)."""
    text = data.replace(b"\r\n", b"\n")
    head, _, body = text.partition(b"\n\n")
    lines = head.split(b"\n")
    method, rest = lines[0].split(b" ", 1)
    target, _, _version = rest.rpartition(b" ")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and headers:
            n, v = headers[-1]
            headers[-1] = (n, v + "\n" + line.decode("latin-1"))
            continue
        n, _, v = line.partition(b":")
        headers.append((n.decode("latin-1"), v.decode("latin-1")))
    return method.decode("ascii"), target, headers, body


def _selftest_case(cdir):
    def read(name):
        with open(os.path.join(cdir, name), "rb") as f:
            return f.read()

    problems = []
    ctx = json.loads(read("context.json"))
    creds = ctx["credentials"]
    akid, secret = creds["access_key_id"], creds["secret_access_key"]
    token = creds.get("token")
    ts = datetime.datetime.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    amz_date = ts.strftime("%Y%m%dT%H%M%SZ")
    normalize = ctx.get("normalize", True)
    region, service = ctx["region"], ctx["service"]
    want_cr = read("header-canonical-request.txt").decode("utf-8").rstrip("\n")
    want_sts = read("header-string-to-sign.txt").decode("utf-8").rstrip("\n")
    want_sig = read("header-signature.txt").decode("ascii").strip()

    # 1. Signer: add what a signer adds, sign every header, compare each intermediate result.
    method, target, headers, body = parse_raw_request(read("request.txt"))
    path, _, query = target.partition(b"?")
    hdrs = list(headers) + [("X-Amz-Date", amz_date)]
    if token and not ctx.get("omit_session_token"):
        hdrs.append(("X-Amz-Security-Token", token))
    payload_hash = hashlib.sha256(body).hexdigest()
    if ctx.get("sign_body"):
        hdrs.append(("x-amz-content-sha256", payload_hash))
    signed = sorted({n.strip().lower() for n, _ in hdrs})
    cr = aws_canonical_request(method, path, query, hdrs, signed, payload_hash, normalize)
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    sts = aws_string_to_sign(amz_date, scope, cr)
    sig = aws_signature(secret, amz_date[:8], region, service, sts)
    if cr != want_cr:
        problems.append("signer canonical request differs:\n%s\n--- expected ---\n%s" % (cr, want_cr))
    if sts != want_sts:
        problems.append("signer string to sign differs")
    if sig != want_sig:
        problems.append("signer signature %s != %s" % (sig, want_sig))

    # 2. Verifier: the signed request as a server receives it must verify, and produce the same
    #    canonical request; a wrong secret or a changed signature must not.
    method, target, headers, body = parse_raw_request(read("header-signed-request.txt"))

    def verify(sec, hdrs_):
        return sigv4_verify(method, target, hdrs_, body,
                            lambda k: (sec, token) if k == akid else None, ts.timestamp(),
                            expected_service=service,
                            region_ok=lambda r: None if r == region else "bad region",
                            normalize=normalize)
    try:
        info = verify(secret, headers)
        if info["canonical_request"] != want_cr:
            problems.append("verifier canonical request differs:\n%s" % info["canonical_request"])
        if info["signature"] != want_sig:
            problems.append("verifier signature differs")
    except SigV4Error as e:
        problems.append("verifier refused the signed request: %s %s" % (e.type, e.message))
    try:
        verify(secret + "x", headers)
        problems.append("verifier accepted a wrong secret")
    except SigV4Error as e:
        if e.type != "InvalidSignatureException":
            problems.append("wrong secret gave %s" % e.type)
    tampered = []
    for n, v in headers:
        if n.lower() == "authorization":
            v = v[:-1] + ("0" if v[-1] != "0" else "1")
        tampered.append((n, v))
    try:
        verify(secret, tampered)
        problems.append("verifier accepted a changed signature")
    except SigV4Error as e:
        if e.type != "InvalidSignatureException":
            problems.append("changed signature gave %s" % e.type)
    return problems


def selftest_sigv4(suite):
    passed = failed = 0
    for case in sorted(os.listdir(suite)):
        cdir = os.path.join(suite, case)
        if not os.path.isfile(os.path.join(cdir, "context.json")):
            continue
        try:
            problems = _selftest_case(cdir)
        except Exception as e:  # noqa: BLE001 - a broken case is a failed case
            problems = ["exception: %r" % (e,)]
        if problems:
            failed += 1
            print("FAIL %s: %s" % (case, "\n    ".join(problems)))
        else:
            passed += 1
            print("PASS %s" % case)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


# ---------------------------------------------------------------------------------------------
# Helpers for responses
# ---------------------------------------------------------------------------------------------

def java_double(x):
    """Format like Java's Double.toString (what AWS's Coral JSON emits): 1.7385984915E9."""
    x = float(x)
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(x)
    d = decimal.Decimal(repr(x))
    sign, digits, _ = d.as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    return "%s%s.%sE%d" % ("-" if sign else "", ds[0], ds[1:] or "0", d.adjusted())


def b64url_decode(s):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s) or len(s) % 4 == 1:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Reply:
    """One HTTP answer: status, JSON body (bytes), content type, extra headers, log reason."""

    def __init__(self, status, body, ctype="application/json; charset=utf-8", headers=(),
                 reason=""):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.ctype = ctype
        self.headers = list(headers)
        self.reason = reason


def aws_reply(status, type_, message, reason):
    body = json.dumps({"__type": type_, "message": message}).encode()
    return Reply(status, body, AWS_JSON,
                 [("x-amzn-RequestId", str(uuid.uuid4())), ("x-amzn-ErrorType", type_)], reason)


def google_reply(status, error, description, reason=None):
    return Reply(status, {"error": error, "error_description": description},
                 reason=reason or description)


def aad_reply(status, error, code, description, reason):
    now = datetime.datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace = str(uuid.uuid4())
    corr = str(uuid.uuid4())
    return Reply(status, {
        "error": error,
        "error_description": "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s"
                             % (code, description, trace, corr, now),
        "error_codes": [code], "timestamp": now, "trace_id": trace, "correlation_id": corr,
        "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}, reason=reason)


def acr_reply(status, code, message, reason=None):
    return Reply(status, {"errors": [{"code": code, "message": message}]},
                 headers=[("WWW-Authenticate", 'Bearer realm="standin",service="acr"')]
                 if status == 401 else [], reason=reason or message)


def sts_reply(answer):
    return Reply(answer.status, answer.body, aws_sts_standin.XML_CTYPE, reason=answer.reason)


INJECTED = {
    "sts": {
        "500": lambda: sts_reply(aws_sts_standin.sts_error(500, "InternalFailure", "Internal "
                                                           "service error (injected)", "mode 500",
                                                           "Receiver")),
        "429": lambda: sts_reply(aws_sts_standin.sts_error(400, "Throttling", "Rate exceeded",
                                                           "mode 429")),
        "403": lambda: sts_reply(aws_sts_standin.sts_error(403, "AccessDenied", "User: arn:aws:"
                                                           "iam::123456789012:user/standin is not "
                                                           "authorized to perform: sts:AssumeRole",
                                                           "mode 403")),
    },
    # endpoint kind -> status -> reply factory
    "aws": {
        "500": lambda: aws_reply(500, "ServerException", "Internal service error (injected)", "mode 500"),
        "429": lambda: aws_reply(429, "ThrottlingException", "Rate exceeded", "mode 429"),
        "403": lambda: aws_reply(403, "AccessDeniedException",
                                 "User: arn:aws:iam::123456789012:user/standin is not authorized "
                                 "to perform: ecr:GetAuthorizationToken on resource: * because no "
                                 "identity-based policy allows the ecr:GetAuthorizationToken action",
                                 "mode 403"),
    },
    "gcp": {
        "500": lambda: google_reply(500, "internal_failure", "Backend Error", "mode 500"),
        "429": lambda: google_reply(429, "rate_limit_exceeded", "Rate Limit Exceeded", "mode 429"),
        "403": lambda: google_reply(403, "access_denied",
                                    "The caller does not have permission", "mode 403"),
    },
    "azure": {
        "500": lambda: aad_reply(500, "temporarily_unavailable", 50001,
                                 "The service is temporarily unavailable (injected).", "mode 500"),
        "429": lambda: aad_reply(429, "temporarily_unavailable", 50196,
                                 "The server terminated an operation because it encountered a "
                                 "client request loop.", "mode 429"),
        "403": lambda: aad_reply(403, "access_denied", 53003,
                                 "Access has been blocked by Conditional Access policies.",
                                 "mode 403"),
    },
    "acr": {
        "500": lambda: acr_reply(500, "UNKNOWN", "internal server error (injected)", "mode 500"),
        "429": lambda: acr_reply(429, "TOOMANYREQUESTS", "too many requests", "mode 429"),
        "403": lambda: acr_reply(403, "DENIED", "client is not allowed to access the registry",
                                 "mode 403"),
    },
}

WRONGSHAPE = {
    "sts": [b"<AssumeRoleResponse/>", b"not xml", b"<AssumeRoleResponse><Credentials>"
            b"<AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResponse>"],
    "ecr": [{"authorizationData": []}, {"foo": 1},
            {"authorizationData": [{"authorizationToken": 12345, "expiresAt": "soon"}]},
            {"authorizationData": [{"authorizationToken": base64.b64encode(b"no-colon-here").decode(),
                                    "expiresAt": 1.7e9, "proxyEndpoint": "https://x"}]}],
    "ecr-public": [{"authorizationData": []}, {"foo": 1},
                   {"authorizationData": {"authorizationToken": 12345}},
                   {"authorizationData": {"authorizationToken": "%%%not-base64", "expiresAt": 1.7e9}}],
    "gcp": [{"foo": 1}, {"access_token": "", "expires_in": 3599, "token_type": "Bearer"},
            {"access_token": 5, "expires_in": "x"}, []],
    "gcp-sts": [{"foo": 1}, {"access_token": "", "expires_in": 3599}, []],
    "gcp-iam": [{"foo": 1}, {"accessToken": "x"}, {"accessToken": "x", "expireTime": "soon"}, []],
    "azure": [{"foo": 1}, {"token_type": "Bearer", "expires_in": 3599, "access_token": ""},
              {"access_token": 5}, []],
    "acr": [{"foo": 1}, {"refresh_token": ""}, {"refresh_token": 5}, []],
}


def endpoint_kind(endpoint):
    if endpoint in ("gcp-sts", "gcp-iam"):
        return "gcp"
    return "aws" if endpoint in ("ecr", "ecr-public") else endpoint


def parse_mode(mode):
    """Returns (kind, arg) or raises ValueError."""
    if not isinstance(mode, str):
        raise ValueError("mode must be a string")
    if mode in ("ok", "500", "429", "403", "hang", "reset", "truncated", "truncated_transfer"):
        return mode, None
    if mode == "wrongshape":
        return "wrongshape", 0
    kind, sep, arg = mode.partition(":")
    if sep and kind == "wrongshape":
        return kind, int(arg)
    if sep and kind == "slow":
        v = float(arg)
        if v < 0:
            raise ValueError("negative delay")
        return kind, v
    if sep and kind == "fail_first":
        v = int(arg)
        if v < 0:
            raise ValueError("negative count")
        return kind, v
    raise ValueError("unknown mode %r" % mode[:40])


def parse_form(body):
    """application/x-www-form-urlencoded -> {name: [values]}; raises ValueError."""
    text = body.decode("utf-8")
    return urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=False,
                                 errors="strict")


def _first(form, name):
    v = form.get(name)
    return v[0] if v else None


class ConfigError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------

def _new_stats():
    st = {ep: {"accepted": 0, "rejected": 0, "injected": 0, "last_status": None,
               "last_reason": None} for ep in ENDPOINTS}
    st["tls_handshake_failures"] = 0
    st["since"] = datetime.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return st


class StandinServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, state, ssl_ctx):
        super().__init__(addr, Handler)
        self.state = state
        self.ssl_ctx = ssl_ctx
        self.lock = threading.Lock()
        self.stats = _new_stats()
        self.fail_counters = {}
        self.issued_aad = {}  # access token -> {tenant: expiry epoch}
        self.log_path = os.path.join(state, "requests.log")

    def finish_request(self, request, client_address):
        # TLS handshake here, in the connection's own thread, so a silent client blocks nothing.
        request.settimeout(15)
        try:
            conn = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.lock:
                self.stats["tls_handshake_failures"] += 1
            self.log({"endpoint": "tls", "status": 0, "outcome": "handshake_failed",
                      "reason": str(e)[:200]})
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)

    def log(self, entry):
        entry = dict(entry)
        entry["time"] = datetime.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)

    def record(self, endpoint, status, outcome, reason):
        with self.lock:
            st = self.stats[endpoint]
            st[outcome] += 1
            st["last_status"] = status
            st["last_reason"] = reason

    def load_config(self):
        path = os.path.join(self.state, "config.json")
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:
            return {}, ("absent",)
        try:
            cfg = json.loads(data)
        except ValueError as e:
            raise ConfigError("config.json is not valid JSON: %s" % e) from None
        if not isinstance(cfg, dict):
            raise ConfigError("config.json must hold a JSON object")
        return cfg, (st.st_ino, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


class BodyError(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloud-standin/1"
    sys_version = ""
    timeout = 30  # idle keep-alive connections

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    # --- plumbing --------------------------------------------------------------------------

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BodyError(400, "bad chunk size") from None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise BodyError(413, "body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
        except ValueError:
            raise BodyError(400, "bad Content-Length") from None
        if n < 0:
            raise BodyError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise BodyError(413, "body too large")
        data = self.rfile.read(n)
        if len(data) != n:
            raise BodyError(400, "body shorter than Content-Length")
        return data

    def _send(self, reply, truncate=None):
        """truncate: None, "body" (Content-Length of the cut body) or "transfer" (full
        Content-Length, half the bytes, then the connection closes)."""
        body = reply.body
        length = len(body)
        if truncate == "body":
            body = body[:max(1, len(body) // 2)]
            length = len(body)
        elif truncate == "transfer":
            body = body[:max(1, len(body) // 2)]
            self.close_connection = True
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.ctype)
            self.send_header("Content-Length", str(length))
            for k, v in reply.headers:
                self.send_header(k, v)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def _hang(self, max_seconds):
        """Accept, never answer; return when the client goes away (or after max_seconds)."""
        conn = self.connection
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([conn], [], [], 0.5)
            except (OSError, ValueError):
                break
            if not readable:
                continue
            try:
                conn.settimeout(0.2)
                if not conn.recv(4096):
                    break
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except (OSError, ssl.SSLError):
                break
        self.close_connection = True

    def _reset(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()  # the fd really closes (RST) once rfile is closed in finish()
        except OSError:
            pass

    def _finish(self, endpoint, reply, outcome, mode, truncate=None):
        self._send(reply, truncate)
        self._account(endpoint, reply.status, outcome, reply.reason, mode)

    def _account(self, endpoint, status, outcome, reason, mode):
        self.server.record(endpoint, status, outcome, reason)
        self.server.log({"endpoint": endpoint, "method": self.command,
                         "path": self.path.partition("?")[0][:200], "status": status,
                         "outcome": outcome, "reason": reason, "mode": mode,
                         "ms": int((time.time() - self._t0) * 1000)})

    # --- routing -----------------------------------------------------------------------------

    def _dispatch(self):
        self._t0 = time.time()
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urllib.parse.urlsplit(target)
            target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        path = target.partition("?")[0]
        try:
            body = self._read_body()
        except BodyError as e:
            self.close_connection = True
            self._finish("other", Reply(e.status, {"error": e.reason}, reason=e.reason),
                         "rejected", None)
            return

        if path == "/_stats":
            if self.command != "GET":
                self._send(Reply(405, {"error": "use GET"}))
                return
            with self.server.lock:
                snapshot = json.loads(json.dumps(self.server.stats))
            self._send(Reply(200, snapshot))
            return
        if path == "/_reset":
            if self.command != "POST":
                self._send(Reply(405, {"error": "use POST"}))
                return
            with self.server.lock:
                self.server.stats = _new_stats()
                self.server.fail_counters = {}
            self._send(Reply(200, {"reset": True}))
            return

        azure = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if path == "/" and self.headers.get("X-Amz-Target") is not None:
            tgt = self.headers.get("X-Amz-Target", "").strip()
            endpoint = "ecr-public" if tgt.startswith("SpencerFrontendService.") else "ecr"
            handler = self._aws
        elif path == "/" and self.command == "POST" and aws_sts_standin.is_sts_request(self.headers, body):
            endpoint, handler = "sts", self._sts
        elif path == "/" and self.command == "POST":
            endpoint, handler = "ecr", self._aws
        elif path == "/token":
            endpoint, handler = "gcp", self._gcp
        elif path == "/v1/token":
            endpoint, handler = "gcp-sts", self._gcp_sts
        elif gcp_standin.iam_account(path):
            endpoint, handler = "gcp-iam", self._gcp_iam
        elif azure:
            endpoint, handler = "azure", self._azure
        elif path == "/oauth2/exchange":
            endpoint, handler = "acr", self._acr
        else:
            self._finish("other", Reply(404, {"error": "not_found",
                                              "error_description": "no stand-in endpoint here"},
                                        reason="no endpoint at this path"), "rejected", None)
            return
        if self.command != "POST":
            self._finish(endpoint, Reply(405, {"error": "method_not_allowed"},
                                         headers=[("Allow", "POST")], reason="method not POST"),
                         "rejected", None)
            return

        try:
            cfg, cfg_id = self.server.load_config()
            modes = cfg.get("modes") or {}
            if endpoint in modes:
                mode_str, scope = modes[endpoint], endpoint
            else:
                mode_str, scope = cfg.get("mode", "ok"), "*"
            mode, arg = parse_mode(mode_str)
        except (ConfigError, ValueError, AttributeError, TypeError) as e:
            self._finish(endpoint, Reply(500, {"standin_error": str(e)}, reason="config: %s" % e),
                         "rejected", None)
            return

        kind = endpoint_kind(endpoint)
        if mode in ("500", "429", "403"):
            reply = INJECTED[kind][mode]()
            if endpoint == "ecr-public":
                reply.body = reply.body.replace(b"ecr:", b"ecr-public:")
            self._finish(endpoint, reply, "injected", mode_str)
            return
        if mode == "fail_first":
            key = (cfg_id, scope)
            with self.server.lock:
                served = self.server.fail_counters.get(key, 0)
                fail = served < arg
                if fail:
                    self.server.fail_counters[key] = served + 1
            if fail:
                reply = INJECTED[kind]["500"]()
                reply.reason = "mode fail_first:%d (%d of %d)" % (arg, served + 1, arg)
                self._finish(endpoint, reply, "injected", mode_str)
                return
        if mode == "hang":
            try:
                max_s = float(cfg.get("hang_max_seconds", 300))
            except (TypeError, ValueError):
                max_s = 300.0
            # Counted when the hang starts, so a test that gave up can read /_stats at once.
            self._account(endpoint, 0, "injected", "mode hang: no answer", mode_str)
            self._hang(max_s)
            return
        if mode == "reset":
            self._reset()
            self._account(endpoint, 0, "injected", "mode reset: connection closed", mode_str)
            return
        if mode == "slow":
            time.sleep(arg)

        now = time.time()
        try:
            now += float(cfg.get("clock_offset", 0) or 0)
        except (TypeError, ValueError):
            pass
        try:
            reply = handler(endpoint, cfg, body, target.encode("latin-1", "replace"), now)
        except Exception as e:  # noqa: BLE001 - answer instead of dropping the connection
            reply = Reply(500, {"standin_error": "internal error: %r" % (e,)},
                          reason="stand-in internal error: %s" % type(e).__name__)
            self._finish(endpoint, reply, "rejected", mode_str)
            raise
        if reply.status != 200:
            self._finish(endpoint, reply, "rejected", mode_str)
            return
        if mode in ("truncated", "truncated_transfer"):
            reply.reason = "mode %s" % mode
            self._finish(endpoint, reply, "injected", mode_str,
                         truncate="body" if mode == "truncated" else "transfer")
            return
        if mode == "wrongshape":
            variants = WRONGSHAPE[endpoint]
            shaped = Reply(200, variants[arg % len(variants)], reply.ctype, reply.headers,
                           "mode wrongshape:%d" % (arg % len(variants)))
            self._finish(endpoint, shaped, "injected", mode_str)
            return
        self._finish(endpoint, reply, "accepted", mode_str)

    # --- AWS: ECR and ECR public -------------------------------------------------------------

    def _aws(self, endpoint, cfg, body, target, now):
        public = endpoint == "ecr-public"
        service = "ecr-public" if public else "ecr"
        keys = cfg.get("aws") or {}
        ecr = cfg.get("ecr") or {}
        if public and isinstance(cfg.get("ecr_public"), dict):
            ecr = cfg["ecr_public"]

        def lookup(akid):
            ent = keys.get(akid)
            if not isinstance(ent, dict) or not ent.get("secret"):
                return None
            return str(ent["secret"]), ent.get("session_token") or None

        want_region = "us-east-1" if public else ecr.get("region")

        def region_ok(region):
            if not _REGION.fullmatch(region) or (want_region and region != want_region):
                return "Credential should be scoped to a valid region, not '%s'. " % region[:40]
            return None

        try:
            signer = sigv4_verify(self.command, target, list(self.headers.items()), body, lookup,
                                  now, expected_service=service, region_ok=region_ok,
                                  required_signed=("content-type", "host", "x-amz-date",
                                                   "x-amz-target"),
                                  check_token=True)
        except SigV4Error as e:
            return aws_reply(e.status, e.type, e.message, e.reason)
        region = parse_aws_authorization(self.headers["Authorization"])[0][2]

        tgt = (self.headers.get("X-Amz-Target") or "").strip()
        if tgt not in (ECR_TARGET, ECR_PUBLIC_TARGET):
            return aws_reply(400, "UnknownOperationException", "",
                             "unknown X-Amz-Target %r" % tgt[:80])
        ctype = (self.headers.get("Content-Type") or "").strip()
        if ctype.split(";")[0].strip().lower() != AWS_JSON:
            return aws_reply(400, "SerializationException",
                             "Content-Type must be application/x-amz-json-1.1",
                             "wrong Content-Type %r" % ctype[:60])
        try:
            req = json.loads(body.decode("utf-8")) if body.strip() else None
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return aws_reply(400, "SerializationException",
                             "Request body must be a JSON object, e.g. {}",
                             "body is not a JSON object")

        password = str(ecr.get("token_password", "standin-ecr-password"))
        token = base64.b64encode(("AWS:" + password).encode()).decode()
        try:
            expires = round(now + float(ecr.get("expires_in", 43200)), 3)
        except (TypeError, ValueError):
            expires = round(now + 43200, 3)
        if public:
            text = json.dumps({"authorizationData": {"authorizationToken": token,
                                                     "expiresAt": "__EXPIRES_AT__"}})
            return Reply(200, text.replace('"__EXPIRES_AT__"', java_double(expires)).encode(),
                         AWS_JSON, [("x-amzn-RequestId", str(uuid.uuid4()))], "ok")

        ids = req.get("registryIds")
        if ids is None:
            ids = [str(ecr.get("account", "123456789012"))]
        elif (not isinstance(ids, list) or not 1 <= len(ids) <= 10
              or not all(isinstance(i, str) and re.fullmatch(r"[0-9]{12}", i) for i in ids)):
            return aws_reply(400, "InvalidParameterException",
                             "Invalid parameter at 'registryIds' failed to satisfy constraint: "
                             "'Member must satisfy constraint: [Member must satisfy regular "
                             "expression pattern: [0-9]{12}]'", "invalid registryIds")
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        data = []
        for acct in ids:
            proxy = ecr.get("proxy_endpoint") or "https://%s.dkr.ecr.%s.%s" % (acct, region, suffix)
            data.append({"authorizationToken": token, "expiresAt": "__EXPIRES_AT__",
                         "proxyEndpoint": proxy})
        text = json.dumps({"authorizationData": data})
        return Reply(200, text.replace('"__EXPIRES_AT__"', java_double(expires)).encode(),
                     AWS_JSON, [("x-amzn-RequestId", str(uuid.uuid4()))], "ok: signed by %s" % signer["akid"])

    # --- AWS STS (aws_sts_standin.py) --------------------------------------------------------

    def _sts(self, endpoint, cfg, body, target, now):
        keys = cfg.get("aws") or {}
        want_region = (cfg.get("sts") or {}).get("region")

        def lookup(akid):
            ent = keys.get(akid)
            if not isinstance(ent, dict) or not ent.get("secret"):
                return None
            return str(ent["secret"]), ent.get("session_token") or None

        def region_ok(region):
            if not _REGION.fullmatch(region) or (want_region and region != want_region):
                return "Credential should be scoped to a valid region, not '%s'. " % region[:40]
            return None

        def verify():
            sigv4_verify(self.command, target, list(self.headers.items()), body, lookup, now,
                         expected_service="sts", region_ok=region_ok, check_token=True)
            return parse_aws_authorization(self.headers["Authorization"])[0][0]

        try:
            answer = aws_sts_standin.handle(cfg, list(self.headers.items()), body, target, now,
                                            self.command, verify)
        except SigV4Error as e:
            code = {"UnrecognizedClientException": "InvalidClientTokenId",
                    "InvalidSignatureException": "SignatureDoesNotMatch",
                    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
                    "IncompleteSignatureException": "IncompleteSignature"}.get(e.type, e.type)
            answer = aws_sts_standin.sts_error(e.status, code, e.message.split("\n")[0], e.reason)
        return sts_reply(answer)

    # --- Google OAuth2 token endpoint ------------------------------------------------------------

    def _form(self, body):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return None, "Content-Type is not application/x-www-form-urlencoded"
        try:
            return parse_form(body), None
        except (ValueError, UnicodeDecodeError):
            return None, "form body is not valid UTF-8 url-encoding"

    def _gcp(self, endpoint, cfg, body, target, now):
        form, problem = self._form(body)
        if form is None:
            return google_reply(400, "invalid_request", "Bad Request: " + problem)
        grant = _first(form, "grant_type")
        if grant is None:
            return google_reply(400, "invalid_request", "Missing required parameter: grant_type")
        if grant == "refresh_token":
            return self._gcp_answer(gcp_standin.refresh_grant(cfg, form))
        if grant != JWT_BEARER:
            return google_reply(400, "unsupported_grant_type", "Invalid grant_type: " + grant[:80])
        assertion = _first(form, "assertion")
        if not assertion:
            return google_reply(400, "invalid_request", "Missing required parameter: assertion")

        def bad(desc, error="invalid_grant", reason=None):
            return google_reply(400, error, desc, reason)

        parts = assertion.split(".")
        if len(parts) != 3:
            return bad("Invalid JWT: the assertion must be three base64url segments separated by "
                       "dots.")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError):
            return bad("Invalid JWT: segments must be base64url (no padding) encoded JSON.")
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return bad("Invalid JWT: header and claims must be JSON objects.")
        if header.get("alg") != "RS256":
            return bad("Invalid JWT: the signing algorithm (alg) must be RS256.",
                       reason="JWT alg %r is not RS256" % str(header.get("alg"))[:20])
        if "typ" in header and header.get("typ") != "JWT":
            return bad("Invalid JWT: the token type (typ) must be JWT.")
        iss = claims.get("iss")
        accounts = cfg.get("gcp") or {}
        sa = accounts.get(iss) if isinstance(iss, str) else None
        if not isinstance(sa, dict):
            return bad("Invalid grant: account not found",
                       reason="unknown iss %r" % (str(iss)[:80],))
        kid = header.get("kid")
        if kid is not None and sa.get("private_key_id") and kid != sa.get("private_key_id"):
            return bad("Invalid JWT Signature. (no key with this kid for the account)",
                       reason="JWT kid does not match the account's private_key_id")
        try:
            key = _load_rsa_public_key(sa.get("public_key_pem") or "")
        except ValueError as e:
            return Reply(500, {"standin_error": "gcp public_key_pem for this account: %s" % e},
                         reason="config: bad public_key_pem")
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        try:
            key.verify(sig, (parts[0] + "." + parts[1]).encode("ascii"), padding.PKCS1v15(),
                       hashes.SHA256())
        except InvalidSignature:
            return bad("Invalid JWT Signature.", reason="JWT signature does not verify")

        auds = {GOOGLE_AUD}
        extra = cfg.get("gcp_aud")
        if isinstance(extra, str):
            auds.add(extra)
        elif isinstance(extra, list):
            auds.update(a for a in extra if isinstance(a, str))
        if claims.get("aud") not in auds:
            return bad("Invalid JWT: Failed audience check. The right audience is " + GOOGLE_AUD,
                       reason="JWT aud %r not accepted" % str(claims.get("aud"))[:100])

        iat, exp = claims.get("iat"), claims.get("exp")
        timing = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                  "timeframe. Check your iat and exp values in the JWT claim.")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (iat, exp)):
            return bad(timing + " (iat and exp must be numeric dates)")
        if exp <= now:
            return bad(timing + " (exp is not in the future)")
        if abs(iat - now) > 300:
            return bad(timing + " (iat is more than 5 minutes from the current time)")
        if exp <= iat:
            return bad(timing + " (exp is not after iat)")
        if exp - iat > 3600:
            return bad(timing + " (exp - iat is more than 3600 seconds)")

        scope = claims.get("scope")
        if not isinstance(scope, str) or not scope.strip():
            return bad("Invalid OAuth scope or ID token audience provided.", error="invalid_scope",
                       reason="JWT has no scope claim")
        if GOOGLE_SCOPE not in scope.split():
            return bad("Invalid OAuth scope or ID token audience provided. (scope does not "
                       "include %s)" % GOOGLE_SCOPE, error="invalid_scope",
                       reason="JWT scope lacks cloud-platform")
        return Reply(200, {"access_token": str(sa.get("access_token") or "ya29.standin"),
                           "expires_in": int(sa.get("expires_in", 3599)),
                           "token_type": "Bearer"}, reason="ok")

    # --- Google STS and IAM credentials (gcp_standin.py) -------------------------------------------

    @staticmethod
    def _gcp_answer(answer):
        return Reply(answer.status, answer.body, reason=answer.reason)

    def _gcp_sts(self, endpoint, cfg, body, target, now):
        form, problem = self._form(body)
        if form is None:
            return google_reply(400, "invalid_request", "Bad Request: " + problem)
        return self._gcp_answer(gcp_standin.sts_exchange(cfg, form, now))

    def _gcp_iam(self, endpoint, cfg, body, target, now):
        email = gcp_standin.iam_account(target.decode("latin-1").partition("?")[0])
        return self._gcp_answer(gcp_standin.generate_access_token(cfg, self.headers, body, email, now))

    # --- Azure AD v2 client credentials -----------------------------------------------------------

    def _azure(self, endpoint, cfg, body, target, now):
        tenant = urllib.parse.unquote(re.fullmatch(r"/([^/?]+)/oauth2/v2\.0/token",
                                                   target.decode("latin-1").partition("?")[0]).group(1))
        tenants = cfg.get("azure") or {}
        ent = tenants.get(tenant)
        if not isinstance(ent, dict):
            return aad_reply(400, "invalid_request", 90002,
                             "Tenant '%s' not found. Check to make sure you have the correct "
                             "tenant ID and are signing into the correct cloud." % tenant[:80],
                             "unknown tenant")
        form, problem = self._form(body)
        if form is None:
            return aad_reply(400, "invalid_request", 900144,
                             "The request body must contain the following parameter: "
                             "'grant_type'. (%s)" % problem, problem)

        def missing(name, status=400, error="invalid_request", code=900144):
            return aad_reply(status, error, code, "The request body must contain the following "
                             "parameter: '%s'." % name, "missing %s" % name)

        grant = _first(form, "grant_type")
        if not grant:
            return missing("grant_type")
        if grant != "client_credentials":
            return aad_reply(400, "unsupported_grant_type", 70003,
                             "The app requested an unsupported grant type '%s'." % grant[:40],
                             "grant_type is not client_credentials")
        client_id = _first(form, "client_id")
        if not client_id:
            return missing("client_id")
        if client_id != ent.get("client_id"):
            return aad_reply(400, "unauthorized_client", 700016,
                             "Application with identifier '%s' was not found in the directory "
                             "'%s'." % (client_id[:80], tenant[:80]), "unknown client_id")
        secret = _first(form, "client_secret")
        if not secret:
            return aad_reply(401, "invalid_client", 7000218,
                             "The request body must contain the following parameter: "
                             "'client_assertion' or 'client_secret'.", "missing client_secret")
        want = str(ent.get("client_secret") or "")
        if not want or not hmac.compare_digest(secret.encode(), want.encode()):
            return aad_reply(401, "invalid_client", 7000215,
                             "Invalid client secret provided. Ensure the secret being sent in the "
                             "request is the client secret value, not the client secret ID, for "
                             "a secret added to app '%s'." % client_id[:80], "wrong client_secret")
        scope = _first(form, "scope")
        if not scope:
            return missing("scope")
        allowed = ent.get("scopes") or [ARM_SCOPE]
        if scope not in allowed:
            return aad_reply(400, "invalid_scope", 1002012,
                             "The provided value for scope %s is not valid. Client credential "
                             "flows must have a scope value with /.default suffixed to the "
                             "resource identifier (application ID URI)." % scope[:100],
                             "scope not accepted")
        token = str(ent.get("access_token") or "aad-standin-" + uuid.uuid4().hex)
        try:
            expires_in = int(ent.get("expires_in", 3599))
        except (TypeError, ValueError):
            expires_in = 3599
        with self.server.lock:
            self.server.issued_aad.setdefault(token, {})[tenant] = now + expires_in
        return Reply(200, {"token_type": "Bearer", "expires_in": expires_in,
                           "ext_expires_in": expires_in, "access_token": token}, reason="ok")

    # --- ACR: AAD access token -> ACR refresh token ------------------------------------------------

    def _acr(self, endpoint, cfg, body, target, now):
        form, problem = self._form(body)
        if form is None:
            return acr_reply(401, "UNAUTHORIZED", problem)
        acr = cfg.get("acr") or {}
        grant = _first(form, "grant_type")
        if grant != "access_token":
            return acr_reply(401, "UNAUTHORIZED", "grant_type must be access_token",
                             "grant_type is not access_token")
        service = _first(form, "service")
        if not service:
            return acr_reply(401, "UNAUTHORIZED", "service is required", "missing service")
        if acr.get("service") and service != acr["service"]:
            return acr_reply(401, "UNAUTHORIZED", "service does not match this registry",
                             "service %r is not %r" % (service[:80], acr["service"]))
        tenant = _first(form, "tenant")
        if not tenant:
            return acr_reply(401, "UNAUTHORIZED", "tenant is required", "missing tenant")
        token = _first(form, "access_token")
        if not token:
            return acr_reply(401, "UNAUTHORIZED", "access_token is required", "missing access_token")
        with self.server.lock:
            issued = dict(self.server.issued_aad.get(token, {}))
        if tenant not in issued:
            return acr_reply(401, "UNAUTHORIZED",
                             "the access token was not issued by the tenant's AAD",
                             "access_token not issued for this tenant" if issued
                             else "access_token not issued by the stand-in")
        if issued[tenant] <= now:
            return acr_reply(401, "UNAUTHORIZED", "the access token has expired",
                             "access_token expired")
        return Reply(200, {"refresh_token": str(acr.get("refresh_token") or "acr-refresh-standin")},
                     reason="ok")


def _load_rsa_public_key(pem):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        if b"BEGIN CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except Exception as e:  # noqa: BLE001
        raise ValueError("cannot load: %s" % e) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------

def _write_private(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def ensure_certs(state, sans):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(UTC)
    ca_crt_p, ca_key_p = os.path.join(state, "ca.crt"), os.path.join(state, "ca.key")
    srv_crt_p, srv_key_p = os.path.join(state, "server.crt"), os.path.join(state, "server.key")

    def pem_key(k):
        return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())

    if os.path.exists(ca_crt_p) and os.path.exists(ca_key_p):
        with open(ca_crt_p, "rb") as f:
            ca = x509.load_pem_x509_certificate(f.read())
        with open(ca_key_p, "rb") as f:
            ca_key = serialization.load_pem_private_key(f.read(), None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             "docker-credential-ssm cloud stand-in test CA")])
        ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
        ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1))
              .not_valid_after(now + datetime.timedelta(days=365))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                           key_encipherment=False, data_encipherment=False,
                                           key_agreement=False, key_cert_sign=True, crl_sign=True,
                                           encipher_only=False, decipher_only=False), critical=True)
              .add_extension(ski, critical=False)
              .sign(ca_key, hashes.SHA256()))
        _write_private(ca_key_p, pem_key(ca_key))
        _write_atomic(ca_crt_p, ca.public_bytes(serialization.Encoding.PEM))
        for p in (srv_crt_p, srv_key_p):  # a new CA invalidates an old server certificate
            if os.path.exists(p):
                os.unlink(p)

    wanted = []
    for n in ["127.0.0.1", "::1", "localhost"] + list(sans):
        try:
            wanted.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            wanted.append(x509.DNSName(n))

    def server_ok():
        if not (os.path.exists(srv_crt_p) and os.path.exists(srv_key_p)):
            return False
        try:
            with open(srv_crt_p, "rb") as f:
                cert = x509.load_pem_x509_certificate(f.read())
            if cert.issuer != ca.subject:
                return False
            pub = ca_key.public_key()
            if isinstance(pub, ec.EllipticCurvePublicKey):
                pub.verify(cert.signature, cert.tbs_certificate_bytes,
                           ec.ECDSA(cert.signature_hash_algorithm))
            elif isinstance(pub, rsa.RSAPublicKey):
                pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                           cert.signature_hash_algorithm)
            else:
                return False
            have = set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
            if not set(wanted) <= have:
                return False
            return cert.not_valid_after.replace(tzinfo=UTC) > now + datetime.timedelta(days=1)
        except Exception:  # noqa: BLE001 - anything odd: issue a new one
            return False

    if server_ok():
        return
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(wanted), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(srv_key_p, pem_key(key))
    _write_atomic(srv_crt_p, cert.public_bytes(serialization.Encoding.PEM))


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Loopback HTTPS stand-ins for cloud token endpoints.")
    ap.add_argument("--state", help="directory for certificates, config.json, port, pid, logs")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = free port)")
    ap.add_argument("--san", action="append", default=[], help="extra certificate SAN (repeatable)")
    ap.add_argument("--selftest-sigv4", metavar="SUITE_DIR",
                    help="run the SigV4 signer/verifier over the AWS test suite and exit")
    args = ap.parse_args()
    if args.selftest_sigv4:
        sys.exit(selftest_sigv4(args.selftest_sigv4))
    if not args.state:
        ap.error("--state DIR is required")
    state = os.path.abspath(args.state)
    os.makedirs(state, exist_ok=True)
    ensure_certs(state, args.san)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(state, "server.crt"), os.path.join(state, "server.key"))
    server = StandinServer(("127.0.0.1", args.port), state, ctx)
    port = server.server_address[1]
    pid = os.getpid()

    def stop(signum, frame):
        for name in ("pid", "port"):
            p = os.path.join(state, name)
            try:
                with open(p) as f:
                    mine = f.read().strip() == (str(pid) if name == "pid" else str(port))
                if mine:
                    os.unlink(p)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _write_atomic(os.path.join(state, "pid"), b"%d\n" % pid)
    _write_atomic(os.path.join(state, "port"), b"%d\n" % port)
    print("cloud stand-in listening on https://127.0.0.1:%d (pid %d)" % (port, pid), flush=True)
    server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    main()
