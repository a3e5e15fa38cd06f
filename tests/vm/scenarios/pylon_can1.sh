#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Pylon profile on CAN1, on real SocketCAN: bmsd with its MCU link on
# vcan0 and can1 on vcan1 (profile pylon). candump on vcan1, where bmsd is
# the only sender, must see 0x351, 0x355, 0x356, 0x359, 0x35C and 0x35E about
# once a second; 0x355 carries the SOC and 0x356 the pack voltage that
# bmsctl shows. An error frame on vcan1 is counted by `bmsctl can stats`.
set -u
. "$(dirname "$0")/lib.sh"

vm_bmsd_config a $VM_BUS
grep -q '^can1:' "$T/a.yaml" && die "the demo config has a can1 section already: merge it here"
cat >>"$T/a.yaml" <<'EOC'

can1:
  enable: true
  interface: "socketcan:vcan1"
  profile: pylon
EOC
out=$($B/bin/bmsd --check-config "$T/a.yaml" 2>&1) ||
	die "CAN1 is not available in this bmsd: --check-config refuses the can1 section: $out"

vm_sim_start a $VM_BUS
candump_start p vcan1 350:7F0
bmsd_start a
wait_running a
step "running"
nap 0.5
t0=$(date +%s.%N) # from here on: the pack is running
nap 3.5
# the frames since t0 (candump -L stamps them with the time of day)
awk -v t0="$t0" '{ t = substr($1, 2, length($1) - 2) } t >= t0' "$T/p.candump" >"$T/p.run"
mv "$T/p.run" "$T/p.candump"
grep -i ' 356#' "$T/p.candump"
candump_tally p
ids=$IDS
echo "candump vcan1 over 3.5 s: $(wc -l <"$T/p.candump") frames, ids: $ids"
for id in 351 355 356 359 35C 35E; do
	n=$(candump_count $id)
	[ "$n" -ge 2 ] || die "0x$id seen $n times on vcan1 in 3.5 s, expected about once a second (ids: $ids)"
	[ "$n" -le 6 ] || die "0x$id seen $n times on vcan1 in 3.5 s, expected about once a second"
done

# the contents agree with bmsd's own view: SOC (0x355) and voltage (0x356)
stj a
jvars "$J" mv=pack.voltage_mV soc=battery.soc_dpct
last() { grep -i " $1#" "$T/p.candump" | tail -n 1 | sed 's/.*#//'; }
d355=$(last 355)
d356=$(last 356)
le16() { echo $((16#${1:$2:2} + 256 * 16#${1:$(($2 + 2)):2})); }
can_soc=$(le16 "$d355" 0)
can_cv=$(le16 "$d356" 0) # 10 mV
echo "0x355 $d355: SOC $can_soc %; 0x356 $d356: $((can_cv * 10)) mV; bmsctl: ${soc:-?} (0.1 %), $mv mV"
[ $((can_cv * 10 - mv)) -le 1000 ] && [ $((mv - can_cv * 10)) -le 1000 ] ||
	die "0x356 says $((can_cv * 10)) mV, bmsd shows $mv mV"
if [ -n "$soc" ] && [ "$soc" != null ]; then
	[ $((can_soc * 10 - soc)) -le 20 ] && [ $((soc - can_soc * 10)) -le 20 ] ||
		die "0x355 says SOC $can_soc %, bmsd shows $soc (0.1 %)"
fi

# an error frame on vcan1 reaches CAN1's socket and is counted
cs=$($B/bin/bmsctl -s "$T/a/bmsd.sock" --json can stats 2>&1) || die "bmsctl can stats failed: $cs"
be0=$(jpath "$cs" can1.bus_errors) || die "no can1.bus_errors in bmsctl can stats: $cs"
cansend vcan1 20000004#0010000000000000 || die "cansend of an error frame failed"
nap 1
cs=$($B/bin/bmsctl -s "$T/a/bmsd.sock" --json can stats)
jvars "$cs" be=can1.bus_errors tx=can1.tx_frames
[ "$be" -gt "$be0" ] || die "the error frame on vcan1 was not counted: $cs"
stj a
[ "$(jpath "$J" state)" = running ] || die "the error frame on CAN1 disturbed the pack"
echo "pylon_can1: 0x351 0x355 0x356 0x359 0x35C 0x35E on vcan1 about once a second, SOC and voltage agree; $tx frames sent, error frame counted"
