# SPDX-License-Identifier: GPL-2.0-or-later
"""The wire of the fault-injection report: can_tap.py's tap between bmsd and
bms-sim, rebuilt for live use and for a wire that is cut and restored.

    fault_tap.py --bridge TTY_D TTY_M --log FILE [--listen NAME=TTY ...] [--ready FILE]

TTY_D is the daemon's side of the bridge link, TTY_M the MCU's (bms-sim's).
Every byte is passed across unchanged, in both directions, as a wire does (no
re-encoding: what arrives is what was sent, at most one read later); a copy
of each slcan line is parsed and logged. --listen ttys (CAN1, CAN2) are only
read: the tap stands in for the inverter and the display, and keeps bmsd's
transmit queues drained.

A side that hangs up (its socat killed: the pty pair is gone) is closed and
opened again by path every 20 ms, so a test can cut the link by killing the
socat of a pair and restore it by starting a new one on the same names;
while a side is gone, what the other side sends is lost, as on a cut wire.

The log has one line per frame, flushed as it goes, in can_tap.py's fields:

    <monotonic s> <side> <id hex> <ext 0|1> <dlc> <data hex>

side is "d" (sent by the daemon), "m" (sent by the MCU) or a --listen NAME;
lines "<t> <side> HUP" and "<t> <side> OPEN" record a side that went and
came back. CLOCK_MONOTONIC is shared by every process on the host, so the
test compares these times with its own."""
import argparse
import errno
import os
import select
import signal
import sys
import termios
import time
import tty

ap = argparse.ArgumentParser()
ap.add_argument("--bridge", nargs=2, metavar=("TTY_D", "TTY_M"), required=True)
ap.add_argument("--listen", action="append", default=[])
ap.add_argument("--log", required=True)
ap.add_argument("--ready")
args = ap.parse_args()

log = open(args.log, "a", buffering=1 << 16)


class Side:
    def __init__(self, name, path, peer=None):
        self.name, self.path, self.peer = name, path, peer
        self.fd = None
        self.buf = b""
        self.out = b""
        self.next_try = 0.0

    def open(self, now):
        if self.fd is not None or now < self.next_try:
            return
        self.next_try = now + 0.02
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            tty.setraw(fd)
            a = termios.tcgetattr(fd)
            a[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSANOW, a)
        except termios.error:
            pass
        self.fd, self.buf, self.out = fd, b"", b""
        log.write("%.6f %s OPEN\n" % (now, self.name))

    def close(self, now):
        if self.fd is None:
            return
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.fd = None
        self.buf = self.out = b""
        self.next_try = now + 0.02
        log.write("%.6f %s HUP\n" % (now, self.name))

    def write(self, data, now):
        if self.fd is None:
            return  # the wire is cut: lost
        self.out += data
        self.flush(now)

    def flush(self, now):
        while self.out and self.fd is not None:
            try:
                n = os.write(self.fd, self.out)
            except BlockingIOError:
                return
            except OSError:
                self.close(now)
                return
            self.out = self.out[n:]


sides = {}
d = Side("d", args.bridge[0])
m = Side("m", args.bridge[1])
d.peer, m.peer = m, d
sides = [d, m]
for spec in args.listen:
    name, path = spec.split("=", 1)
    sides.append(Side(name, path))


def parse(side, data, t):
    side.buf += data
    while True:
        cut = min([i for i in (side.buf.find(b"\r"), side.buf.find(b"\n")) if i >= 0],
                  default=-1)
        if cut < 0:
            if len(side.buf) > 4096:
                side.buf = b""
            return
        line, side.buf = side.buf[:cut], side.buf[cut + 1:]
        if not line or line[:1] not in (b"t", b"T"):
            continue
        try:
            ext = line[:1] == b"T"
            n = 8 if ext else 3
            fid = int(line[1:1 + n], 16)
            dlc = int(line[1 + n:2 + n], 16)
            data_hex = line[2 + n:2 + n + 2 * dlc].decode("ascii")
            bytes.fromhex(data_hex)
        except ValueError:
            continue
        log.write("%.6f %s %x %d %d %s\n" % (t, side.name, fid, int(ext), dlc, data_hex))


stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)

ready_done = False
last_flush = 0.0
while not stop:
    now = time.monotonic()
    for s in sides:
        s.open(now)
    if not ready_done and all(s.fd is not None for s in sides):
        log.flush()
        if args.ready:
            open(args.ready, "w").close()
        ready_done = True
    rl = [s.fd for s in sides if s.fd is not None]
    wl = [s.fd for s in sides if s.fd is not None and s.out]
    try:
        r, w, _ = select.select(rl, wl, [], 0.02)
    except InterruptedError:
        continue
    now = time.monotonic()
    for s in sides:
        if s.fd is not None and s.fd in w:
            s.flush(now)
    for s in sides:
        if s.fd is None or s.fd not in r:
            continue
        try:
            data = os.read(s.fd, 65536)
        except BlockingIOError:
            continue
        except OSError as e:
            if e.errno in (errno.EIO, errno.EBADF, errno.ENXIO):
                s.close(now)
                continue
            raise
        if not data:
            s.close(now)
            continue
        if s.peer is not None:
            s.peer.write(data, now)
        parse(s, data, now)
    if now - last_flush >= 0.01:
        log.flush()
        last_flush = now
log.flush()
sys.exit(0)
