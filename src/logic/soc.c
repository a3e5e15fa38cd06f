/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "soc.h"

#define MS_PER_S 1000ull
#define MAS_PER_MAH 3600
#define PPM_PER_PCT 10000
#define MAS_PER_DCYC(mAh) ((uint64_t)(mAh) * 36u) /* 0.01 x capacity, in mAs */
#define UJ_PER_MJ 1000u
#define MJ_PER_WH 3600000u
#define FULL_CLEAR_PPM 990000u        /* "full" ends below 99 % */
#define SOH_MIN_PCT 50
#define SOH_MAX_PCT 150

/* ---- OCV tables --------------------------------------------------------- */

/* Table @c at @ppm, in uV: linear between points, held beyond the ends. */
static int64_t tab_uV(const struct cfg_curve *c, uint32_t ppm)
{
	int64_t x = ppm, x0, x1;
	unsigned int i;

	if (!c->n)
		return 0;
	if (x <= (int64_t)c->x[0] * PPM_PER_PCT)
		return (int64_t)c->y[0] * 1000;
	if (x >= (int64_t)c->x[c->n - 1] * PPM_PER_PCT)
		return (int64_t)c->y[c->n - 1] * 1000;
	for (i = 1; i < c->n && x > (int64_t)c->x[i] * PPM_PER_PCT; i++)
		;
	x0 = (int64_t)c->x[i - 1] * PPM_PER_PCT;
	x1 = (int64_t)c->x[i] * PPM_PER_PCT;
	return (int64_t)c->y[i - 1] * 1000 +
	       ((int64_t)c->y[i] - c->y[i - 1]) * 1000 * (x - x0) / (x1 - x0);
}

int32_t soc_ocv_uV(const struct soc *s, uint32_t soc_ppm, int16_t temp_dC)
{
	const struct cfg_soc_ocv *lo, *hi = NULL;
	int64_t a, b;
	unsigned int i;

	if (soc_ppm > SOC_PPM)
		soc_ppm = SOC_PPM;
	lo = &s->cfg.ocv[s->tab[0]];
	if (s->ntab == 1 || temp_dC <= lo->temp_dC)
		return (int32_t)tab_uV(&lo->mV_vs_soc_pct, soc_ppm);
	for (i = 1; i < s->ntab; i++) {
		hi = &s->cfg.ocv[s->tab[i]];
		if (temp_dC <= hi->temp_dC)
			break;
		lo = hi;
	}
	if (i == s->ntab)
		return (int32_t)tab_uV(&lo->mV_vs_soc_pct, soc_ppm);
	/* between two tables: weight by temperature */
	a = tab_uV(&lo->mV_vs_soc_pct, soc_ppm);
	b = tab_uV(&hi->mV_vs_soc_pct, soc_ppm);
	return (int32_t)(a + (b - a) * (temp_dC - lo->temp_dC) / (hi->temp_dC - lo->temp_dC));
}

void soc_ocv_lookup(const struct soc *s, uint16_t cell_mV, int16_t temp_dC, uint32_t *ppm,
		    uint32_t *slope_uV_per_pct)
{
	int64_t v = (int64_t)cell_mV * 1000, dv;
	uint32_t lo = 0, hi = SOC_PPM, a, b;

	/* The blend of tables that all rise with SOC rises too: bisect for the
	 * highest SOC whose OCV is not above the cell voltage. */
	if (v <= soc_ocv_uV(s, 0, temp_dC)) {
		hi = 0;
	} else if (v >= soc_ocv_uV(s, SOC_PPM, temp_dC)) {
		lo = SOC_PPM;
		hi = SOC_PPM;
	} else {
		while (hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (soc_ocv_uV(s, mid, temp_dC) <= v)
				lo = mid;
			else
				hi = mid;
		}
		/* the nearer of the two */
		if (soc_ocv_uV(s, hi, temp_dC) - v >= v - soc_ocv_uV(s, lo, temp_dC))
			hi = lo;
	}
	*ppm = hi;
	/* slope over +-1 %, one-sided at the ends */
	a = hi >= PPM_PER_PCT ? hi - PPM_PER_PCT : 0;
	b = hi <= SOC_PPM - PPM_PER_PCT ? hi + PPM_PER_PCT : SOC_PPM;
	dv = (int64_t)soc_ocv_uV(s, b, temp_dC) - soc_ocv_uV(s, a, temp_dC);
	*slope_uV_per_pct = (uint32_t)(dv * PPM_PER_PCT / (int64_t)(b - a));
}

/* ---- configuration and figures ----------------------------------------- */

static uint32_t nominal_mAh(const struct soc *s)
{
	return s->cfg.capacity_mAh;
}

static uint32_t ppm_of(const struct soc *s)
{
	if (!s->known || s->cap_mAs <= 0)
		return 0;
	return (uint32_t)((s->q_mAs * (int64_t)SOC_PPM + s->cap_mAs / 2) / s->cap_mAs);
}

static uint16_t dpct_of_ppm(uint32_t ppm)
{
	return (uint16_t)((ppm + 500) / 1000);
}

static void set_ppm(struct soc *s, uint32_t ppm)
{
	s->q_mAs = ((int64_t)ppm * s->cap_mAs + SOC_PPM / 2) / SOC_PPM;
	s->known = true;
	if (ppm < FULL_CLEAR_PPM)
		s->full = false;
}

/* The capacity in use changes: SOC keeps its percentage. */
static void set_capacity(struct soc *s)
{
	uint32_t mAh = s->life.capacity_meas_mAh ? s->life.capacity_meas_mAh : nominal_mAh(s);
	uint32_t ppm = ppm_of(s);
	int64_t cap = (int64_t)mAh * MAS_PER_MAH;

	if (cap == s->cap_mAs)
		return;
	s->cap_mAs = cap;
	if (s->known)
		set_ppm(s, ppm);
}

static void forget_soh(struct soc *s)
{
	s->life.capacity_meas_mAh = 0;
	s->life.soh_dpct = 1000;
	s->life.soh_n = 0;
	memset(s->life.soh_hist_mAh, 0, sizeof(s->life.soh_hist_mAh));
}

static void sort_tables(struct soc *s)
{
	s->ntab = 0;
	for (unsigned int i = 0; i < SOC_OCV_TABLES; i++) {
		unsigned int j;

		if (i && !s->cfg.ocv[i].configured)
			continue;
		if (s->cfg.ocv[i].mV_vs_soc_pct.n < 1)
			continue;
		j = s->ntab++;
		while (j && s->cfg.ocv[s->tab[j - 1]].temp_dC > s->cfg.ocv[i].temp_dC) {
			s->tab[j] = s->tab[j - 1];
			j--;
		}
		s->tab[j] = (uint8_t)i;
	}
	if (!s->ntab) {
		/* cfg_parse never lets this through: keep ocv1, even empty */
		s->ntab = 1;
		s->tab[0] = 0;
	}
}

void soc_reconfigure(struct soc *s, const struct cfg_soc *c)
{
	bool cap_changed = s->cfg.capacity_mAh != c->capacity_mAh;

	s->cfg = *c;
	sort_tables(s);
	if (cap_changed && s->life.nominal_mAh != c->capacity_mAh)
		forget_soh(s);
	s->life.nominal_mAh = c->capacity_mAh;
	set_capacity(s);
}

static bool restored_ok(const struct soc_persist *p)
{
	if (p->soc_ppm > SOC_PPM || p->soh_n > SOC_SOH_AVG)
		return false;
	if (p->temp_min_dC != BP_TEMP_DC_NA && p->temp_max_dC != BP_TEMP_DC_NA &&
	    p->temp_min_dC > p->temp_max_dC)
		return false;
	return true;
}

static bool meas_plausible(uint32_t mAh, uint32_t nominal)
{
	return (uint64_t)mAh * 100 >= (uint64_t)nominal * SOH_MIN_PCT &&
	       (uint64_t)mAh * 100 <= (uint64_t)nominal * SOH_MAX_PCT;
}

static uint16_t soh_of(uint32_t meas_mAh, uint32_t nominal)
{
	uint64_t d;

	if (!nominal)
		return 1000;
	d = ((uint64_t)meas_mAh * 1000 + nominal / 2) / nominal;

	return (uint16_t)(d > 1000 ? 1000 : d);
}

int soc_init(struct soc *s, const struct cfg_soc *c, const struct soc_persist *restored)
{
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->cfg = *c;
	sort_tables(s);
	s->life.temp_min_dC = BP_TEMP_DC_NA;
	s->life.temp_max_dC = BP_TEMP_DC_NA;
	forget_soh(s);
	if (restored && !restored_ok(restored))
		rc = -EINVAL;
	if (restored && !rc) {
		s->life = *restored;
		if (restored->nominal_mAh != c->capacity_mAh ||
		    (s->life.capacity_meas_mAh &&
		     !meas_plausible(s->life.capacity_meas_mAh, c->capacity_mAh)))
			forget_soh(s);
		if (s->life.capacity_meas_mAh)
			s->life.soh_dpct = soh_of(s->life.capacity_meas_mAh, c->capacity_mAh);
		else
			forget_soh(s);
		s->restored_pending = true;
	}
	s->life.nominal_mAh = c->capacity_mAh;
	set_capacity(s);
	if (restored && !rc && restored->soc_valid)
		set_ppm(s, restored->soc_ppm);
	soc_persist_get(s, &s->saved);
	return rc;
}

/* ---- persistence -------------------------------------------------------- */

void soc_persist_get(const struct soc *s, struct soc_persist *p)
{
	*p = s->life;
	p->soc_valid = s->known;
	p->soc_ppm = ppm_of(s);
}

static bool persist_equal(const struct soc_persist *a, const struct soc_persist *b)
{
	if (a->soc_valid != b->soc_valid || a->soc_ppm != b->soc_ppm ||
	    a->nominal_mAh != b->nominal_mAh || a->capacity_meas_mAh != b->capacity_meas_mAh ||
	    a->soh_dpct != b->soh_dpct || a->soh_n != b->soh_n ||
	    a->charge_in_mAs != b->charge_in_mAs || a->charge_out_mAs != b->charge_out_mAs ||
	    a->energy_in_mJ != b->energy_in_mJ || a->energy_out_mJ != b->energy_out_mJ ||
	    a->cycles_dcyc != b->cycles_dcyc || a->cycle_rem_mAs != b->cycle_rem_mAs ||
	    a->temp_min_dC != b->temp_min_dC || a->temp_max_dC != b->temp_max_dC ||
	    a->syncs != b->syncs || a->last_sync_wall_s != b->last_sync_wall_s)
		return false;
	for (unsigned int i = 0; i < SOC_SOH_AVG; i++)
		if (a->soh_hist_mAh[i] != b->soh_hist_mAh[i])
			return false;
	for (unsigned int i = 0; i < SOC_RELAYS; i++)
		if (a->contactor_cycles[i] != b->contactor_cycles[i])
			return false;
	return true;
}

void soc_counters(const struct soc *s, struct view_counters *out)
{
	const struct soc_persist *l = &s->life;

	memset(out, 0, sizeof(*out));
	out->full_cycles_dcyc = l->cycles_dcyc;
	out->charge_in_mAh = l->charge_in_mAs / MAS_PER_MAH;
	out->charge_out_mAh = l->charge_out_mAs / MAS_PER_MAH;
	out->energy_in_Wh = l->energy_in_mJ / MJ_PER_WH;
	out->energy_out_Wh = l->energy_out_mJ / MJ_PER_WH;
	for (unsigned int i = 0; i < SOC_RELAYS; i++)
		out->contactor_cycles[i] = l->contactor_cycles[i];
	out->temp_min_dC = l->temp_min_dC;
	out->temp_max_dC = l->temp_max_dC;
}

void soc_read(const struct soc *s, struct soc_out *out)
{
	uint32_t ppm = ppm_of(s);

	memset(out, 0, sizeof(*out));
	out->soc_valid = s->known;
	out->soc_ppm = ppm;
	out->soc_dpct = s->known ? dpct_of_ppm(ppm) : 0;
	out->remaining_mAh = s->known ? (uint32_t)((s->q_mAs + MAS_PER_MAH / 2) / MAS_PER_MAH)
				      : 0;
	out->capacity_mAh = (uint32_t)(s->cap_mAs / MAS_PER_MAH);
	out->capacity_meas_mAh = s->life.capacity_meas_mAh;
	out->soh_dpct = s->life.soh_dpct;
	out->full = s->full;
	out->resting = s->resting;
	soc_counters(s, &out->counters);
}

/* ---- counting ----------------------------------------------------------- */

/* The delta of one counter since its last valid value; 0 and a new
 * baseline on its first value or when it fell. */
static uint64_t counter_delta(bool valid, uint64_t v, bool *base, uint64_t *last, bool *fell)
{
	uint64_t d;

	*fell = false;
	if (!valid)
		return 0;
	if (!*base || v < *last) {
		*fell = *base;
		*base = true;
		*last = v;
		return 0;
	}
	d = v - *last;
	*last = v;
	return d;
}

/* energy += mV x mAs (uJ), carried into mJ */
static void add_energy(uint64_t *mJ, uint64_t *rem_uJ, uint32_t mV, uint64_t d_mAs)
{
	uint64_t uJ;

	if (!d_mAs || !mV)
		return;
	if (d_mAs > UINT64_MAX / 2 / mV)
		return; /* beyond any battery: not energy */
	uJ = *rem_uJ + (uint64_t)mV * d_mAs;
	*mJ += uJ / UJ_PER_MJ;
	*rem_uJ = uJ % UJ_PER_MJ;
}

static void count_life(struct soc *s, const struct soc_in *in, uint64_t d_in, uint64_t d_out)
{
	struct soc_persist *l = &s->life;
	uint64_t chunk = MAS_PER_DCYC(nominal_mAh(s));

	l->charge_in_mAs += d_in;
	l->charge_out_mAs += d_out;
	l->cycle_rem_mAs += d_out;
	if (chunk && l->cycle_rem_mAs >= chunk) {
		uint64_t c = l->cycles_dcyc + l->cycle_rem_mAs / chunk;

		l->cycles_dcyc = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
		l->cycle_rem_mAs %= chunk;
	}
	if (in->pack_valid) {
		s->pack_known = true;
		s->pack_mV = in->pack_mV;
	}
	/* the last known pack voltage while a snapshot is missing */
	if (s->pack_known) {
		add_energy(&l->energy_in_mJ, &s->energy_in_rem_uJ, s->pack_mV, d_in);
		add_energy(&l->energy_out_mJ, &s->energy_out_rem_uJ, s->pack_mV, d_out);
	}
	if (in->relays_valid) {
		uint8_t rise = (uint8_t)(in->relay_mask & ~s->relay_mask);

		for (unsigned int i = 0; s->relays_known && i < SOC_RELAYS; i++)
			if (rise & (1u << i))
				l->contactor_cycles[i]++;
		s->relays_known = true;
		s->relay_mask = in->relay_mask;
	}
	if (in->temp_valid) {
		if (in->temp_min_dC != BP_TEMP_DC_NA &&
		    (l->temp_min_dC == BP_TEMP_DC_NA || in->temp_min_dC < l->temp_min_dC))
			l->temp_min_dC = in->temp_min_dC;
		if (in->temp_max_dC != BP_TEMP_DC_NA &&
		    (l->temp_max_dC == BP_TEMP_DC_NA || in->temp_max_dC > l->temp_max_dC))
			l->temp_max_dC = in->temp_max_dC;
	}
}

/* ---- reference points and SOH ------------------------------------------ */

static void drop_anchor(struct soc *s)
{
	s->anchor = false;
	s->anchor_net_mAs = 0;
}

static void set_anchor(struct soc *s, uint32_t ppm, bool sync, uint64_t now_ms)
{
	s->anchor = true;
	s->anchor_sync = sync;
	s->anchor_ppm = ppm;
	s->anchor_net_mAs = 0;
	s->anchor_ms = now_ms;
}

/* A new reference point at @ppm (a sync or an OCV correction). The charge
 * counted since the previous one over the SOC between them is the
 * capacity, if the span is wide enough to mean something. */
static void reference_point(struct soc *s, uint32_t ppm, bool sync, uint64_t now_ms,
			    struct soc_out *out)
{
	int64_t span, net, meas_mAs;
	uint32_t meas_mAh, min_span = s->cfg.soh_min_span_pct * PPM_PER_PCT;
	struct soc_persist *l = &s->life;
	uint64_t sum = 0;

	if (!s->anchor || now_ms - s->anchor_ms > SOC_ANCHOR_MAX_MS) {
		set_anchor(s, ppm, sync, now_ms);
		return;
	}
	span = (int64_t)ppm - s->anchor_ppm;
	net = s->anchor_net_mAs;
	if ((span < 0 ? -span : span) < min_span) {
		/* keep the wider base, but a new sync is the better 100 % */
		if (sync)
			set_anchor(s, ppm, sync, now_ms);
		return;
	}
	set_anchor(s, ppm, sync, now_ms);
	out->soh_span_dpct = (uint16_t)(((span < 0 ? -span : span) + 500) / 1000);
	out->soh_old_dpct = l->soh_dpct;
	if (!net || (net < 0) != (span < 0) || net > INT64_MAX / SOC_PPM ||
	    net < -(INT64_MAX / SOC_PPM)) {
		out->soh_meas_mAh = 0;
		out->events |= SOC_EV_SOH_REJECT;
		return;
	}
	meas_mAs = net * (int64_t)SOC_PPM / span;
	meas_mAh = (uint32_t)((meas_mAs + MAS_PER_MAH / 2) / MAS_PER_MAH);
	out->soh_meas_mAh = meas_mAh;
	if (!meas_plausible(meas_mAh, nominal_mAh(s))) {
		out->events |= SOC_EV_SOH_REJECT;
		return;
	}
	if (l->soh_n == SOC_SOH_AVG) {
		memmove(l->soh_hist_mAh, l->soh_hist_mAh + 1,
			(SOC_SOH_AVG - 1) * sizeof(l->soh_hist_mAh[0]));
		l->soh_n--;
	}
	l->soh_hist_mAh[l->soh_n++] = meas_mAh;
	for (unsigned int i = 0; i < l->soh_n; i++)
		sum += l->soh_hist_mAh[i];
	l->capacity_meas_mAh = (uint32_t)((sum + l->soh_n / 2) / l->soh_n);
	l->soh_dpct = soh_of(l->capacity_meas_mAh, nominal_mAh(s));
	set_capacity(s);
	out->events |= SOC_EV_SOH;
	s->save_pending = true;
}

/* ---- the step ----------------------------------------------------------- */

static bool temp_ok(const struct soc *s, const struct soc_in *in)
{
	return s->ntab == 1 || in->temp_valid;
}

static uint64_t relax_ms(const struct soc *s)
{
	uint64_t c = s->cfg.relax_after_charge_s * MS_PER_S;
	uint64_t d = s->cfg.relax_after_discharge_s * MS_PER_S;

	if (s->last_dir > 0)
		return c;
	if (s->last_dir < 0)
		return d;
	return c > d ? c : d; /* history unknown (start): the longer */
}

static void rest_track(struct soc *s, const struct soc_in *in, uint64_t now_ms)
{
	int32_t i = in->current_mA;
	uint32_t mag = i < 0 ? (uint32_t)-(int64_t)i : (uint32_t)i;

	if (!in->current_valid) {
		s->resting = false;
		return;
	}
	if (mag >= s->cfg.relax_current_mA) {
		s->last_dir = i > 0 ? 1 : -1;
		s->resting = false;
		s->ocv_done = false;
		return;
	}
	if (!s->resting) {
		s->resting = true;
		s->rest_since_ms = now_ms;
	}
}

static void estimate(struct soc *s, const struct soc_in *in, struct soc_out *out)
{
	uint32_t ppm, slope;

	soc_ocv_lookup(s, in->cell_mean_mV, in->temp_mean_dC, &ppm, &slope);
	set_ppm(s, ppm);
	out->events |= SOC_EV_ESTIMATE;
	out->ocv_old_valid = false;
	out->ocv_new_dpct = dpct_of_ppm(ppm);
	out->ocv_slope_uV_per_pct = slope;
	s->save_pending = true;
}

static void ocv_correct(struct soc *s, const struct soc_in *in, uint64_t now_ms,
			struct soc_out *out)
{
	uint32_t ppm, slope;

	soc_ocv_lookup(s, in->cell_mean_mV, in->temp_mean_dC, &ppm, &slope);
	s->ocv_done = true;
	out->ocv_old_valid = true;
	out->ocv_old_dpct = dpct_of_ppm(ppm_of(s));
	out->ocv_new_dpct = dpct_of_ppm(ppm);
	out->ocv_slope_uV_per_pct = slope;
	if (slope < s->cfg.ocv_min_slope_mV_per_pct * 1000u) {
		out->events |= SOC_EV_OCV_FLAT;
		return;
	}
	set_ppm(s, ppm);
	out->events |= SOC_EV_OCV;
	s->save_pending = true;
	reference_point(s, ppm, false, now_ms, out);
}

static void full_track(struct soc *s, const struct soc_in *in, uint64_t now_ms,
		       struct soc_out *out)
{
	bool cand = in->cells_valid && in->cell_max_mV >= s->cfg.full_cell_mV &&
		    in->current_valid && in->current_mA < (int64_t)s->cfg.tail_current_mA &&
		    in->current_mA > -(int64_t)s->cfg.relax_current_mA;

	if (!cand) {
		s->full_cand = false;
		s->synced = false;
		return;
	}
	if (!s->full_cand) {
		s->full_cand = true;
		s->full_since_ms = now_ms;
	}
	if (s->synced || now_ms - s->full_since_ms < s->cfg.full_hold_s * MS_PER_S)
		return;
	s->synced = true;
	out->events |= SOC_EV_SYNC;
	out->sync_old_valid = s->known;
	out->sync_old_dpct = s->known ? dpct_of_ppm(ppm_of(s)) : 0;
	s->q_mAs = s->cap_mAs;
	s->known = true;
	s->full = true;
	s->life.syncs++;
	s->life.last_sync_wall_s = in->wall_s;
	s->save_pending = true;
	reference_point(s, SOC_PPM, true, now_ms, out);
}

void soc_step(struct soc *s, const struct soc_in *in, uint64_t now_ms, struct soc_out *out)
{
	uint64_t d_in, d_out;
	unsigned int events = 0, base = 0;
	bool fell;
	struct soc_out ev = { 0 };

	s->last = *in;
	s->have_last = true;
	if (!s->started) {
		s->started = true;
		s->last_save_ms = now_ms;
		if (s->restored_pending)
			events |= SOC_EV_RESTORED;
		s->restored_pending = false;
	}

	d_in = counter_delta(in->charge_in_valid, in->charge_in_mAs, &s->in_base,
			     &s->last_in_mAs, &fell);
	base |= fell ? 1u : 0u;
	d_out = counter_delta(in->charge_out_valid, in->charge_out_mAs, &s->out_base,
			      &s->last_out_mAs, &fell);
	base |= fell ? 2u : 0u;
	if (base) {
		/* the charge between the last frame and the restart is lost */
		events |= SOC_EV_BASELINE;
		drop_anchor(s);
	}
	count_life(s, in, d_in, d_out);
	if (s->anchor)
		s->anchor_net_mAs += (int64_t)d_in - (int64_t)d_out;
	if (s->known) {
		s->q_mAs += (int64_t)d_in - (int64_t)d_out;
		if (s->q_mAs < 0)
			s->q_mAs = 0;
		if (s->q_mAs > s->cap_mAs)
			s->q_mAs = s->cap_mAs;
		if (s->full && ppm_of(s) < FULL_CLEAR_PPM)
			s->full = false;
	}

	rest_track(s, in, now_ms);
	if (!s->known && s->resting && in->cells_valid && temp_ok(s, in))
		estimate(s, in, &ev);
	full_track(s, in, now_ms, &ev);
	if (s->known && s->resting && !s->ocv_done && in->cells_valid && temp_ok(s, in) &&
	    now_ms - s->rest_since_ms >= relax_ms(s))
		ocv_correct(s, in, now_ms, &ev);

	soc_read(s, out);
	out->events = events | ev.events;
	out->baseline_mask = base;
	out->sync_old_valid = ev.sync_old_valid;
	out->sync_old_dpct = ev.sync_old_dpct;
	out->ocv_old_valid = ev.ocv_old_valid;
	out->ocv_old_dpct = ev.ocv_old_dpct;
	out->ocv_new_dpct = ev.ocv_new_dpct;
	out->ocv_slope_uV_per_pct = ev.ocv_slope_uV_per_pct;
	out->soh_meas_mAh = ev.soh_meas_mAh;
	out->soh_span_dpct = ev.soh_span_dpct;
	out->soh_old_dpct = ev.soh_old_dpct;

	if (!s->save_pending && now_ms - s->last_save_ms >= s->cfg.persist_period_s * MS_PER_S) {
		struct soc_persist now;

		soc_persist_get(s, &now);
		if (!persist_equal(&now, &s->saved))
			s->save_pending = true;
		else
			s->last_save_ms = now_ms;
	}
	if (s->save_pending) {
		out->save = true;
		s->save_pending = false;
		s->last_save_ms = now_ms;
		soc_persist_get(s, &s->saved);
	}
}

/* ---- operator ----------------------------------------------------------- */

int soc_set(struct soc *s, uint16_t soc_dpct, uint64_t now_ms)
{
	(void)now_ms;
	if (soc_dpct > 1000)
		return -EINVAL;
	set_ppm(s, (uint32_t)soc_dpct * 1000u);
	s->full = false;
	drop_anchor(s);
	s->save_pending = true;
	return 0;
}

int soc_reset(struct soc *s, uint64_t now_ms)
{
	const struct soc_in *in = &s->last;
	uint32_t mag;

	(void)now_ms;
	s->known = false;
	s->q_mAs = 0;
	s->full = false;
	drop_anchor(s);
	forget_soh(s);
	set_capacity(s);
	s->save_pending = true;
	if (!s->have_last || !in->current_valid || !in->cells_valid || !temp_ok(s, in))
		return 0;
	mag = in->current_mA < 0 ? (uint32_t)-(int64_t)in->current_mA : (uint32_t)in->current_mA;
	if (mag >= s->cfg.relax_current_mA)
		return 0;
	{
		uint32_t ppm, slope;

		soc_ocv_lookup(s, in->cell_mean_mV, in->temp_mean_dC, &ppm, &slope);
		set_ppm(s, ppm);
	}
	return 1;
}

/* ---- event text --------------------------------------------------------- */

static void dpct_str(char *b, size_t n, bool valid, uint16_t d)
{
	if (valid)
		snprintf(b, n, "%u.%u %%", d / 10u, d % 10u);
	else
		snprintf(b, n, "unknown");
}

int soc_event_text(const struct soc_out *o, unsigned int ev, char *buf, size_t n)
{
	char a[16], b[16], c[16];

	switch (ev) {
	case SOC_EV_RESTORED:
		dpct_str(a, sizeof(a), o->soc_valid, o->soc_dpct);
		dpct_str(b, sizeof(b), true, o->soh_dpct);
		snprintf(buf, n, "state restored: SOC %s, SOH %s, capacity %u mAh", a, b,
			 (unsigned int)o->capacity_mAh);
		return EV_SOC_RESTORED;
	case SOC_EV_ESTIMATE:
		dpct_str(a, sizeof(a), true, o->ocv_new_dpct);
		snprintf(buf, n, "SOC estimated from OCV at rest: %s", a);
		return EV_SOC_OCV;
	case SOC_EV_OCV:
		dpct_str(a, sizeof(a), o->ocv_old_valid, o->ocv_old_dpct);
		dpct_str(b, sizeof(b), true, o->ocv_new_dpct);
		snprintf(buf, n, "SOC corrected from OCV: %s -> %s", a, b);
		return EV_SOC_OCV;
	case SOC_EV_OCV_FLAT:
		dpct_str(a, sizeof(a), true, o->ocv_new_dpct);
		snprintf(buf, n, "OCV correction skipped near %s: the table is flat there "
			 "(%u uV/%%)", a, (unsigned int)o->ocv_slope_uV_per_pct);
		return 0;
	case SOC_EV_SYNC:
		dpct_str(a, sizeof(a), o->sync_old_valid, o->sync_old_dpct);
		snprintf(buf, n, "full-charge sync: SOC %s -> 100.0 %%", a);
		return EV_SOC_SYNC;
	case SOC_EV_SOH:
		dpct_str(a, sizeof(a), true, o->soh_old_dpct);
		dpct_str(b, sizeof(b), true, o->soh_dpct);
		dpct_str(c, sizeof(c), true, o->soh_span_dpct);
		snprintf(buf, n, "capacity measured: %u mAh over %s of SOC; average %u mAh, "
			 "SOH %s -> %s", (unsigned int)o->soh_meas_mAh, c,
			 (unsigned int)o->capacity_meas_mAh, a, b);
		return EV_SOH;
	case SOC_EV_SOH_REJECT:
		dpct_str(c, sizeof(c), true, o->soh_span_dpct);
		snprintf(buf, n, "capacity measurement discarded: %u mAh over %s of SOC is "
			 "implausible", (unsigned int)o->soh_meas_mAh, c);
		return EV_SOH;
	case SOC_EV_BASELINE:
		snprintf(buf, n, "charge counter%s fell (MCU restart): new baseline",
			 o->baseline_mask == 3 ? "s" : "");
		return 0;
	default:
		break;
	}
	if (n)
		buf[0] = 0;
	return 0;
}
