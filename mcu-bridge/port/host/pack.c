/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "pack.h"
#include "simboard.h"

#define US_PER_S 1000000u

struct ocv_pt {
	double soc_pct, mV;
};

/* LFP: a steep knee at the bottom, a long flat plateau, and a sharp rise
 * over the last percent. */
static const struct ocv_pt ocv_lfp[] = {
	{ 0, 2500 },  { 2, 2900 },  { 5, 3100 },  { 10, 3200 }, { 20, 3250 },
	{ 30, 3270 }, { 40, 3285 }, { 50, 3295 }, { 60, 3305 }, { 70, 3315 },
	{ 80, 3330 }, { 90, 3350 }, { 95, 3380 }, { 99, 3450 }, { 100, 3600 },
};

static const struct ocv_pt ocv_nmc[] = {
	{ 0, 3000 },  { 5, 3300 },  { 10, 3450 }, { 20, 3550 }, { 30, 3620 },
	{ 40, 3680 }, { 50, 3740 }, { 60, 3820 }, { 70, 3900 }, { 80, 3980 },
	{ 90, 4080 }, { 100, 4200 },
};

#define NPTS(a) (sizeof(a) / sizeof((a)[0]))

double pack_ocv_mV(uint8_t chem, double soc_pct)
{
	const struct ocv_pt *t = chem == PACK_CHEM_NMC ? ocv_nmc : ocv_lfp;
	size_t n = chem == PACK_CHEM_NMC ? NPTS(ocv_nmc) : NPTS(ocv_lfp);
	size_t i;

	if (!(soc_pct > t[0].soc_pct))
		return t[0].mV;
	for (i = 1; i < n; i++)
		if (soc_pct <= t[i].soc_pct)
			return t[i - 1].mV + (t[i].mV - t[i - 1].mV) *
					     (soc_pct - t[i - 1].soc_pct) /
					     (t[i].soc_pct - t[i - 1].soc_pct);
	return t[n - 1].mV;
}

/* --- deterministic randomness ------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform in [-1, 1] */
static double sym_unit(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Standard normal by Box-Muller; u1 is never 0 so the log is finite. */
static double gauss(uint64_t *s)
{
	double u1 = ((double)(xorshift(s) >> 11) + 1.0) / 9007199254740992.0;
	double u2 = (double)(xorshift(s) >> 11) / 9007199254740992.0;

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* --- configuration ----------------------------------------------------- */

void pack_default_cfg(struct pack_cfg *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->boards = 1;
	c->cells = 16;
	c->temps = 4;
	c->chem = PACK_CHEM_LFP;
	c->capacity_mAh = 100000.0;
	c->capacity_spread_pct = 1.0;
	c->r_mohm = 1.0;
	c->r_spread_pct = 10.0;
	c->soc_pct = 50.0;
	c->ambient_dC = 250;
	c->heat_capacity_J_per_K = 0.0;
	c->conductance_W_per_K = 0.0;
	c->heater_W = 500.0;
	c->bleed_mA = 100.0;
	c->sensor_spread_dC = 5;
	for (i = 0; i < PACK_NUM_CS; i++) {
		c->cs[i].fitted = true;
		c->cs[i].mV_per_A = i == 0 ? 10.0 : 2.0;
		c->cs[i].gain_err_pct = 0.0;
		c->cs[i].offset_mV = 0.0;
		c->cs[i].noise_mV = 1.0;
		c->cs[i].vref_mV = 2500.0;
	}
	c->adc.full_scale = 4095;
	c->adc.cs_uV_per_count = 1221;     /* 0..5 V */
	c->adc.hum_uV_per_count = 1221;    /* 0..5 V */
	c->adc.supply_uV_per_count = 9768; /* 0..40 V */
	c->adc.ntc_pullup_ohm = 10000;
	c->ntc_beta_K = 3950;
	c->ntc_r25_ohm = 10000;
	c->hum_mV_at_0 = 800.0;
	c->hum_mV_per_pct = 30.0;
	c->humidity_pct = 40.0;
	c->supply_mV = 24000;
	c->discharge_mask = 0x1;
	c->charge_mask = 0x6;
	c->heater_mask = 0x8;
	c->seed = 1;
}

static double clampd(double v, double lo, double hi)
{
	if (!(v >= lo)) /* NaN lands here too */
		return lo;
	return v > hi ? hi : v;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void pack_init(struct pack *p, const struct pack_cfg *cfg)
{
	struct pack_cfg *c;
	uint64_t s;
	int b, i, ncell;

	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	c = &p->cfg;
	c->boards = (uint8_t)clampi(c->boards, 1, PACK_MAX_BOARDS);
	c->cells = (uint8_t)clampi(c->cells, 1, PACK_MAX_CELLS);
	c->temps = (uint8_t)clampi(c->temps, 0, PACK_MAX_TEMPS);
	if (c->chem != PACK_CHEM_NMC)
		c->chem = PACK_CHEM_LFP;
	c->capacity_mAh = clampd(c->capacity_mAh, 1.0, 1e9);
	c->capacity_spread_pct = clampd(c->capacity_spread_pct, 0.0, 50.0);
	c->r_mohm = clampd(c->r_mohm, 0.0, 1e6);
	c->r_spread_pct = clampd(c->r_spread_pct, 0.0, 50.0);
	c->soc_pct = clampd(c->soc_pct, 0.0, 100.0);
	c->heater_W = clampd(c->heater_W, 0.0, 1e9);
	c->bleed_mA = clampd(c->bleed_mA, 0.0, 1e6);
	if (c->sensor_spread_dC < 0)
		c->sensor_spread_dC = 0;
	if (c->adc.full_scale == 0)
		c->adc.full_scale = 4095;

	ncell = c->boards * c->cells;
	p->heat_J_per_K = c->heat_capacity_J_per_K > 0 ? c->heat_capacity_J_per_K
						       : 2000.0 * ncell;
	p->cond_W_per_K = c->conductance_W_per_K > 0 ? c->conductance_W_per_K
						     : 0.5 * ncell;

	/* Spreads come from their own stream so that the noise sequence
	 * does not depend on the geometry. */
	s = c->seed;
	for (b = 0; b < PACK_MAX_BOARDS; b++) {
		for (i = 0; i < PACK_MAX_CELLS; i++) {
			p->cap_mAh[b][i] = c->capacity_mAh *
					   (1.0 + c->capacity_spread_pct / 100.0 * sym_unit(&s));
			p->r_mohm[b][i] = c->r_mohm *
					  (1.0 + c->r_spread_pct / 100.0 * sym_unit(&s));
			p->soc[b][i] = c->soc_pct / 100.0;
			p->forced_mV[b][i] = -1;
		}
		for (i = 0; i < PACK_MAX_TEMPS; i++) {
			p->t_off_dC[b][i] = (int16_t)lround(c->sensor_spread_dC * sym_unit(&s));
			p->forced_dC[b][i] = INT16_MIN;
		}
	}
	p->rng = splitmix(&s) | 1u; /* xorshift must not start at 0 */
	p->ambient_C = c->ambient_dC / 10.0;
	p->temp_C = p->ambient_C;
	p->humidity_pct = clampd(c->humidity_pct, 0.0, 100.0);
	p->supply_mV = c->supply_mV;
}

/* --- the model --------------------------------------------------------- */

static bool path_closed(uint8_t mask, uint8_t contacts)
{
	return (contacts & mask) == mask;
}

static int32_t flowing_mA(const struct pack *p, uint8_t contacts)
{
	if (p->demand_mA > 0)
		return path_closed(p->cfg.charge_mask, contacts) ? p->demand_mA : 0;
	if (p->demand_mA < 0)
		return path_closed(p->cfg.discharge_mask, contacts) ? p->demand_mA : 0;
	return 0;
}

static bool heater_closed(const struct pack *p, uint8_t contacts)
{
	return p->cfg.heater_mask && path_closed(p->cfg.heater_mask, contacts);
}

/* Resistance at pack temperature: cold cells are stiffer. */
static double r_eff_mohm(const struct pack *p, int b, int c)
{
	double below = 25.0 - p->temp_C;

	return p->r_mohm[b][c] * (1.0 + 0.02 * (below > 0 ? below : 0.0));
}

static double cell_current_mA(const struct pack *p, int b, int c, int32_t I_mA)
{
	double I = I_mA;

	if (p->bal_mask[b] & (UINT32_C(1) << c))
		I -= p->cfg.bleed_mA;
	return I;
}

/* Charge counted exactly in integers: mA * us per step, carried as whole
 * mAs plus a remainder. */
static void count_charge(uint64_t *mAs, uint64_t *rem, uint64_t mA, uint64_t dt_us)
{
	uint64_t whole_s = dt_us / US_PER_S, frac_us = dt_us % US_PER_S;

	*mAs += mA * whole_s;
	*rem += mA * frac_us;
	*mAs += *rem / US_PER_S;
	*rem %= US_PER_S;
}

void pack_step(struct pack *p, uint64_t dt_us, uint8_t contacts)
{
	const struct pack_cfg *c = &p->cfg;
	double dt_s = (double)dt_us / US_PER_S;
	double loss_W = 0.0, P_W, T_eq, k;
	int32_t I_mA;
	int b, i;

	p->contacts = contacts;
	if (dt_us == 0)
		return;
	I_mA = flowing_mA(p, contacts);
	if (I_mA > 0)
		count_charge(&p->in_mAs, &p->in_rem, (uint64_t)I_mA, dt_us);
	else if (I_mA < 0)
		count_charge(&p->out_mAs, &p->out_rem, (uint64_t)-(int64_t)I_mA, dt_us);

	for (b = 0; b < c->boards; b++)
		for (i = 0; i < c->cells; i++) {
			double Ic = cell_current_mA(p, b, i, I_mA);
			double r = r_eff_mohm(p, b, i);

			/* the bleed resistor dissipates outside the cell */
			loss_W += (double)I_mA * I_mA * 1e-9 * r;
			p->soc[b][i] = clampd(p->soc[b][i] +
						      Ic * dt_s / (3600.0 * p->cap_mAh[b][i]),
					      0.0, 1.0);
		}

	/* One thermal mass: with the power held over the step the exact
	 * solution is an exponential approach, stable for any dt. */
	P_W = loss_W + (heater_closed(p, contacts) ? c->heater_W : 0.0);
	T_eq = p->ambient_C + P_W / p->cond_W_per_K;
	k = exp(-p->cond_W_per_K * dt_s / p->heat_J_per_K);
	p->temp_C = T_eq + (p->temp_C - T_eq) * k;
	p->t_us += dt_us;
}

static bool in_cell(const struct pack *p, int b, int c)
{
	return b >= 0 && b < p->cfg.boards && c >= 0 && c < p->cfg.cells;
}

static bool in_temp(const struct pack *p, int b, int t)
{
	return b >= 0 && b < p->cfg.boards && t >= 0 && t < p->cfg.temps;
}

uint16_t pack_cell_mV(const struct pack *p, int b, int c)
{
	double mV;

	if (!in_cell(p, b, c))
		return 0;
	if (p->forced_mV[b][c] >= 0)
		return (uint16_t)p->forced_mV[b][c];
	mV = pack_ocv_mV(p->cfg.chem, p->soc[b][c] * 100.0) +
	     cell_current_mA(p, b, c, pack_current_mA(p)) * r_eff_mohm(p, b, c) / 1000.0;
	return (uint16_t)lround(clampd(mV, 0.0, 65535.0));
}

static int16_t dC_of(double C)
{
	return (int16_t)lround(clampd(C * 10.0, -32767.0, 32767.0));
}

int16_t pack_temp_dC(const struct pack *p, int b, int t)
{
	if (!in_temp(p, b, t))
		return INT16_MIN;
	if (p->forced_dC[b][t] != INT16_MIN)
		return p->forced_dC[b][t];
	return (int16_t)clampi(dC_of(p->temp_C) + p->t_off_dC[b][t], -32767, 32767);
}

double pack_cell_soc_pct(const struct pack *p, int b, int c)
{
	return in_cell(p, b, c) ? p->soc[b][c] * 100.0 : -1.0;
}

int32_t pack_current_mA(const struct pack *p)
{
	return flowing_mA(p, p->contacts);
}

double pack_soc_pct(const struct pack *p)
{
	double sum = 0.0;
	int b, c;

	for (b = 0; b < p->cfg.boards; b++)
		for (c = 0; c < p->cfg.cells; c++)
			sum += p->soc[b][c];
	return sum * 100.0 / (p->cfg.boards * p->cfg.cells);
}

double pack_soc_min_pct(const struct pack *p)
{
	double m = 1.0;
	int b, c;

	for (b = 0; b < p->cfg.boards; b++)
		for (c = 0; c < p->cfg.cells; c++)
			if (p->soc[b][c] < m)
				m = p->soc[b][c];
	return m * 100.0;
}

uint64_t pack_charge_in_mAs(const struct pack *p)
{
	return p->in_mAs;
}

uint64_t pack_charge_out_mAs(const struct pack *p)
{
	return p->out_mAs;
}

int16_t pack_pack_dC(const struct pack *p)
{
	return dC_of(p->temp_C);
}

int16_t pack_ext_dC(const struct pack *p, int n)
{
	return dC_of(n == 0 ? p->ambient_C : p->temp_C);
}

bool pack_heater_on(const struct pack *p)
{
	return heater_closed(p, p->contacts);
}

/* --- sensors ----------------------------------------------------------- */

static uint16_t counts(double uV, uint32_t uV_per_count, uint16_t fs)
{
	if (uV_per_count == 0)
		return 0;
	return (uint16_t)lround(clampd(uV / uV_per_count, 0.0, fs));
}

static uint16_t ntc_counts(const struct pack *p, int n)
{
	const struct pack_cfg *c = &p->cfg;
	uint16_t fs = c->adc.full_scale;
	double T_K, R, v;

	if (p->ntc[n] == PACK_SENSOR_OPEN)
		return fs;
	if (p->ntc[n] == PACK_SENSOR_SHORT)
		return 0;
	T_K = (n == 0 ? p->ambient_C : p->temp_C) + 273.15;
	R = c->ntc_r25_ohm * exp(c->ntc_beta_K * (1.0 / T_K - 1.0 / 298.15));
	v = fs * R / (R + c->adc.ntc_pullup_ohm);
	/* a healthy sensor never reads as open or shorted */
	return (uint16_t)lround(clampd(v, 1.0, fs - 1.0));
}

void pack_adc_scan(struct pack *p, struct hal_adc_scan *s)
{
	const struct pack_cfg *c = &p->cfg;
	uint16_t fs = c->adc.full_scale;
	double I_A = pack_current_mA(p) / 1000.0;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < PACK_NUM_CS; i++) {
		const struct pack_cs_model *m = &c->cs[i];
		double out;

		if (!m->fitted)
			continue;
		out = m->vref_mV + m->offset_mV +
		      I_A * m->mV_per_A * (1.0 + m->gain_err_pct / 100.0) +
		      m->noise_mV * gauss(&p->rng);
		s->cs_out[i] = counts(out * 1000.0, c->adc.cs_uV_per_count, fs);
		s->cs_ref[i] = counts(m->vref_mV * 1000.0, c->adc.cs_uV_per_count, fs);
	}
	for (i = 0; i < PACK_NUM_NTC; i++)
		s->ntc[i] = ntc_counts(p, i);
	s->hum = counts((c->hum_mV_at_0 + c->hum_mV_per_pct * p->humidity_pct) * 1000.0,
			c->adc.hum_uV_per_count, fs);
	s->supply = counts(p->supply_mV * 1000.0, c->adc.supply_uV_per_count, fs);
}

/* --- boards ------------------------------------------------------------ */

void pack_to_boards(const struct pack *p, struct simbus *bus)
{
	int b, i;

	bus->nboards = p->cfg.boards;
	for (b = 0; b < p->cfg.boards; b++) {
		struct simboard *sb = &bus->board[b];

		sb->ncells = p->cfg.cells;
		sb->ntemps = p->cfg.temps;
		for (i = 0; i < p->cfg.cells; i++)
			sb->cell_mV[i] = pack_cell_mV(p, b, i);
		sb->ntc_fault = 0;
		for (i = 0; i < p->cfg.temps; i++) {
			if (p->cell_ntc[b][i] != PACK_SENSOR_OK)
				sb->ntc_fault |= (uint8_t)(1u << i);
			sb->temp_dC[i] = pack_temp_dC(p, b, i);
		}
	}
}

void pack_from_boards(struct pack *p, const struct simbus *bus)
{
	int b;

	for (b = 0; b < p->cfg.boards && b < PACK_MAX_BOARDS; b++)
		p->bal_mask[b] = bus->board[b].bal_mask & ((UINT32_C(1) << p->cfg.cells) - 1u);
}

/* --- forcing ----------------------------------------------------------- */

int pack_force_cell(struct pack *p, int b, int c, int32_t mV)
{
	if (!in_cell(p, b, c) || mV > 65535)
		return -1;
	p->forced_mV[b][c] = mV < 0 ? -1 : mV;
	return 0;
}

int pack_force_temp(struct pack *p, int b, int t, int16_t dC)
{
	if (!in_temp(p, b, t))
		return -1;
	p->forced_dC[b][t] = dC;
	return 0;
}

int pack_set_ntc_fault(struct pack *p, int n, uint8_t state)
{
	if (n < 0 || n >= PACK_NUM_NTC || state > PACK_SENSOR_SHORT)
		return -1;
	p->ntc[n] = state;
	return 0;
}

int pack_set_cell_ntc_fault(struct pack *p, int b, int t, uint8_t state)
{
	if (!in_temp(p, b, t) || state > PACK_SENSOR_SHORT)
		return -1;
	p->cell_ntc[b][t] = state;
	return 0;
}

int pack_set_soc(struct pack *p, double pct)
{
	int b, c;

	if (!(pct >= 0.0 && pct <= 100.0))
		return -1;
	for (b = 0; b < PACK_MAX_BOARDS; b++)
		for (c = 0; c < PACK_MAX_CELLS; c++)
			p->soc[b][c] = pct / 100.0;
	return 0;
}

void pack_set_demand(struct pack *p, int32_t mA)
{
	p->demand_mA = mA;
}

void pack_set_ambient(struct pack *p, int16_t dC)
{
	p->ambient_C = dC / 10.0;
}

int pack_set_humidity(struct pack *p, double pct)
{
	if (!(pct >= 0.0 && pct <= 100.0))
		return -1;
	p->humidity_pct = pct;
	return 0;
}

void pack_set_supply(struct pack *p, uint32_t mV)
{
	p->supply_mV = mV;
}
