# The AWS endpoints of cloud_standin.py's server, and the AWS Signature Version 4 both sign and
# verify (the verifier ECR and STS share; the STS logic itself is aws_sts_standin.py). Debian's
# Python only, plus the standard library.
#
# Endpoints (routed by cloud_standin.py; POST / on the one server):
#   X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken   ecr()  (ecr)
#   X-Amz-Target: SpencerFrontendService.GetAuthorizationToken                 ecr()  (ecr-public)
#   form Action=AssumeRole|AssumeRoleWithWebIdentity                           sts()  (sts)
#   (a POST to / that is neither counts as ecr)
# Checks: SigV4 as AWS checks it (algorithm, Credential scope: date, region, service, term;
# SignedHeaders holding host, x-amz-date (ECR also content-type, x-amz-target); X-Amz-Date
# within 15 minutes; the signature over the canonical request; X-Amz-Security-Token equal to
# the key's session token), with AWS's JSON errors (__type, message). ECR: the target, Content-Type
# application/x-amz-json-1.1, a JSON object body, registryIds of 12 digits; ECR Public: region
# us-east-1. Answers: authorizationData (a list for ECR, one object for ECR Public), expiresAt
# as Java's Double.toString prints it.
#
# config.json keys read here:
#   "aws":   {"AKID": {"secret": "...", "session_token": null | "..."}}   (signing keys)
#   "ecr":   {"token_password": "...", "expires_in": 43200, "account": "123456789012",
#             "region": null | "eu-west-1" (only this scope region accepted),
#             "proxy_endpoint": null | "https://..." (overrides the computed one)}
#   "ecr_public": {"token_password": "...", "expires_in": 43200}   (defaults to "ecr")
#   "sts":   {...}   (roles and the OIDC issuer: see aws_sts_standin.py; "region" is checked here)
#
#   /usr/bin/python3 cloud_standin.py --selftest-sigv4 SUITE_DIR runs selftest_sigv4() below:
#   the signer and the verifier over every case of the AWS SigV4 test suite.

import base64
import datetime
import decimal
import hashlib
import hmac
import json
import os
import re
import urllib.parse
import uuid

import aws_sts_standin
from standin_http import Reply

AWS_ALGO = "AWS4-HMAC-SHA256"
ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
ECR_PUBLIC_TARGET = "SpencerFrontendService.GetAuthorizationToken"
AWS_JSON = "application/x-amz-json-1.1"
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
# Answers
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


def aws_reply(status, type_, message, reason):
    body = json.dumps({"__type": type_, "message": message}).encode()
    return Reply(status, body, AWS_JSON,
                 [("x-amzn-RequestId", str(uuid.uuid4())), ("x-amzn-ErrorType", type_)], reason)


def sts_reply(answer):
    return Reply(answer.status, answer.body, aws_sts_standin.XML_CTYPE, reason=answer.reason)


# endpoint kind -> mode -> reply factory (the modes 500/429/403; fail_first sends the 500)
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
    "aws": {
        "500": lambda: aws_reply(500, "ServerException", "Internal service error (injected)", "mode 500"),
        "429": lambda: aws_reply(429, "ThrottlingException", "Rate exceeded", "mode 429"),
        "403": lambda: aws_reply(403, "AccessDeniedException",
                                 "User: arn:aws:iam::123456789012:user/standin is not authorized "
                                 "to perform: ecr:GetAuthorizationToken on resource: * because no "
                                 "identity-based policy allows the ecr:GetAuthorizationToken action",
                                 "mode 403"),
    },
}

# endpoint -> the bodies "wrongshape:K" sends instead of a success (K modulo the count)
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
}


def _key_lookup(cfg):
    keys = cfg.get("aws") or {}

    def lookup(akid):
        ent = keys.get(akid)
        if not isinstance(ent, dict) or not ent.get("secret"):
            return None
        return str(ent["secret"]), ent.get("session_token") or None
    return lookup


def _region_check(want_region):
    def region_ok(region):
        if not _REGION.fullmatch(region) or (want_region and region != want_region):
            return "Credential should be scoped to a valid region, not '%s'. " % region[:40]
        return None
    return region_ok


# ---------------------------------------------------------------------------------------------
# ECR and ECR Public: GetAuthorizationToken
# ---------------------------------------------------------------------------------------------

def ecr(req, endpoint, cfg, body, target, now):
    """Endpoints ecr and ecr-public."""
    public = endpoint == "ecr-public"
    service = "ecr-public" if public else "ecr"
    ecr = cfg.get("ecr") or {}
    if public and isinstance(cfg.get("ecr_public"), dict):
        ecr = cfg["ecr_public"]
    region_ok = _region_check("us-east-1" if public else ecr.get("region"))

    try:
        signer = sigv4_verify(req.command, target, list(req.headers.items()), body,
                              _key_lookup(cfg), now, expected_service=service, region_ok=region_ok,
                              required_signed=("content-type", "host", "x-amz-date",
                                               "x-amz-target"),
                              check_token=True)
    except SigV4Error as e:
        return aws_reply(e.status, e.type, e.message, e.reason)
    region = parse_aws_authorization(req.headers["Authorization"])[0][2]

    tgt = (req.headers.get("X-Amz-Target") or "").strip()
    if tgt not in (ECR_TARGET, ECR_PUBLIC_TARGET):
        return aws_reply(400, "UnknownOperationException", "",
                         "unknown X-Amz-Target %r" % tgt[:80])
    ctype = (req.headers.get("Content-Type") or "").strip()
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


# ---------------------------------------------------------------------------------------------
# STS (the logic is aws_sts_standin.py; the signature is verified here)
# ---------------------------------------------------------------------------------------------

def sts(req, endpoint, cfg, body, target, now):
    """Endpoint sts: AssumeRole (signed) and AssumeRoleWithWebIdentity."""
    lookup = _key_lookup(cfg)
    region_ok = _region_check((cfg.get("sts") or {}).get("region"))

    def verify():
        sigv4_verify(req.command, target, list(req.headers.items()), body, lookup, now,
                     expected_service="sts", region_ok=region_ok, check_token=True)
        return parse_aws_authorization(req.headers["Authorization"])[0][0]

    try:
        answer = aws_sts_standin.handle(cfg, list(req.headers.items()), body, target, now,
                                        req.command, verify)
    except SigV4Error as e:
        code = {"UnrecognizedClientException": "InvalidClientTokenId",
                "InvalidSignatureException": "SignatureDoesNotMatch",
                "MissingAuthenticationTokenException": "MissingAuthenticationToken",
                "IncompleteSignatureException": "IncompleteSignature"}.get(e.type, e.type)
        answer = aws_sts_standin.sts_error(e.status, code, e.message.split("\n")[0], e.reason)
    return sts_reply(answer)
