#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# summary.sh RESULTS: add up every suite's counts into one closing line.
set -u
f="$1/counts"
[ -f "$f" ] || { echo "0 passed, 1 failed"; exit 1; }
awk '{ p += $3; f += $4 } END {
	printf "\n%d suites/scenarios run\n", NR;
	printf "%d passed, %d failed\n", p, f; exit (f > 0) }' "$f"
