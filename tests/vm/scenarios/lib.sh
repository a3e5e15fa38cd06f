# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers of the VM scenarios (sourced): those of the slcan scenarios
# (tests/integration/lib.sh), plus bms-sim and bmsd on SocketCAN, candump
# captures and the gpio-sim chip that tests/vm/init creates.
#
# Under TCG a dynamically linked program takes 50 to 150 ms to start, and
# Python or jq most of a second. The helpers below therefore replace those of
# lib.sh with the same names and meanings, without Python: waits without a
# sleep process, JSON by busybox awk (jpath.awk), bms-sim's control socket
# through one lasting socat.
. "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
VM_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the bridge bus of this scenario (guest.sh gives each lane its own)
VM_BUS=${VM_BUS:-vcan0}

# nap SECONDS: sleep without starting a process
exec {VM_NAP_FD}<> <(:)
nap() {
	read -rt "$1" -u "$VM_NAP_FD" _
	return 0
}

# step MESSAGE: a progress line with the time since the scenario started
VM_T0=${EPOCHREALTIME/./}
step() {
	local us=$((${EPOCHREALTIME/./} - VM_T0))
	printf '[%3d.%01ds] %s\n' $((us / 1000000)) $((us / 100000 % 10)) "$*"
}

# jpath JSON PATH...: the values at dotted paths ("link.state",
# "relays.0.closed"), one line each. busybox is static: its awk starts
# several times faster than a dynamically linked one.
if [ -x /bin/busybox ]; then
	VM_AWK=(/bin/busybox awk)
else
	VM_AWK=(awk)
fi
jpath() {
	"${VM_AWK[@]}" -v path="${*:2}" -f "$VM_LIB/jpath.awk" <<<"$1"
}
jget() {
	jpath "$@"
}

# jvars JSON VAR=PATH...: shell variables from one parse
jvars() {
	local j=$1 a p=() v=() i
	shift
	for a in "$@"; do
		p+=("${a#*=}")
	done
	mapfile -t v < <(jpath "$j" "${p[@]}")
	i=0
	for a in "$@"; do
		printf -v "${a%%=*}" '%s' "${v[i]-}"
		i=$((i + 1))
	done
}

# ---- a persistent connection to bms-sim's control socket ---------------------
# One socat per socket, kept open through two FIFOs: a request then costs no
# process start (a third of the time of one socat per request under TCG). A
# connection that the peer dropped is opened again. Call these directly, not
# in $(...): a reopened connection must outlive the call. (bash reads a pipe
# byte by byte: for bmsd's long status replies, bmsctl is quicker.)
trap '' PIPE
declare -A CONN_W CONN_R CONN_PID
VM_NCONN=0

conn_close() {
	local w=${CONN_W[$1]:-} r=${CONN_R[$1]:-}
	[ -n "$w" ] || return 0
	exec {w}>&- {r}<&-
	kill "${CONN_PID[$1]}" 2>/dev/null
	wait "${CONN_PID[$1]}" 2>/dev/null
	unset "CONN_W[$1]" "CONN_R[$1]" "CONN_PID[$1]"
}

conn_open() {
	local d w r
	conn_close "$1"
	[ -S "$1" ] || return 1
	VM_NCONN=$((VM_NCONN + 1))
	d=$T/conn$VM_NCONN
	mkfifo "$d.in" "$d.out" || return 1
	socat - UNIX-CONNECT:"$1" <"$d.in" >"$d.out" 2>/dev/null &
	CONN_PID[$1]=$!
	PIDS+=($!)
	exec {w}>"$d.in" {r}<"$d.out"
	rm -f "$d.in" "$d.out"
	CONN_W[$1]=$w
	CONN_R[$1]=$r
}

# conn_req SOCKET LINE: one request, its one-line reply in REPLY_TEXT.
# Status 1 when no reply came.
conn_try() {
	local w=${CONN_W[$1]:-} r=${CONN_R[$1]:-}
	REPLY_TEXT=
	[ -n "$w" ] || return 1
	printf '%s\n' "$2" 2>/dev/null 1>&"$w" || return 1
	IFS= read -r -t 10 -u "$r" REPLY_TEXT
}
conn_req() {
	conn_try "$@" && return 0
	conn_open "$1" && conn_try "$@"
}

# stj NAME: J = bmsd's status JSON, by bmsctl --json status
stj() {
	J=$($B/bin/bmsctl -s "$T/$1/bmsd.sock" --json status 2>/dev/null)
}

# simj NAME CMD: R = bms-sim's one-line reply to CMD on its control socket
simj() {
	conn_req "$T/$1/sim.sock" "$2" || return 1
	R=$REPLY_TEXT
}

# ctl PATH CMD: as in lib.sh (one socat per call; for a command line of its own)
ctl() {
	socat -t 5 - UNIX-CONNECT:"$1" <<<"$2"
}

wait_sock() {
	for _ in $(seq 200); do
		[ -S "$1" ] && return 0
		nap 0.05
	done
	die "control socket $1 did not appear"
}

# wait_log FILE REGEX [TENTHS]: until FILE matches (default 10 s)
wait_log() {
	local txt
	for _ in $(seq "${3:-100}"); do
		txt=
		[ -e "$1" ] && read -r -d '' txt <"$1"
		[[ $txt =~ $2 ]] && return 0
		nap 0.1
	done
	return 1
}

# until_json CMD PATH VALUE [TENTHS]: as in lib.sh ("st NAME" without a
# subshell)
until_json() {
	for _ in $(seq "${4:-100}"); do
		if [[ $1 == "st "* ]]; then
			stj "${1#st }"
		else
			J=$(eval "$1" 2>/dev/null)
		fi && [ "$(jpath "$J" "$2")" = "$3" ] && return 0
		nap 0.1
	done
	return 1
}

# notify_start NAME: the NOTIFY_SOCKET stand-in, by socat (the datagrams run
# together in the log: match fields, not lines)
notify_start() {
	: >"$T/$1.notify.log"
	socat -u UNIX-RECV:"$T/$1.notify" OPEN:"$T/$1.notify.log",append 2>/dev/null &
	PIDS+=($!)
	for _ in $(seq 100); do
		[ -S "$T/$1.notify" ] && break
		nap 0.02
	done
	[ -S "$T/$1.notify" ] || die "notify socket did not appear"
	export NOTIFY_SOCKET="$T/$1.notify"
}

# vm_sim_start NAME IFACE [ARGS...]: bms-sim on socketcan:IFACE, shaped and
# wired like the demo config's pack, control socket $T/NAME/sim.sock; sets SIM
vm_sim_start() {
	local n=$1 ifc=$2
	shift 2
	mkdir -p "$T/$n"
	"${RT[@]}" $B/bin/bms-sim --link "socketcan:$ifc" --profile main-2r --boards 4 --cells 16 \
		--temps 4 --feedback 1=1 --feedback 2=3 --control "$T/$n/sim.sock" "$@" \
		2>>"$T/$n/sim.log" &
	SIM=$!
	PIDS+=($SIM)
	wait_sock "$T/$n/sim.sock"
}

# vm_bmsd_config NAME IFACE [SED...]: $T/NAME.yaml, the demo config with its
# MCU link on socketcan:IFACE. Under TCG on a busy host a process can stall
# for a few hundred milliseconds: the link's stale time and the floor's
# heartbeat timeout get a margin (VM_STALE_MS, VM_HB_MS) so that only the
# scenarios' own faults trip them.
VM_STALE_MS=1000
VM_HB_MS=1500
vm_bmsd_config() {
	local n=$1 ifc=$2
	shift 2
	bmsd_config "$n" -e "s#^\( *interface:\) slcan:.*#\1 socketcan:$ifc#" \
		-e "s/^\(  heartbeat_timeout_ms:\) 500\$/\1 $VM_HB_MS/" "$@"
	grep -q "^ *interface: socketcan:$ifc\$" "$T/$n.yaml" || die "could not move the link to $ifc"
	grep -q "^  heartbeat_timeout_ms: $VM_HB_MS\$" "$T/$n.yaml" || die "no heartbeat_timeout_ms: 500 in the demo config"
	if grep -q '^  stale_ms:' "$T/$n.yaml"; then
		sed -i "s/^  stale_ms:.*/  stale_ms: $VM_STALE_MS/" "$T/$n.yaml"
	else
		sed -i "s/^link:\$/&\n  stale_ms: $VM_STALE_MS/" "$T/$n.yaml"
	fi
}

# bmsd_start_as NAME CMD...: bmsd_start with bmsd run by CMD (setpriv ...)
bmsd_start_as() {
	local n=$1
	shift
	notify_start "$n"
	"$@" $B/bin/bmsd -c "$T/$n.yaml" 2>>"$T/$n/bmsd.log" &
	BMSD=$!
	PIDS+=($BMSD)
	wait_log "$T/$n.notify.log" 'READY=1' || die "bmsd sent no READY=1: $(cat "$T/$n/bmsd.log")"
}

# candump_start NAME IFACE [FILTERS]: candump -L of IFACE into
# $T/NAME.candump; FILTERS ("050:7FF,100:7F0") are applied in the kernel,
# which keeps a reader of the whole stream from eating the guest's CPU
candump_start() {
	candump -L "$2${3:+,$3}" >"$T/$1.candump" 2>&1 &
	PIDS+=($!)
	nap 0.2
}

# candump_tally NAME: CNT[ID] = frames per identifier (upper-case hex, as
# candump prints it) in $T/NAME.candump; IDS = the identifiers, sorted
declare -A CNT
candump_tally() {
	local id n
	CNT=()
	while read -r id n; do
		CNT[$id]=$n
	done < <("${VM_AWK[@]}" '{ i = index($3, "#") } i > 1 { c[toupper(substr($3, 1, i - 1))]++ }
		END { for (k in c) print k, c[k] }' "$T/$1.candump")
	IDS=$(printf '%s\n' "${!CNT[@]}" | sort | tr '\n' ' ')
}

# candump_count ID: frames with identifier ID in the last candump_tally
candump_count() {
	echo "${CNT[$1]:-0}"
}

# sim_relays NAME VALUE [TENTHS]: until bms-sim's firmware drives VALUE; the
# last reply is left in $fw
sim_relays() {
	for _ in $(seq "${3:-100}"); do
		simj "$1" fw && fw=$R && [ "$(jpath "$fw" relays)" = "$2" ] && return 0
		nap 0.1
	done
	return 1
}

# wait_running NAME: bmsd of NAME verified and running, the contactors closed
wait_running() {
	until_json "st $1" link.verified true 200 || die "configuration not verified: $J"
	until_json "st $1" state running 100 || die "bmsd not running: $J"
	sim_relays "$1" 7 || die "contactor relays not closed: $fw"
}

# ---- the gpio-sim chip ---------------------------------------------------------
# The kernel's gpio_value trace event records every value that a consumer
# sets, with its time: the LED timing and the RS-485 driver-enable pulses
# are read from it, so no change is missed between two samples.
TRACE=/sys/kernel/tracing
GPIO_LABEL=bmsd-vm # the gpio-sim bank's label, as tests/vm/init sets it
GPIO_CFS=/sys/kernel/config/gpio-sim/$GPIO_LABEL

# gpio_base: the global number of the sim chip's line 0
gpio_base() {
	"${VM_AWK[@]}" -v l="$GPIO_LABEL" '/^gpiochip[0-9]+: GPIOs / && $0 ~ (" " l "[,:]") {
		split($3, r, "-"); print r[1] + 0; exit }' /sys/kernel/debug/gpio
}

# gpio_trace_start: an empty trace buffer. The event itself is on from boot
# (run.sh: trace_event=gpio:gpio_value).
gpio_trace_start() {
	[ "$(cat $TRACE/events/gpio/gpio_value/enable)" = 1 ] || die "the gpio_value trace event is off"
	echo 0 >$TRACE/tracing_on
	: >$TRACE/trace
	echo 1 >$TRACE/tracing_on
}

# gpio_trace OFFSET: "SECONDS VALUE" for each value set on line OFFSET
gpio_trace() {
	"${VM_AWK[@]}" -v g=$(($(gpio_base) + $1)) '{
		for (i = 2; i + 3 <= NF; i++)
			if ($i == "gpio_value:" && $(i + 1) == g && $(i + 2) == "set") {
				t = $(i - 1); sub(/:$/, "", t); print t, $(i + 3)
			}
	}' $TRACE/trace
}

# gpio_sim_path OFFSET: the sim's sysfs attribute with the level a consumer drives
gpio_sim_path() {
	echo "/sys/devices/platform/$(<$GPIO_CFS/dev_name)/$(<$GPIO_CFS/bank0/chip_name)/sim_gpio$1/value"
}
