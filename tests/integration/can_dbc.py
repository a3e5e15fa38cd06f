# SPDX-License-Identifier: GPL-2.0-or-later
"""A small, strict reader of DBC files, written for the tests from the DBC
format itself (it shares no code with can_dbcgen.py). It accepts the
statements that bmsd's files use and refuses anything else, checks every
message and signal, and decodes and encodes frames.

    db = Dbc(path)          # raises DbcError with file:line on any fault
    db.decode(id, data)     # {signal: physical value}
    db.encode(id, values)   # bytes
"""
import re

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
RE_BO = re.compile(r"^BO_ (\d+) (%s): (\d+) (%s)$" % (NAME, NAME))
RE_SG = re.compile(
    r'^ SG_ (%s) : (\d+)\|(\d+)@([01])([+-]) \((%s),(%s)\) \[(%s)\|(%s)\] "([^"]*)" (%s(?:,%s)*)$'
    % (NAME, NUMBER, NUMBER, NUMBER, NUMBER, NAME, NAME))
RE_CM = re.compile(r'^CM_ (?:(BO_) (\d+) |(SG_) (\d+) (%s) )?"((?:[^"\\]|\\.)*)";$' % NAME)
RE_BA_DEF = re.compile(r'^BA_DEF_ (BO_ |SG_ |BU_ )?"(%s)" (INT|FLOAT|STRING|ENUM)(.*);$' % NAME)
RE_BA_DEF_DEF = re.compile(r'^BA_DEF_DEF_ "(%s)" (.+);$' % NAME)
RE_BA = re.compile(r'^BA_ "(%s)" (?:BO_ (\d+) )?(%s|"[^"]*");$' % (NAME, NUMBER))
RE_VAL = re.compile(r"^VAL_ (\d+) (%s)((?: %s \"[^\"]*\")+) ;$" % (NAME, NUMBER))
RE_VAL_ITEM = re.compile(r'(%s) "([^"]*)"' % NUMBER)


class DbcError(Exception):
    pass


class Signal:
    def __init__(self, name, start, length, little, signed, scale, offset, lo, hi, unit, recv):
        self.name, self.start, self.length = name, start, length
        self.little, self.signed = little, signed
        self.scale, self.offset, self.lo, self.hi = scale, offset, lo, hi
        self.unit, self.receivers = unit, recv
        self.values = {}
        self.comment = None

    def bits(self):
        """Frame bit positions (byte * 8 + bit), least significant first."""
        if self.little:
            return [self.start + i for i in range(self.length)]
        # big-endian (Motorola): start is the MSB, counting down a byte's bits
        out, pos = [], self.start
        for _ in range(self.length):
            out.append(pos)
            pos = pos + 15 if pos % 8 == 0 else pos - 1
        return list(reversed(out))

    def raw_range(self):
        if self.signed:
            return -(1 << (self.length - 1)), (1 << (self.length - 1)) - 1
        return 0, (1 << self.length) - 1


class Message:
    def __init__(self, mid, name, dlc, sender):
        self.id, self.name, self.dlc, self.sender = mid, name, dlc, sender
        self.signals = []
        self.cycle_ms = None
        self.comment = None

    def signal(self, name):
        for s in self.signals:
            if s.name == name:
                return s
        raise KeyError(name)


class Dbc:
    def __init__(self, path):
        self.path = path
        self.messages = {}
        self.nodes = []
        self.comment = None
        self.attr_defs = {}
        self._parse(open(path, encoding="ascii").read().split("\n"))
        self._check()

    def _fail(self, line, what):
        raise DbcError("%s:%d: %s" % (self.path, line, what))

    def _parse(self, lines):
        cur = None
        seen = set()
        i = 0
        while i < len(lines):
            n, ln = i + 1, lines[i]
            i += 1
            if ln == "":
                cur = None
                continue
            if ln.startswith(" SG_ "):
                if cur is None:
                    self._fail(n, "signal outside a message")
                m = RE_SG.match(ln)
                if not m:
                    self._fail(n, "malformed signal: %r" % ln)
                g = m.groups()
                s = Signal(g[0], int(g[1]), int(g[2]), g[3] == "1", g[4] == "-", float(g[5]),
                           float(g[6]), float(g[7]), float(g[8]), g[9], g[10].split(","))
                if any(x.name == s.name for x in cur.signals):
                    self._fail(n, "signal %s twice in %s" % (s.name, cur.name))
                cur.signals.append(s)
                continue
            cur = None
            word = ln.split(" ", 1)[0].rstrip(":")
            if word in ("VERSION", "NS_", "BS_", "BU_") and word in seen:
                self._fail(n, "%s twice" % word)
            if word == "VERSION":
                if not re.match(r'^VERSION "[^"]*"$', ln):
                    self._fail(n, "malformed VERSION")
            elif word == "NS_":
                if ln != "NS_ :":
                    self._fail(n, "malformed NS_")
                while i < len(lines) and lines[i].startswith("\t"):
                    if not re.match(r"^\t[A-Z_]+$", lines[i]):
                        self._fail(i + 1, "malformed NS_ entry")
                    i += 1
            elif word == "BS_":
                if ln != "BS_:":
                    self._fail(n, "malformed BS_")
            elif word == "BU_":
                m = re.match(r"^BU_:((?: %s)*)$" % NAME, ln)
                if not m:
                    self._fail(n, "malformed BU_")
                self.nodes = m.group(1).split()
            elif word == "BO_":
                m = RE_BO.match(ln)
                if not m:
                    self._fail(n, "malformed message: %r" % ln)
                mid, name, dlc, sender = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
                if mid in self.messages:
                    self._fail(n, "identifier %d twice" % mid)
                if any(x.name == name for x in self.messages.values()):
                    self._fail(n, "message name %s twice" % name)
                cur = self.messages[mid] = Message(mid, name, dlc, sender)
                cur.line = n
            elif word == "CM_":
                m = RE_CM.match(ln)
                if not m:
                    self._fail(n, "malformed comment")
                text = m.group(6)
                if m.group(1):
                    self._msg(n, int(m.group(2))).comment = text
                elif m.group(3):
                    self._sig(n, int(m.group(4)), m.group(5)).comment = text
                else:
                    self.comment = text
            elif word == "BA_DEF_":
                m = RE_BA_DEF.match(ln)
                if not m:
                    self._fail(n, "malformed attribute definition")
                self.attr_defs[m.group(2)] = (m.group(1) or "").strip()
            elif word == "BA_DEF_DEF_":
                m = RE_BA_DEF_DEF.match(ln)
                if not m or m.group(1) not in self.attr_defs:
                    self._fail(n, "attribute default without a definition")
            elif word == "BA_":
                m = RE_BA.match(ln)
                if not m or m.group(1) not in self.attr_defs:
                    self._fail(n, "malformed or undefined attribute")
                if m.group(1) == "GenMsgCycleTime":
                    if not m.group(2):
                        self._fail(n, "GenMsgCycleTime without a message")
                    msg = self._msg(n, int(m.group(2)))
                    if msg.cycle_ms is not None:
                        self._fail(n, "cycle time of %s twice" % msg.name)
                    msg.cycle_ms = int(m.group(3))
            elif word == "VAL_":
                m = RE_VAL.match(ln)
                if not m:
                    self._fail(n, "malformed value table")
                s = self._sig(n, int(m.group(1)), m.group(2))
                lo, hi = s.raw_range()
                for v, text in RE_VAL_ITEM.findall(m.group(3)):
                    if int(v) < lo or int(v) > hi:
                        self._fail(n, "value %s of %s outside its raw range" % (v, s.name))
                    s.values[int(v)] = text
            else:
                self._fail(n, "unknown statement %r" % word)
            seen.add(word)
        for w in ("VERSION", "NS_", "BS_", "BU_"):
            if w not in seen:
                self._fail(len(lines), "no %s" % w)

    def _msg(self, line, mid):
        if mid not in self.messages:
            self._fail(line, "no message %d" % mid)
        return self.messages[mid]

    def _sig(self, line, mid, name):
        try:
            return self._msg(line, mid).signal(name)
        except KeyError:
            self._fail(line, "no signal %s in message %d" % (name, mid))

    def _check(self):
        for m in self.messages.values():
            where = "%s (0x%03X)" % (m.name, m.id)
            if m.id > 0x7FF:
                self._fail(m.line, "%s: not a standard identifier" % where)
            if not 0 <= m.dlc <= 8:
                self._fail(m.line, "%s: DLC %d" % (where, m.dlc))
            if m.sender not in self.nodes:
                self._fail(m.line, "%s: sender %s is not a node" % (where, m.sender))
            if m.cycle_ms is None:
                self._fail(m.line, "%s: no GenMsgCycleTime" % where)
            if not m.signals:
                self._fail(m.line, "%s: no signals" % where)
            used = {}
            for s in m.signals:
                if not 1 <= s.length <= 64:
                    self._fail(m.line, "%s.%s: length %d" % (where, s.name, s.length))
                for b in s.bits():
                    if b < 0 or b >= 8 * m.dlc:
                        self._fail(m.line, "%s.%s: bit %d beyond DLC %d" % (where, s.name, b,
                                                                              m.dlc))
                    if b in used:
                        self._fail(m.line, "%s.%s overlaps %s at bit %d" % (where, s.name,
                                                                             used[b], b))
                    used[b] = s.name
                for r in s.receivers:
                    if r not in self.nodes or r == m.sender:
                        self._fail(m.line, "%s.%s: receiver %s" % (where, s.name, r))
                if s.scale == 0:
                    self._fail(m.line, "%s.%s: scale 0" % (where, s.name))
                rlo, rhi = s.raw_range()
                plo = min(rlo * s.scale + s.offset, rhi * s.scale + s.offset)
                phi = max(rlo * s.scale + s.offset, rhi * s.scale + s.offset)
                tol = abs(s.scale) * 1e-6 + 1e-9 * max(abs(plo), abs(phi))
                if s.lo > s.hi or s.lo < plo - tol or s.hi > phi + tol:
                    self._fail(m.line, "%s.%s: range [%g|%g] outside what the raw field "
                               "holds [%g|%g]" % (where, s.name, s.lo, s.hi, plo, phi))

    def by_name(self, name):
        for m in self.messages.values():
            if m.name == name:
                return m
        raise KeyError(name)

    def raw(self, mid, data):
        """{signal: raw integer}; the frame must be as long as the DLC."""
        m = self.messages[mid]
        if len(data) != m.dlc:
            raise DbcError("%s: frame 0x%03X has %d bytes, the DBC says %d" % (
                self.path, mid, len(data), m.dlc))
        word = int.from_bytes(bytes(data), "little")
        out = {}
        for s in m.signals:
            v = 0
            for i, b in enumerate(s.bits()):
                v |= ((word >> b) & 1) << i
            if s.signed and v & (1 << (s.length - 1)):
                v -= 1 << s.length
            out[s.name] = v
        return out

    def decode(self, mid, data):
        """{signal: physical value}"""
        m = self.messages[mid]
        return {name: v * m.signal(name).scale + m.signal(name).offset
                for name, v in self.raw(mid, data).items()}

    def text(self, mid, data):
        """{signal: its value table's text} for the signals whose raw value
        has one ("not available", "armed", ...)"""
        m = self.messages[mid]
        return {name: m.signal(name).values[v] for name, v in self.raw(mid, data).items()
                if v in m.signal(name).values}

    def encode(self, mid, values):
        """bytes of the DLC, every signal from @values (physical), others 0."""
        m = self.messages[mid]
        word = 0
        for s in m.signals:
            v = values.get(s.name, 0)
            r = int(round((v - s.offset) / s.scale))
            lo, hi = s.raw_range()
            if r < lo or r > hi:
                raise DbcError("%s.%s: %r does not fit" % (m.name, s.name, v))
            r &= (1 << s.length) - 1
            for i, b in enumerate(s.bits()):
                word |= ((r >> i) & 1) << b
        return word.to_bytes(8, "little")[:m.dlc]
