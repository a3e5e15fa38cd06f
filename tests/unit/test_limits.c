/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits: each curve and the minimum over them, the worst-case
 * temperature, ramps up and down at their rates, cuts on faults, blocks,
 * derating, unknown inputs, the voltage limits; and the limits section of
 * bmsd.yaml, good and bad.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "cfg.h"
#include "cfg_keys.h"
#include "fixture.h"
#include "limit.h"

static struct cfg_curve mk(unsigned int n, const int32_t *x, const int32_t *y)
{
	struct cfg_curve c = { .n = (uint8_t)n };

	for (unsigned int i = 0; i < n; i++) {
		c.x[i] = x[i];
		c.y[i] = y[i];
	}
	return c;
}

/* The documented defaults, written out, so that the logic tests do not
 * depend on the parser. */
static struct cfg_limits base(void)
{
	struct cfg_limits c = {
		.max_charge_mA = 100000,
		.max_discharge_mA = 100000,
		.ramp_up_mA_per_s = 10000,
		.ramp_down_mA_per_s = 50000,
		.derate_pct = 50,
		.ccl_no_temp_pct = 0,
		.dcl_no_temp_pct = 0,
		.cvl_cell_mV = 3550,
		.dvl_cell_mV = 2900,
	};

	c.ccl_pct_vs_temp_dC = mk(4, (const int32_t[]){ 0, 50, 450, 550 },
				  (const int32_t[]){ 0, 100, 100, 0 });
	c.ccl_pct_vs_cell_mV = mk(2, (const int32_t[]){ 3450, 3600 }, (const int32_t[]){ 100, 0 });
	c.dcl_pct_vs_temp_dC = mk(5, (const int32_t[]){ -200, -100, 0, 500, 600 },
				  (const int32_t[]){ 0, 50, 100, 100, 0 });
	c.dcl_pct_vs_cell_mV = mk(2, (const int32_t[]){ 2800, 3000 }, (const int32_t[]){ 0, 100 });
	return c;
}

/* A healthy pack at 25 degC, mid SOC, 32 cells. */
static struct limits_in nominal(void)
{
	return (struct limits_in){
		.temp_valid = true, .temp_min_dC = 240, .temp_max_dC = 260,
		.cell_valid = true, .cell_min_mV = 3290, .cell_max_mV = 3310,
		.soc_valid = true, .soc_dpct = 500,
		.cells = 32,
	};
}

/* Targets only: one step (they do not depend on the ramp). */
static void targets(const struct cfg_limits *c, const struct limits_in *in, struct limits_out *o)
{
	struct limits l;

	limits_init(&l, c);
	limits_step(&l, in, 1000, o);
}

/* Step every @dt_ms until @until_ms; returns the last output in @o. */
static void run(struct limits *l, const struct limits_in *in, uint64_t *t, uint64_t until_ms,
		uint64_t dt_ms, struct limits_out *o)
{
	while (*t < until_ms) {
		*t += dt_ms;
		limits_step(l, in, *t, o);
	}
}

/* Settle both limits at their targets. */
static void settle(struct limits *l, const struct limits_in *in, uint64_t *t,
		   struct limits_out *o)
{
	run(l, in, t, *t + 60000, 100, o);
	CU_ASSERT_EQUAL_FATAL(o->ccl_mA, o->ccl_target_mA);
	CU_ASSERT_EQUAL_FATAL(o->dcl_mA, o->dcl_target_mA);
}

/* ---- the curves ---------------------------------------------------------- */

static void test_nominal(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_MAX);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_MAX);
	CU_ASSERT_EQUAL(o.cvl_mV, 3550u * 32);
	CU_ASSERT_EQUAL(o.dvl_mV, 2900u * 32);
	CU_ASSERT_FALSE(o.derated);
}

static void test_ccl_temp(void)
{
	static const struct {
		int32_t tmin, tmax;
		uint32_t want_mA;
	} v[] = {
		{ 250, 250, 100000 },
		{ 50, 450, 100000 },  /* both ends of the flat part */
		{ 0, 0, 0 },          /* 0 degC: no charge */
		{ -100, 250, 0 },     /* the coldest cell decides */
		{ -400, -300, 0 },    /* clamped below the first point */
		{ 25, 250, 50000 },   /* 2.5 degC: half way up */
		{ 10, 250, 20000 },
		{ 250, 500, 50000 },  /* 50 degC at the warmest cell */
		{ 30, 520, 30000 },   /* both derate (60 %, 30 %): the smaller wins */
		{ 250, 550, 0 },
		{ 250, 1900, 0 },     /* clamped above the last point */
	};

	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct cfg_limits c = base();
		struct limits_in in = nominal();
		struct limits_out o;
		in.temp_min_dC = v[i].tmin;
		in.temp_max_dC = v[i].tmax;
		targets(&c, &in, &o);
		CU_ASSERT_EQUAL(o.ccl_target_mA, v[i].want_mA);
		CU_ASSERT_EQUAL(o.ccl_by, v[i].want_mA < 100000 ? LIM_BY_TEMP : LIM_BY_MAX);
	}
}

static void test_dcl_temp(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.temp_min_dC = -150; /* 25 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 25000);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_TEMP);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0); /* charging below 0 degC: none */
	in.temp_min_dC = 0;
	in.temp_max_dC = 550; /* 50 % at the warm end */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 50000);
	in.temp_min_dC = -250;
	in.temp_max_dC = 250;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 0);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_TEMP);
}

static void test_ccl_cell(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.cell_max_mV = 3450;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_MAX);
	in.cell_max_mV = 3525;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 50000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_CELL);
	/* sub-percent resolution: 3451 mV is 99.33 % */
	in.cell_max_mV = 3451;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 99330);
	in.cell_max_mV = 3600;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	in.cell_max_mV = 16382;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	/* the lowest cell does not matter for charging */
	in = nominal();
	in.cell_min_mV = 2500;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
}

static void test_dcl_cell(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.cell_min_mV = 2900;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 50000);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_CELL);
	in.cell_min_mV = 2800;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 0);
	in.cell_min_mV = 0;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 0);
	in.cell_min_mV = 3000;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	/* the highest cell does not matter for discharging */
	in = nominal();
	in.cell_max_mV = 3650;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
}

static void test_soc_curves(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	c.ccl_pct_vs_soc_pct = mk(2, (const int32_t[]){ 90, 100 }, (const int32_t[]){ 100, 20 });
	c.dcl_pct_vs_soc_pct = mk(2, (const int32_t[]){ 0, 10 }, (const int32_t[]){ 10, 100 });
	in.soc_dpct = 950;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 60000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_SOC);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	/* evaluated at 0.1 %: 90.5 % is 96 % */
	in.soc_dpct = 905;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 96000);
	in.soc_dpct = 1000;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 20000);
	in.soc_dpct = 5000; /* out of range: taken as 100 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 20000);
	in.soc_dpct = 50; /* 5 %: 55 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 55000);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_SOC);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	/* unknown SOC: the SOC curves are left out */
	in.soc_valid = false;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_MAX);
}

static void test_min_over_curves(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	c.ccl_pct_vs_soc_pct = mk(2, (const int32_t[]){ 90, 100 }, (const int32_t[]){ 100, 0 });
	in.temp_max_dC = 500;   /* 50 % */
	in.cell_max_mV = 3480;  /* 80 % */
	in.soc_dpct = 940;      /* 60 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 50000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_TEMP);
	in.cell_max_mV = 3540;  /* 40 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 40000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_CELL);
	in.soc_dpct = 970;      /* 30 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 30000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_SOC);
	/* a tie goes to the first of temperature, cell, SOC */
	in.soc_dpct = 950;      /* 50 % */
	in.cell_max_mV = 3525;  /* 50 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 50000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_TEMP);
}

static void test_no_curves(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	memset(&c.ccl_pct_vs_temp_dC, 0, sizeof(c.ccl_pct_vs_temp_dC));
	memset(&c.ccl_pct_vs_cell_mV, 0, sizeof(c.ccl_pct_vs_cell_mV));
	memset(&c.dcl_pct_vs_temp_dC, 0, sizeof(c.dcl_pct_vs_temp_dC));
	memset(&c.dcl_pct_vs_cell_mV, 0, sizeof(c.dcl_pct_vs_cell_mV));
	in.temp_min_dC = -400;
	in.temp_max_dC = 900;
	in.cell_min_mV = 2000;
	in.cell_max_mV = 4000;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	/* and no temperature matters then */
	in.temp_valid = false;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_MAX);
}

static void test_one_point_curve(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	/* a single point: a constant share whatever the input */
	c.ccl_pct_vs_temp_dC = mk(1, (const int32_t[]){ 0 }, (const int32_t[]){ 70 });
	in.temp_min_dC = -500;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 70000);
	c.ccl_pct_vs_temp_dC = mk(1, (const int32_t[]){ 0 }, (const int32_t[]){ 100 });
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_MAX);
}

static void test_big_max(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	c.max_charge_mA = 8388607;
	c.max_discharge_mA = 8388607;
	in.cell_max_mV = 3451; /* 99.33 % */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, (uint32_t)(8388607ull * 9933 / 10000));
	CU_ASSERT_EQUAL(o.dcl_target_mA, 8388607);
	c.max_charge_mA = 0;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
}

/* ---- unknown inputs ------------------------------------------------------ */

static void test_unknown_cells(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.cell_valid = false;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_NO_DATA);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_NO_DATA);
	/* the voltage limits do not depend on the cells */
	CU_ASSERT_EQUAL(o.cvl_mV, 3550u * 32);
	/* even without any curve */
	memset(&c.ccl_pct_vs_cell_mV, 0, sizeof(c.ccl_pct_vs_cell_mV));
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
}

static void test_unknown_temp(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.temp_valid = false;
	in.temp_min_dC = 250; /* ignored: not valid */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_NO_DATA);
	c.ccl_no_temp_pct = 20;
	c.dcl_no_temp_pct = 100;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 20000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_NO_DATA);
	CU_ASSERT_EQUAL(o.dcl_target_mA, 100000);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_MAX);
	/* the other curves still apply */
	in.cell_max_mV = 3600;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_CELL);
}

/* ---- ramps ----------------------------------------------------------------- */

static void test_ramp_up_from_start(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 5000;

	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 0);
	CU_ASSERT_EQUAL(o.dcl_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 100000);
	run(&l, &in, &t, 6000, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 10000);
	CU_ASSERT_EQUAL(o.dcl_mA, 10000);
	run(&l, &in, &t, 10500, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 55000);
	run(&l, &in, &t, 14900, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 99000);
	run(&l, &in, &t, 15000, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 100000);
	run(&l, &in, &t, 20000, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 100000); /* never beyond the target */
}

static void test_ramp_slow_rate(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 0;

	/* 7 mA/s in 10 ms steps: 0.07 mA a step, carried over */
	c.ramp_up_mA_per_s = 7;
	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	run(&l, &in, &t, 1000, 10, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 7);
	run(&l, &in, &t, 10000, 10, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 70);
	/* irregular steps give the same result */
	limits_init(&l, &c);
	t = 0;
	limits_step(&l, &in, t, &o);
	for (unsigned int i = 0; t < 10000; i++) {
		t += 1 + (i * 37) % 290;
		if (t > 10000)
			t = 10000;
		limits_step(&l, &in, t, &o);
	}
	CU_ASSERT_EQUAL(o.ccl_mA, 70);
}

static void test_ramp_down(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 0;

	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	settle(&l, &in, &t, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 100000);
	/* the highest cell at 3600 mV: target 0, falling at 50 A/s */
	in.cell_max_mV = 3600;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_mA, 100000);
	uint64_t t0 = t;

	run(&l, &in, &t, t0 + 500, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 75000);
	CU_ASSERT_EQUAL(o.dcl_mA, 100000); /* the other limit stays */
	run(&l, &in, &t, t0 + 2000, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 0);
	/* back up at 10 A/s */
	in = nominal();
	run(&l, &in, &t, t0 + 3000, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 10000);
}

static void test_ramp_zero_rates(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;

	c.ramp_up_mA_per_s = 0;
	c.ramp_down_mA_per_s = 0;
	limits_init(&l, &c);
	limits_step(&l, &in, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 100000);
	CU_ASSERT_EQUAL(o.dcl_mA, 100000);
	in.cell_max_mV = 3525;
	limits_step(&l, &in, 100, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 50000);
}

static void test_fault_cut(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 0;

	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	settle(&l, &in, &t, &o);
	/* a fall with a fault active: at once, in the same step */
	in.fault_cut = true;
	in.temp_max_dC = 500;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 50000);
	CU_ASSERT_EQUAL(o.dcl_mA, 100000);
	/* a rise still ramps, fault or not */
	in.temp_max_dC = 250;
	limits_step(&l, &in, t + 1000, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 60000);
}

static void test_blocks(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 0;

	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	settle(&l, &in, &t, &o);
	in.block_charge = true;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 0);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_BLOCK);
	CU_ASSERT_EQUAL(o.dcl_mA, 100000);
	CU_ASSERT_EQUAL(o.cvl_mV, 3550u * 32); /* voltages stay */
	in.block_discharge = true;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.dcl_mA, 0);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_BLOCK);
	/* released: both ramp up from 0 */
	in.block_charge = false;
	in.block_discharge = false;
	limits_step(&l, &in, t + 500, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 5000);
	CU_ASSERT_EQUAL(o.dcl_mA, 5000);
	/* a block beats everything, even with unknown inputs */
	in.block_charge = true;
	in.cell_valid = false;
	limits_step(&l, &in, t + 600, &o);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_BLOCK);
	CU_ASSERT_EQUAL(o.dcl_by, LIM_BY_NO_DATA);
	CU_ASSERT_EQUAL(o.dcl_mA, 0);
}

static void test_derate(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 0;

	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	settle(&l, &in, &t, &o);
	in.derate = true;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_TRUE(o.derated);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 50000);
	CU_ASSERT_EQUAL(o.ccl_mA, 50000); /* at once */
	CU_ASSERT_EQUAL(o.dcl_mA, 50000);
	/* on top of a curve */
	in.cell_max_mV = 3525;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 25000);
	CU_ASSERT_EQUAL(o.ccl_by, LIM_BY_CELL);
	/* another share */
	c.derate_pct = 30;
	limits_reconfigure(&l, &c);
	in.cell_max_mV = 3300;
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_target_mA, 30000);
	CU_ASSERT_EQUAL(o.ccl_mA, 25000); /* rising: it ramps */
	c.derate_pct = 0;
	limits_reconfigure(&l, &c);
	limits_step(&l, &in, t, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 0);
	/* derate gone: ramps back up */
	in.derate = false;
	limits_step(&l, &in, t + 1000, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 10000);
	CU_ASSERT_FALSE(o.derated);
}

static void test_time(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;

	limits_init(&l, &c);
	limits_step(&l, &in, 10000, &o);
	limits_step(&l, &in, 11000, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 10000);
	/* time going back: no movement, and none counted afterwards */
	limits_step(&l, &in, 5000, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 10000);
	limits_step(&l, &in, 11500, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 15000);
	/* a huge gap does not overflow */
	c.ramp_up_mA_per_s = 8388607;
	c.max_charge_mA = 8388607;
	limits_reconfigure(&l, &c);
	limits_step(&l, &in, UINT64_MAX, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 8388607);
	limits_step(&l, &in, UINT64_MAX, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 8388607);
}

static void test_reconfigure(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;
	struct limits l;
	uint64_t t = 0;

	limits_init(&l, &c);
	limits_step(&l, &in, t, &o);
	settle(&l, &in, &t, &o);
	c.max_charge_mA = 200000;
	limits_reconfigure(&l, &c);
	limits_step(&l, &in, t + 1000, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 110000); /* kept, then ramps */
	limits_init(&l, &c);
	limits_step(&l, &in, t + 2000, &o);
	CU_ASSERT_EQUAL(o.ccl_mA, 0);
}

/* ---- voltage limits ------------------------------------------------------ */

static void test_voltage_limits(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.cells = 16;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 56800);
	CU_ASSERT_EQUAL(o.dvl_mV, 46400);
	in.cells = 0;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 0);
	CU_ASSERT_EQUAL(o.dvl_mV, 0);
	in.cells = 768; /* 32 boards of 24 */
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 3550u * 768);
	/* unknown cells and a block do not touch the voltages */
	in.cell_valid = false;
	in.block_charge = true;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 3550u * 768);
	CU_ASSERT_EQUAL(o.dvl_mV, 2900u * 768);
}

static void test_cvl_temp_curve(void)
{
	struct cfg_limits c = base();
	struct limits_in in = nominal();
	struct limits_out o;

	in.cells = 16;
	/* lower when cold and when hot, and above the cap in between */
	c.cvl_cell_mV_vs_temp_dC = mk(4, (const int32_t[]){ 0, 100, 400, 500 },
				      (const int32_t[]){ 3450, 3600, 3600, 3400 });
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 3550u * 16); /* capped by cvl_cell_mV */
	in.temp_min_dC = 50;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 3525u * 16);
	in.temp_min_dC = 250;
	in.temp_max_dC = 450;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 3500u * 16);
	/* unknown temperature: the curve's lowest point */
	in.temp_valid = false;
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 3400u * 16);
	/* DVL never above CVL */
	c.cvl_cell_mV_vs_temp_dC = mk(1, (const int32_t[]){ 0 }, (const int32_t[]){ 2800 });
	targets(&c, &in, &o);
	CU_ASSERT_EQUAL(o.cvl_mV, 2800u * 16);
	CU_ASSERT_EQUAL(o.dvl_mV, 2800u * 16);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_MAX), "max");
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_TEMP), "temperature");
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_CELL), "cell voltage");
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_SOC), "soc");
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_NO_DATA), "no data");
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_BLOCK), "block");
	CU_ASSERT_STRING_EQUAL(limits_by_name(LIM_BY_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(limits_by_name((enum limits_by)-1), "?");
}

/* ---- the limits section of bmsd.yaml ------------------------------------- */

static bool curve_eq(const struct cfg_curve *a, const struct cfg_curve *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (a->x[i] != b->x[i] || a->y[i] != b->y[i])
			return false;
	return true;
}

/* Refused at line FIXTURE_LINES + @line, column @col, with @sub in the
 * message, which starts with the position. */
static void refused(const char *extra, int line, int col, const char *sub)
{
	struct cfg c;
	struct cfg_error e;
	char pos[32];
	int rc = parse_plus(extra, &c, &e);

	snprintf(pos, sizeof(pos), "t.yaml:%d:%d: ", FIXTURE_LINES + line, col);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, FIXTURE_LINES + line);
	CU_ASSERT_EQUAL(e.col, col);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, sub));
	CU_ASSERT_EQUAL(strncmp(e.msg, pos, strlen(pos)), 0);
	if (rc != -EINVAL || e.line != FIXTURE_LINES + line || e.col != col || !strstr(e.msg, sub))
		fprintf(stderr, "\nwant %d:%d '%s', got %d: %s\n", FIXTURE_LINES + line, col, sub,
			rc, e.msg);
}

static void test_cfg_defaults(void)
{
	struct cfg_limits want = base();
	struct cfg c;
	struct cfg_error e;
	const struct cfg_limits *l = &c.limits;

	CU_ASSERT_EQUAL_FATAL(parse_plus("", &c, &e), 0);
	CU_ASSERT_EQUAL(l->max_charge_mA, want.max_charge_mA);
	CU_ASSERT_EQUAL(l->max_discharge_mA, want.max_discharge_mA);
	CU_ASSERT_EQUAL(l->ramp_up_mA_per_s, want.ramp_up_mA_per_s);
	CU_ASSERT_EQUAL(l->ramp_down_mA_per_s, want.ramp_down_mA_per_s);
	CU_ASSERT_EQUAL(l->derate_pct, 50);
	CU_ASSERT_EQUAL(l->ccl_no_temp_pct, 0);
	CU_ASSERT_EQUAL(l->dcl_no_temp_pct, 0);
	CU_ASSERT_EQUAL(l->cvl_cell_mV, 3550);
	CU_ASSERT_EQUAL(l->dvl_cell_mV, 2900);
	CU_ASSERT_TRUE(curve_eq(&l->ccl_pct_vs_temp_dC, &want.ccl_pct_vs_temp_dC));
	CU_ASSERT_TRUE(curve_eq(&l->ccl_pct_vs_cell_mV, &want.ccl_pct_vs_cell_mV));
	CU_ASSERT_TRUE(curve_eq(&l->dcl_pct_vs_temp_dC, &want.dcl_pct_vs_temp_dC));
	CU_ASSERT_TRUE(curve_eq(&l->dcl_pct_vs_cell_mV, &want.dcl_pct_vs_cell_mV));
	CU_ASSERT_EQUAL(l->ccl_pct_vs_soc_pct.n, 0);
	CU_ASSERT_EQUAL(l->dcl_pct_vs_soc_pct.n, 0);
	CU_ASSERT_EQUAL(l->cvl_cell_mV_vs_temp_dC.n, 0);
	/* the defaults follow the brief for LFP: 100 % from 5 to 45 degC, 0 below 0 */
	CU_ASSERT_EQUAL(curve_eval(&l->ccl_pct_vs_temp_dC, 50), 100);
	CU_ASSERT_EQUAL(curve_eval(&l->ccl_pct_vs_temp_dC, 450), 100);
	CU_ASSERT_EQUAL(curve_eval(&l->ccl_pct_vs_temp_dC, 0), 0);
	CU_ASSERT_EQUAL(curve_eval(&l->ccl_pct_vs_temp_dC, -100), 0);
}

static void test_cfg_good(void)
{
	struct cfg c;
	struct cfg_error e;
	const struct cfg_limits *l = &c.limits;
	int rc = parse_plus("limits:\n"
			    "  max_charge_mA: 50000\n"
			    "  max_discharge_mA: 150000\n"
			    "  ramp_up_mA_per_s: 0\n"
			    "  ramp_down_mA_per_s: 8388607\n"
			    "  derate_pct: 25\n"
			    "  ccl_no_temp_pct: 10\n"
			    "  dcl_no_temp_pct: 100\n"
			    "  cvl_cell_mV: 4150\n"
			    "  dvl_cell_mV: 3000\n"
			    "  ccl_pct_vs_temp_dC: [[-500, 0], [2000, 100]]\n"
			    "  ccl_pct_vs_cell_mV: [[4000, 100], [4200, 0]]\n"
			    "  ccl_pct_vs_soc_pct:\n"
			    "    - [0, 100]\n"
			    "    - [90, 100]\n"
			    "    - [100, 10]\n"
			    "  dcl_pct_vs_temp_dC: [[0, 100]]\n"
			    "  dcl_pct_vs_cell_mV: [[0, 0], [16382, 100]]\n"
			    "  dcl_pct_vs_soc_pct: [[5, 20], [15, 100]]\n"
			    "  cvl_cell_mV_vs_temp_dC: [[0, 4000], [100, 4150]]\n",
			    &c, &e);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(l->max_charge_mA, 50000);
	CU_ASSERT_EQUAL(l->max_discharge_mA, 150000);
	CU_ASSERT_EQUAL(l->ramp_up_mA_per_s, 0);
	CU_ASSERT_EQUAL(l->ramp_down_mA_per_s, 8388607);
	CU_ASSERT_EQUAL(l->derate_pct, 25);
	CU_ASSERT_EQUAL(l->ccl_no_temp_pct, 10);
	CU_ASSERT_EQUAL(l->dcl_no_temp_pct, 100);
	CU_ASSERT_EQUAL(l->cvl_cell_mV, 4150);
	CU_ASSERT_EQUAL(l->dvl_cell_mV, 3000);
	CU_ASSERT_EQUAL(l->ccl_pct_vs_temp_dC.n, 2);
	CU_ASSERT_EQUAL(l->ccl_pct_vs_temp_dC.x[0], -500);
	CU_ASSERT_EQUAL(l->ccl_pct_vs_soc_pct.n, 3);
	CU_ASSERT_EQUAL(l->ccl_pct_vs_soc_pct.x[2], 100);
	CU_ASSERT_EQUAL(l->ccl_pct_vs_soc_pct.y[2], 10);
	CU_ASSERT_EQUAL(l->dcl_pct_vs_temp_dC.n, 1);
	CU_ASSERT_EQUAL(l->dcl_pct_vs_cell_mV.x[1], 16382);
	CU_ASSERT_EQUAL(l->cvl_cell_mV_vs_temp_dC.y[1], 4150);
	CU_ASSERT_EQUAL(cfg_limits_xcheck(l, e.msg, sizeof(e.msg), &(uint32_t){ 0 }), 0);
}

static void test_cfg_sixteen_points(void)
{
	char buf[1024];
	size_t n = 0;
	struct cfg c;
	struct cfg_error e;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "limits:\n  ccl_pct_vs_soc_pct: [");
	for (unsigned int i = 0; i < 16; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s[%u, %u]", i ? ", " : "",
				      i * 6, 100 - i * 6);
	snprintf(buf + n, sizeof(buf) - n, "]\n");
	CU_ASSERT_EQUAL_FATAL(parse_plus(buf, &c, &e), 0);
	CU_ASSERT_EQUAL(c.limits.ccl_pct_vs_soc_pct.n, 16);
	CU_ASSERT_EQUAL(c.limits.ccl_pct_vs_soc_pct.y[15], 10);
	/* seventeen: refused at the 17th point */
	n = (size_t)snprintf(buf, sizeof(buf), "limits:\n  ccl_pct_vs_soc_pct: [");
	for (unsigned int i = 0; i < 17; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s[%u, 50]", i ? "," : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]\n");
	/* "  ccl_pct_vs_soc_pct: [" is 23 columns; each "[i, 50]," point before
	 * the 11th is 8 wide, the later ones 9 */
	refused(buf, 2, 24 + 10 * 8 + 6 * 9, "too many points");
}

static void test_cfg_bad(void)
{
	refused("limits:\n  max_charge_mA: 8388608\n", 2, 18, "out of range");
	refused("limits:\n  max_charge_mA: -1\n", 2, 18, "out of range");
	refused("limits:\n  derate_pct: 101\n", 2, 15, "out of range");
	refused("limits:\n  cvl_cell_mV: 999\n", 2, 16, "out of range");
	refused("limits:\n  ramp_up_mA_per_s: fast\n", 2, 21, "integer");
	refused("limits:\n  max_charge_A: 10\n", 2, 3, "max_charge_mA");
	/* curves */
	refused("limits:\n  ccl_pct_vs_temp_dC: [[0, 0], [0, 100]]\n", 2, 32, "increase");
	refused("limits:\n  ccl_pct_vs_temp_dC: [[10, 0], [5, 100]]\n", 2, 33, "increase");
	refused("limits:\n  ccl_pct_vs_temp_dC: [[0, 0], [50, 101]]\n", 2, 37, "out of range");
	refused("limits:\n  ccl_pct_vs_temp_dC: [[0, -1]]\n", 2, 28, "out of range");
	refused("limits:\n  ccl_pct_vs_temp_dC: [[-501, 0]]\n", 2, 25, "out of range");
	refused("limits:\n  ccl_pct_vs_soc_pct: [[101, 0]]\n", 2, 25, "out of range");
	refused("limits:\n  ccl_pct_vs_cell_mV: [[3000, 0, 1]]\n", 2, 24, "two integers");
	refused("limits:\n  ccl_pct_vs_cell_mV: [[3000]]\n", 2, 24, "two integers");
	refused("limits:\n  ccl_pct_vs_cell_mV: []\n", 2, 23, "list of 1 to 16");
	refused("limits:\n  ccl_pct_vs_cell_mV: 3000\n", 2, 23, "list of 1 to 16");
	refused("limits:\n  ccl_pct_vs_cell_mV: [[3000, 1.5]]\n", 2, 31, "integer");
	refused("limits:\n  cvl_cell_mV_vs_temp_dC: [[0, 999]]\n", 2, 32, "out of range");
}

/* The SECTION row of limits, when the schema hooks our check on it. */
static const struct cfg_key *section_row(const char *name)
{
	for (const struct cfg_key *k = cfg_schema; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

static void test_cfg_xcheck(void)
{
	struct cfg_limits c = base();
	const struct cfg_key *row = section_row("limits");
	char msg[200];
	uint32_t off = 12345;

	CU_ASSERT_EQUAL(cfg_limits_xcheck(&c, msg, sizeof(msg), &off), 0);
	CU_ASSERT_EQUAL(off, 12345);
	c.dvl_cell_mV = 3550;
	CU_ASSERT_EQUAL(cfg_limits_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_limits, dvl_cell_mV));
	CU_ASSERT_STRING_EQUAL(msg, "dvl_cell_mV (3550) must be below cvl_cell_mV (3550)");
	CU_ASSERT_PTR_NULL(strstr(msg, "out of range"));
	c.dvl_cell_mV = 3549;
	CU_ASSERT_EQUAL(cfg_limits_xcheck(&c, msg, sizeof(msg), &off), 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_EQUAL(row->sub, cfg_limits_keys);
	/* through the parser once the SECTION row carries the hook */
	if (row->xcheck) {
		CU_ASSERT_EQUAL(row->xcheck, cfg_limits_xcheck);
		refused("limits:\n  cvl_cell_mV: 3200\n  dvl_cell_mV: 3200\n", 3, 16,
			"must be below cvl_cell_mV");
	}
}

void cu_register(void)
{
	static const struct cu_test logic[] = {
		CU_TEST(test_nominal),
		CU_TEST(test_ccl_temp),
		CU_TEST(test_dcl_temp),
		CU_TEST(test_ccl_cell),
		CU_TEST(test_dcl_cell),
		CU_TEST(test_soc_curves),
		CU_TEST(test_min_over_curves),
		CU_TEST(test_no_curves),
		CU_TEST(test_one_point_curve),
		CU_TEST(test_big_max),
		CU_TEST(test_unknown_cells),
		CU_TEST(test_unknown_temp),
		CU_TEST(test_ramp_up_from_start),
		CU_TEST(test_ramp_slow_rate),
		CU_TEST(test_ramp_down),
		CU_TEST(test_ramp_zero_rates),
		CU_TEST(test_fault_cut),
		CU_TEST(test_blocks),
		CU_TEST(test_derate),
		CU_TEST(test_time),
		CU_TEST(test_reconfigure),
		CU_TEST(test_voltage_limits),
		CU_TEST(test_cvl_temp_curve),
		CU_TEST(test_names),
		CU_END,
	};
	static const struct cu_test config[] = {
		CU_TEST(test_cfg_defaults),
		CU_TEST(test_cfg_good),
		CU_TEST(test_cfg_sixteen_points),
		CU_TEST(test_cfg_bad),
		CU_TEST(test_cfg_xcheck),
		CU_END,
	};

	cu_add("limits", logic);
	cu_add("limits_cfg", config);
}
