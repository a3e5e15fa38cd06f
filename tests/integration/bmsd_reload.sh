#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Configuration handling of a running bmsd:
#  - bmsd --check-config on the shipped examples and on a broken file;
#  - SIGHUP with an unchanged file changes nothing;
#  - SIGHUP with a good new file: the new MCU configuration is pushed and
#    verified (new CRC);
#  - SIGHUP with a bad file: the old config stays, the reason (file:line:col)
#    is logged and recorded;
#  - start with an invalid file: unconfigured, READY with the reason, the
#    floor stays locked and the contactors open.
set -u
. "$(dirname "$0")/lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)

for f in "$TOP"/etc/bmsd*.yaml; do
	$B/bin/bmsd --check-config "$f" >/dev/null || die "shipped $f does not validate"
done
bmsd_config bad -e 's/cells_per_board: 16/cells_per_board: 99/'
out=$($B/bin/bmsd --check-config "$T/bad.yaml" 2>&1) && die "a bad file passed --check-config"
echo "$out" | grep -Eq "bad.yaml:[0-9]+:[0-9]+: pack.cells_per_board" || die "no file:line:col: $out"
echo "check-config: $out"

sim_start a
bmsd_config a
bmsd_start a
until_json "st a" state running 100 || die "bmsd not running: $J"
crc1=$(jpath "$J" mcu.cfg_crc)

# unchanged file: same CRC, nothing re-pushed, relays stay closed
kill -HUP $BMSD
wait_log "$T/a/bmsd.log" "reloaded" 50 || die "no reload logged"
sleep 0.5
J=$(st a)
[ "$(jpath "$J" mcu.cfg_crc)" = "$crc1" ] || die "CRC changed on an unchanged reload"
[ "$(jpath "$J" link.cfg_pushes)" = 1 ] || die "an unchanged reload re-pushed: $J"
[ "$(jpath "$J" state)" = running ] || die "an unchanged reload disturbed the pack: $J"
wait_log "$T/a.notify.log" 'RELOADING=1' 10 || die "no RELOADING=1"

# a good new file: heartbeat timeout 400 ms
sed -i 's/heartbeat_timeout_ms: 500/heartbeat_timeout_ms: 400/' "$T/a.yaml"
kill -HUP $BMSD
for _ in $(seq 100); do
	J=$(st a)
	[ "$(jpath "$J" mcu.cfg_crc)" != "$crc1" ] && [ "$(jpath "$J" link.verified)" = true ] && break
	sleep 0.1
done
crc2=$(jpath "$J" mcu.cfg_crc)
[ "$crc2" != "$crc1" ] && [ "$(jpath "$J" link.verified)" = true ] || die "new config not verified: $J"
fw=$(ctl "$T/a/sim.sock" fw)
[ "$(jget "$fw" cfg_crc)" = "$crc2" ] || die "the MCU did not take the new config: $fw"
echo "good reload: CRC $crc1 -> $crc2, verified by the MCU"

# a bad file: the old config stays
cp "$T/a.yaml" "$T/a.good"
sed -i 's/^board: main-2r/board: main-3x/' "$T/a.yaml"
kill -HUP $BMSD
wait_log "$T/a/bmsd.log" "reload refused" 50 || die "bad reload not refused: $(tail -5 "$T/a/bmsd.log")"
grep "reload refused" "$T/a/bmsd.log" | grep -Eq "a.yaml:[0-9]+:[0-9]+: board" ||
	die "refusal without file:line:col: $(grep 'reload refused' "$T/a/bmsd.log")"
sleep 0.3
J=$(st a)
[ "$(jpath "$J" mcu.cfg_crc)" = "$crc2" ] || die "a bad reload changed the config: $J"
[ "$(jpath "$J" link.verified)" = true ] || die "a bad reload disturbed the link: $J"
$B/bin/bmsctl events -d "$T/a/state" | grep -q "reload refused" || die "refusal not in the event log"
echo "bad reload refused: $(grep -m1 'reload refused' "$T/a/bmsd.log")"
kill -TERM $BMSD
wait $BMSD

# start on an invalid file: unconfigured, no link, contactors open; the
# control socket (-s) says why; a fixed file and SIGHUP start the pack
sim_start u
bmsd_config u -e 's/^board: main-2r/board: main-3x/'
notify_start u
$B/bin/bmsd -c "$T/u.yaml" -s "$T/u.sock" 2>"$T/u/bmsd.log" &
U=$!
PIDS+=($U)
wait_log "$T/u.notify.log" 'READY=1' || die "unconfigured bmsd sent no READY"
grep -q 'STATUS=unconfigured' "$T/u.notify.log" || die "STATUS does not say unconfigured: $(cat "$T/u.notify.log")"
grep -Eq 'u.yaml:[0-9]+:[0-9]+' "$T/u/bmsd.log" || die "no file:line:col in the log: $(cat "$T/u/bmsd.log")"
J=$($B/bin/bmsctl -s "$T/u.sock" --json status) || die "no status while unconfigured"
[ "$(jpath "$J" configured)" = false ] || die "status claims a config: $J"
jpath "$J" config_error | grep -Eq 'u.yaml:[0-9]+:[0-9]+: board' || die "status lacks the reason: $J"
sleep 1
fw=$(ctl "$T/u/sim.sock" fw)
[ "$(jget "$fw" safety)" = locked ] && [ "$(jget "$fw" cfg_state)" = 0 ] ||
	die "an unconfigured bmsd reached the MCU: $fw"
[ "$(jget "$fw" rx_frames)" = 0 ] || die "an unconfigured bmsd sent frames: $fw"
echo "unconfigured: $(grep -m1 STATUS= "$T/u.notify.log" | cut -d' ' -f2-)"

sed -i 's/^board: main-3x/board: main-2r/' "$T/u.yaml"
kill -HUP $U
until_json "$B/bin/bmsctl -s $T/u.sock --json status" state running 100 ||
	die "the fixed config did not start the pack: $J"
for _ in $(seq 50); do
	fw=$(ctl "$T/u/sim.sock" fw)
	[ "$(jget "$fw" relays)" = 7 ] && break
	sleep 0.1
done
[ "$(jget "$fw" relays)" = 7 ] || die "contactors not closed after the fix: $fw"
kill -TERM $U
wait $U || die "bmsd did not stop cleanly"
echo "bmsd_reload: check-config, unchanged/good/bad reloads, unconfigured start and its fix"
