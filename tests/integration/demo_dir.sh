#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo's directory, as root: src/tools/demo.sh refuses a DEMO_DIR that
# is a symbolic link, is group-writable or belongs to someone else, and a
# state/ that is a link; it creates a missing DEMO_DIR 0700. In a directory
# of its own it replaces planted links (bmsd.yaml, the logs, the endpoints,
# the event log and SOC files in state/) instead of writing through them:
# nothing outside DEMO_DIR is created or written. A taken Modbus-TCP port is
# a loud failure, before and after bmsd starts. Killed with SIGKILL, bmsd
# leaves the simulated MCU running with its contactors opened by the floor.
set -u
. "$(dirname "$0")/lib.sh"
DEMO=$(dirname "$0")/../../src/tools/demo.sh
[ -x "$B/bin/bmsd" ] && [ -x "$B/bin/bms-sim" ] || die "$B/bin/bmsd or bms-sim not built"

DEMO_PGID=
trap '[ -n "$DEMO_PGID" ] && kill -KILL -- "-$DEMO_PGID" 2>/dev/null; cleanup' EXIT

OUT=$T/outside # the victims: nothing here may change
mkdir -p "$OUT/statedir" "$OUT/realdir"
for v in victim2 victim4 victim6 victim7; do echo "precious $v" >"$OUT/$v"; done
snapshot() { (cd "$OUT" && find . -printf '%p %y %s %m %T@ %l\n' | sort); }

# free_port: a TCP port on 127.0.0.1 that nothing answers on
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p" 2>/dev/null || {
			echo "$p"
			return 0
		}
	done
	die "no free TCP port found"
}

# refuse NAME REGEX [ENV...]: the demo on DEMO_DIR=$T/NAME exits 1 at once,
# saying REGEX, and leaves no process behind
refuse() {
	local name=$1 re=$2 rc
	shift 2
	env "$@" DEMO_DIR="$T/$name" DEMO_MODBUS_PORT="$(free_port)" \
		timeout 120 bash "$DEMO" </dev/null >"$T/$name.out" 2>&1
	rc=$?
	[ $rc = 1 ] || die "$name: demo exited $rc, not 1: $(cat "$T/$name.out")"
	grep -Eq -- "$re" "$T/$name.out" || die "$name: no message /$re/: $(cat "$T/$name.out")"
	pgrep -f -- "$T/$name/" >/dev/null && die "$name: the demo left processes behind: $(pgrep -af -- "$T/$name/")"
	echo "$name: refused: $(grep -m1 -E -- "$re" "$T/$name.out")"
}

before=$(snapshot)

# a DEMO_DIR that is a link, even to a directory of ours
ln -s "$OUT/realdir" "$T/linkdir"
refuse linkdir 'DEMO_DIR .*linkdir is a symbolic link'
[ -z "$(ls -A "$OUT/realdir")" ] || die "linkdir: something was written through the link: $(ls -A "$OUT/realdir")"

# group-writable
mkdir -m 0770 "$T/gw"
chmod 0770 "$T/gw" # whatever the umask
refuse gw 'writable by its group or others \(mode 770\)'
[ -z "$(ls -A "$T/gw")" ] || die "gw: files written into a refused directory: $(ls -A "$T/gw")"

# someone else's (only root can hand a directory to another uid)
if [ "$(id -u)" = 0 ]; then
	mkdir -m 0755 "$T/foreign"
	chown 65534 "$T/foreign"
	refuse foreign 'belongs to uid 65534'
	[ -z "$(ls -A "$T/foreign")" ] || die "foreign: files written into it: $(ls -A "$T/foreign")"
else
	echo "foreign: skipped (not root)"
fi

# state/ a link to elsewhere, and state/ group-writable
mkdir -m 0700 "$T/statelink"
ln -s "$OUT/statedir" "$T/statelink/state"
refuse statelink 'state directory .*state is a symbolic link'
mkdir -m 0700 "$T/stategw" "$T/stategw/state"
chmod 0770 "$T/stategw/state"
refuse stategw 'state directory .* writable by its group or others'

# a missing DEMO_DIR is created 0700 (state/ too), then a port that answers
# is refused before anything starts, naming it and DEMO_MODBUS_PORT
port=$(free_port)
socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork /dev/null 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null && break
	sleep 0.1
done
env DEMO_DIR="$T/fresh" DEMO_MODBUS_PORT="$port" timeout 120 bash "$DEMO" </dev/null >"$T/fresh.out" 2>&1
rc=$?
[ $rc = 1 ] || die "taken port: demo exited $rc: $(cat "$T/fresh.out")"
grep -q "port $port .*taken.*DEMO_MODBUS_PORT" "$T/fresh.out" || die "taken port: no loud message: $(cat "$T/fresh.out")"
[ "$(stat -c %a "$T/fresh")" = 700 ] || die "fresh DEMO_DIR has mode $(stat -c %a "$T/fresh")"
[ "$(stat -c %a "$T/fresh/state")" = 700 ] || die "fresh state/ has mode $(stat -c %a "$T/fresh/state")"
[ -e "$T/fresh/bmsd.sock" ] && die "taken port: bmsd was started"
echo "taken port $port: refused before start: $(grep -m1 "port $port" "$T/fresh.out")"

# a port bound but not listening: free to a connect, but bmsd cannot bind it
$PY -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".new", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".new", sys.argv[1])
time.sleep(600)
' "$T/bound.port" &
PIDS+=($!)
for _ in $(seq 300); do
	[ -s "$T/bound.port" ] && break
	sleep 0.1
done
port=$(cat "$T/bound.port" 2>/dev/null)
[ -n "$port" ] || die "no port bound for the bind test"
env DEMO_DIR="$T/bound" DEMO_MODBUS_PORT="$port" timeout 120 bash "$DEMO" </dev/null >"$T/bound.out" 2>&1
rc=$?
[ $rc = 1 ] || die "bound port: demo exited $rc: $(cat "$T/bound.out")"
grep -q "bmsd cannot serve Modbus-TCP on 127.0.0.1:$port.*DEMO_MODBUS_PORT" "$T/bound.out" ||
	die "bound port: no loud message: $(cat "$T/bound.out")"
grep -q '^demo: endpoints' "$T/bound.out" && die "bound port: the banner advertised it: $(cat "$T/bound.out")"
pgrep -f -- "$T/bound/" >/dev/null && die "bound port: processes left behind: $(pgrep -af -- "$T/bound/")"
echo "bound port $port: bmsd's bind failure stops the demo"

# ---- a directory of ours with links planted in it ---------------------------
D=$T/demo
mkdir -m 0700 "$D" "$D/state"
ln -s "$OUT/victim1" "$D/bmsd.yaml"
ln -s "$OUT/victim2" "$D/bmsd.log"
ln -s "$OUT/victim3" "$D/bms-sim.log"
ln -s "$OUT/victim4" "$D/socat.log"
ln -s "$OUT/victim5" "$D/state/events.log"
ln -s "$OUT/victim6" "$D/state/events.log.1"
ln -s "$OUT/victim7" "$D/state/soc"
ln -s "$OUT/victim8" "$D/state/soc.tmp"
ln -s "$OUT/victim9" "$D/bmsd.sock"
ln -s "$OUT/victim10" "$D/bridge"
ln -s "$OUT/victim11" "$D/can1"
ln -s "$OUT/victim12" "$D/bms-sim.sock"

setsid env DEMO_DIR="$D" DEMO_MODBUS_PORT="$(free_port)" bash "$DEMO" </dev/null >"$T/demo.out" 2>&1 &
DEMO_PGID=$!
wait_log "$T/demo.out" '^demo: first status' 1200 || die "no first status within 120 s: $(cat "$T/demo.out")"
until_json "$B/bin/bmsctl -s $D/bmsd.sock --json status" state running 600 ||
	die "bmsd not running in the demo: $J"
for f in bmsd.yaml bmsd.log bms-sim.log socat.log state/events.log; do
	[ -L "$D/$f" ] && die "$D/$f is still a link"
	[ -f "$D/$f" ] || die "$D/$f is not a regular file"
done
for f in events.log events.log.1 soc soc.tmp; do
	grep -q "removed the symbolic link $D/state/$f" "$T/demo.out" || die "no word of the link state/$f: $(cat "$T/demo.out")"
done
grep -q "^  interface: slcan:$D/bridge" "$D/bmsd.yaml" || die "bmsd.yaml is not the demo's"
[ -S "$D/bmsd.sock" ] && [ -S "$D/bms-sim.sock" ] || die "control sockets are not sockets"
echo "planted links replaced; bmsd running"

# bmsd killed: the demo stays, and shows the MCU's floor opening the relays
bmsd=$(pgrep -f -- "bmsd -c $D/bmsd.yaml") || die "no bmsd of the demo"
kill -KILL $bmsd
wait_log "$T/demo.out" 'Ctrl-C \(or SIGTERM\) stops the demo' 600 || die "no word after bmsd died: $(tail -n 20 "$T/demo.out")"
grep -q 'bmsd was killed by SIGKILL' "$T/demo.out" || die "bmsd's death not told: $(tail -n 20 "$T/demo.out")"
grep -q 'after the heartbeat timeout: MCU safety floor tripped (trips: heartbeat), relays driven 0x0, contacts 0x0, current 0 mA' "$T/demo.out" ||
	die "the floor's opening not shown: $(tail -n 20 "$T/demo.out")"
grep -q "demo:   .*/bmsd -c $D/bmsd.yaml\$" "$T/demo.out" || die "no restart command: $(tail -n 20 "$T/demo.out")"
kill -0 $DEMO_PGID 2>/dev/null || die "the demo ended with bmsd"
fw=$(ctl "$D/bms-sim.sock" fw)
[ "$(jget "$fw" relays)" = 0 ] || die "relays not open after bmsd died: $fw"
echo "bmsd killed: $(grep -m1 'after the heartbeat timeout' "$T/demo.out")"

# SIGTERM: the demo stops everything it started, exit 0
kill -TERM $DEMO_PGID
for _ in $(seq 300); do
	kill -0 $DEMO_PGID 2>/dev/null || break
	sleep 0.1
done
kill -0 $DEMO_PGID 2>/dev/null && die "the demo did not stop on SIGTERM within 30 s"
wait $DEMO_PGID
rc=$?
[ $rc = 0 ] || die "the demo exited $rc on SIGTERM"
pgrep -f -- "$D/" >/dev/null && die "processes left behind: $(pgrep -af -- "$D/")"
DEMO_PGID=

after=$(snapshot)
[ "$before" = "$after" ] || die "something outside DEMO_DIR changed: $(diff <(echo "$before") <(echo "$after"))"
for v in victim1 victim3 victim5 victim8 victim9 victim10 victim11 victim12; do
	[ -e "$OUT/$v" ] && die "$OUT/$v was created"
done
for v in victim2 victim4 victim6 victim7; do
	[ "$(cat "$OUT/$v")" = "precious $v" ] || die "$OUT/$v was written"
done
echo "demo_dir: links and foreign directories refused or replaced, nothing written outside DEMO_DIR"
