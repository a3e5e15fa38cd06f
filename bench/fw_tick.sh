#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fw_tick.sh: instructions per 1 kHz tick of the firmware core on a full
# pack (32 boards x 24 cells x 8 temperatures, armed, in service), counted
# by callgrind on the host build of the same core (build/bin/bench_fwtick).
# Only the measured ticks are collected (--toggle-collect); the HAL's share
# (the host's stand-ins for CAN, ADC, UART and GPIO) is taken out, so the
# figure is the core's own: fw_tick and everything it calls but the HAL.
# The percentage assumes one instruction per cycle of a 168 MHz Cortex-M4:
# a host instruction count, not an ARM cycle count, so it is an estimate.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${B:-build}/bin/bench_fwtick
seconds=${FW_TICK_SECONDS:-10}
"${MAKE:-make}" -s "$bin" >/dev/null
command -v valgrind >/dev/null || { echo "fw_tick: valgrind not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

valgrind --tool=callgrind --toggle-collect=bench_measured_tick \
	--callgrind-out-file="$tmp/cg" "$bin" "$seconds" >"$tmp/out" 2>"$tmp/err" || {
	echo "fw_tick: bench_fwtick failed:" >&2
	cat "$tmp/out" "$tmp/err" >&2
	exit 1
}
callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$tmp/cg" >"$tmp/ann" 2>/dev/null

# inclusive cost of one function, and the sum over the HAL's functions
incl() {
	awk -v fn=":$1 " '!done && index($0, fn) { gsub(",", "", $1); print $1; done = 1 }' "$tmp/ann"
}
total=$(incl bench_measured_tick)
tick=$(incl fw_tick)
# (callgrind_annotate may list a function twice, once per spelling of its
# file name; the spelling followed by the object name is there for each)
hal=$(awk '/:hal_[a-z_]+ \[/ { gsub(",", "", $1); s += $1 } END { print s + 0 }' "$tmp/ann")
ticks=$((seconds * 1000))
if [ -z "$total" ] || [ -z "$tick" ]; then
	echo "fw_tick: could not read the callgrind profile" >&2
	exit 1
fi
cat "$tmp/out"
awk -v tick="$tick" -v hal="$hal" -v n="$ticks" 'BEGIN {
	core = (tick - hal) / n
	printf "fw_tick: firmware core %.0f instructions per 1 kHz tick, 32 x 24 x 8 pack armed " \
	       "(%.2f %% of a 168 MHz core at 1 instruction/cycle; host HAL stand-ins %.0f more; " \
	       "callgrind, host build)\n", core, core * 1000 / 168e6 * 100, hal / n }'
