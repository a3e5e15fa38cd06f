#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The CAN2 pack-summary feed: bmsd against bms-sim with CAN2 on an slcan pty
# pair, captured by python-can and decoded with the test's own table of
# docs/can.md: eight frames from base_id, the configured cycle time, values
# as the pack's truth, and the shipped DBC reads them alike. A reload moves
# the feed to another base_id and cycle time.
set -u
. "$(dirname "$0")/lib.sh"
$PY -c 'import can' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no python-can"; exit 77; }
D=$(cd "$(dirname "$0")" && pwd)

sim_start a
[ "$(ctl "$T/a/sim.sock" 'cell 2 5 3456')" = ok ] || die "cell command refused"
bmsd_config a
cp "$T/a.yaml" "$T/a.base.yaml"
ptypair can2
conf() { # BASE_ID PERIOD_MS
	{
		cat "$T/a.base.yaml"
		printf 'can2:\n  enable: true\n  interface: slcan:%s\n  bitrate_bps: 250000\n' "$T/can2-a"
		printf '  base_id: %s\n  period_ms: %s\n' "$1" "$2"
	} >"$T/a.yaml"
}

truth() {
	$PY - "$(ctl "$T/a/sim.sock" status)" >"$T/truth.json" <<'PYEOF'
import json, sys
s = json.loads(sys.argv[1])
print(json.dumps({"pack_mV": 63 * s["cell_min_mV"] + s["cell_max_mV"], "cell_min_mV": s["cell_min_mV"],
                  "cell_max_mV": s["cell_max_mV"], "cell_max_at": "B2C5", "temp_dC": s["temp_dC"],
                  "current_mA": s["current_mA"], "soc_pct": s["soc_pct"], "boards": 4,
                  "relays": s["contacts"], "di": s["di"], "dos": s["dos"]}))
PYEOF
}

capture() { # SECONDS
	rm -f "$T/ready"
	$PY "$D/can_capture.py" "$T/can2-b" "$1" "$T/cap.json" --ready "$T/ready" --bitrate 250000 &
	local pid=$!
	for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
	[ -e "$T/ready" ] || die "python-can did not open $T/can2-b"
	FROM=$($PY -c "import time; print(time.monotonic() + 0.3)")
	wait $pid || die "capture failed"
}

conf 1024 200
bmsd_start a
until_json "st a" pack.cells_valid 64 100 || die "no pack: $J"
for _ in $(seq 50); do
	[ "$(jget "$(ctl "$T/a/sim.sock" status)" relays)" = 7 ] && break
	sleep 0.1
done
sleep 0.3
capture 3
truth
echo "--- base 0x400, 200 ms"
$PY "$D/can_check.py" can2 "$T/cap.json" "$T/truth.json" --from "$FROM" --period 200 \
	--dbc "$D/../../docs/dbc/bmsd-can2.dbc" || die "CAN2 feed at 0x400"

conf 1280 100
kill -HUP $BMSD
wait_log "$T/a/bmsd.log" reloaded 50 || die "no reload"
sleep 0.3
capture 2.5
truth
echo "--- base 0x500, 100 ms"
$PY "$D/can_check.py" can2 "$T/cap.json" "$T/truth.json" --from "$FROM" --period 100 \
	--base 1280 || die "CAN2 feed at 0x500"

J=$($B/bin/bmsctl -s "$T/a/bmsd.sock" --json can stats) || die "bmsctl can stats failed"
[ "$(jpath "$J" can2.base_id)" = 1280 ] || die "stats: base_id: $J"
[ "$(jpath "$J" can2.period_ms)" = 100 ] || die "stats: period: $J"
[ "$(jpath "$J" can2.state)" = up ] || die "stats: state: $J"
[ "$(jpath "$J" can1.state)" = disabled ] || die "stats: can1: $J"
echo "can_feed: CAN2 at 0x400 every 200 ms and at 0x500 every 100 ms matches the pack"
