#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A full charge and discharge cycle on each board profile, bmsd against
# bms-sim over slcan at an accelerated pack time, with a 1 % gain error on
# the current sensors:
#  - connected from 90 %; charged at 1C, then at a tail current until the
#    highest cell reaches the end of charge: only allow-charging opens, the
#    contactors stay closed, and SOC syncs to 100 %;
#  - discharged at 1C, then gently, down to the under-voltage protection:
#    DCL goes to 0, the discharge contactor opens after its soft stop, and
#    the event is logged;
#  - SOC stays within 2 % of the simulator's truth on the way down;
#  - allow-charging closes again once the cells are below the resume level.
set -u
. "$(dirname "$0")/lib.sh"

ev() { $B/bin/bmsctl events -d "$T/$1/state"; }

# tune NAME: the logic's delays shortened to suit 100-200x pack time
tune() {
	sed -i '/^soc:/,$d' "$T/$1.yaml"
	cat >>"$T/$1.yaml" <<EOF
protections:
  cell_over_voltage: {set_delay_ms: 100, clear_delay_ms: 500}
  cell_under_voltage: {set_delay_ms: 100, clear_delay_ms: 500}
contactors:
  soft_stop_timeout_ms: 300
soc:
  state_file: $T/$1/state/soc
  full_hold_s: 1
EOF
	$B/bin/bmsd --check-config "$T/$1.yaml" >/dev/null || die "tuned config refused"
}

# wait_sim NAME KEY OP VALUE [TENTHS]: until the simulator's truth compares
wait_sim() {
	for _ in $(seq "${5:-600}"); do
		v=$(simv "$1" "$2")
		$PY -c "import sys; sys.exit(0 if $v $3 $4 else 1)" && return 0
		sleep 0.1
	done
	die "simulator $2 never $3 $4 (last $v)"
}

cycle() {
	local n=$1 profile=$2
	local conf=()

	if [ "$profile" = main-2.1 ]; then
		mkdir -p "$T/$n/state"
		sed "s#/tmp/bmsd-demo#$T/$n#g" "$(dirname "$0")/main-2.1.yaml" >"$T/$n.yaml"
		conf=(--profile main-2.1 --boards 2 --feedback 2=1 --feedback 3=3)
	else
		bmsd_config "$n"
	fi
	tune "$n"
	sim_start "$n" --soc 90 --scale 100 --gain-error 1 "${conf[@]}"
	bmsd_start "$n"
	until_json "st $n" battery.state connected 100 || die "$profile: not connected: $J"
	for r in 0 1 2; do
		[ "$(jpath "$J" relays.$r.closed)" = true ] || die "$profile: relay $((r + 1)) open: $J"
	done

	# charge: 1C, then a tail current as a charger's CV phase would give
	sim "$n" "current 100000" >/dev/null
	wait_sim "$n" soc_pct ">=" 97
	sim "$n" "current 20000" >/dev/null
	until_json "st $n" battery.full true 300 || die "$profile: no end of charge: $J"
	[ "$(jpath "$J" relays.1.closed)" = false ] || die "$profile: allow-charging still closed: $J"
	[ "$(jpath "$J" relays.2.closed)" = true ] || die "$profile: charge contactor opened: $J"
	[ "$(jpath "$J" relays.0.closed)" = true ] || die "$profile: discharge contactor opened: $J"
	[ "$(jpath "$J" battery.ccl_mA)" = 0 ] || die "$profile: CCL not 0 at the end of charge: $J"
	until_json "st $n" battery.soc_dpct 1000 50 || die "$profile: SOC did not sync to 100 %: $J"
	ev "$n" | grep -q "end-of-charge" || die "$profile: end of charge not in the event log"
	ev "$n" | grep -q "synced\|sync" || die "$profile: sync not in the event log"
	echo "$profile: end of charge at $(simv "$n" soc_pct) % true SOC, cells up to" \
		"$(simv "$n" cell_max_mV) mV; allow-charging open, contactors closed, SOC 100 %"

	# discharge at 1C; the truth and bmsd agree on the way down
	sim "$n" "scale 200" >/dev/null
	sim "$n" "current -100000" >/dev/null
	wait_sim "$n" soc_pct "<=" 30
	J=$(st "$n")
	truth=$(simv "$n" soc_pct)
	got=$(jpath "$J" battery.soc_dpct)
	$PY -c "import sys; sys.exit(0 if abs($got / 10 - $truth) <= 2 else 1)" ||
		die "$profile: SOC $got (0.1 %) against the simulator's $truth %"
	echo "$profile: at $truth % true SOC bmsd says $(($got / 10)).$(($got % 10)) % (1 % gain error)"
	[ "$(jpath "$J" relays.1.closed)" = true ] || die "$profile: allow-charging not resumed: $J"

	# empty: gently into the knee, until the under-voltage protection acts
	wait_sim "$n" soc_pct "<=" 10
	sim "$n" "scale 50" >/dev/null
	sim "$n" "current -20000" >/dev/null
	until_json "st $n" relays.0.closed false 300 || die "$profile: discharge contactor stays closed: $J"
	[ "$(jpath "$J" battery.dcl_mA)" = 0 ] || die "$profile: DCL not 0 when empty: $J"
	$PY -c "import sys; sys.exit(0 if $(jpath "$J" battery.soc_dpct) <= 50 else 1)" ||
		die "$profile: SOC not near empty: $J"
	for _ in $(seq 30); do
		[ "$(simv "$n" current_mA)" = 0 ] && break
		sleep 0.1
	done
	[ "$(simv "$n" current_mA)" = 0 ] || die "$profile: current still flows"
	ev "$n" | grep -q "protection cell_under_voltage set" ||
		die "$profile: under-voltage not in the event log"
	echo "$profile: empty at $(simv "$n" soc_pct) % true SOC, cells down to" \
		"$(simv "$n" cell_min_mV) mV; discharge contactor open, DCL 0"
	kill "$BMSD" "$SIM"
	wait "$BMSD" "$SIM" 2>/dev/null
}

cycle a main-2r
cycle b main-2.1
echo "charge and discharge cycles pass on main-2r and main-2.1"
