#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Accelerated pack time: at 100x, a 100 A charge moves the pack's SOC and
# the MCU's integrated charge in step with pack time, and the charge that
# the bridge stream reports matches the simulator's truth.
set -u
. "$(dirname "$0")/lib.sh"

ptypair can
"${RT[@]}" $B/bin/bms-sim --link slcan:"$T/can-a" --scale 100 --soc 20 --current-mA 100000 \
	--control "$T/ctl" 2>"$T/sim.log" &
PIDS+=($!)
wait_sock "$T/ctl"
# relays 1..3: the default roles need 2 and 3 to charge, 1 to discharge
$B/bin/bpdump --link slcan:"$T/can-b" --arm --relays 0x7 --json -i 500 >"$T/dump.log" 2>&1 &
PIDS+=($!)
sleep 5
[ "$(ctl "$T/ctl" 'current 0')" = ok ] || die "current command refused"
sleep 1.2
status=$(ctl "$T/ctl" status)
last=$(tail -n 1 "$T/dump.log")
echo "truth:  $status"
echo "stream: $last"
$PY - "$status" "$last" <<'PYEOF' || exit 1
import json, sys
truth, stream = json.loads(sys.argv[1]), json.loads(sys.argv[2])
t_s, soc = truth["t_s"], truth["soc_pct"]
true_in = truth["charge_in_mAs"]
seen_in = stream["in_mAs"] - stream["out_mAs"]
fails = []
if t_s < 400:
    fails.append("pack time %.1f s after ~6 wall s at 100x" % t_s)
if true_in < 2.0e7:
    fails.append("only %d mAs flowed" % true_in)
# 100 Ah cells: SOC rose by charge / capacity
expect_soc = 20 + true_in / 3.6e6 / 100 * 100
if abs(soc - expect_soc) > 0.5:
    fails.append("SOC %.2f %% vs %.2f %% from the charge" % (soc, expect_soc))
err = abs(seen_in - true_in) / true_in
if err > 0.01:
    fails.append("stream charge %d mAs vs truth %d mAs (%.2f %%)" % (seen_in, true_in, err * 100))
if fails:
    print("FAIL:", "; ".join(fails))
    sys.exit(1)
print("timescale: %.0f s of pack time, %.1f Ah in, SOC %.2f %%, stream charge within %.3f %% of truth"
      % (t_s, true_in / 3.6e6, soc, err * 100))
PYEOF
