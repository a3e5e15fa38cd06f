#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The inverter's keep-alive (0x305) on CAN1: python-can plays the inverter,
# sends it for a while and stops; `bmsctl can stats --json` and the event
# log show it alive, then lost, then back. The period override holds. Then
# the CAN1 tty goes away and comes back: bmsd reopens it and sends current
# values, and a reload that turns the watch off shows it off.
set -u
. "$(dirname "$0")/lib.sh"
$PY -c 'import can' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no python-can"; exit 77; }
D=$(cd "$(dirname "$0")" && pwd)

sim_start a
[ "$(ctl "$T/a/sim.sock" 'cell 2 5 3456')" = ok ] || die "cell command refused"
bmsd_config a
cp "$T/a.yaml" "$T/a.base.yaml"
ptypair can1
sock1=${PIDS[$((${#PIDS[@]} - 1))]}
conf() { # WATCH
	{
		cat "$T/a.base.yaml"
		printf 'can1:\n  enable: true\n  interface: slcan:%s\n  profile: pylon\n' "$T/can1-a"
		printf '  period_ms: 500\n  keepalive_watch: %s\n  keepalive_timeout_ms: 1000\n' "$1"
	} >"$T/a.yaml"
}
conf true
bmsd_start a
stats() { $B/bin/bmsctl -s "$T/a/bmsd.sock" --json can stats; }
# ka PATH VALUE [TENTHS]
ka() { until_json stats "$1" "$2" "${3:-50}"; }

ka can1.keepalive.watch true 10 || die "keep-alive not watched: $J"
# nobody speaks: lost one timeout after the start
ka can1.keepalive.state lost 30 || die "keep-alive not lost without an inverter: $J"
[ "$(jpath "$J" can1.keepalive.seen)" = false ] || die "seen without a frame: $J"
until_json "st a" pack.cells_valid 64 100 || die "no pack: $J"

# the inverter speaks for 2.5 s, then stops; capture meanwhile
rm -f "$T/ready"
$PY "$D/can_capture.py" "$T/can1-b" 5 "$T/cap.json" --ready "$T/ready" --keepalive 0:2.5 &
cap=$!
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
FROM=$($PY -c "import time; print(time.monotonic() + 0.3)")
ka can1.keepalive.state alive 20 || die "keep-alive not seen: $J"
echo "alive: $J"
[ "$(jpath "$J" can1.keepalive.seen)" = true ] || die "not marked seen: $J"
[ "$(jpath "$J" can1.keepalive.frames)" -ge 1 ] || die "no keep-alive counted: $J"
[ "$(jpath "$J" can1.keepalive.last_ms_ago)" -le 1000 ] || die "last keep-alive too old: $J"
ka can1.keepalive.state lost 40 || die "keep-alive loss not seen: $J"
echo "lost: $J"
[ "$(jpath "$J" can1.keepalive.losses)" -ge 2 ] || die "losses not counted: $J"
[ "$(jpath "$J" can1.keepalive.last_ms_ago)" -gt 1000 ] || die "lost within the timeout: $J"
wait $cap || die "capture failed"
sent=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["keepalives_sent"])' "$T/cap.json")
got=$(jpath "$J" can1.keepalive.frames)
[ "$got" = "$sent" ] || die "python-can sent $sent keep-alives, bmsd counted $got"

# the frames kept the overridden cycle time while the inverter came and went
$PY - "$(ctl "$T/a/sim.sock" status)" >"$T/truth.json" <<'PYEOF'
import json, sys
s = json.loads(sys.argv[1])
print(json.dumps({"pack_mV": 63 * s["cell_min_mV"] + s["cell_max_mV"], "cell_min_mV": s["cell_min_mV"],
                  "cell_max_mV": s["cell_max_mV"], "cell_max_at": "B2C5", "temp_dC": s["temp_dC"],
                  "current_mA": s["current_mA"], "soc_pct": s["soc_pct"], "boards": 4}))
PYEOF
$PY "$D/can_check.py" profile pylon "$T/cap.json" "$T/truth.json" --from "$FROM" --period 500 ||
	die "frames during the keep-alive test"

ev=$($B/bin/bmsctl events -d "$T/a/state") || die "bmsctl events failed"
echo "$ev" | grep -q "keep-alive 0x305 is lost: none for 1000 ms (never seen)" ||
	die "no loss event at the start: $ev"
echo "$ev" | grep -q "keep-alive 0x305 is back" || die "no return event: $ev"
[ "$(echo "$ev" | grep -c "keep-alive 0x305 is lost")" -ge 2 ] || die "no second loss event: $ev"
echo "$ev" | grep "keep-alive" | sed 's/^/event: /'

# the tty goes away: bmsd closes CAN1 and retries; it comes back: frames flow
kill "$sock1"
until_json stats can1.open false 50 || die "CAN1 not closed when its tty went away: $J"
echo "closed: $(jpath "$J" can1.last_error)"
sleep 1.5
ptypair can1
until_json stats can1.opens 2 50 || die "CAN1 not reopened: $J"
$PY "$D/can_capture.py" "$T/can1-b" 2.5 "$T/cap2.json"
n=$($PY -c 'import json,sys; print(len([f for f in json.load(open(sys.argv[1]))["frames"] if f[1] == 0x356]))' "$T/cap2.json")
[ "$n" -ge 3 ] || die "after the reopen: $n frames 0x356 in 2.5 s"
ev=$($B/bin/bmsctl events -d "$T/a/state")
echo "$ev" | grep -q "CAN1 slcan:$T/can1-a open again" || die "no reopen event: $ev"

# a reload that turns the watch off
conf false
kill -HUP $BMSD
ka can1.keepalive.state off 50 || die "watch still on after the reload: $J"
[ "$(jpath "$J" can1.keepalive.watch)" = false ] || die "watch: $J"
txt=$($B/bin/bmsctl -s "$T/a/bmsd.sock" can stats) || die "bmsctl can stats failed"
echo "$txt"
echo "$txt" | grep -q '^can1: *pylon profile, every 500 ms' || die "text stats: $txt"
echo "$txt" | grep -q 'keep-alive 0x305 not watched' || die "text stats: $txt"
echo "$txt" | grep -q '^can2: *disabled' || die "text stats: $txt"
echo "can_keepalive: lost at start, alive, lost, back; $sent keep-alives counted; CAN1 reopened"
