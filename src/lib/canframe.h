/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * canframe.h: one classic CAN frame, as canio moves it and slcan codes it.
 */
#ifndef CANFRAME_H
#define CANFRAME_H

#include <stdbool.h>
#include <stdint.h>

struct canio_frame {
	uint32_t id;    /* 11- or 29-bit */
	bool ext;       /* 29-bit identifier */
	bool rtr;
	uint8_t len;    /* 0..8 */
	uint8_t data[8];
};

#endif
