/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slcan: the Lawicel (CAN-USB ASCII) line protocol, pure parsing and
 * formatting. No I/O: canio's slcan backend and the tests drive it.
 *
 * Frame lines: tIIIL<data>  TIIIIIIIIL<data>  rIIIL  RIIIIIIIIL, each ended
 * by '\r'. Commands a host sends to an adapter: O C L Sn sxxyy V N F Z M m
 * X; each gets '\r' (or '\a' when refused).
 */
#ifndef SLCAN_H
#define SLCAN_H

#include <stddef.h>
#include <stdint.h>

#include "canframe.h"

#define SLCAN_LINE_MAX 32 /* longest valid line: T + 8 + 1 + 16 + ts(4) + CR */

enum slcan_kind {
	SLCAN_FRAME = 1,   /* a CAN frame: see .frame */
	SLCAN_CMD,         /* a command to acknowledge: see .cmd, .arg */
	SLCAN_ACK,         /* a bare '\r' or 'z'/'Z' transmit acknowledgement */
};

struct slcan_item {
	enum slcan_kind kind;
	struct canio_frame frame;
	char cmd;       /* 'O', 'C', 'S', 'V', ... */
	uint32_t arg;   /* S: bitrate index; others 0 */
};

struct slcan_parser {
	char line[SLCAN_LINE_MAX];
	size_t len;
	int overlong;           /* discarding until the next CR */
	uint64_t malformed;     /* lines rejected */
};

void slcan_parser_init(struct slcan_parser *p);

/* Feed @n bytes. For each complete line, @cb is called with the item and
 * @arg; malformed lines are counted and skipped. Returns the number of
 * items delivered. */
int slcan_feed(struct slcan_parser *p, const uint8_t *buf, size_t n,
	       void (*cb)(const struct slcan_item *it, void *arg), void *arg);

/* Format @f as a line ending in '\r' into @buf (>= SLCAN_LINE_MAX bytes).
 * Returns its length, or -EINVAL for an impossible frame. */
int slcan_format(const struct canio_frame *f, char *buf, size_t cap);

/* Bitrate of an "Sn" index (0..8), or 0 for an invalid index. */
uint32_t slcan_bitrate(uint32_t index);

#endif
