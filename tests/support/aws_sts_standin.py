# AWS STS stand-in (AssumeRole, AssumeRoleWithWebIdentity), called through aws_standin.sts()
# when cloud_standin.py's dispatcher routes a form POST to / whose Action is an STS action, so
# the same TLS server answers ECR and STS (aws_standin.py verifies the signature). It checks what STS checks and answers STS's XML shapes.
#
# Debian's Python only (python3-cryptography) plus the standard library.
#
# config.json keys read here (beside aws_standin.py's "aws" map of AKID -> {secret,
# session_token}, which signs AssumeRole callers and holds what the roles hand out):
#   "sts": {
#     "region": null | "eu-west-1",              (only this signing region accepted)
#     "oidc": {"issuer": "https://...", "aud": "sts.amazonaws.com", "public_key_pem": "..."},
#     "roles": {"arn:aws:iam::123456789012:role/NAME": {
#         "issue": "AKID",                         (the "aws" entry handed out: secret,
#                                                   session_token; its Expiration is now +
#                                                   "duration" seconds, default 3600)
#         "principals": null | ["AKID", ...],      (AssumeRole callers allowed; null = any
#                                                   signed caller)
#         "external_id": null | "...",             (required and compared when set)
#         "subjects": null | ["sub", ...]}}}       (AssumeRoleWithWebIdentity: token subjects
#                                                   allowed; null/absent = no web identity)
#
# Checks: AssumeRole: SigV4 (service sts, the caller's session token), Version 2011-06-15, a
# configured RoleArn, the caller among its principals, ExternalId when the role requires one,
# RoleSessionName present and well formed. AssumeRoleWithWebIdentity (unsigned): the
# WebIdentityToken is a JWT signed RS256 by the configured issuer key, with its iss and aud,
# not expired; the role allows its subject. Errors: ErrorResponse/Error/{Type,Code,Message},
# 403 AccessDenied, 400 InvalidIdentityToken / ExpiredTokenException / ValidationError,
# 403 SignatureDoesNotMatch / InvalidClientTokenId for bad signatures.

import base64
import datetime
import json
import re
import urllib.parse
import uuid
from xml.sax.saxutils import escape

STS_ACTIONS = ("AssumeRole", "AssumeRoleWithWebIdentity")
STS_VERSION = "2011-06-15"
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
XML_CTYPE = "text/xml"
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})")
UTC = datetime.timezone.utc


class StsAnswer:
    """status, XML body (bytes), log reason."""

    def __init__(self, status, body, reason):
        self.status = status
        self.body = body
        self.reason = reason


def sts_error(status, code, message, reason, type_="Sender"):
    body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n'
            '</ErrorResponse>\n' % (STS_XMLNS, type_, escape(code), escape(message), uuid.uuid4()))
    return StsAnswer(status, body.encode(), reason)


def is_sts_request(headers, body):
    """A form POST whose Action is an STS action (no X-Amz-Target: that is ECR's JSON)."""
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded" or headers.get("X-Amz-Target") is not None:
        return False
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return (form.get("Action") or [""])[0] in STS_ACTIONS


def _b64url(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode("ascii"))


def _iso(ts):
    return datetime.datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _credentials_xml(cfg, role_arn, role, now):
    akid = role.get("issue")
    ent = (cfg.get("aws") or {}).get(akid) if isinstance(akid, str) else None
    if not isinstance(ent, dict) or not ent.get("secret") or not ent.get("session_token"):
        return None
    expires = now + float(role.get("duration", 3600))
    return ("    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n"
            "      <SecretAccessKey>%s</SecretAccessKey>\n      <SessionToken>%s</SessionToken>\n"
            "      <Expiration>%s</Expiration>\n    </Credentials>\n"
            % (escape(akid), escape(ent["secret"]), escape(ent["session_token"]), _iso(expires)))


def _assumed_user(role_arn, session):
    m = _ROLE_ARN.fullmatch(role_arn)
    acct, name = (m.group(1), m.group(2)) if m else ("123456789012", "role")
    return ("    <AssumedRoleUser>\n      <AssumedRoleId>AROASTANDIN%s:%s</AssumedRoleId>\n"
            "      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n    </AssumedRoleUser>\n"
            % (acct, escape(session), acct, escape(name), escape(session)))


def _success(action, inner):
    body = ('<%sResponse xmlns="%s">\n  <%sResult>\n%s  </%sResult>\n  <ResponseMetadata>\n'
            '    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n'
            % (action, STS_XMLNS, action, inner, action, uuid.uuid4(), action))
    return body.encode()


def _common(form):
    """(action, role_arn, session, error or None)."""
    def one(name):
        v = form.get(name)
        return v[0] if v else None
    action = one("Action")
    if one("Version") != STS_VERSION:
        return action, None, None, sts_error(400, "InvalidAction",
                                             "Could not find operation %s for version %s"
                                             % (action, one("Version")), "Version is not 2011-06-15")
    role_arn, session = one("RoleArn"), one("RoleSessionName")
    if not role_arn:
        return action, None, None, sts_error(400, "ValidationError",
                                             "1 validation error detected: Value null at 'roleArn' "
                                             "failed to satisfy constraint: Member must not be null",
                                             "RoleArn missing")
    if session is None:
        return action, role_arn, None, sts_error(
            400, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' "
            "failed to satisfy constraint: Member must not be null", "RoleSessionName missing")
    if not _SESSION_NAME.fullmatch(session):
        return action, role_arn, session, sts_error(
            400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\w+=,.@-]*" % session[:64], "RoleSessionName malformed")
    return action, role_arn, session, None


def _denied(action, caller, role_arn, why):
    return sts_error(403, "AccessDenied", "User: %s is not authorized to perform: sts:%s on "
                     "resource: %s" % (caller, action, role_arn), why)


def handle(cfg, headers, body, target, now, method, verify_sigv4):
    """Answers one STS request. headers: list of (name, value) as received; verify_sigv4(
    lookup, region_ok) runs aws_standin.sigv4_verify for service sts and returns the caller's
    AKID or raises its SigV4Error (converted by the caller)."""
    sts = cfg.get("sts") or {}
    roles = sts.get("roles") or {}
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return sts_error(400, "MalformedQueryString", "The query string is malformed", "bad form")
    action, role_arn, session, err = _common(form)
    if err:
        return err
    role = roles.get(role_arn)
    if action == "AssumeRole":
        akid = verify_sigv4()
        caller = "arn:aws:iam::123456789012:user/%s" % akid
        if not isinstance(role, dict):
            return _denied(action, caller, role_arn, "role not configured")
        principals = role.get("principals")
        if principals is not None and akid not in principals:
            return _denied(action, caller, role_arn, "caller %s not a principal of the role" % akid)
        want = role.get("external_id")
        got = (form.get("ExternalId") or [None])[0]
        if want and got != want:
            return _denied(action, caller, role_arn,
                           "ExternalId missing" if got is None else "ExternalId mismatch")
        creds = _credentials_xml(cfg, role_arn, role, now)
        if creds is None:
            return sts_error(500, "InternalFailure", "stand-in: role issues no configured key",
                             "config: role has no valid issue", "Receiver")
        return StsAnswer(200, _success(action, creds + _assumed_user(role_arn, session)
                                       + "    <PackedPolicySize>6</PackedPolicySize>\n"),
                         "ok: AssumeRole %s by %s" % (role_arn, akid))

    # AssumeRoleWithWebIdentity: unsigned.
    if any(n.strip().lower() == "authorization" for n, _ in headers):
        return sts_error(400, "InvalidAction", "AssumeRoleWithWebIdentity is not signed",
                         "signed AssumeRoleWithWebIdentity")
    jwt = (form.get("WebIdentityToken") or [None])[0]
    if not jwt:
        return sts_error(400, "ValidationError", "1 validation error detected: Value null at "
                         "'webIdentityToken' failed to satisfy constraint: Member must not be "
                         "null", "WebIdentityToken missing")
    claims, why = _verify_jwt(jwt, sts.get("oidc") or {}, now)
    if claims is None:
        code = "ExpiredTokenException" if why.startswith("Token expired") else "InvalidIdentityToken"
        return sts_error(400, code, why, "web identity token refused: %s" % why.split(":")[0])
    subjects = role.get("subjects") if isinstance(role, dict) else None
    if not subjects or claims.get("sub") not in subjects:
        return sts_error(403, "AccessDenied", "Not authorized to perform "
                         "sts:AssumeRoleWithWebIdentity", "subject not allowed for the role")
    creds = _credentials_xml(cfg, role_arn, role, now)
    if creds is None:
        return sts_error(500, "InternalFailure", "stand-in: role issues no configured key",
                         "config: role has no valid issue", "Receiver")
    aud = claims.get("aud")
    inner = (creds + "    <SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>\n"
             % escape(str(claims.get("sub"))) + _assumed_user(role_arn, session)
             + "    <Provider>%s</Provider>\n    <Audience>%s</Audience>\n"
             % (escape(str(claims.get("iss"))), escape(aud if isinstance(aud, str) else aud[0])))
    return StsAnswer(200, _success(action, inner),
                     "ok: AssumeRoleWithWebIdentity %s for subject" % role_arn)


def _verify_jwt(jwt, oidc, now):
    """(claims, "") or (None, STS's message)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = jwt.split(".")
    if len(parts) != 3:
        return None, "The ID Token provided is not a valid JWT. (You may see this error if you " \
                     "sent an Access Token)"
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
        sig = _b64url(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None, "The ID Token provided is not a valid JWT."
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None, "The ID Token provided is not a valid JWT."
    if header.get("alg") != "RS256":
        return None, "Unsupported token signature algorithm"
    if not oidc.get("public_key_pem") or claims.get("iss") != oidc.get("issuer"):
        return None, "No OpenIDConnect provider found in your account for %s" % claims.get("iss")
    try:
        key = serialization.load_pem_public_key(oidc["public_key_pem"].encode())
        key.verify(sig, (parts[0] + "." + parts[1]).encode("ascii"), padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, ValueError):
        return None, "Incorrect token signature"
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if oidc.get("aud", "sts.amazonaws.com") not in auds:
        return None, "Incorrect token audience"
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        return None, "The ID Token provided has no expiration"
    if exp <= now:
        return None, "Token expired: current date/time %d must be before the expiration " \
                     "date/time %d" % (now, exp)
    return claims, ""
