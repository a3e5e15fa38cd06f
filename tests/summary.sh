#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# summary.sh RESULTS EXPECTED: add up every suite's counts into one closing
# line. A stage that did not report (it failed to build) counts as failed.
set -u
f="$1/counts"
expected=${2:-0}
touch "$f"
awk -v want="$expected" '{ p += $3; f += $4 } END {
	if (NR < want) {
		printf "%d of %d suites/scenarios did not report (build failure?)\n", want - NR, want;
		f += want - NR;
	}
	printf "\n%d suites/scenarios run\n", NR;
	printf "%d passed, %d failed\n", p, f; exit (f > 0) }' "$f"
