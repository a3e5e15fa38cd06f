#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# codec.sh: instructions per frame of the bridge-protocol codec.
#
# Runs build/bin/bench_codec under callgrind with N=1 and N=101 and takes
# the difference of the inclusive costs of bench_decode() and
# bench_encode_decode(), divided by 100 x the frames of the mix: what is
# paid once (start-up, building the mix, first-call effects) cancels.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${B:-build}/bin/bench_codec
"${MAKE:-make}" -s "$bin" >/dev/null

command -v valgrind >/dev/null || { echo "codec: valgrind not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run N: callgrind profile in $tmp/cg.N, program output in $tmp/out.N
run() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" "$bin" "$1" \
		>"$tmp/out.$1" 2>"$tmp/err.$1" || {
		echo "codec: bench_codec $1 failed:" >&2
		cat "$tmp/err.$1" >&2
		exit 1
	}
}

# cost N FUNCTION: inclusive instruction count of FUNCTION in run N
cost() {
	callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$tmp/cg.$1" 2>/dev/null |
		awk -v fn=":$2 " '!done && index($0, fn) { gsub(",", "", $1); print $1; done = 1 }'
}

run 1
run 101
frames=$(sed -n 's/^frames \([0-9]*\)$/\1/p' "$tmp/out.1")
dec1=$(cost 1 bench_decode)
dec101=$(cost 101 bench_decode)
both1=$(cost 1 bench_encode_decode)
both101=$(cost 101 bench_encode_decode)
if [ -z "$frames" ] || [ -z "$dec1" ] || [ -z "$dec101" ] || [ -z "$both1" ] || [ -z "$both101" ]; then
	echo "codec: could not read the callgrind profiles" >&2
	exit 1
fi
n=$((100 * frames))
echo "codec: decode $(((dec101 - dec1 + n / 2) / n)) instr/frame," \
	"encode+decode $(((both101 - both1 + n / 2) / n)) instr/frame (callgrind)"
