/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * heater: on/off thresholds, the warmest-cell cut-off, the cold-charge
 * block and its release, the warming watch (rise, no rise, reset), stale
 * data, charger-only; and the heater section of bmsd.yaml.
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
#include "heater.h"

static struct cfg_heater base(void)
{
	return (struct cfg_heater){
		.enable = true,
		.charger_only = false,
		.on_dC = 50,
		.off_dC = 100,
		.max_temp_dC = 350,
		.max_on_s = 1800,
		.min_rise_dC = 10,
		.charge_block = true,
		.charge_block_below_dC = 0,
		.charge_release_dC = 50,
	};
}

static struct heater h;
static struct heater_out o;

static void at(int32_t tmin, int32_t tmax, uint64_t now_ms)
{
	struct heater_in in = { .temp_valid = true, .temp_min_dC = tmin, .temp_max_dC = tmax,
				.charger_connected = true };

	memset(&o, 0x55, sizeof(o));
	heater_step(&h, &in, now_ms, &o);
}

static void test_thresholds(void)
{
	struct cfg_heater c = base();
	static const struct {
		int32_t t;
		bool on;
	} seq[] = {
		{ 200, false }, { 50, false }, /* at on_dC: not below */
		{ 49, true }, { -300, true }, { 99, true }, /* between: stays on */
		{ 100, false }, { 60, false }, /* between: stays off */
		{ 50, false }, { 49, true }, { 150, false },
	};

	heater_init(&h, &c);
	for (unsigned int i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		at(seq[i].t, seq[i].t + 5, 1000 * i);
		CU_ASSERT_EQUAL(o.on, seq[i].on);
		CU_ASSERT_FALSE(o.fault);
	}
}

static void test_max_temp(void)
{
	struct cfg_heater c = base();

	heater_init(&h, &c);
	at(0, 200, 0);
	CU_ASSERT_TRUE(o.on);
	/* the warmest cell reaches max_temp_dC: off, though the coldest is cold */
	at(0, 350, 1000);
	CU_ASSERT_FALSE(o.on);
	/* on again only below max_temp_dC - (off_dC - on_dC) = 300 */
	at(0, 349, 2000);
	CU_ASSERT_FALSE(o.on);
	at(0, 300, 3000);
	CU_ASSERT_FALSE(o.on);
	at(0, 299, 4000);
	CU_ASSERT_TRUE(o.on);
}

static void test_disabled(void)
{
	struct cfg_heater c = base();

	c.enable = false;
	heater_init(&h, &c);
	at(-200, -200, 0);
	CU_ASSERT_FALSE(o.on);
	/* the cold-charge block still works */
	CU_ASSERT_TRUE(o.block_charge);
	at(60, 60, 1000);
	CU_ASSERT_FALSE(o.block_charge);
	CU_ASSERT_FALSE(o.fault);
}

static void test_charge_block(void)
{
	struct cfg_heater c = base();
	static const struct {
		int32_t t;
		bool blocked;
	} seq[] = {
		{ 20, true },   /* starts blocked, and 2 degC is below the release */
		{ 49, true },
		{ 50, false },  /* released at charge_release_dC */
		{ 10, false },  /* between: stays released */
		{ 0, false },   /* at charge_block_below_dC: not below */
		{ -1, true },   /* below: blocked */
		{ 30, true },
		{ 80, false },
	};

	c.enable = false;
	heater_init(&h, &c);
	for (unsigned int i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		at(seq[i].t, seq[i].t + 100, 1000 * i);
		CU_ASSERT_EQUAL(o.block_charge, seq[i].blocked);
	}
	/* a cold start that is warm from the first reading */
	heater_init(&h, &c);
	at(250, 260, 0);
	CU_ASSERT_FALSE(o.block_charge);
	/* only the coldest cell counts */
	at(-10, 400, 1000);
	CU_ASSERT_TRUE(o.block_charge);
	/* charge_block off: never blocked, even without a temperature */
	c.charge_block = false;
	heater_reconfigure(&h, &c);
	at(-400, -400, 2000);
	CU_ASSERT_FALSE(o.block_charge);
	{
		struct heater_in in = { .temp_valid = false };

		heater_step(&h, &in, 3000, &o);
		CU_ASSERT_FALSE(o.block_charge);
	}
}

static void test_cold_charge_sequence(void)
{
	struct cfg_heater c = base();
	uint64_t t = 0;
	int32_t temp = -100;

	/* cold pack: charge blocked, heater warms it, charge released, heater off */
	heater_init(&h, &c);
	at(temp, temp + 5, t);
	CU_ASSERT_TRUE(o.on);
	CU_ASSERT_TRUE(o.block_charge);
	while (temp < 100 && t < 3600000) {
		t += 60000;
		temp += 5; /* 0.5 degC a minute */
		at(temp, temp + 5, t);
		if (temp < 50)
			CU_ASSERT_TRUE(o.block_charge);
		if (temp >= 50)
			CU_ASSERT_FALSE(o.block_charge);
		if (temp < 100)
			CU_ASSERT_TRUE(o.on);
		CU_ASSERT_FALSE(o.fault);
	}
	CU_ASSERT_EQUAL(temp, 100);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_FALSE(o.block_charge);
}

static void test_timeout_no_rise(void)
{
	struct cfg_heater c = base();

	heater_init(&h, &c);
	at(0, 5, 10000);
	CU_ASSERT_TRUE(o.on);
	/* 0.9 degC in 30 min is not enough */
	at(9, 14, 10000 + 1799999);
	CU_ASSERT_TRUE(o.on);
	CU_ASSERT_FALSE(o.fault);
	at(9, 14, 10000 + 1800000);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_TRUE(o.fault);
	/* latched: stays off and faulty while cold */
	at(-100, -100, 10000 + 1900000);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_TRUE(o.fault);
	CU_ASSERT_TRUE(o.block_charge);
	/* and when warm */
	at(200, 200, 10000 + 2000000);
	CU_ASSERT_TRUE(o.fault);
	CU_ASSERT_FALSE(o.block_charge);
	/* reset: runs again, with a new watch */
	heater_reset(&h);
	at(0, 0, 10000000);
	CU_ASSERT_TRUE(o.on);
	CU_ASSERT_FALSE(o.fault);
	at(0, 0, 10000000 + 1799000);
	CU_ASSERT_TRUE(o.on);
	at(0, 0, 10000000 + 1800000);
	CU_ASSERT_TRUE(o.fault);
}

static void test_rise_resets_watch(void)
{
	struct cfg_heater c = base();
	uint64_t t = 0;

	/* 1 degC every 25 min: a long heat-up, but a working heater */
	c.off_dC = 300;
	c.max_temp_dC = 500;
	heater_init(&h, &c);
	at(-200, -200, t);
	CU_ASSERT_TRUE(o.on);
	for (int32_t temp = -190; temp < 40; temp += 10) {
		t += 1500000;
		at(temp, temp, t);
		CU_ASSERT_TRUE(o.on);
		CU_ASSERT_FALSE(o.fault);
	}
	/* then it stalls just short of the next degree: a fault 30 min after
	 * the last rise */
	at(39, 39, t + 1799999);
	CU_ASSERT_FALSE(o.fault);
	CU_ASSERT_TRUE(o.on);
	at(39, 39, t + 1800000);
	CU_ASSERT_TRUE(o.fault);
	CU_ASSERT_FALSE(o.on);
	/* a rise that comes in small steps counts from the reference */
	heater_reset(&h);
	heater_init(&h, &c);
	at(0, 0, 0);
	at(3, 3, 600000);
	at(6, 6, 1200000);
	at(10, 10, 1700000); /* +1.0 degC from the start: a new watch */
	at(12, 12, 3400000);
	CU_ASSERT_FALSE(o.fault);
	at(12, 12, 3500000);
	CU_ASSERT_TRUE(o.fault);
}

static void test_off_stops_watch(void)
{
	struct cfg_heater c = base();

	heater_init(&h, &c);
	at(0, 0, 0);
	CU_ASSERT_TRUE(o.on);
	at(100, 100, 1000000); /* warm: off */
	CU_ASSERT_FALSE(o.on);
	at(60, 60, 5000000);   /* off for a long time, no fault */
	CU_ASSERT_FALSE(o.fault);
	at(40, 40, 6000000);   /* on again: a new watch from here */
	CU_ASSERT_TRUE(o.on);
	at(40, 40, 6000000 + 1799999);
	CU_ASSERT_FALSE(o.fault);
}

static void test_stale(void)
{
	struct cfg_heater c = base();
	struct heater_in in = { .temp_valid = false, .temp_min_dC = -300, .temp_max_dC = -300,
				.charger_connected = true };

	heater_init(&h, &c);
	heater_step(&h, &in, 0, &o);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_TRUE(o.block_charge);
	at(60, 60, 1000);
	CU_ASSERT_FALSE(o.block_charge);
	at(0, 0, 2000);
	CU_ASSERT_TRUE(o.on);
	/* the data goes stale: off and blocked at once */
	heater_step(&h, &in, 3000, &o);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_TRUE(o.block_charge);
	CU_ASSERT_FALSE(o.fault);
	/* stale for longer than max_on_s: no fault (the heater was off) */
	heater_step(&h, &in, 3000 + 3600000, &o);
	CU_ASSERT_FALSE(o.fault);
	/* valid again and cold: on, with a new watch */
	at(0, 0, 4000000);
	CU_ASSERT_TRUE(o.on);
	CU_ASSERT_TRUE(o.block_charge);
	at(0, 0, 4000000 + 1799999);
	CU_ASSERT_FALSE(o.fault);
}

static void test_charger_only(void)
{
	struct cfg_heater c = base();
	struct heater_in in = { .temp_valid = true, .temp_min_dC = -100, .temp_max_dC = -100,
				.charger_connected = false };

	c.charger_only = true;
	heater_init(&h, &c);
	heater_step(&h, &in, 0, &o);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_TRUE(o.block_charge);
	in.charger_connected = true;
	heater_step(&h, &in, 1000, &o);
	CU_ASSERT_TRUE(o.on);
	in.charger_connected = false;
	heater_step(&h, &in, 2000, &o);
	CU_ASSERT_FALSE(o.on);
	CU_ASSERT_FALSE(o.fault);
	/* without charger_only the charger does not matter */
	c.charger_only = false;
	heater_reconfigure(&h, &c);
	heater_step(&h, &in, 3000, &o);
	CU_ASSERT_TRUE(o.on);
}

static void test_time_back(void)
{
	struct cfg_heater c = base();

	heater_init(&h, &c);
	at(0, 0, 5000000);
	CU_ASSERT_TRUE(o.on);
	at(0, 0, 1000); /* the clock went back: no fault, no overflow */
	CU_ASSERT_FALSE(o.fault);
	CU_ASSERT_TRUE(o.on);
	at(0, 0, UINT64_MAX);
	CU_ASSERT_TRUE(o.fault);
}

/* ---- the heater section of bmsd.yaml ------------------------------------- */

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
	struct cfg c;
	struct cfg_error e;
	struct cfg_heater want = base();
	const struct cfg_heater *k = &c.heater;

	want.enable = false;
	CU_ASSERT_EQUAL_FATAL(parse_plus("", &c, &e), 0);
	CU_ASSERT_EQUAL(k->enable, want.enable);
	CU_ASSERT_EQUAL(k->charger_only, want.charger_only);
	CU_ASSERT_EQUAL(k->on_dC, want.on_dC);
	CU_ASSERT_EQUAL(k->off_dC, want.off_dC);
	CU_ASSERT_EQUAL(k->max_temp_dC, want.max_temp_dC);
	CU_ASSERT_EQUAL(k->max_on_s, want.max_on_s);
	CU_ASSERT_EQUAL(k->min_rise_dC, want.min_rise_dC);
	CU_ASSERT_EQUAL(k->charge_block, want.charge_block);
	CU_ASSERT_EQUAL(k->charge_block_below_dC, want.charge_block_below_dC);
	CU_ASSERT_EQUAL(k->charge_release_dC, want.charge_release_dC);
	CU_ASSERT_EQUAL(cfg_heater_xcheck(k, e.msg, sizeof(e.msg), &(uint32_t){ 0 }), 0);
}

static void test_cfg_good(void)
{
	struct cfg c;
	struct cfg_error e;
	const struct cfg_heater *k = &c.heater;
	int rc = parse_plus("heater:\n"
			    "  enable: true\n"
			    "  charger_only: true\n"
			    "  on_dC: -500\n"
			    "  off_dC: -499\n"
			    "  max_temp_dC: 1500\n"
			    "  max_on_s: 86400\n"
			    "  min_rise_dC: 500\n"
			    "  charge_block: false\n"
			    "  charge_block_below_dC: -100\n"
			    "  charge_release_dC: 1500\n",
			    &c, &e);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_TRUE(k->enable);
	CU_ASSERT_TRUE(k->charger_only);
	CU_ASSERT_EQUAL(k->on_dC, -500);
	CU_ASSERT_EQUAL(k->off_dC, -499);
	CU_ASSERT_EQUAL(k->max_temp_dC, 1500);
	CU_ASSERT_EQUAL(k->max_on_s, 86400);
	CU_ASSERT_EQUAL(k->min_rise_dC, 500);
	CU_ASSERT_FALSE(k->charge_block);
	CU_ASSERT_EQUAL(k->charge_block_below_dC, -100);
	CU_ASSERT_EQUAL(k->charge_release_dC, 1500);
}

static void test_cfg_bad(void)
{
	refused("heater:\n  on_dC: -501\n", 2, 10, "out of range");
	refused("heater:\n  off_dC: 1501\n", 2, 11, "out of range");
	refused("heater:\n  max_on_s: 9\n", 2, 13, "out of range");
	refused("heater:\n  max_on_s: 86401\n", 2, 13, "out of range");
	refused("heater:\n  min_rise_dC: 0\n", 2, 16, "out of range");
	refused("heater:\n  charge_block: 1\n", 2, 17, "true or false");
	refused("heater:\n  on_C: 5\n", 2, 3, "on_dC");
	refused("heater: true\n", 1, 9, "");
}

static void test_cfg_xcheck(void)
{
	struct cfg_heater c = base();
	const struct cfg_key *row = NULL;
	char msg[200];
	uint32_t off = 0;

	CU_ASSERT_EQUAL(cfg_heater_xcheck(&c, msg, sizeof(msg), &off), 0);
	c.off_dC = 50;
	CU_ASSERT_EQUAL(cfg_heater_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_heater, off_dC));
	CU_ASSERT_STRING_EQUAL(msg, "off_dC (50) must be above on_dC (50)");
	c = base();
	c.max_temp_dC = 100;
	CU_ASSERT_EQUAL(cfg_heater_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_heater, max_temp_dC));
	CU_ASSERT_STRING_EQUAL(msg, "max_temp_dC (100) must be above off_dC (100)");
	c = base();
	c.charge_release_dC = -10;
	CU_ASSERT_EQUAL(cfg_heater_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_heater, charge_release_dC));
	CU_ASSERT_STRING_EQUAL(msg,
			       "charge_release_dC (-10) must be above charge_block_below_dC (0)");
	c.charge_release_dC = 1;
	CU_ASSERT_EQUAL(cfg_heater_xcheck(&c, msg, sizeof(msg), &off), 0);

	for (const struct cfg_key *k = cfg_schema; k->name; k++)
		if (!strcmp(k->name, "heater"))
			row = k;
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_EQUAL(row->sub, cfg_heater_keys);
	if (row->xcheck) {
		CU_ASSERT_EQUAL(row->xcheck, cfg_heater_xcheck);
		refused("heater:\n  on_dC: 100\n  off_dC: 100\n", 3, 11, "must be above on_dC");
		/* a key left at its default is blamed too */
		struct cfg cc;
		struct cfg_error e;

		CU_ASSERT_EQUAL(parse_plus("heater:\n  charge_block_below_dC: 60\n", &cc, &e),
				-EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "charge_release_dC (50) must be above"));
	}
}

void cu_register(void)
{
	static const struct cu_test logic[] = {
		CU_TEST(test_thresholds),
		CU_TEST(test_max_temp),
		CU_TEST(test_disabled),
		CU_TEST(test_charge_block),
		CU_TEST(test_cold_charge_sequence),
		CU_TEST(test_timeout_no_rise),
		CU_TEST(test_rise_resets_watch),
		CU_TEST(test_off_stops_watch),
		CU_TEST(test_stale),
		CU_TEST(test_charger_only),
		CU_TEST(test_time_back),
		CU_END,
	};
	static const struct cu_test config[] = {
		CU_TEST(test_cfg_defaults),
		CU_TEST(test_cfg_good),
		CU_TEST(test_cfg_bad),
		CU_TEST(test_cfg_xcheck),
		CU_END,
	};

	cu_add("heater", logic);
	cu_add("heater_cfg", config);
}
