# SPDX-License-Identifier: GPL-2.0-or-later
"""Read bms-sim's bridge stream with python-can over slcan and check it
against the protocol, decoded with this file's own table, and against the
simulator's truth given on the command line as JSON."""
import json
import sys
import time

import can

chan, seconds, truth = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3])
BOARDS, CELLS, TEMPS = truth["boards"], truth["cells"], truth["temps"]

bus = can.Bus(interface="slcan", channel=chan, bitrate=1000000)
frames = []
t0 = time.monotonic()
while time.monotonic() - t0 < seconds:
    m = bus.recv(0.2)
    if m is not None:
        frames.append((time.monotonic(), m))
bus.shutdown()

fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def u(d, a, n):
    return int.from_bytes(bytes(d[a:a + n]), "little")


def s(d, a, n):
    return int.from_bytes(bytes(d[a:a + n]), "little", signed=True)


def unpack14(d, signed):
    v = int.from_bytes(bytes(d[1:8]), "little")
    out = []
    for k in range(4):
        x = (v >> (14 * k)) & 0x3FFF
        if signed and x & 0x2000:
            x -= 0x4000
        out.append(x)
    return out


# drop the first 0.3 s: the stream may start mid-cycle
start = frames[0][0] + 0.3 if frames else 0
frames = [(t, m) for t, m in frames if t >= start]
span = frames[-1][0] - frames[0][0] if len(frames) > 1 else 0
check(span > seconds - 1, "stream lasted %.2f s" % span)
check(all(m.dlc == 8 and not m.is_extended_id for _, m in frames), "every frame is std, DLC 8")

by_id = {}
for _, m in frames:
    by_id.setdefault(m.arbitration_id, []).append(m)


def rate(i):
    return len(by_id.get(i, [])) / span if span else 0


for i, hz in ((0x101, 100), (0x100, 10), (0x102, 10), (0x103, 10), (0x104, 10),
              (0x105, 10), (0x106, 10), (0x320, 10)):
    check(abs(rate(i) - hz) <= hz * 0.15 + 1, "0x%03X at %.1f/s, expected %d" % (i, rate(i), hz))
check(rate(0x10F) > 0.5, "VERSION present")

# rolling counters of the periodic frames: consecutive, no loss
for i in (0x100, 0x101, 0x102, 0x103, 0x105, 0x106):
    seq = [m.data[0] for m in by_id.get(i, [])]
    bad = sum(1 for a, b in zip(seq, seq[1:]) if b != (a + 1) % 256)
    check(bad == 0, "0x%03X counter jumps %d times" % (i, bad))

# snapshot frames: every one between two cycle ends carries the end's cycle,
# and the end counts them
groups = (CELLS + 3) // 4
tgroups = (TEMPS + 3) // 4
snap_ids = set()
for b in range(BOARDS):
    snap_ids |= {0x200 + b * 8 + g for g in range(groups)}
    snap_ids |= {0x200 + b * 8 + 6 + g for g in range(tgroups)}
    snap_ids.add(0x300 + b)
pending, cycles_ok, cycles = [], 0, 0
last_cells = {}
last_temps = {}
for _, m in frames:
    i = m.arbitration_id
    if i in snap_ids:
        pending.append(m)
    elif i == 0x320:
        cyc, n = m.data[0], u(m.data, 1, 2)
        if pending and cycles > 0:
            ok = n == len(pending) and all(p.data[0] == cyc for p in pending)
            cycles_ok += ok
            check(ok, "cycle %d: %d frames announced, %d seen" % (cyc, n, len(pending)))
        cycles += 1
        for p in pending:
            pi = p.arbitration_id
            if 0x200 <= pi < 0x300:
                b, g = (pi - 0x200) // 8, (pi - 0x200) % 8
                if g < 6:
                    for k, v in enumerate(unpack14(p.data, False)):
                        last_cells[(b, g * 4 + k)] = v
                else:
                    for k, v in enumerate(unpack14(p.data, True)):
                        last_temps[(b, (g - 6) * 4 + k)] = v
        pending = []
check(cycles_ok >= int(span * 10) - 3, "%d complete cycles in %.1f s" % (cycles_ok, span))
unexpected = [hex(i) for i in by_id if 0x200 <= i <= 0x320 and i not in snap_ids and i != 0x320]
check(not unexpected, "unexpected snapshot ids %s" % unexpected)

# values against the truth
forced_b, forced_c, forced_mV = truth["forced_cell"]
check(last_cells.get((forced_b - 1, forced_c - 1)) == forced_mV,
      "forced cell reads %s, expected %d" % (last_cells.get((forced_b - 1, forced_c - 1)), forced_mV))
others = [v for (b, c), v in last_cells.items()
          if c < CELLS and (b, c) != (forced_b - 1, forced_c - 1)]
check(len(others) == BOARDS * CELLS - 1, "%d cell values" % len(others))
check(all(abs(v - truth["cell_mV"]) <= 3 for v in others),
      "cells %s..%s vs truth %d" % (min(others or [0]), max(others or [0]), truth["cell_mV"]))
check(all(v == 16383 for (b, c), v in last_cells.items() if c >= CELLS), "padding cells are NA")
tb, tt, tdC = truth["forced_temp"]
check(last_temps.get((tb - 1, tt - 1)) == tdC, "forced temperature reads %s" % last_temps.get((tb - 1, tt - 1)))

st = by_id[0x100][-1].data
check(st[1] & 0x0F == 0 and st[1] >> 4 == 0, "STATUS locked, no config (0x%02x)" % st[1])
ver = by_id[0x10F][-1].data
check(ver[1] == 1 and ver[5] == 2, "VERSION proto %d hw %d" % (ver[1], ver[5]))
ext = by_id[0x105][-1].data
check(ext[1] & 3 == 0 and (ext[1] >> 2) & 3 == 1, "EXT NTC1 ok, NTC2 open (0x%02x)" % ext[1])
check(abs(s(ext, 2, 2) - truth["ambient_dC"]) <= 15, "NTC1 %d dC vs ambient %d" % (s(ext, 2, 2), truth["ambient_dC"]))
check(s(ext, 4, 2) == -8192, "NTC2 reads NA")
io = by_id[0x104][-1].data
check(abs(u(io, 6, 2) - 24000) <= 100, "supply %d mV" % u(io, 6, 2))
check(io[1] == 0, "relays open while locked")
logic = by_id[0x106][-1].data
check(u(logic, 1, 4) == (1 << BOARDS) - 1 and logic[5] == BOARDS, "LOGIC online 0x%x" % u(logic, 1, 4))
cur = by_id[0x101][-1].data
check(abs(s(cur, 2, 3)) < 500, "I1 %d mA at rest" % s(cur, 2, 3))
ins = [u(m.data, 1, 7) for m in by_id[0x102]]
check(all(b >= a for a, b in zip(ins, ins[1:])), "CHARGE_IN monotonic")

n = len(frames)
if fails:
    for f in fails:
        print("FAIL:", f)
    sys.exit(1)
print("stream_check: %d frames in %.1f s (%.0f/s), %d complete cycles, values match" %
      (n, span, n / span, cycles_ok))
