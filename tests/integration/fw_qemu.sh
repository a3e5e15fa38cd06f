#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The firmware for the STM32F405: `make firmware` must build within the
# budget (flash, RAM, worst stack), and the emulated smoke test, built from
# the same core and startup code, must pass on QEMU's netduinoplus2 (an
# STM32F405): hard-limit trips on the very next sample, heartbeat loss
# within the timeout, LED timing in ticks, the fault path. The test image
# reports through semihosting; its exit status is QEMU's.
set -u
. "$(dirname "$0")/lib.sh"
MAKE=${MAKE:-make}

for tool in arm-none-eabi-gcc qemu-system-arm; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed; 'make deps' (as root) installs it" >&2
		echo "SKIP: $tool is not installed; 'make deps' (as root) installs it"
		exit 77
	fi
done

"$MAKE" --no-print-directory -s B="$B" firmware fw-test-image >"$T/build.log" 2>&1
rc=$?
grep -v '^  ARM' "$T/build.log"
[ $rc -eq 0 ] || die "make firmware fw-test-image failed (exit $rc)"
report=$(grep -E 'bms-bridge.elf: (flash|RAM)' "$T/build.log" | awk '{ printf "%s %s/%s ", $2, $3, $6 }')

# -d unimp logs every access to a peripheral that QEMU does not model,
# GPIO port E among them: that shows what reaches the relay pins
timeout 60 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial none \
	-semihosting-config enable=on,target=native -kernel "$B/firmware/bms-bridge-qemu.elf" \
	-d unimp -D "$T/unimp.log" >"$T/qemu.out" 2>&1
rc=$?
cat "$T/qemu.out"
[ $rc -ne 124 ] || die "the smoke test did not finish within 60 s"
[ $rc -eq 0 ] || die "the smoke test failed with exit status $rc"
pass=$(sed -n 's/^PASS: //p' "$T/qemu.out")
[ -n "$pass" ] || die "exit status 0 but no PASS line"

# relays and outputs low before anything else: after reset, the first write
# to anything but the clock controller is PE0..3 and PE12..15 reset through
# GPIOE_BSRR; after the fault, the last write to port E is that same store,
# followed by the watchdog's start key
safe='GPIOE: unimplemented device write (size 4, offset 0x018, value 0xf00f0000)'
writes=$(grep 'device write' "$T/unimp.log" | grep -v '^RCC:')
if grep -q '^GPIOE:' "$T/unimp.log"; then
	first=$(echo "$writes" | head -n 1)
	[ "$first" = "$safe" ] || die "first write after reset is not the safe store: $first"
	echo "$writes" | sed -n 2p | grep -q '^GPIOE: .*offset 0x000, value 0x55000055)' ||
		die "relay and DO pins not made outputs right after the safe store"
	last=$(echo "$writes" | grep -n '^GPIOE:' | tail -n 1)
	[ "${last#*:}" = "$safe" ] || die "last port E write (the fault path) is not the safe store: $last"
	echo "$writes" | sed -n "$((${last%%:*} + 1))p" | grep -q 'offset 0x000, value 0x0000cccc)' ||
		die "the fault path did not start the watchdog after the safe store"
	echo "reset and fault paths: relays and outputs driven low first (GPIOE_BSRR = 0xf00f0000)"
else
	echo "note: this QEMU does not log port E accesses; the reset-order check did not run"
fi
echo "fw_qemu: netduinoplus2 smoke test passed ($pass); firmware ${report% }"
