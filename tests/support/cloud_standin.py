#!/usr/bin/python3
# Loopback stand-ins for the cloud token endpoints docker-credential-ssm talks to, over real TLS,
# that check what the real services check (AWS SigV4, Google's JWT bearer grant, Azure AD
# client credentials, the ACR token exchange), not just that a request arrived.
#
# This file is the server: TLS and its certificates, config.json, modes, stats, the request log
# and the routing. Each cloud's endpoints and checks live beside it: aws_standin.py (ECR, ECR
# Public, SigV4; STS through aws_sts_standin.py), gcp_standin.py (OAuth2 token, STS, IAM
# credentials), azure_aad_standin.py (Azure AD client credentials, the ACR exchange); each one
# documents its endpoints and its config.json keys. standin_http.py holds what they share.
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
#       Runs the signer and the verifier (aws_standin.py) over every case of the AWS SigV4 test
#       suite; prints PASS/FAIL per case and "N passed, M failed"; exit 0 only when all pass.
#
# Routing (all on the one server; the endpoint name counts in /_stats and the log):
#   POST /  with X-Amz-Target SpencerFrontendService.*    aws_standin.ecr()        (ecr-public)
#   POST /  with another X-Amz-Target                     aws_standin.ecr()        (ecr)
#   POST /  form Action=AssumeRole|...WithWebIdentity     aws_standin.sts()        (sts)
#   POST /  anything else                                 aws_standin.ecr()        (ecr)
#   POST /token                                           gcp_standin.token()      (gcp)
#   POST /v1/token                                        gcp_standin.sts()        (gcp-sts)
#   POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken
#                                                         gcp_standin.iam()        (gcp-iam)
#   POST /<tenant>/oauth2/v2.0/token                      azure_aad_standin.aad()  (azure)
#   POST /oauth2/exchange                                 azure_aad_standin.acr()  (acr)
#   GET  /_stats   counts per endpoint;  POST /_reset   clears counts and fail_first progress
#   any other path: 404 (other); a token endpoint with another method: 405
#
# config.json (every key optional; the clouds' keys are documented in their modules):
#   {"aws", "ecr", "ecr_public", "sts": ...   (aws_standin.py, aws_sts_standin.py)
#    "gcp", "gcp_aud", "gcp_users", "gcp_sts", "gcp_iam": ...   (gcp_standin.py)
#    "azure", "acr": ...                      (azure_aad_standin.py)
#    "mode":  "ok",                       (all token endpoints)
#    "modes": {"ecr": "...", "ecr-public": "...", "sts": "...", "gcp": "...", "gcp-sts": "...",
#              "gcp-iam": "...", "azure": "...", "acr": "..."},
#    "clock_offset": 0,                   (seconds added to the stand-in's clock: skew tests)
#    "hang_max_seconds": 300}
# Modes: ok | 500 | 429 | 403 | hang | reset | truncated | truncated_transfer | wrongshape[:K]
#        | slow:<seconds> | fail_first:<n>
#   500/429/403/hang/reset/fail_first act before the request is validated; slow delays, then
#   validates; truncated/truncated_transfer/wrongshape only mangle a response that would have
#   been a success (an invalid request still gets its real rejection). fail_first counts per
#   mode scope ("mode" = all token endpoints together, "modes" entry = that endpoint) and starts
#   again whenever config.json is rewritten or /_reset is posted. The injected answers and the
#   wrong shapes are each module's INJECTED and WRONGSHAPE, in that cloud's error format.

import argparse
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

# The endpoint modules live beside this file; the benchmark starts this one through runpy from
# elsewhere, so the folder is put on the path explicitly.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_standin  # noqa: E402
import aws_sts_standin  # noqa: E402
import azure_aad_standin  # noqa: E402
import gcp_standin  # noqa: E402
from standin_http import Reply  # noqa: E402

ENDPOINTS = ("ecr", "ecr-public", "sts", "gcp", "gcp-sts", "gcp-iam", "azure", "acr", "other")
TOKEN_ENDPOINTS = ENDPOINTS[:-1]
MAX_BODY = 1 << 20
UTC = datetime.timezone.utc

# ---------------------------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------------------------

INJECTED = {}
WRONGSHAPE = {}
for _mod in (aws_standin, gcp_standin, azure_aad_standin):
    INJECTED.update(_mod.INJECTED)
    WRONGSHAPE.update(_mod.WRONGSHAPE)


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

        azure = azure_aad_standin.TOKEN_PATH.fullmatch(path)
        if path == "/" and self.headers.get("X-Amz-Target") is not None:
            tgt = self.headers.get("X-Amz-Target", "").strip()
            endpoint = "ecr-public" if tgt.startswith("SpencerFrontendService.") else "ecr"
            handler = aws_standin.ecr
        elif path == "/" and self.command == "POST" and aws_sts_standin.is_sts_request(self.headers, body):
            endpoint, handler = "sts", aws_standin.sts
        elif path == "/" and self.command == "POST":
            endpoint, handler = "ecr", aws_standin.ecr
        elif path == "/token":
            endpoint, handler = "gcp", gcp_standin.token
        elif path == "/v1/token":
            endpoint, handler = "gcp-sts", gcp_standin.sts
        elif gcp_standin.iam_account(path):
            endpoint, handler = "gcp-iam", gcp_standin.iam
        elif azure:
            endpoint, handler = "azure", azure_aad_standin.aad
        elif path == "/oauth2/exchange":
            endpoint, handler = "acr", azure_aad_standin.acr
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
            reply = handler(self, endpoint, cfg, body, target.encode("latin-1", "replace"), now)
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
        sys.exit(aws_standin.selftest_sigv4(args.selftest_sigv4))
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
