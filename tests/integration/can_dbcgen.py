# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the DBC files of docs/dbc/ from the tables below: the three inverter
profiles of CAN1, the CAN2 feed and the bridge protocol. The layouts follow
docs/can.md and docs/bridge-protocol.md; the protection bits of the CAN2
feed follow src/prot_ids.h.

    can_dbcgen.py OUTDIR        write the files
    can_dbcgen.py --check DIR   exit 1 when a file in DIR differs

can_dbc.sh checks the committed files against this output, parses them with
its own strict reader and decodes real traffic with them."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))


class Sig:
    def __init__(self, name, start, length, signed=False, scale=1, offset=0, lo=None,
                 hi=None, unit="", comment=None, values=None):
        self.name, self.start, self.length, self.signed = name, start, length, signed
        self.scale, self.offset, self.unit = scale, offset, unit
        self.comment, self.values = comment, values or {}
        if lo is None or hi is None:
            rlo = -(1 << (length - 1)) if signed else 0
            rhi = (1 << (length - 1)) - 1 if signed else (1 << length) - 1
            lo = rlo * scale + offset if lo is None else lo
            hi = rhi * scale + offset if hi is None else hi
        self.lo, self.hi = lo, hi


class Msg:
    def __init__(self, mid, name, dlc, sender, sigs, cycle=0, comment=None):
        self.id, self.name, self.dlc, self.sender = mid, name, dlc, sender
        self.sigs, self.cycle, self.comment = sigs, cycle, comment


def num(v):
    if isinstance(v, int):
        return str(v)
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return "%.12g" % v


def quote(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def write_dbc(nodes, msgs, comment):
    out = ['VERSION ""', "", "", "NS_ :", "\tCM_", "\tBA_DEF_", "\tBA_", "\tVAL_",
           "\tBA_DEF_DEF_", "", "BS_:", "", "BU_: " + " ".join(nodes), "", ""]
    for m in msgs:
        recv = [n for n in nodes if n != m.sender]
        out.append("BO_ %d %s: %d %s" % (m.id, m.name, m.dlc, m.sender))
        for s in m.sigs:
            out.append(' SG_ %s : %d|%d@1%s (%s,%s) [%s|%s] "%s" %s' % (
                s.name, s.start, s.length, "-" if s.signed else "+", num(s.scale),
                num(s.offset), num(s.lo), num(s.hi), s.unit, ",".join(recv)))
        out.append("")
    out.append("")
    out.append('CM_ "SPDX-License-Identifier: GPL-2.0-or-later. %s";' % quote(comment))
    for m in msgs:
        if m.comment:
            out.append('CM_ BO_ %d "%s";' % (m.id, quote(m.comment)))
        for s in m.sigs:
            if s.comment:
                out.append('CM_ SG_ %d %s "%s";' % (m.id, s.name, quote(s.comment)))
    out.append('BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;')
    out.append('BA_DEF_DEF_ "GenMsgCycleTime" 0;')
    for m in msgs:
        out.append('BA_ "GenMsgCycleTime" BO_ %d %d;' % (m.id, m.cycle))
    for m in msgs:
        for s in m.sigs:
            if s.values:
                vals = " ".join('%d "%s"' % (k, quote(v)) for k, v in sorted(s.values.items()))
                out.append("VAL_ %d %s %s ;" % (m.id, s.name, vals))
    out.append("")
    return "\n".join(out)


def chars(prefix, first=0):
    return [Sig("%s%d" % (prefix, first + i), 8 * i, 8, lo=0, hi=255) for i in range(8)]


def u16(name, byte, scale=1, unit="", **kw):
    return Sig(name, 8 * byte, 16, scale=scale, unit=unit, **kw)


def s16(name, byte, scale=1, unit="", **kw):
    return Sig(name, 8 * byte, 16, True, scale=scale, unit=unit, **kw)


def bit(name, pos, comment=None):
    return Sig(name, pos, 1, lo=0, hi=1, comment=comment)


# ---- CAN1 ---------------------------------------------------------------------

COND = ["General", "HighVoltage", "LowVoltage", "HighTemperature", "LowTemperature",
        "HighTemperatureCharge", "LowTemperatureCharge", "DischargeOverCurrent",
        "ChargeOverCurrent", "Contactor", "ShortCircuit", "Internal", "CellImbalance"]
TWO_BITS = {0: "not used", 1: "active", 2: "ok", 3: "not available"}


def limits(dlc):
    sigs = [
        u16("ChargeVoltageLimit", 0, 0.1, "V", comment="CVL, rounded down"),
        s16("ChargeCurrentLimit", 2, 0.1, "A", lo=0, hi=3276.7,
            comment="CCL, rounded down, sent positive; 0 while the limits are not known"),
        s16("DischargeCurrentLimit", 4, 0.1, "A", lo=0, hi=3276.7,
            comment="DCL, rounded down, sent positive; 0 while the limits are not known"),
    ]
    if dlc == 8:
        sigs.append(u16("DischargeVoltageLimit", 6, 0.1, "V", comment="DVL, rounded up"))
    return Msg(0x351, "Limits", dlc, "BMS", sigs, comment=(
        "Charge and discharge limits. Without limits from the battery logic: CCL = DCL = 0 "
        "and CVL, DVL at the present pack voltage (0 when that is not known)."))


def soc(dlc):
    sigs = [u16("SOC", 0, 1, "%", lo=0, hi=100), u16("SOH", 2, 1, "%", lo=0, hi=100)]
    if dlc == 6:
        sigs.append(u16("SOCHiRes", 4, 0.01, "%", lo=0, hi=100))
    return Msg(0x355, "SocSoh", dlc, "BMS", sigs,
               comment="State of charge and health; not sent while either is not known.")


MEAS = Msg(0x356, "Measurements", 6, "BMS", [
    s16("Voltage", 0, 0.01, "V"),
    s16("Current", 2, 0.1, "A", comment="positive = charging"),
    s16("Temperature", 4, 0.1, "degC", comment="as can1.temperature selects"),
], comment="Pack voltage, current and temperature; not sent while one is not known.")

PYLON_ALARMS = Msg(0x359, "PylonAlarms", 7, "BMS", [
    bit("ProtectionOverVoltage", 1), bit("ProtectionUnderVoltage", 2),
    bit("ProtectionOverTemperature", 3), bit("ProtectionUnderTemperature", 4),
    bit("ProtectionDischargeOverCurrent", 7), bit("ProtectionChargeOverCurrent", 8),
    bit("ProtectionInternal", 11),
    bit("WarningOverVoltage", 17), bit("WarningUnderVoltage", 18),
    bit("WarningOverTemperature", 19), bit("WarningUnderTemperature", 20),
    bit("WarningDischargeOverCurrent", 23), bit("WarningChargeOverCurrent", 24),
    bit("WarningInternal", 27),
    Sig("ModuleCount", 32, 8, lo=0, hi=255, comment="always 1: one battery"),
    Sig("MarkerP", 40, 8, lo=0, hi=255, comment="'P' (0x50)"),
    Sig("MarkerN", 48, 8, lo=0, hi=255, comment="'N' (0x4E)"),
], comment="Pylon v1.2 protection (alarm) and warning bits.")

ALARMS_35A = Msg(0x35A, "AlarmsWarnings", 8, "BMS",
                 [Sig("Alarm" + c, 2 * i, 2, lo=0, hi=3, values=TWO_BITS)
                  for i, c in enumerate(COND)] +
                 [Sig("Warning" + c, 32 + 2 * i, 2, lo=0, hi=3, values=TWO_BITS)
                  for i, c in enumerate(COND)],
                 comment="Two bits per condition: 1 active, 2 OK.")

REQUEST = Msg(0x35C, "PylonRequest", 2, "BMS", [
    bit("FullChargeRequest", 3, "always 0"), bit("ForceChargeRequestII", 4, "always 0"),
    bit("ForceChargeRequestI", 5, "always 0"), bit("DischargeEnable", 6),
    bit("ChargeEnable", 7),
], comment="Request flags; 0xC0 in byte 0 is normal operation.")

MANUFACTURER = Msg(0x35E, "Manufacturer", 8, "BMS", chars("Manufacturer"),
                   comment="can1.manufacturer in ASCII, space padded.")

INFO = Msg(0x35F, "BatteryInfo", 8, "BMS", [
    u16("Model", 0, comment="0: not given"),
    u16("FirmwareVersion", 2, comment="bmsd's version: major in the high byte, minor in the low"),
    u16("Capacity", 4, 1, "Ah", comment="nominal capacity; the frame is not sent while it is 0"),
], comment="Battery model, firmware and capacity.")

KEEPALIVE = Msg(0x305, "InverterKeepAlive", 8, "INVERTER", [
    Sig("Payload", 0, 64, lo=0, hi=18446744073709551615,
        comment="not interpreted: any 0x305 of any length counts"),
], comment="Sent by the inverter; watched when can1.keepalive_watch is true.")

VICTRON_ONLY = [
    Msg(0x370, "ProductName1", 8, "BMS", chars("ProductName"),
        comment="can1.product, characters 1..8, space padded"),
    Msg(0x371, "ProductName2", 8, "BMS", chars("ProductName", 8),
        comment="can1.product, characters 9..16, space padded"),
    Msg(0x372, "Modules", 8, "BMS", [
        u16("ModulesOk", 0), u16("ModulesBlockingCharge", 2), u16("ModulesBlockingDischarge", 4),
        u16("ModulesOffline", 6)], comment="Logic boards online, blocking and offline."),
    Msg(0x373, "CellExtremes", 8, "BMS", [
        u16("MinCellVoltage", 0, 0.001, "V"), u16("MaxCellVoltage", 2, 0.001, "V"),
        u16("MinCellTemperature", 4, 1, "K"), u16("MaxCellTemperature", 6, 1, "K")],
        comment="Not sent while the cells or their temperatures are not known."),
    Msg(0x374, "MinCellVoltageName", 8, "BMS", chars("Name"), comment="B<board>C<cell>"),
    Msg(0x375, "MaxCellVoltageName", 8, "BMS", chars("Name"), comment="B<board>C<cell>"),
    Msg(0x376, "MinCellTemperatureName", 8, "BMS", chars("Name"), comment="B<board>T<sensor>"),
    Msg(0x377, "MaxCellTemperatureName", 8, "BMS", chars("Name"), comment="B<board>T<sensor>"),
    Msg(0x379, "InstalledCapacity", 2, "BMS", [u16("InstalledCapacity", 0, 1, "Ah")],
        comment="Not sent while the capacity is 0."),
]


def profile(name, period, msgs):
    out = []
    for m in msgs:
        m = Msg(m.id, m.name, m.dlc, m.sender, m.sigs, m.cycle, m.comment)
        m.cycle = 0 if m.sender == "INVERTER" else period
        out.append(m)
    return sorted(out, key=lambda m: m.id)


PROFILES = {
    "pylon": profile("pylon", 1000, [limits(6), soc(4), MEAS, PYLON_ALARMS, REQUEST,
                                      MANUFACTURER, KEEPALIVE]),
    "victron": profile("victron", 1000, [limits(8), soc(4), MEAS, ALARMS_35A, MANUFACTURER,
                                          INFO, KEEPALIVE] + VICTRON_ONLY),
    "sma": profile("sma", 100, [limits(8), soc(6), MEAS, ALARMS_35A, MANUFACTURER, INFO,
                                 KEEPALIVE]),
}

# ---- CAN2 ---------------------------------------------------------------------

VIEW_STATES = {0: "unconfigured", 1: "starting", 2: "standby", 3: "precharge",
               4: "connected", 5: "soft-stop", 6: "fault"}
BMSD_FAULTS = ["Unconfigured", "Comm", "LinkDown", "McuConfig", "McuTrip", "McuProtocol",
               "LogicOffline", "CurrentSensor", "Ntc", "Humidity", "Supply"]


def prot_keys():
    text = open(os.path.join(TOP, "src", "config", "prot_ids.h")).read()
    keys = re.findall(r"X\((\w+), (\w+), \"", text)
    return ["".join(w.capitalize() for w in k.split("_")) for _, k in keys]


def can2(base=0x400, period=100):
    pk = prot_keys()
    na16 = {65535: "not available"}
    nas16 = {-32768: "not available"}
    msgs = [
        Msg(base, "Can2State", 8, "BMS", [
            Sig("State", 0, 8, lo=0, hi=6, values=VIEW_STATES),
            bit("Configured", 8), bit("LinkUp", 9), bit("ChargeAllowed", 10),
            bit("DischargeAllowed", 11), bit("SoftStop", 12), bit("Full", 13),
            bit("HeaterOn", 14), bit("Balancing", 15),
            u16("SOC", 2, 0.1, "%", lo=0, hi=100, values=na16),
            u16("SOH", 4, 0.1, "%", lo=0, hi=100, values=na16)] +
            [bit("Fault" + f, 48 + i) for i, f in enumerate(BMSD_FAULTS)],
            comment="Operating state, flags, SOC, SOH and bmsd's own faults."),
        Msg(base + 1, "Can2Pack", 8, "BMS", [
            Sig("PackVoltage", 0, 32, scale=0.001, unit="V", values={4294967295: "not available"}),
            Sig("Current", 32, 32, True, scale=0.001, unit="A",
                values={-2147483648: "not available"}, comment="positive = charging")],
            comment="Pack voltage and current."),
        Msg(base + 2, "Can2Cells", 8, "BMS", [
            u16("CellMin", 0, 0.001, "V", values=na16), u16("CellMax", 2, 0.001, "V", values=na16),
            Sig("CellMinBoard", 32, 8, lo=0, hi=32, comment="1-based; 0 not known"),
            Sig("CellMinCell", 40, 8, lo=0, hi=24, comment="1-based; 0 not known"),
            Sig("CellMaxBoard", 48, 8, lo=0, hi=32, comment="1-based; 0 not known"),
            Sig("CellMaxCell", 56, 8, lo=0, hi=24, comment="1-based; 0 not known")],
            comment="Lowest and highest cell voltage and where."),
        Msg(base + 3, "Can2Temps", 8, "BMS", [
            s16("TempMin", 0, 0.1, "degC", values=nas16), s16("TempMax", 2, 0.1, "degC", values=nas16),
            s16("TempMean", 4, 0.1, "degC", values=nas16),
            Sig("TempMinBoard", 48, 8, lo=0, hi=32, comment="1-based; 0 not known"),
            Sig("TempMaxBoard", 56, 8, lo=0, hi=32, comment="1-based; 0 not known")],
            comment="Cell temperatures: lowest, highest, mean, and where."),
        Msg(base + 4, "Can2Protections", 8, "BMS",
            [bit("Warning" + k, i) for i, k in enumerate(pk)] +
            [bit("Alarm" + k, 32 + i) for i, k in enumerate(pk)],
            comment="Active protections at tier warning and at tier alarm."),
        Msg(base + 5, "Can2Protections2", 8, "BMS",
            [bit("Critical" + k, i) for i, k in enumerate(pk)] +
            [bit("Latched" + k, 32 + i) for i, k in enumerate(pk)],
            comment="Active protections at tier critical, and the latched ones."),
        Msg(base + 6, "Can2Io", 8, "BMS",
            [bit("Relay%d" % (i + 1), i) for i in range(4)] +
            [bit("RelayCmd%d" % (i + 1), 8 + i) for i in range(4)] +
            [bit("DI%d" % (i + 1), 16 + i) for i in range(4)] +
            [bit("DO%d" % (i + 1), 24 + i) for i in range(4)] +
            [Sig("Boards", 32, 8, lo=0, hi=32), Sig("BoardsOnline", 40, 8, lo=0, hi=32),
             Sig("BoardsBalancing", 48, 8, lo=0, hi=32)],
            comment="Relays (driven and commanded), discrete inputs and outputs, boards."),
        Msg(base + 7, "Can2Limits", 8, "BMS", [
            u16("CCL", 0, 0.1, "A", values=na16), u16("DCL", 2, 0.1, "A", values=na16),
            u16("CVL", 4, 0.1, "V", values=na16), u16("DVL", 6, 0.1, "V", values=na16)],
            comment="The battery logic's limits, rounded down; not available until it "
                    "publishes them."),
    ]
    for m in msgs:
        m.cycle = period
    return msgs


# ---- the bridge protocol ---------------------------------------------------------

SAFETY = {0: "locked", 1: "armed", 2: "tripped"}
CFG_STATE = {0: "none", 1: "loading", 2: "active", 3: "rejected"}
SENSOR = {0: "ok", 1: "open", 2: "short", 3: "absent"}
TRIPS = ["Heartbeat", "CellHigh", "CellLow", "ShortCircuit", "TempHigh", "TempLow", "CfgChanged",
         "CurrentSensor"]
IO_FAULTS = ["CanTxOverflow", "CanRxOverflow", "LogicOffline", "CurrentSensor", "Ntc",
             "Humidity", "Supply", "BadFrame", "WatchdogReset"]
CUR_FLAGS = ["S1Valid", "S2Valid", "S2Selected", "Implausible", "S1Range", "S2Range", "ZeroCal"]


def ctr():
    return Sig("Ctr", 0, 8, lo=0, hi=255, comment="rolling counter")


def bridge():
    d = "DAEMON"
    m = "MCU"
    msgs = [
        Msg(0x050, "Heartbeat", 8, d, [
            ctr(), Sig("DaemonState", 8, 8, lo=0, hi=2,
                       values={0: "starting", 1: "running", 2: "fault"}),
            Sig("CfgCrc", 16, 32)], 100),
        Msg(0x051, "OutputCmd", 8, d,
            [ctr()] + [bit("Relay%d" % (i + 1), 8 + i) for i in range(4)] +
            [bit("DO%d" % (i + 1), 16 + i) for i in range(4)] +
            [bit("TripReset", 24), bit("ZeroCalS1", 25), bit("ZeroCalS2", 26)], 100),
        Msg(0x052, "BalCmd", 8, d, [ctr(), Sig("Board", 8, 8, lo=0, hi=31),
                                    Sig("Mask", 16, 24, comment="bit n = cell n+1 bleeds")],
            1000),
        Msg(0x058, "CfgData", 8, d, [Sig("Seq", 0, 8, lo=0, hi=63)] +
            [Sig("Byte%d" % i, 8 + 8 * i, 8, lo=0, hi=255) for i in range(7)], 0,
            "Blob bytes Seq*7 .. Seq*7+6 of a configuration push."),
        Msg(0x059, "CfgCommit", 8, d, [Sig("Len", 0, 16, lo=1, hi=448), Sig("Crc", 16, 32)], 0,
            "Ends a configuration push: length and CRC-32 of the blob."),
        Msg(0x100, "Status", 8, m, [
            ctr(), Sig("Safety", 8, 4, lo=0, hi=2, values=SAFETY),
            Sig("CfgState", 12, 4, lo=0, hi=3, values=CFG_STATE)] +
            [bit("Trip" + t, 16 + i) for i, t in enumerate(TRIPS)] +
            [Sig("CfgCrc", 32, 32)], 100),
        Msg(0x101, "Current", 8, m, [ctr()] +
            [bit(f, 8 + i) for i, f in enumerate(CUR_FLAGS)] +
            [Sig("Current1", 16, 24, True, 0.001, unit="A", values={-8388608: "not available"},
                 comment="positive = charging"),
             Sig("Current2", 40, 24, True, 0.001, unit="A", values={-8388608: "not available"},
                 comment="positive = charging")], 10),
        Msg(0x102, "ChargeIn", 8, m, [ctr(), Sig("Charge", 8, 56, unit="mAs")], 100,
            "Charge into the pack since the MCU's reset."),
        Msg(0x103, "ChargeOut", 8, m, [ctr(), Sig("Charge", 8, 56, unit="mAs")], 100,
            "Charge out of the pack since the MCU's reset."),
        Msg(0x104, "Io", 8, m, [ctr()] +
            [bit("RelayOut%d" % (i + 1), 8 + i) for i in range(4)] +
            [bit("RelayCmd%d" % (i + 1), 12 + i) for i in range(4)] +
            [bit("DI%d" % (i + 1), 16 + i) for i in range(4)] +
            [bit("DIRaw%d" % (i + 1), 20 + i) for i in range(4)] +
            [bit("DO%d" % (i + 1), 24 + i) for i in range(4)] +
            [bit("Fault" + f, 32 + i) for i, f in enumerate(IO_FAULTS)] +
            [Sig("Supply", 48, 16, scale=0.001, unit="V")], 100),
        Msg(0x105, "Ext", 8, m, [
            ctr(), Sig("Ntc1State", 8, 2, lo=0, hi=3, values=SENSOR),
            Sig("Ntc2State", 10, 2, lo=0, hi=3, values=SENSOR),
            Sig("HumidityState", 12, 2, lo=0, hi=3, values=SENSOR),
            s16("Ntc1Temp", 2, 0.1, "degC", values={-8192: "not available"}),
            s16("Ntc2Temp", 4, 0.1, "degC", values={-8192: "not available"}),
            u16("Humidity", 6, 0.1, "%RH", values={65535: "not available"})], 100),
        Msg(0x106, "Logic", 8, m, [
            ctr(), Sig("Online", 8, 32, comment="bit n = board n online"),
            Sig("Boards", 40, 8, lo=0, hi=32), Sig("CrcErrors", 48, 8), Sig("Timeouts", 56, 8)],
            100),
        Msg(0x107, "Cal", 8, m, [ctr(), Sig("Sensor", 8, 8, lo=0, hi=1),
                                 Sig("ZeroOffset", 16, 32, True, unit="uV")], 0,
            "A zero calibration's result."),
        Msg(0x10F, "Version", 8, m, [
            ctr(), Sig("Proto", 8, 8), Sig("Major", 16, 8), Sig("Minor", 24, 8),
            Sig("Patch", 32, 8),
            Sig("Hw", 40, 8, values={0: "unknown", 1: "main-2r", 2: "main-2.1", 127: "simulator"}),
            Sig("Uptime", 48, 16, unit="s")], 1000),
    ]
    cyc = Sig("Cycle", 0, 8, lo=0, hi=255, comment="Logic cycle number")
    for b in range(32):
        for g in range(6):
            msgs.append(Msg(0x200 + b * 8 + g, "Board%dCells%d" % (b + 1, g), 8, m, [cyc] + [
                Sig("Cell%d" % (g * 4 + k + 1), 8 + 14 * k, 14, scale=0.001, unit="V",
                    lo=0, hi=16.382, values={16383: "not available"}) for k in range(4)], 100))
        for g in range(2):
            msgs.append(Msg(0x200 + b * 8 + 6 + g, "Board%dTemps%d" % (b + 1, g), 8, m, [cyc] + [
                Sig("Temp%d" % (g * 4 + k + 1), 8 + 14 * k, 14, True, 0.1, unit="degC",
                    lo=-819.1, hi=819.1, values={-8192: "not available"}) for k in range(4)], 100))
    for b in range(32):
        msgs.append(Msg(0x300 + b, "Board%dStatus" % (b + 1), 8, m, [
            cyc, bit("Online", 8), bit("Fresh", 9), bit("Balancing", 10), bit("CrcErrors", 11),
            bit("Timeouts", 12), Sig("BalMask", 16, 24), Sig("NtcFault", 40, 8),
            Sig("NCells", 48, 8, lo=0, hi=24), Sig("NTemps", 56, 8, lo=0, hi=8)], 100))
    msgs.append(Msg(0x320, "CycleEnd", 8, m, [
        cyc, Sig("NFrames", 8, 16), Sig("Time", 24, 40, unit="ms")], 100))
    return sorted(msgs, key=lambda x: x.id)


def files():
    out = {}
    for name, msgs in PROFILES.items():
        out["bmsd-%s.dbc" % name] = write_dbc(
            ["BMS", "INVERTER"], msgs,
            "bmsd CAN1, profile %s (docs/can.md), default quirks: little-endian, the "
            "profile's lengths and alarm frame, 500 kbit/s" % name)
    out["bmsd-can2.dbc"] = write_dbc(
        ["BMS", "DISPLAY"], can2(),
        "bmsd CAN2 pack-summary feed (docs/can.md) at the default base_id 0x400 and "
        "period_ms 100; add base_id - 0x400 to every identifier for another base")
    out["bmsd-bridge.dbc"] = write_dbc(
        ["DAEMON", "MCU"], bridge(),
        "bmsd bridge protocol version 1 (docs/bridge-protocol.md), 1 Mbit/s, DLC 8, "
        "reserved bits 0")
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        bad = 0
        for name, text in files().items():
            p = os.path.join(sys.argv[2], name)
            if not os.path.exists(p) or open(p).read() != text:
                print("%s differs from the generator's output" % p)
                bad = 1
        return bad
    if len(sys.argv) != 2:
        print("usage: can_dbcgen.py OUTDIR | --check DIR", file=sys.stderr)
        return 64
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, text in files().items():
        with open(os.path.join(sys.argv[1], name), "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
