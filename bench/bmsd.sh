#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd against bms-sim over slcan on a pty, full pack (32 x 24 x 8): the
# bridge stream at its full rate. Prints
#  - start to READY=1 (MCU link excluded: READY does not wait for it);
#  - instructions per received frame in the whole receive path (slcan
#    parsing, decode, link, pack model), callgrind;
#  - resident memory after 10 s;
#  - heap allocations in steady state: valgrind's count over a 4 s run and
#    a 12 s run; the difference is what 8 s of running allocated.
set -eu
B=${B:-build}
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/bmsd-bench.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

sed -e "s#/tmp/bmsd-demo#$T#g" -e 's/boards: 4/boards: 32/' -e 's/cells_per_board: 16/cells_per_board: 24/' \
	-e 's/temps_per_board: 4/temps_per_board: 8/' etc/bmsd-demo.yaml >"$T/bmsd.yaml"
mkdir -p "$T/state"
socat pty,raw,echo=0,link="$T/bridge" pty,raw,echo=0,link="$T/bridge-peer" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -e "$T/bridge" ] && [ -e "$T/bridge-peer" ] && break; sleep 0.05; done
"$B/bin/bms-sim" --link slcan:"$T/bridge-peer" --profile main-2r --boards 32 --cells 24 --temps 8 \
	2>/dev/null &
pids+=($!)
sleep 0.5

# start to READY=1, median of 5
$PY - "$B/bin/bmsd" "$T/bmsd.yaml" "$T/notify" <<'PYEOF'
import os, socket, subprocess, sys, time
bmsd, cfg, path = sys.argv[1:4]
runs = []
for _ in range(5):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(5)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    t0 = time.monotonic()
    p = subprocess.Popen([bmsd, "-c", cfg], env=env, stderr=subprocess.DEVNULL)
    while True:
        if b"READY=1" in s.recv(4096):
            break
    runs.append((time.monotonic() - t0) * 1000)
    p.terminate()
    p.wait()
    s.close()
runs.sort()
print("bmsd: start to READY=1 %.1f ms (median of 5, process start included; target <= 100 ms)" % runs[2])
PYEOF

# instructions per frame in the receive path
out="$T/cg"
valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=on_mcu \
	"$B/bin/bmsd" -c "$T/bmsd.yaml" 2>/dev/null &
vg=$!
sleep 8
frames=$("$B/bin/bmsctl" -s "$T/bmsd.sock" --json status |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["link"]["frames"])')
kill -TERM $vg
wait $vg || true
total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
awk -v t="$total" -v n="$frames" 'BEGIN {
	if (!n || !t) { print "bmsd: receive path could not be measured" > "/dev/stderr"; exit 1 }
	printf "bmsd: %.0f instructions per received frame, whole receive path over slcan " \
	       "(%d frames under callgrind; target <= 1,500)\n", t / n, n }'

# resident memory
"$B/bin/bmsd" -c "$T/bmsd.yaml" 2>/dev/null &
p=$!
sleep 10
rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$p/status)
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$p/status)
frames=$("$B/bin/bmsctl" -s "$T/bmsd.sock" --json status |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["link"]["frames"])')
kill -TERM $p
wait $p || true
echo "bmsd: resident memory ${rss} KiB (peak ${hwm} KiB) after 10 s and $frames frames (target <= 8 MiB)"

# heap allocations in steady state, as under systemd: notifications and the
# watchdog on
$PY tests/integration/notify_capture.py "$T/notify2" "$T/notify2.log" &
pids+=($!)
sleep 0.3
export NOTIFY_SOCKET="$T/notify2" WATCHDOG_USEC=2000000
allocs() {
	valgrind --tool=memcheck "$B/bin/bmsd" -c "$T/bmsd.yaml" 2>"$T/vg.log" >/dev/null &
	local v=$!
	sleep "$1"
	kill -TERM $v
	wait $v || true
	sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$T/vg.log" | tr -d ,
}
a4=$(allocs 4)
a12=$(allocs 12)
echo "bmsd: heap allocations in steady state: $((a12 - a4)) in 8 s ($a4 allocations in a 4 s run, $a12 in a 12 s run; target 0)"
