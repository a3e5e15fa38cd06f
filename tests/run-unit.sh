#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-unit.sh MODE RESULTS BIN...: run CUnit suite binaries, one log each.
# MODE is plain, asan+ubsan or valgrind. Exits non-zero if any suite fails.
set -u
mode=$1 results=$2
shift 2
rc=0
for bin in "$@"; do
	name=$(basename "$bin")
	log="$results/unit-$mode-$name.log"
	case $mode in
	valgrind)
		valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect "$bin" >"$log" 2>&1
		;;
	*)
		"$bin" >"$log" 2>&1
		;;
	esac
	st=$?
	res=$(sed -n 's/^CU-RESULT \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$log" | tail -n 1)
	if [ -z "$res" ]; then
		res="0 1"
	fi
	read -r pass fail <<<"$res"
	sed -n '/Run Summary/,/Elapsed/p' "$log" | sed "s/^/  [$mode $name] /"
	if [ "$st" -ne 0 ]; then
		echo "FAIL: $mode $name (exit $st), log: $log"
		grep -v '^$' "$log" | tail -n 30 | sed 's/^/    /'
		rc=1
		[ "$fail" = 0 ] && fail=1
	fi
	echo "$mode $name $pass $fail" >>"$results/counts"
done
exit $rc
