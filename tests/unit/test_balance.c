/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * balance: whole pack against per board, threshold and hysteresis, the
 * minimum cell voltage, the temperature block, the current conditions,
 * stale and incomplete data, the cap on bleeding cells; and the balancing
 * section of bmsd.yaml.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "balance.h"
#include "cfg.h"
#include "cfg_keys.h"
#include "fixture.h"

#define BOARDS 3
#define CELLS 16

static struct cfg_balancing base(void)
{
	return (struct cfg_balancing){
		.enable = true,
		.mode = CFG_BAL_PACK,
		.when = CFG_BAL_ALWAYS,
		.threshold_mV = 20,
		.hysteresis_mV = 10,
		.min_cell_mV = 3300,
		.max_temp_dC = 500,
		.idle_current_mA = 1000,
		.max_bleed_cells = 0,
		.stale_ms = 5000,
	};
}

/* BOARDS boards of CELLS cells at 3400 mV, 2 sensors at 25 degC each. */
static void snap_init(struct bp_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->cycle = 1;
	s->time_ms = 1000;
	s->present = (1u << BOARDS) - 1;
	for (unsigned int b = 0; b < BOARDS; b++) {
		struct bp_board_snap *bs = &s->board[b];

		bs->flags = BP_BOARD_ONLINE | BP_BOARD_FRESH;
		bs->ncells = CELLS;
		bs->ntemps = 2;
		for (unsigned int i = 0; i < BP_MAX_CELLS; i++)
			bs->cell_mV[i] = i < CELLS ? 3400 : BP_CELL_MV_NA;
		for (unsigned int i = 0; i < BP_MAX_TEMPS; i++)
			bs->temp_dC[i] = i < 2 ? 250 : BP_TEMP_DC_NA;
	}
}

/* A new cycle of the same data, so that it is never stale. */
static void next(struct bp_snapshot *s)
{
	s->cycle++;
	s->time_ms += 200;
}

static unsigned int step(struct balance *b, struct bp_snapshot *s, uint32_t *m)
{
	next(s);
	return balance_step(b, s, 0, true, 1000 + s->time_ms, m);
}

static struct balance bal;
static struct bp_snapshot snap;
static uint32_t mask[BP_MAX_BOARDS];

static void setup(const struct cfg_balancing *c)
{
	balance_init(&bal, c, BOARDS, CELLS);
	snap_init(&snap);
	memset(mask, 0xa5, sizeof(mask));
}

static void test_disabled(void)
{
	struct cfg_balancing c = base();

	c.enable = false;
	setup(&c);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_DISABLED);
	snap.board[0].cell_mV[3] = 3600;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++)
		CU_ASSERT_EQUAL(mask[b], 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_DISABLED);
}

static void test_no_snapshot(void)
{
	struct cfg_balancing c = base();

	setup(&c);
	CU_ASSERT_EQUAL(balance_step(&bal, NULL, 0, true, 1000, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_NO_DATA);
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++)
		CU_ASSERT_EQUAL(mask[b], 0);
}

static void test_pack_threshold(void)
{
	struct cfg_balancing c = base();

	setup(&c);
	snap.board[0].cell_mV[2] = 3421; /* 21 above: bleeds */
	snap.board[0].cell_mV[5] = 3420; /* exactly the threshold: not */
	snap.board[2].cell_mV[15] = 3500;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 2);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_RUN);
	CU_ASSERT_EQUAL(mask[0], 1u << 2);
	CU_ASSERT_EQUAL(mask[1], 0);
	CU_ASSERT_EQUAL(mask[2], 1u << 15);
	for (unsigned int b = BOARDS; b < BP_MAX_BOARDS; b++)
		CU_ASSERT_EQUAL(mask[b], 0);
	/* a lower cell on another board moves the reference of all */
	snap.board[1].cell_mV[0] = 3390;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3);
	CU_ASSERT_EQUAL(mask[0], (1u << 2) | (1u << 5));
	CU_ASSERT_EQUAL(mask[2], 1u << 15);
	/* and every 3400 cell is 10 above: not enough */
	snap.board[1].cell_mV[0] = 3379;
	step(&bal, &snap, mask);
	/* now every cell but one is 21+ above the lowest */
	CU_ASSERT_EQUAL(mask[1], 0xffffu & ~1u);
	CU_ASSERT_EQUAL(mask[0], 0xffffu);
}

static void test_board_mode(void)
{
	struct cfg_balancing c = base();

	c.mode = CFG_BAL_BOARD;
	setup(&c);
	/* board 1 much lower overall: per board, it does not pull the others */
	for (unsigned int i = 0; i < CELLS; i++)
		snap.board[1].cell_mV[i] = 3350;
	snap.board[1].cell_mV[7] = 3371;
	snap.board[0].cell_mV[3] = 3421;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 2);
	CU_ASSERT_EQUAL(mask[0], 1u << 3);
	CU_ASSERT_EQUAL(mask[1], 1u << 7);
	CU_ASSERT_EQUAL(mask[2], 0);
	/* the same data in pack mode bleeds every cell of boards 0 and 2 */
	c.mode = CFG_BAL_PACK;
	balance_init(&bal, &c, BOARDS, CELLS);
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 2 * CELLS + 1);
	CU_ASSERT_EQUAL(mask[0], 0xffffu);
	CU_ASSERT_EQUAL(mask[1], 1u << 7);
	CU_ASSERT_EQUAL(mask[2], 0xffffu);
}

static void test_hysteresis(void)
{
	struct cfg_balancing c = base();
	static const struct {
		uint16_t mV;
		bool on;
	} seq[] = {
		{ 3420, false }, /* at the threshold */
		{ 3421, true },  /* above: starts */
		{ 3415, true },  /* within the hysteresis: keeps on */
		{ 3411, true },
		{ 3410, false }, /* threshold - hysteresis: stops */
		{ 3415, false }, /* within the hysteresis: stays off */
		{ 3420, false },
		{ 3421, true },
		{ 3600, true },
		{ 3400, false },
	};

	setup(&c);
	for (unsigned int i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		snap.board[1].cell_mV[9] = seq[i].mV;
		step(&bal, &snap, mask);
		CU_ASSERT_EQUAL(mask[1], seq[i].on ? 1u << 9 : 0);
	}
	/* hysteresis 0: start and stop at the same point */
	c.hysteresis_mV = 0;
	setup(&c);
	snap.board[1].cell_mV[9] = 3421;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 1u << 9);
	snap.board[1].cell_mV[9] = 3420;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 0);
	/* a bad config (hysteresis above threshold) stops at the reference */
	c.hysteresis_mV = 30;
	setup(&c);
	snap.board[1].cell_mV[9] = 3421;
	step(&bal, &snap, mask);
	snap.board[1].cell_mV[9] = 3401;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 1u << 9);
	snap.board[1].cell_mV[9] = 3400;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 0);
}

static void test_min_voltage(void)
{
	struct cfg_balancing c = base();

	c.min_cell_mV = 3420;
	setup(&c);
	/* 3421 is 21 above and above min_cell_mV */
	snap.board[0].cell_mV[0] = 3421;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], 1u);
	/* the whole pack drops: the cell is still 21 above, but at min_cell_mV */
	for (unsigned int b = 0; b < BOARDS; b++)
		for (unsigned int i = 0; i < CELLS; i++)
			snap.board[b].cell_mV[i] = 3399;
	snap.board[0].cell_mV[0] = 3420;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], 0);
	/* the state is forgotten: 3421 is 22 above, starts again */
	snap.board[0].cell_mV[0] = 3421;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], 1u);
	/* back to 3420 (21 above): off for the voltage, not the hysteresis */
	snap.board[0].cell_mV[0] = 3420;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], 0);
}

static void test_temp_block(void)
{
	struct cfg_balancing c = base();

	setup(&c);
	for (unsigned int b = 0; b < BOARDS; b++)
		snap.board[b].cell_mV[4] = 3450;
	snap.board[1].temp_dC[1] = 500; /* board 1 at the limit */
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 2);
	CU_ASSERT_EQUAL(mask[0], 1u << 4);
	CU_ASSERT_EQUAL(mask[1], 0);
	CU_ASSERT_EQUAL(mask[2], 1u << 4);
	/* below the limit but within the 2 degC hysteresis: still blocked */
	snap.board[1].temp_dC[1] = 481;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 0);
	snap.board[1].temp_dC[1] = 480;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 0);
	snap.board[1].temp_dC[1] = 479;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 1u << 4);
	/* a failed sensor does not count, whatever it reads */
	snap.board[1].temp_dC[1] = 900;
	snap.board[1].ntc_fault = 1u << 1;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 1u << 4);
	/* all of a board's sensors failed: that board is blocked */
	snap.board[1].ntc_fault = 3;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 0);
	CU_ASSERT_EQUAL(mask[0], 1u << 4);
	snap.board[1].ntc_fault = 0;
	snap.board[1].temp_dC[0] = BP_TEMP_DC_NA;
	snap.board[1].temp_dC[1] = BP_TEMP_DC_NA;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 0);
	/* a board without sensors takes the pack's warmest */
	snap.board[1].ntemps = 0;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[1], 1u << 4);
	snap.board[2].temp_dC[0] = 510;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], 1u << 4);
	CU_ASSERT_EQUAL(mask[1], 0);
	CU_ASSERT_EQUAL(mask[2], 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_RUN);
	/* every board hot */
	snap.board[0].temp_dC[0] = 600;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_TEMP);
	/* no board has sensors: no temperature block */
	for (unsigned int b = 0; b < BOARDS; b++)
		snap.board[b].ntemps = 0;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3);
	/* sensors reported but none valid anywhere: blocked everywhere */
	for (unsigned int b = 0; b < BOARDS; b++) {
		snap.board[b].ntemps = 2;
		snap.board[b].ntc_fault = 3;
	}
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_TEMP);
	/* the cold side is no limit */
	for (unsigned int b = 0; b < BOARDS; b++) {
		snap.board[b].ntc_fault = 0;
		snap.board[b].temp_dC[0] = -300;
		snap.board[b].temp_dC[1] = -300;
	}
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3);
}

static void test_when(void)
{
	static const struct {
		enum cfg_bal_when when;
		int32_t i_mA;
		bool valid, on;
	} v[] = {
		{ CFG_BAL_ALWAYS, -200000, true, true },
		{ CFG_BAL_ALWAYS, 0, false, true },
		{ CFG_BAL_CHARGING, 1000, true, true },
		{ CFG_BAL_CHARGING, 999, true, false },
		{ CFG_BAL_CHARGING, 0, true, false },
		{ CFG_BAL_CHARGING, -5000, true, false },
		{ CFG_BAL_CHARGING, 50000, false, false },
		{ CFG_BAL_CHARGING_OR_IDLE, 50000, true, true },
		{ CFG_BAL_CHARGING_OR_IDLE, 0, true, true },
		{ CFG_BAL_CHARGING_OR_IDLE, -999, true, true },
		{ CFG_BAL_CHARGING_OR_IDLE, -1000, true, false },
		{ CFG_BAL_CHARGING_OR_IDLE, INT32_MIN, true, false },
		{ CFG_BAL_CHARGING_OR_IDLE, 0, false, false },
		{ (enum cfg_bal_when)7, 0, true, false },
	};

	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct cfg_balancing c = base();
		unsigned int n;

		c.when = v[i].when;
		setup(&c);
		snap.board[0].cell_mV[0] = 3500;
		next(&snap);
		n = balance_step(&bal, &snap, v[i].i_mA, v[i].valid, 5000, mask);
		CU_ASSERT_EQUAL(n, v[i].on ? 1u : 0u);
		CU_ASSERT_EQUAL(mask[0], v[i].on ? 1u : 0u);
		CU_ASSERT_EQUAL(balance_why(&bal), v[i].on ? BAL_RUN : BAL_CURRENT);
	}
	/* charging only: the state is forgotten while discharging */
	{
		struct cfg_balancing c = base();

		c.when = CFG_BAL_CHARGING;
		c.idle_current_mA = 0;
		setup(&c);
		snap.board[0].cell_mV[0] = 3421;
		next(&snap);
		CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 5000, mask), 1);
		next(&snap);
		CU_ASSERT_EQUAL(balance_step(&bal, &snap, -1, true, 5100, mask), 0);
		snap.board[0].cell_mV[0] = 3415;
		next(&snap);
		CU_ASSERT_EQUAL(balance_step(&bal, &snap, 10, true, 5200, mask), 0);
	}
}

static void test_stale(void)
{
	struct cfg_balancing c = base();

	setup(&c);
	snap.board[0].cell_mV[0] = 3500;
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 10000, mask), 1);
	/* the same snapshot again and again */
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 14999, mask), 1);
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 15000, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_NO_DATA);
	CU_ASSERT_EQUAL(mask[0], 0);
	/* a new one: on again */
	snap.cycle++;
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 15100, mask), 1);
	/* a new time stamp alone is a new snapshot too */
	snap.time_ms += 100;
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 20099, mask), 1);
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 25099, mask), 0);
	/* NULL between two equal snapshots: seen afresh */
	CU_ASSERT_EQUAL(balance_step(&bal, NULL, 0, true, 25100, mask), 0);
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 25200, mask), 1);
	/* time going back is not staleness */
	CU_ASSERT_EQUAL(balance_step(&bal, &snap, 0, true, 100, mask), 1);
}

static void test_max_bleed(void)
{
	struct cfg_balancing c = base();
	static const uint16_t mV[CELLS] = { 3400, 3450, 3430, 3460, 3400, 3460, 3425, 3440,
					    3400, 3400, 3400, 3400, 3400, 3400, 3400, 3400 };

	c.max_bleed_cells = 2;
	setup(&c);
	memcpy(snap.board[0].cell_mV, mV, sizeof(mV));
	memcpy(snap.board[2].cell_mV, mV, sizeof(mV));
	/* candidates 1, 2, 3, 5, 6, 7; the two highest are 3 and 5 (3460 each) */
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 4);
	CU_ASSERT_EQUAL(mask[0], (1u << 3) | (1u << 5));
	CU_ASSERT_EQUAL(mask[2], (1u << 3) | (1u << 5));
	/* a tie at the cut: the lower cell number */
	c.max_bleed_cells = 3;
	balance_init(&bal, &c, BOARDS, CELLS);
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], (1u << 3) | (1u << 5) | (1u << 1));
	snap.board[0].cell_mV[7] = 3450;
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], (1u << 3) | (1u << 5) | (1u << 1));
	/* the ones left out keep their hysteresis state: when the top ones
	 * stop, they take over without crossing the threshold again */
	snap.board[0].cell_mV[3] = 3400;
	snap.board[0].cell_mV[5] = 3400;
	snap.board[0].cell_mV[2] = 3415; /* within the hysteresis, was a candidate */
	step(&bal, &snap, mask);
	CU_ASSERT_EQUAL(mask[0], (1u << 1) | (1u << 7) | (1u << 6));
	/* up to 24 */
	c.max_bleed_cells = 24;
	balance_init(&bal, &c, BOARDS, CELLS);
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3 + 6);
}

static void test_incomplete(void)
{
	struct cfg_balancing c = base();

	setup(&c);
	for (unsigned int b = 0; b < BOARDS; b++)
		snap.board[b].cell_mV[1] = 3450;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3);
	/* pack mode: one board offline stops the pack */
	snap.board[1].flags = 0;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_INCOMPLETE);
	snap.board[1].flags = BP_BOARD_ONLINE; /* not fresh: still fine */
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3);
	snap.present &= ~(1u << 2);
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	snap.present |= 1u << 2;
	snap.board[0].cell_mV[11] = BP_CELL_MV_NA;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_INCOMPLETE);
	snap.board[0].cell_mV[11] = 3400;
	snap.board[0].ncells = CELLS - 1;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	snap.board[0].ncells = CELLS;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 3);

	/* board mode: only that board stops */
	c.mode = CFG_BAL_BOARD;
	balance_init(&bal, &c, BOARDS, CELLS);
	snap.board[1].flags = 0;
	snap.board[2].cell_mV[0] = BP_CELL_MV_NA;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 1);
	CU_ASSERT_EQUAL(mask[0], 1u << 1);
	CU_ASSERT_EQUAL(mask[1], 0);
	CU_ASSERT_EQUAL(mask[2], 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_RUN);
	snap.present = 0;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	CU_ASSERT_EQUAL(balance_why(&bal), BAL_INCOMPLETE);
}

static void test_configured_size(void)
{
	struct cfg_balancing c = base();

	/* the boards report 24 cells; only 16 are configured */
	setup(&c);
	for (unsigned int b = 0; b < BOARDS; b++) {
		snap.board[b].ncells = 24;
		for (unsigned int i = CELLS; i < 24; i++)
			snap.board[b].cell_mV[i] = i == 20 ? 3000 : 3600;
	}
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 0);
	CU_ASSERT_EQUAL(mask[0], 0);
	/* a fourth board present but not configured is ignored */
	snap.present |= 1u << 3;
	snap.board[3] = snap.board[0];
	snap.board[3].cell_mV[0] = 3000;
	snap.board[3].cell_mV[1] = 3600;
	snap.board[0].cell_mV[1] = 3450;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 1);
	CU_ASSERT_EQUAL(mask[0], 1u << 1);
	CU_ASSERT_EQUAL(mask[3], 0);
	/* clamped sizes: 32 boards of 24 */
	balance_init(&bal, &c, 99, 99);
	CU_ASSERT_EQUAL(bal.boards, BP_MAX_BOARDS);
	CU_ASSERT_EQUAL(bal.cells, BP_MAX_CELLS);
	snap.present = UINT32_MAX;
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		snap.board[b] = snap.board[1];
		snap.board[b].ncells = 24;
		for (unsigned int i = 0; i < 24; i++)
			snap.board[b].cell_mV[i] = 3400;
	}
	snap.board[31].cell_mV[23] = 3500;
	CU_ASSERT_EQUAL(step(&bal, &snap, mask), 1);
	CU_ASSERT_EQUAL(mask[31], 1u << 23);
	balance_init(&bal, &c, 0, 0);
	CU_ASSERT_EQUAL(bal.boards, 1);
	CU_ASSERT_EQUAL(bal.cells, 1);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_RUN), "running");
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_DISABLED), "disabled");
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_NO_DATA), "no data");
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_CURRENT), "current");
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_INCOMPLETE), "incomplete");
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_TEMP), "temperature");
	CU_ASSERT_STRING_EQUAL(balance_why_name(BAL_WHY_COUNT), "?");
}

/* ---- the balancing section of bmsd.yaml ---------------------------------- */

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
	const struct cfg_balancing *b = &c.balancing;

	CU_ASSERT_EQUAL_FATAL(parse_plus("", &c, &e), 0);
	CU_ASSERT_TRUE(b->enable);
	CU_ASSERT_EQUAL(b->mode, CFG_BAL_PACK);
	CU_ASSERT_EQUAL(b->when, CFG_BAL_CHARGING_OR_IDLE);
	CU_ASSERT_EQUAL(b->threshold_mV, 20);
	CU_ASSERT_EQUAL(b->hysteresis_mV, 10);
	CU_ASSERT_EQUAL(b->min_cell_mV, 3400);
	CU_ASSERT_EQUAL(b->max_temp_dC, 500);
	CU_ASSERT_EQUAL(b->idle_current_mA, 1000);
	CU_ASSERT_EQUAL(b->max_bleed_cells, 0);
	CU_ASSERT_EQUAL(b->stale_ms, 5000);
	CU_ASSERT_EQUAL(cfg_balancing_xcheck(b, e.msg, sizeof(e.msg), &(uint32_t){ 0 }), 0);
}

static void test_cfg_good(void)
{
	struct cfg c;
	struct cfg_error e;
	const struct cfg_balancing *b = &c.balancing;
	int rc = parse_plus("balancing:\n"
			    "  enable: false\n"
			    "  mode: board\n"
			    "  when: charging\n"
			    "  threshold_mV: 1000\n"
			    "  hysteresis_mV: 999\n"
			    "  min_cell_mV: 0\n"
			    "  max_temp_dC: -500\n"
			    "  idle_current_mA: 8388607\n"
			    "  max_bleed_cells: 24\n"
			    "  stale_ms: 600000\n",
			    &c, &e);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_FALSE(b->enable);
	CU_ASSERT_EQUAL(b->mode, CFG_BAL_BOARD);
	CU_ASSERT_EQUAL(b->when, CFG_BAL_CHARGING);
	CU_ASSERT_EQUAL(b->threshold_mV, 1000);
	CU_ASSERT_EQUAL(b->hysteresis_mV, 999);
	CU_ASSERT_EQUAL(b->min_cell_mV, 0);
	CU_ASSERT_EQUAL(b->max_temp_dC, -500);
	CU_ASSERT_EQUAL(b->idle_current_mA, 8388607);
	CU_ASSERT_EQUAL(b->max_bleed_cells, 24);
	CU_ASSERT_EQUAL(b->stale_ms, 600000);
	CU_ASSERT_EQUAL_FATAL(parse_plus("balancing: {mode: pack, when: always}\n", &c, &e), 0);
	CU_ASSERT_EQUAL(b->mode, CFG_BAL_PACK);
	CU_ASSERT_EQUAL(b->when, CFG_BAL_ALWAYS);
	CU_ASSERT_EQUAL_FATAL(parse_plus("balancing: {when: charging-or-idle}\n", &c, &e), 0);
	CU_ASSERT_EQUAL(b->when, CFG_BAL_CHARGING_OR_IDLE);
}

static void test_cfg_bad(void)
{
	refused("balancing:\n  mode: cell\n", 2, 9, "pack");
	refused("balancing:\n  when: discharging\n", 2, 9, "charging-or-idle");
	refused("balancing:\n  threshold_mV: 0\n", 2, 17, "out of range");
	refused("balancing:\n  threshold_mV: 1001\n", 2, 17, "out of range");
	refused("balancing:\n  max_bleed_cells: 25\n", 2, 20, "out of range");
	refused("balancing:\n  max_temp_dC: 2001\n", 2, 16, "out of range");
	refused("balancing:\n  stale_ms: 99\n", 2, 13, "out of range");
	refused("balancing:\n  enable: yes\n", 2, 11, "true or false");
	refused("balancing:\n  treshold_mV: 10\n", 2, 3, "threshold_mV");
}

static void test_cfg_xcheck(void)
{
	struct cfg_balancing c = base();
	const struct cfg_key *row = NULL;
	char msg[200];
	uint32_t off = 0;

	CU_ASSERT_EQUAL(cfg_balancing_xcheck(&c, msg, sizeof(msg), &off), 0);
	c.hysteresis_mV = 20;
	CU_ASSERT_EQUAL(cfg_balancing_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_balancing, hysteresis_mV));
	CU_ASSERT_STRING_EQUAL(msg, "hysteresis_mV (20) must be below threshold_mV (20)");
	c.hysteresis_mV = 19;
	CU_ASSERT_EQUAL(cfg_balancing_xcheck(&c, msg, sizeof(msg), &off), 0);

	for (const struct cfg_key *k = cfg_schema; k->name; k++)
		if (!strcmp(k->name, "balancing"))
			row = k;
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_EQUAL(row->sub, cfg_balancing_keys);
	if (row->xcheck) {
		CU_ASSERT_EQUAL(row->xcheck, cfg_balancing_xcheck);
		refused("balancing:\n  threshold_mV: 5\n  hysteresis_mV: 5\n", 3, 18,
			"must be below threshold_mV");
		/* the default hysteresis (10) against a small threshold */
		struct cfg cc;
		struct cfg_error e;

		CU_ASSERT_EQUAL(parse_plus("balancing:\n  threshold_mV: 10\n", &cc, &e), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "hysteresis_mV (10) must be below"));
	}
}

void cu_register(void)
{
	static const struct cu_test logic[] = {
		CU_TEST(test_disabled),
		CU_TEST(test_no_snapshot),
		CU_TEST(test_pack_threshold),
		CU_TEST(test_board_mode),
		CU_TEST(test_hysteresis),
		CU_TEST(test_min_voltage),
		CU_TEST(test_temp_block),
		CU_TEST(test_when),
		CU_TEST(test_stale),
		CU_TEST(test_max_bleed),
		CU_TEST(test_incomplete),
		CU_TEST(test_configured_size),
		CU_TEST(test_names),
		CU_END,
	};
	static const struct cu_test config[] = {
		CU_TEST(test_cfg_defaults),
		CU_TEST(test_cfg_good),
		CU_TEST(test_cfg_bad),
		CU_TEST(test_cfg_xcheck),
		CU_END,
	};

	cu_add("balance", logic);
	cu_add("balancing_cfg", config);
}
