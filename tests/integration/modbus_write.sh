#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Control writes with modbus.write_enable true: SetOp and the vendor
# Operation register open and close the contactors, AlmRst and FaultReset
# reset faults, over TCP and RTU (with a turnaround delay and a driver
# enable line); bad values and other registers are refused; every accepted
# write is in the event log, naming the client.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/modbus_lib.sh"

PORT=$(free_port)
ptypair rtu
sim_start a --feedback 1=1 --feedback 2=3
bmsd_config a
cat >>"$T/a.yaml" <<EOC

gpio:
  rs485_de:                 # no such chip here: the line stays closed, and the
    chip: gpiochip99        # server still drives its enable/drain sequence
    line: 5

modbus:
  write_enable: true
  rtu:
    port: $T/rtu-a
    turnaround_ms: 5
  tcp:
    enable: true
    address: 127.0.0.1
    port: $PORT
EOC
bmsd_start a
mb_running a

$PY "$MBCHECK" --tcp "127.0.0.1:$PORT" --sim "$T/a/sim.sock" --writes writes values ||
	die "pymodbus TCP writes"
$PY "$MBCHECK" --rtu "$T/rtu-b" --sim "$T/a/sim.sock" reset || die "pymodbus RTU write"
out=$(mbpoll -m rtu -a 32 -b 9600 -P none -r 46006 -1 -o 1 "$T/rtu-b" 3 2>&1)
echo "$out" | grep -qi "illegal data value" || die "mbpoll RTU Operation 3: $out"

ev=$($B/bin/bmsctl events -d "$T/a/state") || die "bmsctl events failed"
for w in "Modbus-TCP 127.0.0.1:[0-9]* wrote SetOp (register 40120): disconnect" \
	"disconnect requested by Modbus-TCP 127.0.0.1" \
	"Modbus-TCP 127.0.0.1:[0-9]* wrote FaultReset (register 46004): fault reset" \
	"Modbus-TCP 127.0.0.1:[0-9]* wrote Operation (register 46005): connect" \
	"Modbus-TCP 127.0.0.1:[0-9]* wrote AlmRst (register 40090): fault reset" \
	"fault reset requested by Modbus-TCP" \
	"Modbus-RTU wrote FaultReset (register 46004): fault reset" \
	"fault reset requested by Modbus-RTU"; do
	echo "$ev" | grep -q "$w" || die "event log lacks '$w': $ev"
done
n=$(echo "$ev" | grep -c "wrote")
[ "$n" = 5 ] || die "$n write records, expected 5 (refused writes leave none): $ev"
echo "$ev" | grep "wrote" | sed 's/^/  /'
echo "modbus_write: SetOp, Operation, AlmRst, FaultReset over TCP and RTU act and are logged"
