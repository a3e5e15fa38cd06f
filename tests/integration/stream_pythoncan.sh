#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bms-sim streams over slcan on a pty; python-can, an independent reader,
# checks frame rates, counters, cycle consistency and values against the
# simulator's truth for a known scenario.
set -u
. "$(dirname "$0")/lib.sh"
$PY -c 'import can' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no python-can"; exit 77; }

ptypair can
"${RT[@]}" $B/bin/bms-sim --link slcan:"$T/can-a" --boards 2 --cells 12 --temps 3 --soc 50 \
	--control "$T/ctl" 2>"$T/sim.log" &
PIDS+=($!)
wait_sock "$T/ctl"
[ "$(ctl "$T/ctl" 'cell 2 5 3456')" = ok ] || die "cell command refused"
[ "$(ctl "$T/ctl" 'temp 1 2 412')" = ok ] || die "temp command refused"
[ "$(ctl "$T/ctl" 'ntc 2 open')" = ok ] || die "ntc command refused"
status=$(ctl "$T/ctl" status)
echo "truth: $status"
cell=$($PY -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["cell_min_mV"])' "$status")
truth="{\"boards\":2,\"cells\":12,\"temps\":3,\"forced_cell\":[2,5,3456],\"forced_temp\":[1,2,412],\"cell_mV\":$cell,\"ambient_dC\":250}"
$PY "$(dirname "$0")/stream_check.py" "$T/can-b" 3 "$truth" || { cat "$T/sim.log"; exit 1; }
