#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""slcan_peer.py TTY [N]: an independent slcan host (python-can) facing
canio-echo. Sends N frames of varied identifiers, lengths and kinds, keeps a
few in flight, and checks that each comes back in order with its identifier
plus one and the same data. Exits 0 when all N did."""
import sys

import can

WINDOW = 8


def frame(i):
    ext = i % 4 == 1
    rtr = i % 23 == 5
    dlc = i % 9
    if ext:
        ident = (i * 2654435761) & 0x1FFFFFFF
    else:
        ident = (i * 37) & 0x7FF
    # the edges: the lowest and highest identifiers, which wrap on echo
    if i == 10:
        ident, ext = 0x7FF, False
    elif i == 11:
        ident, ext = 0x1FFFFFFF, True
    elif i == 12:
        ident, ext = 0, False
    elif i == 13:
        ident, ext = 0, True
    data = b"" if rtr else bytes((i * 7 + k * 31) & 0xFF for k in range(dlc))
    return can.Message(arbitration_id=ident, is_extended_id=ext,
                       is_remote_frame=rtr, dlc=dlc, data=data)


def expect(msg):
    mask = 0x1FFFFFFF if msg.is_extended_id else 0x7FF
    return ((msg.arbitration_id + 1) & mask, msg.is_extended_id,
            msg.is_remote_frame, msg.dlc, bytes(msg.data))


def got(msg):
    return (msg.arbitration_id, msg.is_extended_id, msg.is_remote_frame,
            msg.dlc, bytes(msg.data))


def main():
    tty = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    sent = [frame(i) for i in range(n)]
    assert any(m.dlc == 0 and not m.is_remote_frame for m in sent)
    assert any(m.dlc == 8 and not m.is_remote_frame for m in sent)
    assert any(m.is_extended_id for m in sent)

    bus = can.Bus(interface="slcan", channel=tty, bitrate=1000000,
                  sleep_after_open=0)
    ok = 1
    try:
        nsent = nrecv = 0
        while nrecv < n:
            while nsent < n and nsent - nrecv < WINDOW:
                bus.send(sent[nsent])
                nsent += 1
            msg = bus.recv(timeout=5.0)
            if msg is None:
                print(f"slcan_peer: no echo for frame {nrecv} "
                      f"after 5 s", file=sys.stderr)
                return 1
            want = expect(sent[nrecv])
            if got(msg) != want:
                print(f"slcan_peer: frame {nrecv}: got {got(msg)} "
                      f"want {want}", file=sys.stderr)
                return 1
            nrecv += 1
        ok = 0
    finally:
        bus.shutdown()
    print(f"slcan_peer: {n} echoes checked")
    return ok


if __name__ == "__main__":
    sys.exit(main())
