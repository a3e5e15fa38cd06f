/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pmodel.h"

#include <errno.h>
#include <string.h>

void pmodel_init(struct pmodel *pm)
{
	memset(pm, 0, sizeof(*pm));
	bp_asm_init(&pm->as);
	pmodel_summarize(&pm->snap, PMODEL_NA_U8, &pm->sum);
}

static void mark(struct pmodel *pm, enum pmodel_item it, uint64_t now_ms)
{
	struct pmodel_meta *m = &pm->meta[it];

	m->validity = PM_VALID;
	m->at_ms = now_ms;
	m->count++;
}

static void take_charge(struct pmodel *pm, struct bp_charge *dst, const struct bp_charge *c,
			enum pmodel_item it, uint64_t now_ms)
{
	/* the counters only ever rise; a fall means the MCU started over */
	if (pm->meta[it].validity != PM_UNKNOWN && c->mAs < dst->mAs)
		pm->charge_falls++;
	*dst = *c;
	mark(pm, it, now_ms);
}

static void commit(struct pmodel *pm, uint64_t now_ms)
{
	uint8_t configured = PMODEL_NA_U8;

	if (pm->meta[PM_LOGIC].validity != PM_UNKNOWN)
		configured = pm->logic.boards;
	pm->gen++;
	pmodel_summarize(&pm->snap, configured, &pm->sum);
	pm->sum.gen = pm->gen;
	pm->sum.at_ms = now_ms;
	mark(pm, PM_SNAPSHOT, now_ms);
}

int pmodel_feed(struct pmodel *pm, const struct bp_msg *m, uint64_t now_ms)
{
	switch (m->type) {
	case BP_T_CELLS:
	case BP_T_TEMPS:
	case BP_T_BSTATUS:
	case BP_T_CYCLE_END:
		/* bp_asm writes the committed snapshot only on a complete
		 * cycle, so pm->snap never holds part of one */
		if (bp_asm_feed(&pm->as, m, &pm->snap) != 1)
			return 0;
		commit(pm, now_ms);
		return 1;
	case BP_T_STATUS:
		pm->status = m->u.status;
		mark(pm, PM_STATUS, now_ms);
		return 0;
	case BP_T_CURRENT:
		pm->current = m->u.cur;
		mark(pm, PM_CURRENT, now_ms);
		return 0;
	case BP_T_CHARGE_IN:
		take_charge(pm, &pm->charge_in, &m->u.chg, PM_CHARGE_IN, now_ms);
		return 0;
	case BP_T_CHARGE_OUT:
		take_charge(pm, &pm->charge_out, &m->u.chg, PM_CHARGE_OUT, now_ms);
		return 0;
	case BP_T_IO:
		pm->io = m->u.io;
		mark(pm, PM_IO, now_ms);
		return 0;
	case BP_T_EXT:
		pm->ext = m->u.ext;
		mark(pm, PM_EXT, now_ms);
		return 0;
	case BP_T_LOGIC:
		pm->logic = m->u.logic;
		mark(pm, PM_LOGIC, now_ms);
		return 0;
	case BP_T_CAL:
		pm->cal = m->u.cal;
		mark(pm, PM_CAL, now_ms);
		return 0;
	case BP_T_VERSION:
		pm->version = m->u.ver;
		mark(pm, PM_VERSION, now_ms);
		return 0;
	default:
		return -EINVAL;
	}
}

void pmodel_reset(struct pmodel *pm)
{
	uint32_t committed = pm->as.committed, discarded = pm->as.discarded;

	for (unsigned int i = 0; i < PM_ITEMS; i++)
		if (pm->meta[i].validity == PM_VALID)
			pm->meta[i].validity = PM_STALE;
	/* A cycle's frames from before the gap must not meet the rest of
	 * it after the gap: drop the staging area, keep the counts. */
	bp_asm_init(&pm->as);
	pm->as.committed = committed;
	pm->as.discarded = discarded;
	pm->resets++;
}

const struct pmodel_meta *pmodel_meta(const struct pmodel *pm, enum pmodel_item it)
{
	static const struct pmodel_meta unknown;

	if ((unsigned int)it >= PM_ITEMS)
		return &unknown;
	return &pm->meta[it];
}

bool pmodel_valid(const struct pmodel *pm, enum pmodel_item it)
{
	return (unsigned int)it < PM_ITEMS && pm->meta[it].validity == PM_VALID;
}

uint64_t pmodel_age_ms(const struct pmodel *pm, enum pmodel_item it, uint64_t now_ms)
{
	const struct pmodel_meta *m = pmodel_meta(pm, it);

	if (m->validity == PM_UNKNOWN)
		return UINT64_MAX;
	return now_ms > m->at_ms ? now_ms - m->at_ms : 0;
}

const struct bp_status *pmodel_status(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_STATUS) ? &pm->status : NULL;
}

const struct bp_current *pmodel_current(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_CURRENT) ? &pm->current : NULL;
}

const struct bp_charge *pmodel_charge_in(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_CHARGE_IN) ? &pm->charge_in : NULL;
}

const struct bp_charge *pmodel_charge_out(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_CHARGE_OUT) ? &pm->charge_out : NULL;
}

const struct bp_io *pmodel_io(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_IO) ? &pm->io : NULL;
}

const struct bp_ext *pmodel_ext(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_EXT) ? &pm->ext : NULL;
}

const struct bp_logic *pmodel_logic(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_LOGIC) ? &pm->logic : NULL;
}

const struct bp_cal *pmodel_cal(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_CAL) ? &pm->cal : NULL;
}

const struct bp_version *pmodel_version(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_VERSION) ? &pm->version : NULL;
}

const struct bp_snapshot *pmodel_snapshot(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_SNAPSHOT) ? &pm->snap : NULL;
}

const struct pmodel_summary *pmodel_summary(const struct pmodel *pm)
{
	return pmodel_valid(pm, PM_SNAPSHOT) ? &pm->sum : NULL;
}

uint64_t pmodel_gen(const struct pmodel *pm)
{
	return pm->gen;
}

void pmodel_get_stats(const struct pmodel *pm, struct pmodel_stats *st)
{
	st->committed = pm->as.committed;
	st->discarded = pm->as.discarded;
	st->resets = pm->resets;
	st->charge_falls = pm->charge_falls;
}

const char *pmodel_item_name(enum pmodel_item it)
{
	static const char *const names[PM_ITEMS] = {
		[PM_STATUS] = "status",
		[PM_CURRENT] = "current",
		[PM_CHARGE_IN] = "charge_in",
		[PM_CHARGE_OUT] = "charge_out",
		[PM_IO] = "io",
		[PM_EXT] = "ext",
		[PM_LOGIC] = "logic",
		[PM_CAL] = "cal",
		[PM_VERSION] = "version",
		[PM_SNAPSHOT] = "snapshot",
	};

	return (unsigned int)it < PM_ITEMS ? names[it] : "?";
}

const char *pmodel_validity_name(enum pmodel_validity v)
{
	switch (v) {
	case PM_UNKNOWN:
		return "unknown";
	case PM_VALID:
		return "valid";
	case PM_STALE:
		return "stale";
	}
	return "?";
}

static unsigned int popcount8(uint8_t v)
{
	unsigned int n = 0;

	for (; v; v &= (uint8_t)(v - 1u))
		n++;
	return n;
}

void pmodel_summarize(const struct bp_snapshot *s, uint8_t boards_configured,
		      struct pmodel_summary *out)
{
	struct pmodel_summary r = { 0 };
	uint16_t vmin = UINT16_MAX, vmax = 0;
	int16_t tmin = INT16_MAX, tmax = INT16_MIN;
	struct pmodel_loc none = { PMODEL_NA_U8, PMODEL_NA_U8 };

	r.cycle = s->cycle;
	r.mcu_time_ms = s->time_ms;
	r.boards_configured = boards_configured;
	r.present_mask = s->present;
	r.cell_min_at = r.cell_max_at = r.temp_min_at = r.temp_max_at = none;

	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		const struct bp_board_snap *bs = &s->board[b];
		unsigned int nc = bs->ncells, nt = bs->ntemps;
		uint32_t bit = 1u << b;
		uint8_t faults;

		if (!(s->present & bit))
			continue;
		r.boards_present++;
		if (bs->flags & BP_BOARD_ONLINE) {
			r.boards_online++;
			r.online_mask |= bit;
		}
		if (bs->flags & BP_BOARD_FRESH) {
			r.boards_fresh++;
			r.fresh_mask |= bit;
		}
		if (bs->flags & BP_BOARD_BALANCING) {
			r.boards_balancing++;
			r.balancing_mask |= bit;
		}
		if (nc > BP_MAX_CELLS)
			nc = BP_MAX_CELLS;
		if (nt > BP_MAX_TEMPS)
			nt = BP_MAX_TEMPS;
		r.cells = (uint16_t)(r.cells + nc);
		for (unsigned int c = 0; c < nc; c++) {
			uint16_t v = bs->cell_mV[c];

			if (v == BP_CELL_MV_NA)
				continue;
			r.cells_valid++;
			r.pack_mV += v;
			if (v < vmin) {
				vmin = v;
				r.cell_min_at = (struct pmodel_loc){ (uint8_t)b, (uint8_t)c };
			}
			if (v > vmax || r.cell_max_at.board == PMODEL_NA_U8) {
				vmax = v;
				r.cell_max_at = (struct pmodel_loc){ (uint8_t)b, (uint8_t)c };
			}
		}
		r.temps = (uint16_t)(r.temps + nt);
		faults = nt < 8 ? (uint8_t)(bs->ntc_fault & ((1u << nt) - 1u)) : bs->ntc_fault;
		if (faults) {
			r.sensor_faults = (uint16_t)(r.sensor_faults + popcount8(faults));
			r.fault_mask |= bit;
		}
		for (unsigned int t = 0; t < nt; t++) {
			int16_t v = bs->temp_dC[t];

			if (v == BP_TEMP_DC_NA || (faults & (1u << t)))
				continue;
			r.temps_valid++;
			if (v < tmin) {
				tmin = v;
				r.temp_min_at = (struct pmodel_loc){ (uint8_t)b, (uint8_t)t };
			}
			if (v > tmax || r.temp_max_at.board == PMODEL_NA_U8) {
				tmax = v;
				r.temp_max_at = (struct pmodel_loc){ (uint8_t)b, (uint8_t)t };
			}
		}
	}
	r.cells_na = (uint16_t)(r.cells - r.cells_valid);
	if (r.cells_valid) {
		r.cell_min_mV = vmin;
		r.cell_max_mV = vmax;
		r.cell_spread_mV = (uint16_t)(vmax - vmin);
		r.cell_mean_mV = (uint16_t)((r.pack_mV + r.cells_valid / 2u) / r.cells_valid);
	} else {
		r.cell_min_mV = r.cell_max_mV = r.cell_mean_mV = r.cell_spread_mV = BP_CELL_MV_NA;
	}
	if (r.temps_valid) {
		r.temp_min_dC = tmin;
		r.temp_max_dC = tmax;
	} else {
		r.temp_min_dC = r.temp_max_dC = BP_TEMP_DC_NA;
	}
	*out = r;
}
