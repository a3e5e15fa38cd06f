#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: bmsd runs the pack of bms-sim over slcan on a pty pair, with
# etc/bmsd-demo.yaml, and bmsctl watch shows it live. It also serves its
# external interfaces: Modbus-TCP on 127.0.0.1, Modbus-RTU, CAN1 (pylon) and
# CAN2, each on the peer end of a pty pair. Headless (status every second,
# until SIGINT/SIGTERM) when stdin is not a terminal. Endpoints live in
# DEMO_DIR.
#
# Settings (environment):
#   DEMO_DIR          the demo's directory (default /tmp/bmsd-demo): created
#                     0700, or refused unless it is a real directory of ours
#                     that nobody else may write to
#   DEMO_SCALE        pack seconds per wall second (default 20)
#   DEMO_MODBUS_PORT  the Modbus-TCP port on 127.0.0.1 (default 1502)
#   DEMO_DRAIN_CAN    1 (default): read and discard CAN1 and CAN2 so that
#                     bmsd's transmit queues never fill; 0: leave them to you
#   DEMO_T0           when `make demo` started (date +%s.%N), for the time to
#                     the first status
#   B                 the build directory (default build/)
set -u
T0=${DEMO_T0:-$(date +%s.%N)}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${B:-$TOP/build}" 2>/dev/null && pwd) || { echo "demo: no build directory ${B:-$TOP/build}" >&2; exit 1; }
DEMO_DIR=${DEMO_DIR:-/tmp/bmsd-demo}
SCALE=${DEMO_SCALE:-20}
PORT=${DEMO_MODBUS_PORT:-1502}
DRAIN=${DEMO_DRAIN_CAN:-1}
BMSCTL=$B/bin/bmsctl

say() { echo "demo: $*"; }
fail() {
	echo "demo: $*" >&2
	exit 1
}

# ---- settings and programs ------------------------------------------------

for p in bmsd bmsctl bms-sim; do
	[ -x "$B/bin/$p" ] || fail "$B/bin/$p is missing: run make all (make demo builds it)"
done
command -v socat >/dev/null || fail "socat is missing: apt-get install socat (make deps installs it)"
case $PORT in
'' | *[!0-9]*) fail "DEMO_MODBUS_PORT=$PORT is not a port number" ;;
esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || fail "DEMO_MODBUS_PORT=$PORT is not a port number (1..65535)"
case $DRAIN in
0 | 1) ;;
*) fail "DEMO_DRAIN_CAN=$DRAIN: 1 drains CAN1 and CAN2, 0 leaves them to your tool" ;;
esac

# ---- the demo directory ---------------------------------------------------
# The demo runs as root, often in /tmp where anybody can make a directory or
# a link first: it uses only a directory that is ours and that nobody else
# can write to, and it never writes through a link inside it.

case $DEMO_DIR in
/*) ;;
*) DEMO_DIR=$PWD/$DEMO_DIR ;;
esac
while [ "$DEMO_DIR" != / ] && [ "${DEMO_DIR%/}" != "$DEMO_DIR" ]; do DEMO_DIR=${DEMO_DIR%/}; done
case $DEMO_DIR in
*[!A-Za-z0-9/._+-]*) fail "DEMO_DIR=$DEMO_DIR: use only letters, digits and / . _ + - (it goes into a YAML file)" ;;
esac

# own_dir DIR WHAT: DIR is created 0700, or is a real directory that we own
# and that neither group nor others may write to
own_dir() {
	local d=$1 what=$2 uid mode
	if [ ! -e "$d" ] && [ ! -L "$d" ]; then
		mkdir -m 0700 -- "$d" || fail "cannot create $what $d"
	fi
	[ -L "$d" ] && fail "$what $d is a symbolic link; refusing it (remove it, or set DEMO_DIR to another path)"
	[ -d "$d" ] || fail "$what $d exists and is not a directory; refusing it"
	read -r uid mode < <(stat -c '%u %a' -- "$d") || fail "cannot stat $what $d"
	[ "$uid" = "$(id -u)" ] ||
		fail "$what $d belongs to uid $uid, not to you (uid $(id -u)); refusing it (remove it, or set DEMO_DIR to another path)"
	(((8#$mode & 8#022) == 0)) ||
		fail "$what $d is writable by its group or others (mode $mode); refusing it (chmod go-w it, or set DEMO_DIR to another path)"
}
own_dir "$DEMO_DIR" DEMO_DIR
own_dir "$DEMO_DIR/state" "the state directory"

# another demo on this directory keeps it (a link is no demo's: removed below)
for s in bmsd.sock bms-sim.sock; do
	[ -S "$DEMO_DIR/$s" ] && [ ! -L "$DEMO_DIR/$s" ] &&
		socat -u OPEN:/dev/null UNIX-CONNECT:"$DEMO_DIR/$s" 2>/dev/null &&
		fail "something answers on $DEMO_DIR/$s: another demo runs there; stop it first, or set DEMO_DIR to another path"
done

# endpoints of an earlier run (sockets, pty links): gone before anything starts
for e in bmsd.sock bms-sim.sock bridge bridge-peer modbus-rtu modbus-rtu.bmsd can1 can1.bmsd can2 can2.bmsd; do
	rm -f -- "${DEMO_DIR:?}/$e" || fail "cannot remove $DEMO_DIR/$e"
done
# bmsd writes these in state/; a link there is never ours to follow
for f in events.log events.log.1 soc soc.tmp; do
	if [ -L "$DEMO_DIR/state/$f" ]; then
		rm -f -- "$DEMO_DIR/state/$f" || fail "cannot remove the symbolic link $DEMO_DIR/state/$f"
		say "removed the symbolic link $DEMO_DIR/state/$f"
	fi
done

# fresh NAME: DEMO_DIR/NAME as a new empty file: whatever was there (a file,
# a link) is removed first, and noclobber makes the create fail rather than
# follow anything that appeared since
fresh() {
	rm -f -- "$DEMO_DIR/$1" && (set -o noclobber && : >"$DEMO_DIR/$1") ||
		fail "cannot create $DEMO_DIR/$1"
}
fresh bmsd.log
fresh bms-sim.log
fresh socat.log

# ---- the Modbus-TCP port ----------------------------------------------------

# port_answers PORT: something accepts connections on 127.0.0.1:PORT
port_answers() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}
port_answers "$PORT" &&
	fail "port $PORT on 127.0.0.1 is taken by another program, so bmsd could not serve Modbus-TCP there; stop that program or choose a free port, e.g. DEMO_MODBUS_PORT=15020 make demo"

# ---- the configuration --------------------------------------------------------
# the interfaces are the demo's own: every test copies etc/bmsd-demo.yaml.
# Written to a new temporary file, then renamed over bmsd.yaml: a rename
# replaces a link, never follows it.

tmp=$(mktemp "$DEMO_DIR/.bmsd.yaml.XXXXXX") || fail "cannot create a file in $DEMO_DIR"
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
    port: $PORT

can1:
  enable: true
  interface: slcan:$DEMO_DIR/can1.bmsd
  profile: pylon

can2:
  enable: true
  interface: slcan:$DEMO_DIR/can2.bmsd
YAML
} >>"$tmp" && mv -T -f -- "$tmp" "$DEMO_DIR/bmsd.yaml" || {
	rm -f -- "$tmp"
	fail "cannot write $DEMO_DIR/bmsd.yaml"
}
"$B/bin/bmsd" --check-config "$DEMO_DIR/bmsd.yaml" || exit 1
HB_MS=$(sed -n 's/^ *heartbeat_timeout_ms: *\([0-9][0-9]*\).*/\1/p' "$DEMO_DIR/bmsd.yaml" | head -n 1)
HB_MS=${HB_MS:-500}

# ---- start and stop -----------------------------------------------------------

BMSD_PID='' SIM_PID='' WATCH_PID=''
pids=() # everything else we started, newest first

# end PID: SIGTERM, SIGKILL if it is still there 2 s later
end() {
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 20); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

stop() {
	trap - INT TERM EXIT
	[ -n "$WATCH_PID" ] && end "$WATCH_PID"
	# bmsd first: it commands the contactors open as it stops
	[ -n "$BMSD_PID" ] && end "$BMSD_PID"
	[ -n "$SIM_PID" ] && end "$SIM_PID"
	for p in "${pids[@]}"; do end "$p"; done
	rm -f "$DEMO_DIR/bridge" "$DEMO_DIR/bridge-peer" "$DEMO_DIR/bms-sim.sock"
	for e in modbus-rtu can1 can2; do rm -f "$DEMO_DIR/$e" "$DEMO_DIR/$e.bmsd"; done
	say "stopped; the event log stays in $DEMO_DIR/state"
	exit "$1"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

# wait_for PATH PID NAME LOG: until PATH exists, as long as PID lives; 60 s
# at most, as a busy host is slow
wait_for() {
	for _ in $(seq 600); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || {
			tail -n 5 "$4" >&2
			fail "$3 exited before $1 appeared; its log: $4"
		}
		sleep 0.1
	done
	fail "$1 did not appear within 60 s; the log of $3: $4"
}

# ptys A B [PREFIX...]: a socat pty pair, DEMO_DIR/A <-> DEMO_DIR/B, run
# under PREFIX (e.g. chrt)
ptys() {
	"${@:3}" socat pty,raw,echo=0,link="$DEMO_DIR/$1" pty,raw,echo=0,link="$DEMO_DIR/$2" \
		2>>"$DEMO_DIR/socat.log" &
	pids=($! "${pids[@]}")
	wait_for "$DEMO_DIR/$1" $! socat "$DEMO_DIR/socat.log"
	wait_for "$DEMO_DIR/$2" $! socat "$DEMO_DIR/socat.log"
}

# bms-sim stands in for the bridge MCU, whose firmware runs on its own core
# and is never starved. On a loaded host a normal-priority simulator is late
# with its ticks and frames, and bmsd sees a slow or lost MCU that no real
# board would show: it runs SCHED_FIFO. Its CAN wire is slcan on a UNIX
# socket (slcan-listen), not a pty: a pty's bytes cross a kernel worker
# thread that a busy host starves for hundreds of milliseconds, which no
# wire does. Where real-time priority is not allowed, bms-sim runs as usual.
# bmsd runs as bmsd.service runs it: SCHED_FIFO 10, below the MCU's.
rt=()
rt_bmsd=()
if chrt -f 20 true 2>/dev/null; then
	rt=(chrt -f 20)
	rt_bmsd=(chrt -f 10)
else
	say "no real-time priority here (chrt -f 20 failed): bms-sim and bmsd run at normal priority, and may lag on a busy host"
fi

# bmsd on NAME.bmsd, the integrator's tools on NAME
for e in modbus-rtu can1 can2; do ptys "$e.bmsd" "$e"; done

# Nothing reads CAN1 and CAN2 unless an integrator attaches a tool; unread,
# the ptys fill and so do bmsd's transmit queues.
if [ "$DRAIN" = 1 ]; then
	for e in can1 can2; do
		cat -- "$DEMO_DIR/$e" >/dev/null 2>&1 &
		pids=($! "${pids[@]}")
	done
fi

"${rt[@]}" "$B/bin/bms-sim" --link slcan-listen:"$DEMO_DIR/bridge" --profile main-2r \
	--boards 4 --cells 16 --temps 4 --scale "$SCALE" --scenario "$TOP/etc/bms-sim-demo.scn" \
	--feedback 1=1 --feedback 2=3 --control "$DEMO_DIR/bms-sim.sock" 2>>"$DEMO_DIR/bms-sim.log" &
SIM_PID=$!
wait_for "$DEMO_DIR/bms-sim.sock" $SIM_PID bms-sim "$DEMO_DIR/bms-sim.log"
wait_for "$DEMO_DIR/bridge" $SIM_PID bms-sim "$DEMO_DIR/bms-sim.log"

BMSD_CMD="${rt_bmsd[*]}${rt_bmsd:+ }$B/bin/bmsd -c $DEMO_DIR/bmsd.yaml" # as the user would type it
"${rt_bmsd[@]}" "$B/bin/bmsd" -c "$DEMO_DIR/bmsd.yaml" 2>>"$DEMO_DIR/bmsd.log" &
BMSD_PID=$!
wait_for "$DEMO_DIR/bmsd.sock" $BMSD_PID bmsd "$DEMO_DIR/bmsd.log"

# bmsd itself must serve the port the banner names: it says so in its log
for i in $(seq 300); do
	if grep -q "Modbus-TCP on 127\.0\.0\.1:$PORT: " "$DEMO_DIR/bmsd.log"; then
		grep "Modbus-TCP on 127\.0\.0\.1:$PORT: " "$DEMO_DIR/bmsd.log" | head -n 1 >&2
		fail "bmsd cannot serve Modbus-TCP on 127.0.0.1:$PORT (another program took it?); choose a free port, e.g. DEMO_MODBUS_PORT=15020 make demo"
	fi
	grep -q "Modbus-TCP on 127\.0\.0\.1:$PORT, " "$DEMO_DIR/bmsd.log" && break
	[ "$i" = 300 ] && fail "bmsd did not report listening on Modbus-TCP 127.0.0.1:$PORT within 30 s (see $DEMO_DIR/bmsd.log)"
	sleep 0.1
done

# ---- the banner -------------------------------------------------------------

STATUS_CMD="$BMSCTL -s $DEMO_DIR/bmsd.sock status"
WATCH_CMD="$BMSCTL -s $DEMO_DIR/bmsd.sock watch"
RESET_CMD="$BMSCTL -s $DEMO_DIR/bmsd.sock reset-faults"
SIM_CMD="socat - UNIX-CONNECT:$DEMO_DIR/bms-sim.sock"
cat <<TXT
demo: bmsd runs a 4 x 16-cell LFP pack simulated by bms-sim at ${SCALE}x pack time:
demo: 50 A charge, rest, 50 A discharge (etc/bms-sim-demo.scn).
demo: endpoints in $DEMO_DIR:
  bmsd.sock      bmsd's control socket:
                 $STATUS_CMD
                 $WATCH_CMD
  bmsd.yaml      the configuration in use (etc/bmsd-demo.yaml)
  state/         the event log:
                 $BMSCTL events -d $DEMO_DIR/state
  bmsd.log       bmsd's messages
  bridge         the bridge link: slcan on a UNIX socket of bms-sim's
  bms-sim.sock   simulator commands, e.g. a cell over its limit, then back:
                 echo 'cell 1 3 3900' | $SIM_CMD
                 echo 'cell 1 3 auto' | $SIM_CMD
  bms-sim.log    the simulator's log
TXT
if command -v mbpoll >/dev/null; then
	cat <<TXT
  Modbus-TCP     127.0.0.1:$PORT (DEMO_MODBUS_PORT), unit 32:
                 mbpoll -m tcp -p $PORT -a 32 -t 4 -r 40001 -c 70 -1 127.0.0.1
  modbus-rtu     Modbus-RTU, 9600 8N1, unit 32:
                 mbpoll -m rtu -a 32 -b 9600 -P none -t 4 -r 40001 -c 70 -1 $DEMO_DIR/modbus-rtu
TXT
else
	cat <<TXT
  Modbus-TCP     127.0.0.1:$PORT (DEMO_MODBUS_PORT), unit 32
  modbus-rtu     Modbus-RTU, 9600 8N1, unit 32
                 (to read them: apt-get install mbpoll; the demo then prints the commands)
TXT
fi
if [ "$DRAIN" = 1 ]; then
	cat <<TXT
  can1           CAN1, pylon profile, slcan; can2: CAN2, the pack-summary feed, slcan.
                 The demo reads and discards both, so that bmsd's queues never fill.
                 To attach your own tool (python-can: interface='slcan',
                 channel='$DEMO_DIR/can1'), start the demo with DEMO_DRAIN_CAN=0.
TXT
else
	cat <<TXT
  can1           CAN1, pylon profile, slcan; can2: CAN2, the pack-summary feed, slcan.
                 Not drained (DEMO_DRAIN_CAN=0): read them, or bmsd's queues fill. E.g.
TXT
	if /usr/bin/python3 -c 'import can' 2>/dev/null; then
		echo "                 /usr/bin/python3 -c \"import can; print(can.Bus(interface='slcan', channel='$DEMO_DIR/can1').recv(5))\""
	else
		echo "                 python-can (apt-get install python3-can): interface='slcan', channel='$DEMO_DIR/can1'"
	fi
fi

# ---- status, faults, and bmsd gone ----------------------------------------

# jval JSON KEY: a number or string of a flat JSON object
jval() {
	local v=${1#*\""$2"\":}
	[ "$v" = "$1" ] && return 1
	v=${v%%[,\}]*}
	printf '%s' "${v//\"/}"
}

# sim_cmd CMD: one command on bms-sim's control socket, its reply
sim_cmd() {
	printf '%s\n' "$1" | timeout 5 socat -t 2 - UNIX-CONNECT:"$DEMO_DIR/bms-sim.sock" 2>/dev/null
}

trip_names() {
	local names=(heartbeat cell-high cell-low short-circuit temp-high temp-low config-changed current-sensor) out='' i
	for ((i = 0; i < 16; i++)); do
		(($1 >> i & 1)) && out+="${out:+, }${names[i]:-bit $i}"
	done
	printf '%s' "${out:-none}"
}

# latched STATUS: what a bmsctl status text holds until reset-faults, or nothing
latched() {
	local mcu trips held
	if grep -q '^faults:.*mcu-trip' <<<"$1"; then
		mcu=$(grep -m1 '^mcu:' <<<"$1")
		trips=$(sed -n 's/.*trips \(0x[0-9a-fA-F]*\).*/\1/p' <<<"$mcu")
		echo "the MCU's safety floor tripped (${trips:-?}: $(trip_names "${trips:-0}")) and holds every relay open"
	fi
	held=$(sed -n 's/^protect:.*held until reset: \(.*\)$/\1/p' <<<"$1")
	[ -n "$held" ] && echo "protections held until reset: $held"
}

HINTED=
# fault_hint STATUS: say once what latched and how to clear it
fault_hint() {
	local l
	l=$(latched "$1")
	[ "$l" = "$HINTED" ] && return
	HINTED=$l
	[ -n "$l" ] || return
	echo "demo: latched fault:"
	sed 's/^/demo:   /' <<<"$l"
	echo "demo: once its cause is gone (e.g. echo 'cell 1 3 auto' | $SIM_CMD), clear it with:"
	echo "demo:   $RESET_CMD"
}

FIRST=
# first_status: the time from `make demo` to the first status screen, once
first_status() {
	[ -n "$FIRST" ] && return
	FIRST=1
	LC_ALL=C awk -v a="$T0" -v b="$(date +%s.%N)" -v m="${DEMO_T0:+make demo}" \
		'BEGIN { printf "demo: first status %.1f s after %s\n", b - a, m ? m : "the demo started" }'
}

# sim_relays WHEN: the simulated MCU's floor and relays, and the current
# that truly flows, as bms-sim has them
sim_relays() {
	local fw st
	fw=$(sim_cmd fw)
	st=$(sim_cmd status)
	if ! jval "$fw" safety >/dev/null || ! jval "$st" current_mA >/dev/null; then
		say "$1: bms-sim does not answer on $DEMO_DIR/bms-sim.sock"
		return
	fi
	say "$1: MCU safety floor $(jval "$fw" safety) (trips: $(trip_names "$(jval "$fw" trip)")), relays driven 0x$(printf %x "$(jval "$fw" relays)"), contacts 0x$(printf %x "$(jval "$st" contacts)"), current $(jval "$st" current_mA) mA (demand $(jval "$st" demand_mA) mA)"
}

# pause SECONDS: a sleep that SIGINT/SIGTERM cut short
pause() {
	sleep "$1" &
	wait $! 2>/dev/null
}

# bmsd_gone: bmsd exited, or was killed: the simulated MCU runs on, and its
# safety floor opens the contactors once the heartbeats stop
bmsd_gone() {
	local rc how
	wait "$BMSD_PID" 2>/dev/null
	rc=$?
	BMSD_PID=
	if [ "$rc" -gt 128 ]; then
		how="was killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
	else
		how="exited with status $rc"
	fi
	echo
	say "bmsd $how (its log: $DEMO_DIR/bmsd.log). bms-sim, the MCU, runs on:"
	say "its safety floor opens every relay ${HB_MS} ms after bmsd's last heartbeat."
	pause "$(LC_ALL=C awk -v m="$HB_MS" 'BEGIN { printf "%.1f", m / 1000 + 0.5 }')"
	sim_relays "after the heartbeat timeout"
	pause 3
	sim_relays "3 s later"
	grep 'safety floor' "$DEMO_DIR/bms-sim.log" | tail -n 1 | sed 's/^/demo:   /'
	say "restart bmsd by hand (in another terminal):"
	say "  $BMSD_CMD"
	say "then clear the heartbeat trip once it is connected, and watch it:"
	say "  $RESET_CMD"
	say "  $WATCH_CMD"
	say "the simulator keeps running; Ctrl-C (or SIGTERM) stops the demo."
}

# the first status: bmsd answers (a busy host may take a while)
st=
for i in $(seq 300); do
	st=$("$BMSCTL" -s "$DEMO_DIR/bmsd.sock" status 2>/dev/null) && break
	kill -0 "$BMSD_PID" 2>/dev/null || break
	[ "$i" = 300 ] && fail "bmsd does not answer on $DEMO_DIR/bmsd.sock (see $DEMO_DIR/bmsd.log)"
	sleep 0.1
done

if [ -t 0 ]; then
	first_status
	fault_hint "$st"
	echo "demo: Ctrl-C stops everything."
	read -r -t 10 -p "demo: press Enter to watch the status (it starts by itself in 10 s) " || echo
	# in the background, so that a SIGTERM ends the demo at once too (bash
	# runs a trap only once a foreground command is done); bash's own note of
	# bmsd's death goes nowhere: the demo says it better
	"$BMSCTL" -s "$DEMO_DIR/bmsd.sock" watch &
	WATCH_PID=$!
	{ wait $WATCH_PID; } 2>/dev/null
	WATCH_PID=''
	if kill -0 "$BMSD_PID" 2>/dev/null; then
		say "bmsctl watch ended; the demo runs on until Ctrl-C ($WATCH_CMD shows the status again)"
	fi
else
	say "headless; SIGINT or SIGTERM stops everything. Status every second:"
fi

# Only SIGINT or SIGTERM ends the demo; bmsd ending does not.
sim_said=
while :; do
	if [ -n "$BMSD_PID" ] && ! kill -0 "$BMSD_PID" 2>/dev/null; then
		bmsd_gone
	fi
	if [ -z "$sim_said" ] && ! kill -0 "$SIM_PID" 2>/dev/null; then
		sim_said=1
		say "bms-sim exited (see $DEMO_DIR/bms-sim.log); Ctrl-C (or SIGTERM) stops the demo."
	fi
	if [ -n "$BMSD_PID" ] && [ ! -t 0 ] &&
		st=$("$BMSCTL" -s "$DEMO_DIR/bmsd.sock" status 2>/dev/null); then
		printf '%s\n\n' "$st"
		first_status
		fault_hint "$st"
	fi
	pause 1
done
