#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# guest.sh WORK: runs inside the VM, in the host's root (read-only) with WORK
# writable and an empty tmpfs on /tmp. Runs the scenarios listed in
# WORK/scenarios, each with its log in WORK/NAME.log and "STATUS MS" in
# WORK/NAME.result. Exit status 0 when all of them passed.
#
# BMSD_VM_LANES (default 1) scenarios run side by side, each lane taking the
# next scenario when its last one ends. That pays only with host cores to
# spare: on two cores, TCG is already busy with one scenario. Each lane has
# its own bridge bus, passed to its scenarios as VM_BUS: vcan0 for the first
# lane, vcan3, vcan4, ... for the others. vcan1 and vcan2 (CAN1, CAN2) and
# the gpio-sim chip are shared: only one scenario uses each.
set -u
work=$1
. "$work/env"
export B TOP
export TMPDIR=/tmp
cd "$TOP" || exit 1

mapfile -t list <"$work/scenarios"
q=/tmp/vm-queue
echo 0 >$q

# next: the index of the next scenario to run, or nothing
next() {
	local i
	{
		flock 8
		read -r i <$q
		echo $((i + 1)) >$q
	} 8>$q.lock
	[ "$i" -lt ${#list[@]} ] && echo "$i"
}

lane() {
	local bus=$1 i s name t0 st ms pg
	while i=$(next); do
		s=${list[i]}
		name=$(basename "$s" .sh)
		t0=$(date +%s%N)
		# its own process group, so that what it leaves behind can be ended
		VM_BUS=$bus setsid timeout -k 5 "$BMSD_VM_SCENARIO_TIMEOUT" bash ${BMSD_VM_TRACE:+-x} "$s" \
			>"$work/$name.log" 2>&1 </dev/null &
		pg=$!
		wait $pg
		st=$?
		kill -KILL -- -$pg 2>/dev/null
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ $st = 124 ] && echo "TIMEOUT after $BMSD_VM_SCENARIO_TIMEOUT s" >>"$work/$name.log"
		echo "$st $ms" >"$work/$name.result"
		if [ $st = 0 ]; then
			echo "vm: PASS $name (${ms} ms, $bus)"
		else
			echo "vm: FAIL $name (exit $st, ${ms} ms, $bus)"
		fi
	done
}

lanes=${BMSD_VM_LANES:-1}
pids=()
for k in $(seq 0 $((lanes - 1))); do
	bus=vcan0
	if [ "$k" -gt 0 ]; then
		bus=vcan$((k + 2))
		ip link add dev $bus type vcan && ip link set $bus up || exit 1
	fi
	lane $bus &
	pids+=($!)
done
wait "${pids[@]}"

rc=0
for s in "${list[@]}"; do
	read -r st _ <"$work/$(basename "$s" .sh).result" 2>/dev/null || st=1
	[ "$st" = 0 ] || rc=1
done
exit $rc
