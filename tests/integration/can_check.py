# SPDX-License-Identifier: GPL-2.0-or-later
"""Check frames captured by can_capture.py against the pack's truth, decoded
with this file's own tables (written from the field's documentation of the
inverter protocols and from docs/can.md for CAN2), then decode them again
with the shipped DBC file and check that both readings agree.

    can_check.py profile NAME CAPTURE.json TRUTH.json [options]
    can_check.py can2 CAPTURE.json TRUTH.json [options]

TRUTH.json: pack_mV, cell_max_mV, cell_max_at ("B2C5"), cell_min_mV,
temp_dC, current_mA, soc_pct, boards, relays (contacts), di, dos (from bms-sim's status and
the forced readings). Options: --from T (ignore frames before monotonic T),
--big, --manufacturer S, --product S, --period MS, --base ID, --dbc FILE,
--current-only (check the current of 0x356 / the feed and nothing else)."""
import argparse
import json
import statistics
import sys

import can_dbc

ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["profile", "can2"])
ap.add_argument("args", nargs="+")
ap.add_argument("--from", dest="t_from", type=float, default=0)
ap.add_argument("--big", action="store_true")
ap.add_argument("--manufacturer")
ap.add_argument("--product")
ap.add_argument("--period", type=int)
ap.add_argument("--base", type=int, default=0x400)
ap.add_argument("--dbc")
ap.add_argument("--current-only", action="store_true")
a = ap.parse_intermixed_args()

fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
    return cond


def num(d, off, n, signed=False, big=False):
    return int.from_bytes(bytes(d[off:off + n]), "big" if big else "little", signed=signed)


# ---- capture --------------------------------------------------------------------

if a.what == "profile":
    profile, cap_path, truth_path = a.args
else:
    profile = None
    cap_path, truth_path = a.args
cap = json.load(open(cap_path))
truth = json.load(open(truth_path))
frames = [(t, i, ext, dlc, bytes.fromhex(h)) for t, i, ext, dlc, h in cap["frames"]
          if t >= a.t_from]
check(all(not ext for _, _, ext, _, _ in frames), "every frame has an 11-bit identifier")
by_id = {}
for t, i, _, dlc, d in frames:
    check(dlc == len(d), "0x%03X: DLC %d with %d bytes" % (i, dlc, len(d)))
    by_id.setdefault(i, []).append((t, d))
span = frames[-1][0] - frames[0][0] if len(frames) > 1 else 0


def last(i):
    return by_id[i][-1][1] if i in by_id else None


def cycle(i, period_ms):
    ts = [t for t, _ in by_id.get(i, [])]
    if len(ts) < 3:
        check(False, "0x%03X: %d frames, too few to time" % (i, len(ts)))
        return
    gaps = [(b - x) * 1000 for x, b in zip(ts, ts[1:])]
    med = statistics.median(gaps)
    check(abs(med - period_ms) <= period_ms * 0.1 + 5,
          "0x%03X: median cycle %.1f ms, documented %d" % (i, med, period_ms))
    # on a busy machine a frame is sometimes late and the next one early (the
    # schedule keeps its phase); the rate shows in the count and most gaps
    ok = sum(1 for g in gaps if period_ms * 0.5 <= g <= period_ms * 1.5 + 20)
    check(ok >= 0.7 * len(gaps), "0x%03X: %d of %d cycles within 50 %% of %d ms (%.1f..%.1f)"
          % (i, ok, len(gaps), period_ms, min(gaps), max(gaps)))
    rate = (len(ts) - 1) / (ts[-1] - ts[0]) if ts[-1] > ts[0] else 0
    check(abs(rate - 1000 / period_ms) <= 0.15 * 1000 / period_ms,
          "0x%03X: %.2f frames/s, documented %.2f" % (i, rate, 1000 / period_ms))


def spread(ids, period_ms):
    """the frames of one cycle are spread over it, not sent in one burst"""
    ts = sorted(t for i in ids for t, _ in by_id.get(i, []))
    gaps = [(b - x) * 1000 for x, b in zip(ts, ts[1:])]
    if gaps:
        med = statistics.median(gaps)
        want = period_ms / len(ids)
        check(med >= want * 0.4, "frames %.1f ms apart (median); spread, they would be %.1f"
              % (med, want))


# ---- the inverter profiles --------------------------------------------------------

# identifier -> (documented DLC(s)) ; always sent / sent when known
PROFILES = {
    "pylon": {"period": 1000,
              "always": {0x351: 6, 0x356: 6, 0x359: 7, 0x35C: 2, 0x35E: 8},
              "known": {0x355: 4}},
    "victron": {"period": 1000,
                "always": {0x351: 8, 0x356: 6, 0x35A: 8, 0x35E: 8, 0x370: 8, 0x371: 8,
                           0x372: 8, 0x373: 8, 0x374: 8, 0x375: 8, 0x376: 8, 0x377: 8},
                "known": {0x355: 4, 0x35F: 8, 0x379: 2}},
    "sma": {"period": 100,
            "always": {0x351: 8, 0x356: 6, 0x35A: 8, 0x35E: 8},
            "known": {0x355: 6, 0x35F: 8}},
}

# (own name, offset, bytes, signed, scale) per identifier, and the DBC's name
FIELDS = {
    0x351: [("cvl_V", 0, 2, False, 0.1, "ChargeVoltageLimit"),
            ("ccl_A", 2, 2, True, 0.1, "ChargeCurrentLimit"),
            ("dcl_A", 4, 2, True, 0.1, "DischargeCurrentLimit"),
            ("dvl_V", 6, 2, False, 0.1, "DischargeVoltageLimit")],
    0x355: [("soc_pct", 0, 2, False, 1, "SOC"), ("soh_pct", 2, 2, False, 1, "SOH"),
            ("soc_fine_pct", 4, 2, False, 0.01, "SOCHiRes")],
    0x356: [("v_V", 0, 2, True, 0.01, "Voltage"), ("i_A", 2, 2, True, 0.1, "Current"),
            ("t_C", 4, 2, True, 0.1, "Temperature")],
    0x35F: [("model", 0, 2, False, 1, "Model"), ("fw", 2, 2, False, 1, "FirmwareVersion"),
            ("cap_Ah", 4, 2, False, 1, "Capacity")],
    0x372: [("ok", 0, 2, False, 1, "ModulesOk"), ("block_chg", 2, 2, False, 1,
                                                   "ModulesBlockingCharge"),
            ("block_dsg", 4, 2, False, 1, "ModulesBlockingDischarge"),
            ("offline", 6, 2, False, 1, "ModulesOffline")],
    0x373: [("cmin_V", 0, 2, False, 0.001, "MinCellVoltage"),
            ("cmax_V", 2, 2, False, 0.001, "MaxCellVoltage"),
            ("tmin_K", 4, 2, False, 1, "MinCellTemperature"),
            ("tmax_K", 6, 2, False, 1, "MaxCellTemperature")],
    0x379: [("cap_Ah", 0, 2, False, 1, "InstalledCapacity")],
}


def decode(i, d, big):
    out = {}
    for name, off, n, sgn, scale, _ in FIELDS.get(i, []):
        if off + n <= len(d):
            out[name] = num(d, off, n, sgn, big) * scale
    return out


def text(d):
    return bytes(d).decode("ascii")


def check_profile():
    p = PROFILES[profile]
    period = a.period or p["period"]
    seen = set(by_id)
    for i in p["always"]:
        check(i in seen, "0x%03X missing" % i)
    check(seen <= set(p["always"]) | set(p["known"]),
          "unexpected frames: %s" % ", ".join("0x%03X" % i for i in
                                              sorted(seen - set(p["always"]) - set(p["known"]))))
    for i in seen:
        want = {**p["always"], **p["known"]}.get(i)
        dlcs = {len(d) for _, d in by_id[i]}
        check(dlcs == {want}, "0x%03X: DLC %s, documented %s" % (i, sorted(dlcs), want))
        cycle(i, period)
    spread(list(seen), period)
    big = a.big

    # 0x356: the pack as it is
    d = last(0x356)
    if check(d is not None, "no 0x356"):
        m = decode(0x356, d, big)
        check(abs(m["v_V"] * 1000 - truth["pack_mV"]) <= 5,
              "0x356 voltage %.2f V, pack %d mV" % (m["v_V"], truth["pack_mV"]))
        check(abs(m["i_A"] * 1000 - truth["current_mA"]) <= 500,
              "0x356 current %.1f A, pack %d mA" % (m["i_A"], truth["current_mA"]))
        check(abs(m["t_C"] * 10 - truth["temp_dC"]) <= 6,
              "0x356 temperature %.1f degC, pack %d dC" % (m["t_C"], truth["temp_dC"]))
        print("0x356: %.2f V, %+.1f A, %.1f degC" % (m["v_V"], m["i_A"], m["t_C"]))

    # 0x351: the battery logic's limits, or the safe values without them
    d = last(0x351)
    m = decode(0x351, d, big)
    pack_V = truth["pack_mV"] / 1000
    if m["ccl_A"] == 0 and m["dcl_A"] == 0:
        check(abs(m["cvl_V"] - int(truth["pack_mV"] / 100) / 10) < 0.01,
              "0x351 without limits: CVL %.1f V, pack %.3f V" % (m["cvl_V"], pack_V))
        if "dvl_V" in m:
            check(abs(m["dvl_V"] - -(-truth["pack_mV"] // 100) / 10) < 0.01,
                  "0x351 without limits: DVL %.1f V, pack %.3f V" % (m["dvl_V"], pack_V))
        print("0x351: safe values: CCL = DCL = 0 A, CVL %.1f V" % m["cvl_V"])
    else:
        check(m["ccl_A"] >= 0 and m["dcl_A"] >= 0, "0x351: negative limit %s" % m)
        check(m["cvl_V"] > pack_V * 0.9, "0x351: CVL %.1f V below the pack" % m["cvl_V"])
        print("0x351: limits: %s" % m)
    for _, fr in by_id[0x351]:
        mm = decode(0x351, fr, big)
        check(mm["ccl_A"] >= 0 and mm["dcl_A"] >= 0, "0x351: a negative current limit")

    # 0x355, once the SOC is known
    d = last(0x355)
    if d is not None:
        m = decode(0x355, d, big)
        check(0 <= m["soc_pct"] <= 100 and 0 <= m["soh_pct"] <= 100, "0x355 out of range: %s" % m)
        check(abs(m["soc_pct"] - truth["soc_pct"]) <= 10,
              "0x355 SOC %d %%, pack %.1f %%" % (m["soc_pct"], truth["soc_pct"]))
        if "soc_fine_pct" in m:
            check(abs(m["soc_fine_pct"] - m["soc_pct"]) <= 0.5, "0x355: SOC fields disagree")

    # names
    man = a.manufacturer if a.manufacturer is not None else \
        ("PYLON" if profile == "pylon" else "BMSD")
    check(text(last(0x35E)) == man.ljust(8), "0x35E %r, want %r" % (text(last(0x35E)), man))

    # alarms: a healthy pack has none
    if 0x359 in seen:
        d = last(0x359)
        check(d[:4] == bytes(4), "0x359 protection/warning bits %s" % d[:4].hex())
        check(d[4] == 1 and d[5:7] == b"PN", "0x359 tail %s" % d[4:].hex())
    if 0x35A in seen:
        check(last(0x35A) == bytes.fromhex("aaaaaa02aaaaaa02"),
              "0x35A %s, want every condition OK" % last(0x35A).hex())
    if 0x35C in seen:
        d = last(0x35C)
        lim = decode(0x351, last(0x351), big)
        check(d[1] == 0 and d[0] & 0x3F == 0, "0x35C %s" % d.hex())
        if lim["ccl_A"] == 0 and lim["dcl_A"] == 0:
            check(d[0] in (0x00, 0x40, 0x80), "0x35C %s without limits" % d.hex())

    if profile == "victron":
        prod = (a.product or "bmsd").ljust(16)
        check(text(last(0x370)) + text(last(0x371)) == prod,
              "0x370/0x371 %r, want %r" % (text(last(0x370)) + text(last(0x371)), prod))
        m = decode(0x372, last(0x372), big)
        check(m["ok"] == truth["boards"] and m["offline"] == 0, "0x372 %s" % m)
        lim = decode(0x351, last(0x351), big)
        if lim["ccl_A"] == 0 and lim["dcl_A"] == 0:
            check(m["block_chg"] == truth["boards"] and m["block_dsg"] == truth["boards"],
                  "0x372 without limits: every module blocks: %s" % m)
        m = decode(0x373, last(0x373), big)
        check(round(m["cmin_V"] * 1000) == truth["cell_min_mV"] and
              round(m["cmax_V"] * 1000) == truth["cell_max_mV"],
              "0x373 cells %s, pack %d..%d mV" % (m, truth["cell_min_mV"], truth["cell_max_mV"]))
        check(abs(m["tmax_K"] - (truth["temp_dC"] / 10 + 273.15)) <= 1.6 and
              abs(m["tmin_K"] - (truth["temp_dC"] / 10 + 273.15)) <= 1.6,
              "0x373 temperatures %s, pack %d dC" % (m, truth["temp_dC"]))
        check(text(last(0x375)) == truth["cell_max_at"].ljust(8),
              "0x375 %r, the highest cell is %s" % (text(last(0x375)), truth["cell_max_at"]))
        nm = text(last(0x374)).rstrip()
        check(nm.startswith("B") and "C" in nm, "0x374 %r" % nm)
        for i in (0x376, 0x377):
            nm = text(last(i)).rstrip()
            check(nm.startswith("B") and nm[1:].replace("T", "").isdigit(), "0x%03X %r" % (i, nm))

    # the shipped DBC reads every frame the same way
    if a.dbc:
        db = can_dbc.Dbc(a.dbc)
        n = 0
        for i, lst in by_id.items():
            check(i in db.messages, "0x%03X is not in %s" % (i, a.dbc))
            if i not in db.messages:
                continue
            for _, d in lst:
                dv = db.decode(i, d)
                for name, val in decode(i, d, False).items():
                    dname = [f[5] for f in FIELDS[i] if f[0] == name][0]
                    check(abs(dv[dname] - val) < 1e-6, "0x%03X %s: DBC %r, ours %r" %
                          (i, dname, dv[dname], val))
                n += 1
        if 0x35E in by_id:
            dv = db.decode(0x35E, last(0x35E))
            check(bytes(int(dv["Manufacturer%d" % k]) for k in range(8)) == last(0x35E),
                  "0x35E through the DBC")
        if 0x35A in by_id:
            tx = db.text(0x35A, last(0x35A))
            check(tx.get("AlarmGeneral") == "ok" and tx.get("WarningCellImbalance") == "ok",
                  "0x35A through the DBC: %s" % tx)
        print("DBC %s: %d frames read alike" % (a.dbc.split("/")[-1], n))


def check_current_only():
    i = 0x356 if profile else a.base + 1
    d = last(i)
    if not check(d is not None, "no 0x%03X" % i):
        return
    if profile:
        got = decode(0x356, d, a.big)["i_A"] * 1000
    else:
        got = num(d, 4, 4, True)
    check(abs(got - truth["current_mA"]) <= 500, "current %d mA, pack %d mA" %
          (got, truth["current_mA"]))
    print("current: %+.1f A (pack %+.1f A)" % (got / 1000, truth["current_mA"] / 1000))


# ---- CAN2 -------------------------------------------------------------------------

def check_can2():
    base = a.base
    period = a.period or 100
    ids = list(range(base, base + 8))
    check(set(by_id) == set(ids), "frames %s, documented 0x%03X..0x%03X" %
          (sorted(hex(i) for i in by_id), base, base + 7))
    for i in ids:
        check({len(d) for _, d in by_id.get(i, [])} == {8}, "0x%03X: DLC 8" % i)
        cycle(i, period)
    spread(ids, period)
    st, pk, ce, te, p1, p2, io, li = (last(i) for i in ids)
    if None in (st, pk, ce, te, p1, p2, io, li):
        return
    states = ["unconfigured", "starting", "standby", "precharge", "connected", "soft-stop",
              "fault"]
    check(st[0] < len(states), "state %d" % st[0])
    state = states[st[0]] if st[0] < len(states) else "?"
    # the state follows the relays the MCU drives, unless a fault holds
    check(state == "fault" or state == ("connected" if io[0] else "standby"),
          "state %s with relays 0x%x" % (state, io[0]))
    check(state != "fault" or st[6:8] != bytes(2), "state fault without a fault")
    check(state in ("connected", "standby", "fault"), "state %s while running" % state)
    check(st[1] & 0x01 and (state == "fault" or st[1] & 0x02),
          "flags 0x%02X: configured, and link up unless in fault" % st[1])
    soc = num(st, 2, 2)
    check(soc == 0xFFFF or abs(soc / 10 - truth["soc_pct"]) <= 10, "SOC %d" % soc)
    check(num(pk, 0, 4) == truth["pack_mV"], "pack %d mV, truth %d" % (num(pk, 0, 4),
                                                                      truth["pack_mV"]))
    check(abs(num(pk, 4, 4, True) - truth["current_mA"]) <= 500,
          "current %d mA, truth %d" % (num(pk, 4, 4, True), truth["current_mA"]))
    check(num(ce, 0, 2) == truth["cell_min_mV"] and num(ce, 2, 2) == truth["cell_max_mV"],
          "cells %d..%d mV, truth %d..%d" % (num(ce, 0, 2), num(ce, 2, 2), truth["cell_min_mV"],
                                             truth["cell_max_mV"]))
    check("B%dC%d" % (ce[6], ce[7]) == truth["cell_max_at"],
          "highest cell at B%dC%d, truth %s" % (ce[6], ce[7], truth["cell_max_at"]))
    check(1 <= ce[4] <= truth["boards"] and ce[5] >= 1, "lowest cell at B%dC%d" % (ce[4], ce[5]))
    for k, what in ((0, "min"), (2, "max"), (4, "mean")):
        t = num(te, k, 2, True)
        check(abs(t - truth["temp_dC"]) <= 6, "temperature %s %d dC, pack %d" %
              (what, t, truth["temp_dC"]))
    check(num(te, 0, 2, True) <= num(te, 4, 2, True) <= num(te, 2, 2, True), "min <= mean <= max")
    check(p1 == bytes(8) and p2 == bytes(8), "protections %s %s" % (p1.hex(), p2.hex()))
    if io[0] == truth["relays"]:
        check(io[2] == truth["di"] and io[3] == truth["dos"], "DI %x DO %x, truth %x %x" %
              (io[2], io[3], truth["di"], truth["dos"]))
    else:
        # the truth is read after the capture: a fault in between (a busy
        # machine can lose the MCU link) opens the contactors
        print("relays 0x%x in the feed, 0x%x at the pack a moment later: I/O not compared"
              % (io[0], truth["relays"]))
    check(io[4] == truth["boards"] and io[5] == truth["boards"], "boards %d online %d" %
          (io[4], io[5]))
    lim = [num(li, k, 2) for k in (0, 2, 4, 6)]
    check(lim == [0xFFFF] * 4 or 0xFFFF not in lim, "limits %s" % lim)
    print("can2: %s, %.3f V, %+.3f A, cells %d..%d mV, %.1f..%.1f degC, relays 0x%x" % (
        state, num(pk, 0, 4) / 1000, num(pk, 4, 4, True) / 1000, num(ce, 0, 2),
        num(ce, 2, 2), num(te, 0, 2, True) / 10, num(te, 2, 2, True) / 10, io[0]))
    if a.dbc:
        db = can_dbc.Dbc(a.dbc)
        dv = db.decode(base, st)
        check(dv["State"] == st[0] and dv["Configured"] == 1, "DBC state %s" % dv)
        dv = db.decode(base + 1, pk)
        check(abs(dv["PackVoltage"] * 1000 - num(pk, 0, 4)) < 1e-3 and
              abs(dv["Current"] * 1000 - num(pk, 4, 4, True)) < 1e-3, "DBC pack %s" % dv)
        dv = db.decode(base + 2, ce)
        check(round(dv["CellMax"] * 1000) == truth["cell_max_mV"] and
              "B%dC%d" % (dv["CellMaxBoard"], dv["CellMaxCell"]) == truth["cell_max_at"],
              "DBC cells %s" % dv)
        dv = db.decode(base + 3, te)
        check(abs(dv["TempMean"] * 10 - num(te, 4, 2, True)) < 1e-6, "DBC temps %s" % dv)
        dv = db.decode(base + 6, io)
        check(sum(int(dv["Relay%d" % (k + 1)]) << k for k in range(4)) == io[0],
              "DBC relays %s" % dv)
        tx = db.text(base + 7, li)
        check(len(tx) in (0, 4), "DBC limits %s" % tx)
        print("DBC %s: the feed reads alike" % a.dbc.split("/")[-1])


if a.current_only:
    check_current_only()
elif a.what == "profile":
    check_profile()
else:
    check_can2()
print("%d frames over %.1f s, %d identifiers" % (len(frames), span, len(by_id)))
if fails:
    for f in fails:
        print("FAIL: " + f)
    sys.exit(1)
