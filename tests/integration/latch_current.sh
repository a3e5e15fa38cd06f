#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Never soft-stop on a current that cannot be measured: the only current
# sensor saturates (a discharge beyond its range), so the pack current is
# not available. The MCU's range flag counts as the over-current it is
# (both directions: the sign is unknown), and the stop that follows opens
# the contactors at once instead of waiting out soft_stop_timeout_ms for a
# current that bmsd cannot see fall.
#
# A bridge firmware whose floor trips on a saturated sensor opens the relays
# itself, at once; the daemon's part is then not observable here (the unit
# tests of cc and prot cover it), and the scenario says so.
set -u
. "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

bmsd_config a
sed -i '/^soc:/,$d' "$T/a.yaml"
sed -i '/^  cs2:/,/range_mA/ s/enabled: true/enabled: false/' "$T/a.yaml"
sed -i 's/^  short_circuit_mA: .*/  short_circuit_mA: 230000/' "$T/a.yaml"
cat >>"$T/a.yaml" <<EOF
contactors:
  soft_stop_timeout_ms: 5000
soc:
  state_file: $T/a/state/soc
EOF
$B/bin/bmsd --check-config "$T/a.yaml" >/dev/null || die "config refused"
grep -A2 '^  cs2:' "$T/a.yaml" | grep -q 'enabled: false' || die "cs2 not disabled"
sim_start a
bmsd_start a
until_json "st a" battery.state connected 100 || die "not connected: $J"

# 300 A out of a pack with a +-240 A sensor: saturated, current unknown
t0=$(now_ms)
sim a "current -300000" >/dev/null
seen=""
for _ in $(seq 200); do
	J=$(st a)
	jpath "$J" battery.alarm | grep -q '"discharge_over_current"' && seen=1
	[ $(($(simv a relays) & 1)) = 0 ] && break
	sleep 0.05
done
t1=$(now_ms)
[ $(($(simv a relays) & 1)) = 0 ] || die "the discharge contactor never opened: $(sim a status)"
dt=$((t1 - t0))
trip=$(jpath "$(st a)" mcu.trip)
if [ "$trip" != 0 ]; then
	echo "the MCU's floor opened the relays first (trip $trip) after $dt ms; bmsd's soft stop not exercised"
	echo "latch_current pass (floor)"
	exit 0
fi
echo "saturated sensor: the discharge contactor opened $dt ms after the current went out of range"
[ "$dt" -lt 3500 ] || die "opened $dt ms after: it waited for a current it cannot measure (timeout 5000 ms)"
[ -n "$seen" ] || jpath "$(st a)" battery.alarm | grep -q '"discharge_over_current"' ||
	die "the range flag was not taken as an over-current: $J"
grep -q "soft-stop-unmeasured" "$T/a/bmsd.log" || die "no soft-stop-unmeasured event"
echo "latch_current pass"
