#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The configuration push over SocketCAN: bmsd pushes the MCU configuration
# on vcan0 and shows the CRC that the MCU echoes; SIGHUP with an unchanged
# file pushes nothing; SIGHUP with a changed MCU setting (the heartbeat
# timeout) pushes again, the new CRC is verified by the MCU, and the pack
# runs again (after a fault reset if the floor tripped on the change).
set -u
. "$(dirname "$0")/lib.sh"

vm_sim_start a $VM_BUS
vm_bmsd_config a $VM_BUS
candump_start a $VM_BUS 058:7FE
bmsd_start a
wait_running a
step "running"
stj a
jvars "$J" crc1=mcu.cfg_crc cfg_state=mcu.cfg_state pushes0=link.cfg_pushes verified0=link.cfg_verified
simj a fw
fw=$R
jvars "$fw" fcrc=cfg_crc fstate=cfg_state
[ "$fcrc" = "$crc1" ] || die "the MCU echoes CRC $fcrc, bmsd pushed $crc1"
[ "$fstate" = 2 ] || die "the MCU's configuration is not active: $fw"
[ "$cfg_state" = active ] || die "status does not show the configuration active: $J"
[ "$pushes0" -ge 1 ] && [ "$verified0" -ge 1 ] || die "pushes $pushes0, verified $verified0: $J"
candump_tally a
n58=$(candump_count 058)
n59=$(candump_count 059)
[ "$n58" -ge 1 ] && [ "$n59" -ge 1 ] || die "the push is not on the wire: $n58 data, $n59 commit frames"
echo "pushed and verified: CRC $crc1 ($n58 data frames, $n59 commit on $VM_BUS)"

# unchanged file: nothing pushed
kill -HUP $BMSD
wait_log "$T/a/bmsd.log" "reloaded" 100 || die "no reload logged: $(tail -n 5 "$T/a/bmsd.log")"
nap 0.5
stj a
jvars "$J" crc=mcu.cfg_crc pushes=link.cfg_pushes state=state
[ "$crc" = "$crc1" ] || die "CRC changed on an unchanged reload: $J"
[ "$pushes" = "$pushes0" ] || die "an unchanged reload pushed again: $J"
[ "$state" = running ] || die "an unchanged reload disturbed the pack: $J"
step "unchanged reload: nothing pushed"

# a changed MCU setting: pushed again and verified with the new CRC
sed -i "s/heartbeat_timeout_ms: $VM_HB_MS/heartbeat_timeout_ms: $((VM_HB_MS - 100))/" "$T/a.yaml"
kill -HUP $BMSD
for _ in $(seq 150); do
	stj a
	jvars "$J" crc2=mcu.cfg_crc verified=link.verified
	[ "$crc2" != "$crc1" ] && [ "$verified" = true ] && break
	nap 0.1
done
[ "$crc2" != "$crc1" ] && [ "$verified" = true ] || die "the new configuration was not verified: $J"
simj a fw
fw=$R
[ "$(jpath "$fw" cfg_crc)" = "$crc2" ] || die "the MCU did not take the new configuration: $fw"
jvars "$J" pushes=link.cfg_pushes verified=link.cfg_verified
[ "$pushes" = $((pushes0 + 1)) ] && [ "$verified" = $((verified0 + 1)) ] ||
	die "after the reload: pushes $pushes0 -> $pushes, verified $verified0 -> $verified: $J"
# a configuration that becomes active under closed contacts trips the floor
# (CFG_CHANGED) until a fault reset; bmsd may also have opened first
nap 0.5
stj a
jvars "$J" state=state trip=mcu.trip
if [ "$state" != running ]; then
	echo "after the new configuration: state $state, MCU trip $trip; reset-faults"
	$B/bin/bmsctl -s "$T/a/bmsd.sock" reset-faults >/dev/null || die "reset-faults failed"
fi
until_json "st a" state running 100 || die "not running after the new configuration: $J"
sim_relays a 7 || die "contactors not closed again: $fw"
candump_tally a
n59b=$(candump_count 059)
[ "$n59b" -gt "$n59" ] || die "no new commit frame on the wire"
echo "config_push: CRC $crc1 verified; SIGHUP with a new heartbeat timeout pushed CRC $crc2, verified by the MCU"
