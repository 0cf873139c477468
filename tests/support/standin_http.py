# What cloud_standin.py and its per-cloud endpoint modules (aws_standin.py, gcp_standin.py,
# azure_aad_standin.py) share: the answer type and the form-body reading. Standard library only.
#
# An endpoint handler is called by cloud_standin.py's dispatcher as
#   handler(req, endpoint, cfg, body, target, now) -> Reply
# req: the request handler (req.headers, req.command; req.server.lock guards req.server's shared
# state); endpoint: the stats/log name it was routed as; cfg: config.json as read for this
# request; body: bytes; target: the request target as bytes (path and query); now: epoch
# seconds with config "clock_offset" applied. A non-200 Reply counts as a rejection.
# Each module also exports INJECTED (endpoint kind -> "500"|"429"|"403" -> Reply factory, the
# modes 500/429/403/fail_first) and WRONGSHAPE (endpoint -> bodies a "wrongshape" mode sends).

import base64
import json
import os
import re
import signal
import threading
import urllib.parse


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


def serve_listeners(ap, args, kinds, make_server):
    """main() of a plain-HTTP stand-in program (aws_metadata_standin.py, gcp_standin.py):
    --state DIR, --listen KIND@ADDR:PORT (repeatable; PORT 0 = a free port). make_server((host,
    port), kind, state_dir) -> a socketserver. Writes "KIND ADDR PORT" per listener to
    DIR/listening once all listen, then DIR/pid; serves until SIGTERM/SIGINT (exit 0)."""
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
