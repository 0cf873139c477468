# The Azure endpoints of cloud_standin.py's server (see standin_http.py for the calling
# convention): Azure AD v2 client credentials with a client secret, and ACR's exchange of an
# Azure AD access token for an ACR refresh token. The fuller Azure identity stand-ins
# (certificates, federated tokens, IMDS, Arc, App Service; ACR in front of a registry) are the
# separate program azure_standin.py. Debian's Python only, plus the standard library.
#
# Endpoints:
#   POST /<tenant>/oauth2/v2.0/token   aad()   (azure): a configured tenant, grant_type
#       client_credentials, its client_id, client_secret equal (else AADSTS errors as Azure AD
#       sends them: error, error_description, error_codes, ...), scope among its scopes.
#       Remembers each token issued, per tenant, until it expires (req.server.issued_aad).
#   POST /oauth2/exchange              acr()   (acr): grant_type access_token, service (equal to
#       "acr.service" when set), tenant, an access token this server issued for that tenant and
#       not expired -> {"refresh_token"}; else 401 with ACR's {"errors": [{code, message}]}.
#
# config.json keys read here:
#   "azure": {"TENANT": {"client_id": "...", "client_secret": "...", "access_token": "aad-x",
#                        "expires_in": 3599, "scopes": ["https://management.azure.com/.default"]}}
#   "acr":   {"refresh_token": "acr-refresh-x", "service": null | "x.azurecr.io"}

import datetime
import hmac
import re
import urllib.parse
import uuid

from standin_http import Reply, first, read_form

ARM_SCOPE = "https://management.azure.com/.default"
UTC = datetime.timezone.utc
TOKEN_PATH = re.compile(r"/([^/]+)/oauth2/v2\.0/token")


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


# endpoint kind -> mode -> reply factory
INJECTED = {
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

# endpoint -> the bodies "wrongshape:K" sends instead of a success
WRONGSHAPE = {
    "azure": [{"foo": 1}, {"token_type": "Bearer", "expires_in": 3599, "access_token": ""},
              {"access_token": 5}, []],
    "acr": [{"foo": 1}, {"refresh_token": ""}, {"refresh_token": 5}, []],
}


def aad(req, endpoint, cfg, body, target, now):
    tenant = urllib.parse.unquote(re.fullmatch(r"/([^/?]+)/oauth2/v2\.0/token",
                                               target.decode("latin-1").partition("?")[0]).group(1))
    tenants = cfg.get("azure") or {}
    ent = tenants.get(tenant)
    if not isinstance(ent, dict):
        return aad_reply(400, "invalid_request", 90002,
                         "Tenant '%s' not found. Check to make sure you have the correct "
                         "tenant ID and are signing into the correct cloud." % tenant[:80],
                         "unknown tenant")
    form, problem = read_form(req.headers, body)
    if form is None:
        return aad_reply(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: "
                         "'grant_type'. (%s)" % problem, problem)

    def missing(name, status=400, error="invalid_request", code=900144):
        return aad_reply(status, error, code, "The request body must contain the following "
                         "parameter: '%s'." % name, "missing %s" % name)

    grant = first(form, "grant_type")
    if not grant:
        return missing("grant_type")
    if grant != "client_credentials":
        return aad_reply(400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type '%s'." % grant[:40],
                         "grant_type is not client_credentials")
    client_id = first(form, "client_id")
    if not client_id:
        return missing("client_id")
    if client_id != ent.get("client_id"):
        return aad_reply(400, "unauthorized_client", 700016,
                         "Application with identifier '%s' was not found in the directory "
                         "'%s'." % (client_id[:80], tenant[:80]), "unknown client_id")
    secret = first(form, "client_secret")
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
    scope = first(form, "scope")
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
    with req.server.lock:
        req.server.issued_aad.setdefault(token, {})[tenant] = now + expires_in
    return Reply(200, {"token_type": "Bearer", "expires_in": expires_in,
                       "ext_expires_in": expires_in, "access_token": token}, reason="ok")


def acr(req, endpoint, cfg, body, target, now):
    form, problem = read_form(req.headers, body)
    if form is None:
        return acr_reply(401, "UNAUTHORIZED", problem)
    acr = cfg.get("acr") or {}
    grant = first(form, "grant_type")
    if grant != "access_token":
        return acr_reply(401, "UNAUTHORIZED", "grant_type must be access_token",
                         "grant_type is not access_token")
    service = first(form, "service")
    if not service:
        return acr_reply(401, "UNAUTHORIZED", "service is required", "missing service")
    if acr.get("service") and service != acr["service"]:
        return acr_reply(401, "UNAUTHORIZED", "service does not match this registry",
                         "service %r is not %r" % (service[:80], acr["service"]))
    tenant = first(form, "tenant")
    if not tenant:
        return acr_reply(401, "UNAUTHORIZED", "tenant is required", "missing tenant")
    token = first(form, "access_token")
    if not token:
        return acr_reply(401, "UNAUTHORIZED", "access_token is required", "missing access_token")
    with req.server.lock:
        issued = dict(req.server.issued_aad.get(token, {}))
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

