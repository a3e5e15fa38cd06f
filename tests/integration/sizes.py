#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Sizes a reader can hold in mind: no file of src/ over MAX_FILE lines and
no function over MAX_FUNC lines (from the line that names it to its closing
brace). OVER names what is over today; the test fails when something new
goes over, or when an entry of OVER is no longer over (so the list only
shrinks).

    sizes.py [-v] [SRC]"""
import glob
import os
import re
import sys

MAX_FILE = 800
MAX_FUNC = 100
OVER = set()

args = [a for a in sys.argv[1:] if a != "-v"]
src = args[0] if args else "src"
sig = re.compile(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\(")
found = {}
longest = (0, "")
for p in sorted(glob.glob(os.path.join(src, "*", "*.[ch]"))):
    rel = os.path.relpath(p, src)
    lines = open(p).read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_FILE:
        found[rel] = len(lines)
    start, name = None, None
    for i, ln in enumerate(lines):
        m = sig.match(ln)
        if m and not ln.rstrip().endswith(";") and not ln.startswith(("static const", "const")):
            start, name = i, m.group(1)
        elif ln == "{" and start is not None and name:
            pass
        elif ln == "}" and start is not None and name:
            n = i - start + 1
            if n > longest[0]:
                longest = (n, "%s:%s()" % (rel, name))
            if n > MAX_FUNC:
                found["%s:%s()" % (rel, name)] = n
            start, name = None, None
        elif ln.endswith(";") and start is not None and i == start:
            start, name = None, None
bad = ["%s: %d lines (at most %d)" % (k, v, MAX_FILE if ":" not in k else MAX_FUNC)
       for k, v in sorted(found.items()) if k not in OVER]
bad += ["%s is no longer over: remove it from OVER" % k for k in sorted(OVER - set(found))]
if "-v" in sys.argv:
    print("\n".join("%s %d" % kv for kv in sorted(found.items())))
if bad:
    sys.exit("sizes:\n  " + "\n  ".join(bad))
print("sizes: %d files of src/ checked (files at most %d lines, functions at most %d); "
      "%d over, all on the known list; longest function %s, %d lines" % (
          len(glob.glob(os.path.join(src, "*", "*.[ch]"))), MAX_FILE, MAX_FUNC, len(OVER),
          longest[1], longest[0]))
