#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd against bms-sim with CAN1 on an slcan pty pair: each inverter profile
# (pylon, victron, sma, and sma with big-endian numbers), switched by a
# SIGHUP reload, is captured by python-can and decoded with the test's own
# table: frame set, lengths and cycle times as documented, values as the
# pack's truth, and the shipped DBC reads every frame the same way. Then a
# discharge: the current is negative.
set -u
. "$(dirname "$0")/lib.sh"
$PY -c 'import can' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no python-can"; exit 77; }
D=$(cd "$(dirname "$0")" && pwd)
DBC=$D/../../docs/dbc

sim_start a
[ "$(ctl "$T/a/sim.sock" 'cell 2 5 3456')" = ok ] || die "cell command refused"
bmsd_config a
cp "$T/a.yaml" "$T/a.base.yaml"
ptypair can1

# can1 PROFILE [YAML LINES...]: the config with this can1 section
can1() {
	local p=$1
	shift
	{
		cat "$T/a.base.yaml"
		printf 'can1:\n  enable: true\n  interface: slcan:%s\n  profile: %s\n' "$T/can1-a" "$p"
		for l in "$@"; do printf '  %s\n' "$l"; done
	} >"$T/a.yaml"
}

# truth: the pack at rest, from bms-sim (every cell at the OCV but the forced one)
truth() {
	$PY - "$(ctl "$T/a/sim.sock" status)" >"$T/truth.json" <<'PYEOF'
import json, sys
s = json.loads(sys.argv[1])
n = 4 * 16
t = {"pack_mV": (n - 1) * s["cell_min_mV"] + s["cell_max_mV"], "cell_min_mV": s["cell_min_mV"],
     "cell_max_mV": s["cell_max_mV"], "cell_max_at": "B2C5", "temp_dC": s["temp_dC"],
     "current_mA": s["current_mA"], "soc_pct": s["soc_pct"], "boards": 4,
     "relays": s["relays"], "di": s["di"], "dos": s["dos"]}
assert s["cell_max_mV"] == 3456, s
print(json.dumps(t))
PYEOF
}


# capture SECONDS: python-can on the peer end into $T/cap.json; frames from
# before it opened (left in the pty) are cut off by $FROM
capture() {
	rm -f "$T/ready"
	$PY "$D/can_capture.py" "$T/can1-b" "$1" "$T/cap.json" --ready "$T/ready" &
	local pid=$!
	for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
	[ -e "$T/ready" ] || die "python-can did not open $T/can1-b"
	FROM=$($PY -c "import time; print(time.monotonic() + 0.3)")
	wait $pid || die "capture failed"
}

reloads=0
reload() {
	reloads=$((reloads + 1))
	kill -HUP $BMSD
	for _ in $(seq 50); do
		[ "$(grep -c 'reloaded' "$T/a/bmsd.log")" -ge $reloads ] && return 0
		sleep 0.1
	done
	die "reload $reloads not applied: $(tail -n 3 "$T/a/bmsd.log")"
}

run() { # NAME SECONDS CHECK-ARGS...
	local name=$1 secs=$2
	shift 2
	capture "$secs"
	truth
	echo "--- $name"
	$PY "$D/can_check.py" profile "$@" "$T/cap.json" "$T/truth.json" --from "$FROM" ||
		die "$name: frames do not match"
}

can1 pylon
bmsd_start a
until_json "st a" pack.cells_valid 64 100 || die "no pack: $J"
run pylon 5 pylon --dbc "$DBC/bmsd-pylon.dbc"

can1 victron 'manufacturer: ACME' 'product: "Cabinet 48V"'
reload
run victron 5 victron --manufacturer ACME --product "Cabinet 48V" --dbc "$DBC/bmsd-victron.dbc"

can1 sma
reload
run sma 2.5 sma --dbc "$DBC/bmsd-sma.dbc"

can1 sma 'byte_order: big'
reload
run sma-big-endian 2.5 sma --big

# a discharge: negative current (relay 1, the discharge contactor, is closed)
[ "$(ctl "$T/a/sim.sock" 'current -20000')" = ok ] || die "current command refused"
for _ in $(seq 100); do
	[ "$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["current_mA"])' \
		"$(ctl "$T/a/sim.sock" status)")" -lt -19000 ] && break
	sleep 0.1
done
sleep 0.5
capture 1.5
truth
$PY "$D/can_check.py" profile sma "$T/cap.json" "$T/truth.json" --from "$FROM" --big \
	--current-only || die "discharge current"
[ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["current_mA"])' "$T/truth.json")" -lt 0 ] ||
	die "the pack did not discharge: $(ctl "$T/a/sim.sock" status) $(st a)"

J=$($B/bin/bmsctl -s "$T/a/bmsd.sock" --json can stats) || die "bmsctl can stats failed"
echo "stats: $J"
[ "$(jpath "$J" can1.profile)" = sma ] || die "stats: profile"
[ "$(jpath "$J" can1.send_errors)" = 0 ] || die "stats: send errors"
[ "$(jpath "$J" can1.keepalive.state)" = off ] || die "stats: keep-alive watched"
[ "$(jpath "$J" can2.state)" = disabled ] || die "stats: can2"
echo "can_profiles: pylon, victron, sma (little and big endian) match the pack and their DBC files"
