#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The firmware update path: bms-flash runs Debian's stm32flash against an
# emulated STM32F405 system bootloader (stm32boot_emu.py, AN3155) on a
# socat pty pair. The emulator's flash starts full of an older image, so
# the erase is needed; afterwards it must hold build/firmware/bms-bridge.bin
# byte for byte, with the rest of the erased sectors blank. Also: the
# order of the GPIO steps (--dry-run, then for real with a stand-in
# gpioset that holds its lines as the real one does), the refusals (not a
# firmware image, missing arguments, busy lines), and a bootloader that
# never answers.
#
# This host has no gpiochip, so no kernel GPIO line moves here. Where one
# exists (the gpio-sim VM of the test environment, or a board),
# set BMS_FLASH_GPIOCHIP (and BMS_FLASH_BOOT0 / BMS_FLASH_RESET, default
# lines 0 and 1) and the write is repeated with the lines driven.
set -u
. "$(dirname "$0")/lib.sh"
MAKE=${MAKE:-make}
flash=src/tools/bms-flash
img=$B/firmware/bms-bridge.bin

skip() {
	echo "SKIP: $*" >&2
	echo "SKIP: $*"
	exit 77
}
command -v stm32flash >/dev/null || skip "stm32flash is not installed; 'make deps' installs it"
command -v arm-none-eabi-gcc >/dev/null || skip "arm-none-eabi-gcc is not installed; 'make deps' installs it"
command -v socat >/dev/null || skip "socat is not installed"
$PY -c 'import serial' 2>/dev/null || skip "python3-serial is not installed for $PY"

"$MAKE" --no-print-directory -s B="$B" firmware >"$T/build.log" 2>&1 ||
	{ cat "$T/build.log"; die "make firmware failed"; }
size=$(stat -c %s "$img")

# 1. the plan: BOOT0 up before the reset pulse, stm32flash, BOOT0 down, reset pulse
$flash --dry-run --chip gpiochip3 --boot0 5 --reset 6 --tty /dev/ttyS1 --image "$img" >"$T/plan" 2>&1 ||
	{ cat "$T/plan"; die "dry run failed"; }
cat "$T/plan"
steps=$(grep -E '^\+ (gpioset|stm32flash|release 6)' "$T/plan" |
	sed -E 's/^\+ gpioset .* (5|6)=([01]) &$/\1=\2/; s/^\+ stm32flash .*/flash/; s/^\+ release 6.*/6 released/' |
	tr '\n' ' ')
[ "$steps" = "5=1 6=0 6 released flash 5=0 6=0 6 released " ] ||
	die "GPIO steps out of order: $steps"
grep -q -- '--drive=open-drain gpiochip3 6=0' "$T/plan" || die "reset not driven open-drain"
grep -q -- "stm32flash -b 115200 -m 8e1 -w $img -v -S 0x08000000 /dev/ttyS1" "$T/plan" ||
	die "unexpected stm32flash command"

# 2. refusals
head -c 4096 /dev/urandom >"$T/junk.bin"
printf '\x00\x10\x00\x20\x00\x00\x00\x00' >>"$T/junk.bin"
$flash --no-gpio --tty /dev/null --image "$T/junk.bin" >"$T/out" 2>&1 && die "accepted a random file"
grep -q 'not a firmware image' "$T/out" || { cat "$T/out"; die "no reason given for the random file"; }
$flash --tty /dev/null --image "$img" >"$T/out" 2>&1
[ $? -eq 2 ] || die "ran without --chip/--boot0/--reset"
grep -q 'required' "$T/out" || { cat "$T/out"; die "no usage error"; }
$flash --no-gpio --tty "$T/nonexistent" --image "$img" >"$T/out" 2>&1 && die "accepted a missing tty"

# 3. the write, against the emulated bootloader
emulate() { # NAME: pty pair NAME, emulator on its -a end, preloaded with an older image
	ptypair "$1"
	head -c $((96 * 1024)) /dev/urandom >"$T/old.bin"
	$PY tests/integration/stm32boot_emu.py --tty "$T/$1-a" --dump "$T/$1.dump" \
		--preload "$T/old.bin" --ready "$T/$1.ready" --log "$T/$1.log" &
	EMU=$!
	PIDS+=("$EMU")
	for _ in $(seq 100); do
		[ -e "$T/$1.ready" ] && return 0
		sleep 0.05
	done
	die "emulator did not start"
}
finish() { # NAME: stop the emulator, check its flash
	kill "$EMU"
	wait "$EMU" 2>/dev/null
	cat "$T/$1.log"
	[ -s "$T/$1.dump" ] || die "emulator left no flash dump"
	cmp -n "$size" "$T/$1.dump" "$img" || die "flash differs from the image"
	# the 16 KiB sectors that the image reaches were erased: blank after its end
	local end=$(( (size + 16383) / 16384 * 16384 ))
	if [ "$end" -gt "$size" ]; then
		cmp -n $((end - size)) <(tail -c +$((size + 1)) "$T/$1.dump") <(head -c $((end - size)) /dev/zero | tr '\0' '\377') ||
			die "the rest of the erased sectors is not blank"
	fi
	# what the image does not reach keeps the old content (no needless erase)
	cmp -s <(tail -c +$((65536 + 1)) "$T/$1.dump" | head -c 32768) <(tail -c +$((65536 + 1)) "$T/old.bin" | head -c 32768) ||
		die "sector 4 was erased though the image does not reach it"
}

emulate boot
timeout 60 $flash --no-gpio --serial-mode 8n1 --tty "$T/boot-b" --image "$img" >"$T/flash.out" 2>&1
rc=$?
tr '\r' '\n' <"$T/flash.out" | grep -v 'Wrote and verified address'
[ $rc -eq 0 ] || die "bms-flash failed (exit $rc)"
grep -q 'Wrote and verified address 0x08' "$T/flash.out" || die "stm32flash did not verify"
finish boot
echo "image of $size bytes written and verified; emulator flash matches"

# 4. a bootloader that never answers: a clear failure, not a hang
ptypair dead
timeout 60 $flash --no-gpio --serial-mode 8n1 --tty "$T/dead-b" --image "$img" >"$T/dead.out" 2>&1
rc=$?
[ $rc -ne 124 ] || die "bms-flash hung on a silent bootloader"
[ $rc -eq 1 ] || { cat "$T/dead.out"; die "silent bootloader: exit $rc, expected 1"; }
grep -q 'stm32flash failed' "$T/dead.out" || die "silent bootloader: no message"

# 5. the GPIO steps for real, with stand-ins for gpioset (it logs, and holds
# its lines until signalled, as gpioset --mode=signal does) and stm32flash
# (it logs, then runs the real one): the lines are held across the write
mkdir -p "$T/bin"
cat >"$T/bin/gpioset" <<'SH'
#!/bin/bash
echo "hold ${*: -1}" >>"$GPIO_LOG"
if [ -n "${GPIO_BUSY:-}" ]; then
	echo "gpioset: error setting the GPIO line values: Device or resource busy" >&2
	exit 1
fi
trap 'echo "free ${*: -1}" >>"$GPIO_LOG"; exit 0' TERM INT
while :; do sleep 0.01; done
SH
cat >"$T/bin/stm32flash" <<SH
#!/bin/bash
echo flash >>"\$GPIO_LOG"
exec $(command -v stm32flash) "\$@"
SH
chmod +x "$T/bin/gpioset" "$T/bin/stm32flash"
emulate standin
GPIO_LOG=$T/gpio.log PATH="$T/bin:$PATH" timeout 60 $flash --chip sim0 --boot0 0 --reset 1 \
	--serial-mode 8n1 --tty "$T/standin-b" --image "$img" >"$T/standin.out" 2>&1 ||
	{ cat "$T/standin.out"; die "bms-flash with stand-in GPIO failed"; }
finish standin
seq=$(tr '\n' ' ' <"$T/gpio.log")
[ "$seq" = "hold 0=1 hold 1=0 free 1=0 flash free 0=1 hold 0=0 hold 1=0 free 1=0 free 0=0 " ] ||
	die "GPIO sequence: $seq"
echo "GPIO sequence with stand-ins: $seq"
rm -f "$T/gpio.log"
GPIO_BUSY=1 GPIO_LOG=$T/gpio.log PATH="$T/bin:$PATH" timeout 20 $flash --chip sim0 --boot0 0 \
	--reset 1 --tty /dev/null --image "$img" >"$T/busy.out" 2>&1
[ $? -eq 2 ] || { cat "$T/busy.out"; die "busy GPIO line: expected exit 2"; }
grep -q 'bmsd still running' "$T/busy.out" || die "busy GPIO line: no hint"
! grep -q flash "$T/gpio.log" || die "stm32flash ran although the lines were busy"

# 6. the GPIO path on a real gpiochip, where one exists
gpio="checked with a stand-in gpioset; no kernel gpiochip here (set BMS_FLASH_GPIOCHIP where one exists)"
if [ -n "${BMS_FLASH_GPIOCHIP:-}" ]; then
	emulate gpio
	timeout 60 $flash --chip "$BMS_FLASH_GPIOCHIP" --boot0 "${BMS_FLASH_BOOT0:-0}" \
		--reset "${BMS_FLASH_RESET:-1}" --serial-mode 8n1 --tty "$T/gpio-b" --image "$img" \
		>"$T/gpio.out" 2>&1 || { cat "$T/gpio.out"; die "bms-flash with GPIO failed"; }
	finish gpio
	gpio="exercised on $BMS_FLASH_GPIOCHIP"
fi
echo "fw_flash: bms-flash + stm32flash wrote and verified $size bytes on the emulated bootloader; GPIO path $gpio"
