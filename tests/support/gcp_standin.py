#!/usr/bin/python3
# Google identity stand-ins that check what Google checks. Two roles in one file:
#
# 1. A module imported by cloud_standin.py, whose TLS server dispatches to it (so one server at
#    127.0.0.1:443 answers oauth2.googleapis.com, sts.googleapis.com and
#    iamcredentials.googleapis.com, routed by path):
#      POST /token                                      token()           (endpoint "gcp")
#        grant_type jwt-bearer checked in token(), refresh_token in refresh_grant()
#      POST /v1/token                                   sts() -> sts_exchange()  ("gcp-sts")
#      POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken
#                                                       iam() -> generate_access_token() ("gcp-iam")
#    (handlers called as standin_http.py describes; INJECTED and WRONGSHAPE hold the modes'
#    Google-shaped answers)
#    config.json keys read here (cloud_standin.py's config):
#      "gcp":       {"EMAIL": {"public_key_pem": "...", "private_key_id": null | "...",
#                              "access_token": "ya29.x", "expires_in": 3599}}
#      "gcp_aud":   null | "URL" | ["URL", ...]   (accepted as JWT aud besides Google's)
#      "gcp_users": {"CLIENT_ID": {"client_secret": "...", "refresh_token": "...",
#                                  "access_token": "ya29.x", "expires_in": 3599}}
#      "gcp_sts":   {"audience": "//iam.googleapis.com/projects/N/locations/global/
#                                 workloadIdentityPools/P/providers/R",
#                    "issuer": "https://...", "public_key_pem": "...",
#                    "allowed_audiences": null | ["..."],  (JWT aud accepted; default
#                                                            "https:" + audience)
#                    "access_token": "ya29.fed", "expires_in": 3599}
#      "gcp_iam":   {"EMAIL": {"access_token": "ya29.imp", "expires_in": 3600,
#                              "callers": {"LABEL": "BEARER TOKEN", ...}}}
#    Checks: JWT bearer grant: an RS256 assertion of a configured account (iss), signed by its
#    key, kid equal to private_key_id when both are set, aud Google's token URL (or gcp_aud), iat
#    within 5 minutes, exp in the future and at most an hour after iat, scope with cloud-platform
#    (Google's OAuth error bodies, 400 invalid_grant / invalid_scope). Refresh grant: client_id
#    known, client_secret and refresh_token equal (Google's invalid_client 401 / invalid_grant
#    400). STS: grant_type token-exchange, requested_token_type
#    access_token, audience the configured provider (else invalid_target), subject_token_type jwt
#    or id_token, the subject token an RS256 JWT of the configured issuer key, its iss, its aud
#    among the allowed audiences, not expired, scope with cloud-platform (Google's OAuth error
#    bodies, 400). generateAccessToken: a Bearer token among the account's callers (401
#    UNAUTHENTICATED), a configured account (403 PERMISSION_DENIED, Google's JSON error), a JSON
#    body whose scope list holds cloud-platform and lifetime at most 3600s (400
#    INVALID_ARGUMENT). Log reasons name callers by LABEL, never by token.
#
# 2. A plain-HTTP GCE metadata server stand-in, run as a program:
#      /usr/bin/python3 gcp_standin.py --state DIR --listen KIND@ADDR:PORT [...]
#    KIND is metadata or subject; PORT 0 = a free port. Appends "KIND ADDR PORT" per listener to
#    DIR/listening once all listen (then writes DIR/pid), reads DIR/config.json on every request,
#    appends one JSON line per request to DIR/requests.log: {"server", "method", "host" (the Host
#    header), "path", "status", "reason", "flavor": the Metadata-Flavor header came, "auth_fp":
#    12 hex digits of the SHA-256 of the Authorization header or null}. Never a token.
#    config.json (every key optional):
#      {"metadata": {"mode": "ok" | "500" | "slow:S", "token": "ya29.gce", "expires_in": 3599,
#                    "email": "SA EMAIL", "scopes": ["https://www.googleapis.com/auth/..."],
#                    "accounts": null | ["EMAIL", ...]   (other accounts this instance has)},
#       "subject": {"authorization": null | "bearer X", "value": "JWT"}}
#    Metadata checks as the real server: Metadata-Flavor: Google required (403 otherwise),
#    X-Forwarded-For refused (403); every answer carries Metadata-Flavor: Google and
#    Server: Metadata Server for VM. Paths /computeMetadata/v1/instance/service-accounts/
#    {default|EMAIL}/{token,email,scopes} (404 for an account the instance lacks). The subject
#    listener answers any GET with {"value": JWT} when the Authorization header matches (a
#    GitHub-Actions-like OIDC token URL), 401 otherwise.

import base64
import datetime
import json
import secrets
import sys
import time
import urllib.parse

from standin_http import PlainHandler, Reply, auth_fp, b64url_decode, first, read_form, run_listeners

UTC = datetime.timezone.utc
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
SUBJECT_TYPES = ("urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token")
IAM_PATH_PREFIX = "/v1/projects/-/serviceAccounts/"
IAM_PATH_SUFFIX = ":generateAccessToken"


class Answer:
    """status, JSON-able body, log reason."""

    def __init__(self, status, body, reason):
        self.status = status
        self.body = body
        self.reason = reason


def _oauth_error(status, error, description, reason=None):
    return Answer(status, {"error": error, "error_description": description}, reason or description)


def _api_error(status, state, message, reason):
    return Answer(status, {"error": {"code": status, "message": message, "status": state}}, reason)


def _b64url(s):
    if len(s) % 4 == 1:
        raise ValueError("bad base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _first(form, name):
    v = form.get(name)
    return v[0] if v else None


def iam_account(path):
    """The e-mail of a generateAccessToken path, or None."""
    if not (path.startswith(IAM_PATH_PREFIX) and path.endswith(IAM_PATH_SUFFIX)):
        return None
    name = urllib.parse.unquote(path[len(IAM_PATH_PREFIX):-len(IAM_PATH_SUFFIX)])
    return name if name and "/" not in name else None


# --- oauth2.googleapis.com/token, grant_type=refresh_token ------------------------------------

def refresh_grant(cfg, form):
    users = cfg.get("gcp_users") or {}
    client_id = _first(form, "client_id")
    user = users.get(client_id) if client_id else None
    if not isinstance(user, dict):
        return _oauth_error(401, "invalid_client", "The OAuth client was not found.",
                            "refresh grant: unknown client_id")
    if _first(form, "client_secret") != user.get("client_secret"):
        return _oauth_error(401, "invalid_client", "Unauthorized", "refresh grant: client_secret mismatch")
    if not _first(form, "refresh_token"):
        return _oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
    if _first(form, "refresh_token") != user.get("refresh_token"):
        return _oauth_error(400, "invalid_grant", "Bad Request", "refresh grant: refresh_token mismatch")
    return Answer(200, {"access_token": user.get("access_token", "ya29.user"),
                        "expires_in": int(user.get("expires_in", 3599)),
                        "scope": CLOUD_PLATFORM + " openid", "token_type": "Bearer",
                        "id_token": "eyJhbGciOiJub25lIn0.e30."},
                  "ok: refresh grant for client %s" % client_id[:40])


# --- sts.googleapis.com/v1/token -----------------------------------------------------------------

def _verify_subject(jwt, sts, now):
    """None or the reason (STS's message) the subject token is refused."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = jwt.split(".")
    if len(parts) != 3:
        return "Unable to parse the ID Token."
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
        sig = _b64url(parts[2])
    except (ValueError, UnicodeDecodeError):
        return "Unable to parse the ID Token."
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return "Unable to parse the ID Token."
    if header.get("alg") != "RS256":
        return "The ID Token's signing algorithm is not supported."
    if claims.get("iss") != sts.get("issuer"):
        return "The issuer in ID Token %s does not match the expected ones." % str(claims.get("iss"))[:80]
    try:
        key = serialization.load_pem_public_key((sts.get("public_key_pem") or "").encode())
        key.verify(sig, (parts[0] + "." + parts[1]).encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return "Invalid JWT signature."
    allowed = sts.get("allowed_audiences") or ["https:" + str(sts.get("audience", ""))]
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(a in allowed for a in auds):
        return "The audience in ID Token [%s] does not match the expected audience." % ",".join(map(str, auds))[:120]
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        return "The ID Token has expired."
    return None


def sts_exchange(cfg, form, now):
    sts = cfg.get("gcp_sts") or {}
    grant = _first(form, "grant_type")
    if grant != TOKEN_EXCHANGE:
        return _oauth_error(400, "unsupported_grant_type",
                            "Invalid value for \"grant_type\". Valid values: "
                            "urn:ietf:params:oauth:grant-type:token-exchange.",
                            "sts: grant_type is not token-exchange")
    if _first(form, "requested_token_type") != ACCESS_TOKEN_TYPE:
        return _oauth_error(400, "invalid_request", "Invalid value for \"requested_token_type\".",
                            "sts: requested_token_type is not access_token")
    audience = _first(form, "audience")
    if not audience:
        return _oauth_error(400, "invalid_request", "Missing required parameter: \"audience\".")
    if audience != sts.get("audience"):
        return _oauth_error(400, "invalid_target",
                            "The target service indicated by the \"audience\" parameters is invalid. "
                            "This might either be because the pool or provider is disabled or deleted "
                            "or because it doesn't exist.", "sts: unknown audience")
    if _first(form, "subject_token_type") not in SUBJECT_TYPES:
        return _oauth_error(400, "invalid_request", "Invalid value for \"subject_token_type\".",
                            "sts: subject_token_type not a JWT type")
    scope = _first(form, "scope") or ""
    if CLOUD_PLATFORM not in scope.split():
        return _oauth_error(400, "invalid_scope", "Invalid value for \"scope\".", "sts: scope lacks cloud-platform")
    subject = _first(form, "subject_token")
    if not subject:
        return _oauth_error(400, "invalid_request", "Missing required parameter: \"subject_token\".")
    why = _verify_subject(subject, sts, now)
    if why:
        return _oauth_error(400, "invalid_grant", why, "sts: subject token refused: %s" % why.split(" [")[0][:60])
    return Answer(200, {"access_token": sts.get("access_token", "ya29.federated"),
                        "issued_token_type": ACCESS_TOKEN_TYPE, "token_type": "Bearer",
                        "expires_in": int(sts.get("expires_in", 3599))},
                  "ok: token exchange for the configured provider")


# --- iamcredentials.googleapis.com generateAccessToken ------------------------------------------

def generate_access_token(cfg, headers, body, email, now):
    accounts = cfg.get("gcp_iam") or {}
    auth = headers.get("Authorization") or ""
    bearer = auth[7:] if auth[:7].lower() == "bearer " else None
    acct = accounts.get(email)
    callers = (acct or {}).get("callers") or {}
    label = None
    for name, token in callers.items():
        if bearer is not None and isinstance(token, str) and secrets.compare_digest(bearer, token):
            label = name
    known = any(bearer is not None and isinstance(t, str) and secrets.compare_digest(bearer, t)
                for a in accounts.values() if isinstance(a, dict)
                for t in (a.get("callers") or {}).values())
    if bearer is None or not known:
        return _api_error(401, "UNAUTHENTICATED",
                          "Request had invalid authentication credentials. Expected OAuth 2 access "
                          "token, login cookie or other valid authentication credential.",
                          "iam: no Bearer token" if bearer is None else "iam: unknown Bearer token")
    if not isinstance(acct, dict) or label is None:
        return _api_error(403, "PERMISSION_DENIED",
                          "Permission 'iam.serviceAccounts.getAccessToken' denied on resource "
                          "(or it may not exist).", "iam: caller may not impersonate %s" % email[:80])
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    try:
        req = json.loads(body) if ctype == "application/json" else None
    except ValueError:
        req = None
    if not isinstance(req, dict):
        return _api_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", "iam: body not JSON")
    scope = req.get("scope")
    if not isinstance(scope, list) or CLOUD_PLATFORM not in scope:
        return _api_error(400, "INVALID_ARGUMENT", "Scope required.", "iam: scope lacks cloud-platform")
    lifetime = req.get("lifetime", "3600s")
    try:
        seconds = float(str(lifetime).rstrip("s"))
    except ValueError:
        seconds = -1
    if not 0 < seconds <= 3600:
        return _api_error(400, "INVALID_ARGUMENT",
                          "The lifetime requested is outside the allowed range (maximum 3600s).",
                          "iam: lifetime out of range")
    expires = now + min(seconds, float(acct.get("expires_in", 3600)))
    return Answer(200, {"accessToken": acct.get("access_token", "ya29.impersonated"),
                        "expireTime": datetime.datetime.fromtimestamp(int(expires), UTC).strftime(
                            "%Y-%m-%dT%H:%M:%SZ")},
                  "ok: generateAccessToken for %s by %s" % (email[:80], label))


# --- cloud_standin.py's handlers (see standin_http.py for the calling convention) ----------------

GOOGLE_AUD = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def google_reply(status, error, description, reason=None):
    return Reply(status, {"error": error, "error_description": description},
                 reason=reason or description)


def _reply(answer):
    return Reply(answer.status, answer.body, reason=answer.reason)


# endpoint kind -> mode -> reply factory (gcp-sts and gcp-iam are of kind gcp)
INJECTED = {
    "gcp": {
        "500": lambda: google_reply(500, "internal_failure", "Backend Error", "mode 500"),
        "429": lambda: google_reply(429, "rate_limit_exceeded", "Rate Limit Exceeded", "mode 429"),
        "403": lambda: google_reply(403, "access_denied",
                                    "The caller does not have permission", "mode 403"),
    },
}

# endpoint -> the bodies "wrongshape:K" sends instead of a success
WRONGSHAPE = {
    "gcp": [{"foo": 1}, {"access_token": "", "expires_in": 3599, "token_type": "Bearer"},
            {"access_token": 5, "expires_in": "x"}, []],
    "gcp-sts": [{"foo": 1}, {"access_token": "", "expires_in": 3599}, []],
    "gcp-iam": [{"foo": 1}, {"accessToken": "x"}, {"accessToken": "x", "expireTime": "soon"}, []],
}


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



def token(req, endpoint, cfg, body, target, now):
    """Endpoint gcp: the JWT bearer grant (checked here) and the refresh grant."""
    form, problem = read_form(req.headers, body)
    if form is None:
        return google_reply(400, "invalid_request", "Bad Request: " + problem)
    grant = first(form, "grant_type")
    if grant is None:
        return google_reply(400, "invalid_request", "Missing required parameter: grant_type")
    if grant == "refresh_token":
        return _reply(refresh_grant(cfg, form))
    if grant != JWT_BEARER:
        return google_reply(400, "unsupported_grant_type", "Invalid grant_type: " + grant[:80])
    assertion = first(form, "assertion")
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
    if CLOUD_PLATFORM not in scope.split():
        return bad("Invalid OAuth scope or ID token audience provided. (scope does not "
                   "include %s)" % CLOUD_PLATFORM, error="invalid_scope",
                   reason="JWT scope lacks cloud-platform")
    return Reply(200, {"access_token": str(sa.get("access_token") or "ya29.standin"),
                       "expires_in": int(sa.get("expires_in", 3599)),
                       "token_type": "Bearer"}, reason="ok")


def sts(req, endpoint, cfg, body, target, now):
    """Endpoint gcp-sts."""
    form, problem = read_form(req.headers, body)
    if form is None:
        return google_reply(400, "invalid_request", "Bad Request: " + problem)
    return _reply(sts_exchange(cfg, form, now))


def iam(req, endpoint, cfg, body, target, now):
    """Endpoint gcp-iam."""
    email = iam_account(target.decode("latin-1").partition("?")[0])
    return _reply(generate_access_token(cfg, req.headers, body, email, now))


# --- the metadata server (plain HTTP, run as a program) ------------------------------------------

MD_PREFIX = "/computeMetadata/v1/instance/service-accounts/"


class Handler(PlainHandler):
    server_version = "Metadata Server for VM"
    default_ctype = "application/text"

    def do_GET(self):
        self.drain_body()
        cfg = self.server.shared.config()
        if self.server.kind == "metadata":
            self._metadata(cfg.get("metadata") or {})
        else:
            self._subject(cfg.get("subject") or {})

    do_POST = do_PUT = do_GET

    def record(self, status, reason):
        self.server.shared.log({
            "server": self.server.kind, "method": self.command, "host": self.headers.get("Host"),
            "path": self.path.split("?")[0][:200], "status": status, "reason": reason,
            "flavor": self.headers.get("Metadata-Flavor") is not None,
            "auth_fp": auth_fp(self.headers)})

    def extra_headers(self):
        return [("Metadata-Flavor", "Google")] if self.server.kind == "metadata" else []

    def _metadata(self, cfg):
        mode = str(cfg.get("mode", "ok"))
        if mode.startswith("slow:"):
            self.record(0, "mode %s: arrived, answering late" % mode)
            time.sleep(float(mode[5:]))
            mode = "ok"
        if self.headers.get("X-Forwarded-For") is not None:
            self.answer(403, "Request denied: X-Forwarded-For header present.\n", "X-Forwarded-For present",
                         "text/html")
            return
        if self.headers.get("Metadata-Flavor") != "Google":
            self.answer(403, "Missing required header \"Metadata-Flavor\": \"Google\"\n",
                         "no Metadata-Flavor: Google", "text/html")
            return
        if mode == "500":
            self.answer(500, "Internal Server Error\n", "mode 500", "text/html")
            return
        if self.command != "GET":
            self.answer(405, "", "not GET", "text/html")
            return
        path = self.path.split("?")[0]
        if not path.startswith(MD_PREFIX) or path.count("/") != MD_PREFIX.count("/") + 1:
            self.answer(404, "Not Found\n", "no such metadata path", "text/html")
            return
        account, _, item = path[len(MD_PREFIX):].partition("/")
        account = urllib.parse.unquote(account)
        email = str(cfg.get("email", "e2e-vm@e2e-proj.iam.gserviceaccount.com"))
        if account not in ["default", email] + list(cfg.get("accounts") or []):
            self.answer(404, "Not Found\n", "no such service account", "text/html")
            return
        if item == "token":
            body = json.dumps({"access_token": cfg.get("token", "ya29.gce"),
                               "expires_in": int(cfg.get("expires_in", 3599)), "token_type": "Bearer"})
            self.answer(200, body, "token of %s" % account[:80], "application/json")
        elif item == "email":
            self.answer(200, email, "email")
        elif item == "scopes":
            self.answer(200, "".join(s + "\n" for s in cfg.get("scopes") or [CLOUD_PLATFORM]), "scopes")
        else:
            self.answer(404, "Not Found\n", "no such metadata item", "text/html")

    def _subject(self, cfg):
        want = cfg.get("authorization")
        got = self.headers.get("Authorization")
        if want is not None and (got is None or not secrets.compare_digest(got, want)):
            self.answer(401, json.dumps({"message": "Bad credentials"}), "authorization mismatch",
                         "application/json")
            return
        self.answer(200, json.dumps({"count": 1, "value": cfg.get("value", "")}), "subject token",
                     "application/json")


def main():
    run_listeners("GCE metadata server and subject token URL stand-ins", ("metadata", "subject"), Handler)


if __name__ == "__main__":
    sys.exit(main())
