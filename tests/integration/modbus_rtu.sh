#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Modbus-RTU on a pty pair (bmsd on one end, the clients on the other),
# bmsd fed by bms-sim: mbpoll and pymodbus read the SunSpec chain and the
# vendor block, values match the simulator; illegal requests get their
# exception; garbage, bad CRCs, other addresses, broadcasts, half frames and
# noise are dropped and the server keeps answering.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modbus_lib.sh"

ptypair rtu
sim_start a --feedback 1=1 --feedback 2=3
bmsd_config a
cat >>"$T/a.yaml" <<EOC

modbus:
  byte_timeout_ms: 400
  rtu:
    port: $T/rtu-a
EOC
bmsd_start a
mb_running a
grep -q "no kernel RS-485 mode" "$T/a/bmsd.log" ||
	die "no word on the pty's RS-485 mode: $(cat "$T/a/bmsd.log")"
ctl "$T/a/sim.sock" "current 15000" >/dev/null
sleep 1

got=$(mbpoll_regs -m rtu -a 32 -b 9600 -P none -t 4:hex -r 40001 -c 4 -1 -o 1 "$T/rtu-b" |
	tr '\n' ' ')
[ "$got" = "0x5375 0x6E53 0x0001 0x0042 " ] || die "mbpoll RTU SunSpec header: $got"
got=$(mbpoll_regs -m rtu -a 32 -b 9600 -P none -r 46196 -c 3 -1 -o 1 "$T/rtu-b" | tr '\n' ' ')
[ "$got" = "4 16 4 " ] || die "mbpoll RTU vendor pack shape: $got"
out=$(mbpoll -m rtu -a 32 -b 9600 -P none -r 47280 -c 2 -1 -o 1 "$T/rtu-b" 2>&1)
echo "$out" | grep -qi "illegal data address" || die "mbpoll RTU past the vendor block: $out"
echo "mbpoll RTU: SunSpec header, pack shape $got, illegal data address past the block"

$PY "$MBCHECK" --rtu "$T/rtu-b" --sim "$T/a/sim.sock" walk values errors writes-disabled \
	rtu-raw || die "pymodbus RTU checks"

got=$(mbpoll_regs -m rtu -a 32 -b 9600 -P none -t 4:hex -r 40001 -c 2 -1 -o 1 "$T/rtu-b" |
	tr '\n' ' ')
[ "$got" = "0x5375 0x6E53 " ] || die "no answer at the end: $got"
kill -0 "$BMSD" || die "bmsd died"
echo "modbus_rtu: chain, values and exceptions over RTU; garbage dropped, still serving"
