#!/usr/bin/python3
# Plain-HTTP stand-ins for the AWS machine credential sources, for tests inside a private
# network namespace: EC2 instance metadata (IMDS, normally 169.254.169.254:80) and the container
# credentials endpoint (ECS / EKS Pod Identity, normally 169.254.170.2:80, or a FULL_URI on
# loopback). They check what the real ones check. Debian's Python, standard library only.
#
#   /usr/bin/python3 aws_metadata_standin.py --state DIR --listen KIND@ADDR:PORT [...]
#       KIND is imds or container; PORT 0 = a free port. Serves until SIGTERM/SIGINT. Appends
#       "KIND ADDR PORT" per listener to DIR/listening once all listen (then writes DIR/pid),
#       reads DIR/config.json on every request, appends one JSON line per request to
#       DIR/requests.log: {"server", "method", "path", "status", "reason", "token": true|false
#       (an IMDS token header came), "auth_fp": first 12 hex digits of the SHA-256 of the
#       Authorization header (container), or null}. Never a token, key or header value.
#
# config.json (every key optional):
#   {"imds": {"mode": "ok", "role": "e2e-instance-role", "expires_in": 21600,
#             "credentials": {"AccessKeyId": "...", "SecretAccessKey": "...", "Token": "..."}},
#    "container": {"authorization": null | "TOKEN", "path": null | "/v2/credentials/x",
#                  "credentials": {"AccessKeyId": "...", "SecretAccessKey": "...", "Token": "..."}}}
# IMDS modes:
#   ok          IMDSv2 only: PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds
#               (1..21600, echoed in the answer), is refused (403) with X-Forwarded-For; data
#               calls need a valid X-aws-ec2-metadata-token (401 otherwise)
#   v1only:N    the PUT is answered N (403, 404 or 405); data calls need no token
#   slow:S      every answer waits S seconds first (then as ok); its arrival is logged at once
#               with status 0
#   500         every request answered 500
#   401-once    the first data call since config.json changed is answered 401 (then as ok)
#   norole      the role list is answered 404 (no instance profile)
# The container endpoint answers GET <path> (any path when "path" is null) with the
# credentials when the Authorization header equals "authorization" (none needed when null),
# 401 otherwise.

import datetime
import json
import secrets
import sys
import time

from standin_http import UTC, PlainHandler, StateDir, auth_fp, run_listeners

CREDS_PATH = "/latest/meta-data/iam/security-credentials/"


def _iso(ts):
    return datetime.datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Shared(StateDir):
    def __init__(self, state):
        super().__init__(state)
        self.tokens = {}          # IMDS token -> expiry
        self.once_used = False    # 401-once progress for the current config

    def config_changed(self):
        self.once_used = False


class Handler(PlainHandler):
    server_version = "EC2ws"

    def do_GET(self):
        self._dispatch()

    do_PUT = do_POST = do_GET

    def record(self, status, reason):
        self.server.shared.log({
            "server": self.server.kind, "method": self.command, "path": self.path[:200],
            "status": status, "reason": reason,
            "token": self.headers.get("X-aws-ec2-metadata-token") is not None,
            "auth_fp": auth_fp(self.headers)})

    def _dispatch(self):
        self.drain_body()
        cfg = self.server.shared.config()
        if self.server.kind == "imds":
            self._imds(cfg.get("imds") or {})
        else:
            self._container(cfg.get("container") or {})

    # --- EC2 instance metadata ----------------------------------------------------------------

    def _imds(self, cfg):
        shared = self.server.shared
        mode = str(cfg.get("mode", "ok"))
        if mode.startswith("slow:"):
            self.record(0, "mode %s: arrived, answering late" % mode)
            time.sleep(float(mode[5:]))
            mode = "ok"
        if mode == "500":
            self.answer(500, "Internal Server Error", "mode 500")
            return
        path = self.path.split("?")[0]
        if path == "/latest/api/token":
            if self.command != "PUT":
                self.answer(405, "", "token: not PUT")
                return
            if mode.startswith("v1only"):
                code = int(mode.partition(":")[2] or 405)
                self.answer(code, "", "mode v1only: token refused %d" % code)
                return
            if self.headers.get("X-Forwarded-For") is not None:
                self.answer(403, "Forbidden", "token: X-Forwarded-For present")
                return
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            try:
                seconds = int(ttl)
            except (TypeError, ValueError):
                seconds = 0
            if not 1 <= seconds <= 21600:
                self.answer(400, "Bad Request", "token: missing or invalid TTL header")
                return
            token = secrets.token_urlsafe(40)
            with shared.lock:
                shared.tokens[token] = time.time() + seconds
            self.answer(200, token, "token issued",
                         headers=[("X-aws-ec2-metadata-token-ttl-seconds", str(seconds))])
            return
        if self.command != "GET":
            self.answer(405, "", "data: not GET")
            return
        if not mode.startswith("v1only"):
            token = self.headers.get("X-aws-ec2-metadata-token")
            with shared.lock:
                valid = token is not None and shared.tokens.get(token, 0) > time.time()
            if not valid:
                self.answer(401, "", "data: no valid token (IMDSv2 required)")
                return
        if mode == "401-once":
            with shared.lock:
                first = not shared.once_used
                shared.once_used = True
            if first:
                self.answer(401, "", "mode 401-once")
                return
        role = str(cfg.get("role", "e2e-instance-role"))
        if path == CREDS_PATH:
            if mode == "norole":
                self.answer(404, "Not Found", "mode norole", "text/html")
                return
            self.answer(200, role, "role list")
            return
        if path == CREDS_PATH + role:
            creds = cfg.get("credentials") or {}
            now = time.time()
            body = json.dumps({
                "Code": "Success", "LastUpdated": _iso(now), "Type": "AWS-HMAC",
                "AccessKeyId": creds.get("AccessKeyId", ""),
                "SecretAccessKey": creds.get("SecretAccessKey", ""),
                "Token": creds.get("Token", ""),
                "Expiration": _iso(now + float(cfg.get("expires_in", 21600)))}, indent=2)
            self.answer(200, body, "credentials of " + role)
            return
        self.answer(404, "Not Found", "no such metadata path", "text/html")

    # --- container credentials ----------------------------------------------------------------

    def _container(self, cfg):
        want_path = cfg.get("path")
        if self.command != "GET":
            self.answer(405, "", "not GET")
            return
        if want_path and self.path != want_path:
            self.answer(404, json.dumps({"code": "NotFound", "message": "no such path"}),
                         "wrong path", "application/json")
            return
        want = cfg.get("authorization")
        got = self.headers.get("Authorization")
        if want is not None and (got is None or not secrets.compare_digest(got, want)):
            self.answer(401, json.dumps({"code": "AccessDenied", "message":
                                          "Authorization header missing or invalid"}),
                         "authorization missing" if got is None else "authorization mismatch",
                         "application/json")
            return
        creds = cfg.get("credentials") or {}
        now = time.time()
        body = json.dumps({"AccessKeyId": creds.get("AccessKeyId", ""),
                           "SecretAccessKey": creds.get("SecretAccessKey", ""),
                           "Token": creds.get("Token", ""), "AccountId": "123456789012",
                           "Expiration": _iso(now + 3600)})
        self.answer(200, body, "credentials", "application/json")


def main():
    run_listeners("AWS IMDS / container credentials stand-ins", ("imds", "container"), Handler, Shared)


if __name__ == "__main__":
    sys.exit(main())
