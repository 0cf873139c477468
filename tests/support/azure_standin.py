#!/usr/bin/python3
# Stand-ins for the Azure identity services ACR's credentials come from, for tests inside a
# private network namespace. They check what the real ones check. Debian's Python
# (python3-cryptography) and the standard library.
#
#   /usr/bin/python3 azure_standin.py --state DIR --listen KIND@ADDR:PORT [...]
#       KIND: aad | acr (TLS, DIR/server.crt + DIR/server.key) | imds | arc | appservice (plain
#       HTTP). PORT 0 = a free port. Writes "KIND ADDR PORT" per listener to DIR/listening once
#       all listen, then DIR/pid (standin_http.py's run_listeners); reads DIR/config.json on every request; appends one JSON line per
#       request to DIR/requests.log: {"server", "method", "path" (no query), "status",
#       "reason", "time"}. Never a token, secret, assertion or header value.
#
#   aad         POST /<tenant>/oauth2/v2.0/token (Azure AD v2 client credentials): grant_type
#               client_credentials, the configured client_id, scope
#               https://containerregistry.azure.net/.default, and one of: client_secret equal to
#               the configured one; client_assertion_type jwt-bearer with a client_assertion that
#               is the federated token (RS256 by the issuer key, iss/sub/aud as configured,
#               unexpired; the subject of the app's own credential, config "federated_apps") or a
#               certificate assertion (RS256 by the certificate's key, x5t its
#               SHA-1 thumbprint, aud the token URL, iss = sub = client_id). Errors as Azure AD
#               sends them: {"error", "error_description", "error_codes"}.
#   acr         POST /oauth2/exchange (grant_type access_token, service = the Host, an access
#               token this stand-in issued) -> {"refresh_token"}; everything else is passed to
#               the Distribution registry at config "backend" (https://ADDR:PORT).
#   imds        GET /metadata/identity/oauth2/token: header Metadata: true, api-version
#               2018-02-01, resource https://containerregistry.azure.net, client_id / msi_res_id
#               equal to the configured user-assigned identity when one is configured ->
#               {"access_token", "expires_on" (epoch seconds as a string), "expires_in", ...}.
#   arc         GET /metadata/identity/oauth2/token (Azure Arc's himds): header Metadata: true,
#               api-version 2020-06-01, the resource; without Authorization, a new key is written
#               to config "arc_key_dir"/<random>.key and the answer is 401 with
#               WWW-Authenticate: Basic realm=<that file>; with "Authorization: Basic <the key>"
#               -> the token, expires_on as a JSON number.
#   appservice  GET /msi/token: header X-IDENTITY-HEADER equal to the configured one,
#               api-version 2019-08-01, the resource -> expires_on in the date form
#               "MM/DD/YYYY HH:MM:SS +00:00".
#
# config.json: {"tenant", "client_id", "client_secret", "certificate_pem",
#   "federated": {"public_key_pem", "issuer", "subject", "audience"},
#   "federated_apps": {"<client_id>": "<subject>"} (more apps, each with only a federated
#            credential for that subject: a pod's service account, same issuer and audience),
#   "imds": {"mode": "ok" | "noidentity" | "slow" (10 s before answering), "client_id": null,
#            "resource_id": null},
#   "appservice": {"header"}, "refresh_token", "backend"}

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import ssl
import threading
import time
import urllib.parse
import uuid

from standin_http import PlainHandler, run_listeners

SCOPE = "https://containerregistry.azure.net/.default"
RESOURCE = "https://containerregistry.azure.net"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ISSUED = {}
LOCK = threading.Lock()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_rs256(jwt, public_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.exceptions import InvalidSignature
    parts = jwt.split(".")
    if len(parts) != 3:
        return None, None, "not a JWT"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        public_key.verify(b64url_decode(parts[2]), (parts[0] + "." + parts[1]).encode(),
                          padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return None, None, "bad signature"
    except (ValueError, TypeError):
        return None, None, "malformed JWT"
    if header.get("alg") != "RS256":
        return None, None, "alg is not RS256"
    return header, claims, None


def issue(tenant, lifetime=3600):
    token = "%s.%s.%s" % (b64url(b'{"alg":"RS256","typ":"JWT"}'),
                          b64url(json.dumps({"tid": tenant, "aud": RESOURCE,
                                             "exp": int(time.time()) + lifetime}).encode()),
                          b64url(os.urandom(16)))
    with LOCK:
        ISSUED[token] = time.time() + lifetime
    return token


class Handler(PlainHandler):
    server_version = "BaseHTTP/0.6"
    default_ctype = "application/json"

    def cfg(self):
        return self.server.shared.config()

    def record(self, status, reason):
        self.server.shared.log({"server": self.server.kind, "method": self.command,
                                "path": self.path.partition("?")[0], "status": status, "reason": reason})

    def reply(self, status, body, reason, headers=()):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        # Logged before the client can see the answer (and send its next request).
        self.answer(status, data, reason, headers=headers)

    def aad_error(self, status, error, code, description, reason):
        self.reply(status, {"error": error, "error_description": "AADSTS%d: %s" % (code, description),
                            "error_codes": [code], "timestamp": "2026-12-02 00:00:00Z",
                            "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())},
                   reason)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        kind = self.server.kind
        if kind == "imds":
            return self.imds()
        if kind == "appservice":
            return self.appservice()
        if kind == "arc":
            return self.arc()
        if kind == "acr":
            return self.proxy(b"")
        self.reply(404, {"error": "not_found"}, "no such endpoint")

    def do_HEAD(self):
        if self.server.kind == "acr":
            return self.proxy(b"")
        self.reply(405, b"", "HEAD")

    def do_PUT(self):
        if self.server.kind == "acr":
            return self.proxy(self.body())
        self.reply(405, b"", "PUT")

    def do_PATCH(self):
        self.do_PUT()

    def do_POST(self):
        kind = self.server.kind
        path = self.path.partition("?")[0]
        if kind == "aad":
            return self.aad(path, self.body())
        if kind == "acr" and path == "/oauth2/exchange":
            return self.exchange(self.body())
        if kind == "acr":
            return self.proxy(self.body())
        self.reply(405, {"error": "method_not_allowed"}, "POST")

    # --- Azure AD ------------------------------------------------------------------------------

    def aad(self, path, raw):
        cfg = self.cfg()
        parts = path.split("/")
        if len(parts) != 5 or parts[2:] != ["oauth2", "v2.0", "token"]:
            return self.reply(404, {"error": "not_found"}, "no such endpoint")
        tenant = parts[1]
        if tenant != cfg.get("tenant"):
            return self.aad_error(400, "invalid_request", 90002, "Tenant '%s' not found." % tenant[:60],
                                  "unknown tenant")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("latin-1")).items()}
        if form.get("grant_type") != "client_credentials":
            return self.aad_error(400, "unsupported_grant_type", 70003,
                                  "The app requested an unsupported grant type.", "grant_type")
        client = form.get("client_id", "")
        pod_apps = cfg.get("federated_apps") or {}
        if client != cfg.get("client_id") and client not in pod_apps:
            return self.aad_error(400, "unauthorized_client", 700016,
                                  "Application with identifier '%s' was not found in the directory."
                                  % client[:60], "unknown client_id")
        if form.get("scope") != SCOPE:
            return self.aad_error(400, "invalid_scope", 1002012,
                                  "The provided value for scope is not valid.", "scope %r" % form.get("scope"))
        how = None
        if "client_secret" in form:
            want = cfg.get("client_secret") if client == cfg.get("client_id") else ""
            want = want or ""
            if not want or not hmac.compare_digest(form["client_secret"].encode(), want.encode()):
                return self.aad_error(401, "invalid_client", 7000215, "Invalid client secret provided.",
                                      "wrong client_secret")
            how = "secret"
        elif form.get("client_assertion_type") == JWT_BEARER and form.get("client_assertion"):
            how, problem = self.assertion(cfg, tenant, client, form["client_assertion"])
            if client in pod_apps and how != "federated":
                how, problem = "federated", "the app has only a federated credential"
            if problem:
                return self.aad_error(400 if how == "federated" else 401, "invalid_client" if how != "federated"
                                      else "invalid_request", 70021 if how == "federated" else 700027,
                                      "Client assertion failed: %s." % problem, problem)
        else:
            return self.aad_error(401, "invalid_client", 7000218, "The request body must contain the "
                                  "following parameter: 'client_assertion' or 'client_secret'.",
                                  "no client credential")
        self.reply(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                         "access_token": issue(tenant)}, "ok " + how)

    def assertion(self, cfg, tenant, client, jwt):
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        try:
            header = json.loads(b64url_decode(jwt.split(".")[0]))
        except (ValueError, IndexError):
            return "assertion", "malformed JWT"
        now = time.time()
        if "x5t" in header:
            pem = cfg.get("certificate_pem") or ""
            if not pem:
                return "certificate", "no certificate registered"
            cert = x509.load_pem_x509_certificate(pem.encode())
            thumb = b64url(hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).digest())
            if header["x5t"] != thumb:
                return "certificate", "x5t is not the registered certificate's thumbprint"
            _, claims, problem = verify_rs256(jwt, cert.public_key())
            if problem:
                return "certificate", problem
            aud = "https://login.microsoftonline.com/%s/oauth2/v2.0/token" % tenant
            if claims.get("aud") != aud or claims.get("iss") != client or claims.get("sub") != client:
                return "certificate", "aud/iss/sub wrong"
            if not (claims.get("nbf", 0) - 300 <= now < claims.get("exp", 0)):
                return "certificate", "expired or not yet valid"
            return "certificate", None
        fed = cfg.get("federated") or {}
        key = serialization.load_pem_public_key((fed.get("public_key_pem") or "").encode())
        _, claims, problem = verify_rs256(jwt, key)
        if problem:
            return "federated", problem
        # The subject of the app's own federated credential: a pod app's, else the main client's.
        subject = (cfg.get("federated_apps") or {}).get(client, fed.get("subject"))
        if claims.get("iss") != fed.get("issuer") or claims.get("sub") != subject or \
                claims.get("aud") != fed.get("audience"):
            return "federated", "No matching federated identity record found for presented assertion"
        if claims.get("exp", 0) <= now:
            return "federated", "the federated token has expired"
        return "federated", None

    # --- ACR -----------------------------------------------------------------------------------

    def exchange(self, raw):
        cfg = self.cfg()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("latin-1")).items()}
        host = (self.headers.get("Host") or "").partition(":")[0]

        def deny(why):
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]}, why)
        if form.get("grant_type") != "access_token":
            return deny("grant_type must be access_token")
        if form.get("service") != host:
            return deny("service is not this registry")
        if "tenant" in form and form["tenant"] != cfg.get("tenant"):
            return deny("tenant is not the token's")
        with LOCK:
            exp = ISSUED.get(form.get("access_token", ""))
        if exp is None or exp <= time.time():
            return deny("the access token was not issued by Azure AD")
        self.reply(200, {"refresh_token": cfg.get("refresh_token", "")}, "ok")

    def proxy(self, raw):
        backend = urllib.parse.urlsplit(self.cfg().get("backend", ""))
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(backend.hostname, backend.port or 443, context=ctx, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        if raw or self.command in ("PUT", "POST", "PATCH"):
            headers["Content-Length"] = str(len(raw))
        try:
            conn.request(self.command, self.path, body=raw or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        except OSError as e:
            return self.reply(502, {"errors": [{"code": "PROXY", "message": str(e)}]}, "backend: %s" % e)
        self.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.record(answer.status, "proxied")

    # --- managed identity ------------------------------------------------------------------------

    def query(self):
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.path.partition("?")[2]).items()}

    def imds(self):
        cfg = self.cfg().get("imds") or {}
        q = self.query()
        if cfg.get("mode") == "slow":
            time.sleep(10)
        if self.path.partition("?")[0] != "/metadata/identity/oauth2/token":
            return self.reply(404, {"error": "not_found"}, "no such endpoint")
        if self.headers.get("Metadata") != "true":
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "Required metadata header not specified"},
                              "no Metadata: true")
        if q.get("api-version") != "2018-02-01":
            return self.reply(400, {"error": "invalid_request", "error_description": "Invalid api-version"},
                              "api-version %r" % q.get("api-version"))
        if q.get("resource") != RESOURCE:
            return self.reply(400, {"error": "invalid_resource",
                                    "error_description": "AADSTS500011: resource not found"}, "resource")
        want_client, want_res = cfg.get("client_id"), cfg.get("resource_id")
        if cfg.get("mode") == "noidentity" or q.get("client_id") != want_client or \
                q.get("msi_res_id") != want_res:
            return self.reply(400, {"error": "invalid_request", "error_description": "Identity not found"},
                              "identity not found")
        exp = int(time.time()) + 86399
        self.reply(200, {"access_token": issue(self.cfg().get("tenant", "")), "refresh_token": "",
                         "expires_in": "86399", "expires_on": str(exp), "not_before": str(exp - 86399),
                         "resource": RESOURCE, "token_type": "Bearer"}, "ok")

    def arc(self):
        cfg = self.cfg()
        q = self.query()
        if self.headers.get("Metadata") != "true":
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "Required metadata header not specified"}, "no Metadata")
        if q.get("api-version") != "2020-06-01" or q.get("resource") != RESOURCE:
            return self.reply(400, {"error": "invalid_request", "error_description": "bad query"}, "query")
        auth = self.headers.get("Authorization") or ""
        if not auth:
            key = b64url(os.urandom(24))
            path = os.path.join(cfg.get("arc_key_dir", ""), uuid.uuid4().hex + ".key")
            with open(path, "w") as f:
                f.write(key)
            with LOCK:
                self.server.arc_keys = getattr(self.server, "arc_keys", set()) | {key}
            return self.reply(401, {"error": "unauthorized"}, "challenge",
                              headers=[("WWW-Authenticate", "Basic realm=" + path)])
        with LOCK:
            keys = set(getattr(self.server, "arc_keys", set()))
        if not auth.startswith("Basic ") or auth[6:] not in keys:
            return self.reply(401, {"error": "unauthorized"}, "wrong key")
        self.reply(200, {"access_token": issue(cfg.get("tenant", "")), "expires_on": int(time.time()) + 3600,
                         "resource": RESOURCE, "token_type": "Bearer"}, "ok")

    def appservice(self):
        cfg = self.cfg().get("appservice") or {}
        q = self.query()
        want = cfg.get("header") or ""
        if not want or not hmac.compare_digest((self.headers.get("X-IDENTITY-HEADER") or "").encode(),
                                               want.encode()):
            return self.reply(401, {"statusCode": 401, "message": "Unauthorized"}, "X-IDENTITY-HEADER")
        if q.get("api-version") != "2019-08-01" or q.get("resource") != RESOURCE:
            return self.reply(400, {"statusCode": 400, "message": "bad api-version or resource"}, "query")
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        self.reply(200, {"access_token": issue(self.cfg().get("tenant", "")),
                         "expires_on": exp.strftime("%m/%d/%Y %H:%M:%S +00:00"),
                         "resource": RESOURCE, "token_type": "Bearer", "client_id": "app-service-mi"}, "ok")


def main():
    run_listeners("Azure AD, ACR, IMDS, Azure Arc and App Service stand-ins",
                  ("aad", "acr", "imds", "arc", "appservice"), Handler, tls_kinds=("aad", "acr"))


if __name__ == "__main__":
    main()
