#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bus trouble on the MCU link, on real SocketCAN (the bridge bus, vcan0;
# vcan is loaded with echo=1, so every frame passes the interface's queue as
# on a real controller):
#  1. the interface goes down (ip link set vcan0 down): bmsd raises the comm
#     fault and commands every relay open, and the MCU's floor opens them on
#     the heartbeat timeout; back up, bmsd reopens its socket, the
#     configuration is verified again, and a fault reset runs the pack;
#  2. the cable is pulled while the interface stays up (netem drops every
#     frame): the same fault and recovery;
#  3. error frames (bus-off, error passive, a protocol violation) reach the
#     sockets: the link and the pack carry on;
#  4. 10 % of the frames are lost: bmsd counts them and carries on.
# bmsd runs without CAP_NET_ADMIN, as a hardened systemd unit runs it: with it,
# bmsd sets a downed interface up again by itself when it reopens the link.
set -u
. "$(dirname "$0")/lib.sh"

# recover WHAT: bmsd back from a comm fault: the configuration verified once
# more, the floor's heartbeat trip reset, the pack running
recover() {
	local v0=$1
	until_json "st a" link.comm_fault false 150 || die "$2: the comm fault stays: $J"
	for _ in $(seq 150); do
		stj a
		[ "$(jpath "$J" link.cfg_verified)" -gt "$v0" ] && [ "$(jpath "$J" link.verified)" = true ] && break
		nap 0.1
	done
	jvars "$J" verified=link.cfg_verified safety=mcu.safety trip=mcu.trip
	[ "$verified" -gt "$v0" ] || die "$2: the configuration was not verified again: $J"
	echo "$2: link back, configuration verified again ($verified verifications), floor $safety, trip $trip"
	[ "$safety" = tripped ] && [ $((trip & 1)) = 1 ] || echo "note: the floor did not trip on the heartbeat gap"
	for _ in 1 2 3; do
		$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null
		until_json "st a" state running 30 && break
	done
	[ "$(jpath "$J" state)" = running ] || die "$2: not running after the fault reset: $J"
	sim_relays a 7 || die "$2: contactors not closed again: $fw"
}

# outage WHAT: during an outage, the comm fault, every relay commanded open
# by bmsd and opened by the MCU's floor
outage() {
	until_json "st a" link.comm_fault true 50 || die "$1: no comm fault: $J"
	for r in 0 1 2 3; do
		[ "$(jpath "$J" relays.$r.closed)" = false ] || die "$1: relay $((r + 1)) still commanded closed: $J"
	done
	sim_relays a 0 30 || die "$1: the MCU did not open the relays: $fw"
	echo "$1: comm fault, state $(jpath "$J" state), relays commanded open; MCU: $(jpath "$fw" safety), relays $(jpath "$fw" relays)"
}

[ "$(cat /sys/module/vcan/parameters/echo)" = Y ] || die "vcan is not loaded with echo=1"
vm_sim_start a $VM_BUS
vm_bmsd_config a $VM_BUS
bmsd_start_as a setpriv --bounding-set -net_admin
wait_running a
step "running, bmsd without CAP_NET_ADMIN"

# 1. the interface goes down
stj a
v0=$(jpath "$J" link.cfg_verified)
ip link set $VM_BUS down || die "ip link set $VM_BUS down failed"
outage "$VM_BUS down"
nap 0.3
ip -br link show $VM_BUS | grep -q DOWN || die "$VM_BUS came back up by itself: $(ip -br link show $VM_BUS)"
ip link set $VM_BUS up || die "ip link set $VM_BUS up failed"
recover "$v0" "$VM_BUS up"
step "recovered from the interface going down"

# 2. the cable is pulled
stj a
v0=$(jpath "$J" link.cfg_verified)
tc qdisc add dev $VM_BUS root netem loss 100% || die "tc netem failed"
outage "cable pulled"
tc qdisc del dev $VM_BUS root || die "tc qdisc del failed"
recover "$v0" "cable back"
step "recovered from the pulled cable"

# 3. error frames: bus-off, controller error passive, protocol violation
stj a
jvars "$J" faults0=link.comm_faults lost0=link.lost
for f in 20000040#0000000000000000 20000004#0030000000000000 20000008#0000080000000000; do
	cansend $VM_BUS "$f" || die "cansend $f failed"
done
nap 1.5
stj a
jvars "$J" state=state cf=link.comm_fault faults=link.comm_faults lost=link.lost
[ "$state" = running ] && [ "$cf" = false ] && [ "$faults" = "$faults0" ] ||
	die "error frames disturbed the link: $J"
[ "$lost" = "$lost0" ] || die "frames lost after the error frames: $lost0 -> $lost"
echo "error frames: the link and the pack carried on (lost $lost, comm faults $faults)"

# 4. 10 % loss for 3 s
tc qdisc add dev $VM_BUS root netem loss 10% || die "tc netem failed"
nap 3
tc qdisc del dev $VM_BUS root
stj a
jvars "$J" lost=link.lost frames=link.frames cf=link.comm_fault
[ "$lost" -gt "$lost0" ] || die "no frame counted lost with 10 % loss: $J"
echo "10 % loss for 3 s: $((lost - lost0)) frames counted lost of $frames received, comm fault $cf"
[ "$cf" = false ] || until_json "st a" link.comm_fault false 50 || die "the comm fault stays after the loss: $J"
until_json "st a" state running 50 || {
	$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null
	until_json "st a" state running 50
} || die "not running after the loss: $J"

ev=$($B/bin/bmsctl events -d "$T/a/state")
echo "$ev" | grep -q "MCU link lost" || die "the comm fault is not in the event log"
echo "bus_recovery: interface down, cable pulled: comm fault, relays open, recovered; error frames and 10 % loss ridden out"
