# SPDX-License-Identifier: GPL-2.0-or-later
"""The wire of the fault-injection report: can_tap.py's tap between bmsd and
bms-sim, rebuilt for live use and for a wire that is cut and restored.

    fault_tap.py --daemon LINK --mcu LINK --log FILE [--listen NAME=LINK ...] [--ready FILE]

The tap owns the wire: for each LINK it listens on a UNIX stream socket at
LINK, which the program opens as its slcan link (bmsd's `slcan:LINK` and
bms-sim's `--link slcan:LINK` connect when LINK is a socket). Every byte is
passed across unchanged, in both directions, as a wire does; a copy of each
slcan line is parsed and logged. A socket, not a pty: a pty's bytes cross a
kernel worker thread at normal priority, which a busy host delays by up to a
few hundred milliseconds, and no wire does that. --listen sockets (CAN1,
CAN2) are only read: the tap stands in for the inverter and the display, and
keeps bmsd's transmit queues drained.

SIGUSR1 cuts the daemon's side: its connection is closed and LINK removed, so
bmsd's link hangs up as when a cable is pulled; SIGUSR2 listens at LINK again
(the wire restored; bmsd connects again by name). While a side is cut, or
has no program connected, what the other side sends is lost, as on a cut
wire. A program that connects anew (bms-sim restarted) replaces the old
connection, and nothing that waited for the old one reaches it.

The log has one line per frame, written every 10 ms by a thread of its own (a
disk that stalls never holds the wire up), in can_tap.py's fields:

    <monotonic s> <side> <id hex> <ext 0|1> <dlc> <data hex>

side is "d" (sent by the daemon), "m" (sent by the MCU) or a --listen NAME;
lines "<t> <side> HUP" and "<t> <side> OPEN" record a side cut and restored.
CLOCK_MONOTONIC is shared by every process on the host, so the test compares
these times with its own."""
import argparse
import os
import select
import signal
import socket
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--daemon", required=True)
ap.add_argument("--mcu", required=True)
ap.add_argument("--listen", action="append", default=[])
ap.add_argument("--log", required=True)
ap.add_argument("--ready")
args = ap.parse_args()


class Log:
    """the log, written by a thread of its own: a write that blocks on a busy
    disk must never hold the frames up (the forwarding loop only queues)"""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1 << 16)
        self.q = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def write(self, line):
        with self.lock:
            self.q.append(line)

    def drain(self):
        with self.lock:
            q, self.q = self.q, []
        if q:
            self.f.write("".join(q))
            self.f.flush()

    def run(self):
        while not self.done.wait(0.01):
            self.drain()
        self.drain()

    def close(self):
        self.done.set()
        self.t.join()
        self.f.close()


log = Log(args.log)


class Side:
    """one end of the wire: a listening socket at LINK and the program on it"""

    def __init__(self, name, link, peer=None):
        self.name, self.link, self.peer = name, link, peer
        self.lsock = self.conn = None
        self.buf = b""
        self.out = b""

    def create(self):
        if os.path.lexists(self.link):
            os.unlink(self.link)
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(self.link)
        ls.listen(4)
        ls.setblocking(False)
        self.lsock = ls
        log.write("%.6f %s OPEN\n" % (time.monotonic(), self.name))

    def drop(self):
        """the program hung up: wait for the next one"""
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self.buf = self.out = b""

    def accept(self):
        try:
            c, _ = self.lsock.accept()
        except (BlockingIOError, InterruptedError):
            return
        self.drop()  # a new program on the wire replaces the old one
        c.setblocking(False)
        self.conn = c

    def destroy(self):
        if self.lsock is None:
            return
        if os.path.lexists(self.link):
            os.unlink(self.link)
        self.drop()
        self.lsock.close()
        self.lsock = None
        log.write("%.6f %s HUP\n" % (time.monotonic(), self.name))

    def write(self, data):
        if self.conn is None:
            return  # the wire is cut, or nobody is on it: lost
        self.out = (self.out + data)[-16384:]  # a wire holds no backlog
        self.flush()

    def flush(self):
        while self.out and self.conn is not None:
            try:
                n = self.conn.send(self.out)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.drop()  # nobody at the other end: lost
                return
            self.out = self.out[n:]


d = Side("d", args.daemon)
m = Side("m", args.mcu)
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
want_cut = None


def on_signal(sig, _):
    global stop, want_cut
    if sig == signal.SIGUSR1:
        want_cut = True
    elif sig == signal.SIGUSR2:
        want_cut = False
    else:
        stop = True


for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(sig, on_signal)

for s in sides:
    s.create()
log.drain()
if args.ready:
    open(args.ready, "w").close()
while not stop:
    if want_cut is not None:
        if want_cut:
            d.destroy()
        elif d.lsock is None:
            d.create()
        want_cut = None
    rl = [s.lsock for s in sides if s.lsock is not None]
    rl += [s.conn for s in sides if s.conn is not None]
    wl = [s.conn for s in sides if s.conn is not None and s.out]
    t_sel = time.monotonic()
    try:
        r, w, _ = select.select(rl, wl, [], 0.02)
    except InterruptedError:
        continue
    now = time.monotonic()
    if now - t_sel > 0.1:
        sys.stderr.write("fault_tap: select returned %.0f ms late\n" %
                         ((now - t_sel - 0.02) * 1000))
    for s in sides:
        if s.conn is not None and s.conn in w:
            s.flush()
    for s in sides:
        if s.lsock is not None and s.lsock in r:
            s.accept()
        if s.conn is None or s.conn not in r:
            continue
        try:
            data = s.conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            s.drop()
            continue
        if not data:
            s.drop()  # the program closed its end (bms-sim killed)
            continue
        if s.peer is not None:
            s.peer.write(data)
        parse(s, data, now)
for s in sides:
    s.destroy()
log.close()
sys.exit(0)
