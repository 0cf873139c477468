# shellcheck shell=bash
# netns.sh: what is still running in this network namespace.
#   netns_leftovers SHELL_PID [--ignore-bus]
#     prints "PID command" for every process in the caller's network namespace but SHELL_PID,
#     the checking process and its parent; --ignore-bus leaves out dbus-daemon and
#     dbus-run-session (which stop when the session's shell exits). Nothing printed: none left.
netns_leftovers() {
	/usr/bin/python3 - "$@" <<'EOF'
import os, sys
me, shell = os.getpid(), int(sys.argv[1])
ignore_bus = "--ignore-bus" in sys.argv[2:]
ns = os.readlink("/proc/self/ns/net")
skip = {me, shell, os.getppid()}
out = []
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) in skip:
        continue
    try:
        if os.readlink("/proc/%s/ns/net" % p) != ns:
            continue
        cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if ignore_bus and (cmd.startswith(("dbus-daemon", "dbus-run-session")) or "/dbus-daemon " in cmd
                       or "/dbus-run-session " in cmd):
        continue
    out.append("%s %s" % (p, cmd[:100]))
print("\n".join(out))
EOF
}
