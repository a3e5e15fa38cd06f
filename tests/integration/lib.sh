# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the integration scenarios (sourced).
B=${B:-build}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/bmsd-it.XXXXXX")
PIDS=()

# RT: the prefix for the stand-ins of hardware. bms-sim plays the bridge MCU
# and socat's pty pair the wire to it; in the field neither is ever starved
# (the MCU has its own core, the bus is hardware), so on a busy test host they
# run with real-time priority, as they would. A miss is then bmsd's own.
# RT_BMSD: bmsd itself, with the scheduling that bmsd.service gives it
# (CPUSchedulingPolicy=fifo, priority 10, below the MCU's stand-in).
RT=()
RT_BMSD=()
if chrt -f 20 true 2>/dev/null; then
	RT=(chrt -f 20)
	RT_BMSD=(chrt -f 10)
fi

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

die() {
	echo "FAIL: $*" >&2
	# the daemons' own view, for a failure seen only on another machine
	for f in "$T"/*/bmsd.log "$T"/*/sim.log; do
		[ -s "$f" ] || continue
		echo "--- tail of $f" >&2
		tail -n 15 "$f" >&2
	done
	exit 1
}

# ptypair NAME: a socat pty pair $T/NAME-a <-> $T/NAME-b
ptypair() {
	"${RT[@]}" socat pty,raw,echo=0,link="$T/$1-a" pty,raw,echo=0,link="$T/$1-b" 2>"$T/socat-$1.log" &
	PIDS+=($!)
	for _ in $(seq 100); do
		[ -e "$T/$1-a" ] && [ -e "$T/$1-b" ] && return 0
		sleep 0.05
	done
	die "socat pty pair $1 did not appear"
}

# ctl PATH CMD: one command on a bms-sim control socket, reply on stdout
ctl() {
	$PY - "$1" "$2" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode().strip())
PYEOF
}

# wait_sock PATH: until a control socket accepts
wait_sock() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	die "control socket $1 did not appear"
}

# jget JSON KEY
jget() {
	$PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# notify_start NAME: a NOTIFY_SOCKET stand-in at $T/NAME.notify, logging to
# $T/NAME.notify.log; exports NOTIFY_SOCKET for the next daemon started
notify_start() {
	: >"$T/$1.notify.log"
	$PY "$(dirname "${BASH_SOURCE[0]}")/notify_capture.py" "$T/$1.notify" "$T/$1.notify.log" &
	PIDS+=($!)
	for _ in $(seq 100); do
		[ -S "$T/$1.notify" ] && break
		sleep 0.02
	done
	[ -S "$T/$1.notify" ] || die "notify socket did not appear"
	export NOTIFY_SOCKET="$T/$1.notify"
}

# wait_log FILE REGEX [TENTHS]: until a line of FILE matches (default 10 s)
wait_log() {
	for _ in $(seq "${3:-100}"); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# bmsd_config NAME [SED...]: $T/NAME.yaml from etc/bmsd-demo.yaml, its
# endpoints moved into $T/NAME/ (link: slcan on $T/NAME/bridge), then any
# further sed expressions applied
bmsd_config() {
	local n=$1
	shift
	mkdir -p "$T/$n/state"
	sed -e "s#/tmp/bmsd-demo#$T/$n#g" "$@" "$(dirname "${BASH_SOURCE[0]}")/../../etc/bmsd-demo.yaml" \
		>"$T/$n.yaml"
}

# sim_start NAME [ARGS...]: bms-sim with its end of the bridge link at
# $T/NAME/bridge, slcan on a UNIX stream socket that bmsd's slcan:$T/NAME/bridge
# connects to (a pty's bytes cross a kernel worker thread that a busy host
# starves for hundreds of milliseconds; a socket's do not, as a wire's do
# not), shaped like the demo config's pack and wired like it (DI 1 and 2 read
# the contacts of relays 1 and 3, unless ARGS wire feedback themselves);
# sets SIM
sim_start() {
	local n=$1
	shift
	case " $* " in
	*" --feedback "*) ;;
	*) set -- --feedback 1=1 --feedback 2=3 "$@" ;;
	esac
	mkdir -p "$T/$n"
	"${RT[@]}" $B/bin/bms-sim --link slcan-listen:"$T/$n/bridge" --profile main-2r --boards 4 \
		--cells 16 --temps 4 --control "$T/$n/sim.sock" "$@" 2>"$T/$n/sim.log" &
	SIM=$!
	PIDS+=($SIM)
	wait_sock "$T/$n/sim.sock"
	wait_sock "$T/$n/bridge"
}

# bmsd_start NAME [ARGS...]: bmsd on $T/NAME.yaml with a NOTIFY_SOCKET
# stand-in; sets BMSD; waits for READY=1
bmsd_start() {
	local n=$1
	shift
	notify_start "$n"
	"${RT_BMSD[@]}" $B/bin/bmsd -c "$T/$n.yaml" "$@" 2>>"$T/$n/bmsd.log" &
	BMSD=$!
	PIDS+=($BMSD)
	wait_log "$T/$n.notify.log" 'READY=1' || die "bmsd sent no READY=1: $(cat "$T/$n/bmsd.log")"
}

# sim NAME CMD: one command on the bms-sim of NAME; simv NAME KEY: one value
# of its status truth
sim() { ctl "$T/$1/sim.sock" "$2"; }
simv() { jget "$(sim "$1" status)" "$2"; }

# until_relays MASK [TENTHS]: until the bms-sim of "a" drives exactly MASK
until_relays() {
	for _ in $(seq "${2:-50}"); do
		[ "$(simv a relays)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# never_closed SECONDS: the bms-sim of "a" drives no contactor (relays 1, 3)
# for that long
never_closed() {
	for _ in $(seq $(($1 * 20))); do
		r=$(simv a relays)
		[ $((r & 5)) = 0 ] || return 1
		sleep 0.05
	done
	return 0
}

# st NAME: bmsctl status --json of the bmsd of NAME
st() {
	$B/bin/bmsctl -s "$T/$1/bmsd.sock" --json status
}

# jpath JSON PATH: a value by dotted path ("link.state", "relays.0.closed")
jpath() {
	$PY -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (bool, type(None), dict, list)) else v)' "$1" "$2"
}

# until_json CMD PATH VALUE [TENTHS]: run CMD until PATH equals VALUE; the last
# output is left in $J
until_json() {
	for _ in $(seq "${4:-100}"); do
		J=$(eval "$1" 2>/dev/null) && [ "$(jpath "$J" "$2" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
