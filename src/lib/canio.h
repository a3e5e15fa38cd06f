/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * canio: one small interface to a CAN link, with two backends.
 *
 *   socketcan:IFACE  CAN_RAW socket, kernel filters, error frames, drop
 *                    counting (SO_RXQ_OVFL), bus-off recovery (libsocketcan)
 *   slcan:TTY        the Lawicel ASCII protocol on a tty or pty, or on a
 *                    UNIX stream socket that slcan-listen made
 *   slcan-listen:PATH  slcan on a UNIX stream socket created at PATH, one
 *                    peer at a time (bms-sim's end of a simulated wire)
 *
 * Every call is non-blocking. The caller polls canio_fd() for EPOLLIN.
 */
#ifndef CANIO_H
#define CANIO_H

#include <stdbool.h>
#include <stdint.h>

#include "canframe.h"

struct canio;


struct canio_filter {
	uint32_t id, mask; /* standard identifiers only */
};

struct canio_stats {
	uint64_t rx_frames, tx_frames;
	uint64_t rx_dropped;    /* kernel queue overflow (SO_RXQ_OVFL) */
	uint64_t tx_dropped;    /* ENOBUFS / EAGAIN / full output buffer */
	uint64_t rx_malformed;  /* slcan lines that did not parse */
	uint64_t bus_errors;    /* error frames */
	uint64_t bus_off;       /* bus-off events */
	uint64_t restarts;      /* recoveries attempted */
};

enum canio_state {
	CANIO_UP = 0,
	CANIO_ERROR_PASSIVE,
	CANIO_BUS_OFF,
};

/* Open a link named by @uri ("socketcan:can0", "slcan:/dev/ttyACM0").
 * @bitrate is applied where the backend can (0: leave as is).
 * Returns 0 and sets *@out, or a negative errno. */
int canio_open(const char *uri, uint32_t bitrate, struct canio **out);

void canio_close(struct canio *c);

/* Pass only frames matching one of @n filters (n == 0: everything). */
int canio_set_filters(struct canio *c, const struct canio_filter *f, unsigned int n);

/* Descriptor to wait on for EPOLLIN. */
int canio_fd(const struct canio *c);

/* Receive one frame. Returns 1 with @f filled, 0 when nothing is pending,
 * or a negative errno on a hard error (link gone). Error frames and
 * malformed input are counted, never returned. */
int canio_recv(struct canio *c, struct canio_frame *f);

/* Send one frame. Returns 0, -EAGAIN/-ENOBUFS when the queue is full (the
 * frame is dropped and counted), or another negative errno. */
int canio_send(struct canio *c, const struct canio_frame *f);

enum canio_state canio_state(const struct canio *c);

const struct canio_stats *canio_stats(const struct canio *c);

/* Backend name: "socketcan" or "slcan". */
const char *canio_backend(const struct canio *c);

#endif
