#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh [demo|all]: install, from Debian 12, whatever of the demo's or the
# whole build and test set is missing, then prove that what is there works:
# the libraries are found by pkg-config and link, the Python modules that the
# tests import are imported, a libFuzzer target links, the ARM cross compiler
# builds. Idempotent; needs root only when something is missing.
#
# Packages are installed with --no-install-recommends, so every package that
# the tests need is named here, even where Debian only recommends it
# (python3-serial-asyncio for pymodbus, libclang-rt-14-dev for clang's
# -fsanitize=fuzzer, procps for /bin/kill in the unit's ExecReload).
set -eu
set_name=${1:-all}

# the demo: build bmsd, bmsctl and bms-sim; run them on socat's pty pairs
demo_pkgs=(
	gcc make libc6-dev pkg-config
	libsocketcan-dev libmodbus-dev libgpiod-dev libsystemd-dev libyaml-dev
	socat procps
)
# everything else that make check builds and runs
check_pkgs=(
	build-essential libcunit1-dev
	valgrind clang libclang-rt-14-dev
	python3 python3-can python3-serial python3-serial-asyncio python3-pymodbus
	can-utils mbpoll
	gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm stm32flash
	groff-base man-db
	debhelper lintian systemd mmdebstrap arch-test gpiod strace
	qemu-system-x86 busybox-static kmod iproute2
)
case "$set_name" in
demo) pkgs=("${demo_pkgs[@]}") ;;
all) pkgs=("${demo_pkgs[@]}" "${check_pkgs[@]}") ;;
*)
	echo "usage: deps.sh [demo|all]" >&2
	exit 2
	;;
esac

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: must run as root to install: ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- prove that the set works, naming the piece that does not ---
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=()
check() { # check WHAT COMMAND...: run COMMAND quietly; on failure record WHAT
	local what=$1
	shift
	if ! "$@" >"$tmp/out" 2>&1; then
		bad+=("$what")
		sed 's/^/    /' "$tmp/out" | tail -n 5 >&2
	fi
}

printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
for lib in yaml-0.1 libmodbus libgpiod libsystemd libsocketcan; do
	# shellcheck disable=SC2046 # pkg-config's flags are words
	check "the $lib library (pkg-config $lib, and linking against it)" \
		sh -c "cc \$(pkg-config --cflags $lib) -o '$tmp/t' '$tmp/t.c' \$(pkg-config --libs $lib)"
done
check "kill(1) for the unit's ExecReload (procps)" test -x /bin/kill

if [ "$set_name" = all ]; then
	check "CUnit (libcunit1-dev)" sh -c "cc -o '$tmp/t' '$tmp/t.c' -lcunit"
	check "the Python modules of the tests (python3-can, -serial, -serial-asyncio, -pymodbus)" \
		/usr/bin/python3 -c 'import can, serial, serial_asyncio, pymodbus
from pymodbus.client import ModbusSerialClient, ModbusTcpClient'
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
		>"$tmp/f.c"
	check "a libFuzzer target (clang, libclang-rt-14-dev)" \
		clang -fsanitize=fuzzer,address,undefined -o "$tmp/f" "$tmp/f.c"
	check "the ARM cross compiler (gcc-arm-none-eabi, libnewlib-arm-none-eabi)" \
		arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb --specs=nosys.specs -o "$tmp/a.elf" "$tmp/t.c"
	check "valgrind" valgrind -q --error-exitcode=1 /bin/true
	for c in socat candump mbpoll qemu-system-arm qemu-system-x86_64 stm32flash groff \
		lintian dpkg-buildpackage mmdebstrap gpioset strace busybox ip systemd-analyze; do
		check "the command $c" sh -c "command -v $c"
	done
fi

if [ ${#bad[@]} -gt 0 ]; then
	echo "deps: these do not work although their packages are installed:" >&2
	printf '  - %s\n' "${bad[@]}" >&2
	exit 1
fi
echo "deps: ${#pkgs[@]} packages present and working ($set_name set)"
