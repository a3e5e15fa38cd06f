/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap_vendor: the vendor block of the Modbus map, the whole view
 * (protections, relays, discrete I/O, limits, counters, per-board detail)
 * and the control registers: its points, and how each is filled from the
 * view.
 *
 * Pure: no I/O, no clock, no allocation.
 */
#ifndef MBMAP_VENDOR_H
#define MBMAP_VENDOR_H

#include <stdbool.h>
#include <stdint.h>

#include "mbmap_point.h"
#include "view.h"

/* The vendor block: fixed part, then VIEW_BOARDS blocks of board detail. */
#define MBMAP_VENDOR_BOARDS 512u      /* offset of board 1's detail */
#define MBMAP_VENDOR_BOARD_STRIDE 24u
#define MBMAP_VENDOR_LEN (MBMAP_VENDOR_BOARDS + VIEW_BOARDS * MBMAP_VENDOR_BOARD_STRIDE)
#define MBMAP_VENDOR_PROTS 32u        /* room in the protection arrays */
#define MBMAP_VENDOR_VERSION 1u

/* The fixed part, and the detail of one board. */
extern const struct mbmap_table mbmap_vendor, mbmap_vendor_board;

/* Names of the values of enum view_state, for the documentation. */
const char *mbmap_state_name(unsigned int s);

/* Write the whole block (MBMAP_VENDOR_LEN registers) from @v at @vd, for
 * mbmap_build(); @disconnect: the Operation request in force;
 * @write_enable: the setup allows control writes. */
void mbmap_vendor_build(uint16_t *vd, const struct view *v, bool disconnect, bool write_enable);

#endif /* MBMAP_VENDOR_H */
