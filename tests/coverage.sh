#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# coverage.sh COVDIR: line coverage of the daemon's files by the unit suites
# alone (no integration test runs), per file and per layer, from the .gcda
# files that the suites left under COVDIR/obj/src (a file that no suite
# links counts its non-blank, non-comment lines, all unrun). `make coverage` builds
# the suites with --coverage into COVDIR and runs them first.
set -u
cov=${1:-build/cov}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-28s %6s %6s %6s\n' file lines run "%"
for src in src/*/*.c; do
	obj=$cov/obj/${src%.c}.gcno
	if [ -e "$obj" ]; then
		out=$(cd "$tmp" && gcov -n -o "$OLDPWD/$(dirname "$obj")" "$OLDPWD/$src" 2>/dev/null |
			awk -v f="File '$src'" '$0 == f { hit = 1; next }
				hit && /^Lines executed:/ { sub(/Lines executed:/, ""); sub(/% of/, ""); print; exit }')
	else
		out=
	fi
	total=$(grep -cvE '^\s*($|//|/?\*|#|\}|\{)' "$src")
	if [ -n "$out" ]; then
		read -r pct n <<<"$out"
		run=$(awk -v p="$pct" -v n="$n" 'BEGIN { printf "%d", p * n / 100 + 0.5 }')
	else
		n=$total run=0
	fi
	printf '%-28s %6d %6d %5.1f%%\n' "${src#src/}" "$n" "$run" "$(awk -v r="$run" -v n="$n" 'BEGIN { print n ? 100 * r / n : 0 }')"
	echo "${src#src/} $n $run" >>"$tmp/all"
done
echo
awk '{ split($1, p, "/"); n[p[1]] += $2; r[p[1]] += $3; N += $2; R += $3 }
	END { for (l in n) printf "%-8s %6d lines, %5.1f%% run by unit suites\n", l, n[l], 100 * r[l] / n[l];
	      printf "%-8s %6d lines, %5.1f%% run by unit suites\n", "all", N, 100 * R / N }' "$tmp/all" | sort
