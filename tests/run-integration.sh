#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-integration.sh RESULTS SCRIPT...: run integration scenarios, one log
# each. Exit 0 = pass, 77 = skipped (said loudly), anything else = fail.
set -u
results=$1
shift
export B=${B:-build}
# A guard against a hung scenario, not a time that any scenario is judged
# by: generous, because a busy host (make check-loaded) stretches the slow
# ones, such as pkg_install's package build, several times over.
guard=${IT_TIMEOUT_S:-900}
rc=0
for t in "$@"; do
	name=$(basename "$t" .sh)
	log="$results/integration-$name.log"
	start=$SECONDS
	# a scenario whose own work is long (a whole package build) names its
	# guard in a line "# it-guard-s: N"; the larger of the two holds
	g=$(sed -n 's/^# it-guard-s: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
	[ -n "$g" ] && [ "$g" -gt "$guard" ] || g=$guard
	timeout "$g" bash "$t" >"$log" 2>&1
	st=$?
	dur=$((SECONDS - start))
	case $st in
	0)
		echo "PASS: $name (${dur}s): $(tail -n 1 "$log")"
		echo "integration $name 1 0" >>"$results/counts"
		;;
	77)
		echo "SKIP: $name: $(tail -n 1 "$log")"
		echo "integration $name 0 0" >>"$results/counts"
		;;
	*)
		echo "FAIL: $name (exit $st, ${dur}s), log: $log"
		tail -n 40 "$log" | sed 's/^/    /'
		echo "integration $name 0 1" >>"$results/counts"
		rc=1
		;;
	esac
done
exit $rc
