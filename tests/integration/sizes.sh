#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# File and function sizes of src/ (sizes.py): at most 800 and 100 lines, but
# for the known list, which only shrinks.
set -u
. "$(dirname "$0")/lib.sh"
sum=$($PY "$(dirname "$0")/sizes.py" src 2>&1) || die "$sum"
# the check can fail: a planted long function and a planted long file
cp -r src "$T/src"
{ echo "int planted_long(void)"; echo "{"; for i in $(seq 101); do echo "	(void)$i;"; done; echo "	return 0;"; echo "}"; } >>"$T/src/lib/curve.c"
out=$($PY "$(dirname "$0")/sizes.py" "$T/src" 2>&1) && die "a 105-line function passed"
grep -q 'lib/curve.c:planted_long(): 105 lines' <<<"$out" || die "not named: $out"
cp src/lib/curve.c "$T/src/lib/curve.c"
seq 801 | sed 's|^|/* |; s|$| */|' >>"$T/src/lib/log.h"
out=$($PY "$(dirname "$0")/sizes.py" "$T/src" 2>&1) && die "an 800+ line file passed"
grep -q 'lib/log.h: [0-9]* lines (at most 800)' <<<"$out" || die "not named: $out"
echo "$sum; a planted long function and file caught"
