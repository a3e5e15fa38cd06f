/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * soc: coulomb counting from the MCU's counters (missed frames, counter
 * falls), OCV estimate and correction (relax times, flat-part skip,
 * temperature interpolation), full-charge sync edges, SOH measurement,
 * lifetime counters, operator set/reset, persistence hand-over, event
 * text, and the soc section of bmsd.yaml.
 *
 * The simulated pack integrates a true current into a true SOC, makes
 * the cell voltage from the same OCV table plus an IR drop, and feeds the
 * module counters that carry a current-sensor gain error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "cfg.h"
#include "events.h"
#include "fixture.h"
#include "soc.h"

#define H_MS (3600ull * 1000)
#define CAP_MAS (100000ll * 3600) /* the default 100 Ah */

/* the line where a soc section appended to the fixture starts */
#define SOC_LINE (FIXTURE_LINES + 1)

/* The defaults as documented; test_cfg_defaults checks that the schema
 * gives the same, and the other tests do not depend on the parser. */
static struct cfg_soc def_cfg(void)
{
	static const int32_t x[] = { 0, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100 };
	static const int32_t y[] = { 2500, 2900, 3100, 3200, 3250, 3270, 3285, 3295,
				     3305, 3315, 3330, 3350, 3380, 3450, 3600 };
	struct cfg_soc c;

	memset(&c, 0, sizeof(c));
	c.capacity_mAh = 100000;
	c.relax_current_mA = 1000;
	c.relax_after_charge_s = 3600;
	c.relax_after_discharge_s = 1800;
	c.ocv_min_slope_mV_per_pct = 2;
	c.full_cell_mV = 3500;
	c.tail_current_mA = 5000;
	c.full_hold_s = 60;
	c.soh_min_span_pct = 50;
	c.ocv[0].temp_dC = 250;
	c.ocv[0].mV_vs_soc_pct.n = 15;
	for (unsigned int i = 0; i < 15; i++) {
		c.ocv[0].mV_vs_soc_pct.x[i] = x[i];
		c.ocv[0].mV_vs_soc_pct.y[i] = y[i];
	}
	snprintf(c.state_file, sizeof(c.state_file), "/var/lib/bmsd/state");
	c.persist_period_s = 60;
	return c;
}

/* ---- the simulated pack -------------------------------------------------- */

struct sim {
	struct soc s;
	struct soc ref;          /* holds the true OCV tables */
	struct soc_in in;
	struct soc_out out;
	uint64_t t_ms;
	int64_t cap_uAs;         /* true capacity */
	int64_t q_uAs;           /* true remaining charge */
	uint64_t in_uAs, out_uAs; /* the MCU's counters, with the gain error */
	int32_t gain_ppm;
	int32_t i_mA;            /* true current */
	int32_t r_uohm;          /* cell resistance */
	int16_t temp_dC;
	uint32_t cells;
	int32_t spread_mV;       /* max - mean, mean - min */
	unsigned int seen;       /* events over all steps */
	unsigned int saves;
	bool counters_valid;
	int64_t worst_err_ppm;   /* while tracking */
	bool track;
};

static void sim_init(struct sim *m, const struct cfg_soc *c, const struct soc_persist *r,
		     uint32_t true_ppm)
{
	memset(m, 0, sizeof(*m));
	CU_ASSERT_EQUAL(soc_init(&m->s, c, r), 0);
	soc_init(&m->ref, c, NULL);
	m->cap_uAs = (int64_t)c->capacity_mAh * 3600 * 1000;
	m->q_uAs = m->cap_uAs / 1000000 * true_ppm;
	m->in_uAs = 5000000000ull; /* the MCU has counted before */
	m->out_uAs = 7000000000ull;
	m->r_uohm = 1000;
	m->temp_dC = 250;
	m->cells = 16;
	m->spread_mV = 5;
	m->counters_valid = true;
	m->t_ms = 1000000;
}

static uint32_t true_ppm(const struct sim *m)
{
	return (uint32_t)(m->q_uAs * 1000000 / m->cap_uAs);
}

static void sim_fill(struct sim *m)
{
	int32_t i_meas = (int32_t)((int64_t)m->i_mA * (1000000 + m->gain_ppm) / 1000000);
	int32_t mV = soc_ocv_uV(&m->ref, true_ppm(m), m->temp_dC) / 1000 +
		     (int32_t)((int64_t)m->i_mA * m->r_uohm / 1000000);

	m->in.charge_in_valid = m->in.charge_out_valid = m->counters_valid;
	m->in.charge_in_mAs = m->in_uAs / 1000;
	m->in.charge_out_mAs = m->out_uAs / 1000;
	m->in.current_valid = true;
	m->in.current_mA = i_meas;
	m->in.cells_valid = true;
	m->in.cell_mean_mV = (uint16_t)mV;
	m->in.cell_min_mV = (uint16_t)(mV - m->spread_mV);
	m->in.cell_max_mV = (uint16_t)(mV + m->spread_mV);
	m->in.pack_valid = true;
	m->in.pack_mV = (uint32_t)mV * m->cells;
	m->in.temp_valid = true;
	m->in.temp_min_dC = (int16_t)(m->temp_dC - 10);
	m->in.temp_mean_dC = m->temp_dC;
	m->in.temp_max_dC = (int16_t)(m->temp_dC + 10);
	m->in.wall_s = 1700000000u + m->t_ms / 1000;
}

static void sim_step(struct sim *m, uint32_t dt_ms)
{
	int64_t dq = (int64_t)m->i_mA * dt_ms; /* uAs */
	int64_t meas = dq * (1000000 + m->gain_ppm) / 1000000;

	m->q_uAs += dq;
	if (m->q_uAs < 0)
		m->q_uAs = 0;
	if (m->q_uAs > m->cap_uAs)
		m->q_uAs = m->cap_uAs;
	if (meas > 0)
		m->in_uAs += (uint64_t)meas;
	else
		m->out_uAs += (uint64_t)-meas;
	m->t_ms += dt_ms;
	sim_fill(m);
	soc_step(&m->s, &m->in, m->t_ms, &m->out);
	m->seen |= m->out.events;
	m->saves += m->out.save;
	if (m->track && m->out.soc_valid) {
		int64_t e = (int64_t)m->out.soc_ppm - true_ppm(m);

		if (e < 0)
			e = -e;
		if (e > m->worst_err_ppm)
			m->worst_err_ppm = e;
	}
}

static void sim_run(struct sim *m, int32_t i_mA, uint64_t ms, uint32_t dt_ms)
{
	m->i_mA = i_mA;
	for (uint64_t t = 0; t < ms; t += dt_ms)
		sim_step(m, dt_ms);
}

/* Run until the true SOC passes @ppm (up or down); at most @max_ms. */
static void sim_until(struct sim *m, int32_t i_mA, uint32_t ppm, uint64_t max_ms)
{
	m->i_mA = i_mA;
	for (uint64_t t = 0; t < max_ms; t += 1000) {
		if (i_mA > 0 && true_ppm(m) >= ppm)
			return;
		if (i_mA < 0 && true_ppm(m) <= ppm)
			return;
		sim_step(m, 1000);
	}
}

static int64_t err_ppm(const struct sim *m)
{
	return (int64_t)m->out.soc_ppm - true_ppm(m);
}

/* A CC/CV charger: at most @i_mA, and no more than keeps the highest cell
 * at @cv_mV; until the sync (at most @max_ms). Returns the SOC error of
 * the step before the sync. */
static int64_t sim_cv(struct sim *m, int32_t i_mA, int32_t cv_mV, uint64_t max_ms)
{
	int64_t before = 0;

	for (uint64_t t = 0; t < max_ms && !(m->seen & SOC_EV_SYNC); t += 1000) {
		int64_t ocv = soc_ocv_uV(&m->ref, true_ppm(m), m->temp_dC) / 1000;
		int64_t i = (cv_mV - m->spread_mV - ocv) * 1000000 / m->r_uohm;

		m->i_mA = (int32_t)(i > i_mA ? i_mA : i < 0 ? 0 : i);
		before = err_ppm(m);
		sim_step(m, 1000);
	}
	return before;
}

static int64_t iabs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static struct soc_persist persist_at(const struct cfg_soc *c, uint32_t ppm)
{
	struct soc_persist p;

	memset(&p, 0, sizeof(p));
	p.soc_valid = true;
	p.soc_ppm = ppm;
	p.nominal_mAh = c->capacity_mAh;
	p.soh_dpct = 1000;
	p.temp_min_dC = p.temp_max_dC = BP_TEMP_DC_NA;
	return p;
}

/* ---- the cycle: known capacity in, known SOC out ---------------------- */

static void test_cycle_gain_error(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 500000);
	static struct sim m;
	int64_t before_sync, before_ocv;

	/* the current sensor reads 1 % low */
	sim_init(&m, &c, &p, 500000);
	m.gain_ppm = -10000;
	m.track = true;
	sim_step(&m, 1000);
	CU_ASSERT(m.out.events & SOC_EV_RESTORED);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 500);

	/* 0.5C, then 3.60 V per cell until the current tails off: 0.5 % of
	 * the 50 % charged was not counted, until the sync */
	before_sync = sim_cv(&m, 50000, 3600, 3 * H_MS);
	CU_ASSERT(m.seen & SOC_EV_SYNC);
	CU_ASSERT(before_sync < -3000 && before_sync > -10000);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 1000);
	CU_ASSERT_TRUE(m.out.full);
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);

	/* 0.5C down to 5 %, then rest */
	sim_until(&m, -50000, 50000, 3 * H_MS);
	CU_ASSERT_FALSE(m.out.full);
	before_ocv = err_ppm(&m);
	CU_ASSERT(before_ocv > 5000 && before_ocv < 10000); /* 1 % of 95 % over */
	m.seen = 0;
	sim_run(&m, 0, 1799000, 1000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	sim_run(&m, 0, 2000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);
	CU_ASSERT(m.worst_err_ppm < 10000); /* within 1 % all along */

	/* the capacity between the sync and the OCV point: 99 % of 100 Ah as
	 * the sensor counts it, within 1 % */
	CU_ASSERT(m.seen & SOC_EV_SOH);
	CU_ASSERT(m.out.capacity_meas_mAh > 98010 && m.out.capacity_meas_mAh < 99990);
	CU_ASSERT(m.out.soh_dpct >= 980 && m.out.soh_dpct <= 1000);
	CU_ASSERT_EQUAL(m.out.capacity_mAh, m.out.capacity_meas_mAh);
	/* SOC keeps its percentage when the capacity in use changes */
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);
}

/* The same cycle with the sensor 1 % high: SOC reaches 100 % early and
 * holds there until the sync; the discharge ends 1 % low. */
static void test_cycle_gain_high(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 200000);
	static struct sim m;

	sim_init(&m, &c, &p, 200000);
	m.gain_ppm = 10000;
	m.track = true;
	sim_cv(&m, 50000, 3600, 3 * H_MS);
	CU_ASSERT(m.seen & SOC_EV_SYNC);
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);
	sim_until(&m, -50000, 80000, 3 * H_MS);
	CU_ASSERT(err_ppm(&m) < -5000);
	sim_run(&m, 0, 1801000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);
	CU_ASSERT(m.worst_err_ppm < 10000);
	CU_ASSERT(m.out.capacity_meas_mAh > 99990 && m.out.capacity_meas_mAh < 102010);
	CU_ASSERT_EQUAL(m.out.soh_dpct, 1000); /* SOH is at most 100 % */
}

/* ---- counting ----------------------------------------------------------- */

static void test_missed_frames(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 500000);
	static struct sim a, b;

	sim_init(&a, &c, &p, 500000);
	sim_init(&b, &c, &p, 500000);
	sim_step(&a, 1000);
	sim_step(&b, 1000);
	a.i_mA = b.i_mA = -20000;
	for (int i = 0; i < 600; i++) {
		sim_step(&a, 1000);
		/* b: the counter frames are lost two steps out of three */
		b.counters_valid = i % 3 == 0;
		sim_step(&b, 1000);
		if (!b.counters_valid)
			CU_ASSERT(b.out.soc_ppm >= a.out.soc_ppm);
	}
	b.counters_valid = true;
	sim_step(&a, 1000);
	sim_step(&b, 1000);
	CU_ASSERT_EQUAL(a.out.soc_ppm, b.out.soc_ppm);
	CU_ASSERT_EQUAL(a.out.counters.charge_out_mAh, b.out.counters.charge_out_mAh);
	/* 20 A x 601 s = 3.339 Ah of 100 Ah */
	CU_ASSERT(iabs64((int64_t)a.out.soc_ppm - (500000 - 33389)) < 20);
}

static void test_counter_fall(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 500000);
	struct soc s;
	struct soc_in in = { 0 };
	struct soc_out o;

	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), 0);
	/* the first values are a baseline, however large */
	in.charge_in_valid = in.charge_out_valid = true;
	in.charge_in_mAs = 90000000000ull;
	in.charge_out_mAs = 80000000000ull;
	soc_step(&s, &in, 1000, &o);
	CU_ASSERT_EQUAL(o.soc_ppm, 500000);
	CU_ASSERT_FALSE(o.events & SOC_EV_BASELINE);
	CU_ASSERT_EQUAL(o.counters.charge_in_mAh, 0);
	/* 1 % out */
	in.charge_out_mAs += CAP_MAS / 100;
	soc_step(&s, &in, 2000, &o);
	CU_ASSERT_EQUAL(o.soc_ppm, 490000);
	CU_ASSERT_EQUAL(o.counters.charge_out_mAh, 1000);
	/* the MCU restarted: both counters near 0 */
	in.charge_in_mAs = 10;
	in.charge_out_mAs = 20;
	soc_step(&s, &in, 3000, &o);
	CU_ASSERT_EQUAL(o.soc_ppm, 490000);
	CU_ASSERT(o.events & SOC_EV_BASELINE);
	CU_ASSERT_EQUAL(o.baseline_mask, 3);
	CU_ASSERT_EQUAL(o.counters.charge_out_mAh, 1000);
	/* counting goes on from the new baseline */
	in.charge_in_mAs += CAP_MAS / 50;
	soc_step(&s, &in, 4000, &o);
	CU_ASSERT_EQUAL(o.soc_ppm, 510000);
	CU_ASSERT_FALSE(o.events & SOC_EV_BASELINE);
	/* only one counter falls */
	in.charge_out_mAs = 5;
	soc_step(&s, &in, 5000, &o);
	CU_ASSERT_EQUAL(o.baseline_mask, 2);
	CU_ASSERT_EQUAL(o.soc_ppm, 510000);
	/* an invalid counter is no fall, and no jump when it comes back */
	in.charge_in_valid = false;
	in.charge_in_mAs = 0;
	soc_step(&s, &in, 6000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_BASELINE);
	in.charge_in_valid = true;
	in.charge_in_mAs = 10 + CAP_MAS / 50 + CAP_MAS / 100;
	soc_step(&s, &in, 7000, &o);
	CU_ASSERT_EQUAL(o.soc_ppm, 520000);
}

static void test_clamps(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 990000);
	struct soc s;
	struct soc_in in = { .charge_in_valid = true, .charge_out_valid = true };
	struct soc_out o;

	soc_init(&s, &c, &p);
	soc_step(&s, &in, 1000, &o);
	in.charge_in_mAs += CAP_MAS / 20;
	soc_step(&s, &in, 2000, &o);
	CU_ASSERT_EQUAL(o.soc_dpct, 1000);
	CU_ASSERT_EQUAL(o.remaining_mAh, 100000);
	CU_ASSERT_FALSE(o.full); /* counted to 100 %, not synced */
	in.charge_out_mAs += CAP_MAS * 2;
	soc_step(&s, &in, 3000, &o);
	CU_ASSERT_EQUAL(o.soc_ppm, 0);
	CU_ASSERT_TRUE(o.soc_valid);
	in.charge_in_mAs += CAP_MAS / 10;
	soc_step(&s, &in, 4000, &o);
	CU_ASSERT_EQUAL(o.soc_dpct, 100);
	CU_ASSERT_EQUAL(o.remaining_mAh, 10000);
}

/* ---- OCV: estimate, relax times, flat part, temperature ---------------- */

static void test_start_estimate(void)
{
	struct cfg_soc c = def_cfg();
	static struct sim m;

	/* no state file, at rest: SOC from OCV at once, even on the plateau */
	sim_init(&m, &c, NULL, 500000);
	sim_step(&m, 1000);
	CU_ASSERT_TRUE(m.out.soc_valid);
	CU_ASSERT(m.out.events & SOC_EV_ESTIMATE);
	CU_ASSERT_FALSE(m.out.ocv_old_valid);
	CU_ASSERT(iabs64(err_ppm(&m)) < 2000);
	CU_ASSERT_TRUE(m.out.save);

	/* under load: unknown until the current stops */
	sim_init(&m, &c, NULL, 100000);
	sim_run(&m, -30000, 10000, 1000);
	CU_ASSERT_FALSE(m.out.soc_valid);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 0);
	CU_ASSERT_EQUAL(m.out.remaining_mAh, 0);
	CU_ASSERT_FALSE(m.seen & SOC_EV_ESTIMATE);
	/* a small current counts as rest */
	sim_run(&m, -500, 1000, 1000);
	CU_ASSERT_TRUE(m.out.soc_valid);
	CU_ASSERT(m.out.events & SOC_EV_ESTIMATE);
	CU_ASSERT(iabs64(err_ppm(&m)) < 3000);

	/* without a current reading nothing is at rest */
	sim_init(&m, &c, NULL, 100000);
	sim_fill(&m);
	m.in.current_valid = false;
	soc_step(&m.s, &m.in, 5000, &m.out);
	CU_ASSERT_FALSE(m.out.soc_valid);
	/* nor without cells */
	m.in.current_valid = true;
	m.in.cells_valid = false;
	soc_step(&m.s, &m.in, 6000, &m.out);
	CU_ASSERT_FALSE(m.out.soc_valid);
	m.in.cells_valid = true;
	soc_step(&m.s, &m.in, 7000, &m.out);
	CU_ASSERT_TRUE(m.out.soc_valid);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 100);
}

static struct cfg_soc relax_cfg(void)
{
	struct cfg_soc c = def_cfg();

	c.relax_after_charge_s = 600;
	c.relax_after_discharge_s = 300;
	return c;
}

/* SOC off by 5 % at 10 % true SOC (steep), then rest after @i_mA. */
static void relax_setup(struct sim *m, const struct cfg_soc *c, int32_t i_mA)
{
	struct soc_persist p = persist_at(c, 150000);

	sim_init(m, c, &p, 100000);
	sim_run(m, i_mA, 10000, 1000);
	m->q_uAs = m->cap_uAs / 10; /* back to 10 % true */
	m->seen = 0;
}

static void test_relax_after_discharge(void)
{
	struct cfg_soc c = relax_cfg();
	static struct sim m;

	/* the rest starts at the first step without current: 300 steps
	 * later it has lasted 299 s */
	relax_setup(&m, &c, -20000);
	sim_run(&m, 0, 300000, 1000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	CU_ASSERT(err_ppm(&m) > 40000);
	CU_ASSERT_TRUE(m.out.resting);
	sim_step(&m, 1000); /* exactly 300 s of rest */
	CU_ASSERT(m.out.events & SOC_EV_OCV);
	CU_ASSERT_TRUE(m.out.ocv_old_valid);
	CU_ASSERT(m.out.ocv_old_dpct >= 140 && m.out.ocv_old_dpct <= 150);
	CU_ASSERT_EQUAL(m.out.ocv_new_dpct, 100);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 100);
	CU_ASSERT(m.out.ocv_slope_uV_per_pct >= 5000);
	CU_ASSERT_TRUE(m.out.save);
	/* once per rest */
	m.seen = 0;
	m.q_uAs = m.cap_uAs / 20;
	sim_run(&m, 0, 3000000, 10000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	/* a current interrupts the rest and re-arms it */
	sim_run(&m, -1000, 1000, 1000);
	CU_ASSERT_FALSE(m.out.resting);
	m.seen = 0;
	sim_run(&m, 0, 300000, 1000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	sim_run(&m, 0, 1000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
}

static void test_relax_after_charge(void)
{
	struct cfg_soc c = relax_cfg();
	static struct sim m;

	relax_setup(&m, &c, 20000);
	sim_run(&m, 0, 600000, 1000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	sim_step(&m, 1000);
	CU_ASSERT(m.out.events & SOC_EV_OCV);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 100);

	/* a rest that is interrupted before its time starts again */
	relax_setup(&m, &c, 20000);
	sim_run(&m, 0, 500000, 1000);
	sim_run(&m, 5000, 1000, 1000);
	m.q_uAs = m.cap_uAs / 10;
	sim_run(&m, 0, 600000, 1000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	sim_run(&m, 0, 1000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
}

static void test_relax_unknown_history(void)
{
	struct cfg_soc c = relax_cfg();
	struct soc_persist p = persist_at(&c, 150000);
	static struct sim m;

	/* at start nobody knows what came before: the longer time */
	sim_init(&m, &c, &p, 100000);
	sim_run(&m, 0, 599000, 1000);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 150);
	sim_run(&m, 0, 2000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 100);
	/* charge 0 s relax: at once */
	c.relax_after_charge_s = 0;
	c.relax_after_discharge_s = 0;
	sim_init(&m, &c, &p, 100000);
	sim_step(&m, 1000);
	CU_ASSERT(m.out.events & SOC_EV_OCV);
}

static void test_flat_skip(void)
{
	struct cfg_soc c = relax_cfg();
	struct soc_persist p = persist_at(&c, 500000);
	static struct sim m;

	/* true 60 %, counted 50 %: on the LFP plateau (1 mV/%) no correction */
	sim_init(&m, &c, &p, 600000);
	sim_run(&m, 0, 601000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV_FLAT);
	CU_ASSERT_FALSE(m.seen & SOC_EV_OCV);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 500);
	/* the estimate and the slope were still reported */
	{
		struct soc_out o = { 0 };
		char t[160];

		o.ocv_new_dpct = 600;
		o.ocv_slope_uV_per_pct = 1000;
		CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_OCV_FLAT, t, sizeof(t)), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "flat"));
	}
	/* slope 0 corrects everywhere */
	c.ocv_min_slope_mV_per_pct = 0;
	sim_init(&m, &c, &p, 600000);
	sim_run(&m, 0, 601000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
	CU_ASSERT(iabs64(err_ppm(&m)) < 2000);
	/* 25 %: 2 mV/%, just steep enough by default */
	c = relax_cfg();
	sim_init(&m, &c, &p, 250000);
	sim_run(&m, 0, 601000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);
	/* a stricter slope skips it */
	c.ocv_min_slope_mV_per_pct = 3;
	sim_init(&m, &c, &p, 250000);
	sim_run(&m, 0, 601000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV_FLAT);
	CU_ASSERT_EQUAL(m.out.soc_dpct, 500);
}

/* ocv1 at 25 degC as default; ocv2 at 45 degC (+20 mV), ocv3 at 0 degC
 * (-100 mV): given out of order on purpose */
static struct cfg_soc temp_cfg(void)
{
	struct cfg_soc c = relax_cfg();

	c.ocv[1] = c.ocv[0];
	c.ocv[1].configured = true;
	c.ocv[1].temp_dC = 450;
	c.ocv[2] = c.ocv[0];
	c.ocv[2].configured = true;
	c.ocv[2].temp_dC = 0;
	for (unsigned int i = 0; i < c.ocv[0].mV_vs_soc_pct.n; i++) {
		c.ocv[1].mV_vs_soc_pct.y[i] += 20;
		c.ocv[2].mV_vs_soc_pct.y[i] -= 100;
	}
	return c;
}

static void test_temperature_interpolation(void)
{
	struct cfg_soc c = temp_cfg();
	struct soc s;
	uint32_t ppm, slope;

	soc_init(&s, &c, NULL);
	CU_ASSERT_EQUAL(s.ntab, 3);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 250), 3295000);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 450), 3315000);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 0), 3195000);
	/* between tables: linear in temperature */
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 125), 3245000);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 350), 3305000);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 100000, 50), 3120000);
	/* beyond the coldest and the warmest: held */
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, -300), 3195000);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 700), 3315000);
	/* between SOC points */
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 970000, 250), 3415000);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 2000000, 250), 3600000);
	/* the inverse */
	soc_ocv_lookup(&s, 3150, 125, &ppm, &slope);
	CU_ASSERT(iabs64((int64_t)ppm - 100000) <= 1);
	CU_ASSERT(slope >= 5000 && slope <= 20000);
	soc_ocv_lookup(&s, 3200, 250, &ppm, &slope);
	CU_ASSERT(iabs64((int64_t)ppm - 100000) <= 1);
	soc_ocv_lookup(&s, 3100, 0, &ppm, &slope);
	CU_ASSERT(iabs64((int64_t)ppm - 100000) <= 1);
	soc_ocv_lookup(&s, 2000, 250, &ppm, &slope);
	CU_ASSERT_EQUAL(ppm, 0);
	CU_ASSERT(slope > 100000);
	soc_ocv_lookup(&s, 3700, 250, &ppm, &slope);
	CU_ASSERT_EQUAL(ppm, 1000000);
	soc_ocv_lookup(&s, 3415, 250, &ppm, &slope);
	CU_ASSERT(iabs64((int64_t)ppm - 970000) <= 1);
	/* a single table ignores the temperature */
	c = def_cfg();
	soc_init(&s, &c, NULL);
	CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, -300), 3295000);
}

static void test_temperature_correction(void)
{
	struct cfg_soc c = temp_cfg();
	struct soc_persist p = persist_at(&c, 150000);
	static struct sim m;

	/* at 12.5 degC, 10 % reads 3150 mV: corrected to 10 %, not to what
	 * the 25 degC table would say */
	sim_init(&m, &c, &p, 100000);
	m.temp_dC = 125;
	sim_run(&m, 0, 601000, 1000);
	CU_ASSERT(m.seen & SOC_EV_OCV);
	CU_ASSERT(iabs64(err_ppm(&m)) < 1000);
	/* with several tables, no temperature means no correction */
	sim_init(&m, &c, &p, 100000);
	m.i_mA = 0;
	for (int i = 0; i < 700; i++) {
		m.t_ms += 1000;
		sim_fill(&m);
		m.in.temp_valid = false;
		soc_step(&m.s, &m.in, m.t_ms, &m.out);
		m.seen |= m.out.events;
	}
	CU_ASSERT_FALSE(m.seen & (SOC_EV_OCV | SOC_EV_OCV_FLAT));
	CU_ASSERT_EQUAL(m.out.soc_dpct, 150);
	/* it comes when the temperature does */
	sim_step(&m, 1000);
	CU_ASSERT(m.out.events & SOC_EV_OCV);
}

/* ---- full-charge sync --------------------------------------------------- */

static void full_in(struct soc_in *in, uint16_t max_mV, int32_t i_mA)
{
	memset(in, 0, sizeof(*in));
	in->cells_valid = true;
	in->cell_max_mV = max_mV;
	in->cell_mean_mV = (uint16_t)(max_mV - 40);
	in->cell_min_mV = (uint16_t)(max_mV - 80);
	in->current_valid = true;
	in->current_mA = i_mA;
	in->wall_s = 1700000000;
}

static void test_sync_hold_exact(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 970000);
	struct soc s;
	struct soc_in in;
	struct soc_out o;

	soc_init(&s, &c, &p);
	full_in(&in, 3499, 4000);
	soc_step(&s, &in, 1000, &o);
	/* from here on the condition holds */
	full_in(&in, 3500, 4000);
	soc_step(&s, &in, 2000, &o);
	soc_step(&s, &in, 2000 + 59999, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
	CU_ASSERT_EQUAL(o.soc_dpct, 970);
	soc_step(&s, &in, 2000 + 60000, &o);
	CU_ASSERT(o.events & SOC_EV_SYNC);
	CU_ASSERT_TRUE(o.sync_old_valid);
	CU_ASSERT_EQUAL(o.sync_old_dpct, 970);
	CU_ASSERT_EQUAL(o.soc_dpct, 1000);
	CU_ASSERT_TRUE(o.full);
	CU_ASSERT_TRUE(o.save);
	CU_ASSERT_EQUAL(s.life.syncs, 1);
	CU_ASSERT_EQUAL(s.life.last_sync_wall_s, 1700000000);
	/* once while the condition lasts */
	soc_step(&s, &in, 200000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
	/* hold 0: the first step with the condition */
	c.full_hold_s = 0;
	soc_init(&s, &c, &p);
	soc_step(&s, &in, 1000, &o);
	CU_ASSERT(o.events & SOC_EV_SYNC);
}

static void test_sync_current_edges(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 970000);
	struct soc s;
	struct soc_in in;
	struct soc_out o;
	int32_t no[] = { 5000, 5001, 100000, -1000, -50000 };
	int32_t yes[] = { 4999, 1, 0, -999 };

	/* at the tail current or above, or discharging: never */
	for (unsigned int k = 0; k < sizeof(no) / sizeof(no[0]); k++) {
		soc_init(&s, &c, &p);
		full_in(&in, 3600, no[k]);
		soc_step(&s, &in, 1000, &o);
		soc_step(&s, &in, 1000000, &o);
		CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
		CU_ASSERT_EQUAL(o.soc_dpct, 970);
	}
	/* below the tail while charging, or at rest */
	for (unsigned int k = 0; k < sizeof(yes) / sizeof(yes[0]); k++) {
		soc_init(&s, &c, &p);
		full_in(&in, 3600, yes[k]);
		soc_step(&s, &in, 1000, &o);
		soc_step(&s, &in, 61000, &o);
		CU_ASSERT(o.events & SOC_EV_SYNC);
	}
	/* an interruption restarts the hold */
	soc_init(&s, &c, &p);
	full_in(&in, 3600, 3000);
	soc_step(&s, &in, 1000, &o);
	soc_step(&s, &in, 50000, &o);
	full_in(&in, 3600, 6000);
	soc_step(&s, &in, 51000, &o);
	full_in(&in, 3600, 3000);
	soc_step(&s, &in, 52000, &o);
	soc_step(&s, &in, 111000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
	soc_step(&s, &in, 112000, &o);
	CU_ASSERT(o.events & SOC_EV_SYNC);
	/* no current reading, no cells: no sync */
	soc_init(&s, &c, &p);
	full_in(&in, 3600, 3000);
	in.current_valid = false;
	soc_step(&s, &in, 1000, &o);
	soc_step(&s, &in, 100000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
	full_in(&in, 3600, 3000);
	in.cells_valid = false;
	soc_step(&s, &in, 101000, &o);
	soc_step(&s, &in, 200000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
	/* the mean at full_cell_mV is not enough: the highest cell counts */
	full_in(&in, 3499, 3000);
	in.cell_mean_mV = 3499;
	soc_step(&s, &in, 201000, &o);
	soc_step(&s, &in, 300000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_SYNC);
}

static void test_sync_unknown_and_full_flag(void)
{
	struct cfg_soc c = def_cfg();
	struct soc s;
	struct soc_in in;
	struct soc_out o;
	char t[160];

	/* SOC unknown (never at rest): a sync makes it known */
	soc_init(&s, &c, NULL);
	full_in(&in, 3600, 3000);
	in.charge_in_valid = in.charge_out_valid = true;
	soc_step(&s, &in, 1000, &o);
	CU_ASSERT_FALSE(o.soc_valid);
	soc_step(&s, &in, 61000, &o);
	CU_ASSERT(o.events & SOC_EV_SYNC);
	CU_ASSERT_FALSE(o.sync_old_valid);
	CU_ASSERT_TRUE(o.soc_valid);
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_SYNC, t, sizeof(t)), EV_SOC_SYNC);
	CU_ASSERT_STRING_EQUAL(t, "full-charge sync: SOC unknown -> 100.0 %");
	/* full ends below 99 % */
	full_in(&in, 3300, -20000);
	in.charge_in_valid = in.charge_out_valid = true;
	in.charge_out_mAs = CAP_MAS / 100 - 1;
	soc_step(&s, &in, 62000, &o);
	CU_ASSERT_TRUE(o.full);
	in.charge_out_mAs = CAP_MAS / 100 + 3600;
	soc_step(&s, &in, 63000, &o);
	CU_ASSERT_FALSE(o.full);
	CU_ASSERT_EQUAL(o.soc_dpct, 990);
}

/* ---- SOH ---------------------------------------------------------------- */

/* A soc at 100 % just synced, fed by hand. */
struct hand {
	struct soc s;
	struct soc_in in;
	struct soc_out o;
	uint64_t t;
	unsigned int seen;
};

static void hand_step(struct hand *h, uint64_t dt_ms)
{
	h->t += dt_ms;
	soc_step(&h->s, &h->in, h->t, &h->o);
	h->seen |= h->o.events;
}

static void hand_sync(struct hand *h)
{
	uint64_t ci = h->in.charge_in_mAs, co = h->in.charge_out_mAs;

	full_in(&h->in, 3600, 0);
	h->in.charge_in_valid = h->in.charge_out_valid = true;
	h->in.charge_in_mAs = ci;
	h->in.charge_out_mAs = co;
	hand_step(h, 1000);
	hand_step(h, 60000);
	CU_ASSERT(h->o.events & SOC_EV_SYNC);
	h->seen = 0;
}

/* Discharge @d_mAs, then rest at @mV until the OCV correction. */
static void hand_down_to(struct hand *h, int64_t d_mAs, uint16_t mV)
{
	h->in.current_mA = -50000;
	h->in.cell_max_mV = h->in.cell_mean_mV = h->in.cell_min_mV = 3200;
	h->in.charge_out_mAs += (uint64_t)d_mAs;
	hand_step(h, 1000);
	h->in.current_mA = 0;
	h->in.cell_max_mV = h->in.cell_mean_mV = h->in.cell_min_mV = mV;
	hand_step(h, 1000);
	hand_step(h, 1800000);
	CU_ASSERT(h->o.events & SOC_EV_OCV);
}

static void test_soh_measure(void)
{
	struct cfg_soc c = def_cfg();
	static struct hand h;
	char t[200];

	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	/* 100 % -> 10 % (3200 mV) with 81 Ah out: 90 Ah capacity */
	hand_down_to(&h, 81000ll * 3600, 3200);
	CU_ASSERT(h.o.events & SOC_EV_SOH);
	CU_ASSERT_EQUAL(h.o.soh_meas_mAh, 90000);
	CU_ASSERT_EQUAL(h.o.soh_span_dpct, 900);
	CU_ASSERT_EQUAL(h.o.soh_old_dpct, 1000);
	CU_ASSERT_EQUAL(h.o.capacity_meas_mAh, 90000);
	CU_ASSERT_EQUAL(h.o.soh_dpct, 900);
	CU_ASSERT_EQUAL(h.o.capacity_mAh, 90000);
	CU_ASSERT_EQUAL(h.o.soc_dpct, 100);
	CU_ASSERT_EQUAL(h.o.remaining_mAh, 9000);
	CU_ASSERT_TRUE(h.o.save);
	CU_ASSERT_EQUAL(soc_event_text(&h.o, SOC_EV_SOH, t, sizeof(t)), EV_SOH);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "90000 mAh over 90.0 %"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "SOH 100.0 % -> 90.0 %"));
	/* back up from the OCV point to the next sync: 85.5 Ah in over 90 %
	 * is 95 Ah; the average of 90 and 95 */
	h.in.current_mA = 50000;
	h.in.charge_in_mAs += 85500ull * 3600;
	hand_step(&h, 1000);
	hand_sync(&h);
	CU_ASSERT(h.o.events & SOC_EV_SOH);
	CU_ASSERT_EQUAL(h.o.soh_meas_mAh, 95000);
	CU_ASSERT_EQUAL(h.o.capacity_meas_mAh, 92500);
	CU_ASSERT_EQUAL(h.o.soh_dpct, 925);
	/* four more of 80 Ah: the oldest ones leave the average */
	for (int i = 0; i < 2; i++) {
		hand_down_to(&h, 72000ll * 3600, 3200);
		CU_ASSERT_EQUAL(h.o.soh_meas_mAh, 80000);
		h.in.current_mA = 50000;
		h.in.charge_in_mAs += 72000ull * 3600;
		hand_step(&h, 1000);
		hand_sync(&h);
		CU_ASSERT_EQUAL(h.o.soh_meas_mAh, 80000);
	}
	CU_ASSERT_EQUAL(h.o.capacity_meas_mAh, 80000);
	CU_ASSERT_EQUAL(h.s.life.soh_n, SOC_SOH_AVG);
	CU_ASSERT_EQUAL(h.o.soh_dpct, 800);
}

static void test_soh_reject(void)
{
	struct cfg_soc c = def_cfg();
	static struct hand h;
	char t[200];

	/* too narrow a span: no measurement, the sync stays the reference */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	hand_down_to(&h, 3000ll * 3600, 3380); /* 95 % */
	CU_ASSERT_FALSE(h.seen & (SOC_EV_SOH | SOC_EV_SOH_REJECT));
	hand_down_to(&h, 80000ll * 3600, 3200); /* 10 %: 83 Ah over 90 % */
	CU_ASSERT(h.o.events & SOC_EV_SOH);
	CU_ASSERT_EQUAL(h.o.soh_meas_mAh, 92222);

	/* implausible: 30 Ah over 90 % */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	hand_down_to(&h, 27000ll * 3600, 3200);
	CU_ASSERT(h.o.events & SOC_EV_SOH_REJECT);
	CU_ASSERT_FALSE(h.o.events & SOC_EV_SOH);
	CU_ASSERT_EQUAL(h.o.soh_meas_mAh, 30000);
	CU_ASSERT_EQUAL(h.o.soh_dpct, 1000);
	CU_ASSERT_EQUAL(h.o.capacity_meas_mAh, 0);
	CU_ASSERT_EQUAL(soc_event_text(&h.o, SOC_EV_SOH_REJECT, t, sizeof(t)), EV_SOH);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "discarded"));

	/* a counter fall between the points: no measurement */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	h.in.charge_in_mAs = 0;
	h.in.charge_out_mAs = 0;
	hand_step(&h, 1000); /* the same value: no fall yet */
	h.in.charge_out_mAs = 5000;
	hand_step(&h, 1000);
	h.in.charge_out_mAs = 10;
	hand_step(&h, 1000);
	CU_ASSERT(h.o.events & SOC_EV_BASELINE);
	hand_down_to(&h, 81000ll * 3600, 3200);
	CU_ASSERT_FALSE(h.seen & (SOC_EV_SOH | SOC_EV_SOH_REJECT));

	/* an operator's set between the points: no measurement */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	CU_ASSERT_EQUAL(soc_set(&h.s, 800, h.t), 0);
	hand_down_to(&h, 81000ll * 3600, 3200);
	CU_ASSERT_FALSE(h.seen & (SOC_EV_SOH | SOC_EV_SOH_REJECT));

	/* a counter that leaps beyond any battery: discarded, no overflow */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	hand_down_to(&h, 1ll << 55, 3200);
	CU_ASSERT(h.o.events & SOC_EV_SOH_REJECT);
	CU_ASSERT_EQUAL(h.o.soh_dpct, 1000);

	/* a reference older than a week: no measurement */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	h.in.current_mA = 0;
	h.in.cell_max_mV = h.in.cell_mean_mV = h.in.cell_min_mV = 3300;
	hand_step(&h, SOC_ANCHOR_MAX_MS);
	hand_down_to(&h, 81000ll * 3600, 3200);
	CU_ASSERT_FALSE(h.seen & (SOC_EV_SOH | SOC_EV_SOH_REJECT));
}

/* ---- lifetime counters -------------------------------------------------- */

static void test_counters(void)
{
	struct cfg_soc c = def_cfg();
	struct soc s;
	struct soc_in in = { .charge_in_valid = true, .charge_out_valid = true };
	struct soc_out o;
	uint64_t t = 0;
	uint8_t masks[] = { 0x0, 0x1, 0x3, 0x1, 0x0, 0x1, 0x9, 0xF };
	struct view_counters vc;

	soc_init(&s, &c, NULL);
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.temp_min_dC, BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(o.counters.temp_max_dC, BP_TEMP_DC_NA);
	/* 2.5 capacities out and 2 in, at 51.2 V */
	in.pack_valid = true;
	in.pack_mV = 51200;
	for (int i = 0; i < 250; i++) {
		in.charge_out_mAs += CAP_MAS / 100;
		if (i < 200)
			in.charge_in_mAs += CAP_MAS / 100;
		soc_step(&s, &in, t += 1000, &o);
	}
	CU_ASSERT_EQUAL(o.counters.full_cycles_dcyc, 250);
	CU_ASSERT_EQUAL(o.counters.charge_out_mAh, 250000);
	CU_ASSERT_EQUAL(o.counters.charge_in_mAh, 200000);
	CU_ASSERT_EQUAL(o.counters.energy_out_Wh, 12800);
	CU_ASSERT_EQUAL(o.counters.energy_in_Wh, 10240);
	/* a fraction of a cycle is kept, not lost */
	in.charge_out_mAs += CAP_MAS / 200;
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.full_cycles_dcyc, 250);
	in.charge_out_mAs += CAP_MAS / 200;
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.full_cycles_dcyc, 251);
	/* without a pack voltage, the last known one */
	in.pack_valid = false;
	in.pack_mV = 0;
	in.charge_out_mAs += 3600000; /* 1 Ah */
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.energy_out_Wh, 12800 + 51 + 51);
	/* uJ carried: 1000 steps of 1 mAs at 51.2 V is 51.2 J */
	in.pack_valid = true;
	in.pack_mV = 51200;
	{
		uint64_t e0 = s.life.energy_out_mJ;

		for (int i = 0; i < 1000; i++) {
			in.charge_out_mAs += 1;
			soc_step(&s, &in, t += 1000, &o);
		}
		CU_ASSERT_EQUAL(s.life.energy_out_mJ - e0, 51200);
	}

	/* a leap beyond any battery is no energy */
	{
		uint64_t e0 = s.life.energy_out_mJ, q0 = s.life.charge_out_mAs;

		in.charge_out_mAs += 1ull << 55;
		soc_step(&s, &in, t += 1000, &o);
		CU_ASSERT_EQUAL(s.life.energy_out_mJ, e0);
		CU_ASSERT_EQUAL(s.life.charge_out_mAs - q0, 1ull << 55);
		CU_ASSERT_EQUAL(o.counters.full_cycles_dcyc, UINT32_MAX); /* saturated */
	}

	/* contactor closings per relay, the first mask a baseline */
	in.relays_valid = true;
	for (unsigned int i = 0; i < sizeof(masks); i++) {
		in.relay_mask = masks[i];
		soc_step(&s, &in, t += 1000, &o);
		if (i == 2) {
			/* an invalid mask in between changes nothing */
			in.relays_valid = false;
			in.relay_mask = 0;
			soc_step(&s, &in, t += 1000, &o);
			in.relays_valid = true;
		}
	}
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[0], 2);
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[1], 2);
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[2], 1);
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[3], 1);
	soc_init(&s, &c, NULL);
	in.relay_mask = 0xF;
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[0], 0);

	/* temperature extremes */
	in.temp_valid = true;
	in.temp_min_dC = 150;
	in.temp_max_dC = 300;
	soc_step(&s, &in, t += 1000, &o);
	in.temp_min_dC = -120;
	in.temp_max_dC = 250;
	soc_step(&s, &in, t += 1000, &o);
	in.temp_min_dC = BP_TEMP_DC_NA;
	in.temp_max_dC = 455;
	soc_step(&s, &in, t += 1000, &o);
	in.temp_valid = false;
	in.temp_min_dC = -400;
	in.temp_max_dC = 900;
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.temp_min_dC, -120);
	CU_ASSERT_EQUAL(o.counters.temp_max_dC, 455);
	soc_counters(&s, &vc);
	CU_ASSERT_EQUAL(memcmp(&vc, &o.counters, sizeof(vc)), 0);

	/* counters run while SOC is unknown */
	CU_ASSERT_FALSE(o.soc_valid);
	in.charge_in_mAs += 7200;
	soc_step(&s, &in, t += 1000, &o);
	CU_ASSERT_EQUAL(o.counters.charge_in_mAh, 2);
}

/* ---- operator ----------------------------------------------------------- */

static void test_set_reset(void)
{
	struct cfg_soc c = def_cfg();
	static struct sim m;
	static struct hand h;
	struct soc_out o;

	sim_init(&m, &c, NULL, 100000);
	sim_step(&m, 1000);
	CU_ASSERT_EQUAL(soc_set(&m.s, 555, m.t_ms), 0);
	soc_read(&m.s, &o);
	CU_ASSERT_TRUE(o.soc_valid);
	CU_ASSERT_EQUAL(o.soc_dpct, 555);
	CU_ASSERT_EQUAL(o.events, 0);
	CU_ASSERT_EQUAL(soc_set(&m.s, 1001, m.t_ms), -EINVAL);
	soc_read(&m.s, &o);
	CU_ASSERT_EQUAL(o.soc_dpct, 555);
	CU_ASSERT_EQUAL(soc_set(&m.s, 0, m.t_ms), 0);
	CU_ASSERT_EQUAL(soc_set(&m.s, 1000, m.t_ms), 0);
	soc_read(&m.s, &o);
	CU_ASSERT_EQUAL(o.soc_dpct, 1000);
	CU_ASSERT_FALSE(o.full); /* a set is no sync */
	/* the next step asks for a save */
	sim_step(&m, 1000);
	CU_ASSERT_TRUE(m.out.save);

	/* reset at rest: SOC from OCV at once, capacity nominal again */
	memset(&h, 0, sizeof(h));
	soc_init(&h.s, &c, NULL);
	hand_sync(&h);
	hand_down_to(&h, 81000ll * 3600, 3200);
	CU_ASSERT_EQUAL(h.o.soh_dpct, 900);
	h.in.cell_mean_mV = 3100; /* 5 % */
	hand_step(&h, 1000);
	CU_ASSERT_EQUAL(soc_reset(&h.s, h.t), 1);
	soc_read(&h.s, &o);
	CU_ASSERT_TRUE(o.soc_valid);
	CU_ASSERT_EQUAL(o.soc_dpct, 50);
	CU_ASSERT_EQUAL(o.soh_dpct, 1000);
	CU_ASSERT_EQUAL(o.capacity_meas_mAh, 0);
	CU_ASSERT_EQUAL(o.capacity_mAh, 100000);
	CU_ASSERT_EQUAL(o.remaining_mAh, 5000);
	hand_step(&h, 1000);
	CU_ASSERT_TRUE(h.o.save);

	/* reset under load: unknown until the battery rests */
	h.in.current_mA = -40000;
	hand_step(&h, 1000);
	CU_ASSERT_EQUAL(soc_reset(&h.s, h.t), 0);
	soc_read(&h.s, &o);
	CU_ASSERT_FALSE(o.soc_valid);
	hand_step(&h, 1000);
	CU_ASSERT_FALSE(h.o.soc_valid);
	h.in.current_mA = 0;
	hand_step(&h, 1000);
	CU_ASSERT(h.o.events & SOC_EV_ESTIMATE);
	CU_ASSERT_EQUAL(h.o.soc_dpct, 50);

	/* reset before any step: unknown */
	soc_init(&h.s, &c, NULL);
	CU_ASSERT_EQUAL(soc_reset(&h.s, 0), 0);
}

/* ---- persistence -------------------------------------------------------- */

static void test_restore(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 423456), q;
	struct soc s;
	struct soc_out o;
	struct soc_in in = { 0 };
	char t[200];

	p.capacity_meas_mAh = 95000;
	p.soh_n = 2;
	p.soh_hist_mAh[0] = 94000;
	p.soh_hist_mAh[1] = 96000;
	p.soh_dpct = 950;
	p.charge_in_mAs = 123456789;
	p.contactor_cycles[2] = 77;
	p.cycles_dcyc = 1234;
	p.temp_min_dC = -50;
	p.temp_max_dC = 420;
	p.syncs = 9;
	p.last_sync_wall_s = 1690000000;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), 0);
	soc_step(&s, &in, 1000, &o);
	CU_ASSERT(o.events & SOC_EV_RESTORED);
	CU_ASSERT_EQUAL(o.soc_ppm, 423456);
	CU_ASSERT_EQUAL(o.soc_dpct, 423);
	CU_ASSERT_EQUAL(o.capacity_mAh, 95000);
	CU_ASSERT_EQUAL(o.soh_dpct, 950);
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[2], 77);
	CU_ASSERT_EQUAL(o.counters.full_cycles_dcyc, 1234);
	CU_ASSERT_EQUAL(o.counters.temp_min_dC, -50);
	CU_ASSERT_FALSE(o.save);
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_RESTORED, t, sizeof(t)), EV_SOC_RESTORED);
	CU_ASSERT_STRING_EQUAL(t, "state restored: SOC 42.3 %, SOH 95.0 %, capacity 95000 mAh");
	soc_step(&s, &in, 2000, &o);
	CU_ASSERT_FALSE(o.events & SOC_EV_RESTORED);
	/* round trip */
	soc_persist_get(&s, &q);
	CU_ASSERT_EQUAL(q.soc_ppm, 423456);
	CU_ASSERT_EQUAL(q.charge_in_mAs, 123456789);
	CU_ASSERT_EQUAL(q.syncs, 9);
	CU_ASSERT_EQUAL(q.last_sync_wall_s, 1690000000);
	CU_ASSERT_EQUAL(q.soh_n, 2);

	/* another nominal capacity: the measurements are dropped */
	p.nominal_mAh = 200000;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), 0);
	soc_read(&s, &o);
	CU_ASSERT_EQUAL(o.soh_dpct, 1000);
	CU_ASSERT_EQUAL(o.capacity_meas_mAh, 0);
	CU_ASSERT_EQUAL(o.soc_dpct, 423);
	CU_ASSERT_EQUAL(o.counters.contactor_cycles[2], 77);
	/* a measured capacity out of 50..150 %: dropped too */
	p.nominal_mAh = 100000;
	p.capacity_meas_mAh = 30000;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), 0);
	soc_read(&s, &o);
	CU_ASSERT_EQUAL(o.capacity_mAh, 100000);
	CU_ASSERT_EQUAL(s.life.soh_n, 0);
	/* SOC not known when saved */
	p = persist_at(&c, 0);
	p.soc_valid = false;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), 0);
	soc_read(&s, &o);
	CU_ASSERT_FALSE(o.soc_valid);
	/* values out of range: refused, as if there were no file */
	p = persist_at(&c, 1000001);
	p.charge_in_mAs = 5;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), -EINVAL);
	soc_step(&s, &in, 1000, &o);
	CU_ASSERT_FALSE(o.soc_valid);
	CU_ASSERT_FALSE(o.events & SOC_EV_RESTORED);
	CU_ASSERT_EQUAL(o.counters.charge_in_mAh, 0);
	p = persist_at(&c, 0);
	p.soh_n = SOC_SOH_AVG + 1;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), -EINVAL);
	p = persist_at(&c, 0);
	p.temp_min_dC = 100;
	p.temp_max_dC = 50;
	CU_ASSERT_EQUAL(soc_init(&s, &c, &p), -EINVAL);
}

static void test_save_period(void)
{
	struct cfg_soc c = def_cfg();
	struct soc_persist p = persist_at(&c, 500000), q;
	struct soc s;
	struct soc_in in = { .charge_in_valid = true, .charge_out_valid = true };
	struct soc_out o;

	soc_init(&s, &c, &p);
	soc_step(&s, &in, 1000, &o);
	CU_ASSERT_FALSE(o.save);
	/* nothing changed: no write, however long */
	soc_step(&s, &in, 61000, &o);
	CU_ASSERT_FALSE(o.save);
	soc_step(&s, &in, 500000, &o);
	CU_ASSERT_FALSE(o.save);
	/* a change waits for the period */
	in.charge_out_mAs += 3600;
	soc_step(&s, &in, 501000, &o);
	CU_ASSERT_FALSE(o.save);
	soc_step(&s, &in, 559999, &o);
	CU_ASSERT_FALSE(o.save);
	soc_step(&s, &in, 560000, &o);
	CU_ASSERT_TRUE(o.save);
	soc_persist_get(&s, &q);
	CU_ASSERT_EQUAL(q.charge_out_mAs, 3600);
	in.charge_out_mAs += 3600;
	soc_step(&s, &in, 561000, &o);
	CU_ASSERT_FALSE(o.save);
	soc_step(&s, &in, 620000, &o);
	CU_ASSERT_TRUE(o.save);
	/* soc_reconfigure keeps the state; a new capacity drops SOH only */
	c.capacity_mAh = 50000;
	s.life.capacity_meas_mAh = 90000;
	soc_reconfigure(&s, &c);
	soc_read(&s, &o);
	CU_ASSERT_EQUAL(o.capacity_mAh, 50000);
	CU_ASSERT_EQUAL(o.soc_ppm, 499980);
	CU_ASSERT_EQUAL(o.counters.charge_out_mAh, 2);
	CU_ASSERT_EQUAL(o.soh_dpct, 1000);
}

static void test_event_text(void)
{
	struct soc_out o = { 0 };
	char t[200];

	o.ocv_old_valid = true;
	o.ocv_old_dpct = 153;
	o.ocv_new_dpct = 100;
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_OCV, t, sizeof(t)), EV_SOC_OCV);
	CU_ASSERT_STRING_EQUAL(t, "SOC corrected from OCV: 15.3 % -> 10.0 %");
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_ESTIMATE, t, sizeof(t)), EV_SOC_OCV);
	CU_ASSERT_STRING_EQUAL(t, "SOC estimated from OCV at rest: 10.0 %");
	o.sync_old_valid = true;
	o.sync_old_dpct = 995;
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_SYNC, t, sizeof(t)), EV_SOC_SYNC);
	CU_ASSERT_STRING_EQUAL(t, "full-charge sync: SOC 99.5 % -> 100.0 %");
	o.baseline_mask = 3;
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_BASELINE, t, sizeof(t)), 0);
	CU_ASSERT_STRING_EQUAL(t, "charge counters fell (MCU restart): new baseline");
	CU_ASSERT_EQUAL(soc_event_text(&o, 0x1000, t, sizeof(t)), 0);
	CU_ASSERT_STRING_EQUAL(t, "");
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_SYNC | SOC_EV_OCV, t, sizeof(t)), 0);
	/* a short buffer is cut, never overrun */
	CU_ASSERT_EQUAL(soc_event_text(&o, SOC_EV_SYNC, t, 8), EV_SOC_SYNC);
	CU_ASSERT_EQUAL(strlen(t), 7);
}

/* ---- the soc section of bmsd.yaml -------------------------------------- */

static void test_cfg_defaults(void)
{
	struct cfg_soc d = def_cfg();
	struct cfg c;
	struct cfg_error e;
	struct soc s;
	int rc;

	rc = parse_plus("", &c, &e);
	if (rc)
		fprintf(stderr, "\nminimal config: %s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c.soc.capacity_mAh, 100000);
	CU_ASSERT_EQUAL(c.soc.relax_current_mA, 1000);
	CU_ASSERT_EQUAL(c.soc.relax_after_charge_s, 3600);
	CU_ASSERT_EQUAL(c.soc.relax_after_discharge_s, 1800);
	CU_ASSERT_EQUAL(c.soc.ocv_min_slope_mV_per_pct, 2);
	CU_ASSERT_EQUAL(c.soc.full_cell_mV, 3500);
	CU_ASSERT_EQUAL(c.soc.tail_current_mA, 5000);
	CU_ASSERT_EQUAL(c.soc.full_hold_s, 60);
	CU_ASSERT_EQUAL(c.soc.soh_min_span_pct, 50);
	CU_ASSERT_STRING_EQUAL(c.soc.state_file, "/var/lib/bmsd/state");
	CU_ASSERT_EQUAL(c.soc.persist_period_s, 60);
	CU_ASSERT_EQUAL(c.soc.ocv[0].temp_dC, 250);
	for (unsigned int i = 1; i < SOC_OCV_TABLES; i++)
		CU_ASSERT_FALSE(c.soc.ocv[i].configured);
	/* the rest of the tests use this mirror of the defaults */
	CU_ASSERT_EQUAL(memcmp(&c.soc, &d, sizeof(d)), 0);
	CU_ASSERT_EQUAL(soc_init(&s, &c.soc, NULL), 0);
	CU_ASSERT_EQUAL(s.ntab, 1);
	/* the rules between keys pass on the defaults */
	{
		char msg[200];
		uint32_t off = 0;

		CU_ASSERT_EQUAL(cfg_soc_xcheck(&c.soc, msg, sizeof(msg), &off), 0);
	}
}

static void test_cfg_good(void)
{
	struct cfg c;
	struct cfg_error e;
	int rc;

	rc = parse_plus("soc:\n"
		       "  capacity_mAh: 280000\n"
		       "  relax_after_charge_s: 7200\n"
		       "  state_file: /data/bmsd/soc.state\n"
		       "  ocv1:\n"
		       "    temp_dC: 250\n"
		       "    mV_vs_soc_pct: [[0, 3000], [10, 3450], [50, 3740], [100, 4200]]\n"
		       "  ocv3:\n"
		       "    temp_dC: -100\n"
		       "    mV_vs_soc_pct: [[0, 2900], [100, 4150]]\n",
		       &c, &e);
	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c.soc.capacity_mAh, 280000);
	CU_ASSERT_EQUAL(c.soc.relax_after_charge_s, 7200);
	CU_ASSERT_EQUAL(c.soc.relax_after_discharge_s, 1800);
	CU_ASSERT_STRING_EQUAL(c.soc.state_file, "/data/bmsd/soc.state");
	CU_ASSERT_EQUAL(c.soc.ocv[0].mV_vs_soc_pct.n, 4);
	CU_ASSERT_FALSE(c.soc.ocv[1].configured);
	CU_ASSERT_TRUE(c.soc.ocv[2].configured);
	CU_ASSERT_EQUAL(c.soc.ocv[2].temp_dC, -100);
	CU_ASSERT_EQUAL(c.soc.ocv[2].mV_vs_soc_pct.n, 2);
	CU_ASSERT_FALSE(c.soc.ocv[3].configured);
	{
		struct soc s;

		soc_init(&s, &c.soc, NULL);
		CU_ASSERT_EQUAL(s.ntab, 2);
		CU_ASSERT_EQUAL(s.tab[0], 2);
		CU_ASSERT_EQUAL(s.tab[1], 0);
		CU_ASSERT_EQUAL(soc_ocv_uV(&s, 500000, 75), 3632500);
	}
	/* only the temperature of ocv1: the default curve stays */
	CU_ASSERT_EQUAL(parse_plus("soc:\n  ocv1: {temp_dC: 0}\n", &c, &e), 0);
	CU_ASSERT_EQUAL(c.soc.ocv[0].mV_vs_soc_pct.n, 15);
	CU_ASSERT_EQUAL(c.soc.ocv[0].temp_dC, 0);
}

/* The example in docs/soc.md parses (the suites run at the top of the tree). */
static void test_cfg_doc_example(void)
{
	static char text[16384];
	FILE *f = fopen("docs/soc.md", "r");
	size_t n;
	char *y, *end;
	struct cfg c;
	struct cfg_error e;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	y = strstr(text, "```yaml\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	y += 8;
	end = strstr(y, "```");
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = 0;
	rc = parse_plus(y, &c, &e);
	if (rc)
		fprintf(stderr, "\ndocs/soc.md example: %s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c.soc.capacity_mAh, 280000);
	CU_ASSERT_TRUE(c.soc.ocv[1].configured);
	CU_ASSERT_EQUAL(c.soc.ocv[1].mV_vs_soc_pct.n, 12);
}

static void expect_bad(const char *extra, int line, int col, const char *sub)
{
	struct cfg c;
	struct cfg_error e;
	char where[32];
	int rc = parse_plus(extra, &c, &e);

	snprintf(where, sizeof(where), "t.yaml:%d:%d:", line, col);
	if (rc != -EINVAL || e.line != line || e.col != col || !strstr(e.msg, sub) ||
	    strncmp(e.msg, where, strlen(where)))
		fprintf(stderr, "\nexpected %s '%s', got rc %d: %s\n", where, sub, rc, e.msg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, line);
	CU_ASSERT_EQUAL(e.col, col);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, sub));
	CU_ASSERT_EQUAL(strncmp(e.msg, where, strlen(where)), 0);
}

static void test_cfg_bad(void)
{
	const int L = SOC_LINE;

	expect_bad("soc:\n  capacity_mAh: 999\n", L + 1, 17, "out of range");
	expect_bad("soc:\n  capacity_mAh: 100Ah\n", L + 1, 17, "capacity_mAh");
	expect_bad("soc:\n  persist_period_s: 5\n", L + 1, 21, "out of range");
	expect_bad("soc:\n  relax_current_mA: 0\n", L + 1, 21, "out of range");
	expect_bad("soc:\n  capacty_mAh: 5000\n", L + 1, 3, "capacity_mAh");
	expect_bad("soc:\n  state_file: var/lib/bmsd/state\n", L + 1, 15, "absolute");
	expect_bad("soc:\n  state_file: /var/lib/bmsd/\n", L + 1, 15, "not of a directory");
	expect_bad("soc:\n  state_file: /var/lib/bmsd/..\n", L + 1, 15, "not of a directory");
	/* the voltage must rise with SOC */
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[0, 3000], [50, 2900], [100, 3600]]\n",
		   L + 2, 20, "must increase with SOC (2900 mV at 50 % after 3000 mV at 0 %)");
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[0, 3000], [50, 3000], [100, 3600]]\n",
		   L + 2, 20, "must increase");
	/* and span 0..100 */
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[5, 3000], [100, 3600]]\n", L + 2, 20,
		   "from SOC 0 to 100 (got 5 to 100)");
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[0, 3000], [90, 3600]]\n", L + 2, 20,
		   "from SOC 0 to 100");
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[0, 3000]]\n", L + 2, 20,
		   "at least 2 points");
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[0, 3000], [101, 3600]]\n", L + 2, 33,
		   "x out of range");
	expect_bad("soc:\n  ocv1:\n    mV_vs_soc_pct: [[0, 3000], [100, 7000]]\n", L + 2, 38,
		   "y out of range");
	/* a table in ocv2..ocv4 needs both keys; its rules apply too */
	expect_bad("soc:\n  ocv2:\n    temp_dC: 0\n", L + 2, 5, "missing required key 'mV_vs_soc_pct'");
	expect_bad("soc:\n  ocv4:\n    mV_vs_soc_pct: [[0, 3000], [100, 3600]]\n", L + 2, 5,
		   "missing required key 'temp_dC' (required when the table is given)");
	expect_bad("soc:\n  ocv2:\n    temp_dC: 0\n"
		   "    mV_vs_soc_pct: [[0, 3000], [100, 2900]]\n",
		   L + 3, 20, "must increase");
	expect_bad("soc:\n  ocv5:\n    temp_dC: 0\n", L + 1, 3, "ocv");
}

static const struct cfg_key *soc_row(void)
{
	for (const struct cfg_key *k = cfg_schema; k->name; k++)
		if (!strcmp(k->name, "soc"))
			return k;
	return NULL;
}

static void test_cfg_xcheck(void)
{
	struct cfg c;
	struct cfg_error e;
	char msg[300];
	uint32_t off = 0;
	const char *two_at_0 = "soc:\n"
			       "  ocv2:\n"
			       "    temp_dC: 0\n"
			       "    mV_vs_soc_pct: [[0, 3000], [100, 3600]]\n"
			       "  ocv4:\n"
			       "    temp_dC: 0\n"
			       "    mV_vs_soc_pct: [[0, 3000], [100, 3600]]\n";
	const struct cfg_key *row = soc_row();

	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	/* distinct temperatures: fine */
	CU_ASSERT_EQUAL(parse_plus("soc:\n  ocv2:\n    temp_dC: 0\n"
				  "    mV_vs_soc_pct: [[0, 3000], [100, 3600]]\n", &c, &e), 0);
	CU_ASSERT_EQUAL(cfg_soc_xcheck(&c.soc, msg, sizeof(msg), &off), 0);
	/* ocv2 at ocv1's 25 degC */
	c.soc.ocv[1].temp_dC = 250;
	CU_ASSERT_EQUAL(cfg_soc_xcheck(&c.soc, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_soc, ocv[1].temp_dC));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "250 dC is also the temperature of ocv1"));
	/* an unused table's temperature does not count */
	c.soc.ocv[1].configured = false;
	CU_ASSERT_EQUAL(cfg_soc_xcheck(&c.soc, msg, sizeof(msg), &off), 0);
	/* ocv4 at ocv2's */
	if (row->xcheck == cfg_soc_xcheck) {
		/* wired into the schema: the parser reports it at the key */
		expect_bad(two_at_0, SOC_LINE + 5, 14, "soc.ocv4.temp_dC: 0 dC is also the "
			   "temperature of ocv2");
	} else {
		CU_ASSERT_EQUAL(parse_plus(two_at_0, &c, &e), 0);
		CU_ASSERT_EQUAL(cfg_soc_xcheck(&c.soc, msg, sizeof(msg), &off), 1);
		CU_ASSERT_EQUAL(off, offsetof(struct cfg_soc, ocv[3].temp_dC));
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "0 dC is also the temperature of ocv2"));
	}
}

void cu_register(void)
{
	static const struct cu_test cycle[] = {
		CU_TEST(test_cycle_gain_error),
		CU_TEST(test_cycle_gain_high),
		CU_END,
	};
	static const struct cu_test counting[] = {
		CU_TEST(test_missed_frames),
		CU_TEST(test_counter_fall),
		CU_TEST(test_clamps),
		CU_END,
	};
	static const struct cu_test ocv[] = {
		CU_TEST(test_start_estimate),
		CU_TEST(test_relax_after_discharge),
		CU_TEST(test_relax_after_charge),
		CU_TEST(test_relax_unknown_history),
		CU_TEST(test_flat_skip),
		CU_TEST(test_temperature_interpolation),
		CU_TEST(test_temperature_correction),
		CU_END,
	};
	static const struct cu_test sync[] = {
		CU_TEST(test_sync_hold_exact),
		CU_TEST(test_sync_current_edges),
		CU_TEST(test_sync_unknown_and_full_flag),
		CU_END,
	};
	static const struct cu_test soh[] = {
		CU_TEST(test_soh_measure),
		CU_TEST(test_soh_reject),
		CU_END,
	};
	static const struct cu_test misc[] = {
		CU_TEST(test_counters),
		CU_TEST(test_set_reset),
		CU_TEST(test_restore),
		CU_TEST(test_save_period),
		CU_TEST(test_event_text),
		CU_END,
	};
	static const struct cu_test cfgs[] = {
		CU_TEST(test_cfg_defaults),
		CU_TEST(test_cfg_good),
		CU_TEST(test_cfg_doc_example),
		CU_TEST(test_cfg_bad),
		CU_TEST(test_cfg_xcheck),
		CU_END,
	};

	cu_add("soc_cycle", cycle);
	cu_add("soc_counting", counting);
	cu_add("soc_ocv", ocv);
	cu_add("soc_sync", sync);
	cu_add("soc_soh", soh);
	cu_add("soc_misc", misc);
	cu_add("soc_cfg", cfgs);
}
