/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of mbmap: the SunSpec chain and its lengths, scale factors
 * and "not available" values, the vendor block, every write rule, the
 * exceptions, snapshot consistency, the RTU and TCP framing, and the
 * modbus section of the configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "fixture.h"

#include "version.h"
#include "view.h"
#include "cfg.h"
#include "mbmap.h"

static struct mbmap m;
static struct view v;

static const struct mbmap_setup setup_ro = {
	.write_enable = false, .address = 32, .manufacturer = "bmsd", .model = "main-2r",
	.w_sf = 1, .wmax_sf = 1,
};

/* A running pack of @boards x @cells, two temperature sensors per board. */
static void view_running(unsigned int boards, unsigned int cells)
{
	memset(&v, 0, sizeof(v));
	v.gen = 7;
	v.at_ms = 125400;
	v.state = VIEW_ST_CONNECTED;
	v.configured = true;
	v.link_up = true;
	v.boards = (uint8_t)boards;
	v.cells_per_board = (uint8_t)cells;
	v.temps_per_board = 2;
	v.pack_valid = true;
	v.pack_mV = 52349;
	v.current_valid = true;
	v.current_mA = -12345;
	v.cell_min_mV = 3201;
	v.cell_max_mV = 3299;
	v.cell_mean_mV = 3250;
	v.cell_spread_mV = 98;
	v.cell_min_board = 2;
	v.cell_min_cell = 3;
	v.cell_max_board = 1;
	v.cell_max_cell = 1;
	v.temp_valid = true;
	v.temp_min_dC = -15;
	v.temp_max_dC = 312;
	v.temp_mean_dC = 201;
	v.temp_min_board = 2;
	v.temp_max_board = 1;
	v.ext_temp_dC[0] = 250;
	v.ext_temp_dC[1] = BP_TEMP_DC_NA;
	v.supply_mV = 24000;
	v.relay_roles[0] = CFG_RELAY_DISCHARGE;
	v.relay_roles[2] = CFG_RELAY_CHARGE;
	v.relay_cmd = 5;
	v.relay_out = 5;
	v.di = 3;
	v.dos = 2;
	v.counters.full_cycles_dcyc = 1234;
	v.counters.charge_in_mAh = 0x123456789ull;
	v.counters.energy_out_Wh = 42;
	v.counters.contactor_cycles[2] = 77;
	v.counters.temp_min_dC = BP_TEMP_DC_NA;
	v.counters.temp_max_dC = 455;
	v.online_mask = boards >= 32 ? 0xFFFFFFFFu : (1u << boards) - 1u;
	snprintf(v.serial, sizeof(v.serial), "bmsd-0123abcd");
	snprintf(v.fw_version, sizeof(v.fw_version), "1.2.3");
	snprintf(v.version, sizeof(v.version), "0.1.0");
	v.hw = 2;
	for (unsigned int b = 0; b < VIEW_BOARDS; b++) {
		struct view_board *vb = &v.board[b];

		for (unsigned int c = 0; c < VIEW_CELLS; c++)
			vb->cell_mV[c] = BP_CELL_MV_NA;
		for (unsigned int t = 0; t < VIEW_TEMPS; t++)
			vb->temp_dC[t] = BP_TEMP_DC_NA;
		vb->cell_min_mV = vb->cell_max_mV = vb->cell_mean_mV = BP_CELL_MV_NA;
		vb->temp_min_dC = vb->temp_max_dC = BP_TEMP_DC_NA;
		if (b >= boards)
			continue;
		vb->present = vb->online = true;
		vb->ncells = (uint8_t)cells;
		vb->ntemps = 2;
		for (unsigned int c = 0; c < cells; c++) {
			vb->cell_mV[c] = (uint16_t)(3200 + 10 * b + c);
			vb->pack_mV += vb->cell_mV[c];
		}
		vb->cell_min_mV = vb->cell_mV[0];
		vb->cell_max_mV = vb->cell_mV[cells - 1];
		vb->cell_mean_mV = (uint16_t)(vb->pack_mV / cells);
		vb->temp_dC[0] = (int16_t)(200 + b);
		vb->temp_dC[1] = (int16_t)(190 - b);
		vb->temp_min_dC = vb->temp_dC[1];
		vb->temp_max_dC = vb->temp_dC[0];
	}
}

static uint16_t rd(unsigned int addr)
{
	uint16_t r = 0xDEAD;

	CU_ASSERT_EQUAL_FATAL(mbmap_read(&m, addr, 1, &r), MBMAP_EX_NONE);
	return r;
}

static uint32_t rd32(unsigned int addr)
{
	return (uint32_t)rd(addr) << 16 | rd(addr + 1);
}

static int16_t rds(unsigned int addr)
{
	return (int16_t)rd(addr);
}

/* Address of point @name of model 802 / the vendor block. */
static unsigned int a802(const char *name)
{
	int off = mbmap_table_offset(&mbmap_model802, name);

	CU_ASSERT_FATAL(off >= 0);
	return MBMAP_SUNSPEC_BASE + 2 + 2 + MBMAP_L1 + (unsigned int)off;
}

static unsigned int av(const char *name)
{
	int off = mbmap_table_offset(&mbmap_vendor, name);

	CU_ASSERT_FATAL(off >= 0);
	return MBMAP_VENDOR_BASE + (unsigned int)off;
}

static unsigned int avb(unsigned int board, const char *name)
{
	int off = mbmap_table_offset(&mbmap_vendor_board, name);

	CU_ASSERT_FATAL(off >= 0);
	return MBMAP_VENDOR_BASE + MBMAP_VENDOR_BOARDS + board * MBMAP_VENDOR_BOARD_STRIDE +
	       (unsigned int)off;
}

/* Address of the ID of model 805 for @board (from 0), walking the chain. */
static unsigned int a805(unsigned int board)
{
	unsigned int a = MBMAP_SUNSPEC_BASE + 2;
	unsigned int seen = 0;

	for (;;) {
		uint16_t id = rd(a), l = rd(a + 1);

		CU_ASSERT_FATAL(id != 0xFFFF);
		if (id == 805 && seen++ == board)
			return a;
		a += 2u + l;
	}
}

static unsigned int a805p(unsigned int board, const char *name)
{
	int off = mbmap_table_offset(&mbmap_model805, name);

	CU_ASSERT_FATAL(off >= 0);
	return a805(board) + (unsigned int)off;
}

static bool string_at(unsigned int addr, unsigned int regs, const char *want)
{
	char got[64] = { 0 };

	for (unsigned int i = 0; i < regs; i++) {
		uint16_t r = rd(addr + i);

		got[2 * i] = (char)(r >> 8);
		got[2 * i + 1] = (char)r;
	}
	return !strcmp(got, want);
}

/* ---- the chain ---------------------------------------------------------- */

static void test_table_lengths(void)
{
	CU_ASSERT_EQUAL(mbmap_table_regs(&mbmap_model1), 2u + MBMAP_L1);
	CU_ASSERT_EQUAL(mbmap_table_regs(&mbmap_model802), 2u + MBMAP_L802);
	CU_ASSERT_EQUAL(mbmap_table_regs(&mbmap_model805), 2u + MBMAP_L805_FIXED);
	CU_ASSERT_EQUAL(mbmap_table_regs(&mbmap_model805_cell), MBMAP_L805_CELL);
	CU_ASSERT(mbmap_table_regs(&mbmap_vendor) <= MBMAP_VENDOR_BOARDS);
	CU_ASSERT_EQUAL(mbmap_table_regs(&mbmap_vendor_board), MBMAP_VENDOR_BOARD_STRIDE);
	/* SunSpec's own figures, independent of the tables */
	CU_ASSERT_EQUAL(MBMAP_L1, 66);
	CU_ASSERT_EQUAL(MBMAP_L802, 62);
	CU_ASSERT_EQUAL(MBMAP_L805(16), 106);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model802, "AlmRst"), 20);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model802, "SetOp"), 50);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model802, "W_SF"), 63);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model1, "DA"), 66);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model805, "SN"), 22);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model805, "Tmp_SF"), 43);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_model805, "nope"), -1);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_vendor, "FaultReset"), 4);
	CU_ASSERT_EQUAL(mbmap_table_offset(&mbmap_vendor, "Operation"), 5);
	CU_ASSERT_STRING_EQUAL(mbmap_state_name(VIEW_ST_SOFT_STOP), "soft-stop");
	CU_ASSERT_PTR_NULL(mbmap_state_name(VIEW_ST_COUNT));
	/* every point has a name, a size and a description */
	const struct mbmap_table *t[] = { &mbmap_model1, &mbmap_model802,
					  &mbmap_model805, &mbmap_model805_cell,
					  &mbmap_vendor, &mbmap_vendor_board };
	for (unsigned int i = 0; i < 6; i++)
		for (unsigned int p = 0; p < t[i]->n; p++) {
			CU_ASSERT_PTR_NOT_NULL(t[i]->pts[p].name);
			CU_ASSERT_PTR_NOT_NULL(t[i]->pts[p].desc);
			CU_ASSERT(t[i]->pts[p].size >= 1);
		}
}

/* Walk from 40000 to the end marker, checking every ID and L. */
static void walk(unsigned int boards, unsigned int cells)
{
	uint16_t r[2];
	unsigned int a = MBMAP_SUNSPEC_BASE, n805 = 0;

	CU_ASSERT_EQUAL(mbmap_read(&m, a, 2, r), 0);
	CU_ASSERT_EQUAL(r[0], 0x5375); /* "Su" */
	CU_ASSERT_EQUAL(r[1], 0x6e53); /* "nS" */
	a += 2;
	CU_ASSERT_EQUAL(rd(a), 1);
	CU_ASSERT_EQUAL(rd(a + 1), 66);
	a += 2 + 66;
	CU_ASSERT_EQUAL(rd(a), 802);
	CU_ASSERT_EQUAL(rd(a + 1), 62);
	a += 2 + 62;
	while (rd(a) == 805) {
		CU_ASSERT_EQUAL(rd(a + 1), 42 + 4 * cells);
		CU_ASSERT_EQUAL(rd(a + 2 + 0), 1);                 /* StrIdx */
		CU_ASSERT_EQUAL(rd(a + 2 + 1), n805 + 1);          /* ModIdx */
		CU_ASSERT_EQUAL(rd(a + 2 + 2), cells);             /* NCell */
		a += 2u + rd(a + 1);
		n805++;
	}
	CU_ASSERT_EQUAL(n805, boards);
	CU_ASSERT_EQUAL(rd(a), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a + 1), 0);
	CU_ASSERT_EQUAL(a + 2, MBMAP_SUNSPEC_BASE + m.ss_len);
	/* nothing past the end marker */
	CU_ASSERT_EQUAL(mbmap_read(&m, a + 1, 2, r), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(mbmap_read(&m, a + 2, 1, r), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT(a + 2 < MBMAP_VENDOR_BASE);
}

static void test_chain_walk(void)
{
	static const unsigned int shapes[][2] = { { 0, 0 }, { 1, 1 },  { 2, 3 },
						   { 4, 16 }, { 32, 24 }, { 32, 1 } };

	mbmap_init(&m, &setup_ro);
	walk(0, 0);
	for (unsigned int i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		view_running(shapes[i][0] ? shapes[i][0] : 1, shapes[i][1] ? shapes[i][1] : 1);
		v.boards = (uint8_t)shapes[i][0];
		v.cells_per_board = (uint8_t)shapes[i][1];
		mbmap_build(&m, &v, false);
		walk(shapes[i][0], shapes[i][1]);
	}
	/* the largest pack fills the image exactly */
	view_running(32, 24);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(m.ss_len, MBMAP_SUNSPEC_MAX);
	/* a view claiming more than fits is clamped, never overrun */
	v.boards = 200;
	v.cells_per_board = 99;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(m.ss_len, MBMAP_SUNSPEC_MAX);
	walk(32, 24);
}

/* ---- model values ------------------------------------------------------- */

static void test_model1(void)
{
	unsigned int a = MBMAP_SUNSPEC_BASE + 2;

	mbmap_init(&m, &setup_ro);
	view_running(2, 3);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a + 2), 0x626D); /* "bm" */
	CU_ASSERT(string_at(a + 2, 16, "bmsd"));
	CU_ASSERT(string_at(a + 18, 16, "main-2r"));
	CU_ASSERT(string_at(a + 34, 8, "fw 1.2.3"));
	CU_ASSERT(string_at(a + 42, 8, "0.1.0"));
	CU_ASSERT(string_at(a + 50, 16, "bmsd-0123abcd"));
	CU_ASSERT_EQUAL(rd(a + 66), 32);     /* DA */
	CU_ASSERT_EQUAL(rd(a + 67), 0x8000); /* Pad */
	/* an unknown firmware is the empty string, all zeros */
	v.fw_version[0] = 0;
	mbmap_build(&m, &v, false);
	for (unsigned int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(rd(a + 34 + i), 0);
	/* a string that fills its point has no terminator and no overrun */
	struct mbmap_setup s = setup_ro;

	memset(s.manufacturer, 'M', 32);
	s.manufacturer[32] = 0;
	mbmap_set_setup(&m, &s);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a + 2), 0x4D4D);
	CU_ASSERT_EQUAL(rd(a + 17), 0x4D4D);
	CU_ASSERT_EQUAL(rd(a + 18), 0x6D61); /* "ma" of Md right after */
}

static void test_model802_values(void)
{
	mbmap_init(&m, &setup_ro);
	view_running(2, 3);
	v.soc_valid = true;
	v.soc_dpct = 755;
	v.soh_valid = true;
	v.soh_dpct = 981;
	v.capacity_mAh = 100000;
	v.limits_valid = true;
	v.ccl_mA = 50049;
	v.dcl_mA = 100000;
	v.cvl_mV = 56000;
	v.dvl_mV = 44051;
	mbmap_build(&m, &v, false);

	CU_ASSERT_EQUAL(a802("AlmRst"), 40090);
	CU_ASSERT_EQUAL(a802("SetOp"), 40120);
	CU_ASSERT_EQUAL(rd(a802("ID")), 802);
	CU_ASSERT_EQUAL(rd(a802("AHRtg")), 1000);           /* 100.0 Ah */
	CU_ASSERT_EQUAL(rds(a802("AHRtg_SF")), -1);
	CU_ASSERT_EQUAL(rd(a802("WHRtg")), 0xFFFF);
	/* 50.049 A x 52.349 V = 2620 W, in 10 W */
	CU_ASSERT_EQUAL(rd(a802("WChaRteMax")), 262);
	CU_ASSERT_EQUAL(rd(a802("WDisChaRteMax")), 523);
	CU_ASSERT_EQUAL(rds(a802("WChaDisChaMax_SF")), 1);
	CU_ASSERT_EQUAL(rd(a802("SoC")), 755);
	CU_ASSERT_EQUAL(rd(a802("DoD")), 245);
	CU_ASSERT_EQUAL(rd(a802("SoH")), 981);
	CU_ASSERT_EQUAL(rds(a802("SoC_SF")), -1);
	CU_ASSERT_EQUAL(rds(a802("DoD_SF")), -1);
	CU_ASSERT_EQUAL(rds(a802("SoH_SF")), -1);
	CU_ASSERT_EQUAL(rd32(a802("NCyc")), 12);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 3);  /* discharging */
	CU_ASSERT_EQUAL(rd(a802("LocRemCtl")), 1); /* local: writes disabled */
	CU_ASSERT_EQUAL(rd(a802("Hb")), 125);
	CU_ASSERT_EQUAL(rd(a802("AlmRst")), 0);
	CU_ASSERT_EQUAL(rd(a802("Typ")), 4);
	CU_ASSERT_EQUAL(rd(a802("State")), 3);
	CU_ASSERT_EQUAL(rd(a802("StateVnd")), VIEW_ST_CONNECTED);
	CU_ASSERT_EQUAL(rd32(a802("WarrDt")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd(a802("V")), 523);           /* 52.349 V in 0.1 V */
	CU_ASSERT_EQUAL(rds(a802("V_SF")), -1);
	CU_ASSERT_EQUAL(rd(a802("VMax")), 560);
	CU_ASSERT_EQUAL(rd(a802("VMin")), 441);        /* 44.051 rounds up */
	CU_ASSERT_EQUAL(rd(a802("CellVMax")), 3299);
	CU_ASSERT_EQUAL(rd(a802("CellVMaxStr")), 1);
	CU_ASSERT_EQUAL(rd(a802("CellVMaxMod")), 1);
	CU_ASSERT_EQUAL(rd(a802("CellVMin")), 3201);
	CU_ASSERT_EQUAL(rd(a802("CellVMinMod")), 2);
	CU_ASSERT_EQUAL(rd(a802("CellVAvg")), 3250);
	CU_ASSERT_EQUAL(rds(a802("CellV_SF")), -3);
	CU_ASSERT_EQUAL(rds(a802("A")), -123);         /* -12.345 A in 0.1 A */
	CU_ASSERT_EQUAL(rds(a802("A_SF")), -1);
	CU_ASSERT_EQUAL(rd(a802("AChaMax")), 500);
	CU_ASSERT_EQUAL(rd(a802("ADisChaMax")), 1000);
	CU_ASSERT_EQUAL(rds(a802("AMax_SF")), -1);
	/* -12.345 A x 52.349 V = -646.2 W, in 10 W */
	CU_ASSERT_EQUAL(rds(a802("W")), -65);
	CU_ASSERT_EQUAL(rds(a802("W_SF")), 1);
	CU_ASSERT_EQUAL(rd(a802("SetOp")), 1);
	CU_ASSERT_EQUAL(rd(a802("SetInvState")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("ReqInvState")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("ReqW")), 0x8000);
	CU_ASSERT_EQUAL(rd(a802("CtrlHb")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("DisChaRte_SF")), 0x8000);

	/* charge status and state follow the pack */
	v.current_mA = 600;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 4);
	v.current_mA = 400;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 6);
	v.full = true;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 5);
	v.state = VIEW_ST_STANDBY;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 1);
	CU_ASSERT_EQUAL(rd(a802("State")), 4);
	mbmap_build(&m, &v, true);
	CU_ASSERT_EQUAL(rd(a802("State")), 1);
	CU_ASSERT_EQUAL(rd(a802("SetOp")), 2);
	static const uint16_t want[VIEW_ST_COUNT] = { 99, 2, 4, 2, 3, 6, 99 };
	for (unsigned int s = 0; s < VIEW_ST_COUNT; s++) {
		v.state = (enum view_state)s;
		mbmap_build(&m, &v, false);
		CU_ASSERT_EQUAL(rd(a802("State")), want[s]);
		CU_ASSERT_EQUAL(rd(a802("StateVnd")), s);
	}
	v.state = VIEW_ST_STARTING;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 0xFFFF);

	/* a large capacity moves its scale factor */
	v.capacity_mAh = 7000000; /* 7000 Ah */
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rds(a802("AHRtg_SF")), 0);
	CU_ASSERT_EQUAL(rd(a802("AHRtg")), 7000);
	v.capacity_mAh = 70000000; /* 70000 Ah */
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rds(a802("AHRtg_SF")), 1);
	CU_ASSERT_EQUAL(rd(a802("AHRtg")), 7000);
}

/* Every figure unknown: the NA value of each type, never 0. */
static void test_model802_na(void)
{
	mbmap_init(&m, &setup_ro);
	memset(&v, 0, sizeof(v));
	v.state = VIEW_ST_STARTING;
	v.configured = true;
	v.gen = 1;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("AHRtg")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("WChaRteMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("SoC")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("DoD")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("SoH")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("SoCMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("SocRsvMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("V")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("VMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("CellVMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("CellVMaxMod")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("A")), 0x8000);
	CU_ASSERT_EQUAL(rd(a802("W")), 0x8000);
	CU_ASSERT_EQUAL(rd(a802("AChaMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("ADisChaMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a802("ChaSt")), 0xFFFF);
	CU_ASSERT_EQUAL(rd32(a802("WarrDt")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd32(a802("Evt1")), 0);
	CU_ASSERT_EQUAL(rd32(a802("Evt2")), 0);
	/* the mandatory scale factors are always there */
	CU_ASSERT_EQUAL(rds(a802("SoC_SF")), -1);
	CU_ASSERT_EQUAL(rds(a802("V_SF")), -1);
	CU_ASSERT_EQUAL(rds(a802("CellV_SF")), -3);
	CU_ASSERT_EQUAL(rds(a802("A_SF")), -1);
	CU_ASSERT_EQUAL(rds(a802("AMax_SF")), -1);
	CU_ASSERT_EQUAL(rds(a802("AHRtg_SF")), -1);
	/* and the pad reads 0x8000 */
	CU_ASSERT_EQUAL(rd(MBMAP_SUNSPEC_BASE + 2 + 67), 0x8000);
}

/* Real figures clamp short of their NA value. */
static void test_clamp(void)
{
	mbmap_init(&m, &setup_ro);
	view_running(1, 1);
	v.pack_mV = 7000000;     /* 7000 V */
	v.current_mA = -5000000; /* -5000 A */
	v.limits_valid = true;
	v.ccl_mA = 0xFFFFFFFFu;
	v.cvl_mV = 0xFFFFFFFFu;
	v.soc_valid = true;
	v.soc_dpct = 1200;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("V")), 0xFFFE);
	CU_ASSERT_EQUAL(rds(a802("A")), -32767);
	CU_ASSERT_EQUAL(rds(a802("W")), -32767);
	CU_ASSERT_EQUAL(rd(a802("AChaMax")), 0xFFFE);
	CU_ASSERT_EQUAL(rd(a802("DoD")), 0);
	CU_ASSERT_EQUAL(rd32(av("CCL")), 0xFFFFFFFEu);
	CU_ASSERT_EQUAL(rd32(av("CVL")), 0xFFFFFFFEu);
	v.current_mA = 5000000;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rds(a802("A")), 32767);
	CU_ASSERT_EQUAL(rd32(av("Current")), 5000000u);
	v.current_mA = INT32_MIN;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd32(av("Current")), 0x80000001u);
}

static void test_model805(void)
{
	unsigned int a, c0;

	mbmap_init(&m, &setup_ro);
	view_running(2, 3);
	v.board[1].bal_mask = 0x5; /* cells 1 and 3 */
	v.board[1].cell_mV[1] = BP_CELL_MV_NA;
	mbmap_build(&m, &v, false);

	a = a805(0);
	CU_ASSERT_EQUAL(a, MBMAP_SUNSPEC_BASE + 2 + 68 + 64);
	CU_ASSERT_EQUAL(rd(a805p(0, "V")), 960);        /* 9.603 V in 10 mV */
	CU_ASSERT_EQUAL(rds(a805p(0, "V_SF")), -2);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellVMax")), 3202);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellVMaxCell")), 3);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellVMin")), 3200);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellVMinCell")), 1);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellVAvg")), 3201);
	CU_ASSERT_EQUAL(rds(a805p(0, "CellTmpMax")), 200);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellTmpMaxCell")), 1);
	CU_ASSERT_EQUAL(rds(a805p(0, "CellTmpMin")), 190);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellTmpMinCell")), 2);
	CU_ASSERT_EQUAL(rds(a805p(0, "CellTmpAvg")), 195);
	CU_ASSERT_EQUAL(rds(a805p(0, "Tmp_SF")), -1);
	CU_ASSERT_EQUAL(rds(a805p(0, "CellV_SF")), -3);
	CU_ASSERT_EQUAL(rd(a805p(0, "NCellBal")), 0);
	CU_ASSERT_EQUAL(rd(a805p(0, "SoC")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a805p(0, "SoC_SF")), 0x8000);
	CU_ASSERT_EQUAL(rd32(a805p(0, "NCyc")), 0xFFFFFFFFu);
	CU_ASSERT(string_at(a805p(0, "SN"), 16, ""));
	/* the cells of board 2: the missing one is NA, its neighbours bleed */
	c0 = a805(1) + 2 + MBMAP_L805_FIXED;
	CU_ASSERT_EQUAL(rd(c0), 3210);
	CU_ASSERT_EQUAL(rd(c0 + 1), 0x8000);  /* CellTmp: NA */
	CU_ASSERT_EQUAL(rd32(c0 + 2), 1);     /* balancing */
	CU_ASSERT_EQUAL(rd(c0 + 4), 0xFFFF);
	CU_ASSERT_EQUAL(rd32(c0 + 6), 0);
	CU_ASSERT_EQUAL(rd(c0 + 8), 3212);
	CU_ASSERT_EQUAL(rd32(c0 + 10), 1);
	CU_ASSERT_EQUAL(rd(a805p(1, "NCellBal")), 2);
	CU_ASSERT_EQUAL(rd(a805p(1, "CellVMinCell")), 1);
	CU_ASSERT_EQUAL(rd(a805p(1, "CellVMaxCell")), 3);
	/* an offline board: its measurements are NA, its identity stays */
	v.board[1].online = false;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a805p(1, "ModIdx")), 2);
	CU_ASSERT_EQUAL(rd(a805p(1, "NCell")), 3);
	CU_ASSERT_EQUAL(rd(a805p(1, "V")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a805p(1, "CellVMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(a805p(1, "CellTmpAvg")), 0x8000);
	CU_ASSERT_EQUAL(rd(c0), 0xFFFF);
	CU_ASSERT_EQUAL(rd32(c0 + 2), 0xFFFFFFFFu);
	/* a board with no temperature reading */
	v.board[0].temp_dC[0] = v.board[0].temp_dC[1] = BP_TEMP_DC_NA;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellTmpMax")), 0x8000);
	CU_ASSERT_EQUAL(rd(a805p(0, "CellTmpMaxCell")), 0xFFFF);
	/* negative temperatures average towards the nearest */
	v.board[0].temp_dC[0] = -11;
	v.board[0].temp_dC[1] = -12;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rds(a805p(0, "CellTmpAvg")), -12);
	CU_ASSERT_EQUAL(rds(a805p(0, "CellTmpMin")), -12);
}

static void test_events(void)
{
	mbmap_init(&m, &setup_ro);
	view_running(1, 1);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd32(a802("Evt1")), 0);
	CU_ASSERT_EQUAL(rd32(a802("EvtVnd1")), 0);

	v.prot_enabled[PROT_CELL_OV] = true;
	v.prot_state[PROT_CELL_OV] = PROT_ST_ACTIVE;
	v.prot_tier[PROT_CELL_OV] = PROT_TIER_WARNING;
	v.prot_enabled[PROT_DSG_OT] = true;
	v.prot_state[PROT_DSG_OT] = PROT_ST_LATCHED;
	v.prot_tier[PROT_DSG_OT] = PROT_TIER_CRITICAL;
	v.prot_enabled[PROT_CELL_SPREAD] = true;
	v.prot_state[PROT_CELL_SPREAD] = PROT_ST_CLEARING;
	v.prot_tier[PROT_CELL_SPREAD] = PROT_TIER_ALARM;
	/* setting is not active yet; a disabled one never counts */
	v.prot_enabled[PROT_CHG_OC] = true;
	v.prot_state[PROT_CHG_OC] = PROT_ST_SETTING;
	v.prot_state[PROT_DSG_OC] = PROT_ST_ACTIVE;
	v.faults = BMSD_F_NTC;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd32(a802("Evt1")), (1u << 10) | (1u << 1) | (1u << 17));
	CU_ASSERT_EQUAL(rd32(a802("EvtVnd1")),
			(1u << PROT_CELL_OV) | (1u << PROT_DSG_OT) | (1u << PROT_CELL_SPREAD));
	CU_ASSERT_EQUAL(rd32(a802("EvtVnd2")), BMSD_F_NTC);
	/* a communication fault raises bit 0 */
	v.faults |= BMSD_F_COMM;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd32(a802("Evt1")) & 1u, 1u);
	v.faults = 0;
	v.prot_enabled[PROT_LOGIC_OFFLINE] = true;
	v.prot_state[PROT_LOGIC_OFFLINE] = PROT_ST_ACTIVE;
	v.prot_tier[PROT_LOGIC_OFFLINE] = PROT_TIER_WARNING;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd32(a802("Evt1")) & 1u, 1u);
	/* the vendor arrays */
	CU_ASSERT_EQUAL(rd(av("ProtState") + PROT_CELL_OV), PROT_ST_ACTIVE);
	CU_ASSERT_EQUAL(rd(av("ProtTier") + PROT_DSG_OT), PROT_TIER_CRITICAL);
	CU_ASSERT_EQUAL(rd(av("ProtEnabled") + PROT_DSG_OC), 0);
	CU_ASSERT_EQUAL(rd(av("ProtState") + PROT_DSG_OC), 0xFFFF);
	CU_ASSERT_EQUAL(rd(av("ProtTier") + PROT_DSG_OC), 0xFFFF);
	CU_ASSERT_EQUAL(rd(av("ProtEnabled") + PROT_CHG_OC), 1);
	CU_ASSERT_EQUAL(rd(av("ProtState") + PROT_CHG_OC), PROT_ST_SETTING);
	CU_ASSERT_EQUAL(rd(av("ProtEnabled") + PROT_COUNT), 0xFFFF);
	CU_ASSERT_EQUAL(rd(av("ProtState") + MBMAP_VENDOR_PROTS - 1), 0xFFFF);
	CU_ASSERT_EQUAL(av("ProtTier"), av("ProtState") + MBMAP_VENDOR_PROTS);
}

static void test_vendor_block(void)
{
	uint16_t r[4];

	mbmap_init(&m, &setup_ro);
	view_running(2, 3);
	v.board[1].bal_mask = 0x6;
	v.board[1].ntc_fault = 2;
	mbmap_build(&m, &v, true);
	CU_ASSERT_EQUAL(rd(av("Version")), MBMAP_VENDOR_VERSION);
	CU_ASSERT_EQUAL(rd(av("Length")), MBMAP_VENDOR_LEN);
	CU_ASSERT_EQUAL(rd32(av("Gen")), 7);
	CU_ASSERT_EQUAL(rd(av("FaultReset")), 0);
	CU_ASSERT_EQUAL(rd(av("Operation")), 2);
	CU_ASSERT_EQUAL(rd(av("State")), VIEW_ST_CONNECTED);
	CU_ASSERT_EQUAL(rd(av("Flags")), 1 | 2 | 256 | 1024 | 2048 | 4096);
	CU_ASSERT_EQUAL(rd32(av("PackVoltage")), 52349);
	CU_ASSERT_EQUAL(rd32(av("Current")), (uint32_t)-12345);
	CU_ASSERT_EQUAL(rd(av("CellMin")), 3201);
	CU_ASSERT_EQUAL(rd(av("CellSpread")), 98);
	CU_ASSERT_EQUAL(rd(av("CellMinBoard")), 2);
	CU_ASSERT_EQUAL(rd(av("CellMinCell")), 3);
	CU_ASSERT_EQUAL(rds(av("TempMin")), -15);
	CU_ASSERT_EQUAL(rds(av("TempMean")), 201);
	CU_ASSERT_EQUAL(rds(av("ExtTemp")), 250);
	CU_ASSERT_EQUAL(rd(av("ExtTemp") + 1), 0x8000);
	CU_ASSERT_EQUAL(rd(av("Humidity")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(av("Supply")), 24000);
	CU_ASSERT_EQUAL(rd(av("RelayRole")), CFG_RELAY_DISCHARGE);
	CU_ASSERT_EQUAL(rd(av("RelayRole") + 2), CFG_RELAY_CHARGE);
	CU_ASSERT_EQUAL(rd(av("RelayCommand")), 5);
	CU_ASSERT_EQUAL(rd(av("RelayDriven")), 5);
	CU_ASSERT_EQUAL(rd(av("Inputs")), 3);
	CU_ASSERT_EQUAL(rd(av("Outputs")), 2);
	CU_ASSERT_EQUAL(rd32(av("FullCycles")), 1234);
	CU_ASSERT_EQUAL(mbmap_read(&m, av("ChargeIn"), 4, r), 0);
	CU_ASSERT(r[0] == 0 && r[1] == 1 && r[2] == 0x2345 && r[3] == 0x6789);
	CU_ASSERT_EQUAL(mbmap_read(&m, av("EnergyOut"), 4, r), 0);
	CU_ASSERT(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 42);
	CU_ASSERT_EQUAL(rd32(av("ContactorCycles") + 4), 77);
	CU_ASSERT_EQUAL(rd(av("LifeTempMin")), 0x8000);
	CU_ASSERT_EQUAL(rds(av("LifeTempMax")), 455);
	CU_ASSERT_EQUAL(rd(av("Boards")), 2);
	CU_ASSERT_EQUAL(rd(av("CellsPerBoard")), 3);
	CU_ASSERT_EQUAL(rd32(av("OnlineMask")), 3);
	CU_ASSERT_EQUAL(rd(av("Hardware")), 2);
	CU_ASSERT(string_at(av("FirmwareVersion"), 8, "1.2.3"));
	CU_ASSERT(string_at(av("Serial"), 12, "bmsd-0123abcd"));
	/* board detail */
	CU_ASSERT_EQUAL(avb(0, "Flags"), MBMAP_VENDOR_BASE + MBMAP_VENDOR_BOARDS);
	CU_ASSERT_EQUAL(rd(avb(1, "Flags")), 1 | 2 | 4);
	CU_ASSERT_EQUAL(rd(avb(1, "Cells")), 3);
	CU_ASSERT_EQUAL(rd32(avb(1, "BalanceMask")), 6);
	CU_ASSERT_EQUAL(rd(avb(1, "SensorFaults")), 2);
	CU_ASSERT_EQUAL(rd(avb(1, "CellMin")), 3210);
	CU_ASSERT_EQUAL(rd(avb(1, "CellMax")), 3212);
	CU_ASSERT_EQUAL(rd32(avb(1, "Voltage")), 3210 + 3211 + 3212);
	CU_ASSERT_EQUAL(rds(avb(1, "Temp") + 1), 189);
	CU_ASSERT_EQUAL(rd(avb(1, "Temp") + 2), 0x8000);
	CU_ASSERT_EQUAL(rd(avb(1, "Reserved")), 0);
	/* an absent board: flags 0, the rest NA */
	CU_ASSERT_EQUAL(rd(avb(2, "Flags")), 0);
	CU_ASSERT_EQUAL(rd(avb(2, "Cells")), 0xFFFF);
	CU_ASSERT_EQUAL(rd32(avb(2, "Voltage")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd(avb(31, "CellMin")), 0xFFFF);
	/* the gap before the board detail reads 0; the last register exists */
	CU_ASSERT_EQUAL(rd(MBMAP_VENDOR_BASE + MBMAP_VENDOR_BOARDS - 1), 0);
	CU_ASSERT_EQUAL(mbmap_read(&m, MBMAP_VENDOR_BASE + MBMAP_VENDOR_LEN - 125, 125,
				   (uint16_t[125]){ 0 }),
			0);
}

/* Before the battery logic reports, its figures read NA. */
static void test_vendor_na(void)
{
	mbmap_init(&m, &setup_ro);
	view_running(1, 2);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(av("SOC")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(av("SOH")), 0xFFFF);
	CU_ASSERT_EQUAL(rd32(av("Capacity")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd32(av("Remaining")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd32(av("CCL")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd32(av("DVL")), 0xFFFFFFFFu);
	for (unsigned int i = 0; i < MBMAP_VENDOR_PROTS; i++) {
		CU_ASSERT_EQUAL(rd(av("ProtState") + i), 0xFFFF);
		CU_ASSERT_EQUAL(rd(av("ProtTier") + i), 0xFFFF);
	}
	v.pack_valid = v.current_valid = v.temp_valid = false;
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd32(av("PackVoltage")), 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(rd32(av("Current")), 0x80000000u);
	CU_ASSERT_EQUAL(rd(av("CellMax")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(av("TempMax")), 0x8000);
	CU_ASSERT_EQUAL(rd(av("CellMaxBoard")), 0xFFFF);
	/* an empty map, before any publication */
	mbmap_init(&m, &setup_ro);
	CU_ASSERT_EQUAL(rd32(av("Gen")), 0);
	CU_ASSERT_EQUAL(rd(a802("V")), 0xFFFF);
	CU_ASSERT_EQUAL(rd(MBMAP_SUNSPEC_BASE + 2 + 68 + 64), 0xFFFF); /* end marker */
}

static void test_power_sf(void)
{
	CU_ASSERT_EQUAL(mbmap_power_sf(0, 0, 32767), 0);
	CU_ASSERT_EQUAL(mbmap_power_sf(14600, 100000, 32767), 0);      /* 1460 W */
	CU_ASSERT_EQUAL(mbmap_power_sf(243200, 1200000, 32767), 1);    /* 292 kW */
	CU_ASSERT_EQUAL(mbmap_power_sf(243200, 1200000, 65534), 1);
	CU_ASSERT_EQUAL(mbmap_power_sf(3000000, 1000000, 32767), 2);   /* 3 MW */
	CU_ASSERT_EQUAL(mbmap_power_sf(32767, 1000000, 32767), 0);     /* exactly */
	CU_ASSERT_EQUAL(mbmap_power_sf(32768, 1000000, 32767), 1);
	CU_ASSERT_EQUAL(mbmap_power_sf(0xFFFFFFFFu, 0xFFFFFFFFu, 32767), 9);
}

/* ---- requests ------------------------------------------------------------ */

struct calls {
	unsigned int n;
	enum mbmap_cmd cmd[8];
	unsigned int addr[8];
	int rc;
};

static struct calls calls;

static int run(void *arg, enum mbmap_cmd cmd, const char *name, unsigned int addr)
{
	struct calls *c = arg;

	CU_ASSERT_PTR_NOT_NULL(name);
	if (c->n < 8) {
		c->cmd[c->n] = cmd;
		c->addr[c->n] = addr;
	}
	c->n++;
	return c->rc;
}

static const struct mbmap_ctl ctl = { .run = run, .arg = &calls };

static size_t pdu(const uint8_t *req, size_t n, uint8_t *rsp)
{
	return mbmap_pdu(&m, req, n, rsp, &ctl);
}

/* The exception code of @req, 0 for a normal answer. */
static int exc_of(const uint8_t *req, size_t n)
{
	uint8_t rsp[MBMAP_PDU_MAX];
	size_t len = pdu(req, n, rsp);

	CU_ASSERT_FATAL(len >= 2);
	if (rsp[0] & 0x80) {
		CU_ASSERT_EQUAL(len, 2);
		CU_ASSERT_EQUAL(rsp[0], req[0] | 0x80);
		return rsp[1];
	}
	return 0;
}

static int read_exc(uint8_t fc, unsigned int addr, unsigned int qty)
{
	uint8_t req[5] = { fc, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(qty >> 8),
			   (uint8_t)qty };

	return exc_of(req, 5);
}

static int write1(unsigned int addr, uint16_t val)
{
	uint8_t req[5] = { 6, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(val >> 8),
			   (uint8_t)val };

	return exc_of(req, 5);
}

static int writen(unsigned int addr, unsigned int qty, const uint16_t *vals)
{
	uint8_t req[6 + 2 * 130];

	req[0] = 16;
	req[1] = (uint8_t)(addr >> 8);
	req[2] = (uint8_t)addr;
	req[3] = (uint8_t)(qty >> 8);
	req[4] = (uint8_t)qty;
	req[5] = (uint8_t)(2 * qty);
	for (unsigned int i = 0; i < qty; i++) {
		req[6 + 2 * i] = (uint8_t)(vals[i] >> 8);
		req[7 + 2 * i] = (uint8_t)vals[i];
	}
	return exc_of(req, 6 + 2 * qty);
}

static void test_read_requests(void)
{
	uint8_t req[5] = { 3, 0x9C, 0x40, 0, 125 }; /* 40000, 125 */
	uint8_t rsp[MBMAP_PDU_MAX];
	size_t len;

	mbmap_init(&m, &setup_ro);
	view_running(4, 16);
	mbmap_build(&m, &v, false);
	len = pdu(req, 5, rsp);
	CU_ASSERT_EQUAL(len, 2 + 250);
	CU_ASSERT_EQUAL(rsp[0], 3);
	CU_ASSERT_EQUAL(rsp[1], 250);
	CU_ASSERT(rsp[2] == 'S' && rsp[3] == 'u' && rsp[4] == 'n' && rsp[5] == 'S');
	/* function 4 reads the same image */
	req[0] = 4;
	uint8_t rsp4[MBMAP_PDU_MAX];
	CU_ASSERT_EQUAL(pdu(req, 5, rsp4), len);
	CU_ASSERT_EQUAL(memcmp(rsp + 1, rsp4 + 1, len - 1), 0);
	CU_ASSERT_EQUAL(rsp4[0], 4);

	/* lengths */
	CU_ASSERT_EQUAL(read_exc(3, 40000, 0), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(read_exc(3, 40000, 126), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(read_exc(4, 40000, 0xFFFF), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(read_exc(3, 40000, 1), 0);
	/* addresses outside every block, or across an edge */
	CU_ASSERT_EQUAL(read_exc(3, 0, 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(3, 39999, 2), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(3, 40000 + m.ss_len - 2, 2), 0);
	CU_ASSERT_EQUAL(read_exc(3, 40000 + m.ss_len - 2, 3), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(3, 40000 + m.ss_len, 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(3, MBMAP_VENDOR_BASE - 1, 2), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(3, MBMAP_VENDOR_BASE + MBMAP_VENDOR_LEN - 1, 1), 0);
	CU_ASSERT_EQUAL(read_exc(3, MBMAP_VENDOR_BASE + MBMAP_VENDOR_LEN - 1, 2),
			MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(3, 0xFFFF, 125), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(read_exc(4, 50000, 1), MBMAP_EX_ILLEGAL_ADDRESS);
	/* a request of the wrong length */
	CU_ASSERT_EQUAL(exc_of(req, 4), MBMAP_EX_ILLEGAL_VALUE);
	uint8_t longer[6] = { 3, 0x9C, 0x40, 0, 1, 0 };
	CU_ASSERT_EQUAL(exc_of(longer, 6), MBMAP_EX_ILLEGAL_VALUE);
	uint8_t lone[1] = { 3 };
	CU_ASSERT_EQUAL(exc_of(lone, 1), MBMAP_EX_ILLEGAL_VALUE);
	/* functions we do not serve */
	static const uint8_t others[] = { 1, 2, 5, 7, 8, 15, 17, 20, 22, 23, 43, 0, 0x7F, 0x83 };
	for (unsigned int i = 0; i < sizeof(others); i++) {
		uint8_t r[5] = { others[i], 0x9C, 0x40, 0, 1 };

		CU_ASSERT_EQUAL(exc_of(r, 5), MBMAP_EX_ILLEGAL_FUNCTION);
	}
	CU_ASSERT_EQUAL(pdu(req, 0, rsp), 0);
}

static void test_writes_disabled(void)
{
	uint16_t one = 1;

	mbmap_init(&m, &setup_ro);
	view_running(1, 1);
	mbmap_build(&m, &v, false);
	memset(&calls, 0, sizeof(calls));
	CU_ASSERT_EQUAL(write1(40090, 1), MBMAP_EX_ILLEGAL_FUNCTION);
	CU_ASSERT_EQUAL(write1(40120, 2), MBMAP_EX_ILLEGAL_FUNCTION);
	CU_ASSERT_EQUAL(write1(av("FaultReset"), 1), MBMAP_EX_ILLEGAL_FUNCTION);
	CU_ASSERT_EQUAL(writen(40090, 1, &one), MBMAP_EX_ILLEGAL_FUNCTION);
	CU_ASSERT_EQUAL(write1(0, 1), MBMAP_EX_ILLEGAL_FUNCTION);
	/* even a malformed write says "not here" first */
	uint8_t bad[2] = { 16, 0 };
	CU_ASSERT_EQUAL(exc_of(bad, 2), MBMAP_EX_ILLEGAL_FUNCTION);
	CU_ASSERT_EQUAL(calls.n, 0);
	CU_ASSERT_EQUAL(rd(a802("LocRemCtl")), 1);
}

static void test_write_rules(void)
{
	struct mbmap_setup s = setup_ro;
	uint16_t vals[4];
	uint8_t req[5] = { 6, 0x9C, 0x9A, 0, 1 }; /* AlmRst = 1 */
	uint8_t rsp[MBMAP_PDU_MAX];

	s.write_enable = true;
	mbmap_init(&m, &s);
	view_running(1, 1);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(rd(a802("LocRemCtl")), 0);
	CU_ASSERT_EQUAL(rd(av("Flags")) & 512, 512);
	memset(&calls, 0, sizeof(calls));

	/* AlmRst: 1 resets; the answer echoes the request */
	CU_ASSERT_EQUAL(pdu(req, 5, rsp), 5);
	CU_ASSERT_EQUAL(memcmp(req, rsp, 5), 0);
	CU_ASSERT_EQUAL(calls.n, 1);
	CU_ASSERT_EQUAL(calls.cmd[0], MBMAP_CMD_RESET_FAULTS);
	CU_ASSERT_EQUAL(calls.addr[0], 40090);
	CU_ASSERT_EQUAL(rd(40090), 0);
	CU_ASSERT_EQUAL(write1(40090, 0), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(write1(40090, 2), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(calls.n, 1);

	/* SetOp: 2 disconnects, 1 connects, and reads back at once */
	CU_ASSERT_EQUAL(write1(40120, 2), 0);
	CU_ASSERT_EQUAL(calls.cmd[1], MBMAP_CMD_DISCONNECT);
	CU_ASSERT_EQUAL(rd(40120), 2);
	CU_ASSERT_EQUAL(rd(av("Operation")), 2);
	CU_ASSERT_EQUAL(write1(40120, 1), 0);
	CU_ASSERT_EQUAL(calls.cmd[2], MBMAP_CMD_CONNECT);
	CU_ASSERT_EQUAL(rd(40120), 1);
	CU_ASSERT_EQUAL(write1(40120, 0), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(write1(40120, 3), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(calls.n, 3);

	/* the vendor control registers */
	CU_ASSERT_EQUAL(write1(av("FaultReset"), 1), 0);
	CU_ASSERT_EQUAL(calls.cmd[3], MBMAP_CMD_RESET_FAULTS);
	CU_ASSERT_EQUAL(write1(av("Operation"), 2), 0);
	CU_ASSERT_EQUAL(calls.cmd[4], MBMAP_CMD_DISCONNECT);
	CU_ASSERT_EQUAL(rd(40120), 2);
	CU_ASSERT_EQUAL(write1(av("Operation"), 7), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(write1(av("FaultReset"), 0xFFFF), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(calls.n, 5);

	/* write multiple over both vendor registers: in address order */
	vals[0] = 1;
	vals[1] = 1;
	CU_ASSERT_EQUAL(writen(av("FaultReset"), 2, vals), 0);
	CU_ASSERT_EQUAL(calls.n, 7);
	CU_ASSERT_EQUAL(calls.cmd[5], MBMAP_CMD_RESET_FAULTS);
	CU_ASSERT_EQUAL(calls.cmd[6], MBMAP_CMD_CONNECT);
	CU_ASSERT_EQUAL(rd(40120), 1);
	/* one bad value refuses the whole request, and nothing runs */
	vals[1] = 9;
	CU_ASSERT_EQUAL(writen(av("FaultReset"), 2, vals), MBMAP_EX_ILLEGAL_VALUE);
	/* a range that covers a read-only register */
	vals[1] = 1;
	vals[2] = 1;
	CU_ASSERT_EQUAL(writen(av("FaultReset"), 3, vals), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(writen(40089, 2, vals), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(calls.n, 7);

	/* any other register, SunSpec RW points we do not take included */
	CU_ASSERT_EQUAL(write1(a802("V"), 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(write1(a802("SocRsvMax"), 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(write1(a802("CtrlHb"), 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(write1(a802("SetInvState"), 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(write1(MBMAP_SUNSPEC_BASE + 2 + 66, 7), MBMAP_EX_ILLEGAL_ADDRESS); /* DA */
	CU_ASSERT_EQUAL(write1(0, 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(write1(0xFFFF, 1), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(writen(0xFFFF, 2, vals), MBMAP_EX_ILLEGAL_ADDRESS);
	CU_ASSERT_EQUAL(calls.n, 7);

	/* malformed write multiple */
	CU_ASSERT_EQUAL(writen(av("FaultReset"), 0, vals), MBMAP_EX_ILLEGAL_VALUE);
	uint16_t many[124] = { 0 };
	CU_ASSERT_EQUAL(writen(av("FaultReset"), 124, many), MBMAP_EX_ILLEGAL_VALUE);
	uint8_t bc[8] = { 16, 0xB3, 0xB4, 0, 1, 3, 0, 1 }; /* byte count 3 for 1 register */
	CU_ASSERT_EQUAL(exc_of(bc, 8), MBMAP_EX_ILLEGAL_VALUE);
	uint8_t shortw[8] = { 16, 0xB3, 0xB4, 0, 2, 4, 0, 1 }; /* data cut short */
	CU_ASSERT_EQUAL(exc_of(shortw, 8), MBMAP_EX_ILLEGAL_VALUE);
	uint8_t w6[4] = { 6, 0x9C, 0x9A, 0 };
	CU_ASSERT_EQUAL(exc_of(w6, 4), MBMAP_EX_ILLEGAL_VALUE);
	uint8_t w16[5] = { 16, 0x9C, 0x9A, 0, 1 };
	CU_ASSERT_EQUAL(exc_of(w16, 5), MBMAP_EX_ILLEGAL_VALUE);
	CU_ASSERT_EQUAL(calls.n, 7);

	/* the daemon refuses: SERVER DEVICE FAILURE, and SetOp keeps its value */
	calls.rc = -EAGAIN;
	CU_ASSERT_EQUAL(write1(40120, 2), MBMAP_EX_DEVICE_FAILURE);
	CU_ASSERT_EQUAL(rd(40120), 1);
	CU_ASSERT_EQUAL(write1(40090, 1), MBMAP_EX_DEVICE_FAILURE);
	calls.rc = 0;
	/* no way to act at all */
	CU_ASSERT_EQUAL(mbmap_pdu(&m, req, 5, rsp, NULL), 2);
	CU_ASSERT_EQUAL(rsp[1], MBMAP_EX_DEVICE_FAILURE);
	/* a build keeps the request the daemon reports */
	mbmap_build(&m, &v, true);
	CU_ASSERT_EQUAL(rd(40120), 2);
	CU_ASSERT_EQUAL(rd(av("Flags")) & 256, 256);
}

/* A read is served from the image of one build: changing the view does
 * nothing until the next build, which replaces every register at once. */
static void test_snapshot(void)
{
	uint8_t req[5] = { 3, (uint8_t)(MBMAP_VENDOR_BASE >> 8), (uint8_t)MBMAP_VENDOR_BASE, 0,
			   125 };
	uint8_t a[MBMAP_PDU_MAX], b[MBMAP_PDU_MAX];
	unsigned int pv = (unsigned int)mbmap_table_offset(&mbmap_vendor, "PackVoltage");

	mbmap_init(&m, &setup_ro);
	view_running(2, 3);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(pdu(req, 5, a), 252);
	v.gen = 8;
	v.pack_mV = 40000;
	v.current_mA = 1;
	CU_ASSERT_EQUAL(pdu(req, 5, b), 252);
	CU_ASSERT_EQUAL(memcmp(a, b, 252), 0);
	mbmap_build(&m, &v, false);
	CU_ASSERT_EQUAL(pdu(req, 5, b), 252);
	/* Gen and PackVoltage of one answer belong together */
	CU_ASSERT_EQUAL((uint32_t)(b[6] << 24 | b[7] << 16 | b[8] << 8 | b[9]), 8u);
	CU_ASSERT_EQUAL((uint32_t)(b[2 + 2 * pv] << 24 | b[3 + 2 * pv] << 16 |
				   b[4 + 2 * pv] << 8 | b[5 + 2 * pv]),
			40000u);
	CU_ASSERT_EQUAL(m.gen, 8);
}

/* ---- framing ------------------------------------------------------------- */

static void test_crc(void)
{
	static const uint8_t f[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A };
	static const uint8_t g[] = { 0x20, 0x03, 0x9C, 0x40, 0x00, 0x02 };
	uint16_t crc = mbmap_crc16(f, sizeof(f));

	CU_ASSERT_EQUAL(crc & 0xFF, 0xC5);
	CU_ASSERT_EQUAL(crc >> 8, 0xCD);
	CU_ASSERT_EQUAL(mbmap_crc16(f, 0), 0xFFFF);
	CU_ASSERT_NOT_EQUAL(mbmap_crc16(g, sizeof(g)), crc);
}

static void test_rtu_len(void)
{
	uint8_t f[16] = { 32, 3 };

	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 1), 0);
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 2), 8);
	f[1] = 6;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 2), 8);
	f[1] = 17;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 2), 4);
	f[1] = 16;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 6), 0);
	f[6] = 4;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 7), 13);
	f[6] = 247;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 7), 256);
	f[6] = 248; /* longer than any RTU frame */
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 7), -1);
	f[1] = 23;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 10), 0);
	f[10] = 2;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 11), 15);
	f[1] = 20;
	f[2] = 7;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 3), 12);
	f[1] = 43;
	f[2] = 14;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 3), 7);
	f[2] = 13;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 3), -1);
	f[1] = 0x83;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 2), -1);
	f[1] = 0;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 2), -1);
	f[1] = 99;
	CU_ASSERT_EQUAL(mbmap_rtu_len(f, 2), -1);
}

static size_t frame(uint8_t *f, uint8_t addr, uint8_t fc, uint16_t a, uint16_t q)
{
	uint16_t crc;

	f[0] = addr;
	f[1] = fc;
	f[2] = (uint8_t)(a >> 8);
	f[3] = (uint8_t)a;
	f[4] = (uint8_t)(q >> 8);
	f[5] = (uint8_t)q;
	crc = mbmap_crc16(f, 6);
	f[6] = (uint8_t)crc;
	f[7] = (uint8_t)(crc >> 8);
	return 8;
}

static void test_rtu_scan(void)
{
	uint8_t buf[600];
	size_t n, len = 0;

	n = frame(buf, 32, 3, 40000, 10);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, n, &len), MBMAP_SCAN_FRAME);
	CU_ASSERT_EQUAL(len, 8);
	/* a frame followed by more: the frame alone */
	n += frame(buf + n, 32, 4, 46000, 1);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, n, &len), MBMAP_SCAN_FRAME);
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf + 8, n - 8, &len), MBMAP_SCAN_FRAME);
	/* every prefix waits for more */
	for (size_t i = 1; i < 8; i++)
		CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, i, &len), MBMAP_SCAN_MORE);
	/* a bad CRC, in either byte */
	buf[7] ^= 1;
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 8, &len), MBMAP_SCAN_BAD);
	buf[7] ^= 1;
	buf[6] ^= 0x80;
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 8, &len), MBMAP_SCAN_BAD);
	/* a changed byte inside the frame */
	frame(buf, 32, 3, 40000, 10);
	buf[3] ^= 4;
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 8, &len), MBMAP_SCAN_BAD);
	/* garbage: a function code that no request has, at once */
	memcpy(buf, "\xff\x00\x13\x37garbage", 11);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 11, &len), MBMAP_SCAN_BAD);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 2, &len), MBMAP_SCAN_BAD);
	/* an exception answer of another slave is not a request */
	buf[0] = 7;
	buf[1] = 0x83;
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 2, &len), MBMAP_SCAN_BAD);
	/* a write multiple is framed by its byte count */
	buf[0] = 32;
	buf[1] = 16;
	buf[2] = 0xB3;
	buf[3] = 0xB4;
	buf[4] = 0;
	buf[5] = 2;
	buf[6] = 4;
	buf[7] = 0;
	buf[8] = 1;
	buf[9] = 0;
	buf[10] = 1;
	uint16_t crc = mbmap_crc16(buf, 11);
	buf[11] = (uint8_t)crc;
	buf[12] = (uint8_t)(crc >> 8);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 6, &len), MBMAP_SCAN_MORE);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 12, &len), MBMAP_SCAN_MORE);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, 13, &len), MBMAP_SCAN_FRAME);
	CU_ASSERT_EQUAL(len, 13);
	/* a frame for someone else is still a frame; the address is the
	 * server's business */
	n = frame(buf, 7, 6, 1, 1);
	CU_ASSERT_EQUAL(mbmap_rtu_scan(buf, n, &len), MBMAP_SCAN_FRAME);
	/* noise: never a frame by chance at the start here, never a length
	 * beyond what was given */
	for (size_t i = 0; i < 300; i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (size_t i = 0; i + 1 < 300; i++) {
		enum mbmap_scan sc = mbmap_rtu_scan(buf + i, 300 - i, &len);

		if (sc == MBMAP_SCAN_FRAME)
			CU_ASSERT(len <= 300 - i);
		CU_ASSERT(sc != MBMAP_SCAN_FRAME);
	}
}

static void test_tcp_len(void)
{
	uint8_t h[12] = { 0x12, 0x34, 0, 0, 0, 6, 32, 3, 0x9C, 0x40, 0, 1 };

	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 12), 12);
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 11), 0);
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 3), 0);
	h[5] = 1; /* unit id alone, no function code */
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 12), -1);
	h[4] = 0;
	h[5] = 255; /* longer than a PDU can be */
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 12), -1);
	h[5] = 254;
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 12), 0);
	h[5] = 6;
	h[3] = 1; /* protocol id other than Modbus */
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 4), -1);
	CU_ASSERT_EQUAL(mbmap_tcp_len(h, 12), -1);
}

/* ---- the modbus section -------------------------------------------------- */

static struct cfg c;
static struct cfg_error e;

static int parse(const char *extra)
{
	return parse_plus(extra, &c, &e);
}

static void test_cfg_defaults(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(""), 0);
	CU_ASSERT_FALSE(c.modbus.write_enable);
	CU_ASSERT_STRING_EQUAL(c.modbus.manufacturer, "bmsd");
	CU_ASSERT_TRUE(c.modbus.rtu.enable);
	CU_ASSERT_STRING_EQUAL(c.modbus.rtu.port, "");
	CU_ASSERT_EQUAL(c.modbus.rtu.baud_bps, 9600);
	CU_ASSERT_EQUAL(c.modbus.rtu.parity, CFG_MODBUS_PARITY_NONE);
	CU_ASSERT_EQUAL(c.modbus.rtu.data_bits, 8);
	CU_ASSERT_EQUAL(c.modbus.rtu.stop_bits, 1);
	CU_ASSERT_EQUAL(c.modbus.rtu.address, 32);
	CU_ASSERT_EQUAL(c.modbus.rtu.rs485, CFG_MODBUS_RS485_AUTO);
	CU_ASSERT_EQUAL(c.modbus.rtu.turnaround_ms, 0);
	CU_ASSERT_FALSE(c.modbus.tcp.enable);
	CU_ASSERT_STRING_EQUAL(c.modbus.tcp.address, "0.0.0.0");
	CU_ASSERT_EQUAL(c.modbus.tcp.port, 502);
	CU_ASSERT_EQUAL(c.modbus.tcp.max_clients, 8);
	CU_ASSERT_EQUAL(c.modbus.byte_timeout_ms, 500);
	CU_ASSERT_EQUAL(c.modbus.idle_timeout_s, 120);
}

static void test_cfg_full(void)
{
	CU_ASSERT_EQUAL_FATAL(parse("modbus:\n"
					 "  write_enable: true\n"
					 "  manufacturer: Acme Storage\n"
					 "  rtu:\n"
					 "    port: /dev/ttyS1\n"
					 "    baud_bps: 19200\n"
					 "    parity: even\n"
					 "    stop_bits: 1\n"
					 "    address: 247\n"
					 "    rs485: on\n"
					 "    turnaround_ms: 5\n"
					 "  tcp:\n"
					 "    enable: true\n"
					 "    address: 127.0.0.1\n"
					 "    port: 1502\n"
					 "    max_clients: 32\n"
					 "  byte_timeout_ms: 100\n"
					 "  idle_timeout_s: 0\n"),
			      0);
	CU_ASSERT_TRUE(c.modbus.write_enable);
	CU_ASSERT_STRING_EQUAL(c.modbus.manufacturer, "Acme Storage");
	CU_ASSERT_STRING_EQUAL(c.modbus.rtu.port, "/dev/ttyS1");
	CU_ASSERT_EQUAL(c.modbus.rtu.baud_bps, 19200);
	CU_ASSERT_EQUAL(c.modbus.rtu.parity, CFG_MODBUS_PARITY_EVEN);
	CU_ASSERT_EQUAL(c.modbus.rtu.address, 247);
	CU_ASSERT_EQUAL(c.modbus.rtu.rs485, CFG_MODBUS_RS485_ON);
	CU_ASSERT_EQUAL(c.modbus.rtu.turnaround_ms, 5);
	CU_ASSERT_TRUE(c.modbus.tcp.enable);
	CU_ASSERT_STRING_EQUAL(c.modbus.tcp.address, "127.0.0.1");
	CU_ASSERT_EQUAL(c.modbus.tcp.port, 1502);
	CU_ASSERT_EQUAL(c.modbus.tcp.max_clients, 32);
	CU_ASSERT_EQUAL(c.modbus.idle_timeout_s, 0);
	/* a quoted empty port is the default spelled out */
	CU_ASSERT_EQUAL(parse("modbus:\n  rtu:\n    port: \"\"\n"), 0);
	CU_ASSERT_STRING_EQUAL(c.modbus.rtu.port, "");
}

static void cfg_bad(const char *extra, const char *want, int line)
{
	CU_ASSERT_EQUAL(parse(extra), -EINVAL);
	if (!strstr(e.msg, want))
		fprintf(stderr, "\n  message lacks '%s': %s\n", want, e.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
	CU_ASSERT_EQUAL(e.line, line);
}

static void test_cfg_errors(void)
{
	cfg_bad("modbus:\n  rtu:\n    port: ttyS1\n", "absolute path", 19);
	cfg_bad("modbus:\n  rtu:\n    baud_bps: 12345\n", "standard rate", 19);
	cfg_bad("modbus:\n  rtu:\n    baud_bps: 1000\n", "out of range", 19);
	cfg_bad("modbus:\n  rtu:\n    address: 0\n", "out of range", 19);
	cfg_bad("modbus:\n  rtu:\n    address: 248\n", "out of range", 19);
	cfg_bad("modbus:\n  rtu:\n    parity: mark\n", "none, even, odd", 19);
	cfg_bad("modbus:\n  rtu:\n    data_bits: 9\n", "out of range", 19);
	cfg_bad("modbus:\n  rtu:\n    rs485: yes\n", "auto, on, off", 19);
	cfg_bad("modbus:\n  tcp:\n    address: localhost\n", "IPv4", 19);
	cfg_bad("modbus:\n  tcp:\n    address: 0.1.2.3\n", "0.0.0.0", 19);
	cfg_bad("modbus:\n  tcp:\n    address: 10.0.0.256\n", "IPv4", 19);
	cfg_bad("modbus:\n  tcp:\n    port: 0\n", "out of range", 19);
	cfg_bad("modbus:\n  tcp:\n    max_clients: 0\n", "out of range", 19);
	cfg_bad("modbus:\n  tcp:\n    max_clients: 33\n", "out of range", 19);
	cfg_bad("modbus:\n  manufacturer: \"Acm\\xe9\"\n", "ASCII", 18);
	cfg_bad("modbus:\n  manufacturer: 0123456789012345678901234567890123\n", "too long", 18);
	cfg_bad("modbus:\n  byte_timeout_ms: 5\n", "out of range", 18);
	cfg_bad("modbus:\n  writes_enable: true\n", "write_enable", 18);
	cfg_bad("modbus:\n  rtu:\n    port: /dev/tty\x01S1\n", "control character", 19);
}

void cu_register(void)
{
	static const struct cu_test map[] = {
		CU_TEST(test_table_lengths), CU_TEST(test_chain_walk),
		CU_TEST(test_model1),        CU_TEST(test_model802_values),
		CU_TEST(test_model802_na),   CU_TEST(test_clamp),
		CU_TEST(test_model805),      CU_TEST(test_events),
		CU_TEST(test_vendor_block),  CU_TEST(test_vendor_na),
		CU_TEST(test_power_sf),      CU_END,
	};
	static const struct cu_test requests[] = {
		CU_TEST(test_read_requests), CU_TEST(test_writes_disabled),
		CU_TEST(test_write_rules),   CU_TEST(test_snapshot),
		CU_END,
	};
	static const struct cu_test framing[] = {
		CU_TEST(test_crc), CU_TEST(test_rtu_len), CU_TEST(test_rtu_scan),
		CU_TEST(test_tcp_len), CU_END,
	};
	static const struct cu_test config[] = {
		CU_TEST(test_cfg_defaults), CU_TEST(test_cfg_full), CU_TEST(test_cfg_errors),
		CU_END,
	};

	cu_add("mbmap", map);
	cu_add("mbmap requests", requests);
	cu_add("mbmap framing", framing);
	cu_add("modbus config", config);
}
