#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The safety floor: a daemon stand-in (bpdump --arm) pushes a configuration
# and closes relays; when it is killed -9, bms-sim's floor must open every
# relay within the configured heartbeat timeout.
set -u
. "$(dirname "$0")/lib.sh"
HB_MS=300

ptypair can
"${RT[@]}" $B/bin/bms-sim --link slcan:"$T/can-a" --boards 2 --cells 8 --temps 2 \
	--control "$T/ctl" 2>"$T/sim.log" &
PIDS+=($!)
wait_sock "$T/ctl"
fw=$(ctl "$T/ctl" fw)
[ "$(jget "$fw" safety)" = locked ] || die "floor not locked at start: $fw"

$B/bin/bpdump --link slcan:"$T/can-b" --arm --relays 0x5 --boards 2 --cells 8 --temps 2 \
	--heartbeat-ms $HB_MS --json >"$T/dump.log" 2>&1 &
daemon=$!
PIDS+=($daemon)
for _ in $(seq 100); do
	fw=$(ctl "$T/ctl" fw)
	[ "$(jget "$fw" relays)" = 5 ] && break
	sleep 0.05
done
[ "$(jget "$fw" safety)" = armed ] || die "floor did not arm: $fw"
[ "$(jget "$fw" relays)" = 5 ] || die "relays not closed: $fw"
echo "armed: $fw"
sleep 1
[ "$(jget "$(ctl "$T/ctl" fw)" relays)" = 5 ] || die "relays dropped while the heartbeat flowed"

kill -9 $daemon
t0=$(date +%s%N)
for _ in $(seq 200); do
	fw=$(ctl "$T/ctl" fw)
	[ "$(jget "$fw" relays)" = 0 ] && break
	sleep 0.01
done
t1=$(date +%s%N)
echo "after kill: $fw"
[ "$(jget "$fw" safety)" = tripped ] || die "floor did not trip"
[ "$(jget "$fw" relays)" = 0 ] || die "relays still driven"
[ "$(jget "$fw" contacts)" = 0 ] || die "contacts still closed"
trip=$(jget "$fw" trip)
[ $((trip & 1)) = 1 ] || die "trip reason is not the heartbeat: $trip"
age=$(jget "$fw" trip_hb_age_ms)
[ "$age" -ge $HB_MS ] && [ "$age" -le $((HB_MS + 1)) ] ||
	die "relays opened $age ms after the last heartbeat, timeout $HB_MS ms"
grep -q "heartbeat silent for" "$T/sim.log" || die "bms-sim did not log the trip"
echo "safety_floor: relays opened ${age} ms after the last heartbeat (timeout ${HB_MS} ms; seen by a poller after $(((t1 - t0) / 1000000)) ms)"
