/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of meas: current math, range selection, zero calibration, the
 * charge integrator, NTCs, humidity, supply and oversampling. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cu.h"
#include "core/meas.h"

#define MID 2048u

/* 12 bits, 1 mV per count on the current and humidity inputs, 10 mV per
 * count on the supply, 10 k pull-up on the NTCs */
static const struct hal_adc_info info = {
	.full_scale = 4095,
	.cs_uV_per_count = 1000,
	.hum_uV_per_count = 1000,
	.supply_uV_per_count = 10000,
	.ntc_pullup_ohm = 10000,
};

/* Sensor 1: 25 mA per mV, +-40 A. Sensor 2: 250 mA per mV, +-500 A. */
static struct bp_config cfg_two(void)
{
	struct bp_config c = { 0 };

	c.current_sensors = 2;
	c.cs[0].gain_uA_per_mV = 25000;
	c.cs[0].range_mA = 40000;
	c.cs[1].gain_uA_per_mV = 250000;
	c.cs[1].range_mA = 500000;
	return c;
}

static void blk_fill(struct hal_adc_block *b, uint8_t n, uint32_t period_us)
{
	unsigned int i, k;

	b->n = n;
	b->period_us = period_us;
	for (i = 0; i < HAL_ADC_MAX_SCANS; i++) {
		for (k = 0; k < 2; k++) {
			b->scan[i].cs_out[k] = MID;
			b->scan[i].cs_ref[k] = MID;
			b->scan[i].ntc[k] = MID;
		}
		b->scan[i].hum = 1000;
		b->scan[i].supply = 1200;
	}
}

/* Output of sensor @s @counts above its reference in every scan. */
static void set_dv(struct hal_adc_block *b, unsigned int s, int counts)
{
	unsigned int i;

	for (i = 0; i < HAL_ADC_MAX_SCANS; i++) {
		b->scan[i].cs_ref[s] = MID;
		b->scan[i].cs_out[s] = (uint16_t)((int)MID + counts);
	}
}

static void setup(struct meas *m, const struct bp_config *c)
{
	meas_init(m, &info);
	meas_configure(m, c);
}

/* Feed one 1 ms block with sensor 1 at @c1 counts and sensor 2 at @c2. */
static void feed2(struct meas *m, int c1, int c2)
{
	struct hal_adc_block b;

	blk_fill(&b, 1, 1000);
	set_dv(&b, 0, c1);
	set_dv(&b, 1, c2);
	meas_feed(m, &b);
}

/* ---- current math ------------------------------------------------------ */

static void test_current_basic(void)
{
	struct bp_cs_cfg cs = { .gain_uA_per_mV = 25000, .offset_uV = 0, .range_mA = 40000 };

	CU_ASSERT_EQUAL(meas_current_mA(0, &cs, 0), 0);
	CU_ASSERT_EQUAL(meas_current_mA(1000, &cs, 0), 25);
	CU_ASSERT_EQUAL(meas_current_mA(-1000, &cs, 0), -25);
	CU_ASSERT_EQUAL(meas_current_mA(1600000, &cs, 0), 40000);
	CU_ASSERT_EQUAL(meas_current_mA(-1600000, &cs, 0), -40000);
}

static void test_current_rounding(void)
{
	struct bp_cs_cfg cs = { .gain_uA_per_mV = 1000, .range_mA = 1000 };

	CU_ASSERT_EQUAL(meas_current_mA(500, &cs, 0), 1);
	CU_ASSERT_EQUAL(meas_current_mA(499, &cs, 0), 0);
	CU_ASSERT_EQUAL(meas_current_mA(-499, &cs, 0), 0);
	CU_ASSERT_EQUAL(meas_current_mA(-500, &cs, 0), -1);
	CU_ASSERT_EQUAL(meas_current_mA(1499, &cs, 0), 1);
	CU_ASSERT_EQUAL(meas_current_mA(1500, &cs, 0), 2);
	CU_ASSERT_EQUAL(meas_current_mA(-1501, &cs, 0), -2);
	cs.gain_uA_per_mV = 3;
	/* 166667 uV * 3 uA/mV = 500.001 uA: 0.500001 mA -> 1 */
	CU_ASSERT_EQUAL(meas_current_mA(166667, &cs, 0), 1);
	CU_ASSERT_EQUAL(meas_current_mA(166666, &cs, 0), 0);
	CU_ASSERT_EQUAL(meas_current_mA(-166667, &cs, 0), -1);
}

static void test_current_gain_sign(void)
{
	struct bp_cs_cfg cs = { .gain_uA_per_mV = -25000, .range_mA = 40000 };

	CU_ASSERT_EQUAL(meas_current_mA(1000, &cs, 0), -25);
	CU_ASSERT_EQUAL(meas_current_mA(-1000, &cs, 0), 25);
	/* rounding stays symmetric with a reversed sensor */
	cs.gain_uA_per_mV = -1000;
	CU_ASSERT_EQUAL(meas_current_mA(500, &cs, 0), -1);
	CU_ASSERT_EQUAL(meas_current_mA(-500, &cs, 0), 1);
	CU_ASSERT_EQUAL(meas_current_mA(499, &cs, 0), 0);
}

static void test_current_offset_zero(void)
{
	struct bp_cs_cfg cs = { .gain_uA_per_mV = 25000, .offset_uV = 1200, .range_mA = 40000 };

	CU_ASSERT_EQUAL(meas_current_mA(1200, &cs, 0), 0);
	CU_ASSERT_EQUAL(meas_current_mA(1500, &cs, 300), 0);
	CU_ASSERT_EQUAL(meas_current_mA(2500, &cs, 300), 25);
	CU_ASSERT_EQUAL(meas_current_mA(900, &cs, -300), 0);
	cs.offset_uV = -2000;
	CU_ASSERT_EQUAL(meas_current_mA(-2000, &cs, 0), 0);
	CU_ASSERT_EQUAL(meas_current_mA(0, &cs, 0), 50);
}

static void test_current_extremes(void)
{
	struct bp_cs_cfg cs = { .gain_uA_per_mV = INT32_MAX, .offset_uV = INT32_MIN };
	int32_t v;

	/* no overflow: clamped far beyond any range, never the NA code */
	v = meas_current_mA(INT32_MAX, &cs, INT32_MIN);
	CU_ASSERT_EQUAL(v, INT32_MAX);
	cs.offset_uV = INT32_MAX;
	v = meas_current_mA(INT32_MIN, &cs, INT32_MAX);
	CU_ASSERT_EQUAL(v, -INT32_MAX);
	cs.gain_uA_per_mV = INT32_MIN;
	v = meas_current_mA(INT32_MIN, &cs, INT32_MAX);
	CU_ASSERT_EQUAL(v, INT32_MAX);
	/* largest exact product: 2^31 uV * 10^6 uA/mV = 2^31 mA -> clamped */
	cs.gain_uA_per_mV = 1000000;
	cs.offset_uV = 0;
	CU_ASSERT_EQUAL(meas_current_mA(INT32_MAX, &cs, 0), INT32_MAX);
	CU_ASSERT_EQUAL(meas_current_mA(8388607, &cs, 0), 8388607);
	cs.gain_uA_per_mV = 0;
	CU_ASSERT_EQUAL(meas_current_mA(123456, &cs, 0), 0);
}

/* ---- the current path through meas_feed -------------------------------- */

static void test_init_state(void)
{
	struct meas m;
	struct hal_adc_block b;
	unsigned int i;

	meas_init(&m, &info);
	CU_ASSERT_PTR_EQUAL(m.info, &info);
	for (i = 0; i < BP_NUM_CURRENT; i++) {
		CU_ASSERT_EQUAL(m.out.mA[i], BP_CURRENT_MA_NA);
		CU_ASSERT_EQUAL(m.zero_uV[i], 0);
	}
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
	for (i = 0; i < BP_NUM_NTC; i++) {
		CU_ASSERT_EQUAL(m.out.t_dC[i], BP_TEMP_DC_NA);
		CU_ASSERT_EQUAL(m.out.ntc_state[i], BP_SENSOR_ABSENT);
	}
	CU_ASSERT_EQUAL(m.out.rh_dpct, 0xFFFF);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_ABSENT);
	CU_ASSERT_EQUAL(m.out.in_mAs, 0);
	CU_ASSERT_EQUAL(m.out.out_mAs, 0);

	/* fed with no configuration: everything stays NA / absent */
	blk_fill(&b, 4, 1000);
	set_dv(&b, 0, 100);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
	CU_ASSERT_EQUAL(m.out.ntc_state[0], BP_SENSOR_ABSENT);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_ABSENT);
	CU_ASSERT_EQUAL(m.out.rh_dpct, 0xFFFF);
	CU_ASSERT_EQUAL(m.out.supply_mV, 12000);
	CU_ASSERT_EQUAL(m.integ.in_mAs + m.integ.rem_in_nAs, 0);
}

static void test_feed_sign_and_flags(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	setup(&m, &c);
	feed2(&m, 100, 10);
	CU_ASSERT_EQUAL(m.out.mA[0], 2500);
	CU_ASSERT_EQUAL(m.out.mA[1], 2500);
	CU_ASSERT_EQUAL(m.out.I_mA, 2500);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_VALID | BP_CUR_S2_VALID);
	feed2(&m, -100, -10);
	CU_ASSERT_EQUAL(m.out.mA[0], -2500);
	CU_ASSERT_EQUAL(m.out.mA[1], -2500);
	CU_ASSERT_EQUAL(m.out.I_mA, -2500);

	/* offset per sensor applies through the pipeline */
	c.cs[0].offset_uV = 4000;
	c.cs[1].gain_uA_per_mV = -250000;
	meas_configure(&m, &c);
	feed2(&m, 104, -10);
	CU_ASSERT_EQUAL(m.out.mA[0], 2500);
	CU_ASSERT_EQUAL(m.out.mA[1], 2500);
}

static void test_unconfigured_na(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	c.current_sensors = 0;
	setup(&m, &c);
	feed2(&m, 100, 10);
	CU_ASSERT_EQUAL(m.out.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.mA[1], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
	/* a railed input of an unconfigured sensor raises no range flag */
	feed2(&m, 2047, -2048);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
	/* nor can it be calibrated */
	meas_zero_cal_start(&m, 0);
	CU_ASSERT_FALSE(m.cal_busy[0]);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
	meas_zero_cal_start(&m, 7);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
	/* a nonsense count is capped at the two inputs there are */
	c.current_sensors = 9;
	meas_configure(&m, &c);
	feed2(&m, 100, 10);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_VALID | BP_CUR_S2_VALID);
}

static void test_saturation_flags(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;

	setup(&m, &c);
	/* output at the top rail */
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_out[0] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags & (BP_CUR_S1_VALID | BP_CUR_S1_RANGE), BP_CUR_S1_RANGE);
	CU_ASSERT_EQUAL(m.out.I_mA, 0); /* sensor 2 takes over */
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);

	CU_ASSERT_EQUAL(m.out.range[0], MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_OK);

	/* reference disconnected (0) on sensor 2: a fault, not a range */
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_ref[1] = 0;
	b.scan[0].cs_out[1] = 30;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[1], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags & (BP_CUR_S2_VALID | BP_CUR_S2_RANGE), 0);
	CU_ASSERT_EQUAL(m.out.range[1], MEAS_RANGE_FAULT);
	CU_ASSERT_EQUAL(m.out.mA[0], 0);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_OK);

	/* the 1 % boundaries of the reference: 41 and 4054 counts are inside,
	 * 40 and 4055 not */
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_out[1] = b.scan[0].cs_ref[1] = 41;
	b.scan[0].cs_out[0] = b.scan[0].cs_ref[0] = 4054;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.cur_flags & 0x33, BP_CUR_S1_VALID | BP_CUR_S2_VALID);
	b.scan[0].cs_out[1] = b.scan[0].cs_ref[1] = 40;
	b.scan[0].cs_out[0] = b.scan[0].cs_ref[0] = 4055;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.cur_flags & 0x33, 0);
	CU_ASSERT_EQUAL(m.out.range[0], MEAS_RANGE_FAULT);
	CU_ASSERT_EQUAL(m.out.range[1], MEAS_RANGE_FAULT);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_FAULT);
	/* and of the output, with ranges wide enough that only the rail counts */
	c.cs[0].range_mA = c.cs[1].range_mA = 8388607;
	meas_configure(&m, &c);
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_out[0] = 4054;
	b.scan[0].cs_out[1] = 41;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.cur_flags & 0x33, BP_CUR_S1_VALID | BP_CUR_S2_VALID);
	b.scan[0].cs_out[0] = 4055;
	b.scan[0].cs_out[1] = 40;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.cur_flags & 0x33, BP_CUR_S1_RANGE | BP_CUR_S2_RANGE);
	CU_ASSERT_EQUAL(m.out.range[0], MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.range[1], MEAS_RANGE_NEG);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG); /* the wide sensor's */
	c = cfg_two();
	meas_configure(&m, &c);
	/* the averaged value counts, not a single railed scan */
	blk_fill(&b, 2, 1000);
	b.scan[0].cs_out[0] = b.scan[0].cs_ref[0] = 4095;
	b.scan[1].cs_out[0] = b.scan[1].cs_ref[0] = 4000;
	meas_feed(&m, &b);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S1_VALID);
}

static void test_range_exceeded(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	setup(&m, &c);
	feed2(&m, 1600, 160); /* exactly 40 A: still in range */
	CU_ASSERT_EQUAL(m.out.mA[0], 40000);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S1_VALID);
	feed2(&m, 1601, 160);
	CU_ASSERT_EQUAL(m.out.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags & (BP_CUR_S1_VALID | BP_CUR_S1_RANGE), BP_CUR_S1_RANGE);
	CU_ASSERT_EQUAL(m.out.I_mA, 40000);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, -1601, -160);
	CU_ASSERT_EQUAL(m.out.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_mA, -40000);
	/* sensor 2 out of its own range as well: no current at all */
	c.cs[1].range_mA = 39999;
	meas_configure(&m, &c);
	feed2(&m, -1601, -160);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE | BP_CUR_S2_RANGE);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG);
	feed2(&m, 1601, 160);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE | BP_CUR_S2_RANGE);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_POS);
}

/* Main 2.1: one Hall sensor, 10 mV/A, 240 A. With 1 mV per count and the
 * reference at mid scale, 300 A would be 3 V: the output sits at a rail. */
static struct bp_config cfg_21(void)
{
	struct bp_config c = { 0 };

	c.current_sensors = 1;
	c.cs[0].gain_uA_per_mV = 100000;
	c.cs[0].range_mA = 240000;
	return c;
}

static void test_short_at_rail_single(void)
{
	struct meas m;
	struct bp_config c = cfg_21();
	struct hal_adc_block b;

	setup(&m, &c);
	/* +300 A: the output at the top rail */
	blk_fill(&b, 4, 1000);
	for (unsigned int i = 0; i < 4; i++)
		b.scan[i].cs_out[0] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.range[0], MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE);
	/* -300 A: the bottom rail */
	for (unsigned int i = 0; i < 4; i++)
		b.scan[i].cs_out[0] = 0;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE);
	/* a sensor mounted the other way round: the same rails swap */
	c.cs[0].gain_uA_per_mV = -100000;
	meas_configure(&m, &c);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE);
	for (unsigned int i = 0; i < 4; i++)
		b.scan[i].cs_out[0] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG);
	/* computed beyond range_mA, no rail: the sign of I (reference at 1 V) */
	c = cfg_21();
	meas_configure(&m, &c);
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_ref[0] = 1000;
	b.scan[0].cs_out[0] = 1000 + 2401; /* 240.1 A */
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_POS);
	b.scan[0].cs_ref[0] = 3500;
	b.scan[0].cs_out[0] = 3500 - 2401;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE);
	/* 230 A: inside the range, a value */
	b.scan[0].cs_out[0] = 3500 - 2300;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, -230000);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_OK);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_VALID);
	/* the reference at a rail: the current is unknown, no direction */
	b.scan[0].cs_ref[0] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_FAULT);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
}

/* Main 2R: 10 mV/A over 240 A and 2 mV/A over 1200 A, 1 mV per count. */
static void test_short_at_rail_pair(void)
{
	struct meas m;
	struct bp_config c = cfg_21();

	c.current_sensors = 2;
	c.cs[1].gain_uA_per_mV = 500000;
	c.cs[1].range_mA = 1200000;
	setup(&m, &c);
	/* 300 A: sensor 1 saturates, sensor 2 reads 600 mV; range switching */
	feed2(&m, 2047, 600);
	CU_ASSERT_EQUAL(m.out.I_mA, 300000);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_OK);
	CU_ASSERT_EQUAL(m.out.range[0], MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE | BP_CUR_S2_VALID | BP_CUR_S2_SELECTED);
	/* 1500 A either way: both at a rail */
	feed2(&m, 2047, 2047);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_POS);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE | BP_CUR_S2_RANGE);
	feed2(&m, -2048, -2048);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE | BP_CUR_S2_RANGE);
	/* sensor 2 beyond its 1200 A without a rail (1210 A: 2420 mV over a
	 * reference at 3.5 V) */
	{
		struct hal_adc_block b;

		blk_fill(&b, 1, 1000);
		b.scan[0].cs_out[0] = 0;
		b.scan[0].cs_ref[1] = 3500;
		b.scan[0].cs_out[1] = 3500 - 2420;
		meas_feed(&m, &b);
		CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_NEG);
		CU_ASSERT_EQUAL(m.out.range[1], MEAS_RANGE_NEG);
		/* sensor 1 saturated, sensor 2 faulted: unknown, not a reading */
		blk_fill(&b, 1, 1000);
		b.scan[0].cs_out[0] = 4095;
		b.scan[0].cs_ref[1] = 0;
		meas_feed(&m, &b);
		CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
		CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_FAULT);
		CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE);
	}
	/* back inside: values again */
	feed2(&m, 100, 20);
	CU_ASSERT_EQUAL(m.out.I_mA, 10000);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_OK);
}

static void test_single_sensor(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	c.current_sensors = 1;
	c.plausibility_mA = 1;
	setup(&m, &c);
	feed2(&m, 1500, 0); /* 37.5 A: above 90 %, but there is no sensor 2 */
	CU_ASSERT_EQUAL(m.out.I_mA, 37500);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_VALID);
	CU_ASSERT_EQUAL(m.out.mA[1], BP_CURRENT_MA_NA);
	feed2(&m, 1700, 0);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_RANGE);
	feed2(&m, -40, 0);
	CU_ASSERT_EQUAL(m.out.I_mA, -1000);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_VALID);
}

static void test_selection_hysteresis(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	setup(&m, &c);
	/* 90 % of 40 A = 36 A = 1440 counts: the boundary still uses sensor 1 */
	feed2(&m, 1440, 145);
	CU_ASSERT_EQUAL(m.out.I_mA, 36000);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, 1441, 145);
	CU_ASSERT_EQUAL(m.out.I_mA, 36250);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	CU_ASSERT(m.s2_selected);
	/* between 80 % and 90 %: stays on sensor 2 */
	feed2(&m, 1400, 140);
	CU_ASSERT_EQUAL(m.out.I_mA, 35000);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, 1280, 129); /* exactly 80 %: not below */
	CU_ASSERT_EQUAL(m.out.I_mA, 32250);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, 1279, 128);
	CU_ASSERT_EQUAL(m.out.I_mA, 31975);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_S2_SELECTED);
	CU_ASSERT_FALSE(m.s2_selected);
	/* between 80 % and 90 % coming from below: stays on sensor 1 */
	feed2(&m, 1400, 140);
	CU_ASSERT_EQUAL(m.out.I_mA, 35000);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_S2_SELECTED);
	/* both valid all along */
	CU_ASSERT_EQUAL(m.out.cur_flags & 3, 3);
}

static void test_selection_discharge(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	setup(&m, &c);
	feed2(&m, -1441, -145);
	CU_ASSERT_EQUAL(m.out.I_mA, -36250);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, -1300, -130);
	CU_ASSERT_EQUAL(m.out.I_mA, -32500);
	feed2(&m, -1000, -100);
	CU_ASSERT_EQUAL(m.out.I_mA, -25000);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_S2_SELECTED);
	/* a swing from charge to discharge is a magnitude decision too */
	feed2(&m, 1500, 150);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, -1500, -150);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	CU_ASSERT_EQUAL(m.out.I_mA, -37500);
}

static void test_selection_fallback(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;

	setup(&m, &c);
	/* sensor 1 disconnected at low current: sensor 2 is used */
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_ref[0] = 0;
	set_dv(&b, 1, 4);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, 1000);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S2_VALID | BP_CUR_S2_SELECTED);
	CU_ASSERT_EQUAL(m.out.range[0], MEAS_RANGE_FAULT);
	CU_ASSERT_EQUAL(m.out.I_range, MEAS_RANGE_OK);
	/* it returns: low current, back to sensor 1 */
	feed2(&m, 41, 4);
	CU_ASSERT_EQUAL(m.out.I_mA, 1025);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_S2_SELECTED);

	/* at high current sensor 2 is selected, then fails: sensor 1 serves */
	feed2(&m, 1500, 150);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	blk_fill(&b, 1, 1000);
	set_dv(&b, 0, 1500);
	b.scan[0].cs_out[1] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, 37500);
	CU_ASSERT_EQUAL(m.out.cur_flags, BP_CUR_S1_VALID | BP_CUR_S2_RANGE);
	/* sensor 1 overloads, sensor 2 returns; coming down to 85 % keeps
	 * sensor 2, below 80 % gives sensor 1 back */
	feed2(&m, 1700, 170);
	CU_ASSERT_EQUAL(m.out.I_mA, 42500);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, 1360, 136);
	CU_ASSERT_EQUAL(m.out.I_mA, 34000);
	CU_ASSERT(m.out.cur_flags & BP_CUR_S2_SELECTED);
	feed2(&m, 1200, 120);
	CU_ASSERT_EQUAL(m.out.I_mA, 30000);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_S2_SELECTED);
}

static void test_plausibility(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;

	c.plausibility_mA = 1000;
	setup(&m, &c);
	feed2(&m, 400, 40); /* 10 A both */
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	feed2(&m, 400, 44); /* 1000 mA apart: the limit itself is fine */
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	feed2(&m, 400, 45); /* 1250 mA apart */
	CU_ASSERT(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	CU_ASSERT_EQUAL(m.out.I_mA, 10000);
	feed2(&m, 400, 35); /* the other way */
	CU_ASSERT(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	feed2(&m, -400, 40); /* opposite signs */
	CU_ASSERT(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	/* sensor 1 beyond its range: nothing to compare */
	feed2(&m, 1700, 100);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	/* one sensor missing: nothing to compare */
	blk_fill(&b, 1, 1000);
	set_dv(&b, 0, 400);
	b.scan[0].cs_ref[1] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
	/* zero disables the check */
	c.plausibility_mA = 0;
	meas_configure(&m, &c);
	feed2(&m, 400, 100);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_IMPLAUSIBLE);
}

/* ---- zero calibration --------------------------------------------------- */

/* Sensor 1 at 2.5 counts (2500 uV) through two alternating scans. */
static void feed_half(struct meas *m, unsigned int blocks)
{
	struct hal_adc_block b;

	blk_fill(&b, 2, 1000);
	b.scan[0].cs_out[0] = MID + 2;
	b.scan[1].cs_out[0] = MID + 3;
	while (blocks--)
		meas_feed(m, &b);
}

static void test_zero_cal(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	int32_t uV = 12345;

	c.cs[0].offset_uV = 100;
	setup(&m, &c);
	feed_half(&m, 1);
	CU_ASSERT_EQUAL(m.out.mA[0], 60); /* (2500 - 100) uV * 25 mA/mV */
	CU_ASSERT_FALSE(meas_cal_take(&m, 0, &uV));

	meas_zero_cal_start(&m, 0);
	CU_ASSERT(m.out.cur_flags & BP_CUR_ZERO_CAL);
	feed_half(&m, MEAS_ZERO_CAL_MS - 1);
	CU_ASSERT(m.out.cur_flags & BP_CUR_ZERO_CAL);
	CU_ASSERT_EQUAL(m.out.mA[0], 60); /* the old zero while calibrating */
	CU_ASSERT_FALSE(meas_cal_take(&m, 0, &uV));
	CU_ASSERT_EQUAL(uV, 12345);
	feed_half(&m, 1);
	CU_ASSERT_FALSE(m.out.cur_flags & BP_CUR_ZERO_CAL);
	CU_ASSERT_FALSE(meas_cal_take(&m, 1, &uV));
	CU_ASSERT(meas_cal_take(&m, 0, &uV));
	CU_ASSERT_EQUAL(uV, 2400);
	CU_ASSERT_FALSE(meas_cal_take(&m, 0, &uV)); /* only once */
	CU_ASSERT_FALSE(meas_cal_take(&m, 200, &uV));
	feed_half(&m, 1);
	CU_ASSERT_EQUAL(m.out.mA[0], 0);
	CU_ASSERT_EQUAL(m.out.I_mA, 0);

	/* a new config keeps the zero */
	meas_configure(&m, &c);
	feed_half(&m, 1);
	CU_ASSERT_EQUAL(m.out.mA[0], 0);
	CU_ASSERT_EQUAL(m.zero_uV[0], 2400);
	CU_ASSERT_EQUAL(m.zero_uV[1], 0);
}

static void test_zero_cal_average(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	int32_t uV = 0;
	unsigned int i;

	c.cs[1].offset_uV = -1000;
	setup(&m, &c);
	m.zero_uV[1] = 777; /* replaced, not added to */
	meas_zero_cal_start(&m, 1);
	/* 250 blocks of 4 ms: half at -3 counts, half at -2 */
	blk_fill(&b, 1, 4000);
	for (i = 0; i < 250; i++) {
		CU_ASSERT_FALSE(meas_cal_take(&m, 1, &uV));
		set_dv(&b, 1, i & 1 ? -2 : -3);
		meas_feed(&m, &b);
	}
	CU_ASSERT(meas_cal_take(&m, 1, &uV));
	CU_ASSERT_EQUAL(uV, -1500); /* -2500 uV mean minus the -1000 offset */
	CU_ASSERT_EQUAL(m.zero_uV[1], -1500);
	CU_ASSERT_EQUAL(m.zero_uV[0], 0);

	/* one block longer than the whole calibration finishes it at once */
	blk_fill(&b, 1, 5000000);
	set_dv(&b, 1, 2);
	meas_zero_cal_start(&m, 1);
	meas_feed(&m, &b);
	CU_ASSERT(meas_cal_take(&m, 1, &uV));
	CU_ASSERT_EQUAL(uV, 3000);
}

static void test_zero_cal_skips_railed(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	int32_t uV = 0;
	unsigned int i;

	setup(&m, &c);
	meas_zero_cal_start(&m, 0);
	blk_fill(&b, 1, 1000);
	b.scan[0].cs_ref[0] = 4095;
	for (i = 0; i < 2 * MEAS_ZERO_CAL_MS; i++)
		meas_feed(&m, &b);
	CU_ASSERT(m.cal_busy[0]);
	CU_ASSERT(m.out.cur_flags & BP_CUR_ZERO_CAL);
	CU_ASSERT_FALSE(meas_cal_take(&m, 0, &uV));
	CU_ASSERT_EQUAL(m.cal_n[0], 0);
	/* good blocks count; a restart discards them */
	for (i = 0; i < MEAS_ZERO_CAL_MS / 2; i++)
		feed2(&m, 1, 0);
	CU_ASSERT_EQUAL(m.cal_n[0], MEAS_ZERO_CAL_MS / 2);
	CU_ASSERT(m.cal_busy[0]);
	meas_zero_cal_start(&m, 0);
	CU_ASSERT_EQUAL(m.cal_n[0], 0);
	CU_ASSERT_EQUAL(m.cal_us[0], 0);
	CU_ASSERT_EQUAL(m.cal_acc[0], 0);
	/* removing the sensor ends it */
	c.current_sensors = 0;
	meas_configure(&m, &c);
	feed2(&m, 0, 0);
	CU_ASSERT_FALSE(m.cal_busy[0]);
	CU_ASSERT_EQUAL(m.out.cur_flags, 0);
}

/* ---- integrator ------------------------------------------------------------ */

static void test_integ_micro(void)
{
	struct integ g;
	unsigned int i;

	integ_init(&g, 0, 0);
	for (i = 0; i < 1000000; i++)
		integ_add(&g, 1, 1);
	CU_ASSERT_EQUAL(g.in_mAs, 1);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 0);
	CU_ASSERT_EQUAL(g.out_mAs, 0);
	for (i = 0; i < 1000000; i++)
		integ_add(&g, -1, 1);
	CU_ASSERT_EQUAL(g.out_mAs, 1);
	CU_ASSERT_EQUAL(g.rem_out_nAs, 0);
	CU_ASSERT_EQUAL(g.in_mAs, 1);
}

static void test_integ_remainder(void)
{
	struct integ g;

	integ_init(&g, 0, 0);
	integ_add(&g, 1, 999999);
	CU_ASSERT_EQUAL(g.in_mAs, 0);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 999999);
	integ_add(&g, 1, 1);
	CU_ASSERT_EQUAL(g.in_mAs, 1);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 0);
	integ_add(&g, 3, 1);
	integ_add(&g, 0, 1000000);
	integ_add(&g, 7, 0);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 3);
	CU_ASSERT_EQUAL(g.rem_out_nAs, 0);
	integ_add(&g, 1000, 2999);
	CU_ASSERT_EQUAL(g.in_mAs, 3);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 999003);
}

static void test_integ_mixed_sign(void)
{
	struct integ g;
	unsigned int i;

	integ_init(&g, 0, 0);
	/* +5 mA and -3 mA for 333 us each, 3 million times each */
	for (i = 0; i < 3000000; i++) {
		integ_add(&g, 5, 333);
		integ_add(&g, -3, 333);
	}
	/* 5 * 333 * 3e6 nAs = 4995 mAs; 3 * 333 * 3e6 nAs = 2997 mAs */
	CU_ASSERT_EQUAL(g.in_mAs, 4995);
	CU_ASSERT_EQUAL(g.out_mAs, 2997);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 0);
	CU_ASSERT_EQUAL(g.rem_out_nAs, 0);
	CU_ASSERT(g.rem_in_nAs >= 0 && g.rem_in_nAs < 1000000);
}

static void test_integ_huge(void)
{
	struct integ g;
	uint64_t p = (uint64_t)INT32_MAX * UINT32_MAX;
	uint64_t q = (uint64_t)2147483648u * UINT32_MAX;
	uint64_t exp_in, exp_out;
	unsigned int i;

	integ_init(&g, 0, 0);
	for (i = 0; i < 1000; i++) {
		integ_add(&g, INT32_MAX, UINT32_MAX);
		integ_add(&g, INT32_MIN, UINT32_MAX);
		CU_ASSERT(g.rem_in_nAs >= 0 && g.rem_in_nAs < 1000000);
		CU_ASSERT(g.rem_out_nAs >= 0 && g.rem_out_nAs < 1000000);
	}
	exp_in = 1000 * (p / 1000000) + (1000 * (p % 1000000)) / 1000000;
	exp_out = 1000 * (q / 1000000) + (1000 * (q % 1000000)) / 1000000;
	CU_ASSERT_EQUAL(g.in_mAs, exp_in);
	CU_ASSERT_EQUAL(g.out_mAs, exp_out);
	CU_ASSERT_EQUAL((uint64_t)g.rem_in_nAs, (1000 * (p % 1000000)) % 1000000);
	CU_ASSERT_EQUAL((uint64_t)g.rem_out_nAs, (1000 * (q % 1000000)) % 1000000);

	/* starting counters near the top are carried on, not reset */
	integ_init(&g, BP_CHARGE_MAX - 10, 5);
	integ_add(&g, 3, 1000000);
	integ_add(&g, -2, 500000);
	CU_ASSERT_EQUAL(g.in_mAs, BP_CHARGE_MAX - 7);
	CU_ASSERT_EQUAL(g.out_mAs, 6);
	CU_ASSERT_EQUAL(g.rem_in_nAs, 0);
}

static void test_feed_integrates_hour(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	unsigned long i;

	setup(&m, &c);
	/* 100.5 counts = 2512.5 mA -> 2513 mA at 1 kHz for one hour */
	blk_fill(&b, 2, 1000);
	b.scan[0].cs_out[0] = MID + 100;
	b.scan[1].cs_out[0] = MID + 101;
	b.scan[0].cs_out[1] = b.scan[1].cs_out[1] = MID + 10;
	for (i = 0; i < 3600000ul; i++)
		meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, 2513);
	CU_ASSERT_EQUAL(m.out.in_mAs, 2513ull * 3600);
	CU_ASSERT_EQUAL(m.out.out_mAs, 0);
	CU_ASSERT_EQUAL(m.integ.rem_in_nAs, 0);

	/* discharge at -7 mA with uneven periods of 999 and 1001 us */
	c.cs[0].gain_uA_per_mV = -70000;
	meas_configure(&m, &c);
	blk_fill(&b, 1, 999);
	m.zero_uV[0] = -100; /* (0 + 100) uV * -70 mA/mV = -7 mA */
	for (i = 0; i < 3600000ul; i++) {
		b.period_us = i & 1 ? 1001 : 999;
		meas_feed(&m, &b);
	}
	CU_ASSERT_EQUAL(m.out.I_mA, -7);
	CU_ASSERT_EQUAL(m.out.in_mAs, 2513ull * 3600);
	CU_ASSERT_EQUAL(m.out.out_mAs, 7ull * 3600);
	CU_ASSERT_EQUAL(m.integ.rem_out_nAs, 0);
}

static void test_feed_integrator_na_and_keep(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;

	setup(&m, &c);
	integ_init(&m.integ, 1000, 2000);
	c.current_sensors = 1;
	meas_configure(&m, &c);
	/* sensor 1 out of range and no sensor 2: nothing integrated */
	blk_fill(&b, 1, 1000000);
	set_dv(&b, 0, 1700);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.I_mA, BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.out.in_mAs, 1000);
	CU_ASSERT_EQUAL(m.out.out_mAs, 2000);
	CU_ASSERT_EQUAL(m.integ.rem_in_nAs + m.integ.rem_out_nAs, 0);
	/* in range: one second at -25 A */
	set_dv(&b, 0, -1000);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.out_mAs, 27000);
	/* reconfiguring keeps the counters */
	c.current_sensors = 2;
	meas_configure(&m, &c);
	CU_ASSERT_EQUAL(m.integ.out_mAs, 27000);
	CU_ASSERT_EQUAL(m.integ.in_mAs, 1000);
}

/* ---- NTC -------------------------------------------------------------------- */

static double beta_ref_C(double r, double r25, double beta)
{
	return 1.0 / (1.0 / 298.15 + log(r / r25) / beta) - 273.15;
}

static double beta_r(double t_C, double r25, double beta)
{
	return r25 * exp(beta * (1.0 / (t_C + 273.15) - 1.0 / 298.15));
}

static long clamp_dC(long v)
{
	return v < -500 ? -500 : v > 2000 ? 2000 : v;
}

static void test_ntc_resistance(void)
{
	uint32_t r = 0;

	CU_ASSERT_EQUAL(meas_ntc_resistance(2048, 4095, 10000, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, 10005); /* 10000 * 2048 / 2047 = 10004.9 */
	CU_ASSERT_EQUAL(meas_ntc_resistance(1000, 4000, 10000, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, 3333);
	CU_ASSERT_EQUAL(meas_ntc_resistance(3000, 4000, 10000, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, 30000);
	/* 0.5 % of 4000 = 20 counts from either rail */
	CU_ASSERT_EQUAL(meas_ntc_resistance(21, 4000, 10000, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, 53);
	CU_ASSERT_EQUAL(meas_ntc_resistance(20, 4000, 10000, &r), BP_SENSOR_SHORT);
	CU_ASSERT_EQUAL(meas_ntc_resistance(0, 4000, 10000, &r), BP_SENSOR_SHORT);
	CU_ASSERT_EQUAL(meas_ntc_resistance(3979, 4000, 10000, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, 1894762);
	CU_ASSERT_EQUAL(meas_ntc_resistance(3980, 4000, 10000, &r), BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(meas_ntc_resistance(4000, 4000, 10000, &r), BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(meas_ntc_resistance(60000, 4000, 10000, &r), BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(meas_ntc_resistance(0, 0, 10000, &r), BP_SENSOR_OPEN);
	/* oversampled: sums against n x full scale */
	CU_ASSERT_EQUAL(meas_ntc_resistance(16 * 2048 + 8, 16 * 4095, 10000, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, 10010); /* 10000 * 32776 / 32744 */
	/* a huge pull-up saturates rather than wraps */
	CU_ASSERT_EQUAL(meas_ntc_resistance(3979, 4000, UINT32_MAX, &r), BP_SENSOR_OK);
	CU_ASSERT_EQUAL(r, UINT32_MAX);
}

static void test_ntc_beta(void)
{
	static const double pts[] = { -40, 0, 25, 60, 125 };
	struct bp_ntc_cfg n = { .model = BP_NTC_BETA, .beta_K = 3950, .r25_ohm = 10000 };
	unsigned int i;
	double t;
	long want;
	uint32_t r;

	for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		r = (uint32_t)lround(beta_r(pts[i], 10000, 3950));
		t = beta_ref_C(r, 10000, 3950);
		CU_ASSERT(fabs(t - pts[i]) < 0.1);
		want = lround(t * 10);
		CU_ASSERT(labs(meas_ntc_dC(r, &n) - want) <= 1);
	}
	CU_ASSERT_EQUAL(meas_ntc_dC(10000, &n), 250);
	/* a dense sweep over the whole clamp range against the same formula */
	for (t = -50; t <= 200; t += 0.25) {
		r = (uint32_t)lround(beta_r(t, 10000, 3950));
		want = clamp_dC(lround(beta_ref_C(r, 10000, 3950) * 10));
		CU_ASSERT(labs(meas_ntc_dC(r, &n) - want) <= 1);
	}
	/* another part: 100 k, B 4250 */
	n.r25_ohm = 100000;
	n.beta_K = 4250;
	for (t = -40; t <= 150; t += 5) {
		r = (uint32_t)lround(beta_r(t, 100000, 4250));
		want = clamp_dC(lround(beta_ref_C(r, 100000, 4250) * 10));
		CU_ASSERT(labs(meas_ntc_dC(r, &n) - want) <= 1);
	}
}

static double sh_ref_C(double r, double a, double b, double c)
{
	double l = log(r);

	return 1.0 / (a + b * l + c * l * l * l) - 273.15;
}

static void test_ntc_steinhart(void)
{
	/* a common published set for a 10 k NTC */
	const double a = 1.009249522e-3, b = 2.378405444e-4, c = 2.019202697e-7;
	struct bp_ntc_cfg n = { .model = BP_NTC_STEINHART, .sh_a = (float)a,
				.sh_b = (float)b, .sh_c = (float)c };
	uint32_t r;
	long want;

	/* about 24.7 degC at 10 k */
	CU_ASSERT(labs(meas_ntc_dC(10000, &n) - 247) <= 1);
	for (r = 200; r <= 400000; r = r * 21 / 20) {
		double t = sh_ref_C(r, (float)a, (float)b, (float)c);

		if (t < -50 || t > 200)
			continue;
		want = clamp_dC(lround(t * 10));
		CU_ASSERT(labs(meas_ntc_dC(r, &n) - want) <= 1);
	}
}

static void test_ntc_clamp_and_fault(void)
{
	struct bp_ntc_cfg n = { .model = BP_NTC_BETA, .beta_K = 3950, .r25_ohm = 10000 };

	CU_ASSERT_EQUAL(meas_ntc_dC((uint32_t)lround(beta_r(-52, 10000, 3950)), &n), -500);
	CU_ASSERT_EQUAL(meas_ntc_dC((uint32_t)lround(beta_r(-54.5, 10000, 3950)), &n), -500);
	CU_ASSERT_EQUAL(meas_ntc_dC((uint32_t)lround(beta_r(-56, 10000, 3950)), &n),
			BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(meas_ntc_dC((uint32_t)lround(beta_r(210, 10000, 3950)), &n), 2000);
	CU_ASSERT_EQUAL(meas_ntc_dC((uint32_t)lround(beta_r(245, 10000, 3950)), &n), 2000);
	CU_ASSERT_EQUAL(meas_ntc_dC((uint32_t)lround(beta_r(260, 10000, 3950)), &n),
			BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(meas_ntc_dC(0, &n), BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(meas_ntc_dC(1, &n), BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(meas_ntc_dC(UINT32_MAX, &n), BP_TEMP_DC_NA);
	/* unusable models */
	n.model = BP_NTC_NONE;
	CU_ASSERT_EQUAL(meas_ntc_dC(10000, &n), BP_TEMP_DC_NA);
	n.model = 7;
	CU_ASSERT_EQUAL(meas_ntc_dC(10000, &n), BP_TEMP_DC_NA);
	n.model = BP_NTC_BETA;
	n.beta_K = 0;
	CU_ASSERT_EQUAL(meas_ntc_dC(10000, &n), BP_TEMP_DC_NA);
	n.beta_K = 3950;
	n.r25_ohm = 0;
	CU_ASSERT_EQUAL(meas_ntc_dC(10000, &n), BP_TEMP_DC_NA);
	/* Steinhart-Hart coefficients that give a negative 1/T */
	n.model = BP_NTC_STEINHART;
	n.sh_a = -1.0f;
	n.sh_b = 0;
	n.sh_c = 0;
	CU_ASSERT_EQUAL(meas_ntc_dC(10000, &n), BP_TEMP_DC_NA);
}

static uint16_t ntc_counts(double r)
{
	return (uint16_t)lround(4095.0 * r / (r + 10000.0));
}

static void test_ntc_feed(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	double want;
	uint16_t cnt;

	c.ntc[0].model = BP_NTC_BETA;
	c.ntc[0].beta_K = 3950;
	c.ntc[0].r25_ohm = 10000;
	setup(&m, &c);
	blk_fill(&b, 1, 1000);
	cnt = ntc_counts(beta_r(60, 10000, 3950));
	b.scan[0].ntc[0] = cnt;
	meas_feed(&m, &b);
	want = beta_ref_C(10000.0 * cnt / (4095.0 - cnt), 10000, 3950);
	CU_ASSERT_EQUAL(m.out.ntc_state[0], BP_SENSOR_OK);
	CU_ASSERT(labs(m.out.t_dC[0] - lround(want * 10)) <= 1);
	CU_ASSERT(abs(m.out.t_dC[0] - 600) <= 3);
	CU_ASSERT_EQUAL(m.out.ntc_state[1], BP_SENSOR_ABSENT);
	CU_ASSERT_EQUAL(m.out.t_dC[1], BP_TEMP_DC_NA);

	/* rails: open and short */
	b.scan[0].ntc[0] = 4095;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.ntc_state[0], BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(m.out.t_dC[0], BP_TEMP_DC_NA);
	b.scan[0].ntc[0] = 3;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.ntc_state[0], BP_SENSOR_SHORT);
	CU_ASSERT_EQUAL(m.out.t_dC[0], BP_TEMP_DC_NA);

	/* mid-scale readings that compute beyond the fault limits:
	 * a 1 M part at 260 degC reads as a short, a 100 R part at -60 as open */
	c.ntc[1] = c.ntc[0];
	c.ntc[0].r25_ohm = 1000000;
	c.ntc[1].r25_ohm = 100;
	meas_configure(&m, &c);
	b.scan[0].ntc[0] = ntc_counts(beta_r(260, 1000000, 3950));
	b.scan[0].ntc[1] = ntc_counts(beta_r(-60, 100, 3950));
	CU_ASSERT(b.scan[0].ntc[0] > 100 && b.scan[0].ntc[1] > 30);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.ntc_state[0], BP_SENSOR_SHORT);
	CU_ASSERT_EQUAL(m.out.t_dC[0], BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(m.out.ntc_state[1], BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(m.out.t_dC[1], BP_TEMP_DC_NA);

	/* an unusable model counts as not fitted */
	c.ntc[0].model = 9;
	c.ntc[1].beta_K = 0;
	meas_configure(&m, &c);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.ntc_state[0], BP_SENSOR_ABSENT);
	CU_ASSERT_EQUAL(m.out.ntc_state[1], BP_SENSOR_ABSENT);
	CU_ASSERT_EQUAL(m.out.t_dC[1], BP_TEMP_DC_NA);
}

static void test_ntc_oversampled(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	unsigned int i;
	double r, want;

	c.ntc[1].model = BP_NTC_BETA;
	c.ntc[1].beta_K = 3950;
	c.ntc[1].r25_ohm = 10000;
	setup(&m, &c);
	/* 16 scans: 1000 and 1001 alternating, averaging to 1000.5 */
	blk_fill(&b, 16, 1000);
	for (i = 0; i < 16; i++)
		b.scan[i].ntc[1] = (uint16_t)(1000 + (i & 1));
	meas_feed(&m, &b);
	r = 10000.0 * 1000.5 / (4095.0 - 1000.5);
	want = beta_ref_C(r, 10000, 3950);
	CU_ASSERT_EQUAL(m.out.ntc_state[1], BP_SENSOR_OK);
	CU_ASSERT(labs(m.out.t_dC[1] - lround(want * 10)) <= 1);
}

/* ---- ln ------------------------------------------------------------------- */

static void test_lnf_sweep(void)
{
	float x;
	double worst = 0, worst_f = 0, e;
	unsigned int i;
	int k;

	for (x = 1e-3f; x <= 1e7f; x *= 1.0001f) {
		double ref = log((double)x);
		float y = meas_lnf(x);

		if (ref == 0) {
			CU_ASSERT_EQUAL(y, 0.0f);
			continue;
		}
		e = fabs(y - ref) / fabs(ref);
		if (e > worst)
			worst = e;
		e = fabs((double)y - logf(x)) / fabs(ref);
		if (e > worst_f)
			worst_f = e;
	}
	CU_ASSERT(worst < 1e-6);
	CU_ASSERT(worst_f < 1e-6);
	/* around 1, where ln x vanishes and relative error is hardest */
	for (k = -2000; k <= 2000; k++) {
		x = 1.0f + (float)k * 5.9604645e-8f;
		if (x == 1.0f) {
			CU_ASSERT_EQUAL(meas_lnf(x), 0.0f);
			continue;
		}
		e = fabs(meas_lnf(x) - log((double)x)) / fabs(log((double)x));
		CU_ASSERT(e < 1e-6);
	}
	/* every power of two and its neighbours across the normal range */
	for (i = 0; i < 250; i++) {
		float p = ldexpf(1.0f, (int)i - 125);

		CU_ASSERT(fabs(meas_lnf(p) - log((double)p)) <= 1e-6 * fabs(log((double)p)) + 1e-12);
		x = nextafterf(p, 0);
		CU_ASSERT(fabs(meas_lnf(x) - log((double)x)) <= 1e-6 * fabs(log((double)x)));
		x = nextafterf(p, INFINITY);
		CU_ASSERT(fabs(meas_lnf(x) - log((double)x)) <= 1e-6 * fabs(log((double)x)));
	}
}

static void test_lnf_special(void)
{
	float sub = 1e-40f; /* subnormal */

	CU_ASSERT_EQUAL(meas_lnf(1.0f), 0.0f);
	CU_ASSERT(fabs(meas_lnf(2.718281828f) - 1.0) < 1e-6);
	CU_ASSERT(fabs(meas_lnf(sub) - log((double)sub)) < 1e-6 * fabs(log((double)sub)));
	CU_ASSERT(fabs(meas_lnf(FLT_TRUE_MIN) - log((double)FLT_TRUE_MIN)) <
		  1e-6 * fabs(log((double)FLT_TRUE_MIN)));
	CU_ASSERT(fabs(meas_lnf(3.4e38f) - log(3.4e38)) < 1e-6 * log(3.4e38));
	CU_ASSERT(isinf(meas_lnf(0.0f)) && meas_lnf(0.0f) < 0);
	CU_ASSERT(isinf(meas_lnf(-0.0f)) && meas_lnf(-0.0f) < 0);
	CU_ASSERT(isnan(meas_lnf(-1.0f)));
	CU_ASSERT(isnan(meas_lnf(NAN)));
	CU_ASSERT(isinf(meas_lnf(INFINITY)) && meas_lnf(INFINITY) > 0);
	CU_ASSERT(isnan(meas_lnf(-INFINITY)));
}

/* ---- humidity, supply, oversampling ------------------------------------------ */

/* HIH-style: 500 mV offset, 476 dpct per V */
static void hum_setup(struct meas *m)
{
	struct bp_config c = cfg_two();

	c.hum_offset_mV = 500;
	c.hum_gain_dpct_per_V = 476;
	setup(m, &c);
}

static uint16_t hum_at(struct meas *m, uint16_t counts)
{
	struct hal_adc_block b;

	blk_fill(&b, 1, 1000);
	b.scan[0].hum = counts;
	meas_feed(m, &b);
	return m->out.rh_dpct;
}

static void test_humidity_linear(void)
{
	struct meas m;

	hum_setup(&m);
	CU_ASSERT_EQUAL(hum_at(&m, 1500), 476);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OK);
	CU_ASSERT_EQUAL(hum_at(&m, 500), 0);
	CU_ASSERT_EQUAL(hum_at(&m, 1001), 238); /* 238.476 */
	CU_ASSERT_EQUAL(hum_at(&m, 1002), 239); /* 238.952 */
	CU_ASSERT_EQUAL(hum_at(&m, 2600), 1000); /* 999.6 */
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OK);
}

static void test_humidity_faults(void)
{
	struct meas m;
	struct bp_config c = cfg_two();

	hum_setup(&m);
	/* -50..0 and 1000..1050 clamp; beyond that a fault */
	CU_ASSERT_EQUAL(hum_at(&m, 400), 0); /* -47.6 */
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OK);
	CU_ASSERT_EQUAL(hum_at(&m, 390), 0xFFFF); /* -52.4 */
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(hum_at(&m, 0), 0xFFFF);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(hum_at(&m, 2700), 1000); /* 1047.2 */
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OK);
	CU_ASSERT_EQUAL(hum_at(&m, 2710), 0xFFFF); /* 1052.0 */
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_SHORT);
	CU_ASSERT_EQUAL(hum_at(&m, 4095), 0xFFFF);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_SHORT);
	/* the exact limits are not faults */
	c.hum_offset_mV = 0;
	c.hum_gain_dpct_per_V = 1000;
	meas_configure(&m, &c);
	CU_ASSERT_EQUAL(hum_at(&m, 1050), 1000);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OK);
	CU_ASSERT_EQUAL(hum_at(&m, 1051), 0xFFFF);
	c.hum_offset_mV = 50;
	meas_configure(&m, &c);
	CU_ASSERT_EQUAL(hum_at(&m, 0), 0);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OK);
	/* a falling characteristic works the same way */
	c.hum_offset_mV = 3000;
	c.hum_gain_dpct_per_V = -400;
	meas_configure(&m, &c);
	CU_ASSERT_EQUAL(hum_at(&m, 2000), 400);
	CU_ASSERT_EQUAL(hum_at(&m, 3200), 0xFFFF);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_OPEN);
	/* no gain: not fitted */
	c.hum_gain_dpct_per_V = 0;
	meas_configure(&m, &c);
	CU_ASSERT_EQUAL(hum_at(&m, 2000), 0xFFFF);
	CU_ASSERT_EQUAL(m.out.hum_state, BP_SENSOR_ABSENT);
}

static void test_supply(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;

	setup(&m, &c);
	blk_fill(&b, 3, 1000);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.supply_mV, 12000);
	b.scan[0].supply = 2400;
	b.scan[1].supply = 2401;
	b.scan[2].supply = 2401;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.supply_mV, 24007); /* 24006.67 */
	b.scan[0].supply = b.scan[1].supply = b.scan[2].supply = 0;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.supply_mV, 0);
	/* beyond 16 bits of mV saturates */
	b.scan[0].supply = b.scan[1].supply = b.scan[2].supply = 65535;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.supply_mV, 65535);
}

static void test_oversampling(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	unsigned int i, n;

	c.hum_gain_dpct_per_V = 1000;
	setup(&m, &c);
	/* alternating 100 / 101 counts average to exactly 100.5: 2512.5 mA */
	for (n = 2; n <= 16; n += 2) {
		blk_fill(&b, (uint8_t)n, 1000);
		for (i = 0; i < n; i++) {
			b.scan[i].cs_out[0] = (uint16_t)(MID + 100 + (i & 1));
			b.scan[i].hum = (uint16_t)(600 + (i & 1));
		}
		meas_feed(&m, &b);
		CU_ASSERT_EQUAL(m.out.mA[0], 2513);
		CU_ASSERT_EQUAL(m.out.rh_dpct, 601); /* 600.5 mV rounds up */
	}
	/* noise of +-7 counts around 40 counts cancels completely */
	blk_fill(&b, 16, 1000);
	for (i = 0; i < 16; i++)
		b.scan[i].cs_out[0] = (uint16_t)(MID + 40 + (i & 1 ? 7 : -7));
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], 1000);
	/* a single scan */
	blk_fill(&b, 1, 1000);
	set_dv(&b, 0, -3);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], -75);
	/* odd count with a third that averages to 1/3 count: 8.33 mA */
	blk_fill(&b, 3, 1000);
	b.scan[0].cs_out[0] = MID + 1;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], 8);
	b.scan[1].cs_out[0] = MID + 1;
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], 17);
}

static void test_block_n_limits(void)
{
	struct meas m;
	struct bp_config c = cfg_two();
	struct hal_adc_block b;
	unsigned int i;

	setup(&m, &c);
	feed2(&m, 40, 4);
	CU_ASSERT_EQUAL(m.out.mA[0], 1000);
	CU_ASSERT_EQUAL(m.out.in_mAs, 1); /* 1 A for 1 ms */
	CU_ASSERT_EQUAL(m.integ.rem_in_nAs, 0);
	/* n = 0: nothing happens, not even integration */
	blk_fill(&b, 0, 1000000);
	set_dv(&b, 0, 400);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], 1000);
	CU_ASSERT_EQUAL(m.out.in_mAs, 1);
	/* more scans than a block holds: the first 16 count */
	blk_fill(&b, 200, 1000);
	for (i = 0; i < HAL_ADC_MAX_SCANS; i++)
		b.scan[i].cs_out[0] = (uint16_t)(MID + 80);
	meas_feed(&m, &b);
	CU_ASSERT_EQUAL(m.out.mA[0], 2000);
	CU_ASSERT_EQUAL(m.out.in_mAs, 3);
	/* a NULL block is ignored */
	meas_feed(&m, NULL);
	CU_ASSERT_EQUAL(m.out.mA[0], 2000);
}

void cu_register(void)
{
	static const struct cu_test math[] = {
		CU_TEST(test_current_basic),
		CU_TEST(test_current_rounding),
		CU_TEST(test_current_gain_sign),
		CU_TEST(test_current_offset_zero),
		CU_TEST(test_current_extremes),
		CU_END
	};
	static const struct cu_test cur[] = {
		CU_TEST(test_init_state),
		CU_TEST(test_feed_sign_and_flags),
		CU_TEST(test_unconfigured_na),
		CU_TEST(test_saturation_flags),
		CU_TEST(test_range_exceeded),
		CU_TEST(test_short_at_rail_single),
		CU_TEST(test_short_at_rail_pair),
		CU_TEST(test_single_sensor),
		CU_TEST(test_selection_hysteresis),
		CU_TEST(test_selection_discharge),
		CU_TEST(test_selection_fallback),
		CU_TEST(test_plausibility),
		CU_TEST(test_zero_cal),
		CU_TEST(test_zero_cal_average),
		CU_TEST(test_zero_cal_skips_railed),
		CU_END
	};
	static const struct cu_test integ[] = {
		CU_TEST(test_integ_micro),
		CU_TEST(test_integ_remainder),
		CU_TEST(test_integ_mixed_sign),
		CU_TEST(test_integ_huge),
		CU_TEST(test_feed_integrates_hour),
		CU_TEST(test_feed_integrator_na_and_keep),
		CU_END
	};
	static const struct cu_test ntc[] = {
		CU_TEST(test_ntc_resistance),
		CU_TEST(test_ntc_beta),
		CU_TEST(test_ntc_steinhart),
		CU_TEST(test_ntc_clamp_and_fault),
		CU_TEST(test_ntc_feed),
		CU_TEST(test_ntc_oversampled),
		CU_TEST(test_lnf_sweep),
		CU_TEST(test_lnf_special),
		CU_END
	};
	static const struct cu_test misc[] = {
		CU_TEST(test_humidity_linear),
		CU_TEST(test_humidity_faults),
		CU_TEST(test_supply),
		CU_TEST(test_oversampling),
		CU_TEST(test_block_n_limits),
		CU_END
	};

	cu_add("meas_math", math);
	cu_add("meas_current", cur);
	cu_add("meas_integ", integ);
	cu_add("meas_ntc", ntc);
	cu_add("meas_misc", misc);
}
