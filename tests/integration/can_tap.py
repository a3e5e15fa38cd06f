# SPDX-License-Identifier: GPL-2.0-or-later
"""Sit between two slcan ttys with python-can, pass every frame across in
both directions, and record the conversation (the bridge protocol between
bmsd and bms-sim) for SECONDS.

    can_tap.py TTY_A TTY_B SECONDS OUT.json [--ready FILE]

OUT.json is can_capture.py's format, each frame with the side it came from
as a sixth field ("a" or "b")."""
import argparse
import json
import threading
import time

import can

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("seconds", type=float)
ap.add_argument("out")
ap.add_argument("--ready")
args = ap.parse_args()

bus = {"a": can.Bus(interface="slcan", channel=args.a, bitrate=1000000),
       "b": can.Bus(interface="slcan", channel=args.b, bitrate=1000000)}
frames = []
lock = threading.Lock()
t0 = time.monotonic()
stop = threading.Event()


def relay(src, dst):
    while not stop.is_set():
        m = bus[src].recv(0.05)
        if m is None:
            continue
        bus[dst].send(m)
        with lock:
            frames.append([time.monotonic(), m.arbitration_id, m.is_extended_id, m.dlc,
                           bytes(m.data).hex(), src])


threads = [threading.Thread(target=relay, args=("a", "b")),
           threading.Thread(target=relay, args=("b", "a"))]
for t in threads:
    t.start()
if args.ready:
    open(args.ready, "w").close()
time.sleep(args.seconds)
stop.set()
for t in threads:
    t.join()
for b in bus.values():
    b.shutdown()
with open(args.out, "w") as f:
    json.dump({"t0": t0, "frames": frames}, f)
