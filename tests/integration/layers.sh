#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's layers: every #include of src/ in the allowed direction, and
# no include cycle but the known ones (layers.py lists them with reasons).
set -u
. "$(dirname "$0")/lib.sh"
sum=$($PY "$(dirname "$0")/layers.py" src 2>&1) || die "the layering rule is broken (docs/architecture.md): $sum"
# the rule can fail: a planted upward include and a planted cycle are caught
cp -r src "$T/src"
echo '#include "bmsd.h"' >>"$T/src/lib/log.c"
out=$($PY "$(dirname "$0")/layers.py" "$T/src" 2>&1) && die "an include of daemon/ from lib/ passed"
grep -q 'lib/log.c includes daemon/bmsd.h: lib does not see daemon' <<<"$out" || die "not named: $out"
cp src/lib/log.c "$T/src/lib/log.c"
echo '#include "log.h"' >>"$T/src/lib/loop.h"
echo '#include "loop.h"' >>"$T/src/lib/log.h"
out=$($PY "$(dirname "$0")/layers.py" "$T/src" 2>&1) && die "a cycle log <-> loop passed"
grep -q 'include cycle among modules: log -> loop' <<<"$out" || die "cycle not named: $out"
echo "$sum; a planted upward include and a planted cycle caught"
