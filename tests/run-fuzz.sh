#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzz.sh RESULTS TARGET...: run each libFuzzer target for a bounded
# time (FUZZ_SECONDS). A crash, leak or sanitizer report fails it.
set -u
results=$1
shift
rc=0
for t in "$@"; do
	log="$results/$t.log"
	if make --no-print-directory "$t" FUZZ_SECONDS="${FUZZ_SECONDS:-15}" >"$log" 2>&1; then
		runs=$(sed -n 's/.*stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
		echo "PASS: $t: ${runs:-?} inputs, no crash"
		echo "fuzz $t 1 0" >>"$results/counts"
	else
		echo "FAIL: $t, log: $log"
		tail -n 30 "$log" | sed 's/^/    /'
		echo "fuzz $t 0 1" >>"$results/counts"
		rc=1
	fi
done
exit $rc
