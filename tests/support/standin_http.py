# What cloud_standin.py and its per-cloud endpoint modules (aws_standin.py, gcp_standin.py,
# azure_aad_standin.py) share: the answer type and the form-body reading; and what the
# stand-in programs with several listeners (aws_metadata_standin.py, gcp_standin.py,
# azure_standin.py) share: the listener server, the state folder, the plain handler and main().
# Standard library only.
#
# An endpoint handler is called by cloud_standin.py's dispatcher as
#   handler(req, endpoint, cfg, body, target, now) -> Reply
# req: the request handler (req.headers, req.command; req.server.lock guards req.server's shared
# state); endpoint: the stats/log name it was routed as; cfg: config.json as read for this
# request; body: bytes; target: the request target as bytes (path and query); now: epoch
# seconds with config "clock_offset" applied. A non-200 Reply counts as a rejection.
# Each module also exports INJECTED (endpoint kind -> "500"|"429"|"403" -> Reply factory, the
# modes 500/429/403/fail_first) and WRONGSHAPE (endpoint -> bodies a "wrongshape" mode sends).

import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import ssl
import threading
import urllib.parse

UTC = datetime.timezone.utc


class Reply:
    """One HTTP answer: status, JSON body (bytes), content type, extra headers, log reason."""

    def __init__(self, status, body, ctype="application/json; charset=utf-8", headers=(),
                 reason=""):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.ctype = ctype
        self.headers = list(headers)
        self.reason = reason


def parse_form(body):
    """application/x-www-form-urlencoded -> {name: [values]}; raises ValueError."""
    text = body.decode("utf-8")
    return urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=False,
                                 errors="strict")


def first(form, name):
    v = form.get(name)
    return v[0] if v else None


def read_form(headers, body):
    """(form, None) for a url-encoded body, else (None, the problem in words)."""
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return None, "Content-Type is not application/x-www-form-urlencoded"
    try:
        return parse_form(body), None
    except (ValueError, UnicodeDecodeError):
        return None, "form body is not valid UTF-8 url-encoding"


def b64url_decode(s):
    """base64url without padding, strictly (other characters or a bad length: ValueError)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s) or len(s) % 4 == 1:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def auth_fp(headers):
    """First 12 hex digits of the SHA-256 of the Authorization header, or None without one: what
    a requests.log may say of it."""
    auth = headers.get("Authorization")
    return hashlib.sha256(auth.encode()).hexdigest()[:12] if auth is not None else None


class StateDir:
    """A stand-in program's state folder, shared by its listeners: config.json read again for
    every request ({} when missing, unreadable or not an object), requests.log appended one
    JSON line per request (keys sorted, with "time"), both under one lock."""

    def __init__(self, state):
        self.state = state
        self.lock = threading.Lock()
        self.config_id = None

    def config(self):
        path = os.path.join(self.state, "config.json")
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                cfg = json.loads(f.read())
        except (OSError, ValueError):
            cfg, st = {}, None
        ident = (st.st_ino, st.st_mtime_ns) if st else None
        with self.lock:
            if ident != self.config_id:
                self.config_id = ident
                self.config_changed()
        return cfg if isinstance(cfg, dict) else {}

    def config_changed(self):
        """Called under the lock when config.json is another file than at the last request (a
        rewrite); for progress that a new config restarts."""

    def log(self, entry):
        entry["time"] = datetime.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self.lock:
            with open(os.path.join(self.state, "requests.log"), "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")


class ListenerServer(http.server.ThreadingHTTPServer):
    """One --listen of a stand-in program: kind (the KIND it was named with), shared (the
    program's StateDir) and state (its folder); IPv6 when the address has a colon."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, kind, shared, handler):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        super().__init__(addr, handler)
        self.kind = kind
        self.shared = shared
        self.state = shared.state


class PlainHandler(http.server.BaseHTTPRequestHandler):
    """A stand-in's request handler: HTTP/1.1, the Server header exactly server_version, no
    stderr log, 30 s socket timeout. answer() logs through record(status, reason), which a
    subclass defines (what its requests.log says), before the client can see the answer, with
    the Content-Type default_ctype unless given and the headers of extra_headers() first."""
    protocol_version = "HTTP/1.1"
    sys_version = ""
    timeout = 30
    default_ctype = "text/plain"

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def version_string(self):
        return self.server_version

    def drain_body(self):
        """Reads and drops the request body (64 KiB at the most)."""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 16))

    def extra_headers(self):
        return ()

    def answer(self, status, body, reason, ctype=None, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.record(status, reason)
        self.send_response(status)
        for k, v in list(self.extra_headers()) + list(headers):
            self.send_header(k, v)
        self.send_header("Content-Type", ctype or self.default_ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def run_listeners(description, kinds, handler, shared=StateDir, tls_kinds=()):
    """main() of a stand-in program with several listeners: parses --state DIR and --listen
    KIND@ADDR:PORT (repeatable, KIND one of kinds) and serves each with a ListenerServer of
    handler, all sharing one shared(DIR); listeners of tls_kinds over TLS with DIR/server.crt
    and DIR/server.key. See serve_listeners."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--state", required=True)
    ap.add_argument("--listen", action="append", required=True, help="KIND@ADDR:PORT")
    args = ap.parse_args()

    def make_server(state):
        common = shared(state)
        return lambda addr, kind: ListenerServer(addr, kind, common, handler)
    serve_listeners(ap, args, kinds, make_server, tls_kinds)


def serve_listeners(ap, args, kinds, make_server, tls_kinds=()):
    """The serving part of run_listeners: --state DIR, --listen KIND@ADDR:PORT (repeatable; PORT
    0 = a free port). make_server(state_dir) -> build((host, port), kind) -> a socketserver;
    those of tls_kinds get TLS with DIR/server.crt and DIR/server.key. Writes "KIND ADDR PORT"
    per listener to DIR/listening once all listen, then DIR/pid; serves until SIGTERM/SIGINT
    (exit 0)."""
    state = os.path.abspath(args.state)
    os.makedirs(state, exist_ok=True)
    servers, lines = [], []
    specs = []
    for spec in args.listen:
        kind, _, addr = spec.partition("@")
        host, _, port = addr.rpartition(":")
        if kind not in kinds or not host:
            ap.error("bad --listen %r" % spec)
        specs.append((kind, host, port))
    build = make_server(state)
    for kind, host, port in specs:
        srv = build((host.strip("[]"), int(port)), kind)
        if kind in tls_kinds:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(state, "server.crt"), os.path.join(state, "server.key"))
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        servers.append(srv)
        lines.append("%s %s %d" % (kind, host, srv.server_address[1]))
    with open(os.path.join(state, "listening"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(state, "pid"), "w") as f:
        f.write("%d\n" % os.getpid())

    def stop(signum, frame):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for srv in servers[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    servers[0].serve_forever(poll_interval=0.5)
