# shellcheck shell=bash
# A private dockerd (Debian docker.io 20.10) for end-to-end tests. Sourced library.
#
#   dockerd_start WORKDIR
#       Starts dockerd with everything under WORKDIR/dockerd (data-root, exec-root, socket,
#       pidfile, trust key, an empty daemon.json) and exports DOCKER_HOST=unix://.../docker.sock
#       and DOCKERD_PID; waits until `docker version` reaches the server (~1-2 s here).
#   dockerd_stop
#       SIGTERM by PID, waits for exit (~2 s; dockerd stops its own containerd child), SIGKILL
#       after 20 s; then removes /run/docker/plugins and /run/docker if this start created them.
#
# Flags and why:
#   --storage-driver vfs          plain directories: nothing mounted that could leak
#   --iptables=false --ip6tables=false --bridge=none
#                                 no host network changes; pulls do not need a bridge
#   --data-root/--exec-root       private state; dockerd launches its own containerd there
#   --config-file WORKDIR/...     ignore /etc/docker/daemon.json
#   daemon.json "deprecated-key-path" (config-file-only key in 20.10; no such CLI flag)
#                                 else dockerd writes /etc/docker/key.json
#   --pidfile                     else /var/run/docker.pid
# 20.10 still hard-codes the plugin socket dir /run/docker/plugins; dockerd_stop removes it
# again when it did not exist before.
# Insecure registries: dockerd's default list is 127.0.0.0/8 (`docker info` shows
# "Insecure Registries: 127.0.0.0/8"), so a plain-HTTP registry on 127.0.0.1:PORT needs no
# flag (verified: login and pull over plain HTTP). "localhost:PORT" works too: dockerd resolves
# the name and 127.0.0.1 is in the CIDR. The tests use 127.0.0.1:PORT.
#
# The docker CLI used is whatever `docker` is on PATH (here Docker CLI 28, API downgraded to
# 1.41); it reads $DOCKER_CONFIG/config.json, which the test scripts point into their temp dir.
# CLI quirk: a config.json with no credsStore, credHelpers or auths (e.g. `{}`) makes the CLI
# pick a default credsStore by itself ("secretservice" when docker-credential-secretservice is
# on PATH), so `docker login` to any registry goes there. Always write credHelpers explicitly.

DOCKERD_PID=${DOCKERD_PID:-}
_DOCKERD_RUN_CREATED=

dockerd_start() {
	local workdir=$1 dir i
	dir="$workdir/dockerd"
	mkdir -p "$dir/data" "$dir/exec"
	printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
	_DOCKERD_RUN_CREATED=
	[ -e /run/docker ] || _DOCKERD_RUN_CREATED=1
	dockerd --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
		--data-root "$dir/data" --exec-root "$dir/exec" \
		-H "unix://$dir/docker.sock" --pidfile "$dir/docker.pid" \
		--config-file "$dir/daemon.json" \
		>>"$dir/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	export DOCKERD_PID DOCKER_HOST="unix://$dir/docker.sock"
	for i in $(seq 1 300); do
		if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
			echo "dockerd.sh: dockerd exited; log tail:" >&2
			tail -n 20 "$dir/dockerd.log" >&2
			DOCKERD_PID=
			return 1
		fi
		if [ -S "$dir/docker.sock" ] && docker version >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		: "$i"
	done
	echo "dockerd.sh: dockerd did not answer within 30 s; log tail:" >&2
	tail -n 20 "$dir/dockerd.log" >&2
	dockerd_stop
	return 1
}

dockerd_stop() {
	if [ -n "${DOCKERD_PID:-}" ]; then
		kill "$DOCKERD_PID" 2>/dev/null || true
		local i
		for i in $(seq 1 200); do
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 0.1
			: "$i"
		done
		kill -9 "$DOCKERD_PID" 2>/dev/null || true
		wait "$DOCKERD_PID" 2>/dev/null || true
		DOCKERD_PID=
		if [ -n "$_DOCKERD_RUN_CREATED" ]; then
			rmdir /run/docker/plugins /run/docker 2>/dev/null || true
		fi
	fi
}
