#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection between bmsd and bms-sim over slcan on a pty:
#  - the MCU goes silent (SIGSTOP): comm fault, outputs open; it resumes:
#    the configuration is verified again and the pack runs again;
#  - bms-sim is killed: comm fault;
#  - bmsd is killed: bms-sim's safety floor opens the contactors within the
#    heartbeat timeout.
set -u
. "$(dirname "$0")/lib.sh"
HB_MS=500 # etc/bmsd-demo.yaml: safety_floor.heartbeat_timeout_ms

now_ms() { echo $(($(date +%s%N) / 1000000)); }

sim_start a
bmsd_config a
bmsd_start a
until_json "st a" state running 100 || die "bmsd not running: $J"

# 1. the MCU goes silent
kill -STOP $SIM
t0=$(now_ms)
until_json "st a" link.comm_fault true 30 || die "no comm fault while the MCU is silent: $J"
t1=$(now_ms)
[ "$(jpath "$J" state)" = no-link ] || die "state during link loss: $J"
for r in 0 1 2 3; do
	[ "$(jpath "$J" relays.$r.closed)" = false ] || die "relay $((r + 1)) still commanded closed: $J"
done
echo "comm fault seen $((t1 - t0)) ms after the MCU stopped (stale_ms 300, polled every 100 ms)"
kill -CONT $SIM
# bmsd stopped its heartbeat during the loss, so the floor trips once the
# MCU runs again; the trip stays latched until a fault reset
until_json "st a" mcu.safety tripped 50 || die "the floor did not trip on the heartbeat gap: $J"
until_json "st a" link.verified true 50 || die "configuration not verified again: $J"
[ "$(jpath "$J" link.cfg_verified)" -ge 2 ] || die "configuration not verified again: $J"
[ "$(jpath "$J" mcu.trip)" = 1 ] || die "trip reason is not the heartbeat: $J"
[ "$(jpath "$J" state)" = fault ] || die "a latched trip must be a fault: $J"
$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults failed"
until_json "st a" state running 50 || die "no recovery after the fault reset: $J"
for _ in $(seq 50); do
	fw=$(ctl "$T/a/sim.sock" fw)
	[ "$(jget "$fw" safety)" = armed ] && [ "$(jget "$fw" relays)" = 7 ] && break
	sleep 0.1
done
[ "$(jget "$fw" relays)" = 7 ] || die "contactors not closed again: $fw"
echo "recovered: verified $(jpath "$J" link.cfg_verified) times, relays closed"

# 2. bmsd is killed: the floor opens the contactors
kill -9 $BMSD
wait $BMSD 2>/dev/null
for _ in $(seq 300); do
	fw=$(ctl "$T/a/sim.sock" fw)
	[ "$(jget "$fw" relays)" = 0 ] && break
	sleep 0.01
done
[ "$(jget "$fw" safety)" = tripped ] || die "floor did not trip after bmsd was killed: $fw"
[ "$(jget "$fw" contacts)" = 0 ] || die "contacts still closed: $fw"
age=$(jget "$fw" trip_hb_age_ms)
[ "$age" -ge $HB_MS ] && [ "$age" -le $((HB_MS + 2)) ] ||
	die "relays opened $age ms after the last heartbeat (timeout $HB_MS ms)"
echo "bmsd killed: the floor opened the contactors $age ms after the last heartbeat"

# 3. a new bmsd re-arms after a fault reset; then bms-sim is killed
bmsd_start a
until_json "st a" link.verified true 100 || die "second bmsd not verified: $J"
[ "$(jpath "$J" state)" = fault ] || die "a tripped floor must show as a fault: $J"
$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults failed"
until_json "st a" state running 50 || die "not running after the fault reset: $J"
kill -9 $SIM
wait $SIM 2>/dev/null
until_json "st a" link.comm_fault true 30 || die "no comm fault after bms-sim was killed: $J"
ev=$($B/bin/bmsctl events -d "$T/a/state")
echo "$ev" | grep -q "MCU link lost" || die "comm fault not in the event log: $ev"
echo "$ev" | grep -q "fault reset" || die "fault reset not in the event log"
echo "bmsd_faults: comm fault, recovery, floor on bmsd kill, reset, sim kill"
