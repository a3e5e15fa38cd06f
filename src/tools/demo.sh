#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: bmsd runs the pack of bms-sim over slcan on a pty pair, with
# etc/bmsd-demo.yaml, and bmsctl watch shows it live. It also serves its
# external interfaces: Modbus-TCP on 127.0.0.1:1502, Modbus-RTU, CAN1 (pylon)
# and CAN2, each on the peer end of a pty pair. Headless (until
# SIGINT/SIGTERM) when stdin is not a terminal. Endpoints live in DEMO_DIR.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$TOP/build}
DEMO_DIR=${DEMO_DIR:-/tmp/bmsd-demo}
SCALE=${DEMO_SCALE:-20}
mkdir -p "$DEMO_DIR/state"
pids=()

stop() {
	trap - INT TERM EXIT
	# bmsd first: it commands the contactors open as it stops
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -f "$DEMO_DIR/bridge" "$DEMO_DIR/bridge-peer" "$DEMO_DIR/bms-sim.sock"
	for e in modbus-rtu can1 can2; do rm -f "$DEMO_DIR/$e" "$DEMO_DIR/$e.bmsd"; done
	echo "demo: stopped; the event log stays in $DEMO_DIR/state"
	exit 0
}
trap stop INT TERM EXIT

wait_for() {
	for _ in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "demo: $1 did not appear" >&2
	return 1
}

# the interfaces are the demo's own: every test copies etc/bmsd-demo.yaml
{
	sed "s#/tmp/bmsd-demo#$DEMO_DIR#g" "$TOP/etc/bmsd-demo.yaml"
	cat <<YAML

modbus:
  rtu:
    port: $DEMO_DIR/modbus-rtu.bmsd
    baud_bps: 9600
    address: 32
  tcp:
    enable: true
    address: 127.0.0.1
    port: 1502

can1:
  enable: true
  interface: slcan:$DEMO_DIR/can1.bmsd
  profile: pylon

can2:
  enable: true
  interface: slcan:$DEMO_DIR/can2.bmsd
YAML
} >"$DEMO_DIR/bmsd.yaml"
"$B/bin/bmsd" --check-config "$DEMO_DIR/bmsd.yaml" || exit 1

# bmsd on NAME.bmsd, the integrator's tools on NAME
for e in modbus-rtu can1 can2; do
	socat pty,raw,echo=0,link="$DEMO_DIR/$e.bmsd" pty,raw,echo=0,link="$DEMO_DIR/$e" \
		2>>"$DEMO_DIR/socat.log" &
	pids=($! "${pids[@]}")
	wait_for "$DEMO_DIR/$e.bmsd" && wait_for "$DEMO_DIR/$e" || exit 1
done

socat pty,raw,echo=0,link="$DEMO_DIR/bridge" pty,raw,echo=0,link="$DEMO_DIR/bridge-peer" \
	2>"$DEMO_DIR/socat.log" &
pids=($! "${pids[@]}")
wait_for "$DEMO_DIR/bridge" && wait_for "$DEMO_DIR/bridge-peer" || exit 1

"$B/bin/bms-sim" --link slcan:"$DEMO_DIR/bridge-peer" --profile main-2r --boards 4 --cells 16 \
	--temps 4 --scale "$SCALE" --scenario "$TOP/etc/bms-sim-demo.scn" \
	--feedback 1=1 --feedback 2=3 --control "$DEMO_DIR/bms-sim.sock" 2>"$DEMO_DIR/bms-sim.log" &
pids=($! "${pids[@]}")
wait_for "$DEMO_DIR/bms-sim.sock" || exit 1

"$B/bin/bmsd" -c "$DEMO_DIR/bmsd.yaml" 2>"$DEMO_DIR/bmsd.log" &
pids=($! "${pids[@]}")
wait_for "$DEMO_DIR/bmsd.sock" || exit 1

cat <<TXT
demo: bmsd runs a 4 x 16-cell LFP pack simulated by bms-sim at ${SCALE}x pack time:
demo: 50 A charge, rest, 50 A discharge (etc/bms-sim-demo.scn).
demo: endpoints in $DEMO_DIR:
  bmsd.sock      bmsd's control socket:  bmsctl -s $DEMO_DIR/bmsd.sock status
  bmsd.yaml      the configuration in use (etc/bmsd-demo.yaml)
  state/         the event log:          bmsctl events -d $DEMO_DIR/state
  bmsd.log       bmsd's messages
  bridge         bmsd's end of the bridge link (slcan, 1 Mbit/s)
  bms-sim.sock   simulator commands, e.g. a cell over its limit:
                 echo 'cell 1 3 3900' | socat - UNIX-CONNECT:$DEMO_DIR/bms-sim.sock
  bms-sim.log    the simulator's log
  Modbus-TCP     127.0.0.1:1502, unit 32:
                 mbpoll -m tcp -p 1502 -a 32 -t 4 -r 40001 -c 70 -1 127.0.0.1
  modbus-rtu     Modbus-RTU, 9600 8N1, unit 32:
                 mbpoll -m rtu -a 32 -b 9600 -P none -t 4 -r 40001 -c 70 -1 $DEMO_DIR/modbus-rtu
  can1           CAN1, pylon profile, slcan (python-can: interface='slcan', channel=...)
  can2           CAN2, the pack-summary feed, slcan
TXT

if [ -t 0 ]; then
	echo "demo: Ctrl-C stops everything."
	sleep 1
	"$B/bin/bmsctl" -s "$DEMO_DIR/bmsd.sock" watch
else
	echo "demo: headless; SIGINT or SIGTERM stops everything. Status every second:"
	"$B/bin/bmsctl" -s "$DEMO_DIR/bmsd.sock" watch &
	w=$!
	while kill -0 "${pids[0]}" 2>/dev/null && kill -0 $w 2>/dev/null; do
		sleep 1 &
		wait $! 2>/dev/null
	done
	kill $w 2>/dev/null
fi
