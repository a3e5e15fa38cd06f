# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the shipped DBC files with can_dbc.py's strict reader: every file
parses, every message and signal is sound, and sample frames decode to the
values that the protocols' documentation gives for them (the vectors are
written here from that documentation, not from the DBC generator).

    can_dbc_check.py DBCDIR [BRIDGE_CAPTURE.json TRUTH.json]

With a capture of a bridge conversation (both directions) and the pack's
truth, the bridge DBC also decodes every captured frame and the values are
checked against the truth."""
import glob
import json
import os
import sys
import zlib

import can_dbc

fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
    return cond


def near(a, b, tol=1e-6):
    return abs(a - b) <= tol


d = sys.argv[1]
files = sorted(glob.glob(os.path.join(d, "*.dbc")))
names = [os.path.basename(f) for f in files]
check(names == ["bmsd-bridge.dbc", "bmsd-can2.dbc", "bmsd-pylon.dbc", "bmsd-sma.dbc",
                "bmsd-victron.dbc"], "DBC files: %s" % names)
db = {}
for f in files:
    try:
        db[os.path.basename(f)[5:-4]] = can_dbc.Dbc(f)
    except can_dbc.DbcError as e:
        fails.append(str(e))
if fails:
    print("\n".join("FAIL: " + x for x in fails))
    sys.exit(1)

# the reader is strict: a broken file is refused
SOCSOH = "BO_ 853 SocSoh: 4 BMS\n"
ALARMS = "BO_ 857 PylonAlarms: 7 BMS\n"
for where, add, why in (
        (SOCSOH, ' SG_ X : 40|8@1+ (1,0) [0|255] "" INVERTER\n', "beyond DLC"),
        (SOCSOH, ' SG_ X : 4|8@1+ (1,0) [0|255] "" INVERTER\n', "overlaps"),
        (ALARMS, ' SG_ X : 0|1@1+ (1,0) [0|5] "" INVERTER\n', "range"),
        (ALARMS, ' SG_ X : 5|1@1+ (1,0) [0|1] "" NOBODY\n', "receiver"),
        (ALARMS, ' SG_ X : 5|1@1+ (1,0) [0|1] INVERTER\n', "malformed signal"),
        (ALARMS, ' SG_ ModuleCount : 5|1@1+ (1,0) [0|1] "" INVERTER\n', "twice"),
        (SOCSOH, "BO_ 849 Again: 2 BMS\n SG_ Y : 0|8@1+ (1,0) [0|255] \"\" INVERTER\n\n",
         "twice"),
        (SOCSOH, "FOO_ 1 2\n\n", "unknown statement"),
        ('BA_ "GenMsgCycleTime" BO_ 853 1000;\n', None, "no GenMsgCycleTime")):
    text = open(os.path.join(d, "bmsd-pylon.dbc")).read()
    check(where in text, "mutation anchor %r" % where)
    text = text.replace(where, where + add if add else "", 1) if "FOO_" not in (add or "") \
        and "Again" not in (add or "") else text.replace(where, add + where, 1)
    p = os.path.join(os.environ.get("TMPDIR", "/tmp"), "can_dbc_check_%d.dbc" % os.getpid())
    open(p, "w").write(text)
    try:
        can_dbc.Dbc(p)
        check(False, "a DBC with a fault (%s) was accepted" % why)
    except can_dbc.DbcError as e:
        check(why in str(e), "refused for another reason than '%s': %s" % (why, e))
    finally:
        os.unlink(p)

# every message has a cycle time, every profile message the profile's
for prof, period in (("pylon", 1000), ("victron", 1000), ("sma", 100)):
    for m in db[prof].messages.values():
        if m.id == 0x305:
            check(m.sender == "INVERTER" and m.cycle_ms == 0, "%s 0x305" % prof)
        else:
            check(m.sender == "BMS" and m.cycle_ms == period,
                  "%s 0x%03X: cycle %s" % (prof, m.id, m.cycle_ms))
check(set(db["pylon"].messages) == {0x305, 0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E},
      "pylon frames")
check(set(db["sma"].messages) == {0x305, 0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F}, "sma frames")
check(set(db["victron"].messages) == {0x305, 0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F, 0x370,
                                      0x371, 0x372, 0x373, 0x374, 0x375, 0x376, 0x377, 0x379},
      "victron frames")
check(set(db["can2"].messages) == set(range(0x400, 0x408)), "can2 frames")
check(len(db["bridge"].messages) == 5 + 9 + 32 * 9 + 1, "bridge frames: %d" %
      len(db["bridge"].messages))

# ---- vectors from the inverter protocols' documentation ------------------------

# a real Pylontech trace: 53.2 V, 480.0 A, 480.0 A, 45.0 V (little-endian,
# the currents positive)
trace = bytes.fromhex("1402C012C012C201")
for prof in ("victron", "sma"):
    v = db[prof].decode(0x351, trace)
    check(near(v["ChargeVoltageLimit"], 53.2) and near(v["ChargeCurrentLimit"], 480.0) and
          near(v["DischargeCurrentLimit"], 480.0) and near(v["DischargeVoltageLimit"], 45.0),
          "%s 0x351 trace: %s" % (prof, v))
    check(db[prof].encode(0x351, v) == trace, "%s 0x351 encodes back" % prof)
v = db["pylon"].decode(0x351, trace[:6])
check(near(v["ChargeVoltageLimit"], 53.2) and "DischargeVoltageLimit" not in v, "pylon 0x351: %s" % v)
# 0x356: s16 0.01 V, s16 0.1 A (+ = charging), s16 0.1 degC: 52.48 V, -12.3 A, -4.5 degC
v = db["pylon"].decode(0x356, bytes([0x80, 0x14, 0x85, 0xFF, 0xD3, 0xFF]))
check(near(v["Voltage"], 52.48) and near(v["Current"], -12.3) and near(v["Temperature"], -4.5),
      "0x356: %s" % v)
# 0x355: SOC 87 %, SOH 99 %, SMA's SOC 86.54 %
v = db["sma"].decode(0x355, bytes([87, 0, 99, 0, 0xCE, 0x21]))
check(v["SOC"] == 87 and v["SOH"] == 99 and near(v["SOCHiRes"], 86.54), "0x355: %s" % v)
# 0x359: over-voltage protection is byte 0 bit 1, charge over-current byte 1
# bit 0, warnings 2 bytes further; module count in byte 4, then 'P' 'N'
v = db["pylon"].decode(0x359, bytes([0x02, 0x01, 0x80, 0x08, 1, 0x50, 0x4E]))
check(v["ProtectionOverVoltage"] == 1 and v["ProtectionChargeOverCurrent"] == 1 and
      v["WarningDischargeOverCurrent"] == 1 and v["WarningInternal"] == 1 and
      v["ProtectionUnderVoltage"] == 0 and v["ModuleCount"] == 1 and v["MarkerP"] == 0x50 and
      v["MarkerN"] == 0x4E, "0x359: %s" % v)
# 0x35C: 0xC0 is charge and discharge enabled
v = db["pylon"].decode(0x35C, bytes([0xC0, 0]))
check(v["ChargeEnable"] == 1 and v["DischargeEnable"] == 1 and v["FullChargeRequest"] == 0,
      "0x35C: %s" % v)
# 0x35A: two bits per condition, 01 active, 10 OK: high voltage alarm ([3:2]
# of byte 0) and low temperature charge warning ([5:4] of byte 5)
fr = bytes([0xA6, 0xAA, 0xAA, 0x02, 0xAA, 0x9A, 0xAA, 0x02])
t = db["victron"].text(0x35A, fr)
check(t["AlarmHighVoltage"] == "active" and t["AlarmGeneral"] == "ok" and
      t["WarningLowTemperatureCharge"] == "active" and t["AlarmCellImbalance"] == "ok" and
      t["WarningCellImbalance"] == "ok", "0x35A: %s" % t)
# 0x35E: ASCII
v = db["pylon"].decode(0x35E, b"PYLON   ")
check(bytes(int(v["Manufacturer%d" % i]) for i in range(8)) == b"PYLON   ", "0x35E")
# 0x373: min/max cell mV, min/max temperature in K
v = db["victron"].decode(0x373, bytes([0x76, 0x0C, 0x8F, 0x0C, 0x07, 0x01, 0x2A, 0x01]))
check(near(v["MinCellVoltage"], 3.190) and near(v["MaxCellVoltage"], 3.215) and
      v["MinCellTemperature"] == 263 and v["MaxCellTemperature"] == 298, "0x373: %s" % v)

# ---- CAN2 (docs/can.md) -----------------------------------------------------------
v = db["can2"].decode(0x401, (211041).to_bytes(4, "little") + (-1500).to_bytes(4, "little",
                                                                                 signed=True))
check(near(v["PackVoltage"], 211.041) and near(v["Current"], -1.5), "CAN2 pack: %s" % v)
t = db["can2"].text(0x400, bytes([6, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x00]))
check(t.get("State") == "fault" and t.get("SOC") == "not available", "CAN2 state: %s" % t)
v = db["can2"].decode(0x400, bytes([6, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x00]))
check(v["FaultComm"] == 1 and v["FaultUnconfigured"] == 0 and v["LinkUp"] == 1, "CAN2 faults: %s" % v)
prot = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src",
                         "config", "prot_ids.h")).read()
check("X(CELL_OV, cell_over_voltage" in prot and "X(MCU_TRIP, safety_floor_trip" in prot,
      "prot_ids.h as the test expects")
v = db["can2"].decode(0x404, (1 << 0 | 1 << 5).to_bytes(4, "little") + (1 << 23).to_bytes(4, "little"))
check(v["WarningCellOverVoltage"] == 1 and v["WarningDischargeOverCurrent"] == 1 and
      v["AlarmSafetyFloorTrip"] == 1 and v["AlarmCellOverVoltage"] == 0, "CAN2 protections")

# ---- bridge (docs/bridge-protocol.md) -----------------------------------------------
br = db["bridge"]
# "mV[1] = 1 sets bit 14 of W, which is bit 6 of data[2]"
v = br.raw(0x200, bytes([9, 0, 0x40, 0, 0, 0, 0, 0]))
check(v == {"Cycle": 9, "Cell1": 0, "Cell2": 1, "Cell3": 0, "Cell4": 0}, "CELLS packing: %s" % v)
check(br.messages[0x200 + 3 * 8 + 5].signals[1].name == "Cell21", "board 4 group 5 = cells 21..24")
# a temperature's bit 13 is its sign; -8192 is NA
w = ((-55) & 0x3FFF) | (0x2000 << 14) | (250 << 28)
v = br.raw(0x206, bytes([1]) + w.to_bytes(7, "little"))
check(v["Temp1"] == -55 and v["Temp2"] == -8192 and v["Temp3"] == 250, "TEMPS: %s" % v)
check(br.text(0x206, bytes([1]) + w.to_bytes(7, "little")).get("Temp2") == "not available",
      "TEMPS NA")
# CURRENT: s24 mA, -8388608 NA
v = br.decode(0x101, bytes([7, 0x01]) + (-1234).to_bytes(3, "little", signed=True) +
              (-8388608).to_bytes(3, "little", signed=True))
check(near(v["Current1"], -1.234) and v["S1Valid"] == 1 and v["S2Valid"] == 0, "CURRENT: %s" % v)
# STATUS: safety low nibble, cfg_state high nibble
t = br.text(0x100, bytes([0, 0x21, 0x02, 0, 0x78, 0x56, 0x34, 0x12]))
v = br.decode(0x100, bytes([0, 0x21, 0x02, 0, 0x78, 0x56, 0x34, 0x12]))
check(t["Safety"] == "armed" and t["CfgState"] == "active" and v["TripCellHigh"] == 1 and
      v["CfgCrc"] == 0x12345678, "STATUS: %s %s" % (t, v))

# ---- a captured bridge conversation ------------------------------------------------
if len(sys.argv) == 4:
    cap = json.load(open(sys.argv[2]))
    truth = json.load(open(sys.argv[3]))
    seen = {}
    for t, i, ext, dlc, h, *_ in cap["frames"]:
        data = bytes.fromhex(h)
        check(i in br.messages, "0x%03X is not in the bridge DBC" % i)
        if i not in br.messages:
            continue
        check(dlc == 8, "0x%03X DLC %d" % (i, dlc))
        seen.setdefault(i, []).append(data)
    n = sum(len(x) for x in seen.values())

    def last(name):
        m = br.by_name(name)
        return br.decode(m.id, seen[m.id][-1]) if m.id in seen else None

    v = last("Version")
    check(v and v["Proto"] == 1 and v["Hw"] == truth["hw"], "VERSION %s" % v)
    v = last("Logic")
    check(v and v["Boards"] == truth["boards"] and int(v["Online"]) == (1 << truth["boards"]) - 1,
          "LOGIC %s" % v)
    v = last("Board%dCells%d" % (truth["forced_board"], (truth["forced_cell"] - 1) // 4))
    check(v and round(v["Cell%d" % truth["forced_cell"]] * 1000) == truth["forced_mV"],
          "forced cell: %s" % v)
    v = last("Board1Cells0")
    check(v and round(v["Cell1"] * 1000) == truth["cell_min_mV"], "cell 1: %s" % v)
    v = last("Board1Temps0")
    check(v and all(abs(v["Temp%d" % k] * 10 - truth["temp_dC"]) <= 6 for k in (1, 2, 3, 4)),
          "temperatures: %s" % v)
    v = last("Board1Status")
    check(v and v["Online"] == 1 and v["NCells"] == 16 and v["NTemps"] == 4, "BSTATUS %s" % v)
    v = last("Current")
    check(v and abs(v["Current1"] * 1000 - truth["current_mA"]) <= 500, "CURRENT %s" % v)
    ends = [br.decode(0x320, x) for x in seen.get(0x320, [])]
    check(ends and all(e["NFrames"] == truth["boards"] * (4 + 1 + 1) for e in ends),
          "CYCLE_END frames per cycle: %s" % ends[:2])
    # the daemon's side: the configuration push and the heartbeat that names it
    if 0x059 in seen:
        commit = br.raw(0x059, seen[0x059][-1])
        blob = bytearray(7 * 64)
        for x in seen.get(0x058, []):
            c = br.raw(0x058, x)
            blob[c["Seq"] * 7:c["Seq"] * 7 + 7] = bytes(c["Byte%d" % k] for k in range(7))
        ln = commit["Len"]
        check(zlib.crc32(bytes(blob[:ln])) == commit["Crc"],
              "CFG_COMMIT CRC 0x%08X, blob CRC 0x%08X (%d bytes)" % (
                  commit["Crc"], zlib.crc32(bytes(blob[:ln])), ln))
        check(blob[0] == 1 and blob[1] == truth["boards"] and blob[2] == 16,
              "blob layout version / boards / cells: %s" % blob[:4].hex())
        st = last("Status")
        hb = last("Heartbeat")
        check(st and int(st["CfgCrc"]) == int(commit["Crc"]), "STATUS names the pushed CRC")
        check(hb and int(hb["CfgCrc"]) == int(commit["Crc"]), "HEARTBEAT names the pushed CRC")
        # the contactors closed at some point (a busy machine may have
        # opened them again by the end of the capture)
        oc = [br.raw(0x051, x) for x in seen.get(0x051, [])]
        io = [br.raw(0x104, x) for x in seen.get(0x104, [])]
        check(any(sum(o["Relay%d" % (k + 1)] << k for k in range(4)) == truth["relays"]
                  for o in oc), "no OUTPUT_CMD with relays 0x%x" % truth["relays"])
        check(any(sum(o["RelayOut%d" % (k + 1)] << k for k in range(4)) == truth["relays"]
                  for o in io), "no IO with relays 0x%x out" % truth["relays"])
    else:
        check(False, "no configuration push captured")
    print("bridge: %d frames of %d identifiers decoded" % (n, len(seen)))

print("%d DBC files, %d messages" % (len(db), sum(len(x.messages) for x in db.values())))
if fails:
    print("\n".join("FAIL: " + x for x in fails))
    sys.exit(1)
