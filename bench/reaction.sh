#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reaction time: from the received frame that carries a limit crossing to
# the relay-open command sent, less the protection's configured set delay.
# bmsd stamps the receive time of each burst of frames and the moment it
# commands the relays open for a critical protection; this bench trips the
# cell over-voltage protection (critical, open-all) N times against bms-sim
# over slcan on a pty, with set delays of 0 and 100 ms, and prints p50 and
# p99 (target p99 <= 1 ms beyond the delay).
set -eu
B=${B:-build}
N=${N:-30}
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/bmsd-react.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

req() { # SOCKET LINE: one request, the reply's payload
	$PY - "$1" "$2" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
    lines = buf.decode().split("\n")
    if any(l == "." or l.startswith("!") or l in ("ok",) or l.startswith("{") or
           l.startswith("error") for l in lines[:-1]):
        break
print(buf.decode().split("\n")[0])
PYEOF
}

run() { # DELAY_MS
	local d=$1 n=$T/$1
	mkdir -p "$n/state"
	sed -e "s#/tmp/bmsd-demo#$n#g" -e '/^soc:/,$d' etc/bmsd-demo.yaml >"$n/bmsd.yaml"
	cat >>"$n/bmsd.yaml" <<EOF
protections:
  cell_over_voltage: {set_delay_ms: $d, clear_delay_ms: 0, tier: critical, action: open-all}
soc:
  state_file: $n/state/soc
EOF
	socat pty,raw,echo=0,link="$n/bridge" pty,raw,echo=0,link="$n/bridge-peer" 2>/dev/null &
	pids+=($!)
	for _ in $(seq 100); do [ -e "$n/bridge" ] && [ -e "$n/bridge-peer" ] && break; sleep 0.05; done
	"$B/bin/bms-sim" --link slcan:"$n/bridge-peer" --profile main-2r --boards 4 --cells 16 \
		--temps 4 --feedback 1=1 --feedback 2=3 --control "$n/sim.sock" 2>/dev/null &
	pids+=($!)
	for _ in $(seq 100); do [ -S "$n/sim.sock" ] && break; sleep 0.05; done
	"$B/bin/bmsd" -c "$n/bmsd.yaml" 2>"$n/bmsd.log" &
	pids+=($!)
	for _ in $(seq 100); do [ -S "$n/bmsd.sock" ] && break; sleep 0.05; done
	for i in $(seq "$N"); do
		for _ in $(seq 100); do
			[ "$(req "$n/sim.sock" fw | $PY -c 'import json,sys; print(json.load(sys.stdin)["relays"])')" = 7 ] && break
			sleep 0.05
		done
		req "$n/sim.sock" "cell 1 1 3680" >/dev/null
		for _ in $(seq 100); do
			[ "$(req "$n/sim.sock" fw | $PY -c 'import json,sys; print(json.load(sys.stdin)["relays"])')" = 0 ] && break
			sleep 0.02
		done
		req "$n/sim.sock" "cell 1 1 auto" >/dev/null
		sleep 0.3
		req "$n/bmsd.sock" "reset-faults" >/dev/null
	done
	req "$n/bmsd.sock" "reactions json" | $PY -c '
import json, sys
r = json.load(sys.stdin)
v = sorted(r["us"])
if not v:
    print("reaction: no opening measured", file=sys.stderr)
    sys.exit(1)
p = lambda q: v[min(len(v) - 1, int(len(v) * q))]
print("reaction, set delay %s ms: p50 %d us, p99 %d us, max %d us beyond the delay "
      "(%d critical openings, frame received -> relay-open command sent, slcan on a pty)"
      % (sys.argv[1], p(0.5), p(0.99), v[-1], len(v)))' "$d"
}

run 0
run 100
