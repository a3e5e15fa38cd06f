/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap_m805: SunSpec model 805 (lithium-ion module) in the SunSpec chain,
 * one per Logic board, with one repeating group per cell: its points, and
 * how each is filled from the board's part of the view.
 *
 * Pure: no I/O, no clock, no allocation.
 */
#ifndef MBMAP_M805_H
#define MBMAP_M805_H

#include <stdint.h>

#include "mbmap_point.h"
#include "view.h"

/* Length of model 805 (L: registers after ID and L) for @cells cells. */
#define MBMAP_L805_FIXED 42u
#define MBMAP_L805_CELL 4u
#define MBMAP_L805(cells) (MBMAP_L805_FIXED + MBMAP_L805_CELL * (cells))

/* The fixed part, and the repeating group of one cell. */
extern const struct mbmap_table mbmap_model805, mbmap_model805_cell;

/* Write model 805 of Logic board @board (from 0) with @cells cells (at most
 * VIEW_CELLS) from @v at @d, for mbmap_build(). Returns the register after
 * it. */
uint16_t *mbmap_m805_build(uint16_t *d, const struct view *v, unsigned int board,
			   unsigned int cells);

#endif /* MBMAP_M805_H */
