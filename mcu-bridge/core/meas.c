/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stdint.h>

#include "meas.h"

#define RH_NA 0xFFFFu
#define NS_PER_MS 1000000u /* nA*s per mA*s, and uA per mA times uV per mV */

/* Kelvin offset and the beta model's reference temperature. */
#define T0_K 273.15f
#define T25_INV (1.0f / 298.15f)

/* Computed temperatures outside these are a fault, not a reading. */
#define T_FAULT_LOW_DC (-550)
#define T_FAULT_HIGH_DC 2500
#define T_CLAMP_LOW_DC (-500)
#define T_CLAMP_HIGH_DC 2000

/* Outcome of an NTC evaluation. */
enum ntc_res {
	NTC_OK,
	NTC_COLD,   /* below the fault limit: reads as an open sensor */
	NTC_HOT,    /* above it: reads as a short */
	NTC_NOCFG,  /* model unusable */
};

/* Round-to-nearest division, ties away from zero; @den > 0. */
static int64_t div_round(int64_t num, int64_t den)
{
	if (num >= 0)
		return (num + den / 2) / den;
	return -((-num + den / 2) / den);
}

static uint64_t udiv_round(uint64_t num, uint64_t den)
{
	return num / den + (num % den >= den - den / 2 ? 1u : 0u);
}

static int32_t clamp_i32(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < -INT32_MAX)
		return -INT32_MAX;
	return (int32_t)v;
}

static uint64_t abs64(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* ---- integrator -------------------------------------------------------- */

void integ_init(struct integ *g, uint64_t in_mAs, uint64_t out_mAs)
{
	g->in_mAs = in_mAs;
	g->out_mAs = out_mAs;
	g->rem_in_nAs = 0;
	g->rem_out_nAs = 0;
}

void integ_add(struct integ *g, int32_t mA, uint32_t period_us)
{
	/* |mA| <= 2^31 and period < 2^32: the product and the remainder
	 * (< 10^6) fit in 64 unsigned bits. */
	uint64_t q = abs64(mA) * period_us;
	uint64_t *acc;
	int64_t *rem;

	if (!q)
		return;
	if (mA > 0) {
		acc = &g->in_mAs;
		rem = &g->rem_in_nAs;
	} else {
		acc = &g->out_mAs;
		rem = &g->rem_out_nAs;
	}
	q += (uint64_t)*rem;
	*acc += q / NS_PER_MS;
	*rem = (int64_t)(q % NS_PER_MS);
}

/* ---- math ---------------------------------------------------------------- */

int32_t meas_current_mA(int32_t dv_uV, const struct bp_cs_cfg *cs, int32_t zero_uV)
{
	int64_t d = (int64_t)dv_uV - cs->offset_uV - zero_uV;
	/* |d| < 3 * 2^31 and |gain| <= 2^31, so the magnitude of the product
	 * fits in 64 unsigned bits where a signed one might not. */
	uint64_t q = udiv_round(abs64(d) * abs64(cs->gain_uA_per_mV), NS_PER_MS);
	bool neg = (d < 0) != (cs->gain_uA_per_mV < 0);

	if (q > INT32_MAX)
		q = INT32_MAX;
	return neg ? -(int32_t)q : (int32_t)q;
}

uint8_t meas_ntc_resistance(uint32_t counts, uint32_t full_scale, uint32_t pullup_ohm,
			    uint32_t *r_ohm)
{
	uint64_t c = counts, fs = full_scale, r;

	/* thresholds at 0.5 % of full scale from either rail */
	if (!fs || c * 1000u >= fs * 995u)
		return BP_SENSOR_OPEN;
	if (c * 1000u <= fs * 5u)
		return BP_SENSOR_SHORT;
	r = udiv_round((uint64_t)pullup_ohm * c, fs - c);
	*r_ohm = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
	return BP_SENSOR_OK;
}

union fbits {
	float f;
	uint32_t u;
};

float meas_lnf(float x)
{
	union fbits v = { .f = x };
	int32_t e;
	float m, s, s2, p;

	if (v.u == 0 || v.u == 0x80000000u) {
		v.u = 0xFF800000u; /* -inf */
		return v.f;
	}
	if (v.u & 0x80000000u || (v.u & 0x7F800000u) == 0x7F800000u) {
		if (v.u == 0x7F800000u)
			return x; /* +inf */
		v.u = 0x7FC00000u; /* NaN for negatives and NaN */
		return v.f;
	}
	e = 0;
	if (!(v.u & 0x7F800000u)) {
		/* subnormal: bring it into the normal range first */
		v.f *= 8388608.0f; /* 2^23 */
		e = -23;
	}
	e += (int32_t)((v.u >> 23) & 0xFFu) - 127;
	/* mantissa in [1, 2); fold it into [sqrt(1/2), sqrt(2)) so that the
	 * series variable stays below 0.172 */
	v.u = (v.u & 0x007FFFFFu) | 0x3F800000u;
	m = v.f;
	if (m > 1.41421356f) {
		m *= 0.5f;
		e++;
	}
	/* ln m = 2 atanh(s), s = (m - 1) / (m + 1) */
	s = (m - 1.0f) / (m + 1.0f);
	s2 = s * s;
	p = 1.0f / 11.0f;
	p = p * s2 + 1.0f / 9.0f;
	p = p * s2 + 1.0f / 7.0f;
	p = p * s2 + 1.0f / 5.0f;
	p = p * s2 + 1.0f / 3.0f;
	p = p * s2 + 1.0f;
	/* ln 2 split so that e * ln2_hi is exact */
	return (float)e * 0.693145751953125f + (2.0f * s * p + (float)e * 1.428606765330187e-06f);
}

static enum ntc_res ntc_eval(uint32_t r_ohm, const struct bp_ntc_cfg *n, int16_t *dC)
{
	float inv_t, t_dC, l;
	int32_t v;

	switch (n->model) {
	case BP_NTC_BETA:
		if (!n->beta_K || !n->r25_ohm)
			return NTC_NOCFG;
		inv_t = T25_INV + meas_lnf((float)r_ohm / (float)n->r25_ohm) / (float)n->beta_K;
		break;
	case BP_NTC_STEINHART:
		l = meas_lnf((float)r_ohm);
		inv_t = n->sh_a + n->sh_b * l + n->sh_c * l * l * l;
		break;
	default:
		return NTC_NOCFG;
	}
	/* a non-positive 1/T (or NaN) is beyond any hot limit */
	if (!(inv_t > 0.0f))
		return NTC_HOT;
	t_dC = 10.0f / inv_t - 10.0f * T0_K;
	if (t_dC > (float)T_FAULT_HIGH_DC)
		return NTC_HOT;
	if (t_dC < (float)T_FAULT_LOW_DC)
		return NTC_COLD;
	v = (int32_t)(t_dC >= 0.0f ? t_dC + 0.5f : t_dC - 0.5f);
	if (v < T_CLAMP_LOW_DC)
		v = T_CLAMP_LOW_DC;
	if (v > T_CLAMP_HIGH_DC)
		v = T_CLAMP_HIGH_DC;
	*dC = (int16_t)v;
	return NTC_OK;
}

int16_t meas_ntc_dC(uint32_t r_ohm, const struct bp_ntc_cfg *n)
{
	int16_t dC;

	if (ntc_eval(r_ohm, n, &dC) != NTC_OK)
		return BP_TEMP_DC_NA;
	return dC;
}

/* ---- state --------------------------------------------------------------- */

static void out_reset(struct meas_out *o)
{
	unsigned int i;

	for (i = 0; i < BP_NUM_CURRENT; i++) {
		o->mA[i] = BP_CURRENT_MA_NA;
		o->range[i] = MEAS_RANGE_OK;
	}
	o->I_mA = BP_CURRENT_MA_NA;
	o->I_range = MEAS_RANGE_OK;
	o->cur_flags = 0;
	for (i = 0; i < BP_NUM_NTC; i++) {
		o->t_dC[i] = BP_TEMP_DC_NA;
		o->ntc_state[i] = BP_SENSOR_ABSENT;
	}
	o->rh_dpct = RH_NA;
	o->hum_state = BP_SENSOR_ABSENT;
	o->supply_mV = 0;
	o->in_mAs = 0;
	o->out_mAs = 0;
}

void meas_init(struct meas *m, const struct hal_adc_info *info)
{
	*m = (struct meas){ .info = info };
	out_reset(&m->out);
	integ_init(&m->integ, 0, 0);
}

static unsigned int num_sensors(const struct meas *m)
{
	return m->cfg.current_sensors < BP_NUM_CURRENT ? m->cfg.current_sensors
						       : BP_NUM_CURRENT;
}

void meas_configure(struct meas *m, const struct bp_config *c)
{
	unsigned int s;

	m->cfg = *c;
	m->s2_selected = false;
	/* a calibration of a sensor that is no longer fitted has no meaning */
	for (s = num_sensors(m); s < BP_NUM_CURRENT; s++)
		m->cal_busy[s] = false;
}

void meas_zero_cal_start(struct meas *m, uint8_t s)
{
	if (s >= num_sensors(m))
		return;
	m->cal_acc[s] = 0;
	m->cal_us[s] = 0;
	m->cal_n[s] = 0;
	m->cal_busy[s] = true;
	m->cal_done[s] = false;
	m->out.cur_flags |= BP_CUR_ZERO_CAL;
}

bool meas_cal_take(struct meas *m, uint8_t s, int32_t *uV)
{
	if (s >= BP_NUM_CURRENT || !m->cal_done[s])
		return false;
	m->cal_done[s] = false;
	*uV = m->zero_uV[s];
	return true;
}

/* ---- the block ----------------------------------------------------------- */

struct sums {
	uint32_t out[2], ref[2], ntc[2], hum, supply;
};

/* Within 1 % of the low or the high rail: -1 or +1; 0 between. */
static int railed(uint32_t sum, uint32_t n, uint32_t fs)
{
	uint64_t c = (uint64_t)sum * 100u, full = (uint64_t)fs * n;

	if (c <= full)
		return -1;
	return c >= full * 99u ? 1 : 0;
}

static void cal_step(struct meas *m, unsigned int s, int32_t dv_uV, uint32_t period_us)
{
	const uint32_t len_us = MEAS_ZERO_CAL_MS * 1000u;

	m->cal_acc[s] += (int64_t)dv_uV - m->cfg.cs[s].offset_uV;
	m->cal_n[s]++;
	m->cal_us[s] = period_us > len_us - m->cal_us[s] ? len_us : m->cal_us[s] + period_us;
	if (m->cal_us[s] < len_us)
		return;
	m->zero_uV[s] = clamp_i32(div_round(m->cal_acc[s], m->cal_n[s]));
	m->cal_busy[s] = false;
	m->cal_done[s] = true;
}

static void currents(struct meas *m, const struct sums *sm, uint32_t n, uint32_t period_us)
{
	static const uint8_t f_valid[2] = { BP_CUR_S1_VALID, BP_CUR_S2_VALID };
	static const uint8_t f_range[2] = { BP_CUR_S1_RANGE, BP_CUR_S2_RANGE };
	const struct hal_adc_info *inf = m->info;
	struct meas_out *o = &m->out;
	unsigned int ns = num_sensors(m), s, use;
	bool valid[2] = { false, false };
	uint8_t flags = 0;
	int64_t dv;
	int32_t I;

	for (s = 0; s < BP_NUM_CURRENT; s++) {
		int rail;

		o->mA[s] = BP_CURRENT_MA_NA;
		o->range[s] = MEAS_RANGE_OK;
		if (s >= ns)
			continue;
		if (railed(sm->ref[s], n, inf->full_scale)) {
			/* no reference, no current: a fault, not a reading */
			o->range[s] = MEAS_RANGE_FAULT;
			continue;
		}
		rail = railed(sm->out[s], n, inf->full_scale);
		if (rail) {
			/* saturated: the current is at least the sensor's reach, in
			 * the direction that this rail means for this sensor */
			o->range[s] = (rail > 0) == (m->cfg.cs[s].gain_uA_per_mV > 0) ?
					      MEAS_RANGE_POS : MEAS_RANGE_NEG;
			continue;
		}
		/* average in uV rather than counts, keeping the sub-count part */
		dv = div_round(((int64_t)sm->out[s] - sm->ref[s]) * inf->cs_uV_per_count, n);
		if (m->cal_busy[s])
			cal_step(m, s, clamp_i32(dv), period_us);
		I = meas_current_mA(clamp_i32(dv), &m->cfg.cs[s], m->zero_uV[s]);
		if (abs64(I) > m->cfg.cs[s].range_mA) {
			o->range[s] = I > 0 ? MEAS_RANGE_POS : MEAS_RANGE_NEG;
			continue;
		}
		o->mA[s] = I;
		valid[s] = true;
		flags |= f_valid[s];
	}
	/* RANGE flags an over-current (never a faulted reference) */
	for (s = 0; s < ns; s++)
		if (o->range[s] == MEAS_RANGE_POS || o->range[s] == MEAS_RANGE_NEG)
			flags |= f_range[s];

	/* range selection with hysteresis between 80 % and 90 % of sensor 1 */
	if (ns < 2) {
		m->s2_selected = false;
	} else if (valid[0]) {
		uint64_t a10 = abs64(o->mA[0]) * 10u, r = m->cfg.cs[0].range_mA;

		if (!m->s2_selected && a10 > r * 9u)
			m->s2_selected = true;
		else if (m->s2_selected && a10 < r * 8u)
			m->s2_selected = false;
	} else if (valid[1]) {
		m->s2_selected = true;
	}
	use = m->s2_selected ? 1u : 0u;
	if (!valid[use])
		use ^= 1u;
	o->I_range = MEAS_RANGE_OK;
	if (valid[use]) {
		o->I_mA = o->mA[use];
		if (use == 1)
			flags |= BP_CUR_S2_SELECTED;
	} else {
		o->I_mA = BP_CURRENT_MA_NA;
		/* No value. The widest sensor decides: saturated or beyond its
		 * range, the current is beyond what any sensor here can read;
		 * faulted, it is unknown. */
		if (ns)
			o->I_range = o->range[ns == 2 && m->cfg.cs[0].range_mA > m->cfg.cs[1].range_mA
						      ? 0u
						      : ns - 1u];
	}

	if (valid[0] && valid[1] && m->cfg.plausibility_mA &&
	    abs64(o->mA[0]) <= m->cfg.cs[0].range_mA &&
	    abs64((int64_t)o->mA[0] - o->mA[1]) > m->cfg.plausibility_mA)
		flags |= BP_CUR_IMPLAUSIBLE;

	for (s = 0; s < BP_NUM_CURRENT; s++)
		if (m->cal_busy[s])
			flags |= BP_CUR_ZERO_CAL;
	o->cur_flags = flags;
}

static void ntcs(struct meas *m, const struct sums *sm, uint32_t n)
{
	const struct hal_adc_info *inf = m->info;
	struct meas_out *o = &m->out;
	unsigned int i;
	uint32_t r = 0;
	uint8_t st;
	int16_t dC = BP_TEMP_DC_NA;

	for (i = 0; i < BP_NUM_NTC; i++) {
		const struct bp_ntc_cfg *nc = &m->cfg.ntc[i];

		o->t_dC[i] = BP_TEMP_DC_NA;
		if (nc->model != BP_NTC_BETA && nc->model != BP_NTC_STEINHART) {
			o->ntc_state[i] = BP_SENSOR_ABSENT;
			continue;
		}
		/* the sum over n scans against n times full scale keeps the
		 * oversampled resolution */
		st = meas_ntc_resistance(sm->ntc[i], (uint32_t)inf->full_scale * n,
					 inf->ntc_pullup_ohm, &r);
		if (st == BP_SENSOR_OK) {
			switch (ntc_eval(r, nc, &dC)) {
			case NTC_OK:
				o->t_dC[i] = dC;
				break;
			case NTC_COLD:
				st = BP_SENSOR_OPEN;
				break;
			case NTC_HOT:
				st = BP_SENSOR_SHORT;
				break;
			default:
				st = BP_SENSOR_ABSENT;
				break;
			}
		}
		o->ntc_state[i] = st;
	}
}

static uint32_t to_mV(uint32_t sum, uint32_t n, uint32_t uV_per_count)
{
	return (uint32_t)udiv_round((uint64_t)sum * uV_per_count, (uint64_t)n * 1000u);
}

static void humidity(struct meas *m, const struct sums *sm, uint32_t n)
{
	struct meas_out *o = &m->out;
	int64_t mV, rh;

	o->rh_dpct = RH_NA;
	if (!m->cfg.hum_gain_dpct_per_V) {
		o->hum_state = BP_SENSOR_ABSENT;
		return;
	}
	mV = to_mV(sm->hum, n, m->info->hum_uV_per_count);
	rh = div_round((mV - m->cfg.hum_offset_mV) * m->cfg.hum_gain_dpct_per_V, 1000);
	if (rh < -50) {
		o->hum_state = BP_SENSOR_OPEN;
		return;
	}
	if (rh > 1050) {
		o->hum_state = BP_SENSOR_SHORT;
		return;
	}
	o->rh_dpct = (uint16_t)(rh < 0 ? 0 : rh > 1000 ? 1000 : rh);
	o->hum_state = BP_SENSOR_OK;
}

void meas_feed(struct meas *m, const struct hal_adc_block *b)
{
	struct sums sm = { { 0, 0 }, { 0, 0 }, { 0, 0 }, 0, 0 };
	uint32_t n, i, k, mV;

	if (!b || !b->n || !m->info)
		return;
	n = b->n > HAL_ADC_MAX_SCANS ? HAL_ADC_MAX_SCANS : b->n;
	for (i = 0; i < n; i++) {
		const struct hal_adc_scan *sc = &b->scan[i];

		for (k = 0; k < 2; k++) {
			sm.out[k] += sc->cs_out[k];
			sm.ref[k] += sc->cs_ref[k];
			sm.ntc[k] += sc->ntc[k];
		}
		sm.hum += sc->hum;
		sm.supply += sc->supply;
	}

	currents(m, &sm, n, b->period_us);
	if (m->out.I_mA != BP_CURRENT_MA_NA)
		integ_add(&m->integ, m->out.I_mA, b->period_us);
	m->out.in_mAs = m->integ.in_mAs;
	m->out.out_mAs = m->integ.out_mAs;

	ntcs(m, &sm, n);
	humidity(m, &sm, n);
	mV = to_mV(sm.supply, n, m->info->supply_uV_per_count);
	m->out.supply_mV = (uint16_t)(mV > UINT16_MAX ? UINT16_MAX : mV);
}
