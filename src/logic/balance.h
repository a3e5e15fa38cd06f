/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * balance: which cells bleed. One bleed mask per Logic board (bit n = cell
 * n + 1), computed from the committed cell snapshot.
 *
 * A cell is compared with a reference: the lowest cell of the whole pack
 * (mode pack) or of its own board (mode board). It starts bleeding when it
 * is more than threshold_mV above the reference and stops when it is no
 * more than threshold_mV - hysteresis_mV above it; in between it keeps its
 * state. A cell at or below min_cell_mV never bleeds. With
 * max_bleed_cells set, only that many of a board's candidates bleed, the
 * highest voltages first (the lower cell number on a tie).
 *
 * Nothing bleeds:
 *   - when balancing is disabled, without a snapshot (NULL: the pack model
 *     has none that is VALID), or when the snapshot has not changed for
 *     stale_ms;
 *   - unless the current allows it (when: charging, charging-or-idle; an
 *     unknown current allows only "always");
 *   - on a board that is not present and online in the snapshot, that
 *     reports fewer cells than configured, or that has a cell without a
 *     reading: its cells are not known, so neither is its minimum; in mode
 *     pack, any such board stops the whole pack, since the pack minimum is
 *     then unknown;
 *   - on a board at or above max_temp_dC: its warmest valid sensor, or the
 *     pack's warmest for a board without a sensor of its own. It bleeds
 *     again once that is below max_temp_dC - BAL_TEMP_HYST_dC. A board
 *     whose sensors have all failed is blocked; when no board reports a
 *     sensor at all, there is no temperature block.
 * A blocked cell forgets its state: it starts again from threshold_mV.
 *
 * The masks go to the boards through link_set_balance(), once per board
 * on every step; the link sends only the ones that changed.
 *
 * Pure: time is an argument; nothing here logs or allocates.
 */
#ifndef BALANCE_H
#define BALANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "limits_cfg.h"
#include "proto/bp.h"

/* Hysteresis of the temperature block. */
#define BAL_TEMP_HYST_dC 20

/* Why nothing bleeds (the first reason that applies), or BAL_RUN. */
enum balance_why {
	BAL_RUN = 0,      /* running: cells bleed when they are above threshold */
	BAL_DISABLED,     /* balancing.enable is false */
	BAL_NO_DATA,      /* no snapshot, or a stale one */
	BAL_CURRENT,      /* the current does not allow it, or is unknown */
	BAL_INCOMPLETE,   /* mode pack: a board or a cell is missing; mode board:
			   * no board has all its cells */
	BAL_TEMP,         /* every board is blocked by temperature */
	BAL_WHY_COUNT
};

struct balance {
	struct cfg_balancing cfg;
	unsigned int boards, cells;     /* configured: boards, cells per board */
	uint32_t want[BP_MAX_BOARDS];   /* hysteresis state, bit n = cell n + 1 */
	uint32_t mask[BP_MAX_BOARDS];   /* the last output */
	uint32_t hot;                   /* bit n = board n blocked by temperature */
	enum balance_why why;
	/* staleness: the snapshot's identity and when it last changed */
	bool seen;
	uint8_t snap_cycle;
	uint64_t snap_time_ms, changed_ms;
};

/* Nothing bleeds. @boards (1..32) and @cells_per_board (1..24) are the
 * configured pack; larger values are clamped. */
void balance_init(struct balance *b, const struct cfg_balancing *c, unsigned int boards,
		  unsigned int cells_per_board);

/* Decide the masks for @snap (NULL: no valid snapshot) with the pack
 * current @current_mA (+ = charging; @current_valid false: unknown) at
 * @now_ms. Fills @mask_out for every board (0 beyond the configured ones)
 * and returns how many cells bleed. Call it on every tick, not only when a
 * snapshot arrives, so that a stale snapshot is noticed. */
unsigned int balance_step(struct balance *b, const struct bp_snapshot *snap, int32_t current_mA,
			  bool current_valid, uint64_t now_ms, uint32_t mask_out[BP_MAX_BOARDS]);

/* The reason of the last step. */
enum balance_why balance_why(const struct balance *b);

/* "running", "disabled", "no data", "current", "incomplete", "temperature";
 * "?" out of range. */
const char *balance_why_name(enum balance_why w);

#endif /* BALANCE_H */
