#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-loaded.sh: make check on a busy host. LOAD_JOBS busy loops (default
# two per CPU) run at normal priority for the whole time, and make check runs
# LOAD_RUNS times in a row (default 3). Every run must pass: the safety
# timeouts stay as they are, and a test that misses under load has a bug.
# Each run's log is kept in build/loaded/run-N.log, and its per-suite logs
# in build/loaded/results-N/.
set -u
cd "$(dirname "$0")/.."
cpus=$(nproc)
jobs=${LOAD_JOBS:-$((2 * cpus))}
runs=${LOAD_RUNS:-3}
logs=build/loaded
mkdir -p "$logs"

loops=()
stop_load() {
	for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap stop_load EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$jobs"); do
	bash -c 'while :; do :; done' &
	loops+=($!)
done
echo "check-loaded: $jobs busy loops on $cpus CPUs, $runs runs of make check"

failed=0
for i in $(seq "$runs"); do
	SECONDS=0
	make check >"$logs/run-$i.log" 2>&1
	rc=$?
	rm -rf "$logs/results-$i"
	cp -a build/results "$logs/results-$i" 2>/dev/null
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "check-loaded: run $i: exit $rc after ${SECONDS}s, load $load: $(tail -n 1 "$logs/run-$i.log")"
	if [ $rc -ne 0 ]; then
		failed=$((failed + 1))
		grep -hE '^ *FAIL' "$logs/run-$i.log" | head -n 20 | sed 's/^/    /'
		awk '$4 > 0 { print "    failed in " $1 " " $2 ": " $4 }' "$logs/results-$i/counts" 2>/dev/null
	fi
done
echo "check-loaded: $((runs - failed)) of $runs runs passed under load"
[ $failed -eq 0 ]
