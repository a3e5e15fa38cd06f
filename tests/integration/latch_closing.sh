#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No contactor closes onto a condition that already stops it:
#  - bmsd starts while a cell is at 3660 mV (over-voltage, 1 s set delay),
#    at 2790 mV (under-voltage), or a sensor reads 61.0 degC: the path that
#    the protection blocks never closes, not even for its set delay; the
#    other path closes;
#  - the same condition appears while the MCU link is lost: after the link
#    is verified again (and the floor's heartbeat trip reset), the blocked
#    path stays open.
set -u
. "$(dirname "$0")/lib.sh"

# watch SECONDS: the OR of every relay mask that bms-sim drove meanwhile
watch() {
	local m=0
	for _ in $(seq $(($1 * 40))); do
		m=$((m | $(simv a relays)))
		sleep 0.025
	done
	echo $m
}

bmsd_config a
sed -i '/^soc:/,$d' "$T/a.yaml"
# the floor's heartbeat timeout outlasts a restart of bmsd between the
# cases, so that the MCU stays armed and nothing but bmsd holds a path open
sed -i 's/^  heartbeat_timeout_ms: .*/  heartbeat_timeout_ms: 2000/' "$T/a.yaml"
cat >>"$T/a.yaml" <<EOF
protections:
  cell_over_voltage: {clear_delay_ms: 300}
  cell_under_voltage: {clear_delay_ms: 300}
  charge_over_temperature: {clear_delay_ms: 300}
  discharge_over_temperature: {clear_delay_ms: 300}
soc:
  state_file: $T/a/state/soc
EOF
$B/bin/bmsd --check-config "$T/a.yaml" >/dev/null || die "config refused"
sim_start a

# name | the fault | its release | relays that must never close (bits) | relays that must
while IFS='|' read -r name cmd rel never must; do
	sim a "$cmd" >/dev/null
	bmsd_start a
	m=$(watch 3)
	[ $((m & never)) = 0 ] || die "$name at start: closed relays $m onto the fault (never $never)"
	[ $((m & must)) = "$must" ] || die "$name at start: the other path did not close ($m)"
	echo "$name at start: the blocked path never closed (relays seen: $m)"

	# the fault goes, the pack connects; it comes back while the link is lost
	sim a "$rel" >/dev/null
	until_relays 7 100 || die "$name: not connected after the release: $(st a)"
	sim a "link down" >/dev/null
	until_json "st a" link.comm_fault true 30 || die "$name: no comm fault: $J"
	sim a "$cmd" >/dev/null
	sim a "link up" >/dev/null
	until_json "st a" link.verified true 50 || die "$name: not verified again: $J"
	$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null
	m=$(watch 2)
	[ $((m & never)) = 0 ] || die "$name after re-verification: closed relays $m onto the fault"
	[ $((m & must)) = "$must" ] || die "$name after re-verification: the other path did not close ($m)"
	echo "$name after the link was verified again: the blocked path never closed ($m)"
	sim a "$rel" >/dev/null
	kill "$BMSD"
	wait "$BMSD" 2>/dev/null
done <<EOF
over-voltage|cell 1 3 3660|cell 1 3 auto|6|1
under-voltage|cell 2 5 2790|cell 2 5 auto|1|6
over-temperature|temp 1 2 610|temp 1 2 auto|7|0
EOF
echo "latch_closing pass"
