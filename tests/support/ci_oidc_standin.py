# CI OIDC stand-in for tests/e2e/ci_identity_test.sh: one HTTPS server that plays
#   - GitHub Actions' ID token service: GET /idtoken?api-version=2.0&audience=AUD with
#     "Authorization: Bearer <request token>" -> {"count": 1, "value": "<JWT>"}, an RS256 JWT of
#     the test issuer (iss, sub, aud = AUD, iat, exp), 401 for another bearer, 400 without an
#     audience;
#   - Google's STS (POST /v1/token, host sts.googleapis.com): the token exchange form, its
#     audience the configured workload identity provider, a subject token that is a JWT of the
#     test issuer for https://iam.googleapis.com/<provider path>, not expired -> an access token;
#   - IAM Credentials (POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken): the
#     federated token as bearer, the configured service account -> {"accessToken","expireTime"}.
# (A minimal Google STS of its own: no shared Google stand-in was in this tree.)
#
# Usage: ci_oidc_standin.py --state DIR --listen ADDR:PORT --cert C --key K
#   DIR/config.json: {"request_token", "issuer", "subject", "issuer_key" (PEM path),
#                     "issuer_pub" (PEM path), "wif" (//iam.googleapis.com/projects/...),
#                     "service_account", "federated_token", "sa_token"}
#   DIR/requests.log: one JSON line per request {endpoint, outcome, reason} (never a token);
#   DIR/issued.txt: every JWT handed out, one a line (for the test's secret checks);
#   DIR/pid once listening.
# Debian's python3 and python3-cryptography only.

import argparse
import base64
import datetime
import http.server
import json
import os
import ssl
import sys
import time
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def cfg(self):
        with open(os.path.join(self.server.state, "config.json")) as f:
            return json.load(f)

    def record(self, endpoint, outcome, reason):
        with open(os.path.join(self.server.state, "requests.log"), "a") as f:
            f.write(json.dumps({"endpoint": endpoint, "outcome": outcome, "reason": reason}) + "\n")

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def jwt(self, cfg, aud):
        key = serialization.load_pem_private_key(open(cfg["issuer_key"], "rb").read(), None)
        now = int(time.time())
        msg = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "e2e"}).encode()) + "." + b64(json.dumps(
            {"iss": cfg["issuer"], "sub": cfg["subject"], "aud": aud, "iat": now, "exp": now + 300}).encode())
        token = msg + "." + b64(key.sign(msg.encode(), padding.PKCS1v15(), hashes.SHA256()))
        with open(os.path.join(self.server.state, "issued.txt"), "a") as f:
            f.write(token + "\n")
        return token

    def verify(self, cfg, token, aud):
        parts = token.split(".")
        if len(parts) != 3:
            return "not a JWT"
        pub = serialization.load_pem_public_key(open(cfg["issuer_pub"], "rb").read())
        try:
            pub.verify(unb64(parts[2]), (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return "bad signature"
        claims = json.loads(unb64(parts[1]))
        if claims.get("iss") != cfg["issuer"]:
            return "wrong issuer"
        if claims.get("aud") != aud:
            return "wrong audience %s" % claims.get("aud")
        if claims.get("exp", 0) <= time.time():
            return "expired"
        return ""

    def do_GET(self):
        cfg = self.cfg()
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/idtoken":
            self.record("github", "refused", "unknown path")
            return self.answer(404, {"message": "not found"})
        if self.headers.get("Authorization") != "Bearer " + cfg["request_token"]:
            self.record("github", "refused", "wrong bearer")
            return self.answer(401, {"message": "Unauthorized"})
        aud = (query.get("audience") or [""])[0]
        if not aud or (query.get("api-version") or [""])[0] != "2.0":
            self.record("github", "refused", "no audience or api-version")
            return self.answer(400, {"message": "Bad Request"})
        self.record("github", "accepted", "audience " + aud)
        return self.answer(200, {"count": 1, "value": self.jwt(cfg, aud)})

    def do_POST(self):
        cfg = self.cfg()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        path = urllib.parse.urlsplit(self.path).path
        if path == "/v1/token":
            form = urllib.parse.parse_qs(body)
            one = lambda k: (form.get(k) or [""])[0]
            wif = cfg["wif"]
            problems = []
            if one("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange":
                problems.append("grant_type")
            if one("requested_token_type") != "urn:ietf:params:oauth:token-type:access_token":
                problems.append("requested_token_type")
            if one("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt":
                problems.append("subject_token_type")
            if one("audience") != wif:
                problems.append("audience")
            why = self.verify(cfg, one("subject_token"), "https:" + wif)
            if why:
                problems.append("subject token: " + why)
            if problems:
                self.record("google-sts", "refused", ", ".join(problems))
                return self.answer(400, {"error": "invalid_grant", "error_description": ", ".join(problems)})
            self.record("google-sts", "accepted", "exchange for " + wif)
            return self.answer(200, {"access_token": cfg["federated_token"], "issued_token_type":
                                     "urn:ietf:params:oauth:token-type:access_token", "token_type": "Bearer",
                                     "expires_in": 3599})
        prefix = "/v1/projects/-/serviceAccounts/"
        if path.startswith(prefix) and path.endswith(":generateAccessToken"):
            account = urllib.parse.unquote(path[len(prefix):-len(":generateAccessToken")])
            if self.headers.get("Authorization") != "Bearer " + cfg["federated_token"]:
                self.record("iamcredentials", "refused", "wrong bearer")
                return self.answer(401, {"error": {"code": 401, "message": "unauthenticated"}})
            if account != cfg["service_account"]:
                self.record("iamcredentials", "refused", "unknown account")
                return self.answer(403, {"error": {"code": 403, "message": "denied"}})
            expire = datetime.datetime.fromtimestamp(time.time() + 3600, datetime.timezone.utc)
            self.record("iamcredentials", "accepted", "token of " + account)
            return self.answer(200, {"accessToken": cfg["sa_token"], "expireTime": expire.strftime("%Y-%m-%dT%H:%M:%SZ")})
        self.record("post", "refused", "unknown path")
        return self.answer(404, {"error": "not found"})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--state", required=True)
    p.add_argument("--listen", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    a = p.parse_args()
    host, port = a.listen.rsplit(":", 1)
    server = http.server.ThreadingHTTPServer((host, int(port)), Handler)
    server.state = a.state
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(os.path.join(a.state, "pid"), "w") as f:
        f.write(str(os.getpid()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
