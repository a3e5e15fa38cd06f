#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh [--results DIR] SCENARIO...: boot Debian's stock kernel under QEMU
# (TCG) once, with the host's root over 9p, and run the scenarios inside on
# real SocketCAN (vcan0..vcan2) and a gpio-sim chip. A SCENARIO is a name
# under tests/vm/scenarios/ or a path to a script.
#
# Prints one "PASS: name" or "FAIL: name" line per scenario, as
# tests/run-integration.sh does; with --results, also adds each scenario's
# counts to DIR/counts for tests/summary.sh. Exit status: 0 all passed, 1 a
# failure, 77 the VM could not start here (said loudly: the only skip).
#
# Environment: B (build directory, default build), BMSD_VM_TIMEOUT (seconds
# for the whole boot, default 900), BMSD_VM_SCENARIO_TIMEOUT (seconds per
# scenario, default 300): guards against a hang, not times that a scenario is
# judged by, so a busy host that stretches emulation several times over
# does not end a healthy run; BMSD_VM_LANES (scenarios run at once, default 1;
# see guest.sh), BMSD_VM_CPUS (default 2), BMSD_VM_MEM (MiB, default 1024),
# BMSD_VM_APPEND (more kernel arguments), BMSD_VM_TRACE=1 (scenarios under
# bash -x), BMSD_VM_CACHE, BMSD_VM_KVER, BMSD_VM_QEMU (see setup.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
results=
if [ "${1:-}" = --results ]; then
	results=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [--results DIR] SCENARIO..." >&2; exit 2; }

B=${B:-build}
case $B in /*) ;; *) B=$top/$B ;; esac
work=$B/vm
t0=$SECONDS

names=()
paths=()
for s in "$@"; do
	case $s in
	*/*) p=$(cd "$(dirname "$s")" && pwd)/$(basename "$s") ;;
	*) p=$here/scenarios/$s.sh ;;
	esac
	names+=("$(basename "$p" .sh)")
	paths+=("$p")
done

count() { # count NAME PASSED FAILED
	[ -n "$results" ] && echo "vm $1 $2 $3" >>"$results/counts"
	return 0
}

skip() {
	local n
	{
		echo
		echo "################################################################"
		echo "###"
		echo "###  VM TESTS SKIPPED: $*"
		echo "###"
		echo "###  ${#names[@]} scenarios on real SocketCAN and gpio-sim did NOT run:"
		echo "###  ${names[*]}"
		echo "###"
		echo "################################################################"
		echo
	} >&2
	for n in "${names[@]}"; do
		echo "SKIP: vm-$n: VM TESTS SKIPPED: $*"
		count "$n" 0 0
	done
	exit 77
}

fail_all() {
	local n
	for n in "${names[@]}"; do
		echo "FAIL: vm-$n: $*"
		count "$n" 0 1
	done
	exit 1
}

for p in "${paths[@]}"; do
	[ -f "$p" ] || fail_all "no scenario $p"
done
for prog in bmsd bms-sim bmsctl; do
	[ -x "$B/bin/$prog" ] || fail_all "$B/bin/$prog is not built"
done
case "$top$B" in
*[[:space:]]*) fail_all "the VM cannot take a path with blanks: $top, $B" ;;
esac

# host directories under /tmp or /run, hidden by the guest's own tmpfs
# there unless init carries them over (a checkout in /tmp)
keep=
for d in "$top" "$B"; do
	case $d in
	/tmp/* | /run/*) keep=$keep${keep:+:}$d ;;
	esac
done

# ---- the kernel and initramfs (cached) ---------------------------------------
setup_log=$(mktemp)
K=$("$here/setup.sh" 2>"$setup_log")
rc=$?
K=${K##*$'\n'}
if [ "$rc" = 77 ]; then
	grep -v '^skip: ' "$setup_log" >&2
	reason=$(sed -n 's/^skip: //p' "$setup_log" | tail -n 1)
	rm -f "$setup_log"
	skip "${reason:-set-up could not provide a kernel}"
fi
if [ "$rc" != 0 ] || [ ! -e "$K/vmlinux" ]; then
	cat "$setup_log" >&2
	rm -f "$setup_log"
	fail_all "VM set-up failed (tests/vm/setup.sh, exit $rc)"
fi
grep -q 'preparing kernel' "$setup_log" && sed 's/^/  /' "$setup_log"
rm -f "$setup_log"
t_setup=$((SECONDS - t0))

# ---- the work directory: the guest's only writable share ----------------------
rm -rf "$work"
mkdir -p "$work"
printf '%s\n' "${paths[@]}" >"$work/scenarios"
{
	printf 'TOP=%q\n' "$top"
	printf 'B=%q\n' "$B"
	printf 'BMSD_VM_SCENARIO_TIMEOUT=%q\n' "${BMSD_VM_SCENARIO_TIMEOUT:-300}"
	printf 'BMSD_VM_TRACE=%q\n' "${BMSD_VM_TRACE:-}"
	printf 'BMSD_VM_LANES=%q\n' "${BMSD_VM_LANES:-1}"
} >"$work/env"

cpus=${BMSD_VM_CPUS:-2}
# The gpio trace event is enabled at boot: switching a tracepoint on patches
# kernel text on every CPU, which once hung a busy two-vCPU TCG guest. A
# soft lockup panics the guest, so that a hang ends the run at once.
kargs="trace_event=gpio:gpio_value softlockup_panic=1 watchdog_thresh=30"
t_boot=$SECONDS
timeout -k 5 "${BMSD_VM_TIMEOUT:-900}" "${BMSD_VM_QEMU:-qemu-system-x86_64}" \
	-accel tcg,thread=multi -M q35 -cpu qemu64 -smp "$cpus" -m "${BMSD_VM_MEM:-1024}" \
	-nographic -nodefaults -no-user-config -no-reboot -serial stdio -monitor none \
	-kernel "$K/vmlinux" -initrd "$K/initramfs.cpio" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 $kargs rdinit=/init ${BMSD_VM_APPEND:-} ${keep:+bmsd_vm.keep=$keep} bmsd_vm.work=$work bmsd_vm.script=$here/guest.sh" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap" \
	</dev/null >"$work/console.log" 2>&1
qrc=$?
t_vm=$((SECONDS - t_boot))

if [ ! -e "$work/booted" ]; then
	echo "--- console ($work/console.log):" >&2
	tail -n 30 "$work/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >&2
	# the kernel booted and our init broke: the harness is at fault, not QEMU
	f=$(sed -n 's/.*vm-init: FAILED: //p' "$work/console.log" | tr -d '\r' | head -n 1)
	[ -n "$f" ] && fail_all "the guest's init failed: $f (console: $work/console.log)"
	case $qrc in
	124 | 137) why="the VM did not come up within ${BMSD_VM_TIMEOUT:-900} s" ;;
	*) why="QEMU exited $qrc before the guest came up" ;;
	esac
	skip "$why (console: $work/console.log)"
fi

# ---- per-scenario results, from the guest -----------------------------------------
rc=0
npass=0
for n in "${names[@]}"; do
	log=$work/$n.log
	line=$(cat "$work/$n.result" 2>/dev/null)
	if [ -z "$line" ]; then
		echo "FAIL: vm-$n (did not run: the VM stopped early, QEMU exit $qrc), console: $work/console.log"
		tail -n 20 "$work/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^/    /'
		count "$n" 0 1
		rc=1
		continue
	fi
	set -- $line
	st=$1
	dur=$(awk -v ms="$2" 'BEGIN { printf "%.1f", ms / 1000 }')
	if [ "$st" = 0 ]; then
		echo "PASS: vm-$n (${dur}s): $(tail -n 1 "$log")"
		count "$n" 1 0
		npass=$((npass + 1))
	else
		echo "FAIL: vm-$n (exit $st, ${dur}s), log: $log"
		tail -n 40 "$log" | sed 's/^/    /'
		count "$n" 0 1
		rc=1
	fi
done
boot_ms=$(cat "$work/booted" 2>/dev/null)
echo "vm: $npass of ${#names[@]} scenarios passed; set-up ${t_setup} s, VM ${t_vm} s" \
	"(guest up after ${boot_ms:-?} ms of guest time), kernel $(cat "$K/kver")"
exit $rc
