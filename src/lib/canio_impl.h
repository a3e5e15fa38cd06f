/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * canio internals shared by canio.c (common part, URI parsing, slcan) and
 * canio_socketcan.c. Not for other modules.
 */
#ifndef CANIO_IMPL_H
#define CANIO_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canio.h"
#include "slcan.h"

#define CANIO_RING 64           /* parsed slcan frames waiting for canio_recv */
#define CANIO_OUT_MAX 4096      /* slcan bytes waiting for the tty */
#define CANIO_FILTERS_MAX 64    /* canio_set_filters() limit */
#define CANIO_NAME_MAX 16       /* interface name incl. NUL (IFNAMSIZ) */

struct canio;

struct canio_ops {
	const char *name;
	/* @arg: the part of the URI after "backend:", never empty */
	int (*open)(struct canio *c, const char *arg, uint32_t bitrate);
	void (*close)(struct canio *c);
	int (*recv)(struct canio *c, struct canio_frame *f);
	/* @f already checked: len <= 8, id within 11 or 29 bits */
	int (*send)(struct canio *c, const struct canio_frame *f);
	/* @f/@n already checked; canio.c copies them to c->filters on success */
	int (*set_filters)(struct canio *c, const struct canio_filter *f, unsigned int n);
};

struct canio {
	const struct canio_ops *ops;
	int fd;
	enum canio_state state;
	struct canio_stats stats;
	struct canio_filter filters[CANIO_FILTERS_MAX];
	unsigned int nfilters;

	/* socketcan */
	char ifname[CANIO_NAME_MAX];

	/* slcan */
	bool sock;              /* fd is a stream socket: send() without SIGPIPE */
	int lfd;                /* slcan-listen: the listening socket, else -1 */
	int efd;                /* slcan-listen: epoll of lfd and fd (canio_fd) */
	char lpath[108];        /* slcan-listen: the socket's path, removed at close */
	struct slcan_parser parser;
	struct canio_frame ring[CANIO_RING];
	unsigned int ring_head, ring_len;
	uint8_t out[CANIO_OUT_MAX];
	size_t out_len;
};

extern const struct canio_ops canio_socketcan_ops;

#endif
