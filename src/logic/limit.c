/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "limit.h"

#define FULL_BP 10000 /* 100 % in basis points */
#define DT_MAX_MS (24ull * 3600 * 1000)

static int32_t clamp32(int64_t v, int64_t lo, int64_t hi)
{
	return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* A copy of @src with x times @xm and y (a percentage) in basis points;
 * clamped, so that a struct that did not come from the parser stays sane. */
static void scale_curve(struct cfg_curve *dst, const struct cfg_curve *src, int32_t xm)
{
	unsigned int i, n = src->n <= CURVE_MAX ? src->n : CURVE_MAX;

	memset(dst, 0, sizeof(*dst));
	dst->n = (uint8_t)n;
	for (i = 0; i < n; i++) {
		dst->x[i] = clamp32((int64_t)src->x[i] * xm, INT32_MIN, INT32_MAX);
		dst->y[i] = clamp32((int64_t)src->y[i] * 100, 0, FULL_BP);
	}
}

static void take_cfg(struct limits *l, const struct cfg_limits *c)
{
	const struct cfg_curve *cv = &c->cvl_cell_mV_vs_temp_dC;
	unsigned int i, n = cv->n <= CURVE_MAX ? cv->n : CURVE_MAX;

	l->cfg = *c;
	scale_curve(&l->ccl_temp, &c->ccl_pct_vs_temp_dC, 1);
	scale_curve(&l->ccl_cell, &c->ccl_pct_vs_cell_mV, 1);
	scale_curve(&l->ccl_soc, &c->ccl_pct_vs_soc_pct, 10);
	scale_curve(&l->dcl_temp, &c->dcl_pct_vs_temp_dC, 1);
	scale_curve(&l->dcl_cell, &c->dcl_pct_vs_cell_mV, 1);
	scale_curve(&l->dcl_soc, &c->dcl_pct_vs_soc_pct, 10);
	l->cvl_temp_lowest_mV = INT32_MAX;
	for (i = 0; i < n; i++)
		if (cv->y[i] < l->cvl_temp_lowest_mV)
			l->cvl_temp_lowest_mV = cv->y[i];
}

void limits_init(struct limits *l, const struct cfg_limits *c)
{
	memset(l, 0, sizeof(*l));
	take_cfg(l, c);
}

void limits_reconfigure(struct limits *l, const struct cfg_limits *c)
{
	take_cfg(l, c);
}

static int32_t share_bp(const struct cfg_curve *c, int32_t x)
{
	return clamp32(curve_eval(c, x), 0, FULL_BP);
}

/* The smallest share, and which input gave it; FULL_BP and LIM_BY_MAX
 * when nothing derates. */
struct pick {
	int32_t bp;
	enum limits_by by;
};

static void consider(struct pick *p, int32_t bp, enum limits_by by)
{
	if (bp < p->bp) {
		p->bp = bp;
		p->by = by;
	}
}

static uint32_t target(const struct limits *l, const struct limits_in *in, uint32_t max_mA,
		       const struct cfg_curve *temp, const struct cfg_curve *cell,
		       uint32_t cell_mV, const struct cfg_curve *soc, uint32_t no_temp_pct,
		       bool blocked, enum limits_by *by)
{
	struct pick p = { FULL_BP, LIM_BY_MAX };
	uint64_t t;

	if (blocked) {
		*by = LIM_BY_BLOCK;
		return 0;
	}
	if (!in->cell_valid) {
		*by = LIM_BY_NO_DATA;
		return 0;
	}
	if (temp->n && in->temp_valid) {
		consider(&p, share_bp(temp, in->temp_min_dC), LIM_BY_TEMP);
		consider(&p, share_bp(temp, in->temp_max_dC), LIM_BY_TEMP);
	} else if (temp->n) {
		consider(&p, clamp32((int64_t)no_temp_pct * 100, 0, FULL_BP), LIM_BY_NO_DATA);
	}
	if (cell->n)
		consider(&p, share_bp(cell, clamp32(cell_mV, 0, INT32_MAX)), LIM_BY_CELL);
	if (soc->n && in->soc_valid)
		consider(&p, share_bp(soc, clamp32(in->soc_dpct, 0, 1000)), LIM_BY_SOC);
	*by = p.by;
	t = (uint64_t)max_mA * (uint64_t)p.bp / FULL_BP;
	if (in->derate)
		t = t * (l->cfg.derate_pct <= 100 ? l->cfg.derate_pct : 100) / 100;
	return (uint32_t)t;
}

/* The budget is rate x time in mA/1000, and its remainder carries over,
 * so that a slow rate still moves when the steps are short. */
static void ramp(struct limits_ramp *r, uint32_t target_mA, bool cut, uint32_t up_mA_per_s,
		 uint32_t down_mA_per_s, uint64_t dt_ms)
{
	bool rising = target_mA > r->val_mA;
	uint32_t rate = rising ? up_mA_per_s : down_mA_per_s;
	uint32_t gap = rising ? target_mA - r->val_mA : r->val_mA - target_mA;
	uint64_t budget, step;

	if (!gap || !rate || (!rising && cut)) {
		r->val_mA = target_mA;
		r->rem = 0;
		return;
	}
	budget = (uint64_t)rate * dt_ms + r->rem;
	step = budget / 1000;
	if (step >= gap) {
		r->val_mA = target_mA;
		r->rem = 0;
		return;
	}
	r->rem = (uint32_t)(budget % 1000);
	if (rising)
		r->val_mA += (uint32_t)step;
	else
		r->val_mA -= (uint32_t)step;
}

static uint32_t pack_mV(uint32_t cell_mV, uint32_t cells)
{
	uint64_t v = (uint64_t)cell_mV * cells;

	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint32_t cvl_cell(const struct limits *l, const struct limits_in *in)
{
	const struct cfg_curve *c = &l->cfg.cvl_cell_mV_vs_temp_dC;
	int64_t v = l->cfg.cvl_cell_mV, t;

	if (!c->n)
		return (uint32_t)v;
	if (in->temp_valid) {
		t = curve_eval(c, in->temp_min_dC);
		if (t < v)
			v = t;
		t = curve_eval(c, in->temp_max_dC);
		if (t < v)
			v = t;
	} else if (l->cvl_temp_lowest_mV < v) {
		v = l->cvl_temp_lowest_mV;
	}
	return v < 0 ? 0 : (uint32_t)v;
}

void limits_step(struct limits *l, const struct limits_in *in, uint64_t now_ms,
		 struct limits_out *out)
{
	const struct cfg_limits *c = &l->cfg;
	bool cut = in->fault_cut || in->derate;
	uint64_t dt = 0;
	uint32_t cvl;

	if (l->started && now_ms > l->last_ms)
		dt = now_ms - l->last_ms;
	if (dt > DT_MAX_MS)
		dt = DT_MAX_MS;
	if (!l->started || now_ms > l->last_ms)
		l->last_ms = now_ms;
	l->started = true;

	memset(out, 0, sizeof(*out));
	out->ccl_target_mA = target(l, in, c->max_charge_mA, &l->ccl_temp, &l->ccl_cell,
				    in->cell_max_mV, &l->ccl_soc, c->ccl_no_temp_pct,
				    in->block_charge, &out->ccl_by);
	out->dcl_target_mA = target(l, in, c->max_discharge_mA, &l->dcl_temp, &l->dcl_cell,
				    in->cell_min_mV, &l->dcl_soc, c->dcl_no_temp_pct,
				    in->block_discharge, &out->dcl_by);
	out->derated = in->derate;
	ramp(&l->ccl, out->ccl_target_mA, cut || in->block_charge, c->ramp_up_mA_per_s,
	     c->ramp_down_mA_per_s, dt);
	ramp(&l->dcl, out->dcl_target_mA, cut || in->block_discharge, c->ramp_up_mA_per_s,
	     c->ramp_down_mA_per_s, dt);
	out->ccl_mA = l->ccl.val_mA;
	out->dcl_mA = l->dcl.val_mA;

	cvl = cvl_cell(l, in);
	out->cvl_mV = pack_mV(cvl, in->cells);
	out->dvl_mV = pack_mV(c->dvl_cell_mV < cvl ? c->dvl_cell_mV : cvl, in->cells);
}

const char *limits_by_name(enum limits_by by)
{
	static const char *const names[LIM_BY_COUNT] = {
		[LIM_BY_MAX] = "max",
		[LIM_BY_TEMP] = "temperature",
		[LIM_BY_CELL] = "cell voltage",
		[LIM_BY_SOC] = "soc",
		[LIM_BY_NO_DATA] = "no data",
		[LIM_BY_BLOCK] = "block",
	};

	return (unsigned int)by < LIM_BY_COUNT ? names[by] : "?";
}
