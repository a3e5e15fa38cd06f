#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A restart is never a reset: latches and the maintenance disconnect are
# kept in the state file and hold across kill -9, SIGTERM and a start with
# an old (version 1) or a corrupt state file:
#  - emergency_stop latched, bmsd killed (-9) and started at once: nothing
#    closes, the latch is restored (and logged), reset-faults clears it;
#  - the same with SIGTERM;
#  - bmsctl disconnect, then a restart: still disconnected until connect;
#  - a corrupt state file: bmsd starts disconnected, loudly, until connect.
set -u
. "$(dirname "$0")/lib.sh"

bctl() { $B/bin/bmsctl -s "$T/a/bmsd.sock" "$@"; }
restart() { # restart SIGNAL: stop bmsd with SIGNAL and start it again at once
	kill "-$1" "$BMSD"
	wait "$BMSD" 2>/dev/null
	bmsd_start a
}

bmsd_config a
sed -i '/^soc:/,$d' "$T/a.yaml"
# the floor's heartbeat timeout outlasts a restart, so that the MCU stays
# armed: only bmsd's own latches can keep the contactors open
sed -i 's/^  heartbeat_timeout_ms: .*/  heartbeat_timeout_ms: 2000/' "$T/a.yaml"
sed -i 's/^  debounce_ms: 20/  in3: {role: emergency-stop}\n  debounce_ms: 20/' "$T/a.yaml"
cat >>"$T/a.yaml" <<EOF
soc:
  state_file: $T/a/state/soc
EOF
$B/bin/bmsd --check-config "$T/a.yaml" >/dev/null || die "config refused"
sim_start a
bmsd_start a
until_json "st a" battery.state connected 100 || die "not connected: $J"
until_relays 7 || die "contactors not closed: $(sim a status)"

for sig in KILL TERM; do
	sim a "di 3 on" >/dev/null
	until_json "st a" battery.critical '["emergency_stop"]' 30 || die "emergency stop not set: $J"
	sim a "di 3 off" >/dev/null
	until_json "st a" battery.latched '["emergency_stop"]' 30 || die "not latched: $J"
	restart $sig
	until_json "st a" link.verified true 50 || die "not verified after SIG$sig: $J"
	[ "$(jpath "$J" mcu.safety)" = armed ] || die "the MCU tripped across the restart: $J"
	never_closed 3 || die "SIG$sig and a restart closed the contactors with no reset: $(sim a status)"
	J=$(st a)
	jpath "$J" battery.latched | grep -q emergency_stop || die "latch not restored after SIG$sig: $J"
	grep -q "restored latch emergency_stop from $T/a/state/soc" "$T/a/bmsd.log" ||
		die "no 'restored latch' message: $(tail -20 "$T/a/bmsd.log")"
	bctl reset-faults >/dev/null || die "reset-faults refused"
	until_relays 7 80 || die "no recovery after reset-faults (SIG$sig): $(st a)"
	echo "SIG$sig: emergency_stop restored from the state file, held open until reset-faults"
done

# the latch held while pressed counts too: killed while the button is down
sim a "di 3 on" >/dev/null
until_json "st a" battery.critical '["emergency_stop"]' 30 || die "emergency stop not set: $J"
kill -9 "$BMSD"
wait "$BMSD" 2>/dev/null
sim a "di 3 off" >/dev/null
bmsd_start a
until_json "st a" link.verified true 50 || die "not verified: $J"
never_closed 3 || die "killed while pressed, released while down: closed with no reset"
bctl reset-faults >/dev/null || die "reset-faults refused"
until_relays 7 80 || die "no recovery after reset-faults: $(st a)"
echo "killed while the emergency stop was pressed: latched after the restart"

# --- the maintenance disconnect --------------------------------------------
bctl disconnect >/dev/null || die "disconnect refused"
until_relays 0 50 || die "disconnect did not open: $(sim a status)"
restart KILL
until_json "st a" link.verified true 50 || die "not verified: $J"
[ "$(jpath "$J" mcu.safety)" = armed ] || die "the MCU tripped across the restart: $J"
never_closed 2 || die "a restart ended the maintenance disconnect"
until_json "st a" battery.disconnect_requested true 20 || die "disconnect not restored: $J"
bctl connect >/dev/null || die "connect refused"
until_relays 7 80 || die "connect did not close: $(st a)"
echo "disconnect: held across a restart until connect"

# --- a corrupt state file ---------------------------------------------------
kill -9 "$BMSD"
wait "$BMSD" 2>/dev/null
printf 'garbage' >"$T/a/state/soc"
bmsd_start a
until_json "st a" link.verified true 50 || die "not verified: $J"
never_closed 2 || die "started on a corrupt state file and closed"
until_json "st a" battery.disconnect_requested true 20 || die "corrupt file: no disconnect: $J"
grep -q "latches unknown" "$T/a/bmsd.log" || die "corrupt file not reported loudly"
bctl connect >/dev/null || die "connect refused"
until_relays 7 80 || die "connect did not close: $(st a)"
echo "corrupt state file: started disconnected, said so, closed on connect"
echo "latch_restart pass"
