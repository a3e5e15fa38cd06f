#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The battery logic's protections against bms-sim over slcan:
#  - a cell over its over-voltage threshold: the charge path opens (the
#    discharge contactor stays closed), the event is logged, and the path
#    closes again once the cell is back;
#  - a welded discharge contactor: an under-voltage opens it, its feedback
#    stays closed, the weld is reported, latched, and every relay opens;
#    after the repair a fault reset brings the pack back;
#  - bmsctl disconnect opens every contactor after a soft stop and holds
#    them open until bmsctl connect;
#  - a cold pack (Main 2.1, its relay 4 heats): charging is blocked, the
#    heater runs, and charging is allowed again once the pack is warm.
set -u
. "$(dirname "$0")/lib.sh"

ev() { $B/bin/bmsctl events -d "$T/$1/state"; }
closed() { [ "$(jpath "$J" relays.$(($1 - 1)).closed)" = true ]; }
# until_has NAME PATH ITEM [TENTHS]: until the list at PATH holds ITEM
until_has() {
	for _ in $(seq "${4:-50}"); do
		J=$(st "$1") && jpath "$J" "$2" | grep -q "\"$3\"" && return 0
		sleep 0.1
	done
	return 1
}

tune() {
	sed -i '/^soc:/,$d' "$T/$1.yaml"
	cat >>"$T/$1.yaml" <<EOF
protections:
  cell_over_voltage: {set_delay_ms: 200, clear_delay_ms: 500}
  cell_under_voltage: {set_delay_ms: 200, clear_delay_ms: 500}
  charge_under_temperature: {set_delay_ms: 200, clear_delay_ms: 300}
contactors:
  soft_stop_timeout_ms: 300
soc:
  state_file: $T/$1/state/soc
$2
EOF
	$B/bin/bmsd --check-config "$T/$1.yaml" >/dev/null || die "tuned config refused"
}

# --- cell over-voltage -------------------------------------------------
bmsd_config a
tune a ""
sim_start a
bmsd_start a
until_json "st a" battery.state connected 100 || die "not connected: $J"
# the first closing after start counts too
until_json "st a" battery.counters.contactor_cycles.0 1 20 || die "closing not counted: $J"
sim a "cell 1 3 3660" >/dev/null
until_json "st a" relays.2.closed false 50 || die "charge contactor stays closed: $J"
closed 2 && die "allow-charging stays closed: $J"
closed 1 || die "the discharge contactor opened too: $J"
[ "$(jpath "$J" battery.ccl_mA)" = 0 ] || die "CCL not 0: $J"
until_json "st a" battery.critical '["cell_over_voltage"]' 20 || die "not critical: $J"
ev a | grep -q "protection cell_over_voltage set: 3660 mV" || die "no event: $(ev a)"
sim a "cell 1 3 auto" >/dev/null
until_json "st a" relays.2.closed true 50 || die "charge path not closed again: $J"
ev a | grep -q "protection cell_over_voltage cleared" || die "no clear event"
echo "cell over-voltage: charge path opened, logged, closed again after it cleared"

# --- a welded contactor ------------------------------------------------
sim a "relay 1 welded" >/dev/null
sim a "cell 2 5 2790" >/dev/null
until_has a battery.critical contactor_welded || die "weld not reported: $J"
for r in 1 2 3 4; do closed $r && die "relay $r still commanded closed: $J"; done
ev a | grep -q "welded: relay 1" || die "weld not in the event log: $(ev a)"
[ "$(jget "$(sim a status)" contacts)" = 1 ] || die "the simulated weld did not hold"
sim a "relay 1 ok" >/dev/null
sim a "cell 2 5 auto" >/dev/null
sleep 0.5
until_has a battery.critical contactor_welded || die "weld not held after the repair: $J"
sleep 0.5
J=$(st a)
closed 1 && die "closed again without a fault reset: $J"
$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults failed"
until_json "st a" battery.state connected 50 || die "no recovery after the reset: $J"
echo "welded contactor: detected on relay 1, latched, every relay opened, reset after repair"

# --- disconnect for maintenance, and connect again ----------------------
ctl_b() { $B/bin/bmsctl -s "$T/a/bmsd.sock" "$@"; }
ctl_b disconnect >/dev/null || die "disconnect refused"
until_json "st a" relays.0.closed false 50 || die "disconnect: contactors stay closed: $J"
until_json "st a" battery.disconnect_requested true 20 || die "disconnect not shown: $J"
for r in 1 2 3; do closed $r && die "disconnect: relay $r closed: $J"; done
sleep 0.5
closed 1 && die "closed again while disconnected"
ctl_b connect >/dev/null || die "connect refused"
until_json "st a" battery.state connected 50 || die "connect: not connected again: $J"
[ "$(ctl_b events -d "$T/a/state" | grep -c "connect requested by the control socket")" = 2 ] ||
	die "connect/disconnect not in the event log: $(ctl_b events -d "$T/a/state" | tail -5)"
echo "disconnect: soft stop, contactors open and held; connect: closed again; both logged"
kill "$BMSD" "$SIM"
wait "$BMSD" "$SIM" 2>/dev/null

# --- cold charge, heater -------------------------------------------------
mkdir -p "$T/c/state"
sed "s#/tmp/bmsd-demo#$T/c#g" "$(dirname "$0")/main-2.1.yaml" >"$T/c.yaml"
tune c "heater: {enable: true, on_dC: -50, off_dC: 50, charge_block_below_dC: 0, charge_release_dC: 20}"
sim_start c --profile main-2.1 --boards 2 --feedback 2=1 --feedback 3=3 --scale 500
bmsd_start c
until_json "st c" battery.state connected 100 || die "not connected: $J"
sim c "current 20000" >/dev/null
sim c "ambient -200" >/dev/null
until_json "st c" battery.charge_allowed false 300 || die "charging not blocked when cold: $J"
cold=$(jpath "$J" pack.temp_min_dC)
until_json "st c" battery.heater true 300 || die "heater never on: $J"
closed 4 || die "heater relay not closed: $J"
until_json "st c" battery.charge_allowed true 600 || die "charging not allowed again: $J"
closed 2 || die "allow-charging not closed when warm: $J"
warm=$(jpath "$J" pack.temp_min_dC)
ev c | grep -q "charge_under_temperature set\|charge-off" || die "cold block not logged: $(ev c)"
echo "cold charge: blocked at $cold dC, heater on, allowed again at $warm dC"
echo "protections pass: over-voltage, weld, disconnect and connect, cold charge with heater"
