# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks of bmsd's Modbus servers with Debian's pymodbus as the client.

The SunSpec point layouts below are this test's own, written from the
SunSpec model definitions (models 1, 802, 805), independent of bmsd's
tables. Usage:

  modbus_check.py (--tcp HOST:PORT | --rtu DEVICE) [--unit 32] [--sim SOCK] CHECK...

Checks: walk, values, errors, rtu-raw, tcp-raw, writes-disabled, writes, reset,
gen.
Each prints one line per finding and exits 1 on the first failure.
"""
import argparse
import json
import os
import random
import select
import socket
import struct
import sys
import time

from pymodbus.client import ModbusSerialClient, ModbusTcpClient

BASE = 40000
VENDOR = 46000
VENDOR_LEN = 1280

# (name, registers) in SunSpec order, ID and L included
MODEL1 = [("ID", 1), ("L", 1), ("Mn", 16), ("Md", 16), ("Opt", 8), ("Vr", 8), ("SN", 16),
          ("DA", 1), ("Pad", 1)]
MODEL802 = [("ID", 1), ("L", 1), ("AHRtg", 1), ("WHRtg", 1), ("WChaRteMax", 1),
            ("WDisChaRteMax", 1), ("DisChaRte", 1), ("SoCMax", 1), ("SoCMin", 1),
            ("SocRsvMax", 1), ("SoCRsvMin", 1), ("SoC", 1), ("DoD", 1), ("SoH", 1),
            ("NCyc", 2), ("ChaSt", 1), ("LocRemCtl", 1), ("Hb", 1), ("CtrlHb", 1),
            ("AlmRst", 1), ("Typ", 1), ("State", 1), ("StateVnd", 1), ("WarrDt", 2),
            ("Evt1", 2), ("Evt2", 2), ("EvtVnd1", 2), ("EvtVnd2", 2), ("V", 1), ("VMax", 1),
            ("VMin", 1), ("CellVMax", 1), ("CellVMaxStr", 1), ("CellVMaxMod", 1),
            ("CellVMin", 1), ("CellVMinStr", 1), ("CellVMinMod", 1), ("CellVAvg", 1),
            ("A", 1), ("AChaMax", 1), ("ADisChaMax", 1), ("W", 1), ("ReqInvState", 1),
            ("ReqW", 1), ("SetOp", 1), ("SetInvState", 1), ("AHRtg_SF", 1), ("WHRtg_SF", 1),
            ("WChaDisChaMax_SF", 1), ("DisChaRte_SF", 1), ("SoC_SF", 1), ("DoD_SF", 1),
            ("SoH_SF", 1), ("V_SF", 1), ("CellV_SF", 1), ("A_SF", 1), ("AMax_SF", 1),
            ("W_SF", 1)]
MODEL805 = [("ID", 1), ("L", 1), ("StrIdx", 1), ("ModIdx", 1), ("NCell", 1), ("SoC", 1),
            ("DoD", 1), ("SoH", 1), ("NCyc", 2), ("V", 1), ("CellVMax", 1),
            ("CellVMaxCell", 1), ("CellVMin", 1), ("CellVMinCell", 1), ("CellVAvg", 1),
            ("CellTmpMax", 1), ("CellTmpMaxCell", 1), ("CellTmpMin", 1),
            ("CellTmpMinCell", 1), ("CellTmpAvg", 1), ("NCellBal", 1), ("SN", 16),
            ("SoC_SF", 1), ("SoH_SF", 1), ("DoD_SF", 1), ("V_SF", 1), ("CellV_SF", 1),
            ("Tmp_SF", 1)]
CELL = [("CellV", 1), ("CellTmp", 1), ("CellSt", 2)]

# the vendor block as docs/modbus-map.md documents it
VENDOR_PTS = [("Version", 1), ("Length", 1), ("Gen", 2), ("FaultReset", 1), ("Operation", 1),
              ("State", 1), ("Flags", 1), ("Faults", 2), ("PackVoltage", 2), ("Current", 2),
              ("CellMin", 1), ("CellMax", 1), ("CellMean", 1), ("CellSpread", 1),
              ("CellMinBoard", 1), ("CellMinCell", 1), ("CellMaxBoard", 1),
              ("CellMaxCell", 1), ("TempMin", 1), ("TempMax", 1), ("TempMean", 1),
              ("TempMinBoard", 1), ("TempMaxBoard", 1), ("ExtTemp", 2), ("Humidity", 1),
              ("Supply", 1), ("SOC", 1), ("SOH", 1), ("Capacity", 2), ("CapacityMeasured", 2),
              ("Remaining", 2), ("CCL", 2), ("DCL", 2), ("CVL", 2), ("DVL", 2),
              ("Warnings", 2), ("Alarms", 2), ("Criticals", 2), ("Latched", 2),
              ("ProtState", 32), ("ProtTier", 32), ("ProtEnabled", 32), ("RelayRole", 4),
              ("RelayCommand", 1), ("RelayDriven", 1), ("InputRole", 4), ("OutputRole", 4),
              ("Inputs", 1), ("Outputs", 1), ("FullCycles", 2), ("ChargeIn", 4),
              ("ChargeOut", 4), ("EnergyIn", 4), ("EnergyOut", 4), ("ContactorCycles", 8),
              ("LifeTempMin", 1), ("LifeTempMax", 1), ("Boards", 1), ("CellsPerBoard", 1),
              ("TempsPerBoard", 1), ("OnlineMask", 2), ("BalancingMask", 2)]
BOARD_DETAIL = VENDOR + 512
BOARD_STRIDE = 24

NA16 = 0xFFFF
NAS16 = 0x8000


def offsets(points):
    out, off = {}, 0
    for name, n in points:
        out[name] = off
        off += n
    return out, off


O1, L1 = offsets(MODEL1)
O802, L802 = offsets(MODEL802)
O805, L805F = offsets(MODEL805)
OV, _ = offsets(VENDOR_PTS)
assert (L1 - 2, L802 - 2, L805F - 2) == (66, 62, 42)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)


def s16(v):
    return v - 0x10000 if v & 0x8000 else v


def u32(r, i):
    return r[i] << 16 | r[i + 1]


def text(r):
    b = b"".join(struct.pack(">H", x) for x in r)
    return b.split(b"\0")[0].decode("ascii")


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu_frame(body):
    c = crc16(body)
    return bytes(body) + bytes([c & 0xFF, c >> 8])


class Client:
    def __init__(self, args):
        self.unit = args.unit
        if args.tcp:
            host, port = args.tcp.rsplit(":", 1)
            self.c = ModbusTcpClient(host, port=int(port), timeout=2)
        else:
            self.c = ModbusSerialClient(port=args.rtu, baudrate=9600, parity="N",
                                        bytesize=8, stopbits=1, timeout=1)
        if not self.c.connect():
            fail("cannot connect")

    def read(self, addr, n, fc=3, unit=None):
        f = self.c.read_holding_registers if fc == 3 else self.c.read_input_registers
        r = f(addr, n, slave=self.unit if unit is None else unit)
        if r.isError():
            fail("read %d+%d (function %d): %s" % (addr, n, fc, r))
        if len(r.registers) != n:
            fail("read %d+%d: %d registers" % (addr, n, len(r.registers)))
        return r.registers

    def read_long(self, addr, n):
        out = []
        while n:
            k = min(n, 125)
            out += self.read(addr, k)
            addr += k
            n -= k
        return out

    def exc(self, what, r):
        if not r.isError() or not hasattr(r, "exception_code"):
            fail("%s: expected an exception, got %s" % (what, r))
        return r.exception_code

    def close(self):
        self.c.close()


def sim_status(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"status\n")
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(4096)
        if not d:
            break
        buf += d
    s.close()
    return json.loads(buf)


def walk(cl):
    """The SunSpec chain from 40000 to the end marker: every ID and L."""
    r = cl.read(BASE, 2)
    if r != [0x5375, 0x6E53]:
        fail("no SunS marker at 40000: %s" % r)
    a, models = BASE + 2, []
    while True:
        mid, ln = cl.read(a, 2)
        if mid == 0xFFFF:
            if ln != 0:
                fail("end marker L %d" % ln)
            break
        models.append((mid, ln, a))
        # the whole model must be readable
        cl.read_long(a, 2 + ln)
        a += 2 + ln
        if len(models) > 40:
            fail("chain does not end")
    ids = [m[0] for m in models]
    if ids[:2] != [1, 802] or any(i != 805 for i in ids[2:]):
        fail("models %s" % ids)
    if models[0][1] != 66 or models[1][1] != 62:
        fail("L of models 1 and 802: %s" % models[:2])
    n805 = len(models) - 2
    for i, (mid, ln, at) in enumerate(models[2:]):
        r = cl.read(at, 5)
        ncell = r[4]
        if ln != 42 + 4 * ncell:
            fail("model 805 #%d: L %d for %d cells" % (i + 1, ln, ncell))
        if r[2] != 1 or r[3] != i + 1:
            fail("model 805 #%d: StrIdx %d ModIdx %d" % (i + 1, r[2], r[3]))
    # nothing readable past the end marker
    r = cl.c.read_holding_registers(a + 2, 1, slave=cl.unit)
    if cl.exc("read past the end marker", r) != 2:
        fail("past the end: %s" % r)
    ok("chain: SunS, %s, end marker at %d (%d modules)" %
       (", ".join("%d/L%d@%d" % m for m in models), a, n805))
    return models, a


def sf(v, f):
    return v * 10 ** s16(f)


def values(cl, args):
    """The map against the simulator's truth, within each scale factor's resolution."""
    models, end = walk(cl)
    st = sim_status(args.sim)
    m1 = cl.read(models[0][2], 68)
    s1 = lambda k, n: text(m1[O1[k]:O1[k] + n])
    if s1("Mn", 16) != "bmsd" or s1("Md", 16) != "main-2r":
        fail("Mn %r Md %r" % (s1("Mn", 16), s1("Md", 16)))
    if m1[O1["DA"]] != 32 or m1[O1["Pad"]] != 0x8000:
        fail("DA %d Pad %#x" % (m1[O1["DA"]], m1[O1["Pad"]]))
    if not s1("Vr", 8) or not s1("Opt", 8).startswith("fw "):
        fail("Vr %r Opt %r" % (s1("Vr", 8), s1("Opt", 8)))
    # model 802 and the vendor block of one publication: 802 read between
    # two reads of the vendor block that show the same Gen
    for _ in range(50):
        g1 = u32(cl.read(VENDOR + OV["Gen"], 2), 0)
        b = cl.read(models[1][2], 64)
        vd = cl.read(VENDOR, 125) + cl.read(VENDOR + 125, 125)
        if u32(vd, OV["Gen"]) == g1:
            break
    else:
        fail("no two reads within one publication")
    g = lambda k: b[O802[k]]
    st = sim_status(args.sim)
    cmin, cmax = st["cell_min_mV"] / 1000, st["cell_max_mV"] / 1000
    vmin, vmax = sf(g("CellVMin"), g("CellV_SF")), sf(g("CellVMax"), g("CellV_SF"))
    if g("CellV_SF") != 0xFFFD or abs(vmin - cmin) > 0.003 or abs(vmax - cmax) > 0.003:
        fail("cells %.3f..%.3f V, simulator %.3f..%.3f V" % (vmin, vmax, cmin, cmax))
    a = sf(s16(g("A")), g("A_SF"))
    if s16(g("A_SF")) != -1 or abs(a - st["current_mA"] / 1000) > 0.5:
        fail("A %.1f A, simulator %.3f A" % (a, st["current_mA"] / 1000))
    ok("802: cells %.3f..%.3f V (simulator %.3f..%.3f), A %.1f A (simulator %.3f)" %
       (vmin, vmax, cmin, cmax, a, st["current_mA"] / 1000))
    # the pack voltage is the sum of the module voltages and of the cells
    v = sf(g("V"), g("V_SF"))
    cells_sum, mods_sum, tmax, tmin = 0, 0, -1e9, 1e9
    for mid, ln, at in models[2:]:
        m = cl.read_long(at, 2 + ln)
        n = m[O805["NCell"]]
        mods_sum += sf(m[O805["V"]], m[O805["V_SF"]])
        cv = [m[L805F + 4 * c] for c in range(n)]
        if any(x == NA16 for x in cv):
            fail("module %d: a cell is NA: %s" % (m[O805["ModIdx"]], cv))
        cells_sum += sum(cv) / 1000
        if max(cv) != m[O805["CellVMax"]] or min(cv) != m[O805["CellVMin"]]:
            fail("module %d: CellVMax/Min %d/%d, cells %s" %
                 (m[O805["ModIdx"]], m[O805["CellVMax"]], m[O805["CellVMin"]], cv))
        if cv[m[O805["CellVMaxCell"]] - 1] != max(cv):
            fail("module %d: CellVMaxCell" % m[O805["ModIdx"]])
        if not (st["cell_min_mV"] - 3 <= min(cv) and max(cv) <= st["cell_max_mV"] + 3):
            fail("module %d: cells %s outside the simulator's %d..%d" %
                 (m[O805["ModIdx"]], cv, st["cell_min_mV"], st["cell_max_mV"]))
        if any(m[L805F + 4 * c + 1] != NAS16 for c in range(n)):
            fail("module %d: CellTmp is not NA" % m[O805["ModIdx"]])
        t1, t2 = sf(s16(m[O805["CellTmpMax"]]), m[O805["Tmp_SF"]]), sf(
            s16(m[O805["CellTmpMin"]]), m[O805["Tmp_SF"]])
        tmax, tmin = max(tmax, t1), min(tmin, t2)
    pack_t = st["temp_dC"] / 10
    if not (tmin >= pack_t - 1.0 and tmax <= pack_t + 1.0):
        fail("module temperatures %.1f..%.1f degC, simulator %.1f" % (tmin, tmax, pack_t))
    if abs(v - cells_sum) > 0.1 + 0.001 or abs(v - mods_sum) > 0.1 + 0.01 * len(models):
        fail("V %.1f, cells %.3f, modules %.2f" % (v, cells_sum, mods_sum))
    ok("V %.1f V = cells %.3f V = modules %.2f V; temperatures %.1f..%.1f degC (simulator %.1f)"
       % (v, cells_sum, mods_sum, tmin, tmax, pack_t))
    # the vendor block
    gv = lambda k, i=0: vd[OV[k] + i]
    if gv("Version") != 1 or gv("Length") != VENDOR_LEN:
        fail("vendor version/length %d/%d" % (gv("Version"), gv("Length")))
    if gv("Boards") != 4 or gv("CellsPerBoard") != 16 or u32(vd, OV["OnlineMask"]) != 0xF:
        fail("vendor pack shape %d x %d, online %#x" %
             (gv("Boards"), gv("CellsPerBoard"), u32(vd, OV["OnlineMask"])))
    if [gv("RelayRole", i) for i in range(4)] != [2, 5, 1, 6]:
        fail("relay roles %s" % [gv("RelayRole", i) for i in range(4)])
    if gv("State") != 4 or gv("RelayDriven") != 7 or g("State") != 3:
        fail("state %d / SunSpec %d, relays %#x" % (gv("State"), g("State"), gv("RelayDriven")))
    cur = struct.unpack(">i", struct.pack(">I", u32(vd, OV["Current"])))[0]
    st = sim_status(args.sim)
    if abs(cur - st["current_mA"]) > 500:
        fail("vendor current %d mA, simulator %d" % (cur, st["current_mA"]))
    if abs(u32(vd, OV["PackVoltage"]) / 1000 - v) > 0.06:
        fail("vendor pack %d mV, 802 V %.1f" % (u32(vd, OV["PackVoltage"]), v))
    if abs(gv("CellMin") - st["cell_min_mV"]) > 3 or abs(gv("CellMax") - st["cell_max_mV"]) > 3:
        fail("vendor cells %d..%d, simulator %d..%d" %
             (gv("CellMin"), gv("CellMax"), st["cell_min_mV"], st["cell_max_mV"]))
    flags = gv("Flags")
    if flags & 0x0C03 != 0x0C03:
        fail("flags %#x: configured, link, pack and current known expected" % flags)
    # the battery logic's figures: NA while not known, consistent once known
    if not flags & (1 << 13):
        if g("SoC") != NA16 or gv("SOC") != NA16 or g("DoD") != NA16:
            fail("SOC unknown but SoC %#x / %#x" % (g("SoC"), gv("SOC")))
    elif g("SoC") != gv("SOC") or g("SoC") > 1000:
        fail("SoC %d, vendor SOC %d" % (g("SoC"), gv("SOC")))
    if not flags & (1 << 14) and (g("SoH") != NA16 or gv("SOH") != NA16):
        fail("SOH unknown but SoH %#x" % g("SoH"))
    if flags & (1 << 14) and g("SoH") != gv("SOH"):
        fail("SoH %d, vendor SOH %d" % (g("SoH"), gv("SOH")))
    if flags & (1 << 15):
        pairs = (("AChaMax", "CCL"), ("ADisChaMax", "DCL"), ("VMax", "CVL"), ("VMin", "DVL"))
        for sunspec, vend in pairs:
            a_sf = g("AMax_SF") if sunspec[0] == "A" else g("V_SF")
            if abs(sf(g(sunspec), a_sf) - u32(vd, OV[vend]) / 1000) > 0.051:
                fail("%s %d vs %s %d" % (sunspec, g(sunspec), vend, u32(vd, OV[vend])))
    else:
        if (g("AChaMax"), g("ADisChaMax"), g("VMax"), g("VMin")) != (NA16,) * 4:
            fail("limits unknown but 802 limits %s" %
                 [g(k) for k in ("AChaMax", "ADisChaMax", "VMax", "VMin")])
        if u32(vd, OV["CCL"]) != 0xFFFFFFFF or u32(vd, OV["DVL"]) != 0xFFFFFFFF:
            fail("limits unknown but vendor CCL %#x" % u32(vd, OV["CCL"]))
    for i in range(32):
        if gv("ProtEnabled", i) == 0 and (gv("ProtState", i), gv("ProtTier", i)) != (NA16, NA16):
            fail("protection %d disabled but state %#x" % (i, gv("ProtState", i)))
    nas = [g(k) for k in ("WHRtg", "WarrDt", "ReqW", "DisChaRte_SF")]
    if nas != [NA16, NA16, NAS16, NAS16]:
        fail("not implemented points: %s" % nas)
    if g("Typ") != 4 or g("LocRemCtl") != (0 if args.writes else 1):
        fail("Typ %d LocRemCtl %d" % (g("Typ"), g("LocRemCtl")))
    # per-board detail
    for bd in range(4):
        d = cl.read(BOARD_DETAIL + bd * BOARD_STRIDE, BOARD_STRIDE)
        if d[0] & 3 != 3 or d[1] != 16 or d[2] != 4:
            fail("board %d detail %s" % (bd + 1, d[:3]))
        if not (st["cell_min_mV"] - 3 <= d[6] <= d[7] <= st["cell_max_mV"] + 3):
            fail("board %d cells %d..%d" % (bd + 1, d[6], d[7]))
        temps = [s16(x) / 10 for x in d[13:17]]
        if any(abs(t - pack_t) > 1.0 for t in temps) or d[17] != NAS16:
            fail("board %d temperatures %s, simulator %.1f" % (bd + 1, temps, pack_t))
    d = cl.read(BOARD_DETAIL + 4 * BOARD_STRIDE, 3)
    if d != [0, NA16, NA16]:
        fail("board 5 (absent) detail %s" % d)
    ok("vendor block: state, relays, roles, current %d mA, pack %d mV, flags %#x, 4 boards "
       "in detail, logic figures consistent (NA while unknown)"
       % (cur, u32(vd, OV["PackVoltage"]), flags))
    # function 4 reads the same image
    r4 = cl.read(models[0][2], 68, fc=4)
    if r4 != m1:
        fail("function 4 differs from function 3 on model 1")
    ok("function 4 reads the same image")


def gen(cl):
    """The publication counter advances, about ten per second."""
    g1 = u32(cl.read(VENDOR + 2, 2), 0)
    time.sleep(1.0)
    g2 = u32(cl.read(VENDOR + 2, 2), 0)
    if not 5 <= g2 - g1 <= 20:
        fail("Gen %d -> %d in 1 s" % (g1, g2))
    ok("Gen %d -> %d in 1 s" % (g1, g2))


def errors(cl, end):
    c, u = cl.c, cl.unit
    cases = [
        ("read 126 registers", c.read_holding_registers(BASE, 126, slave=u), 3),
        ("read 0 registers", c.read_holding_registers(BASE, 0, slave=u), 3),
        ("read before the chain", c.read_holding_registers(BASE - 1, 2, slave=u), 2),
        ("read across the end marker", c.read_holding_registers(end, 3, slave=u), 2),
        ("read at 0", c.read_holding_registers(0, 1, slave=u), 2),
        ("read input registers at 0", c.read_input_registers(0, 10, slave=u), 2),
        ("read across the vendor block's end",
         c.read_holding_registers(VENDOR + VENDOR_LEN - 1, 2, slave=u), 2),
        ("read coils", c.read_coils(0, 8, slave=u), 1),
        ("read discrete inputs", c.read_discrete_inputs(0, 8, slave=u), 1),
        ("write a coil", c.write_coil(0, True, slave=u), 1),
    ]
    for what, r, want in cases:
        got = cl.exc(what, r)
        if got != want:
            fail("%s: exception %d, expected %d" % (what, got, want))
        # and the server keeps serving
        if cl.read(BASE, 2) != [0x5375, 0x6E53]:
            fail("no answer after %s" % what)
    ok("exceptions: %s" % ", ".join("%s -> %d" % (w, e) for w, _, e in cases))


def writes_disabled(cl):
    c, u = cl.c, cl.unit
    for what, r in (("AlmRst", c.write_register(40090, 1, slave=u)),
                    ("SetOp", c.write_register(40120, 2, slave=u)),
                    ("vendor FaultReset", c.write_register(46004, 1, slave=u)),
                    ("vendor Operation x2", c.write_registers(46004, [1, 2], slave=u)),
                    ("V", c.write_register(40104, 1, slave=u))):
        if cl.exc("write %s" % what, r) != 1:
            fail("write %s with writes disabled: %s" % (what, r))
    if cl.read(40120, 1) != [1]:
        fail("SetOp changed")
    ok("writes disabled: every write gets ILLEGAL FUNCTION; SetOp still CONNECT")


def sim_fw(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"fw\n")
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(4096)
        if not d:
            break
        buf += d
    s.close()
    return json.loads(buf)


def until(what, fn, secs=10.0):
    t_end = time.monotonic() + secs
    while time.monotonic() < t_end:
        if fn():
            return
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def writes(cl, args):
    """Control writes with modbus.write_enable true."""
    c, u = cl.c, cl.unit
    relays = lambda: sim_fw(args.sim)["relays"]
    until("relays 7", lambda: relays() == 7)
    r = c.write_register(40120, 2, slave=u)  # SetOp DISCONNECT
    if r.isError():
        fail("SetOp 2: %s" % r)
    if cl.read(40120, 1) != [2] or cl.read(46005, 1) != [2]:
        fail("SetOp/Operation do not read 2")
    until("the relays to open", lambda: relays() == 0)
    until("State DISCONNECTED", lambda: cl.read(40092, 1) == [1])
    ok("SetOp 2: relays open, State 1 DISCONNECTED")
    r = c.write_registers(46004, [1, 1], slave=u)  # FaultReset, Operation CONNECT
    if r.isError():
        fail("vendor FaultReset+Operation: %s" % r)
    until("the relays to close", lambda: relays() == 7)
    until("State CONNECTED", lambda: cl.read(40092, 1) == [3])
    ok("vendor FaultReset + Operation 1 in one write: relays 7, State 3 CONNECTED")
    r = c.write_register(40090, 1, slave=u)  # AlmRst
    if r.isError():
        fail("AlmRst 1: %s" % r)
    if cl.read(40090, 1) != [0]:
        fail("AlmRst does not read 0")
    ok("AlmRst 1 accepted, reads 0")
    for what, r, want in (
            ("AlmRst 2", c.write_register(40090, 2, slave=u), 3),
            ("SetOp 3", c.write_register(40120, 3, slave=u), 3),
            ("Operation 0", c.write_register(46005, 0, slave=u), 3),
            ("V", c.write_register(40104, 1, slave=u), 2),
            ("SetInvState", c.write_register(40121, 1, slave=u), 2),
            ("DA", c.write_register(40068, 7, slave=u), 2),
            ("FaultReset..State", c.write_registers(46004, [1, 1, 1], slave=u), 2),
            ("AlmRst..SetOp", c.write_registers(40090, [1] * 31, slave=u), 2)):
        got = cl.exc(what, r)
        if got != want:
            fail("%s: exception %d, expected %d" % (what, got, want))
    if relays() != 7 or cl.read(40120, 1) != [1]:
        fail("a refused write acted")
    ok("refused writes: bad values -> 3, other registers -> 2, nothing acted")


def rtu_raw(args):
    """Garbage, bad CRCs, foreign addresses and half frames on the wire."""
    fd = os.open(args.rtu, os.O_RDWR | os.O_NOCTTY)
    import termios
    import tty
    tty.setraw(fd)
    req = rtu_frame([32, 3, 0x9C, 0x40, 0, 2])  # SunS

    def xfer(data, wait=0.6):
        termios.tcflush(fd, termios.TCIFLUSH)
        os.write(fd, data)
        got, t_end = b"", time.monotonic() + wait
        while time.monotonic() < t_end:
            r, _, _ = select.select([fd], [], [], max(0, t_end - time.monotonic()))
            if not r:
                break
            got += os.read(fd, 512)
            if len(got) >= 9 and got[:3] == bytes([32, 3, 4]):
                break
        return got

    want = bytes([32, 3, 4, 0x53, 0x75, 0x6E, 0x53])
    good = lambda got: got[:7] == want and crc16(got[:7]) == got[7] | got[8] << 8
    if not good(xfer(req)):
        fail("no answer to a plain request")
    # garbage, then a request after an inter-frame silence: answered at once
    os.write(fd, b"\x00\xff\x13\x37garbage!")
    time.sleep(0.1)
    if not good(xfer(req)):
        fail("no answer after garbage and a silence")
    # garbage and a request in one burst, no silence between: one bad frame,
    # dropped; the next request after a silence is answered
    if xfer(b"\x00\xff\x13\x37garbage!" + req, 0.4):
        fail("an answer to a request glued to garbage")
    if not good(xfer(req)):
        fail("no answer after a garbled burst")
    bad = bytearray(req)
    bad[-1] ^= 0x55
    if xfer(bytes(bad), 0.4):
        fail("an answer to a bad CRC")
    if not good(xfer(req)):
        fail("no answer after a bad CRC")
    if xfer(rtu_frame([7, 3, 0x9C, 0x40, 0, 2]), 0.4):
        fail("an answer to address 7")
    # another slave's answer, then a request to us after a silence
    os.write(fd, bytes([7, 3, 4, 1, 2, 3, 4, 0x55, 0xAA]))
    time.sleep(0.1)
    if not good(xfer(req)):
        fail("no answer after another slave's traffic")
    if xfer(rtu_frame([0, 6, 0xB3, 0xB4, 0, 1]), 0.4):
        fail("an answer to a broadcast")
    # half a request, a silence, then a request: answered, the half dropped
    os.write(fd, req[:4])
    time.sleep(0.1)
    if not good(xfer(req)):
        fail("no answer after half a request and a silence")
    # half a request and then nothing: dropped after the byte timeout
    os.write(fd, req[:5])
    time.sleep(0.7)
    if not good(xfer(req)):
        fail("no answer after a stale half request")
    # a burst of noise, then a request
    random.seed(1)
    noise = bytes(random.randrange(256) for _ in range(3000))
    os.write(fd, noise)
    time.sleep(0.3)
    if not good(xfer(req)):
        fail("no answer after 3000 bytes of noise")
    # an exception travels in a good frame
    got = xfer(rtu_frame([32, 3, 0x9C, 0x40, 0, 126]))
    if got[:3] != bytes([32, 0x83, 3]) or crc16(got[:3]) != got[3] | got[4] << 8:
        fail("exception frame %s" % got.hex())
    os.close(fd)
    ok("RTU wire: garbage, glued requests, bad CRC, other addresses and their answers, "
       "broadcast, half frames and noise dropped, each followed by an answered request; "
       "exception frame %s" % got[:5].hex())


def tcp_raw(args):
    host, port = args.tcp.rsplit(":", 1)
    port = int(port)

    def conn():
        s = socket.create_connection((host, port), timeout=2)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def req(tid, addr=BASE, n=2, unit=32, fc=3):
        return struct.pack(">HHHBBHH", tid, 0, 6, unit, fc, addr, n)

    def answer(s):
        h = b""
        while len(h) < 7:
            d = s.recv(7 - len(h))
            if not d:
                return None
            h += d
        tid, pid, ln, unit = struct.unpack(">HHHB", h)
        body = b""
        while len(body) < ln - 1:
            d = s.recv(ln - 1 - len(body))
            if not d:
                return None
            body += d
        return tid, unit, body

    def closed(s, within):
        s.settimeout(within)
        try:
            return s.recv(100) == b""
        except (socket.timeout, ConnectionResetError):
            return False
        finally:
            s.settimeout(2)

    # pipelined requests are answered in order
    s = conn()
    s.sendall(req(1) + req(2, VENDOR, 4) + req(3, 39999, 2))
    a = [answer(s) for _ in range(3)]
    if [x[0] for x in a] != [1, 2, 3] or a[0][2][:2] != b"\x03\x04" or a[2][2] != b"\x83\x02":
        fail("pipelined answers %s" % a)
    # another unit id behind us: gateway target exception
    s.sendall(req(4, unit=5))
    a = answer(s)
    if a[2] != b"\x83\x0b":
        fail("unit 5: %s" % (a,))
    ok("TCP: 3 pipelined requests answered in order; unit 5 -> exception 11")
    s.close()

    # max_clients (8): the ninth is closed at once, the others keep working
    cs = [conn() for _ in range(8)]
    for i, c in enumerate(cs):
        c.sendall(req(10 + i))
        if answer(c)[0] != 10 + i:
            fail("client %d" % i)
    extra = conn()
    if not closed(extra, 1.0):
        fail("a ninth client was served")
    for i, c in enumerate(cs):
        c.sendall(req(20 + i))
        if answer(c)[0] != 20 + i:
            fail("client %d after the refusal" % i)
    for c in cs:
        c.close()
    extra.close()
    ok("TCP: 8 clients served, the ninth closed at once")

    # half a request, then silence: closed after the byte timeout, and the
    # others are served meanwhile
    time.sleep(0.3)
    slow, other = conn(), conn()
    slow.sendall(req(30)[:5])
    t0 = time.monotonic()
    for i in range(5):
        other.sendall(req(40 + i))
        if answer(other)[0] != 40 + i:
            fail("other client while one stalls")
    served = time.monotonic() - t0
    if not closed(slow, 3.0):
        fail("a stalled client stayed open")
    stalled = time.monotonic() - t0
    ok("TCP: a half request closed after %.2f s; 5 other requests served in %.3f s meanwhile"
       % (stalled, served))
    # garbage: an impossible header closes the connection
    bad = conn()
    bad.sendall(b"GET / HTTP/1.0\r\n\r\n")
    if not closed(bad, 2.0):
        fail("garbage kept the connection")
    other.sendall(req(50))
    if answer(other)[0] != 50:
        fail("no answer after a garbage client")
    ok("TCP: garbage header closed, others still served")
    # a flood from one client does not starve another
    flood = conn()
    burst = b"".join(req(i & 0xFFFF, BASE, 125) for i in range(2000))
    flood.setblocking(False)
    sent = 0
    t0 = time.monotonic()
    lat = []
    for i in range(20):
        try:
            sent += flood.send(burst[sent:sent + 65536])
        except BlockingIOError:
            pass
        t1 = time.monotonic()
        other.sendall(req(60 + i))
        if answer(other)[0] != 60 + i:
            fail("starved by a flood")
        lat.append(time.monotonic() - t1)
    flood.close()
    other.close()
    ok("TCP: during a flood another client waits %.1f ms at most" % (max(lat) * 1000))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp")
    ap.add_argument("--rtu")
    ap.add_argument("--unit", type=int, default=32)
    ap.add_argument("--sim")
    ap.add_argument("--writes", action="store_true", help="write_enable is true")
    ap.add_argument("checks", nargs="+")
    args = ap.parse_args()
    for chk in args.checks:
        if chk == "rtu-raw":
            rtu_raw(args)
            continue
        if chk == "tcp-raw":
            tcp_raw(args)
            continue
        cl = Client(args)
        if chk == "walk":
            walk(cl)
        elif chk == "values":
            values(cl, args)
        elif chk == "errors":
            _, end = walk(cl)
            errors(cl, end)
        elif chk == "writes-disabled":
            writes_disabled(cl)
        elif chk == "writes":
            writes(cl, args)
        elif chk == "reset":
            r = cl.c.write_register(46004, 1, slave=cl.unit)
            if r.isError():
                fail("FaultReset: %s" % r)
            ok("FaultReset written")
        elif chk == "gen":
            gen(cl)
        else:
            fail("unknown check %s" % chk)
        cl.close()


if __name__ == "__main__":
    main()
