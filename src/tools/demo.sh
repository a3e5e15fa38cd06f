#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: bms-sim on a pty pair speaking slcan, with its bridge stream
# decoded live. Headless (until SIGINT/SIGTERM) when stdin is not a
# terminal. Endpoints live in DEMO_DIR.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$TOP/build}
DEMO_DIR=${DEMO_DIR:-/tmp/bmsd-demo}
SCALE=${DEMO_SCALE:-20}
mkdir -p "$DEMO_DIR"
pids=()

stop() {
	trap - INT TERM EXIT
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -f "$DEMO_DIR/bridge" "$DEMO_DIR/bridge-peer" "$DEMO_DIR/bms-sim.sock"
	echo "demo: stopped"
	exit 0
}
trap stop INT TERM EXIT

socat pty,raw,echo=0,link="$DEMO_DIR/bridge" pty,raw,echo=0,link="$DEMO_DIR/bridge-peer" \
	2>"$DEMO_DIR/socat.log" &
pids+=($!)
for _ in $(seq 100); do
	[ -e "$DEMO_DIR/bridge" ] && [ -e "$DEMO_DIR/bridge-peer" ] && break
	sleep 0.05
done

"$B/bin/bms-sim" --link slcan:"$DEMO_DIR/bridge" --boards 2 --cells 16 --temps 4 \
	--scale "$SCALE" --scenario "$TOP/etc/bms-sim-demo.scn" --feedback 1=1 --feedback 2=3 \
	--control "$DEMO_DIR/bms-sim.sock" 2>"$DEMO_DIR/bms-sim.log" &
pids+=($!)
sleep 0.3

cat <<TXT
demo: bms-sim runs a 2 x 16-cell LFP pack at ${SCALE}x pack time: 50 A charge, rest,
demo: 50 A discharge (etc/bms-sim-demo.scn).
demo: endpoints in $DEMO_DIR:
  bridge         bms-sim's end of the bridge link (slcan, 1 Mbit/s)
  bridge-peer    the daemon's end, read here by bpdump
  bms-sim.sock   simulator commands, e.g.
                 echo 'cell 1 3 3900' | socat - UNIX-CONNECT:$DEMO_DIR/bms-sim.sock
  bms-sim.log    the simulator's log
demo: bpdump arms the safety floor (config push, heartbeat, relays 1..3).
TXT

if [ -t 0 ]; then
	echo "demo: Ctrl-C stops everything."
	sleep 1
	"$B/bin/bpdump" --link slcan:"$DEMO_DIR/bridge-peer" --arm --relays 0x7 --boards 2 \
		--cells 16 --temps 4 &
	pids+=($!)
	wait "${pids[-1]}"
else
	echo "demo: headless; SIGINT or SIGTERM stops everything. Decoded stream, one line a second:"
	"$B/bin/bpdump" --link slcan:"$DEMO_DIR/bridge-peer" --arm --relays 0x7 --boards 2 \
		--cells 16 --temps 4 --json &
	pids+=($!)
	while kill -0 "${pids[-1]}" 2>/dev/null; do
		sleep 1 &
		wait $! 2>/dev/null
	done
fi
