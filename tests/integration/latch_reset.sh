#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A fault reset clears only what is latched when it is asked for:
#  - an emergency stop pressed 0.6 s after an unrelated reset-faults latches,
#    and on its release the contactors stay open until the next reset;
#  - a floor trip (a cell above the MCU's hard limit): one reset after the
#    cell is back clears the MCU's trip and bmsd's safety_floor_trip with it;
#    a reset while the cell is still high clears nothing, and a second one
#    after it is back does.
set -u
. "$(dirname "$0")/lib.sh"

reset() { $B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults refused"; }

bmsd_config a
sed -i '/^soc:/,$d' "$T/a.yaml"
sed -i 's/^  debounce_ms: 20/  in3: {role: emergency-stop}\n  debounce_ms: 20/' "$T/a.yaml"
cat >>"$T/a.yaml" <<EOF
protections:
  cell_over_voltage: {set_delay_ms: 200, clear_delay_ms: 300}
soc:
  state_file: $T/a/state/soc
EOF
$B/bin/bmsd --check-config "$T/a.yaml" >/dev/null || die "config refused"
sim_start a
bmsd_start a
until_json "st a" battery.state connected 100 || die "not connected: $J"
until_relays 7 || die "contactors not closed: $(sim a status)"

# --- an emergency stop after an unrelated reset ----------------------------
reset
sleep 0.6
sim a "di 3 on" >/dev/null
until_json "st a" battery.critical '["emergency_stop"]' 30 || die "emergency stop not set: $J"
until_relays 0 10 || die "emergency stop did not open: $(sim a status)"
sleep 0.3
sim a "di 3 off" >/dev/null
until_json "st a" battery.latched '["emergency_stop"]' 30 ||
	die "emergency stop pressed 0.6 s after a reset did not latch: $J"
never_closed 3 || die "the contactors closed again by themselves after the emergency stop: $(sim a status)"
reset
until_relays 7 50 || die "no recovery after the reset: $(sim a status)"
echo "emergency stop 0.6 s after a reset: latched, held open, cleared by the next reset"

# --- a floor trip, cleared by one reset once its cause is gone --------------
sim a "cell 1 3 3750" >/dev/null
until_json "st a" mcu.safety tripped 30 || die "the floor did not trip: $J"
until_relays 0 10 || die "relays not open on the trip"
sim a "cell 1 3 auto" >/dev/null
sleep 1
reset
until_json "st a" mcu.safety armed 30 || die "the MCU did not clear its trip: $J"
until_relays 7 50 || die "one reset after the cause was gone did not recover: $(st a)"
echo "floor trip: one reset after its cause was gone cleared the MCU and bmsd"

# --- a floor trip whose cause is still there: a second reset ----------------
sim a "cell 1 3 3750" >/dev/null
until_json "st a" mcu.safety tripped 30 || die "the floor did not trip again: $J"
sleep 0.5
reset
sleep 1
J=$(st a)
[ "$(jpath "$J" mcu.safety)" = tripped ] || die "a trip whose cause is present was cleared: $J"
sim a "cell 1 3 auto" >/dev/null
never_closed 2 || die "closed after the cause went, without a second reset: $(sim a status)"
reset
until_relays 7 50 || die "the second reset did not recover: $(st a)"
echo "floor trip with its cause present: the first reset cleared nothing, the second did"
echo "latch_reset pass"
