#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The inverter's keep-alive feeds the external_offline protection: python-can
# plays the inverter on CAN1 (slcan on a pty) for a while and then stops.
# While it speaks the protection is clear and the contactors closed; once
# its keep-alive is lost past the timeout the protection sets (an event),
# the contactors open, and CAN1's limits go to zero (Pylon has no alarm bit
# for a silent inverter: docs/can.md).
set -u
. "$(dirname "$0")/lib.sh"
$PY -c 'import can' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no python-can"; exit 77; }
D=$(cd "$(dirname "$0")" && pwd)

sim_start a
bmsd_config a
ptypair can1
cat >>"$T/a.yaml" <<EOF
can1:
  enable: true
  interface: slcan:$T/can1-a
  profile: pylon
  period_ms: 200
  keepalive_watch: true
  keepalive_timeout_ms: 1000
protections:
  external_offline: {enable: true, clear_delay_ms: 0, tier: alarm, action: open-all}
EOF
$B/bin/bmsd --check-config "$T/a.yaml" >/dev/null || die "config refused"

# the inverter speaks from the start for 4 s, then stops; capture 8 s
$PY "$D/can_capture.py" "$T/can1-b" 8 "$T/cap.json" --ready "$T/ready" --keepalive 0:4 &
cap=$!
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
bmsd_start a
until_json "st a" battery.state connected 100 || die "not connected while the inverter speaks: $J"
[ "$(jpath "$J" battery.alarm)" = "[]" ] || die "an alarm while the inverter speaks: $J"
until_json "st a" battery.alarm '["external_offline"]' 80 ||
	die "keep-alive loss did not raise external_offline: $J"
until_json "st a" relays.0.closed false 30 || die "contactors stay closed: $J"
$B/bin/bmsctl events -d "$T/a/state" | grep -q "protection external_offline set" ||
	die "external_offline not in the event log"
wait $cap || die "capture failed"
# 0x351 (CVL, CCL, DCL: little-endian 0.1 V, 0.1 A, 0.1 A): current limits
# while the inverter spoke, zero at the end
$PY - "$T/cap.json" <<'PYEOF' || die "CAN1 limits do not follow the protection"
import json, sys
f = [bytes.fromhex(x[4]) for x in json.load(open(sys.argv[1]))["frames"] if x[1] == 0x351]
lim = [(int.from_bytes(d[2:4], "little"), int.from_bytes(d[4:6], "little")) for d in f]
print("0x351 CCL/DCL (0.1 A) over the capture:", lim)
sys.exit(0 if lim and any(c or d for c, d in lim) and lim[-1] == (0, 0) else 1)
PYEOF
echo "can_offline: keep-alive lost -> external_offline set, contactors open, CAN1 limits 0"
