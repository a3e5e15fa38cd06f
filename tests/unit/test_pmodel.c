/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pack model: latest values with their receive times, snapshots that
 * are only ever complete, the per-commit summary (NA cells and sensors,
 * locations, empty packs, the largest pack), and reset on link loss. Every
 * message passes through the real codec (encoded, then decoded) first.
 */
#include <errno.h>
#include <string.h>

#include "cu.h"
#include "pmodel.h"

static struct pmodel pm;

/* Encode @m and decode it again, as the link would, then feed it. */
static int feed(const struct bp_msg *m, uint64_t now_ms)
{
	struct bp_frame f;
	struct bp_msg d;

	CU_ASSERT_EQUAL_FATAL(bp_encode(m, &f), BP_OK);
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &d), BP_OK);
	return pmodel_feed(&pm, &d, now_ms);
}

/* A Logic cycle to send: per board, its cells and sensors. */
struct board {
	bool present;
	uint8_t flags, ntc_fault, ncells, ntemps;
	uint32_t bal;
	uint16_t mV[BP_MAX_CELLS];
	int16_t dC[BP_MAX_TEMPS];
};

static struct board boards[BP_MAX_BOARDS];

static void boards_clear(void)
{
	memset(boards, 0, sizeof(boards));
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		for (unsigned int c = 0; c < BP_MAX_CELLS; c++)
			boards[b].mV[c] = BP_CELL_MV_NA;
		for (unsigned int t = 0; t < BP_MAX_TEMPS; t++)
			boards[b].dC[t] = BP_TEMP_DC_NA;
	}
}

static void board_set(unsigned int b, uint8_t ncells, uint8_t ntemps, uint16_t base_mV,
		      int16_t base_dC)
{
	struct board *x = &boards[b];

	x->present = true;
	x->flags = BP_BOARD_ONLINE | BP_BOARD_FRESH;
	x->ncells = ncells;
	x->ntemps = ntemps;
	for (unsigned int c = 0; c < ncells; c++)
		x->mV[c] = (uint16_t)(base_mV + c);
	for (unsigned int t = 0; t < ntemps; t++)
		x->dC[t] = (int16_t)(base_dC + (int)t);
}

/* Frames of board @b for @cycle; returns how many were fed. */
static unsigned int send_board(unsigned int b, uint8_t cycle, uint64_t t)
{
	const struct board *x = &boards[b];
	struct bp_msg m;
	unsigned int n = 0;

	for (unsigned int g = 0; g * BP_CELLS_PER_FRAME < x->ncells; g++, n++) {
		m.type = BP_T_CELLS;
		m.u.cells.cycle = cycle;
		m.u.cells.board = (uint8_t)b;
		m.u.cells.group = (uint8_t)g;
		for (unsigned int k = 0; k < BP_CELLS_PER_FRAME; k++)
			m.u.cells.mV[k] = x->mV[g * BP_CELLS_PER_FRAME + k];
		CU_ASSERT_EQUAL(feed(&m, t), 0);
	}
	for (unsigned int g = 0; g * BP_TEMPS_PER_FRAME < x->ntemps; g++, n++) {
		m.type = BP_T_TEMPS;
		m.u.temps.cycle = cycle;
		m.u.temps.board = (uint8_t)b;
		m.u.temps.group = (uint8_t)g;
		for (unsigned int k = 0; k < BP_TEMPS_PER_FRAME; k++)
			m.u.temps.dC[k] = x->dC[g * BP_TEMPS_PER_FRAME + k];
		CU_ASSERT_EQUAL(feed(&m, t), 0);
	}
	m.type = BP_T_BSTATUS;
	m.u.bst = (struct bp_bstatus){ cycle, (uint8_t)b, x->flags, x->bal, x->ntc_fault,
				       x->ncells, x->ntemps };
	CU_ASSERT_EQUAL(feed(&m, t), 0);
	return n + 1;
}

static int send_end(uint8_t cycle, unsigned int nframes, uint64_t t)
{
	struct bp_msg m = { .type = BP_T_CYCLE_END };

	m.u.end.cycle = cycle;
	m.u.end.nframes = (uint16_t)nframes;
	m.u.end.time_ms = 1000u * cycle + 7u;
	return feed(&m, t);
}

/* A whole cycle of every present board; returns what the end returned. */
static int send_cycle(uint8_t cycle, uint64_t t)
{
	unsigned int n = 0;

	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++)
		if (boards[b].present)
			n += send_board(b, cycle, t);
	return send_end(cycle, n, t);
}

static void setup(void)
{
	pmodel_init(&pm);
	boards_clear();
}

static void test_init_unknown(void)
{
	setup();
	CU_ASSERT_PTR_NULL(pmodel_status(&pm));
	CU_ASSERT_PTR_NULL(pmodel_current(&pm));
	CU_ASSERT_PTR_NULL(pmodel_charge_in(&pm));
	CU_ASSERT_PTR_NULL(pmodel_charge_out(&pm));
	CU_ASSERT_PTR_NULL(pmodel_io(&pm));
	CU_ASSERT_PTR_NULL(pmodel_ext(&pm));
	CU_ASSERT_PTR_NULL(pmodel_logic(&pm));
	CU_ASSERT_PTR_NULL(pmodel_cal(&pm));
	CU_ASSERT_PTR_NULL(pmodel_version(&pm));
	CU_ASSERT_PTR_NULL(pmodel_snapshot(&pm));
	CU_ASSERT_PTR_NULL(pmodel_summary(&pm));
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 0);
	for (int i = 0; i < PM_ITEMS; i++) {
		CU_ASSERT_EQUAL(pmodel_meta(&pm, i)->validity, PM_UNKNOWN);
		CU_ASSERT_FALSE(pmodel_valid(&pm, i));
		CU_ASSERT_EQUAL(pmodel_age_ms(&pm, i, 5000), UINT64_MAX);
	}
	/* out of range items are unknown, never a crash */
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_ITEMS)->validity, PM_UNKNOWN);
	CU_ASSERT_FALSE(pmodel_valid(&pm, (enum pmodel_item)99));
	CU_ASSERT_EQUAL(pmodel_age_ms(&pm, PM_ITEMS, 1), UINT64_MAX);
}

static void test_latest_values_and_times(void)
{
	struct bp_msg m;

	setup();
	m = (struct bp_msg){ .type = BP_T_STATUS };
	m.u.status = (struct bp_status){ 4, BP_SAFETY_ARMED, BP_CFG_ACTIVE, 0x0003, 0xDEADBEEF };
	CU_ASSERT_EQUAL(feed(&m, 100), 0);
	m = (struct bp_msg){ .type = BP_T_CURRENT };
	m.u.cur.ctr = 9;
	m.u.cur.flags = BP_CUR_S1_VALID;
	m.u.cur.mA[0] = -123456;
	m.u.cur.mA[1] = BP_CURRENT_MA_NA;
	CU_ASSERT_EQUAL(feed(&m, 110), 0);
	m = (struct bp_msg){ .type = BP_T_CHARGE_IN };
	m.u.chg = (struct bp_charge){ 1, BP_CHARGE_MAX };
	CU_ASSERT_EQUAL(feed(&m, 120), 0);
	m = (struct bp_msg){ .type = BP_T_CHARGE_OUT };
	m.u.chg = (struct bp_charge){ 2, 777 };
	CU_ASSERT_EQUAL(feed(&m, 121), 0);
	m = (struct bp_msg){ .type = BP_T_IO };
	m.u.io = (struct bp_io){ 3, 0x5, 0x5, 0x2, 0x3, 0x1, BP_FAULT_NTC, 24000 };
	CU_ASSERT_EQUAL(feed(&m, 130), 0);
	m = (struct bp_msg){ .type = BP_T_EXT };
	m.u.ext.ntc_state[0] = BP_SENSOR_OK;
	m.u.ext.ntc_state[1] = BP_SENSOR_OPEN;
	m.u.ext.hum_state = BP_SENSOR_ABSENT;
	m.u.ext.t_dC[0] = -105;
	m.u.ext.t_dC[1] = BP_TEMP_DC_NA;
	m.u.ext.rh_dpct = 0xFFFF;
	CU_ASSERT_EQUAL(feed(&m, 140), 0);
	m = (struct bp_msg){ .type = BP_T_LOGIC };
	m.u.logic = (struct bp_logic){ 5, 0x80000001u, 32, 3, 4 };
	CU_ASSERT_EQUAL(feed(&m, 150), 0);
	m = (struct bp_msg){ .type = BP_T_CAL };
	m.u.cal = (struct bp_cal){ 0, 1, -4321 };
	CU_ASSERT_EQUAL(feed(&m, 160), 0);
	m = (struct bp_msg){ .type = BP_T_VERSION };
	m.u.ver = (struct bp_version){ 0, 1, 0, 1, 2, 0x7F, 65535 };
	CU_ASSERT_EQUAL(feed(&m, 170), 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(pmodel_status(&pm));
	CU_ASSERT_EQUAL(pmodel_status(&pm)->trip, 0x0003);
	CU_ASSERT_EQUAL(pmodel_status(&pm)->cfg_crc, 0xDEADBEEF);
	CU_ASSERT_EQUAL(pmodel_current(&pm)->mA[0], -123456);
	CU_ASSERT_EQUAL(pmodel_current(&pm)->mA[1], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(pmodel_charge_in(&pm)->mAs, BP_CHARGE_MAX);
	CU_ASSERT_EQUAL(pmodel_charge_out(&pm)->mAs, 777);
	CU_ASSERT_EQUAL(pmodel_io(&pm)->supply_mV, 24000);
	CU_ASSERT_EQUAL(pmodel_io(&pm)->faults, BP_FAULT_NTC);
	CU_ASSERT_EQUAL(pmodel_ext(&pm)->t_dC[0], -105);
	CU_ASSERT_EQUAL(pmodel_ext(&pm)->ntc_state[1], BP_SENSOR_OPEN);
	CU_ASSERT_EQUAL(pmodel_logic(&pm)->online, 0x80000001u);
	CU_ASSERT_EQUAL(pmodel_cal(&pm)->zero_uV, -4321);
	CU_ASSERT_EQUAL(pmodel_version(&pm)->uptime_s, 65535);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_STATUS)->at_ms, 100);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_CHARGE_OUT)->at_ms, 121);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_VERSION)->at_ms, 170);
	CU_ASSERT_EQUAL(pmodel_age_ms(&pm, PM_STATUS, 350), 250);
	CU_ASSERT_EQUAL(pmodel_age_ms(&pm, PM_STATUS, 50), 0); /* clock before it: 0, no wrap */
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_CURRENT)->count, 1);
	/* no snapshot from fast frames */
	CU_ASSERT_PTR_NULL(pmodel_snapshot(&pm));

	/* a newer value replaces the old one and its time */
	m = (struct bp_msg){ .type = BP_T_STATUS };
	m.u.status = (struct bp_status){ 5, BP_SAFETY_TRIPPED, BP_CFG_ACTIVE, 0x0001, 1 };
	CU_ASSERT_EQUAL(feed(&m, 200), 0);
	CU_ASSERT_EQUAL(pmodel_status(&pm)->safety, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_STATUS)->at_ms, 200);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_STATUS)->count, 2);
}

static void test_feed_rejects_daemon_messages(void)
{
	static const enum bp_type t[] = { BP_T_HEARTBEAT, BP_T_OUTPUT_CMD, BP_T_BAL_CMD,
					  BP_T_CFG_DATA, BP_T_CFG_COMMIT };
	struct bp_msg m;

	setup();
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.type = t[i];
		CU_ASSERT_EQUAL(pmodel_feed(&pm, &m, 10), -EINVAL);
	}
	m.type = BP_T_NONE;
	CU_ASSERT_EQUAL(pmodel_feed(&pm, &m, 10), -EINVAL);
	for (int i = 0; i < PM_ITEMS; i++)
		CU_ASSERT_EQUAL(pmodel_meta(&pm, i)->validity, PM_UNKNOWN);
}

static void test_summary_with_na_cells_and_sensors(void)
{
	const struct pmodel_summary *s;
	struct bp_msg m = { .type = BP_T_LOGIC };

	setup();
	m.u.logic = (struct bp_logic){ 0, 0x0000000Bu, 5, 0, 0 };
	feed(&m, 1);
	/* board 0: 10 cells 3300..3309, cell 4 NA; 6 sensors 200..205 with
	 * sensor 2 NA and sensor 5 flagged failed (its value ignored) */
	board_set(0, 10, 6, 3300, 200);
	boards[0].mV[4] = BP_CELL_MV_NA;
	boards[0].dC[2] = BP_TEMP_DC_NA;
	boards[0].dC[5] = 900;
	boards[0].ntc_fault = 1u << 5 | 1u << 7; /* bit 7 is beyond ntemps: no sensor */
	/* board 1: 24 cells 3290.., the minimum at cell 0; balancing */
	board_set(1, 24, 8, 3290, -50);
	boards[1].flags |= BP_BOARD_BALANCING;
	boards[1].bal = 0x3;
	/* board 3: online but not fresh: no cells, no sensors */
	boards[3].present = true;
	boards[3].flags = BP_BOARD_ONLINE;
	/* board 4: offline; board 2 absent */
	board_set(4, 4, 0, 3400, 0);
	boards[4].flags = BP_BOARD_FRESH;
	/* a value beyond ncells never counts (the frame carries 12 of 10) */
	boards[0].mV[10] = 1;
	boards[0].mV[11] = 16000;
	CU_ASSERT_EQUAL(send_cycle(7, 500), 1);

	s = pmodel_summary(&pm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->gen, 1);
	CU_ASSERT_EQUAL(s->cycle, 7);
	CU_ASSERT_EQUAL(s->at_ms, 500);
	CU_ASSERT_EQUAL(s->mcu_time_ms, 7007);
	CU_ASSERT_EQUAL(s->cells, 10 + 24 + 4);
	CU_ASSERT_EQUAL(s->cells_valid, 9 + 24 + 4);
	CU_ASSERT_EQUAL(s->cells_na, 1);
	/* 3300..3309 without 3304, 3290..3313, 3400..3403 */
	CU_ASSERT_EQUAL(s->pack_mV, (33045u - 3304u) + (24u * 3290u + 276u) + (4u * 3400u + 6u));
	CU_ASSERT_EQUAL(s->cell_min_mV, 3290);
	CU_ASSERT_EQUAL(s->cell_min_at.board, 1);
	CU_ASSERT_EQUAL(s->cell_min_at.index, 0);
	CU_ASSERT_EQUAL(s->cell_max_mV, 3403);
	CU_ASSERT_EQUAL(s->cell_max_at.board, 4);
	CU_ASSERT_EQUAL(s->cell_max_at.index, 3);
	CU_ASSERT_EQUAL(s->cell_spread_mV, 113);
	CU_ASSERT_EQUAL(s->cell_mean_mV, (s->pack_mV + 37 / 2) / 37);
	CU_ASSERT_EQUAL(s->temps, 6 + 8);
	CU_ASSERT_EQUAL(s->temps_valid, 4 + 8);
	CU_ASSERT_EQUAL(s->temp_min_dC, -50);
	CU_ASSERT_EQUAL(s->temp_min_at.board, 1);
	CU_ASSERT_EQUAL(s->temp_min_at.index, 0);
	CU_ASSERT_EQUAL(s->temp_max_dC, 204); /* 900 is on a failed sensor */
	CU_ASSERT_EQUAL(s->temp_max_at.board, 0);
	CU_ASSERT_EQUAL(s->temp_max_at.index, 4);
	CU_ASSERT_EQUAL(s->sensor_faults, 1);
	CU_ASSERT_EQUAL(s->fault_mask, 0x1);
	CU_ASSERT_EQUAL(s->boards_configured, 5);
	CU_ASSERT_EQUAL(s->boards_present, 4);
	CU_ASSERT_EQUAL(s->present_mask, 0x1B);
	CU_ASSERT_EQUAL(s->boards_online, 3);
	CU_ASSERT_EQUAL(s->online_mask, 0x0B);
	CU_ASSERT_EQUAL(s->boards_fresh, 3);
	CU_ASSERT_EQUAL(s->fresh_mask, 0x13);
	CU_ASSERT_EQUAL(s->boards_balancing, 1);
	CU_ASSERT_EQUAL(s->balancing_mask, 0x2);
	/* the snapshot itself */
	CU_ASSERT_EQUAL(pmodel_snapshot(&pm)->board[1].bal_mask, 0x3);
	CU_ASSERT_EQUAL(pmodel_snapshot(&pm)->board[0].cell_mV[4], BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(pmodel_snapshot(&pm)->board[2].cell_mV[0], BP_CELL_MV_NA);
}

static void test_summary_without_values(void)
{
	const struct pmodel_summary *s;

	setup();
	/* nothing present at all: an empty cycle commits */
	CU_ASSERT_EQUAL(send_end(3, 0, 10), 0); /* no stage open: lost, not committed */
	boards[0].present = true;
	boards[0].flags = BP_BOARD_ONLINE;
	boards[0].ncells = 8; /* all NA */
	boards[0].ntemps = 2;
	CU_ASSERT_EQUAL(send_cycle(4, 20), 1);
	s = pmodel_summary(&pm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->cells, 8);
	CU_ASSERT_EQUAL(s->cells_valid, 0);
	CU_ASSERT_EQUAL(s->cells_na, 8);
	CU_ASSERT_EQUAL(s->pack_mV, 0);
	CU_ASSERT_EQUAL(s->cell_min_mV, BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(s->cell_max_mV, BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(s->cell_mean_mV, BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(s->cell_spread_mV, BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(s->cell_min_at.board, PMODEL_NA_U8);
	CU_ASSERT_EQUAL(s->cell_max_at.index, PMODEL_NA_U8);
	CU_ASSERT_EQUAL(s->temps_valid, 0);
	CU_ASSERT_EQUAL(s->temp_min_dC, BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(s->temp_max_dC, BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(s->temp_max_at.board, PMODEL_NA_U8);
	CU_ASSERT_EQUAL(s->boards_configured, PMODEL_NA_U8); /* no LOGIC frame yet */
	CU_ASSERT_EQUAL(s->boards_present, 1);
	CU_ASSERT_EQUAL(s->boards_fresh, 0);
}

static void test_summary_full_pack_limits(void)
{
	const struct pmodel_summary *s;

	setup();
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		board_set(b, 24, 8, 0, 0);
		for (unsigned int c = 0; c < 24; c++)
			boards[b].mV[c] = BP_CELL_MV_MAX;
		for (unsigned int t = 0; t < 8; t++)
			boards[b].dC[t] = BP_TEMP_DC_MAX;
	}
	boards[31].mV[23] = 0;              /* the lowest possible cell, last */
	boards[31].dC[7] = BP_TEMP_DC_MIN;  /* the lowest possible sensor, last */
	CU_ASSERT_EQUAL(send_cycle(255, 1000), 1);
	s = pmodel_summary(&pm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->cells_valid, 768);
	CU_ASSERT_EQUAL(s->pack_mV, 767u * BP_CELL_MV_MAX);
	CU_ASSERT_EQUAL(s->cell_max_mV, BP_CELL_MV_MAX);
	/* ties: the first in board order */
	CU_ASSERT_EQUAL(s->cell_max_at.board, 0);
	CU_ASSERT_EQUAL(s->cell_max_at.index, 0);
	CU_ASSERT_EQUAL(s->cell_min_mV, 0);
	CU_ASSERT_EQUAL(s->cell_min_at.board, 31);
	CU_ASSERT_EQUAL(s->cell_min_at.index, 23);
	CU_ASSERT_EQUAL(s->cell_spread_mV, BP_CELL_MV_MAX);
	CU_ASSERT_EQUAL(s->cell_mean_mV, (767u * BP_CELL_MV_MAX + 384u) / 768u);
	CU_ASSERT_EQUAL(s->temps_valid, 256);
	CU_ASSERT_EQUAL(s->temp_max_dC, BP_TEMP_DC_MAX);
	CU_ASSERT_EQUAL(s->temp_min_dC, BP_TEMP_DC_MIN);
	CU_ASSERT_EQUAL(s->temp_min_at.board, 31);
	CU_ASSERT_EQUAL(s->temp_min_at.index, 7);
	CU_ASSERT_EQUAL(s->boards_present, 32);
	CU_ASSERT_EQUAL(s->present_mask, 0xFFFFFFFFu);
	/* every cell at its maximum: the sum still fits */
	boards[31].mV[23] = BP_CELL_MV_MAX;
	CU_ASSERT_EQUAL(send_cycle(0, 1100), 1);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->pack_mV, 768u * BP_CELL_MV_MAX);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->cell_spread_mV, 0);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 2);
}

static void test_incomplete_cycles_never_visible(void)
{
	static struct bp_snapshot before;
	struct pmodel_stats st;
	unsigned int n;

	setup();
	board_set(0, 8, 2, 3300, 250);
	board_set(1, 8, 2, 3350, 260);
	CU_ASSERT_EQUAL(send_cycle(10, 100), 1);
	before = *pmodel_snapshot(&pm);

	/* cycle 11, new values, one frame missing: the end's count disagrees */
	board_set(0, 8, 2, 3000, 100);
	board_set(1, 8, 2, 3050, 110);
	n = send_board(0, 11, 200);
	CU_ASSERT(memcmp(pmodel_snapshot(&pm), &before, sizeof(before)) == 0);
	CU_ASSERT_EQUAL(send_end(11, n + 3, 200), 0);
	CU_ASSERT(memcmp(pmodel_snapshot(&pm), &before, sizeof(before)) == 0);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 1);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->cell_min_mV, 3300);

	/* cycle 12 without its end, then cycle 13 of board 1 only: 12 is
	 * dropped when 13's first frame arrives, and 13 commits alone */
	send_board(0, 12, 300);
	CU_ASSERT(memcmp(pmodel_snapshot(&pm), &before, sizeof(before)) == 0);
	boards[0].present = false;
	CU_ASSERT_EQUAL(send_cycle(13, 400), 1);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 2);
	CU_ASSERT_EQUAL(pmodel_snapshot(&pm)->present, 0x2);
	CU_ASSERT_EQUAL(pmodel_snapshot(&pm)->board[0].cell_mV[0], BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(pmodel_snapshot(&pm)->board[1].cell_mV[0], 3050);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->cells_valid, 8);

	/* a stray frame of another cycle in the middle of cycle 14 */
	boards[0].present = true;
	before = *pmodel_snapshot(&pm);
	n = send_board(0, 14, 500);
	send_board(1, 99, 500);
	n += send_board(1, 14, 500);
	CU_ASSERT_EQUAL(send_end(14, n, 500), 0);
	CU_ASSERT(memcmp(pmodel_snapshot(&pm), &before, sizeof(before)) == 0);
	/* an end of another cycle never commits */
	n = send_board(0, 15, 600);
	CU_ASSERT_EQUAL(send_end(16, n, 600), 0);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 2);
	pmodel_get_stats(&pm, &st);
	CU_ASSERT_EQUAL(st.committed, 2);
	CU_ASSERT(st.discarded >= 5);
	/* and the next complete cycle is back to normal */
	CU_ASSERT_EQUAL(send_cycle(17, 700), 1);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 3);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->cells_valid, 16);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->gen, 3);
}

static void test_reset_marks_stale(void)
{
	struct bp_msg m = { .type = BP_T_STATUS };
	struct pmodel_stats st;
	unsigned int n;

	setup();
	m.u.status = (struct bp_status){ 1, BP_SAFETY_ARMED, BP_CFG_ACTIVE, 0, 42 };
	feed(&m, 100);
	board_set(0, 4, 0, 3300, 0);
	CU_ASSERT_EQUAL(send_cycle(1, 150), 1);
	pmodel_reset(&pm);
	CU_ASSERT_PTR_NULL(pmodel_status(&pm));
	CU_ASSERT_PTR_NULL(pmodel_snapshot(&pm));
	CU_ASSERT_PTR_NULL(pmodel_summary(&pm));
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_STATUS)->validity, PM_STALE);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_SNAPSHOT)->validity, PM_STALE);
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_CURRENT)->validity, PM_UNKNOWN); /* never had one */
	/* the last value and its age stay for display */
	CU_ASSERT_EQUAL(pm.status.cfg_crc, 42);
	CU_ASSERT_EQUAL(pmodel_age_ms(&pm, PM_STATUS, 1100), 1000);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 1);

	/* half of cycle 2 before a second loss, the other half after it: the
	 * two halves never make one snapshot */
	board_set(1, 4, 0, 3400, 0);
	n = send_board(0, 2, 200);
	pmodel_reset(&pm);
	n += send_board(1, 2, 300);
	CU_ASSERT_EQUAL(send_end(2, n, 300), 0);
	CU_ASSERT_PTR_NULL(pmodel_snapshot(&pm));
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 1);
	pmodel_get_stats(&pm, &st);
	CU_ASSERT_EQUAL(st.resets, 2);
	CU_ASSERT_EQUAL(st.committed, 1);

	/* fresh data make items valid again, one by one */
	feed(&m, 400);
	CU_ASSERT_PTR_NOT_NULL(pmodel_status(&pm));
	CU_ASSERT_PTR_NULL(pmodel_snapshot(&pm));
	CU_ASSERT_EQUAL(send_cycle(3, 450), 1);
	CU_ASSERT_PTR_NOT_NULL(pmodel_snapshot(&pm));
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->cells_valid, 8);
	CU_ASSERT_EQUAL(pmodel_gen(&pm), 2);
}

static void test_charge_fall_counted(void)
{
	struct bp_msg m = { .type = BP_T_CHARGE_IN };
	struct pmodel_stats st;

	setup();
	m.u.chg = (struct bp_charge){ 0, 5000 };
	feed(&m, 1);
	m.u.chg = (struct bp_charge){ 1, 5000 };
	feed(&m, 2);
	m.u.chg = (struct bp_charge){ 2, 6000 };
	feed(&m, 3);
	pmodel_get_stats(&pm, &st);
	CU_ASSERT_EQUAL(st.charge_falls, 0);
	/* the MCU restarted: the counter starts over */
	m.u.chg = (struct bp_charge){ 0, 10 };
	feed(&m, 4);
	/* CHARGE_OUT keeps its own history */
	m.type = BP_T_CHARGE_OUT;
	m.u.chg = (struct bp_charge){ 0, 1 };
	feed(&m, 5);
	pmodel_get_stats(&pm, &st);
	CU_ASSERT_EQUAL(st.charge_falls, 1);
	CU_ASSERT_EQUAL(pmodel_charge_in(&pm)->mAs, 10);
}

static void test_boards_configured_follows_logic(void)
{
	struct bp_msg m = { .type = BP_T_LOGIC };

	setup();
	board_set(0, 4, 0, 3300, 0);
	CU_ASSERT_EQUAL(send_cycle(1, 10), 1);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->boards_configured, PMODEL_NA_U8);
	m.u.logic = (struct bp_logic){ 0, 0x1, 2, 0, 0 };
	feed(&m, 20);
	/* taken when the next snapshot commits, not retroactively */
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->boards_configured, PMODEL_NA_U8);
	CU_ASSERT_EQUAL(send_cycle(2, 30), 1);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->boards_configured, 2);
	m.u.logic.boards = 0;
	feed(&m, 40);
	CU_ASSERT_EQUAL(send_cycle(3, 50), 1);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->boards_configured, 0);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(pmodel_item_name(PM_STATUS), "status");
	CU_ASSERT_STRING_EQUAL(pmodel_item_name(PM_SNAPSHOT), "snapshot");
	CU_ASSERT_STRING_EQUAL(pmodel_item_name(PM_ITEMS), "?");
	CU_ASSERT_STRING_EQUAL(pmodel_validity_name(PM_STALE), "stale");
	CU_ASSERT_STRING_EQUAL(pmodel_validity_name((enum pmodel_validity)9), "?");
	for (int i = 0; i < PM_ITEMS; i++)
		CU_ASSERT_STRING_NOT_EQUAL(pmodel_item_name(i), "?");
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_init_unknown),
		CU_TEST(test_latest_values_and_times),
		CU_TEST(test_feed_rejects_daemon_messages),
		CU_TEST(test_summary_with_na_cells_and_sensors),
		CU_TEST(test_summary_without_values),
		CU_TEST(test_summary_full_pack_limits),
		CU_TEST(test_incomplete_cycles_never_visible),
		CU_TEST(test_reset_marks_stale),
		CU_TEST(test_charge_fall_counted),
		CU_TEST(test_boards_configured_follows_logic),
		CU_TEST(test_names),
		CU_END,
	};
	cu_add("pmodel", tests);
}
