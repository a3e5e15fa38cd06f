#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Modbus-TCP against bmsd fed by bms-sim, with clients we did not write:
# mbpoll reads the SunSpec marker, the vendor block and an exception;
# pymodbus walks the SunSpec chain checking every ID and L, compares the
# values with the simulator's truth, and gets the right exception for
# illegal addresses, lengths and functions and for writes while writes are
# disabled; raw sockets check pipelining, max_clients, a stalled client,
# garbage and a flood. The server keeps serving throughout.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modbus_lib.sh"

PORT=$(free_port)
sim_start a --feedback 1=1 --feedback 2=3
bmsd_config a
cat >>"$T/a.yaml" <<EOC

modbus:
  byte_timeout_ms: 300
  tcp:
    enable: true
    address: 127.0.0.1
    port: $PORT
EOC
bmsd_start a
mb_running a
ctl "$T/a/sim.sock" "current -20000" >/dev/null
sleep 1

# mbpoll: the marker and model 1's header (mbpoll counts from 1)
got=$(mbpoll_regs -m tcp -a 32 -p "$PORT" -t 4:hex -r 40001 -c 4 -1 127.0.0.1 | tr '\n' ' ')
[ "$got" = "0x5375 0x6E53 0x0001 0x0042 " ] || die "mbpoll SunSpec header: $got"
echo "mbpoll: SunSpec header $got"
got=$(mbpoll_regs -m tcp -a 32 -p "$PORT" -r 46001 -c 2 -1 127.0.0.1 | tr '\n' ' ')
[ "$got" = "1 1280 " ] || die "mbpoll vendor header: $got"
cur=$(mbpoll -m tcp -a 32 -p "$PORT" -t 4:int -B -r 46013 -c 1 -1 127.0.0.1 2>&1 |
	sed -n 's/^\[46013\]:[[:space:]]*//p')
sim=$(jget "$(ctl "$T/a/sim.sock" status)" current_mA)
[ -n "$cur" ] && [ $((cur - sim < 0 ? sim - cur : cur - sim)) -le 500 ] ||
	die "mbpoll vendor current $cur mA, simulator $sim mA"
echo "mbpoll: vendor block version 1, 1280 registers, current $cur mA (simulator $sim mA)"
out=$(mbpoll -m tcp -a 32 -p "$PORT" -r 40000 -c 2 -1 127.0.0.1 2>&1)
echo "$out" | grep -qi "illegal data address" || die "mbpoll at 39999: $out"
out=$(mbpoll -m tcp -a 32 -p "$PORT" -r 40091 -1 127.0.0.1 1 2>&1)
echo "$out" | grep -qi "illegal function" || die "mbpoll write with writes disabled: $out"
echo "mbpoll: illegal data address at 39999, illegal function for a write"

$PY "$MBCHECK" --tcp "127.0.0.1:$PORT" --sim "$T/a/sim.sock" walk values gen errors \
	writes-disabled tcp-raw || die "pymodbus checks"

# still serving, the loop never stalled
got=$(mbpoll_regs -m tcp -a 32 -p "$PORT" -t 4:hex -r 40001 -c 2 -1 127.0.0.1 | tr '\n' ' ')
[ "$got" = "0x5375 0x6E53 " ] || die "no answer at the end: $got"
until_json "st a" state running 10 || die "bmsd not running at the end: $J"
kill -0 "$BMSD" || die "bmsd died"
echo "modbus_tcp: SunSpec chain walked, values match the simulator, exceptions right, still serving"
