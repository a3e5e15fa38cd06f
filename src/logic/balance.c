/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "balance.h"

static unsigned int clamp_count(unsigned int v, unsigned int max)
{
	return v < 1 ? 1 : v > max ? max : v;
}

void balance_init(struct balance *b, const struct cfg_balancing *c, unsigned int boards,
		  unsigned int cells_per_board)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *c;
	b->boards = clamp_count(boards, BP_MAX_BOARDS);
	b->cells = clamp_count(cells_per_board, BP_MAX_CELLS);
	b->why = c->enable ? BAL_NO_DATA : BAL_DISABLED;
}

static bool sensor_ok(const struct bp_board_snap *bs, unsigned int i)
{
	return bs->temp_dC[i] != BP_TEMP_DC_NA && !(bs->ntc_fault & (1u << i));
}

static unsigned int ntemps(const struct bp_board_snap *bs)
{
	return bs->ntemps < BP_MAX_TEMPS ? bs->ntemps : BP_MAX_TEMPS;
}

/* The warmest valid sensor of @bs into *@t; false when it has none. */
static bool board_max_temp(const struct bp_board_snap *bs, int32_t *t)
{
	bool any = false;

	for (unsigned int i = 0; i < ntemps(bs); i++)
		if (sensor_ok(bs, i) && (!any || bs->temp_dC[i] > *t)) {
			*t = bs->temp_dC[i];
			any = true;
		}
	return any;
}

/* The board's cells are all known: it can take part, and *@min is its
 * lowest. */
static bool board_usable(const struct balance *b, const struct bp_snapshot *s, unsigned int bd,
			 uint32_t *min)
{
	const struct bp_board_snap *bs = &s->board[bd];

	if (!(s->present & (1u << bd)) || !(bs->flags & BP_BOARD_ONLINE) || bs->ncells < b->cells)
		return false;
	*min = UINT32_MAX;
	for (unsigned int i = 0; i < b->cells; i++) {
		if (bs->cell_mV[i] == BP_CELL_MV_NA)
			return false;
		if (bs->cell_mV[i] < *min)
			*min = bs->cell_mV[i];
	}
	return true;
}

static bool current_allows(const struct cfg_balancing *c, int32_t i_mA, bool valid)
{
	switch (c->when) {
	case CFG_BAL_ALWAYS:
		return true;
	case CFG_BAL_CHARGING:
		return valid && (int64_t)i_mA >= (int64_t)c->idle_current_mA;
	case CFG_BAL_CHARGING_OR_IDLE:
		return valid && (int64_t)i_mA > -(int64_t)c->idle_current_mA;
	default:
		return false;
	}
}

/* Update the temperature block of every board; returns the blocked ones. */
static uint32_t temp_blocks(struct balance *b, const struct bp_snapshot *s)
{
	bool pack_any = false, sensors = false;
	int32_t pack_max = 0, t = 0;
	uint32_t blocked = 0;
	unsigned int bd;

	for (bd = 0; bd < b->boards; bd++) {
		if (!(s->present & (1u << bd)))
			continue;
		if (ntemps(&s->board[bd]))
			sensors = true;
		if (board_max_temp(&s->board[bd], &t) && (!pack_any || t > pack_max)) {
			pack_max = t;
			pack_any = true;
		}
	}
	for (bd = 0; bd < b->boards; bd++) {
		const struct bp_board_snap *bs = &s->board[bd];
		uint32_t bit = 1u << bd;

		if (!board_max_temp(bs, &t)) {
			if (ntemps(bs) || (sensors && !pack_any)) {
				/* sensors there but none valid: no way to tell */
				blocked |= bit;
				continue;
			}
			if (!pack_any) {
				b->hot &= ~bit;
				continue;
			}
			t = pack_max;
		}
		if (t >= b->cfg.max_temp_dC)
			b->hot |= bit;
		else if ((int64_t)t < (int64_t)b->cfg.max_temp_dC - BAL_TEMP_HYST_dC)
			b->hot &= ~bit;
	}
	return blocked | b->hot;
}

/* Keep the @max highest cells of @want (lower cell number on a tie). */
static uint32_t highest(const uint16_t *mV, uint32_t want, unsigned int max)
{
	uint32_t out = 0;

	while (max-- && want) {
		unsigned int best = 0;
		bool any = false;

		for (unsigned int i = 0; i < BP_MAX_CELLS; i++)
			if ((want & (1u << i)) && (!any || mV[i] > mV[best])) {
				best = i;
				any = true;
			}
		out |= 1u << best;
		want &= ~(1u << best);
	}
	return out;
}

static void board_decide(struct balance *b, const struct bp_board_snap *bs, unsigned int bd,
			 uint32_t ref_mV)
{
	const struct cfg_balancing *c = &b->cfg;
	uint32_t want = b->want[bd];
	uint32_t stop = c->hysteresis_mV < c->threshold_mV ? c->threshold_mV - c->hysteresis_mV : 0;
	unsigned int n = 0;

	for (unsigned int i = 0; i < b->cells; i++) {
		uint32_t v = bs->cell_mV[i], bit = 1u << i;
		uint32_t above = v > ref_mV ? v - ref_mV : 0;

		if (v <= c->min_cell_mV)
			want &= ~bit;
		else if (want & bit) {
			if (above <= stop)
				want &= ~bit;
		} else if (above > c->threshold_mV) {
			want |= bit;
		}
		if (want & bit)
			n++;
	}
	b->want[bd] = want;
	if (c->max_bleed_cells && n > c->max_bleed_cells)
		want = highest(bs->cell_mV, want, c->max_bleed_cells);
	b->mask[bd] = want;
}

/* A snapshot that stopped changing is as good as none. */
static bool fresh(struct balance *b, const struct bp_snapshot *s, uint64_t now_ms)
{
	if (!s) {
		b->seen = false;
		return false;
	}
	if (!b->seen || s->cycle != b->snap_cycle || s->time_ms != b->snap_time_ms) {
		b->seen = true;
		b->snap_cycle = s->cycle;
		b->snap_time_ms = s->time_ms;
		b->changed_ms = now_ms;
		return true;
	}
	return now_ms < b->changed_ms || now_ms - b->changed_ms < b->cfg.stale_ms;
}

/* Masks for a fresh snapshot while the current allows balancing. */
static void decide(struct balance *b, const struct bp_snapshot *snap)
{
	uint32_t ref[BP_MAX_BOARDS], usable = 0, blocked, pack_min = UINT32_MAX;
	uint32_t all = b->boards >= 32 ? UINT32_MAX : (1u << b->boards) - 1;
	unsigned int bd;

	for (bd = 0; bd < b->boards; bd++)
		if (board_usable(b, snap, bd, &ref[bd])) {
			usable |= 1u << bd;
			if (ref[bd] < pack_min)
				pack_min = ref[bd];
		}
	if (b->cfg.mode == CFG_BAL_PACK) {
		if (usable != all) {
			b->why = BAL_INCOMPLETE;
			memset(b->want, 0, sizeof(b->want));
			return;
		}
		for (bd = 0; bd < b->boards; bd++)
			ref[bd] = pack_min;
	}
	blocked = temp_blocks(b, snap);
	if (!usable)
		b->why = BAL_INCOMPLETE;
	else if (!(usable & ~blocked))
		b->why = BAL_TEMP;
	for (bd = 0; bd < b->boards; bd++) {
		if (!(usable & (1u << bd)) || (blocked & (1u << bd)))
			b->want[bd] = 0;
		else
			board_decide(b, &snap->board[bd], bd, ref[bd]);
	}
}

unsigned int balance_step(struct balance *b, const struct bp_snapshot *snap, int32_t current_mA,
			  bool current_valid, uint64_t now_ms, uint32_t mask_out[BP_MAX_BOARDS])
{
	const struct cfg_balancing *c = &b->cfg;
	bool ok = fresh(b, snap, now_ms);
	unsigned int bd, count = 0;

	memset(b->mask, 0, sizeof(b->mask));
	if (!c->enable)
		b->why = BAL_DISABLED;
	else if (!ok)
		b->why = BAL_NO_DATA;
	else if (!current_allows(c, current_mA, current_valid))
		b->why = BAL_CURRENT;
	else
		b->why = BAL_RUN;
	if (b->why == BAL_RUN)
		decide(b, snap);
	else
		memset(b->want, 0, sizeof(b->want));
	for (bd = 0; bd < BP_MAX_BOARDS; bd++) {
		mask_out[bd] = b->mask[bd];
		for (uint32_t m = b->mask[bd]; m; m &= m - 1)
			count++;
	}
	return count;
}

enum balance_why balance_why(const struct balance *b)
{
	return b->why;
}

const char *balance_why_name(enum balance_why w)
{
	static const char *const names[BAL_WHY_COUNT] = {
		[BAL_RUN] = "running",
		[BAL_DISABLED] = "disabled",
		[BAL_NO_DATA] = "no data",
		[BAL_CURRENT] = "current",
		[BAL_INCOMPLETE] = "incomplete",
		[BAL_TEMP] = "temperature",
	};

	return (unsigned int)w < BAL_WHY_COUNT ? names[w] : "?";
}
