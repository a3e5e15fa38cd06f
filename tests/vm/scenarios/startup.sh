#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Start-up on real SocketCAN: bms-sim and bmsd on the bridge bus (vcan0). bmsd sends READY=1,
# the link comes up on the socketcan backend, the configuration is verified,
# the MCU's floor is armed and the contactors close; candump, an independent
# reader, sees bmsd's heartbeat and configuration and the bridge's stream;
# SIGTERM stops bmsd with the relays commanded open.
set -u
. "$(dirname "$0")/lib.sh"

# heartbeat, configuration, the bridge's 0x10x frames, first board and cycle frames
candump_start a $VM_BUS 050:7FF,058:7FE,100:7F0,200:7FF,300:7FF,320:7FF
vm_sim_start a $VM_BUS
step "bms-sim up on socketcan:$VM_BUS"
vm_bmsd_config a $VM_BUS
bmsd_start a
step "bmsd READY"
wait_running a
step "running, contactors closed"

# bmsctl itself, as an integrator would ask
J=$(st a) || die "bmsctl status --json failed"
jvars "$J" ifc=link.interface open=link.open lstate=link.state safety=mcu.safety crc=mcu.cfg_crc \
	online=pack.boards_online cells=pack.cells_valid mv=pack.voltage_mV lost=link.lost
[ "$ifc" = "socketcan:$VM_BUS" ] || die "link interface: $J"
[ "$open" = true ] || die "link not open: $J"
[ "$lstate" = up ] || die "link not up: $J"
[ "$safety" = armed ] || die "MCU not armed: $J"
[ "$online" = 4 ] || die "boards online: $J"
[ "$cells" = 64 ] || die "cells: $J"
simj a fw
fw=$R
jvars "$fw" fsafety=safety fcrc=cfg_crc
[ "$fsafety" = armed ] || die "floor not armed: $fw"
[ "$fcrc" = "$crc" ] || die "CRC: the MCU has $fcrc, bmsd pushed $crc"
echo "running on $ifc: $mv mV, 64 cells, CRC $crc verified, $lost frames lost"

# what went over the wire, as an independent reader saw it
nap 1
candump_tally a
ids=$IDS
echo "candump $VM_BUS: $(wc -l <"$T/a.candump") frames, ids: $ids"
hb=$(candump_count 050)
[ "$hb" -ge 2 ] || die "candump saw $hb heartbeats (0x050) from bmsd"
[ "$(candump_count 058)" -ge 1 ] || die "candump saw no configuration data (0x058) from bmsd"
[ "$(candump_count 059)" -ge 1 ] || die "candump saw no configuration commit (0x059) from bmsd"
for id in 100 101 104 10F 200 300 320; do
	[ "$(candump_count $id)" -ge 1 ] || die "candump saw no 0x$id from the bridge: $ids"
done

step "SIGTERM"
kill -TERM $BMSD
wait $BMSD
rc=$?
[ $rc = 0 ] || die "bmsd exited $rc on SIGTERM"
simj a fw
fw=$R
[ "$(jpath "$fw" relay_cmd)" = 0 ] || die "relays not commanded open at stop: $fw"
[ -e "$T/a/bmsd.sock" ] && die "control socket left behind"
echo "startup: socketcan:$VM_BUS up, CRC verified, armed, relays closed, $hb heartbeats on the wire, clean stop"
