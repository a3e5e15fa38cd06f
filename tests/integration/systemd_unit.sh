#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd/: the unit verifies clean, rates an exposure of 2.5 or below (the
# figure is printed), grants exactly the capabilities that the code needs,
# allows every system call and socket family that a bmsd run uses (strace),
# names only groups that exist, and the sysusers, udev and networkd files
# say what they should. Offline: no running systemd is needed.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
unit=systemd/bmsd.service
MAX_EXPOSURE=2.5

command -v systemd-analyze >/dev/null || die "systemd-analyze missing (make deps installs systemd)"
[ -x "$B/bin/bmsd" ] || die "$B/bin/bmsd not built"

# key KEY: the values of KEY= in the unit, one line each
key() { sed -n "s/^$1=//p" "$unit"; }

# --- the required settings
for kv in Type=notify Restart=on-failure User=bmsd Group=bmsd ProtectSystem=strict \
	StateDirectory=bmsd RuntimeDirectory=bmsd NoNewPrivileges=yes ProtectHome=yes \
	PrivateTmp=yes DevicePolicy=closed 'ExecReload=/bin/kill -HUP $MAINPID' \
	CPUSchedulingPolicy=fifo CPUSchedulingResetOnFork=yes; do
	grep -qxF "$kv" "$unit" || die "$unit: no line $kv"
done
wd=$(key WatchdogSec)
[ -n "$wd" ] || die "$unit: no WatchdogSec="
for d in char-ttyS char-ttyUSB char-ttyACM char-gpiochip; do
	grep -qx "DeviceAllow=$d rw" "$unit" || die "$unit: no DeviceAllow=$d rw"
done

# --- verify: a copy whose ExecStart is the bmsd just built, and the man
# pages of Documentation= from man/
mkdir -p "$T/unit" "$T/man/man1" "$T/man/man5" "$T/man/man8"
sed "s#^ExecStart=/usr/sbin/bmsd #ExecStart=$PWD/$B/bin/bmsd #" "$unit" >"$T/unit/bmsd.service"
for m in man/*.[158]; do
	cp "$m" "$T/man/man${m##*.}/"
done
out=$(MANPATH="$T/man" systemd-analyze verify "$T/unit/bmsd.service" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] || die "systemd-analyze verify (exit $rc): $out"

# --- the exposure figure
systemd-analyze security --offline=yes "$T/unit/bmsd.service" >"$T/security.txt" 2>&1
fig=$(sed -n 's/.*Overall exposure level for bmsd.service: \([0-9.]*\).*/\1/p' "$T/security.txt")
[ -n "$fig" ] || { cat "$T/security.txt" >&2; die "no exposure figure from systemd-analyze security"; }
grep '✗' "$T/security.txt" | sed 's/  */ /g'
awk -v f="$fig" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(f <= m) }' ||
	die "exposure $fig is above $MAX_EXPOSURE"

# --- capabilities: CAP_NET_ADMIN exactly when bmsd sets CAN links up itself,
# CAP_NET_BIND_SERVICE for Modbus-TCP's port 502; the two lists agree
amb=$(key AmbientCapabilities | tr ' ' '\n' | sort | xargs)
bnd=$(key CapabilityBoundingSet | tr ' ' '\n' | sort | xargs)
[ "$amb" = "$bnd" ] || die "AmbientCapabilities ($amb) and CapabilityBoundingSet ($bnd) differ"
if grep -qE 'can_(do_start|set_bitrate|do_restart)' src/lib/canio_socketcan.c; then
	[[ " $amb " == *" CAP_NET_ADMIN "* ]] || die "canio_socketcan.c sets links up: CAP_NET_ADMIN is needed"
else
	[[ " $amb " != *" CAP_NET_ADMIN "* ]] || die "nothing sets CAN links up: drop CAP_NET_ADMIN"
fi
for c in $amb; do
	case $c in
	CAP_NET_ADMIN | CAP_NET_BIND_SERVICE) ;;
	*) die "capability $c: nothing in bmsd needs it" ;;
	esac
done

# --- the system-call filter and address families let bmsd do its job: run
# it under strace (bms-sim on a pty pair, the demo configuration, the control
# socket given to bmsd's own group with chown, a reload and a status) and
# check every system call and socket family it used against the unit
# expand NAME...: system calls of filter groups and names, recursively
expand() {
	local n s
	for n in "$@"; do
		case $n in
		@*) systemd-analyze syscall-filter "$n" | tail -n +2 | sed -e 's/^ *//' -e '/^#/d' -e '/^$/d' |
			while read -r s; do expand "$s"; done ;;
		*) echo "$n" ;;
		esac
	done
}
filt=$(key SystemCallFilter)
allow=$(expand $(echo "$filt" | grep -v '^~') | sort -u)
deny=$(expand $(echo "$filt" | sed -n 's/^~//p') | sort -u)
allowed=$(comm -23 <(echo "$allow") <(echo "$deny"))
if command -v strace >/dev/null && command -v socat >/dev/null && [ -x "$B/bin/bms-sim" ] &&
	[ -x "$B/bin/bmsctl" ]; then
	d=$T/run
	mkdir -p "$d"
	sed -e "s#/tmp/bmsd-demo#$d#g" -e "s#^  group: .*#  group: $(id -gn)#" etc/bmsd-demo.yaml >"$d/bmsd.yaml"
	"${RT[@]}" socat pty,raw,echo=0,link="$d/bridge" pty,raw,echo=0,link="$d/bridge-peer" 2>/dev/null &
	PIDS+=($!)
	wait_file() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; die "$1 did not appear"; }
	wait_file "$d/bridge-peer"
	"${RT[@]}" "$B/bin/bms-sim" --link slcan:"$d/bridge-peer" --profile main-2r --boards 4 --cells 16 \
		--temps 4 --control "$d/sim.sock" 2>"$d/sim.log" &
	PIDS+=($!)
	wait_file "$d/sim.sock"
	strace -f -qq -o "$d/strace.txt" "$B/bin/bmsd" -c "$d/bmsd.yaml" 2>"$d/bmsd.log" &
	sp=$!
	wait_file "$d/bmsd.sock"
	sleep 1
	"$B/bin/bmsctl" -s "$d/bmsd.sock" status >/dev/null || die "bmsctl status under strace failed"
	bp=$(pgrep -P $sp -x bmsd || true)
	[ -n "$bp" ] || die "no bmsd under strace"
	kill -HUP "$bp"
	sleep 0.5
	kill -TERM "$bp"
	wait $sp
	grep -q 'reloaded' "$d/bmsd.log" || die "bmsd did not reload under strace: $(tail -n 3 "$d/bmsd.log")"
	used=$(sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' "$d/strace.txt" | sort -u)
	bad=$(comm -23 <(echo "$used") <(echo "$allowed") | xargs)
	[ -z "$bad" ] || die "bmsd made system calls that the unit's SystemCallFilter= refuses: $bad"
	fams=$(sed -n 's/.*socket(\(AF_[A-Z0-9]*\),.*/\1/p' "$d/strace.txt" | sort -u | xargs)
	for f in $fams; do
		[[ " $(key RestrictAddressFamilies) " == *" $f "* ]] ||
			die "bmsd opened an $f socket, which RestrictAddressFamilies= refuses"
	done
	ran="$(echo "$used" | wc -l) system calls and sockets $fams of a bmsd run all allowed"
else
	ran="strace run skipped (strace, socat, bms-sim or bmsctl missing)"
fi
# the control socket's owner change (fchownat) must stay allowed
for call in $(grep -ohE '\b(f|l)?chown(at)?\(' src/iface/ctl*.c | tr -d '(' | sort -u); do
	grep -qx "$call" <<<"$allowed" || die "the control socket calls $call(), which SystemCallFilter= refuses"
done

# --- groups: each supplementary group is Debian's (base-passwd) or made by
# bmsd.sysusers; the sysusers file makes the bmsd user in an empty root
for g in $(key SupplementaryGroups); do
	grep -q "^$g:" /usr/share/base-passwd/group.master 2>/dev/null ||
		grep -qE "^[gu] +$g " systemd/bmsd.sysusers ||
		die "SupplementaryGroups: group $g is neither Debian's nor made by bmsd.sysusers"
done
mkdir -p "$T/root/etc"
touch "$T/root/etc/passwd" "$T/root/etc/group" "$T/root/etc/shadow" "$T/root/etc/gshadow"
systemd-sysusers --root="$T/root" "$PWD/systemd/bmsd.sysusers" 2>"$T/sysusers.err" ||
	die "systemd-sysusers: $(cat "$T/sysusers.err")"
pw=$(grep '^bmsd:' "$T/root/etc/passwd") || die "sysusers made no bmsd user"
IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/bmsd ] && [[ "$shell" == */nologin ]] ||
	die "bmsd user: $pw"
grep -q "^bmsd:x:$gid:" "$T/root/etc/group" || die "no bmsd group with gid $gid"
grep -q '^gpio:' "$T/root/etc/group" || die "sysusers made no gpio group"

# --- udev: gpiochips to the gpio group
grep -qE '^SUBSYSTEM=="gpio", KERNEL=="gpiochip\[0-9\]\*", GROUP="gpio", MODE="0660"$' \
	systemd/60-bmsd.rules || die "60-bmsd.rules: no gpiochip rule"

# --- networkd: can0 at 1 Mbit/s (the default link.bitrate_bps) with a
# bus-off restart; every key is one that this systemd-networkd knows
net=systemd/80-can0.network
grep -qx 'Name=can0' "$net" && grep -qx 'BitRate=1M' "$net" && grep -qE '^RestartSec=[0-9]+m?s$' "$net" ||
	die "$net: Name=can0, BitRate=1M and RestartSec= expected"
nd=/lib/systemd/systemd-networkd
if [ -x "$nd" ]; then
	sect=
	while read -r line; do
		case $line in
		\#* | '') ;;
		\[*\]) sect=${line#[}; sect=${sect%]} ;;
		*=*)
			strings "$nd" | grep -qx "$sect.${line%%=*}" ||
				die "$net: systemd-networkd knows no $sect.${line%%=*}"
			;;
		esac
	done <"$net"
fi

echo "systemd_unit: $ran"
echo "systemd_unit: verify clean; exposure $fig (at most $MAX_EXPOSURE); capabilities: $amb; WatchdogSec=$wd; SCHED_FIFO $(key CPUSchedulingPriority)"
