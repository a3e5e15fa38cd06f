#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A protection trip over SocketCAN: one cell forced above the safety floor's
# cell_high_mV (3800 mV in the demo config) through bms-sim's control
# socket. The MCU opens every relay by itself, bmsd shows the trip as a
# fault and commands the contactors open; once the cell is back in range, a
# fault reset closes them again.
set -u
. "$(dirname "$0")/lib.sh"

vm_sim_start a $VM_BUS
vm_bmsd_config a $VM_BUS
grep -q 'cell_high_mV: 3800' "$T/a.yaml" || die "the demo config has no cell_high_mV: 3800"
bmsd_start a
wait_running a
step "running, contactors closed"

simj a "cell 1 1 3900" && [ "$R" = ok ] || die "bms-sim refused 'cell 1 1 3900'"
step "cell 1/1 forced to 3900 mV"
for _ in $(seq 100); do
	simj a status
	sim=$R
	[ "$(jpath "$sim" relays)" = 0 ] && break
	nap 0.1
done
jvars "$sim" relays=relays contacts=contacts cmax=cell_max_mV
[ "$relays" = 0 ] || die "the relays did not open: $sim"
[ "$contacts" = 0 ] || die "contacts still closed: $sim"
[ "$cmax" = 3900 ] || die "the sim does not show the forced cell: $sim"
simj a fw
fw=$R
jvars "$fw" safety=safety trip=trip
[ "$safety" = tripped ] || die "the floor did not trip: $fw"
[ $((trip & 2)) = 2 ] || die "the trip reason is not cell high: $fw"
step "the MCU opened every relay (trip $trip)"

until_json "st a" mcu.safety tripped 100 || die "bmsd does not show the trip: $J"
until_json "st a" state fault 50 || die "bmsd is not in fault: $J"
jvars "$J" faults=faults trip=mcu.trip cmax=pack.cell_max_mV
case $faults in *mcu-trip*) ;; *) die "faults lack mcu-trip: $J" ;; esac
[ $((trip & 2)) = 2 ] || die "bmsd shows trip $trip, not cell high: $J"
for r in 0 1 2 3; do
	[ "$(jpath "$J" relays.$r.closed)" = false ] || die "relay $((r + 1)) still commanded closed: $J"
done
txt=$($B/bin/bmsctl -s "$T/a/bmsd.sock" status) || die "bmsctl status failed"
echo "bmsd: faults $faults, cell max $cmax mV"
echo "$txt" | grep -i 'fault' | head -n 3

# a reset while the cell is still high must not close anything
$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults failed"
nap 1
simj a status
[ "$(jpath "$R" relays)" = 0 ] || die "relays closed while the cell is still high"

simj a "cell 1 1 auto" && [ "$R" = ok ] || die "bms-sim refused 'cell 1 1 auto'"
nap 0.5
$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults failed"
until_json "st a" state running 100 || {
	# the first reset may have come before the bridge's next cell reading
	$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null
	until_json "st a" state running 100
} || die "no recovery after the cell came back and the faults were reset: $J"
sim_relays a 7 || die "contactors not closed again: $fw"
ev=$($B/bin/bmsctl events -d "$T/a/state") || die "bmsctl events failed"
echo "$ev" | grep -qi "trip" || die "the trip is not in the event log: $ev"
echo "protection_trip: cell 3900 mV > 3800 mV: the MCU opened every relay (trip $trip), bmsd showed mcu-trip; recovered after reset"
