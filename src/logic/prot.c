/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prot: the protection engine. */
#include <stddef.h>

#include "prot.h"

/* Where a protection reads its value. A protection missing from defs[]
 * reads as a condition: it can only be set by its own input bit. */
enum prot_src {
	SRC_COND = 0,
	SRC_CELL_MAX,
	SRC_CELL_MIN,
	SRC_PACK,
	SRC_CHG_CURRENT,
	SRC_DSG_CURRENT,
	SRC_TEMP_MAX,
	SRC_TEMP_MIN,
	SRC_SPREAD,
	SRC_HUMIDITY,
};

struct prot_def {
	uint8_t src;  /* enum prot_src */
	bool low;     /* a "low" protection; otherwise "high" */
};

static const struct prot_def defs[PROT_COUNT] = {
	[PROT_CELL_OV] = { SRC_CELL_MAX, false },
	[PROT_CELL_UV] = { SRC_CELL_MIN, true },
	[PROT_PACK_OV] = { SRC_PACK, false },
	[PROT_PACK_UV] = { SRC_PACK, true },
	[PROT_CHG_OC] = { SRC_CHG_CURRENT, false },
	[PROT_DSG_OC] = { SRC_DSG_CURRENT, false },
	[PROT_CHG_OT] = { SRC_TEMP_MAX, false },
	[PROT_CHG_UT] = { SRC_TEMP_MIN, true },
	[PROT_DSG_OT] = { SRC_TEMP_MAX, false },
	[PROT_DSG_UT] = { SRC_TEMP_MIN, true },
	[PROT_CELL_SPREAD] = { SRC_SPREAD, false },
	[PROT_HUMIDITY] = { SRC_HUMIDITY, false },
	[PROT_DEEP_DISCHARGE] = { SRC_CELL_MIN, true },
};

/* The sub-section of each protection: a missing member fails to compile. */
static const uint16_t cfg_off[PROT_COUNT] = {
#define PROT_OFF_(id, key, text) [PROT_##id] = (uint16_t)offsetof(struct cfg_protections, key),
	PROT_LIST(PROT_OFF_)
#undef PROT_OFF_
};

static const char *const keys[PROT_COUNT] = {
#define PROT_KEY_(id, key, text) [PROT_##id] = #key,
	PROT_LIST(PROT_KEY_)
#undef PROT_KEY_
};

static const char *const names[PROT_COUNT] = {
#define PROT_NAME_(id, key, text) [PROT_##id] = text,
	PROT_LIST(PROT_NAME_)
#undef PROT_NAME_
};

_Static_assert(PROT_COUNT <= 32, "protection masks are 32 bits");

static bool id_ok(enum prot_id id)
{
	return (unsigned int)id < PROT_COUNT;
}

const struct cfg_prot *prot_cfg(const struct cfg_protections *c, enum prot_id id)
{
	if (!id_ok(id))
		return NULL;
	return (const struct cfg_prot *)(const void *)((const char *)c + cfg_off[id]);
}

enum prot_kind prot_kind_of(enum prot_id id)
{
	if (!id_ok(id) || defs[id].src == SRC_COND)
		return PROT_KIND_CONDITION;
	return defs[id].low ? PROT_KIND_LOW : PROT_KIND_HIGH;
}

const char *prot_unit(enum prot_id id)
{
	if (!id_ok(id))
		return "";
	switch ((enum prot_src)defs[id].src) {
	case SRC_CELL_MAX:
	case SRC_CELL_MIN:
	case SRC_PACK:
	case SRC_SPREAD:
		return "mV";
	case SRC_CHG_CURRENT:
	case SRC_DSG_CURRENT:
		return "mA";
	case SRC_TEMP_MAX:
	case SRC_TEMP_MIN:
		return "dC";
	case SRC_HUMIDITY:
		return "dpct";
	case SRC_COND:
		break;
	}
	return "";
}

const char *prot_name(enum prot_id id)
{
	return id_ok(id) ? names[id] : "?";
}

const char *prot_key(enum prot_id id)
{
	return id_ok(id) ? keys[id] : "?";
}

const char *prot_state_name(enum prot_state s)
{
	static const char *const n[PROT_ST_COUNT] = {
		[PROT_ST_CLEAR] = "clear",       [PROT_ST_SETTING] = "setting",
		[PROT_ST_ACTIVE] = "active",     [PROT_ST_CLEARING] = "clearing",
		[PROT_ST_LATCHED] = "latched",
	};

	return (unsigned int)s < PROT_ST_COUNT ? n[s] : "?";
}

const char *prot_tier_name(enum prot_tier t)
{
	static const char *const n[PROT_TIER_COUNT] = {
		[PROT_TIER_WARNING] = "warning",
		[PROT_TIER_ALARM] = "alarm",
		[PROT_TIER_CRITICAL] = "critical",
	};

	return (unsigned int)t < PROT_TIER_COUNT ? n[t] : "?";
}

const char *prot_action_name(enum prot_action a)
{
	static const char *const n[PROT_ACT_COUNT] = {
		[PROT_ACT_REPORT] = "report",
		[PROT_ACT_DERATE] = "derate",
		[PROT_ACT_BLOCK_CHARGE] = "block-charge",
		[PROT_ACT_BLOCK_DISCHARGE] = "block-discharge",
		[PROT_ACT_OPEN_ALL] = "open-all",
	};

	return (unsigned int)a < PROT_ACT_COUNT ? n[a] : "?";
}

/* ---- accessors ---------------------------------------------------------- */

static const struct cfg_prot *pcfg(const struct prot *p, enum prot_id id)
{
	return prot_cfg(&p->cfg, id);
}

enum prot_state prot_state_of(const struct prot *p, enum prot_id id)
{
	return id_ok(id) ? (enum prot_state)p->e[id].state : PROT_ST_CLEAR;
}

/* The parser accepts only valid names; anything else is treated as the
 * most severe, so that a corrupted value never weakens a protection. */
enum prot_tier prot_tier_of(const struct prot *p, enum prot_id id)
{
	int t;

	if (!id_ok(id))
		return PROT_TIER_CRITICAL;
	t = pcfg(p, id)->tier;
	return t >= 0 && t < PROT_TIER_COUNT ? (enum prot_tier)t : PROT_TIER_CRITICAL;
}

enum prot_action prot_action_of(const struct prot *p, enum prot_id id)
{
	int a;

	if (!id_ok(id))
		return PROT_ACT_OPEN_ALL;
	a = pcfg(p, id)->action;
	return a >= 0 && a < PROT_ACT_COUNT ? (enum prot_action)a : PROT_ACT_OPEN_ALL;
}

bool prot_enabled(const struct prot *p, enum prot_id id)
{
	return id_ok(id) && pcfg(p, id)->enable;
}

bool prot_latches(const struct prot *p, enum prot_id id)
{
	if (!id_ok(id))
		return false;
	return id == PROT_DEEP_DISCHARGE || pcfg(p, id)->latch;
}

int32_t prot_value_at_set(const struct prot *p, enum prot_id id)
{
	return id_ok(id) ? p->e[id].value_set : 0;
}

int32_t prot_value(const struct prot *p, enum prot_id id)
{
	return id_ok(id) ? p->e[id].value : 0;
}

/* ---- the state machines ------------------------------------------------- */

static int32_t clamp32(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t)v;
}

/* The value of @id in @in; false when it is unknown. */
static bool input_value(enum prot_id id, const struct prot_in *in, int64_t *v)
{
	switch ((enum prot_src)defs[id].src) {
	case SRC_CELL_MAX:
		*v = in->cell_max_mV;
		return in->cells_valid;
	case SRC_CELL_MIN:
		*v = in->cell_min_mV;
		return in->cells_valid;
	case SRC_PACK:
		*v = in->pack_mV;
		return in->pack_valid;
	case SRC_CHG_CURRENT:
	case SRC_DSG_CURRENT:
		/* a saturated sensor: beyond its range, in either direction */
		if (!in->current_valid && in->current_over_range) {
			*v = PROT_OVER_RANGE;
			return true;
		}
		*v = defs[id].src == SRC_CHG_CURRENT ? in->current_mA : -(int64_t)in->current_mA;
		return in->current_valid;
	case SRC_TEMP_MAX:
		*v = in->temp_max_dC;
		return in->temps_valid;
	case SRC_TEMP_MIN:
		*v = in->temp_min_dC;
		return in->temps_valid;
	case SRC_SPREAD:
		*v = (int64_t)in->cell_max_mV - in->cell_min_mV;
		return in->cells_valid;
	case SRC_HUMIDITY:
		*v = in->humidity_dpct;
		return in->humidity_valid;
	case SRC_COND:
		break;
	}
	*v = (in->cond >> id) & 1u;
	return true;
}

static void go(struct prot *p, enum prot_id id, enum prot_state to, int32_t value,
	       uint32_t *changed)
{
	struct prot_entry *e = &p->e[id];
	enum prot_state from = (enum prot_state)e->state;

	e->state = (uint8_t)to;
	if (to == PROT_ST_ACTIVE && (from == PROT_ST_CLEAR || from == PROT_ST_SETTING))
		e->value_set = value;
	if (changed)
		*changed |= 1u << id;
	if (p->event)
		p->event(p->arg, id, from, to, value);
}

static bool elapsed(uint64_t now_ms, uint64_t since_ms, uint32_t delay_ms)
{
	/* a clock that stepped back counts as no time */
	return now_ms >= since_ms && now_ms - since_ms >= delay_ms;
}

static void step_one(struct prot *p, enum prot_id id, const struct prot_in *in, uint64_t now_ms,
		     uint32_t *changed)
{
	const struct cfg_prot *c = pcfg(p, id);
	struct prot_entry *e = &p->e[id];
	enum prot_state st = (enum prot_state)e->state;
	bool set_hit, clear_hit;
	int64_t v, set = c->set, clear = c->clear;
	int32_t v32;

	if (!c->enable) {
		if (st != PROT_ST_CLEAR)
			go(p, id, PROT_ST_CLEAR, e->value, changed);
		return;
	}
	if (!input_value(id, in, &v)) {
		e->known = false;
		if (st == PROT_ST_SETTING || st == PROT_ST_CLEARING)
			e->restart = true;
		return;
	}
	v32 = clamp32(v);
	e->known = true;
	e->value = v32;
	if (e->restart) {
		e->restart = false;
		e->since_ms = now_ms;
	}
	if (defs[id].src == SRC_HUMIDITY) {
		set *= 10;
		clear *= 10;
	}
	switch (prot_kind_of(id)) {
	case PROT_KIND_HIGH:
		set_hit = v >= set;
		clear_hit = v < clear;
		break;
	case PROT_KIND_LOW:
		set_hit = v <= set;
		clear_hit = v > clear;
		break;
	default:
		set_hit = v != 0;
		clear_hit = !set_hit;
		break;
	}

	switch (st) {
	case PROT_ST_CLEAR:
		if (!set_hit)
			break;
		if (!c->set_delay_ms) {
			go(p, id, PROT_ST_ACTIVE, v32, changed);
			break;
		}
		e->since_ms = now_ms;
		go(p, id, PROT_ST_SETTING, v32, changed);
		break;
	case PROT_ST_SETTING:
		if (!set_hit)
			go(p, id, PROT_ST_CLEAR, v32, changed);
		else if (elapsed(now_ms, e->since_ms, c->set_delay_ms))
			go(p, id, PROT_ST_ACTIVE, v32, changed);
		break;
	case PROT_ST_ACTIVE:
		if (!clear_hit)
			break;
		if (c->clear_delay_ms) {
			e->since_ms = now_ms;
			go(p, id, PROT_ST_CLEARING, v32, changed);
			break;
		}
		go(p, id, prot_latches(p, id) ? PROT_ST_LATCHED : PROT_ST_CLEAR, v32, changed);
		break;
	case PROT_ST_CLEARING:
		if (!clear_hit)
			go(p, id, PROT_ST_ACTIVE, v32, changed);
		else if (elapsed(now_ms, e->since_ms, c->clear_delay_ms))
			go(p, id, prot_latches(p, id) ? PROT_ST_LATCHED : PROT_ST_CLEAR, v32,
			   changed);
		break;
	case PROT_ST_LATCHED:
		if (set_hit)
			go(p, id, PROT_ST_ACTIVE, v32, changed);
		break;
	default:
		/* a corrupted state: the safe reading is "in force" */
		go(p, id, PROT_ST_ACTIVE, v32, changed);
		break;
	}
}

void prot_outputs(const struct prot *p, struct prot_out *out)
{
	*out = (struct prot_out){ 0 };
	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		enum prot_id id = (enum prot_id)i;
		uint32_t bit = 1u << i;

		switch ((enum prot_state)p->e[i].state) {
		case PROT_ST_SETTING:
			out->setting |= bit;
			/* not in force, but its condition is there: nothing
			 * closes onto it */
			switch (prot_action_of(p, id)) {
			case PROT_ACT_BLOCK_CHARGE:
				out->hold_charge = true;
				break;
			case PROT_ACT_BLOCK_DISCHARGE:
				out->hold_discharge = true;
				break;
			case PROT_ACT_OPEN_ALL:
				out->hold_charge = out->hold_discharge = true;
				break;
			default:
				break;
			}
			continue;
		case PROT_ST_ACTIVE:
		case PROT_ST_CLEARING:
			out->active |= bit;
			break;
		case PROT_ST_LATCHED:
			out->latched |= bit;
			break;
		default:
			continue;
		}
		out->tier[prot_tier_of(p, id)] |= bit;
		switch (prot_action_of(p, id)) {
		case PROT_ACT_DERATE:
			out->derate = true;
			break;
		case PROT_ACT_BLOCK_CHARGE:
			out->block_charge = true;
			break;
		case PROT_ACT_BLOCK_DISCHARGE:
			out->block_discharge = true;
			break;
		case PROT_ACT_OPEN_ALL:
			out->open_all = true;
			out->block_charge = true;
			out->block_discharge = true;
			if (prot_tier_of(p, id) == PROT_TIER_CRITICAL)
				out->open_now = true;
			break;
		default:
			break;
		}
	}
	out->hold_charge |= out->block_charge;
	out->hold_discharge |= out->block_discharge;
}

int prot_step(struct prot *p, const struct prot_in *in, uint64_t now_ms, struct prot_out *out)
{
	uint32_t changed = 0;
	int n = 0;

	for (unsigned int i = 0; i < PROT_COUNT; i++)
		step_one(p, (enum prot_id)i, in, now_ms, &changed);
	for (uint32_t m = changed; m; m &= m - 1)
		n++;
	if (out) {
		prot_outputs(p, out);
		out->changed = changed;
	}
	return n;
}

int prot_reset(struct prot *p, uint64_t now_ms)
{
	return prot_reset_mask(p, UINT32_MAX, now_ms);
}

int prot_reset_mask(struct prot *p, uint32_t mask, uint64_t now_ms)
{
	int n = 0;

	(void)now_ms;
	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		enum prot_id id = (enum prot_id)i;
		struct prot_entry *e = &p->e[i];

		if (e->state != PROT_ST_LATCHED || !(mask & (1u << i)))
			continue;
		/* unknown data is no proof that the condition is gone */
		if (prot_kind_of(id) != PROT_KIND_CONDITION && !e->known)
			continue;
		go(p, id, PROT_ST_CLEAR, e->value, NULL);
		n++;
	}
	return n;
}

uint32_t prot_latch_mask(const struct prot *p)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		enum prot_state st = (enum prot_state)p->e[i].state;

		if ((st == PROT_ST_ACTIVE || st == PROT_ST_CLEARING || st == PROT_ST_LATCHED) &&
		    prot_latches(p, (enum prot_id)i))
			m |= 1u << i;
	}
	return m;
}

uint32_t prot_restore_latched(struct prot *p, uint32_t mask)
{
	uint32_t done = 0;

	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		struct prot_entry *e = &p->e[i];

		if (!(mask & (1u << i)) || !pcfg(p, (enum prot_id)i)->enable)
			continue;
		e->state = PROT_ST_LATCHED;
		e->known = false;
		e->restart = false;
		done |= 1u << i;
	}
	return done;
}

void prot_init(struct prot *p, const struct cfg_protections *c, prot_event_fn event,
	       void *arg)
{
	*p = (struct prot){ .cfg = *c, .event = event, .arg = arg };
}

void prot_reconfigure(struct prot *p, const struct cfg_protections *c)
{
	p->cfg = *c;
	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		enum prot_id id = (enum prot_id)i;
		struct prot_entry *e = &p->e[i];

		if (pcfg(p, id)->enable)
			continue;
		if (e->state != PROT_ST_CLEAR)
			go(p, id, PROT_ST_CLEAR, e->value, NULL);
		e->restart = false;
	}
}

/* ---- safety floor ------------------------------------------------------- */

static bool critical(const struct cfg_protections *c, enum prot_id id)
{
	const struct cfg_prot *pc = prot_cfg(c, id);

	return pc->enable && pc->tier == PROT_TIER_CRITICAL;
}

/* The widest set threshold of the critical ones of a pair; false when
 * neither is critical. */
static bool widest(const struct cfg_protections *c, enum prot_id a, enum prot_id b, bool low,
		   int64_t *w)
{
	bool any = false;
	enum prot_id ids[2] = { a, b };

	for (unsigned int i = 0; i < 2; i++) {
		int64_t s = prot_cfg(c, ids[i])->set;

		if (!critical(c, ids[i]))
			continue;
		if (!any || (low ? s < *w : s > *w))
			*w = s;
		any = true;
	}
	return any;
}

/* A high limit: lowered toward @want, but kept above the low limit @low
 * and at least @min. */
static int64_t tighten_high(int64_t cur, int64_t want, int64_t low, int64_t min)
{
	if (want < cur)
		cur = want;
	if (cur <= low)
		cur = low + 1;
	if (cur < min)
		cur = min;
	return cur;
}

/* A low limit: raised toward @want, but kept below the high limit @high. */
static int64_t tighten_low(int64_t cur, int64_t want, int64_t high)
{
	if (want > cur)
		cur = want;
	if (cur >= high)
		cur = high - 1;
	return cur;
}

void prot_floor_limits(const struct cfg_protections *c, struct bp_config *bc)
{
	int64_t hi = bc->cell_crit_high_mV, lo = bc->cell_crit_low_mV, w;

	/* A limit that would cross the other stops short of it. From a valid
	 * pair (low < high, high >= 1000) the result only tightens. */
	if (critical(c, PROT_CELL_OV))
		hi = tighten_high(hi, (int64_t)c->cell_over_voltage.set + c->floor_margin_mV, lo,
				  1000);
	if (critical(c, PROT_CELL_UV))
		lo = tighten_low(lo, (int64_t)c->cell_under_voltage.set - c->floor_margin_mV, hi);
	if (hi >= 1000 && hi <= BP_CELL_MV_MAX && lo >= 0 && lo < hi) {
		bc->cell_crit_high_mV = (uint16_t)hi;
		bc->cell_crit_low_mV = (uint16_t)lo;
	}

	hi = bc->temp_crit_high_dC;
	lo = bc->temp_crit_low_dC;
	if (widest(c, PROT_CHG_OT, PROT_DSG_OT, false, &w))
		hi = tighten_high(hi, w + c->floor_margin_dC, lo, -500);
	if (widest(c, PROT_CHG_UT, PROT_DSG_UT, true, &w))
		lo = tighten_low(lo, w - (int64_t)c->floor_margin_dC, hi);
	if (hi >= -500 && hi <= 2000 && lo >= -500 && lo < hi) {
		bc->temp_crit_high_dC = (int16_t)hi;
		bc->temp_crit_low_dC = (int16_t)lo;
	}

	if (widest(c, PROT_CHG_OC, PROT_DSG_OC, false, &w)) {
		int64_t sc = w * (100 + (int64_t)c->floor_margin_pct) / 100;

		if (sc >= 1 && sc < bc->short_circuit_mA)
			bc->short_circuit_mA = (uint32_t)sc;
	}
}
