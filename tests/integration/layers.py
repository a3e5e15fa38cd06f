#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The daemon's layers (docs/architecture.md), checked from its #include lines.

    layers.py [-v] [SRC]

Each folder of src/ is a layer, and a file may include only from its own
layer and from those it is allowed to see:

    lib     infrastructure: loop, log, CAN transports, GPIO, curves, version
    config  the YAML configuration and its structs            sees lib
    logic   the battery logic and the view it publishes      sees config, lib
    store   the event log and the state file                 sees logic, config, lib
    iface   Modbus, CAN1, CAN2, the control socket, status   sees store, logic, config, lib
    daemon  main and the glue that owns the state            sees everything
    cli     bmsctl                                           sees iface, store, config, lib

Every layer sees the bridge protocol (mcu-bridge/proto). A module is a .c,
its .h and its private _impl.h (cfg is all of config/cfg*); no two modules may include each
other, directly or through others (an include cycle). EXCEPTIONS names the includes that break the
rule today, each with its reason; the test fails when one of them is gone
(so that the list only shrinks) or when a new one appears."""
import os
import re
import sys

ORDER = ["lib", "config", "logic", "store", "iface", "daemon", "cli"]
SEES = {
    "lib": {"lib"},
    "config": {"config", "lib"},
    "logic": {"logic", "config", "lib"},
    "store": {"store", "logic", "config", "lib"},
    "iface": {"iface", "store", "logic", "config", "lib"},
    "daemon": set(ORDER) - {"cli"},
    "cli": {"cli", "iface", "store", "config", "lib"},
}
# (file, included header): why it stays for now
EXCEPTIONS = {
}
# module cycles that exist today (sorted tuples of module names)
CYCLES = {
    ("can1_cfg", "cc_cfg", "cfg", "limits_cfg", "modbus_cfg", "prot_cfg", "soc_cfg"):
        "struct cfg holds each section's struct, and each section's schema uses the "
        "key tables of cfg_keys.h",
}

args = [a for a in sys.argv[1:] if a != "-v"]
src = args[0] if args else "src"
where = {}     # file name -> layer
files = []
for layer in ORDER:
    d = os.path.join(src, layer)
    if not os.path.isdir(d):
        sys.exit("layers: no folder %s" % d)
    for f in sorted(os.listdir(d)):
        if f.endswith((".c", ".h")):
            if f in where:
                sys.exit("layers: %s is in both %s and %s" % (f, where[f], layer))
            where[f] = layer
            files.append((layer, f))
stray = [f for f in os.listdir(src) if f.endswith((".c", ".h"))]
if stray:
    sys.exit("layers: files outside the layer folders: %s" % " ".join(sorted(stray)))

def module(name):
    """foo.c, foo.h and foo_impl.h (its private header) are module foo;
    foo_schema.c is the YAML half of foo_cfg.h, and every cfg_* file
    (cfg_keys.h, cfg_schema.c and the parser's pieces: cfg_yaml.c,
    cfg_walk.c, ...) belongs to cfg"""
    m = name.rsplit(".", 1)[0]
    if m.endswith("_impl"):
        return m[:-5]
    if m.startswith("cfg_"):
        return "cfg"
    if m.endswith("_schema"):
        return m[:-7] + "_cfg"
    return m


inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad, seen_exc = [], set()
edges = {}
n_inc = 0
for layer, f in files:
    text = open(os.path.join(src, layer, f)).read()
    mod = module(f)
    for h in inc_re.findall(text):
        n_inc += 1
        if h.startswith("proto/"):
            continue
        name = os.path.basename(h)
        if name not in where:
            bad.append("%s/%s includes %s, which is in no layer" % (layer, f, h))
            continue
        to = where[name]
        key = ("%s/%s" % (layer, f), name)
        if to not in SEES[layer]:
            if key in EXCEPTIONS:
                seen_exc.add(key)
            else:
                bad.append("%s/%s includes %s/%s: %s does not see %s" %
                           (layer, f, to, name, layer, to))
        hm = module(name)
        if hm != mod:
            edges.setdefault(mod, set()).add(hm)
# A header that declares a function defined in another module's .c stands
# for that module too: its includers depend on it.
def_re = re.compile(r"^(?!static\b)[A-Za-z_][\w \t\*]*?\b(\w+)\([^;{]*\)\s*\{", re.M)
decl_re = re.compile(r"^(?!static\b|typedef\b|return\b|#)[A-Za-z_][\w \t\*]*?\b(\w+)\([^;{]*\)"
                     r"(?:\s*__attribute__\(\(.*?\)\))?\s*;", re.M | re.S)
defined = {}
for layer, f in files:
    if f.endswith(".c"):
        for fn in def_re.findall(open(os.path.join(src, layer, f)).read()):
            defined.setdefault(fn, module(f))
foreign = []
for layer, f in files:
    if f.endswith(".h"):
        for fn in decl_re.findall(open(os.path.join(src, layer, f)).read()):
            owner = defined.get(fn)
            if owner and owner != module(f):
                edges.setdefault(module(f), set()).add(owner)
                foreign.append("%s/%s declares %s() of %s.c" % (layer, f, fn, owner))
for key in sorted(set(EXCEPTIONS) - seen_exc):
    bad.append("exception %s -> %s no longer needed: remove it from EXCEPTIONS" % key)


def sccs(graph):
    """Tarjan's strongly connected components"""
    index, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(tuple(sorted(comp)))
    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


cycles = sccs(edges)
for c in cycles:
    if c not in CYCLES:
        bad.append("include cycle among modules: %s" % " -> ".join(c))
for c in sorted(set(CYCLES) - set(cycles)):
    bad.append("cycle %s is gone: remove it from CYCLES" % " -> ".join(c))
if "-v" in sys.argv:
    print("\n".join(foreign))
if bad:
    sys.exit("layers:\n  " + "\n  ".join(bad))
counts = " ".join("%s %d" % (l, sum(1 for x, _ in files if x == l)) for l in ORDER)
print("layers: %d files (%s), %d includes checked; %d known exception(s), "
      "%d known cycle(s)" % (len(files), counts, n_inc, len(EXCEPTIONS), len(CYCLES)))
