/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * can2: the display feed, decoded with this file's own table of its
 * documented layout (docs/can.md), not with can2.c's.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"
#include "can2.h"

struct field {
	uint8_t frame; /* offset from base_id */
	const char *name;
	uint8_t off, len;
	bool sgn;
};

/* The layout, little-endian, DLC 8 each. */
static const struct field ref[] = {
	{ 0, "state", 0, 1, false },
	{ 0, "flags", 1, 1, false },
	{ 0, "soc_dpct", 2, 2, false },
	{ 0, "soh_dpct", 4, 2, false },
	{ 0, "faults", 6, 2, false },
	{ 1, "pack_mV", 0, 4, false },
	{ 1, "current_mA", 4, 4, true },
	{ 2, "cell_min_mV", 0, 2, false },
	{ 2, "cell_max_mV", 2, 2, false },
	{ 2, "cell_min_board", 4, 1, false },
	{ 2, "cell_min_cell", 5, 1, false },
	{ 2, "cell_max_board", 6, 1, false },
	{ 2, "cell_max_cell", 7, 1, false },
	{ 3, "temp_min_dC", 0, 2, true },
	{ 3, "temp_max_dC", 2, 2, true },
	{ 3, "temp_mean_dC", 4, 2, true },
	{ 3, "temp_min_board", 6, 1, false },
	{ 3, "temp_max_board", 7, 1, false },
	{ 4, "warnings", 0, 4, false },
	{ 4, "alarms", 4, 4, false },
	{ 5, "criticals", 0, 4, false },
	{ 5, "latched", 4, 4, false },
	{ 6, "relays", 0, 1, false },
	{ 6, "relays_cmd", 1, 1, false },
	{ 6, "di", 2, 1, false },
	{ 6, "do", 3, 1, false },
	{ 6, "boards", 4, 1, false },
	{ 6, "boards_online", 5, 1, false },
	{ 6, "boards_balancing", 6, 1, false },
	{ 7, "ccl_dA", 0, 2, false },
	{ 7, "dcl_dA", 2, 2, false },
	{ 7, "cvl_dV", 4, 2, false },
	{ 7, "dvl_dV", 6, 2, false },
};

#define BASE 0x400u

static long long get(const struct canio_frame *f, const char *name)
{
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		const struct field *d = &ref[i];
		unsigned long long u = 0;

		if (strcmp(d->name, name))
			continue;
		CU_ASSERT_EQUAL_FATAL(f->id, BASE + d->frame);
		CU_ASSERT_EQUAL_FATAL(f->len, 8);
		for (unsigned int k = d->len; k-- > 0;)
			u = u << 8 | f->data[d->off + k];
		if (d->sgn && (u & (1ull << (8 * d->len - 1))))
			return (long long)u - (long long)(1ull << (8 * d->len));
		return (long long)u;
	}
	CU_FAIL_FATAL("unknown field");
	return 0;
}

static struct can2 feed(uint32_t base, uint32_t period, uint64_t now)
{
	struct cfg_can2 c;
	struct can2 x;

	memset(&c, 0, sizeof(c));
	c.enable = true;
	c.base_id = base;
	c.period_ms = period;
	can2_init(&x, &c, now);
	return x;
}

static void frame(const struct can2 *x, unsigned int which, const struct view *v,
		  struct canio_frame *f)
{
	CU_ASSERT_EQUAL_FATAL(can2_encode(x, which, v, f), 1);
	CU_ASSERT_FALSE(f->ext);
	CU_ASSERT_FALSE(f->rtr);
}

static void view_ok(struct view *v)
{
	memset(v, 0, sizeof(*v));
	v->gen = 7;
	v->configured = v->link_up = true;
	v->state = VIEW_ST_CONNECTED;
	v->faults = 0x0240;
	v->pack_valid = true;
	v->pack_mV = 851234;
	v->current_valid = true;
	v->current_mA = -123456;
	v->cell_min_mV = 3190;
	v->cell_max_mV = 3215;
	v->cell_min_board = 2;
	v->cell_min_cell = 7;
	v->cell_max_board = 32;
	v->cell_max_cell = 24;
	v->temp_valid = true;
	v->temp_min_dC = -105;
	v->temp_max_dC = 412;
	v->temp_mean_dC = 201;
	v->temp_min_board = 3;
	v->temp_max_board = 1;
	v->soc_valid = true;
	v->soc_dpct = 555;
	v->soh_valid = true;
	v->soh_dpct = 987;
	v->limits_valid = true;
	v->ccl_mA = 100049;
	v->dcl_mA = 150000;
	v->cvl_mV = 56089;
	v->dvl_mV = 44800;
	v->charge_allowed = true;
	v->heater_on = true;
	v->relay_out = 0x5;
	v->relay_cmd = 0x7;
	v->di = 0x9;
	v->dos = 0x2;
	v->boards = 4;
	v->online_mask = 0xD;
	v->balancing_mask = 0x3;
}

static void test_ids(void)
{
	struct can2 x = feed(BASE, 100, 0);
	struct canio_frame f;
	struct view v;

	view_ok(&v);
	for (unsigned int i = 0; i < CAN2_COUNT; i++) {
		frame(&x, i, &v, &f);
		CU_ASSERT_EQUAL(f.id, BASE + i);
		CU_ASSERT_EQUAL(f.len, 8);
	}
	CU_ASSERT_EQUAL(can2_encode(&x, CAN2_COUNT, &v, &f), -1);
	CU_ASSERT_EQUAL(can2_encode(&x, 1000, &v, &f), -1);
	x = feed(0, 100, 0);
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(f.id, 0);
	x = feed(0x7F8, 100, 0);
	frame(&x, CAN2_LIMITS, &v, &f);
	CU_ASSERT_EQUAL(f.id, 0x7FF);
	x = feed(0x7FF, 100, 0); /* the schema refuses it; never beyond 0x7FF */
	frame(&x, CAN2_LIMITS, &v, &f);
	CU_ASSERT_EQUAL(f.id, 0x7FF);
	CU_ASSERT_EQUAL(x.sched.period_ms, 100);
}

static void test_values(void)
{
	struct can2 x = feed(BASE, 100, 0);
	struct canio_frame f;
	struct view v;

	view_ok(&v);
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "state"), VIEW_ST_CONNECTED);
	CU_ASSERT_EQUAL(get(&f, "state"), 4);
	/* configured, link up, charge allowed, heater */
	CU_ASSERT_EQUAL(get(&f, "flags"), 0x01 | 0x02 | 0x04 | 0x40);
	CU_ASSERT_EQUAL(get(&f, "soc_dpct"), 555);
	CU_ASSERT_EQUAL(get(&f, "soh_dpct"), 987);
	CU_ASSERT_EQUAL(get(&f, "faults"), 0x0240);

	frame(&x, CAN2_PACK, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "pack_mV"), 851234);
	CU_ASSERT_EQUAL(get(&f, "current_mA"), -123456);

	frame(&x, CAN2_CELLS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "cell_min_mV"), 3190);
	CU_ASSERT_EQUAL(get(&f, "cell_max_mV"), 3215);
	CU_ASSERT_EQUAL(get(&f, "cell_min_board"), 2);
	CU_ASSERT_EQUAL(get(&f, "cell_min_cell"), 7);
	CU_ASSERT_EQUAL(get(&f, "cell_max_board"), 32);
	CU_ASSERT_EQUAL(get(&f, "cell_max_cell"), 24);

	frame(&x, CAN2_TEMPS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "temp_min_dC"), -105);
	CU_ASSERT_EQUAL(get(&f, "temp_max_dC"), 412);
	CU_ASSERT_EQUAL(get(&f, "temp_mean_dC"), 201);
	CU_ASSERT_EQUAL(get(&f, "temp_min_board"), 3);
	CU_ASSERT_EQUAL(get(&f, "temp_max_board"), 1);

	frame(&x, CAN2_IO, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "relays"), 5);
	CU_ASSERT_EQUAL(get(&f, "relays_cmd"), 7);
	CU_ASSERT_EQUAL(get(&f, "di"), 9);
	CU_ASSERT_EQUAL(get(&f, "do"), 2);
	CU_ASSERT_EQUAL(get(&f, "boards"), 4);
	CU_ASSERT_EQUAL(get(&f, "boards_online"), 3);
	CU_ASSERT_EQUAL(get(&f, "boards_balancing"), 2);
	CU_ASSERT_EQUAL(f.data[7], 0);

	frame(&x, CAN2_LIMITS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 1000);
	CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 1500);
	CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 560);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 448);
}

static void test_flags(void)
{
	struct can2 x = feed(BASE, 100, 0);
	struct canio_frame f;
	struct view v;

	memset(&v, 0, sizeof(v));
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "flags"), 0);
	v.discharge_allowed = true;
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "flags"), 0x08);
	v.discharge_allowed = false;
	v.soft_stop = true;
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "flags"), 0x10);
	v.soft_stop = false;
	v.full = true;
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "flags"), 0x20);
	v.full = false;
	v.balancing = true;
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "flags"), 0x80);
	for (unsigned int s = 0; s < VIEW_ST_COUNT; s++) {
		v.state = (enum view_state)s;
		frame(&x, CAN2_STATE, &v, &f);
		CU_ASSERT_EQUAL(get(&f, "state"), s);
	}
}

/* Nothing known yet: every field says so. */
static void test_not_available(void)
{
	struct can2 x = feed(BASE, 100, 0);
	struct canio_frame f;
	struct view v;

	view_ok(&v);
	v.soc_valid = v.soh_valid = v.pack_valid = v.current_valid = false;
	v.temp_valid = v.limits_valid = false;
	frame(&x, CAN2_STATE, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "soc_dpct"), 0xFFFF);
	CU_ASSERT_EQUAL(get(&f, "soh_dpct"), 0xFFFF);
	frame(&x, CAN2_PACK, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "pack_mV"), 0xFFFFFFFFll);
	CU_ASSERT_EQUAL(get(&f, "current_mA"), -2147483648ll);
	frame(&x, CAN2_CELLS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "cell_min_mV"), 0xFFFF);
	CU_ASSERT_EQUAL(get(&f, "cell_max_mV"), 0xFFFF);
	CU_ASSERT_EQUAL(get(&f, "cell_min_board"), 0);
	CU_ASSERT_EQUAL(get(&f, "cell_max_cell"), 0);
	frame(&x, CAN2_TEMPS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "temp_min_dC"), -32768);
	CU_ASSERT_EQUAL(get(&f, "temp_max_dC"), -32768);
	CU_ASSERT_EQUAL(get(&f, "temp_mean_dC"), -32768);
	CU_ASSERT_EQUAL(get(&f, "temp_min_board"), 0);
	CU_ASSERT_EQUAL(get(&f, "temp_max_board"), 0);
	frame(&x, CAN2_LIMITS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 0xFFFF);
	CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 0xFFFF);
	CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 0xFFFF);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 0xFFFF);
	/* a valid flag with the view's own NA code inside is still NA */
	view_ok(&v);
	v.temp_mean_dC = BP_TEMP_DC_NA;
	frame(&x, CAN2_TEMPS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "temp_mean_dC"), -32768);
	CU_ASSERT_EQUAL(get(&f, "temp_min_dC"), -105);
}

static void test_extremes(void)
{
	struct can2 x = feed(BASE, 100, 0);
	struct canio_frame f;
	struct view v;

	view_ok(&v);
	v.current_mA = INT32_MIN + 1;
	v.pack_mV = 3000000;
	frame(&x, CAN2_PACK, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "current_mA"), (long long)INT32_MIN + 1);
	CU_ASSERT_EQUAL(get(&f, "pack_mV"), 3000000);
	v.current_mA = INT32_MAX;
	frame(&x, CAN2_PACK, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "current_mA"), INT32_MAX);
	/* limits beyond the field stay below the NA code */
	v.ccl_mA = UINT32_MAX;
	v.cvl_mV = 6553500;
	v.dvl_mV = 6553499;
	frame(&x, CAN2_LIMITS, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 0xFFFE);
	CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 0xFFFE);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 65534);
	/* I/O bits beyond the four channels are not sent */
	v.relay_out = 0xF5;
	v.relay_cmd = 0xA7;
	v.di = 0x3F;
	v.dos = 0xFF;
	v.boards = 32;
	v.online_mask = 0xFFFFFFFF;
	frame(&x, CAN2_IO, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "relays"), 5);
	CU_ASSERT_EQUAL(get(&f, "relays_cmd"), 7);
	CU_ASSERT_EQUAL(get(&f, "di"), 0xF);
	CU_ASSERT_EQUAL(get(&f, "do"), 0xF);
	CU_ASSERT_EQUAL(get(&f, "boards_online"), 32);
	v.boards = 2; /* a mask beyond the configured boards counts only those */
	frame(&x, CAN2_IO, &v, &f);
	CU_ASSERT_EQUAL(get(&f, "boards_online"), 2);
	CU_ASSERT_EQUAL(get(&f, "boards_balancing"), 2);
}

static void test_protections(void)
{
	struct can2 x = feed(BASE, 100, 0);
	struct canio_frame f, g;
	struct view v;

	view_ok(&v);
	frame(&x, CAN2_PROT, &v, &f);
	frame(&x, CAN2_PROT2, &v, &g);
	CU_ASSERT_EQUAL(get(&f, "warnings") | get(&f, "alarms"), 0);
	CU_ASSERT_EQUAL(get(&g, "criticals") | get(&g, "latched"), 0);

	v.prot_state[PROT_CELL_OV] = PROT_ST_ACTIVE;
	v.prot_tier[PROT_CELL_OV] = PROT_TIER_WARNING;
	v.prot_state[PROT_DSG_OC] = PROT_ST_CLEARING;
	v.prot_tier[PROT_DSG_OC] = PROT_TIER_ALARM;
	v.prot_state[PROT_MCU_TRIP] = PROT_ST_LATCHED;
	v.prot_tier[PROT_MCU_TRIP] = PROT_TIER_CRITICAL;
	v.prot_state[PROT_HUMIDITY] = PROT_ST_SETTING; /* not yet */
	v.prot_tier[PROT_HUMIDITY] = PROT_TIER_ALARM;
	v.prot_state[PROT_LOGIC_OFFLINE] = PROT_ST_LATCHED;
	v.prot_tier[PROT_LOGIC_OFFLINE] = PROT_TIER_WARNING;
	frame(&x, CAN2_PROT, &v, &f);
	frame(&x, CAN2_PROT2, &v, &g);
	/* bit n = protection n of prot_ids.h: 0 cell OV, 5 discharge OC,
	 * 11 Logic offline, 23 safety floor trip */
	CU_ASSERT_EQUAL(get(&f, "warnings"), (1ll << 0) | (1ll << 11));
	CU_ASSERT_EQUAL(get(&f, "alarms"), 1ll << 5);
	CU_ASSERT_EQUAL(get(&g, "criticals"), 1ll << 23);
	CU_ASSERT_EQUAL(get(&g, "latched"), (1ll << 23) | (1ll << 11));
	CU_ASSERT_EQUAL(PROT_CELL_OV, 0);
	CU_ASSERT_EQUAL(PROT_DSG_OC, 5);
	CU_ASSERT_EQUAL(PROT_LOGIC_OFFLINE, 11);
	CU_ASSERT_EQUAL(PROT_MCU_TRIP, 23);
}

static void test_schedule(void)
{
	static const uint32_t periods[] = { 20, 100, 1000, 10000 };

	for (unsigned int p = 0; p < 4; p++) {
		struct can2 x = feed(BASE, periods[p], 100);
		unsigned int count[CAN2_COUNT] = { 0 }, max_tick = 0;
		uint64_t end = 100 + 3ull * periods[p];
		struct canio_frame f;
		struct view v;

		view_ok(&v);
		for (uint64_t t = 100; t < end + 10; t += 10) {
			unsigned int n = 0;

			while (can2_next(&x, &v, t, &f) == 1) {
				CU_ASSERT_FATAL(f.id >= BASE && f.id < BASE + CAN2_COUNT);
				count[f.id - BASE]++;
				n++;
			}
			if (n > max_tick)
				max_tick = n;
		}
		for (unsigned int i = 0; i < CAN2_COUNT; i++)
			CU_ASSERT(count[i] >= 3 && count[i] <= 4);
		/* spread: 8 frames in 20 ms are 2 or 3 per tick, never all */
		CU_ASSERT(max_tick <= (periods[p] <= 20 ? 4u : 1u));
	}
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_ids),
		CU_TEST(test_values),
		CU_TEST(test_flags),
		CU_TEST(test_not_available),
		CU_TEST(test_extremes),
		CU_TEST(test_protections),
		CU_TEST(test_schedule),
		CU_END,
	};

	cu_add("can2", tests);
}
