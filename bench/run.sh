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

# bmsd's link and pack model per received frame: a full pack's stream recorded
# from the firmware, replayed into a fresh link with its 10 ms ticks; callgrind
# collects only inside the replay
out=$(mktemp)
frames=$(valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=bench_link_replay \
	"$B/bin/bench_link" 10 2>/dev/null | sed -n 's/^frames \([0-9]*\)$/\1/p')
total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
rm -f "$out"
awk -v t="$total" -v n="$frames" 'BEGIN {
	if (!n || !t) { print "bmsd link: could not measure" > "/dev/stderr"; exit 1 }
	printf "bmsd link: %.0f instructions per frame (decode, counters, pack model, snapshot " \
	       "summary and 10 ms ticks; %d frames of a 32 x 24 x 8 pack, callgrind, host build)\n",
	       t / n, n }'

# the core alone per tick, armed, HAL stand-ins taken out (bench/fw_tick.sh)
bash bench/fw_tick.sh

if [ -x bench/codec.sh ]; then
	bash bench/codec.sh
fi

# bmsd as a whole against bms-sim on a pty: start to READY, receive path per
# frame, resident memory, heap allocations in steady state
bash bench/bmsd.sh

# a limit crossing in a received frame to the relay-open command (p50/p99)
bash bench/reaction.sh
