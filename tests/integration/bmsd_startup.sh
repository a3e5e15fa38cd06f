#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bmsd against bms-sim over slcan on a pty: READY=1 with a readable STATUS=,
# the configuration pushed and verified by its CRC echo, the floor armed,
# the contactors closed, the event log, and a clean stop on SIGTERM.
set -u
. "$(dirname "$0")/lib.sh"

sim_start a
bmsd_config a
bmsd_start a
grep -q 'STATUS=' "$T/a.notify.log" || die "no STATUS= line with READY"
echo "notify: $(grep -m1 STATUS= "$T/a.notify.log")"

until_json "st a" link.verified true 100 || die "configuration not verified: $J"
crc=$(jpath "$J" mcu.cfg_crc)
fw=$(ctl "$T/a/sim.sock" fw)
[ "$(jget "$fw" cfg_crc)" = "$crc" ] || die "MCU has CRC $(jget "$fw" cfg_crc), bmsd pushed $crc"
[ "$(jget "$fw" cfg_state)" = 2 ] || die "MCU configuration not active: $fw"
echo "config push verified: CRC $crc"

until_json "st a" state running 50 || die "bmsd not running: $J"
for _ in $(seq 50); do
	fw=$(ctl "$T/a/sim.sock" fw)
	[ "$(jget "$fw" relays)" = 7 ] && break
	sleep 0.1
done
[ "$(jget "$fw" safety)" = armed ] || die "floor not armed: $fw"
# demo config: relay1 discharge, relay2 allow-charging, relay3 charge, relay4 heater
[ "$(jget "$fw" relays)" = 7 ] || die "contactor relays not closed: $fw"
J=$(st a)
[ "$(jpath "$J" pack.boards_online)" = 4 ] || die "boards online: $J"
[ "$(jpath "$J" pack.cells_valid)" = 64 ] || die "cells: $J"
[ "$(jpath "$J" link.lost)" = 0 ] || die "frames lost on a clean link: $J"
echo "running: $(jpath "$J" pack.voltage_mV) mV, cells $(jpath "$J" pack.cell_min_mV)..$(jpath "$J" pack.cell_max_mV) mV"

# the JSON object and docs/status.md name the same fields
out=$($PY "$(dirname "$0")/status_doc_check.py" "$(dirname "$0")/../../docs/status.md" "$J") ||
	die "status JSON and docs/status.md disagree: $out"
echo "$out"

txt=$($B/bin/bmsctl -s "$T/a/bmsd.sock" status) || die "bmsctl status failed"
echo "$txt" | grep -q '^link: *up' || die "text status lacks the link: $txt"
echo "$txt" | grep -q '^cells:' || die "text status lacks cells: $txt"

# a STATUS= update once running
wait_log "$T/a.notify.log" 'STATUS=running' 30 || die "STATUS= never said running: $(cat "$T/a.notify.log")"

ev=$($B/bin/bmsctl events -d "$T/a/state") || die "bmsctl events failed"
for w in "started" "MCU link up" "verified" "armed"; do
	echo "$ev" | grep -q "$w" || die "event log lacks '$w': $ev"
done

# SIGTERM: STOPPING=1, the relays commanded open at once (before the
# heartbeat timeout), the socket removed
kill -TERM $BMSD
wait $BMSD
rc=$?
[ $rc = 0 ] || die "bmsd exited $rc on SIGTERM"
wait_log "$T/a.notify.log" 'STOPPING=1' 10 || die "no STOPPING=1"
# the OUTPUT_CMD that bmsd wrote before it exited reaches the MCU's stand-in
# on its next tick: wait for it (only that command changes relay_cmd; the
# floor's own opening after the heartbeat timeout would not)
for _ in $(seq 200); do
	fw=$(ctl "$T/a/sim.sock" fw)
	[ "$(jget "$fw" relay_cmd)" = 0 ] && break
	sleep 0.01
done
[ "$(jget "$fw" relay_cmd)" = 0 ] || die "relays not commanded open at stop: $fw"
[ -e "$T/a/bmsd.sock" ] && die "control socket left behind"
echo "bmsd_startup: READY, verified, armed, relays 7, clean stop"
