#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every man page renders without a groff warning and has a NAME that
# lexgrog (man-db's whatis parser) accepts.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
command -v groff >/dev/null && command -v lexgrog >/dev/null || {
	echo "SKIP: groff or lexgrog missing (make deps installs them)"
	exit 77
}
n=0
for m in man/*.[0-9]; do
	out=$(groff -t -man -ww -z "$m" 2>&1)
	[ -z "$out" ] || die "$m: groff: $out"
	lexgrog "$m" >/dev/null 2>&1 || die "$m: lexgrog cannot parse its NAME section"
	n=$((n + 1))
done
[ $n -ge 4 ] || die "only $n man pages"
echo "man_lint: $n pages clean under groff -ww and lexgrog"
