#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DBC files of docs/dbc: the committed files are what the generator
# writes; a strict reader of the test's own parses them and decodes the
# protocols' documented sample frames; and a python-can tap between bmsd and
# bms-sim records their conversation, which the bridge DBC decodes into the
# pack's truth: the configuration push with its CRC, the heartbeat and relay
# commands, cells, temperatures, current and cycle ends.
set -u
. "$(dirname "$0")/lib.sh"
$PY -c 'import can' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no python-can"; exit 77; }
D=$(cd "$(dirname "$0")" && pwd)
DBC=$D/../../docs/dbc

$PY "$D/can_dbcgen.py" --check "$DBC" ||
	die "docs/dbc differs from tests/integration/can_dbcgen.py's output"

mkdir -p "$T/a"
ptypair tapa # bmsd <-> tap
ptypair tapb # tap <-> bms-sim
"${RT[@]}" $B/bin/bms-sim --link slcan:"$T/tapb-b" --profile main-2r --boards 4 --cells 16 --temps 4 \
	--control "$T/a/sim.sock" 2>"$T/a/sim.log" &
PIDS+=($!)
wait_sock "$T/a/sim.sock"
[ "$(ctl "$T/a/sim.sock" 'cell 2 5 3456')" = ok ] || die "cell command refused"

rm -f "$T/ready"
$PY "$D/can_tap.py" "$T/tapa-b" "$T/tapb-a" 8 "$T/cap.json" --ready "$T/ready" &
tap=$!
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
[ -e "$T/ready" ] || die "the tap did not open"
bmsd_config a -e "s#slcan:$T/a/bridge#slcan:$T/tapa-a#"
bmsd_start a

# the truth while the contactors are closed, before the tap ends
for _ in $(seq 60); do
	s=$(ctl "$T/a/sim.sock" status)
	[ "$(jget "$s" relays)" = 7 ] && break
	sleep 0.1
done
[ "$(jget "$s" relays)" = 7 ] || die "the contactors did not close through the tap: $s"
sleep 0.5
$PY - "$(ctl "$T/a/sim.sock" status)" >"$T/truth.json" <<'PYEOF'
import json, sys
s = json.loads(sys.argv[1])
print(json.dumps({"boards": 4, "hw": 1, "forced_board": 2, "forced_cell": 5, "forced_mV": s["cell_max_mV"],
                  "cell_min_mV": s["cell_min_mV"], "temp_dC": s["temp_dC"],
                  "current_mA": s["current_mA"], "relays": s["relays"]}))
PYEOF
wait $tap || die "the tap failed"
$PY "$D/can_dbc_check.py" "$DBC" "$T/cap.json" "$T/truth.json" || die "DBC check"
echo "can_dbc: 5 DBC files parse strictly and decode documented frames and a live bridge conversation"
