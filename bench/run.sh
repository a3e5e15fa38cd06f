#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: print the figures. Instruction counts come from callgrind,
# which counts instructions, not time, so they repeat run to run.
set -eu
B=${B:-build}
cd "$(dirname "$0")/.."

"$B/bin/bench_busload" 10

# firmware core cost per 1 kHz tick, full pack (1 s warm-up + 10 s)
out=$(mktemp)
valgrind --tool=callgrind --callgrind-out-file="$out" "$B/bin/bench_busload" 10 >/dev/null 2>&1
total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
rm -f "$out"
awk -v t="$total" 'BEGIN {
	per = t / 11000;
	printf "firmware: %.0f instructions per 1 kHz tick, 32 x 24 x 8 pack, simulated boards and wire included " \
	       "(%.2f %% of a 168 MHz core at 1 instruction/cycle, callgrind, host build)\n",
	       per, per * 1000 / 168e6 * 100 }'

if [ -x bench/codec.sh ]; then
	bash bench/codec.sh
fi
