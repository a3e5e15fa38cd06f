# SPDX-License-Identifier: GPL-2.0-or-later
"""notify_capture.py SOCKET LOG: stand in for systemd's NOTIFY_SOCKET.

Binds a datagram socket at SOCKET and appends every notification to LOG, one
field per line, each prefixed with the monotonic receive time in ms:
    12345.678 READY=1
Runs until killed.
"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as out:
    while True:
        data = s.recv(65536)
        t = time.monotonic() * 1000.0
        for line in data.decode(errors="replace").splitlines():
            out.write("%.3f %s\n" % (t, line))
