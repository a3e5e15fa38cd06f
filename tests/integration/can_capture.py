# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture CAN frames with python-can on an slcan tty (a peer that we did not
write), optionally playing an inverter's keep-alive, and write them as JSON.

    can_capture.py CHANNEL SECONDS OUT.json [--ready FILE]
                   [--keepalive FROM:UNTIL] [--bitrate BPS]

--ready FILE is created once the channel is open. --keepalive FROM:UNTIL
sends 0x305 (8 bytes) every 200 ms between FROM and UNTIL seconds after the
start. OUT.json: {"t0": monotonic start, "frames": [[t, id, ext, dlc,
"hex"], ...]} with t in monotonic seconds."""
import argparse
import json
import time

import can

ap = argparse.ArgumentParser()
ap.add_argument("channel")
ap.add_argument("seconds", type=float)
ap.add_argument("out")
ap.add_argument("--ready")
ap.add_argument("--keepalive")
ap.add_argument("--bitrate", type=int, default=500000)
a = ap.parse_args()

bus = can.Bus(interface="slcan", channel=a.channel, bitrate=a.bitrate)
t0 = time.monotonic()
if a.ready:
    open(a.ready, "w").close()
ka_from, ka_until = (float(x) for x in a.keepalive.split(":")) if a.keepalive else (0, -1)
next_ka = t0 + ka_from
frames = []
sent = 0
while True:
    now = time.monotonic()
    if now - t0 >= a.seconds:
        break
    if ka_from <= now - t0 < ka_until and now >= next_ka:
        bus.send(can.Message(arbitration_id=0x305, is_extended_id=False,
                             data=bytes([sent & 0xFF, 0, 0, 0, 0, 0, 0, 0])))
        sent += 1
        next_ka = now + 0.2
    m = bus.recv(0.02)
    if m is not None:
        frames.append([time.monotonic(), m.arbitration_id, m.is_extended_id, m.dlc,
                       bytes(m.data).hex()])
bus.shutdown()
with open(a.out, "w") as f:
    json.dump({"t0": t0, "keepalives_sent": sent, "frames": frames}, f)
