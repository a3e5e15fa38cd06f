#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# slcan_pythoncan.sh: canio's slcan backend against python-can, over a socat
# pty pair. canio-echo serves one end; slcan_peer.py (python-can's slcan bus)
# drives the other and checks every echo. Run from the repository root.
# Exit: 0 pass, 1 fail, 77 skip (no python-can for /usr/bin/python3).
set -u
B=${B:-build}
PY=/usr/bin/python3
N=500
here=$(cd "$(dirname "$0")" && pwd)
name=slcan_pythoncan

if ! "$PY" -c 'import can' 2>/dev/null; then
	echo "$name: SKIP: $PY has no python-can"
	exit 77
fi
fail() {
	echo "$name: FAIL: $*"
	for f in "$D"/*.log; do
		[ -s "$f" ] && sed "s|^|  [$(basename "$f")] |" "$f"
	done
	exit 1
}
command -v socat >/dev/null || { echo "$name: FAIL: socat not found"; exit 1; }
[ -x "$B/bin/canio-echo" ] || { echo "$name: FAIL: $B/bin/canio-echo not built"; exit 1; }

D=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

socat -d -d pty,raw,echo=0,link="$D/a" pty,raw,echo=0,link="$D/b" 2>"$D/socat.log" &
pids+=($!)
for _ in $(seq 200); do
	[ -e "$D/a" ] && [ -e "$D/b" ] && break
	sleep 0.05
done
[ -e "$D/a" ] && [ -e "$D/b" ] || fail "socat did not create the pty pair"

"$B/bin/canio-echo" "slcan:$D/a" --count "$N" --timeout-ms 20000 --bitrate 1000000 \
	>"$D/echo.log" 2>&1 &
echo_pid=$!
pids+=($echo_pid)

timeout 120 "$PY" "$here/slcan_peer.py" "$D/b" "$N" >"$D/peer.log" 2>&1
prc=$?
[ "$prc" -eq 0 ] || fail "slcan_peer.py exited $prc"
wait "$echo_pid"
erc=$?
[ "$erc" -eq 0 ] || fail "canio-echo exited $erc"
grep -q "echoed $N " "$D/echo.log" || fail "canio-echo did not echo $N frames"
grep -q "tx_dropped 0 rx_malformed 0" "$D/echo.log" || fail "canio-echo dropped or rejected input"
echo "$name: $N frames echoed OK"
exit 0
