# SPDX-License-Identifier: GPL-2.0-or-later
"""The fault-injection report: every hazard at every layer, on one board
profile.

    fault_report.py --profile main-2r|main-2.1 --out ROWS.json [--only H1,H2] [--keep DIR]

bmsd runs as in the field against bms-sim (the bridge MCU's firmware core
around a simulated pack), with a tap on the bridge link between them
(fault_tap.py), CAN1 and CAN2 read by the same tap, and Modbus-TCP on a free
port. The tap's wires are UNIX stream sockets, not ptys (fault_tap.py says why).
bms-sim and the tap run SCHED_FIFO 20 as hardware would; bmsd runs SCHED_FIFO 10,
as bmsd.service runs it.
Each hazard is driven through bms-sim's command language or by a signal
(SIGSTOP, SIGKILL, the link's socket hung up, as when a cable is pulled), and
each layer that must catch it is checked:

  MCU     the floor, as bms-sim reports it (status: relays, contacts, dos;
          fw: trip) and the trip and relay-state frames on the link;
  bmsd    bmsctl status --json: protections, state, relays, faults;
  CAN1    the inverter profile (limits, alarm bits), decoded with docs/dbc;
  CAN2    the display feed (state, protection words, faults), docs/dbc;
  Modbus  the vendor block over Modbus-TCP (CCL, DCL, tiers, latches).

Reactions are measured on the link through the tap: from the frame that
carries the cause to the daemon's relay-open command frame (OUTPUT_CMD),
and from the simulator command to the MCU's relay state frame (IO). They
are reported, not asserted, except the MCU floor's own "within one sample".

ROWS.json: a list of rows {profile, hazard, layer, expected, observed,
react_ms: [..], react_what, ok}. fault_table.py prints and writes them."""
import argparse
import bisect
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import can_dbc  # noqa: E402

try:
    import modbus_check  # the vendor block's layout, as the Modbus tests know it
    VOFF = modbus_check.OV
    VBASE = modbus_check.VENDOR
except Exception:  # pymodbus missing: the documented offsets
    VOFF = None
    VBASE = 46000

B = os.environ.get("B", "build")
if not os.path.isabs(B):
    B = os.path.join(ROOT, B)
PY = "/usr/bin/python3"

RT = []
RT_BMSD = []
if subprocess.call(["chrt", "-f", "20", "true"], stderr=subprocess.DEVNULL) == 0:
    RT = ["chrt", "-f", "20"]
    RT_BMSD = ["chrt", "-f", "10"]

# ---- the product's tables ------------------------------------------------------

# protections in CAN2/Modbus bit order (docs/can.md), with the tier and action
# of the test configuration (the defaults of docs/protections.md)
PROTS = [
    ("cell_over_voltage", "critical", "block-charge"),
    ("cell_under_voltage", "critical", "block-discharge"),
    ("pack_over_voltage", "alarm", "block-charge"),
    ("pack_under_voltage", "alarm", "block-discharge"),
    ("charge_over_current", "alarm", "block-charge"),
    ("discharge_over_current", "alarm", "block-discharge"),
    ("charge_over_temperature", "alarm", "block-charge"),
    ("charge_under_temperature", "alarm", "block-charge"),
    ("discharge_over_temperature", "critical", "open-all"),
    ("discharge_under_temperature", "alarm", "block-discharge"),
    ("cell_imbalance", "warning", "report"),
    ("logic_offline", "alarm", "open-all"),
    ("sensor_fault", "alarm", "open-all"),
    ("mcu_link_lost", "critical", "open-all"),
    ("external_offline", "alarm", "open-all"),
    ("contactor_feedback", "alarm", "open-all"),
    ("humidity", "warning", "report"),
    ("deep_discharge", "critical", "open-all"),
    ("contactor_welded", "critical", "open-all"),
    ("precharge_failed", "alarm", "open-all"),
    ("heater_fault", "warning", "report"),
    ("emergency_stop", "critical", "open-all"),
    ("insulation_fault", "critical", "open-all"),
    ("safety_floor_trip", "critical", "open-all"),
]
PIDX = {p[0]: i for i, p in enumerate(PROTS)}
PTIER = {p[0]: p[1] for p in PROTS}
PACT = {p[0]: p[2] for p in PROTS}

# Pylon 0x359 bit and SMA 0x35A condition per protection (docs/can.md 3.4)
PYLON = {
    "cell_over_voltage": "OverVoltage", "pack_over_voltage": "OverVoltage",
    "cell_under_voltage": "UnderVoltage", "pack_under_voltage": "UnderVoltage",
    "deep_discharge": "UnderVoltage",
    "charge_over_current": "ChargeOverCurrent", "discharge_over_current": "DischargeOverCurrent",
    "charge_over_temperature": "OverTemperature", "discharge_over_temperature": "OverTemperature",
    "charge_under_temperature": "UnderTemperature",
    "discharge_under_temperature": "UnderTemperature",
}
SMA = {
    "cell_over_voltage": "HighVoltage", "pack_over_voltage": "HighVoltage",
    "cell_under_voltage": "LowVoltage", "pack_under_voltage": "LowVoltage",
    "deep_discharge": "LowVoltage",
    "charge_over_current": "ChargeOverCurrent", "discharge_over_current": "DischargeOverCurrent",
    "charge_over_temperature": "HighTemperatureCharge",
    "charge_under_temperature": "LowTemperatureCharge",
    "discharge_over_temperature": "HighTemperature",
    "discharge_under_temperature": "LowTemperature",
    "cell_imbalance": "CellImbalance",
    "logic_offline": "Internal", "sensor_fault": "Internal", "mcu_link_lost": "Internal",
    "heater_fault": "Internal",
    "contactor_feedback": "Contactor", "contactor_welded": "Contactor",
    "precharge_failed": "Contactor",
    "external_offline": "General", "humidity": "General", "emergency_stop": "General",
    "insulation_fault": "General", "safety_floor_trip": "General",
}
for _p in ("logic_offline", "sensor_fault", "mcu_link_lost", "contactor_feedback", "humidity",
           "contactor_welded", "precharge_failed", "heater_fault", "emergency_stop",
           "insulation_fault", "safety_floor_trip"):
    PYLON[_p] = "Internal"

TRIP = {"HEARTBEAT": 1, "CELL_HIGH": 2, "CELL_LOW": 4, "SHORT_CIRCUIT": 8, "TEMP_HIGH": 16,
        "TEMP_LOW": 32, "CFG_CHANGED": 64}
FAULTS = ["unconfigured", "comm", "link-down", "mcu-config", "mcu-trip", "mcu-protocol",
          "logic-offline", "current-sensor", "ntc", "humidity", "supply"]

R_DSG, R_ACH, R_CHG, R_HEAT = 1, 2, 4, 8  # relay bits: discharge, allow-charging, charge, heater
R_PATHS = R_DSG | R_ACH | R_CHG
R_CHARGE = R_ACH | R_CHG


NA_DA = 6553.5      # CAN2 limits not published (0xFFFF)
NA32 = 0xFFFFFFFF   # Modbus uint32 not implemented


def fa(v):
    """a current limit in A from a DBC decode"""
    if v is None:
        return "?"
    return "NA" if v == NA_DA else "%.1f" % v


def trip_names(bits):
    return "+".join(n for n, b in TRIP.items() if bits & b) or "none"


def rl(mask):
    """relay mask as a list of relay numbers"""
    return "{%s}" % ",".join(str(i + 1) for i in range(4) if mask & (1 << i))


# ---- the board profiles under test ------------------------------------------------

PROFILES = {
    "main-2r": dict(
        base="etc/bmsd-demo.yaml", boards=4, cells=16, temps=4,
        fb_di=1, estop_di=2, inhibit_di=3, charger_di=4,
        ntc=2, ntcs=[1, 2], alarm_do=1, ready_do=2, warn_do=3,
        can1="pylon", can2=True,
        short_in=-1100000, short_out=-1500000, short_floor=1000000, sensor_range=1200000),
    "main-2.1": dict(
        base="tests/integration/main-2.1.yaml", boards=2, cells=16, temps=4,
        fb_di=2, estop_di=1, inhibit_di=3, charger_di=4,
        ntc=1, ntcs=[1], alarm_do=1, ready_do=3, warn_do=2,
        can1="sma", can2=False,
        short_in=-220000, short_out=-300000, short_floor=200000, sensor_range=240000),
}

SET_DELAY = 200  # ms: short set delays where the delay is not what is tested
CLEAR_DELAY = 300
CELL_OV, CELL_UV = 3650, 2800  # defaults of docs/protections.md
FLOOR_HIGH, FLOOR_LOW = 3700, 2750  # tightened by the critical cell protections + 50 mV
FLOOR_T_HIGH, FLOOR_T_LOW = 650, -300


def drop_sections(text, names):
    out, skip = [], False
    for line in text.split("\n"):
        m = re.match(r"^([a-z_0-9]+):", line)
        if m:
            skip = m.group(1) in names
        elif line and not line[0].isspace() and not line.startswith("#"):
            skip = False
        if not skip:
            out.append(line)
    return "\n".join(out)


def make_config(prof, T, port, nominal_mV, set_delay=SET_DELAY):
    P = PROFILES[prof]
    n = P["boards"] * P["cells"]
    text = open(os.path.join(ROOT, P["base"])).read().replace("/tmp/bmsd-demo", T)
    text = drop_sections(text, {"inputs", "outputs", "soc", "protections", "contactors",
                                "can1", "can2", "modbus"})
    # the bridge link: the tap's socket (the first interface: left is the link's)
    text = re.sub(r"(?m)^(\s+interface:\s*).*$", r"\g<1>slcan:%s/br" % T, text, count=1)
    roles = {P["fb_di"]: "feedback-relay1", P["estop_di"]: "emergency-stop",
             P["inhibit_di"]: "inhibit-charge", P["charger_di"]: "charger-connected"}
    outs = {P["alarm_do"]: "alarm", P["ready_do"]: "ready", P["warn_do"]: "warning"}
    d = "{set_delay_ms: %d, clear_delay_ms: %d}" % (set_delay, CLEAR_DELAY)
    dd = "set_delay_ms: %d, clear_delay_ms: %d" % (set_delay, CLEAR_DELAY)
    text += "\n# ---- fault_report.py: the test's wiring and short delays ----\n"
    text += "inputs:\n" + "".join("  in%d: {role: %s}\n" % (i, roles.get(i, "none"))
                                  for i in range(1, 5)) + "  debounce_ms: 20\n"
    text += "outputs:\n" + "".join("  out%d: {role: %s}\n" % (i, outs.get(i, "none"))
                                   for i in range(1, 5))
    text += """protections:
  cell_over_voltage: %(d)s
  cell_under_voltage: %(d)s
  pack_over_voltage: {enable: true, set_mV: %(povs)d, clear_mV: %(povc)d, %(dd)s}
  pack_under_voltage: {enable: true, set_mV: %(puvs)d, clear_mV: %(puvc)d, %(dd)s}
  charge_over_current: {set_mA: 50000, clear_mA: 40000, %(dd)s}
  discharge_over_current: {set_mA: 60000, clear_mA: 50000, %(dd)s}
  charge_over_temperature: %(d)s
  charge_under_temperature: %(d)s
  discharge_over_temperature: %(d)s
  discharge_under_temperature: %(d)s
  cell_imbalance: %(d)s
  logic_offline: {clear_delay_ms: %(cd)d}
  sensor_fault: %(d)s
  mcu_link_lost: {clear_delay_ms: %(cd)d}
  deep_discharge: %(d)s
contactors:
  charge_mode: charger-connected
  charge_on_delay_ms: 0
  charge_off_delay_ms: 500
  soft_stop_timeout_ms: 500
  feedback_delay_ms: 300
can1:
  enable: true
  interface: slcan:%(T)s/c1
  profile: %(can1)s
  period_ms: %(c1p)d
""" % dict(d=d, dd=dd, cd=CLEAR_DELAY, T=T, can1=P["can1"],
           c1p=200 if P["can1"] == "pylon" else 100,
           povs=nominal_mV + 100 * n, povc=nominal_mV + 50 * n,
           puvs=nominal_mV - 150 * n, puvc=nominal_mV - 100 * n)
    if P["can2"]:
        text += "can2:\n  enable: true\n  interface: slcan:%s/c2\n  period_ms: 100\n" % T
    text += """modbus:
  tcp:
    enable: true
    address: 127.0.0.1
    port: %d
soc:
  state_file: %s/state/soc
""" % (port, T)
    return text


# ---- the wire: the tap's log -----------------------------------------------------

class Wire:
    def __init__(self, path):
        self.path = path
        self.f = None
        self.part = ""
        self.t = []       # times
        self.fr = []      # (t, side, id, data)
        self.marks = []   # (t, side, "HUP"/"OPEN")

    def poll(self):
        if self.f is None:
            if not os.path.exists(self.path):
                return
            self.f = open(self.path)
        s = self.f.read()
        if not s:
            return
        s = self.part + s
        lines = s.split("\n")
        self.part = lines.pop()
        for ln in lines:
            p = ln.split(" ")
            if len(p) == 3:
                self.marks.append((float(p[0]), p[1], p[2]))
                continue
            if len(p) != 6:
                continue
            t = float(p[0])
            self.t.append(t)
            self.fr.append((t, p[1], int(p[2], 16), bytes.fromhex(p[5])))

    def sync(self, t, timeout=1.0):
        """until the tap has logged a frame at or after t"""
        dl = time.monotonic() + timeout
        while time.monotonic() < dl:
            self.poll()
            if self.t and self.t[-1] >= t:
                return True
            time.sleep(0.01)
        return False

    def since(self, t0, side=None, ids=None):
        self.poll()
        i = bisect.bisect_left(self.t, t0)
        for f in self.fr[i:]:
            if (side is None or f[1] == side) and (ids is None or f[2] in ids):
                yield f

    def first(self, t0, pred, side=None, ids=None):
        for f in self.since(t0, side, ids):
            if pred(f):
                return f
        return None

    def last_before(self, t1, side=None, ids=None, pred=None):
        self.poll()
        i = bisect.bisect_left(self.t, t1)
        for f in reversed(self.fr[max(0, i - 20000):i]):
            if (side is None or f[1] == side) and (ids is None or f[2] in ids) and \
                    (pred is None or pred(f)):
                return f
        return None

    def latest(self, side, fid):
        self.poll()
        for f in reversed(self.fr[-5000:]):
            if f[1] == side and f[2] == fid:
                return f
        return None


# bridge frame decoding (docs/bridge-protocol.md)
def cells_of(d):
    w = int.from_bytes(d[1:8], "little")
    return [(w >> (14 * k)) & 0x3FFF for k in range(4)]


def temps_of(d):
    w = int.from_bytes(d[1:8], "little")
    out = []
    for k in range(4):
        v = (w >> (14 * k)) & 0x3FFF
        out.append(v - 0x4000 if v & 0x2000 else v)
    return out


def s24(b):
    v = int.from_bytes(b, "little")
    return v - (1 << 24) if v & 0x800000 else v


def is_cells(f):
    return 0x200 <= f[2] < 0x300 and (f[2] & 7) < 6


def is_temps(f):
    return 0x200 <= f[2] < 0x300 and (f[2] & 7) >= 6


# ---- processes ----------------------------------------------------------------------

class Rig:
    def __init__(self, prof, T, log):
        self.prof, self.P, self.T, self.log = prof, PROFILES[prof], T, log
        self.procs = {}
        self.bmsd = None
        self.sim_proc = None
        self.tap = None
        self.ncells = self.P["boards"] * self.P["cells"]
        self.wire = Wire(os.path.join(T, "wire.log"))
        self.dbc1 = can_dbc.Dbc(os.path.join(ROOT, "docs", "dbc", "bmsd-%s.dbc" % self.P["can1"]))
        self.dbc2 = can_dbc.Dbc(os.path.join(ROOT, "docs", "dbc", "bmsd-can2.dbc"))
        self.mb = None
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.cfg = os.path.join(T, "bmsd.yaml")
        self.sock = os.path.join(T, "bmsd.sock")
        os.makedirs(os.path.join(T, "state"), exist_ok=True)
        self.bmsd_log = open(os.path.join(T, "bmsd.log"), "ab")
        self.sim_log = open(os.path.join(T, "sim.log"), "ab")
        self.sim_sock = os.path.join(T, "sim.sock")
        # a snapshot of the programs: the tree may be rebuilt while the report runs
        self.bin = os.path.join(T, "bin")
        os.makedirs(self.bin, exist_ok=True)
        for prog in ("bmsd", "bms-sim", "bmsctl"):
            shutil.copy2(os.path.join(B, "bin", prog), os.path.join(self.bin, prog))

    def say(self, msg):
        self.log("%s: %s" % (self.prof, msg))

    def cut(self, on):
        """the daemon's side of the bridge link: its socket hung up (on) or back"""
        self.tap.send_signal(signal.SIGUSR1 if on else signal.SIGUSR2)
        link = os.path.join(self.T, "br")
        wait_until(lambda: os.path.lexists(link) != on, 2, 0.005)

    def start_sim(self):
        # a new MCU's CAN controller starts empty: the tap gives a new
        # connection nothing that waited for the old one
        if os.path.exists(self.sim_sock):
            os.unlink(self.sim_sock)
        args = [os.path.join(self.bin, "bms-sim"), "--link", "slcan:%s/bm" % self.T,
                "--profile", self.prof, "--boards", str(self.P["boards"]),
                "--cells", str(self.P["cells"]), "--temps", str(self.P["temps"]),
                "--control", self.sim_sock, "--feedback", "%d=1" % self.P["fb_di"],
                # the MCU's IWDG (about 100 ms, docs/firmware.md); wider when bms-sim
                # cannot run real-time and a busy host may starve it
                "--watchdog", "100" if RT else "1000"]
        self.sim_proc = subprocess.Popen(RT + args, stderr=self.sim_log,
                                         stdout=subprocess.DEVNULL)
        dl = time.monotonic() + 5
        while not os.path.exists(self.sim_sock):
            if time.monotonic() > dl:
                raise RuntimeError("bms-sim control socket did not appear")
            time.sleep(0.01)
        # the charger is present (charge mode charger-connected)
        self.sim("di %d on" % self.P["charger_di"])

    def kill_sim(self, sig=signal.SIGKILL):
        if self.sim_proc and self.sim_proc.poll() is None:
            self.sim_proc.send_signal(sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                self.sim_proc.wait()

    def start_tap(self):
        ready = os.path.join(self.T, "tap.ready")
        args = [PY, os.path.join(HERE, "fault_tap.py"), "--daemon", self.T + "/br",
                "--mcu", self.T + "/bm", "--log", self.wire.path, "--ready", ready,
                "--listen", "c1=%s/c1" % self.T]
        if self.P["can2"]:
            args += ["--listen", "c2=%s/c2" % self.T]
        self.tap = subprocess.Popen(RT + args, stderr=open(os.path.join(self.T, "tap.err"), "ab"))
        dl = time.monotonic() + 10
        while not os.path.exists(ready):
            if time.monotonic() > dl or self.tap.poll() is not None:
                raise RuntimeError("the tap did not open its sockets")
            time.sleep(0.02)

    def start_bmsd(self, wait=True, cfg=None):
        self.bmsd = subprocess.Popen(RT_BMSD + [os.path.join(self.bin, "bmsd"), "-c",
                                      cfg or self.cfg],
                                     stderr=self.bmsd_log, stdout=subprocess.DEVNULL)
        if wait:
            dl = time.monotonic() + 15
            while time.monotonic() < dl:
                st = self.st()
                if st and st.get("link", {}).get("verified"):
                    return st
                time.sleep(0.05)
            raise RuntimeError("bmsd did not come up")
        return None

    def stop_bmsd(self, sig=signal.SIGKILL):
        if self.bmsd and self.bmsd.poll() is None:
            self.bmsd.send_signal(sig)
            if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
                try:
                    self.bmsd.wait(10)
                except subprocess.TimeoutExpired:
                    self.bmsd.kill()
                    self.bmsd.wait()

    def start(self):
        self.start_tap()
        self.start_sim()
        nominal = json.loads(self.sim("status"))["cell_max_mV"] * self.ncells
        # the same with the default-like set delays of 1.5 s, where the delay is
        # the window under test (a start with a protection's condition present)
        self.cfg_slow = os.path.join(self.T, "bmsd-slow.yaml")
        for path, delay in ((self.cfg, SET_DELAY), (self.cfg_slow, 1500)):
            with open(path, "w") as f:
                f.write(make_config(self.prof, self.T, self.port, nominal, delay))
            r = subprocess.run([os.path.join(self.bin, "bmsd"), "--check-config", path],
                               capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError("test config refused: " + r.stdout + r.stderr)
        self.start_bmsd()

    def cpu(self):
        """CPU seconds used so far by bmsd, bms-sim and the tap"""
        out = []
        hz = os.sysconf("SC_CLK_TCK")
        for name, p in (("bmsd", self.bmsd), ("bms-sim", self.sim_proc), ("tap", self.tap)):
            try:
                f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
                out.append("%s %.1f s" % (name, (int(f[11]) + int(f[12])) / hz))
            except (OSError, AttributeError, IndexError):
                pass
        return ", ".join(out)

    def stop(self):
        self.say("CPU used: " + self.cpu())
        self.stop_bmsd(signal.SIGTERM)
        self.kill_sim(signal.SIGTERM)
        if self.tap and self.tap.poll() is None:
            self.tap.terminate()
            self.tap.wait()

    # ---- talking to them ----
    def sim(self, cmd):
        for attempt in range(3):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(5)
                s.connect(self.sim_sock)
                out = []
                for c in cmd.split(";"):
                    s.sendall((c.strip() + "\n").encode())
                    buf = b""
                    while not buf.endswith(b"\n"):
                        d = s.recv(65536)
                        if not d:
                            break
                        buf += d
                    out.append(buf.decode().strip())
                s.close()
                for o in out:
                    if o.startswith("error"):
                        raise RuntimeError("bms-sim: %s: %s" % (cmd, o))
                return out[-1]
            except (OSError, socket.timeout):
                if attempt == 2:
                    raise
                time.sleep(0.05)

    def simst(self):
        return json.loads(self.sim("status"))

    def fw(self):
        return json.loads(self.sim("fw"))

    def st(self):
        try:
            r = subprocess.run([os.path.join(self.bin, "bmsctl"), "-s", self.sock, "--json",
                                "status"], capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def ctl(self, *args):
        r = subprocess.run([os.path.join(self.bin, "bmsctl"), "-s", self.sock] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.returncode, (r.stdout + r.stderr).strip()

    def events(self):
        r = subprocess.run([os.path.join(self.bin, "bmsctl"), "events", "-d",
                            os.path.join(self.T, "state")], capture_output=True, text=True)
        return r.stdout

    def modbus(self):
        """the vendor block 46006..46054, by name; None when bmsd does not answer"""
        n = 49
        for attempt in range(2):
            try:
                if self.mb is None:
                    self.mb = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                pdu = struct.pack(">BHH", 3, VBASE + 6, n)
                self.mb.sendall(struct.pack(">HHHB", 1, 0, len(pdu) + 1, 32) + pdu)
                buf = b""
                while len(buf) < 9 + 2 * n:
                    d = self.mb.recv(4096)
                    if not d:
                        raise OSError("closed")
                    buf += d
                if buf[7] != 3:
                    raise OSError("exception %s" % buf[7:9].hex())
                regs = struct.unpack(">%dH" % n, buf[9:9 + 2 * n])
                break
            except (OSError, socket.timeout):
                if self.mb:
                    self.mb.close()
                self.mb = None
                if attempt:
                    return None
        def r(name, k=1):
            off = (VOFF[name] if VOFF else None) - 6
            v = 0
            for i in range(k):
                v = v << 16 | regs[off + i]
            return v
        return dict(State=r("State"), Flags=r("Flags"), Faults=r("Faults", 2),
                    CCL=r("CCL", 2), DCL=r("DCL", 2), Warnings=r("Warnings", 2),
                    Alarms=r("Alarms", 2), Criticals=r("Criticals", 2),
                    Latched=r("Latched", 2))

    def can1(self):
        out = {}
        for fid in (0x351, 0x359, 0x35A, 0x35C):
            f = self.wire.latest("c1", fid)
            if f and fid in self.dbc1.messages:
                out[fid] = (f[0], self.dbc1.decode(fid, f[3]))
        return out

    def can2(self):
        out = {}
        for k in range(8):
            f = self.wire.latest("c2", 0x400 + k)
            if f:
                out[k] = (f[0], self.dbc2.decode(0x400 + k, f[3]), f[3])
        return out


# ---- polling helpers -------------------------------------------------------------------

def now():
    return time.monotonic()


def wait_until(fn, timeout, step=0.02):
    dl = now() + timeout
    while True:
        v = fn()
        if v:
            return v
        if now() > dl:
            return None
        time.sleep(step)


def ms(a, b):
    return None if a is None or b is None else round((b - a) * 1000.0, 1)


def in_force(st):
    if not st or "battery" not in st:
        return set()
    b = st["battery"]
    return set(b["critical"]) | set(b["alarm"]) | set(b["warning"])


def cmd_relays(st):
    return sum(1 << i for i, r in enumerate(st["relays"]) if r["closed"]) if st else None


def camel(p):
    return "".join(w.capitalize() for w in p.split("_"))


class Exp:
    """What every layer must show while a hazard is present.

    open:    relays that must open (bit n = relay n+1); keep: relays that must stay closed
    trip:    MCU trip bits that must latch (0: the floor must not trip)
    prots:   protections that must be in force; faults: bmsd faults that must show
    state:   battery.state; ccl0/dcl0: the limits that must be 0 A
    alarm_do: the MCU's alarm output must be on; latched: held open after the cause is
    gone until a reset; nosoft: the daemon must not soft-stop"""

    def __init__(self, open=0, keep=0, trip=0, prots=(), faults=(), state=None, ccl0=None,
                 dcl0=None, alarm_do=None, latched=False, nosoft=False, floor_fast=False,
                 mcu_note=None, bmsd_note=None):
        self.open, self.keep, self.trip = open, keep, trip
        self.prots, self.faults, self.state = list(prots), list(faults), state
        acts = {PACT[p] for p in prots}
        if ccl0 is None:
            ccl0 = bool(acts & {"block-charge", "open-all"}) or bool(trip) or \
                bool(open & R_CHARGE)
        if dcl0 is None:
            dcl0 = bool(acts & {"block-discharge", "open-all"}) or bool(trip) or \
                bool(open & R_DSG)
        self.ccl0, self.dcl0 = ccl0, dcl0
        self.alarm_do = alarm_do
        self.latched, self.nosoft, self.floor_fast = latched, nosoft, floor_fast
        self.mcu_note, self.bmsd_note = mcu_note, bmsd_note

    def tiers(self):
        return {p: PTIER[p] for p in self.prots}


class Run:
    def __init__(self, rig, rows):
        self.rig, self.rows = rig, rows

    def row(self, hazard, layer, expected, observed, ok, react=(), what=""):
        react = [r for r in react if r is not None] if react else []
        self.rows.append(dict(profile=self.rig.prof, hazard=hazard, layer=layer,
                              expected=expected, observed=observed, ok=bool(ok),
                              react_ms=react, react_what=what))
        self.rig.say("%-4s %s | %s | %s | %s %s" % ("PASS" if ok else "FAIL", hazard, layer,
                                                  observed, react, what))

    # ---- the resting state between hazards ----
    def healthy(self):
        r = self.rig
        s, st = r.simst(), r.st()
        ok = (st and s["relays"] == R_PATHS and s["contacts"] == R_PATHS and
              st.get("state") == "running" and st["battery"]["state"] == "connected" and
              not st["faults"] and not in_force(st) and not st["battery"]["latched"] and
              st["mcu"]["safety"] == "armed")
        return ok, s, st

    def baseline(self, timeout=12, reset=True):
        """the pack connected, nothing in force; resets latches on the way"""
        t0 = now()
        last_reset = t0
        while True:
            ok, s, st = self.healthy()
            if ok:
                return True, ms(t0, now())
            if now() - t0 > timeout:
                self.rig.say("baseline not reached: sim %s, bmsd %s %s %s %s" % (
                    s, st and st.get("state"), st and st.get("faults"),
                    st and st.get("battery", {}).get("state"), st and sorted(in_force(st))))
                return False, None
            if reset and now() - last_reset > 1.0 and st and (
                    st["battery"]["latched"] or st["mcu"]["safety"] == "tripped" or
                    st["battery"]["state"] == "fault" or st["battery"]["disconnect_requested"]):
                if st["battery"]["disconnect_requested"]:
                    self.rig.ctl("connect")
                self.rig.ctl("reset-faults")
                last_reset = now()
            time.sleep(0.05)

    def do(self, acts):
        for a in acts if isinstance(acts, (list, tuple)) else [acts]:
            if callable(a):
                a()
            elif a.startswith("ctl:"):
                self.rig.ctl(*a[4:].split())
            else:
                self.rig.sim(a)

    def log_mark(self):
        return os.path.getsize(os.path.join(self.rig.T, "bmsd.log"))

    def soft_stops_since(self, mark):
        with open(os.path.join(self.rig.T, "bmsd.log"), "rb") as f:
            f.seek(mark)
            return f.read().decode(errors="replace").count("soft-stop-start")

    # ---- the external interfaces ----
    def ext_expect(self, e):
        """{layer: (description, predicate(obs) -> bool)}"""
        r = self.rig
        out = {}
        lim = []
        if e.ccl0:
            lim.append("CCL 0 A")
        if e.dcl0:
            lim.append("DCL 0 A")
        # CAN1
        bits = []
        for p in e.prots:
            if r.P["can1"] == "pylon" and p in PYLON:
                bits.append(("Warning" if PTIER[p] == "warning" else "Protection") + PYLON[p])
            elif r.P["can1"] == "sma" and p in SMA:
                bits.append(("Warning" if PTIER[p] == "warning" else "Alarm") + SMA[p])
        bits = sorted(set(bits))
        out["CAN1"] = ", ".join(lim + bits) or "limits > 0"
        out["CAN1_bits"] = bits
        c2 = ["%s%s" % (PTIER[p].capitalize(), camel(p)) for p in e.prots]
        c2 += ["Fault" + camel(f.replace("-", "_")) for f in e.faults]
        lim_na = [x + " or NA" for x in lim]
        out["CAN2"] = ", ".join(lim_na + c2) or "no protection bit"
        out["CAN2_bits"] = c2
        mb = ["%s.%s" % ({"warning": "Warnings", "alarm": "Alarms", "critical": "Criticals"}
                         [PTIER[p]], p) for p in e.prots]
        out["Modbus"] = ", ".join(lim_na + mb) or "limits > 0"
        return out

    def can1_ok(self, e, t0):
        """the first CAN1 frames after t0 that show the expectation: (ok, obs, t)"""
        r = self.rig
        want = self.ext_expect(e)["CAN1_bits"]
        got = {}
        t_lim = t_bits = lim_ok = None
        for f in r.wire.since(t0, side="c1", ids=(0x351, 0x359, 0x35A)):
            if f[2] not in r.dbc1.messages:
                continue
            v = r.dbc1.decode(f[2], f[3])
            got[f[2]] = v
            if f[2] == 0x351 and t_lim is None:
                if (not e.ccl0 or v["ChargeCurrentLimit"] == 0) and \
                        (not e.dcl0 or v["DischargeCurrentLimit"] == 0):
                    t_lim = f[0]
                    lim_ok = v
            if f[2] in (0x359, 0x35A) and t_bits is None:
                if all(v.get(b) == 1 for b in want):
                    t_bits = f[0]
            if t_lim and (t_bits or not want):
                break
        lim = lim_ok or got.get(0x351)
        obs = "CCL %s A, DCL %s A" % ((fa(lim["ChargeCurrentLimit"]),
                                       fa(lim["DischargeCurrentLimit"])) if lim else ("?", "?"))
        al = got.get(0x359) or got.get(0x35A)
        if al:
            on = sorted(k for k, v in al.items() if v == 1 and not k.startswith("Module"))
            obs += "; " + (", ".join(on) if on else "no alarm bit")
        ok = t_lim is not None and (t_bits is not None or not want)
        return ok, obs, (max(t_lim, t_bits or 0) if ok else None)

    def can2_ok(self, e, t0):
        r = self.rig
        want = self.ext_expect(e)["CAN2_bits"]
        got = {}
        t_ok = None
        for f in r.wire.since(t0, side="c2"):
            k = f[2] - 0x400
            if not 0 <= k < 8:
                continue
            got[k] = r.dbc2.decode(f[2], f[3])
            if 7 in got and 4 in got and 5 in got and 0 in got:
                li = got[7]
                bitsv = {**got[0], **got[4], **got[5]}
                if (not e.ccl0 or li["CCL"] in (0, NA_DA)) and \
                        (not e.dcl0 or li["DCL"] in (0, NA_DA)) and \
                        all(bitsv.get(b) == 1 for b in want):
                    t_ok = f[0]
                    break
        if not got:
            return False, "no frame", None
        bitsv = {**got.get(0, {}), **got.get(4, {}), **got.get(5, {})}
        on = sorted(k for k, v in bitsv.items() if v == 1 and k.startswith(
            ("Warning", "Alarm", "Critical", "Fault")))
        li = got.get(7, {})
        states = ["unconfigured", "starting", "standby", "precharge", "connected", "soft-stop",
                  "fault"]
        stv = got.get(0, {}).get("State")
        obs = "state %s, CCL %s A, DCL %s A; %s" % (
            states[int(stv)] if stv is not None and stv < 7 else "?", fa(li.get("CCL")),
            fa(li.get("DCL")), ", ".join(on) or "no bit")
        return t_ok is not None, obs, t_ok

    def modbus_ok(self, e, m):
        if m is None:
            return False, "no answer"
        want = {p: PTIER[p] for p in e.prots}
        okb = all(m[{"warning": "Warnings", "alarm": "Alarms", "critical": "Criticals"}[t]]
                  & (1 << PIDX[p]) for p, t in want.items())
        ok = okb and (not e.ccl0 or m["CCL"] in (0, NA32)) and \
            (not e.dcl0 or m["DCL"] in (0, NA32))
        names = []
        for fld, tag in (("Warnings", "W"), ("Alarms", "A"), ("Criticals", "C"), ("Latched", "L")):
            for p, _, _ in PROTS:
                if m[fld] & (1 << PIDX[p]):
                    names.append("%s:%s" % (tag, p))
        obs = "CCL %s mA, DCL %s mA; %s" % (
            "NA" if m["CCL"] == NA32 else m["CCL"], "NA" if m["DCL"] == NA32 else m["DCL"],
            ", ".join(names) or "no bit")
        return ok, obs

    # ---- one hazard, every layer ----
    def hazard(self, name, inject, release, e, cause=None, trials=1, settle=6.0, hold=0.8,
               recover=True):
        r = self.rig
        res = dict(mcu=[], bmsd=[], can1=[], can2=[], modbus=[], rec=[])
        obs = {}
        oks = {k: True for k in ("MCU", "bmsd", "CAN1", "CAN2", "Modbus", "after")}
        exp_ext = self.ext_expect(e)
        for trial in range(trials):
            ok, _ = self.baseline()
            if not ok:
                for k in oks:
                    oks[k] = False
                obs.setdefault("MCU", "the pack did not reach its resting state before")
                break
            mark = self.log_mark()
            t0 = now()
            self.do(inject)
            seen = {}
            soft = False
            mb_seen = None
            mb_last = None

            def poll():
                nonlocal soft, mb_seen, mb_last
                s, fw, st = r.simst(), r.fw(), r.st()
                t = now()
                if st and st.get("battery", {}).get("state") == "soft-stop":
                    soft = True
                if "MCU" not in seen:
                    okm = (s["relays"] & e.open) == 0 and (s["relays"] & e.keep) == e.keep and \
                        (fw["trip"] & e.trip) == e.trip and \
                        (e.alarm_do is None or bool(s["dos"] & (1 << (r.P["alarm_do"] - 1))) ==
                         e.alarm_do)
                    obs["MCU"] = "relays %s, contacts %s, trip %s, dos 0x%x" % (
                        rl(s["relays"]), rl(s["contacts"]), trip_names(fw["trip"]), s["dos"])
                    if okm:
                        seen["MCU"] = t
                if "bmsd" not in seen and st and "battery" in st:
                    f = in_force(st)
                    cr = cmd_relays(st)
                    okd = set(e.prots) <= f and set(e.faults) <= set(st["faults"]) and \
                        (cr & e.open) == 0 and (cr & e.keep) == e.keep and \
                        (e.state is None or st["battery"]["state"] == e.state)
                    obs["bmsd"] = "%s; in force: %s; commanded %s; faults %s" % (
                        st["battery"]["state"], ", ".join(
                            "%s(%s)" % (p, PTIER[p][0]) for p in sorted(f)) or "none",
                        rl(cr), ",".join(st["faults"]) or "none")
                    if okd:
                        seen["bmsd"] = t
                if "Modbus" not in seen:
                    m = r.modbus()
                    okm, o = self.modbus_ok(e, m)
                    mb_last = o
                    if okm:
                        seen["Modbus"] = t
                        mb_seen = o
                return len(seen) == 3

            wait_until(poll, settle, 0.02)
            # the CAN interfaces: the frames after t0 (they have had time while we waited)
            wait_until(lambda: self.can1_ok(e, t0)[0], 1.5, 0.05)
            c1 = self.can1_ok(e, t0)
            c2 = self.can2_ok(e, t0) if r.P["can2"] else None
            if c2 is not None and not c2[0]:
                wait_until(lambda: self.can2_ok(e, t0)[0], 1.0, 0.05)
                c2 = self.can2_ok(e, t0)
            obs["Modbus"] = mb_seen or mb_last
            # reactions on the link
            r.wire.sync(now() + 0.03)
            t_cause = cause(r, t0) if cause else None
            io = r.wire.first(t0, lambda f: (f[3][1] & 0xF & e.open) == 0, side="m",
                              ids=(0x104,)) if e.open else None
            oc = r.wire.first(t_cause or t0, lambda f: (f[3][1] & e.open) == 0, side="d",
                              ids=(0x51,)) if e.open else None
            tr = r.wire.first(t0, lambda f: int.from_bytes(f[3][2:4], "little") & e.trip,
                              side="m", ids=(0x100,)) if e.trip else None
            t_m = (tr or io or (None,))[0] if e.trip else (io[0] if io else None)
            if e.floor_fast:
                # one sample: the trip goes out with the first frame that shows the
                # cause (both stamped by the tap: no scheduling of this script counts)
                res["mcu"].append(ms(t_cause or t0, tr[0] if tr else None))
                res["bmsd"].append(ms(t_cause or t0, oc[0] if oc else None))
            elif e.open or e.trip:
                # no frame on the link (the link is down or cut): the time it was polled
                res["mcu"].append(ms(t0, t_m if t_m else seen.get("MCU")))
                res["bmsd"].append(ms(t_cause, oc[0] if oc else None) if t_cause else
                                   ms(t0, oc[0] if oc else seen.get("bmsd")))
            else:
                # nothing opens: the time bmsd showed it (polled)
                res["bmsd"].append(ms(t0, seen.get("bmsd")))
            if e.ccl0 or e.dcl0 or exp_ext["CAN1_bits"]:
                res["can1"].append(ms(t0, c1[2]))
            if c2:
                res["can2"].append(ms(t0, c2[2]))
            for k in ("MCU", "bmsd", "Modbus"):
                if k not in seen:
                    oks[k] = False
            if not c1[0]:
                oks["CAN1"] = False
            obs["CAN1"] = c1[1]
            if c2:
                if not c2[0]:
                    oks["CAN2"] = False
                obs["CAN2"] = c2[1]
            if e.floor_fast:
                fast = res["mcu"][-1]
                if fast is None or fast > 15:
                    oks["MCU"] = False
            if e.nosoft:
                n = self.soft_stops_since(mark)
                if soft or n:
                    oks["bmsd"] = False
                    obs["bmsd"] += "; SOFT STOP ran (%d soft-stop-start)" % n
                else:
                    obs["bmsd"] += "; no soft stop"
            # the cause goes away
            t_rel = now()
            self.do(release)
            if e.latched:
                time.sleep(hold)
                s, st = r.simst(), r.st()
                closed = r.wire.first(t_rel, lambda f: f[3][1] & 0xF & e.open, side="m",
                                      ids=(0x104,))
                held = closed is None and (s["relays"] & e.open) == 0
                obs["after"] = "%s %.1f s after the cause went; bmsd %s, latched %s" % (
                    "held open" if held else "CLOSED %s" % rl(s["relays"]), hold,
                    st and st["battery"]["state"], st and ",".join(st["battery"]["latched"]))
                if not held:
                    oks["after"] = False
                r.ctl("reset-faults")
            t_r = now()
            ok, _ = self.baseline(timeout=10, reset=e.latched)
            if recover and not ok:
                oks["after"] = False
                obs["after"] = obs.get("after", "") + "; not back to connected"
            elif not e.latched:
                obs["after"] = "closed again by itself"
            else:
                obs["after"] += "; connected after the reset"
            res["rec"].append(ms(t_r, now()) if ok else None)
        # rows
        exp_mcu = []
        if e.trip:
            exp_mcu.append("trip %s" % trip_names(e.trip))
        else:
            exp_mcu.append("no trip")
        if e.open:
            exp_mcu.append("relays %s open" % rl(e.open))
        if e.keep:
            exp_mcu.append("%s stay closed" % rl(e.keep))
        if e.alarm_do is not None:
            exp_mcu.append("alarm DO %s" % ("on" if e.alarm_do else "off"))
        if e.floor_fast:
            exp_mcu.append("the trip frame within 15 ms of the first CURRENT frame that "
                           "shows the short (one sample; CURRENT goes every 10 ms)")
        if e.mcu_note:
            exp_mcu.append(e.mcu_note)
        self.row(name, "MCU", ", ".join(exp_mcu), obs.get("MCU", "?"), oks["MCU"],
                 res["mcu"], "cause frame to trip frame" if e.floor_fast else
                 "command to trip/relay frame" if e.trip else "command to relay frame")
        exp_b = ", ".join("%s (%s)" % (p, PTIER[p]) for p in e.prots) or "no protection"
        if e.faults:
            exp_b += ", faults " + ",".join(e.faults)
        if e.open:
            exp_b += ", %s commanded open" % rl(e.open)
        if e.keep:
            exp_b += ", %s kept" % rl(e.keep)
        if e.state:
            exp_b += ", state " + e.state
        if e.nosoft:
            exp_b += ", no soft stop"
        if e.bmsd_note:
            exp_b += ", " + e.bmsd_note
        self.row(name, "bmsd", exp_b, obs.get("bmsd", "?"), oks["bmsd"], res["bmsd"],
                 ("cause frame to open command" if cause else "command to open command")
                 if e.open or e.trip else "command to status (polled)")
        self.row(name, "CAN1", exp_ext["CAN1"], obs.get("CAN1", "?"), oks["CAN1"], res["can1"],
                 "command to frame")
        if r.P["can2"]:
            self.row(name, "CAN2", exp_ext["CAN2"], obs.get("CAN2", "?"), oks["CAN2"],
                     res["can2"], "command to frame")
        self.row(name, "Modbus", exp_ext["Modbus"], obs.get("Modbus") or "?", oks["Modbus"])
        self.row(name, "after", "held open until a reset, then connected" if e.latched else
                 "closes again by itself", obs.get("after", "?"), oks["after"], res["rec"],
                 "reset to connected" if e.latched else "release to connected")


# causes: the first frame on the link that carries the hazard
def c_cell(op, mv):
    def f(r, t0):
        x = r.wire.first(t0, lambda f: is_cells(f) and any(
            v != 0x3FFF and op(v, mv) for v in cells_of(f[3])), side="m")
        return x[0] if x else None
    return f


def c_temp(op, dc):
    def f(r, t0):
        x = r.wire.first(t0, lambda f: is_temps(f) and any(
            v != -8192 and op(v, dc) for v in temps_of(f[3])), side="m")
        return x[0] if x else None
    return f


def c_current(op, ma):
    def f(r, t0):
        def p(f):
            fl = f[3][1]
            v = s24(f[3][5:8]) if fl & 4 else s24(f[3][2:5])
            return v != -8388608 and op(v, ma) or bool(fl & 0x30)
        x = r.wire.first(t0, p, side="m", ids=(0x101,))
        return x[0] if x else None
    return f


def c_io(fn):
    def f(r, t0):
        x = r.wire.first(t0, lambda f: fn(f[3]), side="m", ids=(0x104,))
        return x[0] if x else None
    return f


def c_ext(fn):
    def f(r, t0):
        x = r.wire.first(t0, lambda f: fn(f[3]), side="m", ids=(0x105,))
        return x[0] if x else None
    return f


def c_board_off(b):
    def f(r, t0):
        x = r.wire.first(t0, lambda f: not (f[3][1] & 1), side="m", ids=(0x300 + b - 1,))
        return x[0] if x else None
    return f


def ge(a, b):
    return a >= b


def le(a, b):
    return a <= b


# ---- the hazards ----------------------------------------------------------------------

def all_cells(r, mv):
    return "; ".join("cell %d %d %s" % (b, c, mv) for b in range(1, r.P["boards"] + 1)
                     for c in range(1, r.P["cells"] + 1))


def generic_hazards(r):
    P = r.P
    E, I, C = P["estop_di"], P["inhibit_di"], P["charger_di"]
    ntc = P["ntc"]
    sh_in, sh_out = P["short_in"], P["short_out"]
    H = []

    def h(name, inject, release, e, cause=None, trials=1, **kw):
        H.append((name, inject, release, e, cause, trials, kw))

    # cell voltages: warning (imbalance), alarm (pack), critical (cell), the floor
    h("cell high, warning tier: one cell 3599 mV (spread >= 300 mV)", "cell 1 3 3599",
      "cell 1 3 auto", Exp(keep=R_PATHS, prots=["cell_imbalance"], ccl0=False, dcl0=False),
      c_cell(ge, 3599))
    h("cell high, alarm tier: every cell 3420 mV (pack over-voltage)", all_cells(r, 3420),
      all_cells(r, "auto"), Exp(open=R_CHARGE, keep=R_DSG, prots=["pack_over_voltage"]),
      c_cell(ge, 3420))
    h("cell high, critical tier: 3660 mV (over-voltage 3650)", "cell 1 3 3660", "cell 1 3 auto",
      Exp(open=R_CHARGE, keep=R_DSG, prots=["cell_over_voltage"]), c_cell(ge, 3660), trials=3)
    h("cell high, MCU hard limit: 3750 mV (floor 3700)", "cell 2 5 3750", "cell 2 5 auto",
      Exp(open=R_PATHS, trip=TRIP["CELL_HIGH"], prots=["safety_floor_trip", "cell_over_voltage"],
          faults=["mcu-trip"], state="fault", latched=True, alarm_do=True), c_cell(ge, 3750),
      trials=3)
    h("cell low, warning tier: one cell 2990 mV (spread >= 300 mV)", "cell 1 4 2990",
      "cell 1 4 auto", Exp(keep=R_PATHS, prots=["cell_imbalance"], ccl0=False, dcl0=False),
      c_cell(le, 2990))
    h("cell low, alarm tier: every cell 3100 mV (pack under-voltage)", all_cells(r, 3100),
      all_cells(r, "auto"), Exp(open=R_DSG, keep=R_CHARGE, prots=["pack_under_voltage"]),
      c_cell(le, 3100))
    h("cell low, critical tier: 2790 mV (under-voltage 2800)", "cell 1 4 2790", "cell 1 4 auto",
      Exp(open=R_DSG, keep=R_CHARGE, prots=["cell_under_voltage"]), c_cell(le, 2790), trials=3)
    h("cell low, MCU hard limit: 2700 mV (floor 2750)", "cell 2 6 2700", "cell 2 6 auto",
      Exp(open=R_PATHS, trip=TRIP["CELL_LOW"], prots=["safety_floor_trip", "cell_under_voltage"],
          faults=["mcu-trip"], state="fault", latched=True, alarm_do=True), c_cell(le, 2700),
      trials=3)
    h("cell deep discharge: 1990 mV (deep_discharge 2000, always latched)", "cell 1 7 1990",
      "cell 1 7 auto", Exp(open=R_PATHS, trip=TRIP["CELL_LOW"],
                           prots=["deep_discharge", "safety_floor_trip"], state="fault",
                           latched=True), c_cell(le, 1990))
    # currents
    h("over-current in charge: +60 A (50 A, alarm)", "current 60000", "current 0",
      Exp(open=R_CHARGE, keep=R_DSG, prots=["charge_over_current"]), c_current(ge, 50000))
    h("over-current in discharge: -70 A (60 A, alarm)", "current -70000", "current 0",
      Exp(open=R_DSG, keep=R_CHARGE, prots=["discharge_over_current"]), c_current(le, -60000))
    h("short inside the sensor's range: %d A (floor %d A)" % (sh_in // 1000,
                                                            P["short_floor"] // 1000),
      "current %d" % sh_in, "current 0",
      Exp(open=R_PATHS, trip=TRIP["SHORT_CIRCUIT"], prots=["safety_floor_trip"],
          state="fault", latched=True, nosoft=True, floor_fast=True, alarm_do=True),
      c_current(le, -P["short_floor"]), trials=3)
    h("[defect 1] short beyond the sensor's range: %d A (sensor +-%d A)" % (
        sh_out // 1000, P["sensor_range"] // 1000), "current %d" % sh_out, "current 0",
      Exp(open=R_PATHS, trip=TRIP["SHORT_CIRCUIT"], prots=["safety_floor_trip"],
          state="fault", latched=True, nosoft=True, floor_fast=True, alarm_do=True),
      c_current(le, -P["short_floor"]), trials=2)
    # temperatures
    h("charge over-temperature: cell sensor 56.0 C (55.0, alarm)", "temp 1 2 560",
      "temp 1 2 auto", Exp(open=R_CHARGE, keep=R_DSG, prots=["charge_over_temperature"]),
      c_temp(ge, 560))
    h("discharge over-temperature: 61.0 C (60.0, critical open-all)", "temp 1 2 610",
      "temp 1 2 auto", Exp(open=R_PATHS, prots=["discharge_over_temperature",
                                                "charge_over_temperature"], state="fault"),
      c_temp(ge, 610))
    h("charge under-temperature: -1.0 C (0.0, alarm)", "temp 2 1 -10", "temp 2 1 auto",
      Exp(open=R_CHARGE, keep=R_DSG, prots=["charge_under_temperature"]), c_temp(le, -10))
    h("discharge under-temperature: -21.0 C (-20.0, alarm)", "temp 2 1 -210", "temp 2 1 auto",
      Exp(open=R_PATHS, prots=["discharge_under_temperature", "charge_under_temperature"]),
      c_temp(le, -210))
    h("cell temperature, MCU hard limit: 66.0 C (floor 65.0)", "temp 1 3 660", "temp 1 3 auto",
      Exp(open=R_PATHS, trip=TRIP["TEMP_HIGH"], prots=["safety_floor_trip",
                                                      "discharge_over_temperature"],
          state="fault", latched=True, alarm_do=True), c_temp(ge, 660))
    h("cell temperature, MCU hard limit: -31.0 C (floor -30.0)", "temp 1 3 -310",
      "temp 1 3 auto", Exp(open=R_PATHS, trip=TRIP["TEMP_LOW"], prots=["safety_floor_trip"],
                           state="fault", latched=True, alarm_do=True), c_temp(le, -310))
    h("NTC %d over the MCU hard limit: ambient 70.0 C (floor 65.0)" % 1, "ambient 700",
      "ambient 250", Exp(open=R_PATHS, trip=TRIP["TEMP_HIGH"], prots=["safety_floor_trip"],
                         state="fault", latched=True, alarm_do=True),
      c_ext(lambda d: s24(d[2:4] + (b"\xff" if d[3] & 0x80 else b"\0")) >= 650))
    for mode in ("open", "short"):
        h("NTC %d %s (external sensor)" % (ntc, mode), "ntc %d %s" % (ntc, mode), "ntc %d ok" % ntc,
          Exp(open=R_PATHS, prots=["sensor_fault"], faults=["ntc"]),
          c_ext(lambda d, n=ntc: (d[1] >> (2 * (n - 1))) & 3 in (1, 2)))
        h("cell NTC %s (board 1 sensor 2)" % mode, "cell-ntc 1 2 %s" % mode, "cell-ntc 1 2 ok",
          Exp(open=R_PATHS, prots=["sensor_fault"]),
          lambda r, t0: (lambda x: x[0] if x else None)(r.wire.first(
              t0, lambda f: f[3][5] & 2, side="m", ids=(0x300,))))
    # Logic boards
    h("Logic board 2 offline, then back", "board 2 offline", "board 2 online",
      Exp(open=R_PATHS, prots=["logic_offline"], faults=["logic-offline"]), c_board_off(2))
    # contactors
    h("welded discharge contactor (relay 1 welded, then a disconnect)",
      ["relay 1 welded", "ctl:disconnect"], ["relay 1 ok", "ctl:connect"],
      Exp(open=R_PATHS, prots=["contactor_welded"], state="fault", latched=True,
          mcu_note="contact 1 stays closed (welded)"),
      c_io(lambda d: not (d[1] & 1) and d[2] & (1 << (P["fb_di"] - 1))))
    h("discharge contactor fails to close (relay 1 stuck open)", "relay 1 stuck", "relay 1 ok",
      Exp(open=R_PATHS, prots=["contactor_feedback"], latched=True),
      c_io(lambda d: (d[1] & 1) and not d[2] & (1 << (P["fb_di"] - 1))))
    # inputs
    h("emergency stop (DI %d on, released)" % E, "di %d on" % E, "di %d off" % E,
      Exp(open=R_PATHS, prots=["emergency_stop"], state="fault", latched=True, nosoft=True),
      c_io(lambda d: d[2] & (1 << (E - 1))), trials=3)
    h("inhibit charge (DI %d on, released)" % I, "di %d on" % I, "di %d off" % I,
      Exp(open=R_CHARGE, keep=R_DSG, ccl0=True, dcl0=False),
      c_io(lambda d: d[2] & (1 << (I - 1))))
    h("charger disconnected (DI %d off, back)" % C, "di %d off" % C, "di %d on" % C,
      Exp(open=R_CHARGE, keep=R_DSG, ccl0=True, dcl0=False,
          bmsd_note="allow-charging at once, charge contactor after Toff"),
      c_io(lambda d: not d[2] & (1 << (C - 1))))
    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", required=True, choices=sorted(PROFILES))
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--keep")
    a = ap.parse_args()
    T = a.keep or tempfile.mkdtemp(prefix="fault-%s." % a.profile, dir=os.environ.get("TMPDIR"))
    os.makedirs(T, exist_ok=True)
    t_start = now()

    def log(msg):
        print("[%6.1f] %s" % (now() - t_start, msg), flush=True)

    rows = []
    rig = Rig(a.profile, T, log)
    run = Run(rig, rows)
    only = [s for s in a.only.split(",") if s]
    try:
        rig.start()
        for name, inj, rel, e, cause, trials, kw in generic_hazards(rig):
            if only and not any(o in name for o in only):
                continue
            try:
                run.hazard(name, inj, rel, e, cause, trials, **kw)
            except Exception as ex:
                traceback.print_exc()
                run.row(name, "MCU", "the hazard runs", "error: %s" % ex, False)
                rig.sim("current 0")
        for name, fn in special_hazards():
            if only and not any(o in name for o in only):
                continue
            try:
                fn(run, name)
            except Exception as ex:
                traceback.print_exc()
                run.row(name, "MCU", "the hazard runs", "error: %s" % ex, False)
    except Exception as ex:
        traceback.print_exc()
        rows.append(dict(profile=a.profile, hazard="start-up", layer="rig",
                         expected="bmsd and bms-sim run", observed="error: %s" % ex, ok=False,
                         react_ms=[], react_what=""))
    finally:
        rig.stop()
        with open(a.out, "w") as f:
            json.dump(dict(profile=a.profile, seconds=round(now() - t_start, 1), rows=rows), f,
                      indent=1)
        if not a.keep and all(r["ok"] for r in rows):
            shutil.rmtree(T, ignore_errors=True)
        else:
            log("logs kept in %s" % T)
    return 0 if rows and all(r["ok"] for r in rows) else 1



# ---- hazards that need more than one command: signals, restarts, sequences ----------

def hold_check(run, t_from, mask, secs):
    """nothing of mask closes for secs: no OUTPUT_CMD from bmsd that closes it,
    no IO frame with it driven, bms-sim's coils open. (bmsd_ok, mcu_ok, text)"""
    r = run.rig
    dl = now() + secs
    bad = None
    while now() < dl:
        st = r.simst()
        if st["relays"] & mask and bad is None:
            bad = "MCU drove %s at +%.0f ms" % (rl(st["relays"]), (now() - t_from) * 1000)
        time.sleep(0.02)
    r.wire.sync(now() + 0.03)
    oc = r.wire.first(t_from, lambda f: f[3][1] & mask, side="d", ids=(0x51,))
    io = r.wire.first(t_from, lambda f: f[3][1] & 0xF & mask, side="m", ids=(0x104,))
    if io and bad is None:
        bad = "MCU drove %s at +%.0f ms" % (rl(io[3][1] & 0xF), ms(t_from, io[0]))
    txt = []
    if oc:
        txt.append("bmsd commanded %s at +%.0f ms" % (rl(oc[3][1] & 0xF), ms(t_from, oc[0])))
    if bad:
        txt.append(bad)
    return oc is None, bad is None, "; ".join(txt) or "%s held open %.1f s" % (rl(mask), secs)


def until_st(run, fn, timeout):
    return wait_until(lambda: (lambda st: st if st and fn(st) else None)(run.rig.st()), timeout)


def ext_rows(run, name, e, t0, settle=1.5):
    """CAN1, CAN2 and Modbus rows for Exp e, from the frames since t0 and a Modbus read"""
    r = run.rig
    ex = run.ext_expect(e)
    wait_until(lambda: run.can1_ok(e, t0)[0], settle, 0.05)
    c1 = run.can1_ok(e, t0)
    run.row(name, "CAN1", ex["CAN1"], c1[1], c1[0], [ms(t0, c1[2])], "command to frame")
    if r.P["can2"]:
        wait_until(lambda: run.can2_ok(e, t0)[0], 1.0, 0.05)
        c2 = run.can2_ok(e, t0)
        run.row(name, "CAN2", ex["CAN2"], c2[1], c2[0], [ms(t0, c2[2])], "command to frame")
    m = wait_until(lambda: (lambda m: m if run.modbus_ok(e, m)[0] else None)(r.modbus()), 1.0)
    ok, o = run.modbus_ok(e, m or r.modbus())
    run.row(name, "Modbus", ex["Modbus"], o, ok)


def start_row_fail(run, name):
    run.row(name, "MCU", "the pack connected before the hazard", "resting state not reached",
            False)


def s_link_down(run, name):
    r = run.rig
    run.hazard(name, "link down", "link up",
               Exp(open=R_PATHS, trip=TRIP["HEARTBEAT"], prots=["mcu_link_lost"],
                   faults=["comm"], latched=True,
                   mcu_note="no frame passes: relay state polled from bms-sim"))


def s_link_cut(run, name):
    r = run.rig
    run.hazard(name, lambda: r.cut(True), lambda: r.cut(False),
               Exp(open=R_PATHS, trip=TRIP["HEARTBEAT"], prots=["mcu_link_lost"], latched=True,
                   bmsd_note="link reopened when the socket is back"))


def s_sim_stop(run, name):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    e = Exp(open=R_PATHS, prots=["mcu_link_lost"], faults=["comm"])
    t0 = now()
    r.sim_proc.send_signal(signal.SIGSTOP)
    try:
        st = until_st(run, lambda st: st["link"]["comm_fault"] and cmd_relays(st) == 0 and
                      "mcu_link_lost" in in_force(st), 5)
        t_b = now()
        r.wire.sync(now() + 0.03)
        oc = r.wire.first(t0, lambda f: f[3][1] & R_PATHS == 0, side="d", ids=(0x51,))
        run.row(name, "bmsd", "comm fault, mcu_link_lost (critical), every relay commanded "
                "open within link.stale_ms (300 ms)",
                "%s; in force %s; commanded %s" % (
                    st and st["state"], st and ",".join(sorted(in_force(st))),
                    rl(cmd_relays(st)) if st else "?") if st else "not seen",
                st is not None, [ms(t0, oc[0] if oc else t_b)], "SIGSTOP to open command")
        ext_rows(run, name, e, t0)
        time.sleep(0.5)
    finally:
        t1 = now()
        r.sim_proc.send_signal(signal.SIGCONT)
    r.wire.sync(now() + 0.3)
    io = r.wire.first(t1, lambda f: True, side="m", ids=(0x104,))
    fw = r.fw()
    wd = io is not None and io[3][1] & 0xF == 0 and int.from_bytes(io[3][4:6], "little") & 0x100
    run.row(name, "MCU", "the floor cannot act while hung; bms-sim --watchdog emulates the "
            "IWDG: on SIGCONT a watchdog reset, relays open in the first IO frame, "
            "WATCHDOG_RESET, LOCKED until bmsd pushes again",
            "first IO frame after SIGCONT: %s; safety %s" % (
                "relays %s, faults 0x%04x" % (rl(io[3][1] & 0xF),
                                              int.from_bytes(io[3][4:6], "little"))
                if io else "none", fw["safety"]),
            bool(wd), [ms(t1, io[0] if io else None)], "SIGCONT to the relay frame")
    ok, t = run.baseline(reset=False)
    run.row(name, "after", "closes again by itself once bmsd has verified its push to the reset "
            "MCU (mcu_link_lost does not latch)", "connected" if ok else "not connected", ok,
            [ms(t1, now()) if ok else None], "SIGCONT to connected")


def s_sim_kill(run, name):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    e = Exp(open=R_PATHS, prots=["mcu_link_lost"], faults=["comm"])
    pushes = r.st()["link"]["cfg_pushes"]
    t0 = now()
    r.kill_sim(signal.SIGKILL)
    st = until_st(run, lambda st: st["link"]["comm_fault"] and cmd_relays(st) == 0 and
                  "mcu_link_lost" in in_force(st), 5)
    t_b = now()
    r.wire.sync(now() + 0.03)
    oc = r.wire.first(t0, lambda f: f[3][1] & R_PATHS == 0, side="d", ids=(0x51,))
    run.row(name, "bmsd", "comm fault, mcu_link_lost (critical), every relay commanded open",
            "%s; in force %s; commanded %s; faults %s" % (
                st["state"], ",".join(sorted(in_force(st))), rl(cmd_relays(st)),
                ",".join(st["faults"])) if st else "not seen",
            st is not None, [ms(t0, oc[0] if oc else t_b)], "SIGKILL to open command")
    ext_rows(run, name, e, t0)
    # a new MCU: reset, no configuration, LOCKED, every relay open
    t1 = now()
    r.start_sim()
    st = until_st(run, lambda st: st["link"]["verified"] and st["link"]["cfg_pushes"] > pushes, 10)
    t2 = now()
    # the new MCU's first frames on the wire, whatever bmsd did after them
    r.wire.sync(t2 + 0.03)
    s0 = r.wire.first(t1, lambda f: True, side="m", ids=(0x100,))
    io0 = r.wire.first(t1, lambda f: True, side="m", ids=(0x104,))
    safety0 = ("locked", "armed", "tripped")[s0[3][1] & 0xF] if s0 and s0[3][1] & 0xF < 3 \
        else "not seen"
    relays0 = io0[3][1] & 0xF if io0 else None
    run.row(name, "MCU", "process gone (no coil driven); the restarted MCU starts LOCKED with "
            "every relay open and takes a new configuration push",
            "restarted: first STATUS safety %s, first IO relays %s; bmsd pushed again: %s" % (
                safety0, rl(relays0) if relays0 is not None else "not seen",
                "yes" if st else "no"),
            relays0 == 0 and safety0 == "locked" and st is not None,
            [ms(t1, t2)], "restart to verified")
    ok, t = run.baseline(reset=False)
    run.row(name, "after", "closes again by itself once the MCU is back (mcu_link_lost does not "
            "latch, no trip on a fresh MCU)", "connected" if ok else "not connected", ok, [t],
            "verified to connected")


def s_bmsd_down(run, name, hang):
    r = run.rig
    P = r.P
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    t0 = now()
    r.bmsd.send_signal(signal.SIGSTOP if hang else signal.SIGKILL)
    if not hang:
        r.bmsd.wait()
    alarm = 1 << (P["alarm_do"] - 1)
    s = wait_until(lambda: (lambda s: s if s["relays"] == 0 and s["dos"] & alarm else None)(
        r.simst()), 3) or r.simst()
    fw = r.fw()
    time.sleep(0.7)
    r.wire.sync(now() + 0.03)
    hb = r.wire.last_before(t0 + 0.0005, side="d", ids=(0x50,))
    tr = r.wire.first(t0, lambda f: int.from_bytes(f[3][2:4], "little") & 1, side="m",
                      ids=(0x100,))
    io = r.wire.first(t0, lambda f: f[3][1] & 0xF == 0, side="m", ids=(0x104,))
    do = r.wire.first(t0, lambda f: f[3][3] & alarm, side="m", ids=(0x104,))
    okm = fw["trip"] & 1 and s["relays"] == 0 and s["contacts"] == 0
    run.row(name, "MCU", "trip HEARTBEAT within safety_floor.heartbeat_timeout_ms (500 ms) of "
            "the last heartbeat, every relay open", "trip %s, relays %s, contacts %s" % (
                trip_names(fw["trip"]), rl(s["relays"]), rl(s["contacts"])), okm,
            [ms(hb[0] if hb else None, tr[0] if tr else None)], "last heartbeat to trip frame")
    run.row(name, "MCU", "[defect 5] the alarm output (DO %d) on, driven by the floor itself"
            % P["alarm_do"], "dos 0x%x (alarm DO %s)" % (s["dos"], "on" if s["dos"] & alarm
                                                       else "OFF"),
            bool(s["dos"] & alarm), [ms(t0, do[0] if do else None)], "signal to IO frame")
    # the interfaces while bmsd cannot speak: silence, never a stale figure.
    # A frame that bmsd wrote just before the signal may still be on its way
    # to the tap: the first half second is not judged.
    c1 = r.wire.first(t0 + 0.5, lambda f: True, side="c1")
    mb = r.modbus()
    run.row(name, "CAN1", "silent while bmsd is %s (the inverter's own timeout stops it)" %
            ("hung" if hang else "dead"), "a frame at +%.0f ms" % ms(t0, c1[0]) if c1 else
            "silent", c1 is None)
    run.row(name, "Modbus", "no answer while bmsd is %s" % ("hung" if hang else "dead"),
            "answers" if mb else "no answer", mb is None)
    # bmsd back: the trip is a fault, nothing closes before a reset
    t1 = now()
    if hang:
        r.bmsd.send_signal(signal.SIGCONT)
    else:
        r.start_bmsd(wait=False)
    st = until_st(run, lambda st: st.get("link", {}).get("verified") and
                  "safety_floor_trip" in in_force(st), 10)
    b_ok, m_ok, txt = hold_check(run, t1, R_PATHS, 1.0)
    st2 = r.st()
    run.row(name, "bmsd", "%s: fault, safety_floor_trip (critical, latched), nothing closes "
            "before a reset" % ("SIGCONT" if hang else "restarted"),
            "%s; in force %s; %s" % (st2 and st2["battery"]["state"],
                                     st2 and ",".join(sorted(in_force(st2))), txt),
            st is not None and b_ok and m_ok, [ms(t1, now()) if st else None],
            "%s to the trip seen" % ("SIGCONT" if hang else "start"))
    if hang:
        # what the interfaces say right after the hang: not the limits of before it
        r.wire.sync(now() + 0.05)
        stale = r.wire.first(t1, lambda f: f[2] == 0x351 and (
            r.dbc1.decode(0x351, f[3])["ChargeCurrentLimit"] > 0 or
            r.dbc1.decode(0x351, f[3])["DischargeCurrentLimit"] > 0), side="c1")
        run.row(name, "CAN1", "after SIGCONT, while the floor is tripped: no 0x351 with a "
                "limit above 0 A (no figure from before the hang)",
                "0x351 with limits > 0 at +%.0f ms after SIGCONT" % ms(t1, stale[0]) if stale
                else "limits 0 A", stale is None)
    r.ctl("reset-faults")
    ok, t = run.baseline()
    run.row(name, "after", "held open until a reset, then connected",
            "connected after the reset" if ok else "not connected", ok, [t], "reset to connected")


def estop_latched_armed(run):
    """emergency stop pressed, the floor re-armed by a reset while it is held,
    then released: emergency_stop latched, the floor armed, relays open"""
    r = run.rig
    E = r.P["estop_di"]
    r.sim("di %d on" % E)
    # pressed now (active, not a latch left from before), every relay open
    until_st(run, lambda st: "emergency_stop" in in_force(st) and
             "emergency_stop" not in st["battery"]["latched"] and cmd_relays(st) == 0, 3)
    wait_until(lambda: r.simst()["relays"] == 0, 3)
    r.ctl("reset-faults")  # clears a floor trip (its cause is gone), not the held stop
    wait_until(lambda: r.fw()["safety"] == "armed", 3)
    r.sim("di %d off" % E)
    return until_st(run, lambda st: "emergency_stop" in st["battery"]["latched"] and
                    st["mcu"]["safety"] == "armed", 3)


def s_restart_latched(run, name):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    trials = []
    for sig in (signal.SIGKILL, signal.SIGTERM) * 3:
        if not estop_latched_armed(run):
            trials.append((sig, None, False, False, "emergency_stop not latched with the floor "
                           "armed"))
            continue
        t0 = now()
        r.stop_bmsd(sig)
        r.start_bmsd(wait=False)
        b_ok, m_ok, txt = hold_check(run, t0, R_PATHS, 2.0)
        r.wire.sync(now() + 0.03)
        hb = r.wire.first(t0 + 0.001, lambda f: True, side="d", ids=(0x50,))
        armed = r.wire.first(t0, lambda f: int.from_bytes(f[3][2:4], "little") & 1, side="m",
                             ids=(0x100,)) is None
        st = r.st()
        lat = st and "emergency_stop" in (st["battery"]["latched"] + list(in_force(st)))
        trials.append((sig, ms(t0, hb[0] if hb else None), b_ok and m_ok, armed,
                       "%s; floor %s across the restart; emergency_stop %s" % (
                           txt, "armed" if armed else "tripped (heartbeat)",
                           "held" if lat else "FORGOTTEN")))
    ok = all(t[2] for t in trials)
    obs = "; ".join("%s: %s" % ("kill -9" if t[0] == signal.SIGKILL else "SIGTERM", t[4])
                    for t in trials)
    run.row(name, "bmsd", "after each restart (kill -9, SIGTERM; 6 tries) no contactor "
            "closes without a reset; emergency_stop still latched", obs, ok,
            [t[1] for t in trials], "signal to the new bmsd's first heartbeat")
    run.row(name, "MCU", "no relay driven after any restart",
            "%d of %d restarts raced the armed floor; relays driven in %d" % (
                sum(1 for t in trials if t[3]), len(trials),
                sum(1 for t in trials if not t[2])), ok)
    r.ctl("reset-faults")
    ok, t = run.baseline()
    run.row(name, "after", "connected after a reset", "connected" if ok else "not connected", ok,
            [t], "reset to connected")


def s_restart_disconnect(run, name):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    r.ctl("disconnect")
    until_st(run, lambda st: cmd_relays(st) == 0 and st["battery"]["disconnect_requested"], 3)
    wait_until(lambda: r.simst()["relays"] == 0, 3)
    t0 = now()
    r.stop_bmsd(signal.SIGKILL)
    r.start_bmsd(wait=False)
    until_st(run, lambda st: st.get("link", {}).get("verified"), 10)
    time.sleep(0.3)
    r.ctl("reset-faults")  # a fault reset is no connect: it clears a floor trip only
    b_ok, m_ok, txt = hold_check(run, t0, R_PATHS, 1.5)
    st = r.st()
    held = st and st["battery"]["disconnect_requested"]
    run.row(name, "bmsd", "after kill -9, an immediate restart and a fault reset, the "
            "disconnect holds: no contactor closes, disconnect_requested still true",
            "%s; disconnect_requested %s" % (txt, held), b_ok and m_ok and bool(held))
    r.ctl("connect")
    r.ctl("reset-faults")
    ok, t = run.baseline()
    run.row(name, "after", "connected after bmsctl connect (and a reset)",
            "connected" if ok else "not connected", ok, [t], "connect to connected")


def s_reload_trip(run, name, estop=False):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    if estop:
        ok = estop_latched_armed(run)
        want = "emergency_stop"
    else:
        r.sim("cell 2 5 3750")
        ok = until_st(run, lambda st: "safety_floor_trip" in in_force(st), 3)
        r.sim("cell 2 5 auto")
        want = "safety_floor_trip"
        time.sleep(0.5)
    t0 = now()
    r.bmsd.send_signal(signal.SIGHUP)
    b_ok, m_ok, txt = hold_check(run, t0, R_PATHS, 1.5)
    st = r.st()
    lat = st and want in in_force(st)
    fw = r.fw()
    run.row(name, "bmsd", "after SIGHUP (same file): %s still in force, nothing closes, fault"
            % want, "%s; %s in force: %s; state %s" % (txt, want, bool(lat),
                                                       st and st["battery"]["state"]),
            bool(ok) and b_ok and bool(lat))
    run.row(name, "MCU", "relays stay open%s" % ("" if estop else ", trip CELL_HIGH latched"),
            "relays %s, trip %s" % (rl(fw["relays"]), trip_names(fw["trip"])),
            m_ok and (estop or fw["trip"] & TRIP["CELL_HIGH"]))
    r.ctl("reset-faults")
    ok, t = run.baseline()
    run.row(name, "after", "connected after a reset", "connected" if ok else "not connected", ok,
            [t], "reset to connected")


def s_reset_persist(run, name, estop=False):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    E = r.P["estop_di"]
    if estop:
        r.sim("di %d on" % E)
        ok = until_st(run, lambda st: "emergency_stop" in in_force(st), 3)
        want = "emergency_stop"
    else:
        r.sim("cell 2 5 3750")
        ok = until_st(run, lambda st: "safety_floor_trip" in in_force(st), 3)
        want = "safety_floor_trip"
    wait_until(lambda: r.simst()["relays"] == 0, 2)
    t0 = now()
    r.ctl("reset-faults")
    time.sleep(0.3)
    r.ctl("reset-faults")
    b_ok, m_ok, txt = hold_check(run, t0, R_PATHS, 1.2)
    st = r.st()
    fw = r.fw()
    still = st and want in in_force(st)
    run.row(name, "bmsd", "two resets while the cause persists: %s stays in force, nothing "
            "closes" % want, "%s; %s in force: %s" % (txt, want, bool(still)),
            bool(ok) and b_ok and bool(still))
    run.row(name, "MCU", "relays stay open%s" % ("" if estop else ", trip CELL_HIGH stays"),
            "relays %s, trip %s" % (rl(fw["relays"]), trip_names(fw["trip"])),
            m_ok and (estop or fw["trip"] & TRIP["CELL_HIGH"]))
    r.sim("di %d off" % E if estop else "cell 2 5 auto")
    r.ctl("reset-faults")
    ok, t = run.baseline()
    run.row(name, "after", "connected after the cause is gone and a reset",
            "connected" if ok else "not connected", ok, [t], "reset to connected")


def s_estop_after_reset(run, name):
    r = run.rig
    E = r.P["estop_di"]
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    r.ctl("reset-faults")
    time.sleep(0.6)
    t0 = now()
    r.sim("di %d on" % E)
    wait_until(lambda: r.simst()["relays"] == 0, 3)
    st = until_st(run, lambda st: "emergency_stop" in in_force(st), 3)
    r.wire.sync(now() + 0.03)
    oc = r.wire.first(t0, lambda f: f[3][1] & R_PATHS == 0, side="d", ids=(0x51,))
    time.sleep(0.3)
    t1 = now()
    r.sim("di %d off" % E)
    b_ok, m_ok, txt = hold_check(run, t1, R_PATHS, 1.5)
    st2 = r.st()
    lat = st2 and "emergency_stop" in st2["battery"]["latched"]
    run.row(name, "bmsd", "the stop 0.6 s after an unrelated reset latches: after its release "
            "the contactors stay open until a reset", "%s; emergency_stop latched: %s" % (
                txt, bool(lat)), bool(st) and b_ok and m_ok and bool(lat),
            [ms(t0, oc[0] if oc else None)], "DI to open command")
    r.ctl("reset-faults")
    ok, t = run.baseline()
    run.row(name, "after", "connected after a reset", "connected" if ok else "not connected", ok,
            [t], "reset to connected")


def s_start_blocked(run, name, cmd, release, mask, prot):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    r.stop_bmsd(signal.SIGTERM)
    r.kill_sim(signal.SIGKILL)
    r.start_sim()  # a fresh MCU: no trip to hold the relays open for us
    r.sim(cmd)
    time.sleep(0.3)
    t0 = now()
    r.start_bmsd(wait=False, cfg=r.cfg_slow)  # set delays of 1.5 s: the window
    b_ok, m_ok, txt = hold_check(run, t0, mask, 3.0)
    st = r.st()
    f = in_force(st)
    run.row(name, "bmsd", "%s in force (set delay 1.5 s); the blocked path %s never commanded "
            "closed, not even briefly" % (prot, rl(mask)),
            "%s; in force %s" % (txt, ",".join(sorted(f))), b_ok and prot in f)
    run.row(name, "MCU", "%s never driven" % rl(mask), "never driven" if m_ok else txt, m_ok)
    r.sim(release)
    # back to the test configuration (the restart trips the floor: reset)
    r.stop_bmsd(signal.SIGTERM)
    r.start_bmsd()
    ok, t = run.baseline()
    run.row(name, "after", "connected once the cell is back (no latch)",
            "connected" if ok else "not connected", ok, [t], "release to connected")


def s_trip_offline(run, name):
    r = run.rig
    if not run.baseline()[0]:
        return start_row_fail(run, name)
    r.sim("cell 1 3 3750")
    ok = wait_until(lambda: r.fw()["trip"] & TRIP["CELL_HIGH"], 3)
    r.sim("board 1 offline")
    ok = ok and until_st(run, lambda st: "logic-offline" in st["faults"], 5)
    r.sim("cell 1 3 auto")
    t0 = now()
    r.ctl("reset-faults")
    b_ok, m_ok, txt = hold_check(run, t0, R_PATHS, 1.2)
    fw = r.fw()
    run.row(name, "MCU", "board offline (its cell unknown): a reset does not clear CELL_HIGH; "
            "relays stay open", "trip %s, relays %s; %s" % (trip_names(fw["trip"]),
                                                            rl(fw["relays"]), txt),
            bool(ok) and m_ok and bool(fw["trip"] & TRIP["CELL_HIGH"]))
    run.row(name, "bmsd", "nothing commanded closed while the trip holds", txt, b_ok)
    r.sim("board 1 online")
    until_st(run, lambda st: "logic-offline" not in st["faults"], 5)
    time.sleep(0.5)
    t1 = now()
    r.ctl("reset-faults")
    ok, t = run.baseline()
    fw = r.fw()
    run.row(name, "after", "the board back in range and a reset: the trip clears, connected",
            "trip %s, %s" % (trip_names(fw["trip"]), "connected" if ok else "not connected"),
            ok, [ms(t1, now()) if ok else None], "reset to connected")


def special_hazards():
    return [
        ("MCU silent (link down), then up", s_link_down),
        ("MCU hung (SIGSTOP of bms-sim), then SIGCONT", s_sim_stop),
        ("MCU killed (SIGKILL of bms-sim), then restarted", s_sim_kill),
        ("bridge link cut (bmsd's link hung up), then restored", s_link_cut),
        ("bmsd killed (kill -9), restarted without latches",
         lambda run, n: s_bmsd_down(run, n, False)),
        ("bmsd hung (SIGSTOP), then SIGCONT", lambda run, n: s_bmsd_down(run, n, True)),
        ("[defect 3] emergency_stop latched: kill -9 / SIGTERM of bmsd, immediate restart",
         s_restart_latched),
        ("[defect 3] maintenance disconnect across a restart", s_restart_disconnect),
        ("reload (SIGHUP) during a floor trip", s_reload_trip),
        ("reload (SIGHUP) with emergency_stop latched",
         lambda run, n: s_reload_trip(run, n, True)),
        ("reset while the cause persists: cell 3750 mV held", s_reset_persist),
        ("reset while the cause persists: emergency stop held",
         lambda run, n: s_reset_persist(run, n, True)),
        ("[defect 2] emergency stop 0.6 s after an unrelated reset", s_estop_after_reset),
        ("[defect 4] bmsd started with a cell at 3660 mV (over-voltage 3650)",
         lambda run, n: s_start_blocked(run, n, "cell 1 3 3660", "cell 1 3 auto", R_CHARGE,
                                        "cell_over_voltage")),
        ("[defect 4] bmsd started with a cell at 2790 mV (under-voltage 2800)",
         lambda run, n: s_start_blocked(run, n, "cell 1 4 2790", "cell 1 4 auto", R_DSG,
                                        "cell_under_voltage")),
        ("[defect 4] bmsd started with a sensor at 61.0 C (discharge over-temperature 60.0)",
         lambda run, n: s_start_blocked(run, n, "temp 1 2 610", "temp 1 2 auto", R_PATHS,
                                        "discharge_over_temperature")),
        ("[defect 6] CELL_HIGH trip, then its board offline: reset", s_trip_offline),
    ]


if __name__ == "__main__":
    sys.exit(main())
