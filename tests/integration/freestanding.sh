#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The firmware core and the protocol codec are freestanding: they include
# only <stdint.h>, <stdbool.h> and <stddef.h>, and once compiled with
# -ffreestanding they need nothing from outside but the HAL, each other,
# and the memory primitives that every C compiler may call.
set -u
. "$(dirname "$0")/lib.sh"
srcs=$(ls mcu-bridge/core/*.c mcu-bridge/proto/*.c)
bad=$(grep -Hn '#include <' $srcs mcu-bridge/core/*.h mcu-bridge/proto/*.h mcu-bridge/hal/*.h |
	grep -vE '<(stdint|stdbool|stddef)\.h>')
[ -z "$bad" ] || die "non-freestanding includes:
$bad"
objs=()
for cc in gcc clang; do
	command -v $cc >/dev/null || continue
	for s in $srcs; do
		o="$T/$cc-$(basename "$s" .c).o"
		$cc -std=c11 -Os -ffreestanding -fno-builtin -Imcu-bridge -Wall -Wextra -Werror \
			-c -o "$o" "$s" || die "$cc cannot build $s freestanding"
		objs+=("$o")
	done
	defined=$(nm -g --defined-only "$T"/$cc-*.o | awk '{print $3}' | sort -u)
	undefined=$(nm -u "$T"/$cc-*.o | awk '{print $2}' | sort -u)
	extern=$(comm -23 <(echo "$undefined") <(echo "$defined") |
		grep -vE '^(hal_[a-z_]+|memcpy|memset|memmove|memcmp)$' || true)
	[ -z "$extern" ] || die "$cc: the core needs symbols from outside: $extern"
done
echo "freestanding: $(echo $srcs | wc -w) files, no libc, no symbols outside the HAL (gcc and clang)"
