#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""stm32boot_emu: the STM32F405's system bootloader, as seen on its USART.

An independent peer for the firmware update path: it speaks the serial
bootloader protocol that ST documents in application note AN3155 (0x7F to
start, ACK 0x79 / NACK 0x1F, each command byte followed by its complement,
addresses and data closed by an XOR checksum) over a tty, in front of a
model of the device's memory: 1 MiB of flash in the F405's sectors (4 x 16
KiB, 64 KiB, 7 x 128 KiB) that only an erase sets back to 0xFF and a write
can only clear bits of, and 128 KiB of SRAM.

Commands: Get, Get Version, Get ID (0x413), Read Memory, Go, Write Memory,
Extended Erase (sectors, or the whole flash), and the protection commands
as no-ops. On SIGTERM or SIGINT it writes the flash to --dump and exits.
"""
import argparse
import signal
import sys
import time

import serial

ACK, NACK, INIT = 0x79, 0x1F, 0x7F
FLASH_BASE, FLASH_SIZE = 0x08000000, 1024 * 1024
SRAM_BASE, SRAM_SIZE = 0x20000000, 128 * 1024
SECTORS = [16 * 1024] * 4 + [64 * 1024] + [128 * 1024] * 7
BOOTLOADER_VERSION = 0x31
PID = 0x0413
COMMANDS = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92]


class Stop(Exception):
    pass


class Device:
    def __init__(self, log):
        self.flash = bytearray(b"\xff" * FLASH_SIZE)
        self.sram = bytearray(SRAM_SIZE)
        self.log = log
        self.erased = []
        self.written = 0

    def region(self, addr, n):
        """(buffer, offset) holding [addr, addr + n), or (None, 0)."""
        if FLASH_BASE <= addr and addr + n <= FLASH_BASE + FLASH_SIZE:
            return self.flash, addr - FLASH_BASE
        if SRAM_BASE <= addr and addr + n <= SRAM_BASE + SRAM_SIZE:
            return self.sram, addr - SRAM_BASE
        return None, 0

    def sector_range(self, s):
        start = sum(SECTORS[:s])
        return start, start + SECTORS[s]

    def erase(self, sectors):
        for s in sectors:
            a, b = self.sector_range(s)
            self.flash[a:b] = b"\xff" * (b - a)
            self.erased.append(s)
        self.log("erase sectors %s" % sectors)

    def write(self, addr, data):
        buf, off = self.region(addr, len(data))
        if buf is None:
            return False
        if buf is self.flash:
            # flash programming clears bits; anything else needs an erase
            for i, b in enumerate(data):
                if buf[off + i] & b != b:
                    self.log("write to 0x%08x: not erased at +%d" % (addr, i))
                    return False
            if addr & 3:
                return False
        buf[off:off + len(data)] = data
        self.written += len(data)
        return True


class Link:
    def __init__(self, port, stop):
        self.port = port
        self.stop = stop

    def get(self, n=1, timeout=2.0):
        out = bytearray()
        end = time.monotonic() + timeout
        while len(out) < n:
            if self.stop():
                raise Stop()
            chunk = self.port.read(n - len(out))
            if chunk:
                out += chunk
                end = time.monotonic() + timeout
            elif time.monotonic() > end:
                raise TimeoutError()
        return bytes(out)

    def put(self, *data):
        for d in data:
            self.port.write(bytes([d]) if isinstance(d, int) else bytes(d))
        self.port.flush()


def xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


def get_address(link):
    """Four address bytes, MSB first, and their XOR: the address or None."""
    d = link.get(5)
    return int.from_bytes(d[:4], "big") if xor(d[:4]) == d[4] else None


def serve(link, dev, log):
    # until the host's 0x7F, the bootloader is measuring the baud rate
    while link.get(1, timeout=3600)[0] != INIT:
        pass
    link.put(ACK)
    log("started")
    while True:
        c = link.get(1, timeout=3600)[0]
        if c == INIT:
            # a host that timed out on our ACK starts again: ignored as a
            # command, which is what the device does with a lone byte
            link.put(NACK)
            continue
        if link.get(1)[0] != c ^ 0xFF:
            link.put(NACK)
            continue
        if c not in COMMANDS:
            link.put(NACK)
            continue
        link.put(ACK)
        if c == 0x00:
            link.put(len(COMMANDS), BOOTLOADER_VERSION, COMMANDS, ACK)
        elif c == 0x01:
            link.put(BOOTLOADER_VERSION, 0, 0, ACK)
        elif c == 0x02:
            link.put(1, PID >> 8, PID & 0xFF, ACK)
        elif c == 0x11:
            addr = get_address(link)
            if addr is None:
                link.put(NACK)
                continue
            link.put(ACK)
            n, nc = link.get(2)
            buf, off = dev.region(addr, n + 1)
            if n ^ nc != 0xFF or buf is None:
                link.put(NACK)
                continue
            link.put(ACK, buf[off:off + n + 1])
        elif c == 0x21:
            addr = get_address(link)
            if addr is None or dev.region(addr, 4)[0] is None:
                link.put(NACK)
                continue
            link.put(ACK)
            log("go 0x%08x" % addr)
        elif c == 0x31:
            addr = get_address(link)
            if addr is None:
                link.put(NACK)
                continue
            link.put(ACK)
            n = link.get(1)[0]
            data = link.get(n + 1)
            cs = link.get(1)[0]
            if xor(bytes([n]) + data) != cs or not dev.write(addr, data):
                link.put(NACK)
                continue
            link.put(ACK)
        elif c == 0x44:
            hdr = link.get(2)
            n = int.from_bytes(hdr, "big")
            if n >= 0xFFF0:
                if link.get(1)[0] != hdr[0] ^ hdr[1] or n not in (0xFFFF, 0xFFFE, 0xFFFD):
                    link.put(NACK)
                    continue
                dev.erase(range(len(SECTORS)))
                link.put(ACK)
                continue
            pages = link.get(2 * (n + 1))
            cs = link.get(1)[0]
            sectors = [int.from_bytes(pages[i:i + 2], "big") for i in range(0, len(pages), 2)]
            if xor(hdr + pages) != cs or any(s >= len(SECTORS) for s in sectors):
                link.put(NACK)
                continue
            dev.erase(sectors)
            link.put(ACK)
        else:
            # write/read protection: nothing to protect in the model
            link.put(ACK)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tty", required=True)
    ap.add_argument("--dump", required=True, help="file to receive the flash at exit")
    ap.add_argument("--preload", help="flash content before the session (an older image)")
    ap.add_argument("--ready", help="file to create once the tty is open")
    ap.add_argument("--log", help="file for the command log")
    a = ap.parse_args()

    logf = open(a.log, "w") if a.log else sys.stderr

    def log(msg):
        print("stm32boot_emu: %s" % msg, file=logf, flush=True)

    dev = Device(log)
    if a.preload:
        with open(a.preload, "rb") as f:
            data = f.read()
        dev.flash[:len(data)] = data
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    # 8E1 on a UART; a pseudo-terminal carries no parity, so none is asked for
    port = serial.Serial(a.tty, 115200, timeout=0.1)
    if a.ready:
        open(a.ready, "w").close()
    link = Link(port, lambda: bool(stop))
    try:
        while True:
            try:
                serve(link, dev, log)
            except TimeoutError:
                log("host went quiet mid-command; waiting for a new session")
    except Stop:
        pass
    with open(a.dump, "wb") as f:
        f.write(dev.flash)
    log("stopped: %d bytes written, sectors erased %s" % (dev.written, sorted(set(dev.erased))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
