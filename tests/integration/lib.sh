# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the integration scenarios (sourced).
B=${B:-build}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/bmsd-it.XXXXXX")
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

die() {
	echo "FAIL: $*" >&2
	exit 1
}

# ptypair NAME: a socat pty pair $T/NAME-a <-> $T/NAME-b
ptypair() {
	socat pty,raw,echo=0,link="$T/$1-a" pty,raw,echo=0,link="$T/$1-b" 2>"$T/socat-$1.log" &
	PIDS+=($!)
	for _ in $(seq 100); do
		[ -e "$T/$1-a" ] && [ -e "$T/$1-b" ] && return 0
		sleep 0.05
	done
	die "socat pty pair $1 did not appear"
}

# ctl PATH CMD: one command on a bms-sim control socket, reply on stdout
ctl() {
	$PY - "$1" "$2" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode().strip())
PYEOF
}

# wait_sock PATH: until a control socket accepts
wait_sock() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	die "control socket $1 did not appear"
}

# jget JSON KEY
jget() {
	$PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
