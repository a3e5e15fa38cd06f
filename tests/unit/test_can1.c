/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * can1: the inverter profiles, decoded with this file's own table of the
 * frames (written from the field's documentation, not from can1.c), the
 * schedule and the keep-alive watch.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cfg.h"
#include "cu.h"
#include "can1.h"
#include "fixture.h"

/* ---- the test's own decoding table -------------------------------------- */

struct field {
	uint16_t id;
	const char *name;
	uint8_t off, len; /* bytes */
	bool sgn;
};

/* Numbers of the battery-to-inverter frames: identifier, byte offset,
 * length, signedness. Scales are in the names: dV = 0.1 V, cV = 0.01 V,
 * dA = 0.1 A, dC = 0.1 degC. */
static const struct field ref[] = {
	{ 0x351, "cvl_dV", 0, 2, false },
	{ 0x351, "ccl_dA", 2, 2, true },
	{ 0x351, "dcl_dA", 4, 2, true },
	{ 0x351, "dvl_dV", 6, 2, false },
	{ 0x355, "soc_pct", 0, 2, false },
	{ 0x355, "soh_pct", 2, 2, false },
	{ 0x355, "soc_cpct", 4, 2, false },
	{ 0x356, "v_cV", 0, 2, true },
	{ 0x356, "i_dA", 2, 2, true },
	{ 0x356, "t_dC", 4, 2, true },
	{ 0x359, "module_count", 4, 1, false },
	{ 0x35F, "model", 0, 2, false },
	{ 0x35F, "firmware", 2, 2, false },
	{ 0x35F, "capacity_Ah", 4, 2, false },
	{ 0x372, "modules_ok", 0, 2, false },
	{ 0x372, "blocking_charge", 2, 2, false },
	{ 0x372, "blocking_discharge", 4, 2, false },
	{ 0x372, "offline", 6, 2, false },
	{ 0x373, "cell_min_mV", 0, 2, false },
	{ 0x373, "cell_max_mV", 2, 2, false },
	{ 0x373, "temp_min_K", 4, 2, false },
	{ 0x373, "temp_max_K", 6, 2, false },
	{ 0x379, "installed_Ah", 0, 2, false },
};

/* 0x35A: two bits per condition, 01 active, 10 OK; alarms in bytes 0..3,
 * warnings at the same places in bytes 4..7 */
static const struct {
	const char *name;
	uint8_t byte, shift;
} cond35a[] = {
	{ "general", 0, 0 },   { "high_v", 0, 2 },     { "low_v", 0, 4 },
	{ "high_t", 0, 6 },    { "low_t", 1, 0 },      { "high_t_chg", 1, 2 },
	{ "low_t_chg", 1, 4 }, { "dsg_oc", 1, 6 },     { "chg_oc", 2, 0 },
	{ "contactor", 2, 2 }, { "short", 2, 4 },      { "internal", 2, 6 },
	{ "imbalance", 3, 0 },
};

/* 0x359 (Pylon v1.2): protection bits in bytes 0..1, warnings in 2..3 */
static const struct {
	const char *name;
	uint8_t byte, bit;
} bits359[] = {
	{ "ov", 0, 1 }, { "uv", 0, 2 }, { "ot", 0, 3 }, { "ut", 0, 4 },
	{ "dsg_oc", 0, 7 }, { "chg_oc", 1, 0 }, { "internal", 1, 3 },
};

/* What each protection raises, as docs/can.md tells integrators: the 0x35A
 * condition and the 0x359 bit (NULL: none). */
static const struct {
	enum prot_id id;
	const char *c35a, *b359;
} expect_map[] = {
	{ PROT_CELL_OV, "high_v", "ov" },
	{ PROT_CELL_UV, "low_v", "uv" },
	{ PROT_PACK_OV, "high_v", "ov" },
	{ PROT_PACK_UV, "low_v", "uv" },
	{ PROT_CHG_OC, "chg_oc", "chg_oc" },
	{ PROT_DSG_OC, "dsg_oc", "dsg_oc" },
	{ PROT_CHG_OT, "high_t_chg", "ot" },
	{ PROT_CHG_UT, "low_t_chg", "ut" },
	{ PROT_DSG_OT, "high_t", "ot" },
	{ PROT_DSG_UT, "low_t", "ut" },
	{ PROT_CELL_SPREAD, "imbalance", NULL },
	{ PROT_LOGIC_OFFLINE, "internal", "internal" },
	{ PROT_SENSOR, "internal", "internal" },
	{ PROT_LINK_LOST, "internal", "internal" },
	{ PROT_EXT_OFFLINE, "general", NULL },
	{ PROT_FEEDBACK, "contactor", "internal" },
	{ PROT_HUMIDITY, "general", "internal" },
	{ PROT_DEEP_DISCHARGE, "low_v", "uv" },
	{ PROT_WELDED, "contactor", "internal" },
	{ PROT_PRECHARGE, "contactor", "internal" },
	{ PROT_HEATER, "internal", "internal" },
	{ PROT_EMERGENCY_STOP, "general", "internal" },
	{ PROT_INSULATION, "general", "internal" },
	{ PROT_MCU_TRIP, "general", "internal" },
};

static const struct field *ref_field(uint16_t id, const char *name)
{
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
		if (ref[i].id == id && !strcmp(ref[i].name, name))
			return &ref[i];
	return NULL;
}

/* The value of @name in @f; the field must lie within the DLC. */
static long get_be(const struct canio_frame *f, const char *name, bool big)
{
	const struct field *d = ref_field((uint16_t)f->id, name);
	unsigned long u = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FATAL(d->off + d->len <= f->len);
	for (unsigned int i = 0; i < d->len; i++) {
		unsigned int k = big ? i : d->len - 1u - i;

		u = u << 8 | f->data[d->off + k];
	}
	if (d->sgn && (u & (1ul << (8 * d->len - 1))))
		return (long)u - (long)(1ul << (8 * d->len));
	return (long)u;
}

static long get(const struct canio_frame *f, const char *name)
{
	return get_be(f, name, false);
}

static unsigned int cond_bits(const struct canio_frame *f, const char *name, bool warn)
{
	for (size_t i = 0; i < sizeof(cond35a) / sizeof(cond35a[0]); i++)
		if (!strcmp(cond35a[i].name, name))
			return (f->data[cond35a[i].byte + (warn ? 4 : 0)] >> cond35a[i].shift) & 3u;
	CU_FAIL("unknown 0x35A condition");
	return 9;
}

static bool bit359(const struct canio_frame *f, const char *name, bool warn)
{
	for (size_t i = 0; i < sizeof(bits359) / sizeof(bits359[0]); i++)
		if (!strcmp(bits359[i].name, name))
			return f->data[bits359[i].byte + (warn ? 2 : 0)] & (1u << bits359[i].bit);
	CU_FAIL("unknown 0x359 bit");
	return false;
}

/* ---- fixtures ------------------------------------------------------------ */

static struct cfg_can1 cfg_of(enum cfg_can1_profile p)
{
	struct cfg_can1 c;

	memset(&c, 0, sizeof(c));
	c.enable = true;
	snprintf(c.interface, sizeof(c.interface), "socketcan:can1");
	c.bitrate_bps = 500000;
	c.profile = p;
	c.keepalive_timeout_ms = 3000;
	return c;
}

/* A 16s LFP pack of 4 boards, 51.2 V, discharging 12.34 A, everything known. */
static void view_ok(struct view *v)
{
	memset(v, 0, sizeof(*v));
	v->gen = 1;
	v->configured = true;
	v->link_up = true;
	v->state = VIEW_ST_CONNECTED;
	v->pack_valid = true;
	v->pack_mV = 51200;
	v->current_valid = true;
	v->current_mA = -12340;
	v->cell_min_mV = 3190;
	v->cell_max_mV = 3215;
	v->cell_min_board = 2;
	v->cell_min_cell = 7;
	v->cell_max_board = 4;
	v->cell_max_cell = 16;
	v->temp_valid = true;
	v->temp_min_dC = -100;
	v->temp_max_dC = 250;
	v->temp_mean_dC = 123;
	v->temp_min_board = 3;
	v->temp_max_board = 1;
	v->ext_temp_dC[0] = 215;
	v->ext_temp_dC[1] = BP_TEMP_DC_NA;
	v->soc_valid = true;
	v->soc_dpct = 555;
	v->soh_valid = true;
	v->soh_dpct = 987;
	v->capacity_mAh = 100000;
	v->limits_valid = true;
	v->cvl_mV = 56000;
	v->ccl_mA = 100000;
	v->dcl_mA = 150000;
	v->dvl_mV = 44800;
	v->charge_allowed = v->discharge_allowed = true;
	v->boards = 4;
	v->online_mask = 0xF;
	v->board[2].ntemps = 4;
	v->board[2].temp_dC[0] = 10;
	v->board[2].temp_dC[1] = -100;
	v->board[0].ntemps = 4;
	v->board[0].temp_dC[3] = 250;
	snprintf(v->version, sizeof(v->version), "1.2.3");
}

static int enc(const struct can1 *x, uint16_t id, const struct view *v, struct canio_frame *f)
{
	int rc = can1_encode(x, id, v, f);

	if (rc == 1) {
		CU_ASSERT_EQUAL(f->id, id);
		CU_ASSERT_FALSE(f->ext);
		CU_ASSERT_FALSE(f->rtr);
		CU_ASSERT(f->len <= 8);
	}
	return rc;
}

static bool has_id(const struct can1 *x, uint16_t id)
{
	for (unsigned int i = 0; i < x->nframes; i++)
		if (x->ids[i] == id)
			return true;
	return false;
}

static void expect_ids(const struct can1 *x, const uint16_t *ids, unsigned int n)
{
	CU_ASSERT_EQUAL(x->nframes, n);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_TRUE(has_id(x, ids[i]));
}

/* ---- frame sets ---------------------------------------------------------- */

static void test_frame_sets(void)
{
	static const uint16_t pylon[] = { 0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E };
	static const uint16_t victron[] = { 0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F, 0x370,
					    0x371, 0x372, 0x373, 0x374, 0x375, 0x376, 0x377,
					    0x379 };
	static const uint16_t sma[] = { 0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F };
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct can1 x;

	can1_init(&x, &c, 0);
	expect_ids(&x, pylon, 6);
	CU_ASSERT_EQUAL(x.period_ms, 1000);
	CU_ASSERT_STRING_EQUAL(can1_profile_name(x.profile), "pylon");
	c = cfg_of(CFG_CAN1_VICTRON);
	can1_init(&x, &c, 0);
	expect_ids(&x, victron, 15);
	CU_ASSERT_EQUAL(x.period_ms, 1000);
	c = cfg_of(CFG_CAN1_SMA);
	can1_init(&x, &c, 0);
	expect_ids(&x, sma, 6);
	CU_ASSERT_EQUAL(x.period_ms, 100);
	CU_ASSERT_STRING_EQUAL(can1_profile_name(x.profile), "sma");
	CU_ASSERT_STRING_EQUAL(can1_profile_name((enum cfg_can1_profile)7), "?");
	for (unsigned int i = 1; i < x.nframes; i++)
		CU_ASSERT(x.ids[i - 1] < x.ids[i]);

	/* the period override */
	c.period_ms = 250;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL(x.period_ms, 250);
}

static void test_alarm_frame_quirk(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct can1 x;

	c.alarm_frame = CFG_CAN1_ALARMS_BOTH;
	can1_init(&x, &c, 0);
	CU_ASSERT_TRUE(has_id(&x, 0x359));
	CU_ASSERT_TRUE(has_id(&x, 0x35A));
	CU_ASSERT_EQUAL(x.nframes, 7);
	c.alarm_frame = CFG_CAN1_ALARMS_35A;
	can1_init(&x, &c, 0);
	CU_ASSERT_FALSE(has_id(&x, 0x359));
	CU_ASSERT_TRUE(has_id(&x, 0x35A));
	c = cfg_of(CFG_CAN1_VICTRON);
	c.alarm_frame = CFG_CAN1_ALARMS_359;
	can1_init(&x, &c, 0);
	CU_ASSERT_TRUE(has_id(&x, 0x359));
	CU_ASSERT_FALSE(has_id(&x, 0x35A));
	c.alarm_frame = CFG_CAN1_ALARMS_BOTH;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL(x.nframes, CAN1_MAX_FRAMES);
}

static void test_unknown_id(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL(enc(&x, 0x370, &v, &f), -1);
	CU_ASSERT_EQUAL(enc(&x, 0x35A, &v, &f), -1);
	CU_ASSERT_EQUAL(enc(&x, 0x305, &v, &f), -1);
	CU_ASSERT_EQUAL(enc(&x, 0x35C, &v, &f), 1);
}

/* ---- values ------------------------------------------------------------- */

static void test_pylon_values(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 6);
	CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 560);
	CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 1000);
	CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 1500);

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 4);
	CU_ASSERT_EQUAL(get(&f, "soc_pct"), 56); /* 55.5 % */
	CU_ASSERT_EQUAL(get(&f, "soh_pct"), 99); /* 98.7 % */

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 6);
	CU_ASSERT_EQUAL(get(&f, "v_cV"), 5120);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), -123); /* -12.34 A, negative = discharging */
	CU_ASSERT_EQUAL(get(&f, "t_dC"), 123);

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35C, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 2);
	CU_ASSERT_EQUAL(f.data[0], 0xC0);
	CU_ASSERT_EQUAL(f.data[1], 0);

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(memcmp(f.data, "PYLON   ", 8), 0);

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x359, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 7);
	CU_ASSERT_EQUAL(f.data[0] | f.data[1] | f.data[2] | f.data[3], 0);
	CU_ASSERT_EQUAL(get(&f, "module_count"), 1);
	CU_ASSERT_EQUAL(f.data[5], 'P');
	CU_ASSERT_EQUAL(f.data[6], 'N');
}

/* A real Pylontech trace: 53.2 V, 480.0 A, 480.0 A, 45.0 V. */
static void test_pylon_trace(void)
{
	static const uint8_t trace[8] = { 0x14, 0x02, 0xC0, 0x12, 0xC0, 0x12, 0xC2, 0x01 };
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	v.cvl_mV = 53200;
	v.ccl_mA = v.dcl_mA = 480000;
	v.dvl_mV = 45000;
	c.limits_dlc = 8;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(memcmp(f.data, trace, 8), 0);
}

static void test_rounding(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_SMA);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	/* limits round toward safety: CVL and currents down, DVL up */
	v.cvl_mV = 56099;
	v.ccl_mA = 100099;
	v.dcl_mA = 99;
	v.dvl_mV = 44801;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 560);
	CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 1000);
	CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 0);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 449);
	v.dvl_mV = 44800;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 448);

	/* measurements round to the nearest, halves away from zero */
	v.current_mA = -12350;
	v.pack_mV = 51205;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), -124);
	CU_ASSERT_EQUAL(get(&f, "v_cV"), 5121);
	v.current_mA = 12349;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), 123);
	v.current_mA = 50;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), 1);
	v.current_mA = -49;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), 0);

	v.soc_dpct = 994;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "soc_pct"), 99);
	CU_ASSERT_EQUAL(get(&f, "soc_cpct"), 9940);
	v.soc_dpct = 1000;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "soc_pct"), 100);
	CU_ASSERT_EQUAL(get(&f, "soc_cpct"), 10000);
	v.soc_dpct = 0;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "soc_pct"), 0);
}

static void test_saturation(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_SMA);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	v.pack_mV = 400000;      /* beyond 327.67 V */
	v.current_mA = 4000000;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "v_cV"), 32767);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), 32767);
	v.current_mA = -4000000;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "i_dA"), -32767);
	v.ccl_mA = 5000000;
	v.dcl_mA = UINT32_MAX;
	v.cvl_mV = 7000000;
	v.dvl_mV = UINT32_MAX;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 32767); /* never negative */
	CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 32767);
	CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 65535);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 65535);
	v.soc_dpct = 1200;  /* a broken SOC never exceeds 100 % */
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "soc_pct"), 100);
	CU_ASSERT_EQUAL(get(&f, "soc_cpct"), 10000);
}

/* ---- what is not known ---------------------------------------------------- */

static void test_limits_not_valid(void)
{
	static const enum cfg_can1_profile prof[] = { CFG_CAN1_PYLON, CFG_CAN1_VICTRON,
						       CFG_CAN1_SMA };
	struct canio_frame f;
	struct can1 x;
	struct view v;

	for (unsigned int p = 0; p < 3; p++) {
		struct cfg_can1 c = cfg_of(prof[p]);

		c.limits_dlc = 8;
		can1_init(&x, &c, 0);
		view_ok(&v);
		v.limits_valid = false; /* the figures left in the view are stale */
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
		CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 0);
		CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 0);
		CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 512); /* the pack as it is */
		CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 512);
		v.pack_mV = 51234;
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
		CU_ASSERT_EQUAL(get(&f, "cvl_dV"), 512);
		CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 513);
		v.pack_valid = false;
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
		for (unsigned int i = 0; i < 8; i++)
			CU_ASSERT_EQUAL(f.data[i], 0);
	}

	/* pylon's request flags: neither enable */
	{
		struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);

		can1_init(&x, &c, 0);
		view_ok(&v);
		v.limits_valid = false;
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35C, &v, &f), 1);
		CU_ASSERT_EQUAL(f.data[0], 0);
		view_ok(&v);
		v.charge_allowed = false;
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35C, &v, &f), 1);
		CU_ASSERT_EQUAL(f.data[0], 0x40);
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
		CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 0);
		CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 1500);
		view_ok(&v);
		v.discharge_allowed = false;
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35C, &v, &f), 1);
		CU_ASSERT_EQUAL(f.data[0], 0x80);
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
		CU_ASSERT_EQUAL(get(&f, "ccl_dA"), 1000);
		CU_ASSERT_EQUAL(get(&f, "dcl_dA"), 0);
	}
	/* victron: every module blocks both ways */
	{
		struct cfg_can1 c = cfg_of(CFG_CAN1_VICTRON);

		can1_init(&x, &c, 0);
		view_ok(&v);
		v.limits_valid = false;
		CU_ASSERT_EQUAL_FATAL(enc(&x, 0x372, &v, &f), 1);
		CU_ASSERT_EQUAL(get(&f, "blocking_charge"), 4);
		CU_ASSERT_EQUAL(get(&f, "blocking_discharge"), 4);
	}
}

static void test_not_available(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_VICTRON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	can1_init(&x, &c, 0);
	view_ok(&v);
	v.soc_valid = false;
	CU_ASSERT_EQUAL(enc(&x, 0x355, &v, &f), 0);
	view_ok(&v);
	v.soh_valid = false;
	CU_ASSERT_EQUAL(enc(&x, 0x355, &v, &f), 0);
	view_ok(&v);
	v.current_valid = false;
	CU_ASSERT_EQUAL(enc(&x, 0x356, &v, &f), 0);
	view_ok(&v);
	v.pack_valid = false;
	CU_ASSERT_EQUAL(enc(&x, 0x356, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x373, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x374, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x375, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x376, &v, &f), 1);
	view_ok(&v);
	v.temp_valid = false;
	CU_ASSERT_EQUAL(enc(&x, 0x356, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x373, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x376, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x377, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x374, &v, &f), 1);
	view_ok(&v);
	v.capacity_mAh = 0;
	CU_ASSERT_EQUAL(enc(&x, 0x35F, &v, &f), 0);
	CU_ASSERT_EQUAL(enc(&x, 0x379, &v, &f), 0);
	/* frames that are always known */
	memset(&v, 0, sizeof(v));
	CU_ASSERT_EQUAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(enc(&x, 0x35A, &v, &f), 1);
	CU_ASSERT_EQUAL(enc(&x, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(enc(&x, 0x370, &v, &f), 1);
	CU_ASSERT_EQUAL(enc(&x, 0x371, &v, &f), 1);
	CU_ASSERT_EQUAL(enc(&x, 0x372, &v, &f), 1);
}

static void test_temperature_source(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	c.temperature = CFG_CAN1_T_CELLS_MAX;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "t_dC"), 250);
	c.temperature = CFG_CAN1_T_CELLS_MIN;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "t_dC"), -100);
	c.temperature = CFG_CAN1_T_NTC1;
	can1_init(&x, &c, 0);
	v.temp_valid = false; /* no cell sensors: NTC 1 still serves */
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "t_dC"), 215);
	c.temperature = CFG_CAN1_T_NTC2;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL(enc(&x, 0x356, &v, &f), 0);
	v.ext_temp_dC[1] = -55;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "t_dC"), -55);
	/* a mean that the view marks NA is not sent */
	c.temperature = CFG_CAN1_T_CELLS_MEAN;
	can1_init(&x, &c, 0);
	v.temp_valid = true;
	v.temp_mean_dC = BP_TEMP_DC_NA;
	CU_ASSERT_EQUAL(enc(&x, 0x356, &v, &f), 0);
}

/* ---- quirks --------------------------------------------------------------- */

static void test_byte_order(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_SMA);
	struct canio_frame f, g;
	struct can1 x, y;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	c.byte_order = CFG_CAN1_BIG;
	can1_init(&y, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&y, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(f.data[0], 0x02); /* 560 = 0x0230, high byte first */
	CU_ASSERT_EQUAL(f.data[1], 0x30);
	CU_ASSERT_EQUAL(get_be(&f, "cvl_dV", true), 560);
	CU_ASSERT_EQUAL(get_be(&f, "ccl_dA", true), 1000);
	CU_ASSERT_EQUAL(get_be(&f, "dcl_dA", true), 1500);
	CU_ASSERT_EQUAL(get_be(&f, "dvl_dV", true), 448);
	CU_ASSERT_EQUAL_FATAL(enc(&y, 0x356, &v, &f), 1);
	CU_ASSERT_EQUAL(get_be(&f, "i_dA", true), -123);
	CU_ASSERT_EQUAL(get_be(&f, "v_cV", true), 5120);
	CU_ASSERT_EQUAL_FATAL(enc(&y, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(get_be(&f, "soc_cpct", true), 5550);
	CU_ASSERT_EQUAL_FATAL(enc(&y, 0x35F, &v, &f), 1);
	CU_ASSERT_EQUAL(get_be(&f, "capacity_Ah", true), 100);
	/* bit fields and text are the same either way */
	v.prot_state[PROT_CELL_OV] = PROT_ST_ACTIVE;
	v.prot_tier[PROT_CELL_OV] = PROT_TIER_ALARM;
	CU_ASSERT_EQUAL_FATAL(enc(&y, 0x35A, &v, &f), 1);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35A, &v, &g), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, g.data, 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&y, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "BMSD    ", 8), 0);
}

static void test_dlc_variants(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_SMA);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(get(&f, "dvl_dV"), 448);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 6);
	CU_ASSERT_EQUAL(get(&f, "soc_cpct"), 5550);
	c.limits_dlc = 6;
	c.soc_dlc = 4;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 6);
	CU_ASSERT_EQUAL(f.data[6] | f.data[7], 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 4);
	CU_ASSERT_EQUAL(f.data[4] | f.data[5], 0);

	c = cfg_of(CFG_CAN1_PYLON);
	c.soc_dlc = 6;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 6);
	c = cfg_of(CFG_CAN1_VICTRON);
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x351, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x355, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 4);
	/* a value the schema would refuse falls back to the profile's */
	c.limits_dlc = 7;
	c.soc_dlc = 5;
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL(x.limits_dlc, 8);
	CU_ASSERT_EQUAL(x.soc_dlc, 4);
}

static void test_names(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_VICTRON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "BMSD    ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x370, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(memcmp(f.data, "bmsd    ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x371, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "        ", 8), 0);

	snprintf(c.manufacturer, sizeof(c.manufacturer), "ACME");
	memcpy(c.product, "Cabinet 48V-200A", 17); /* the longest: 16 */
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "ACME    ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x370, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "Cabinet ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x371, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "48V-200A", 8), 0);
	snprintf(c.manufacturer, sizeof(c.manufacturer), "12345678");
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "12345678", 8), 0);
	/* victron identifies PYLON and caps the charge voltage: a setting */
	c = cfg_of(CFG_CAN1_PYLON);
	snprintf(c.manufacturer, sizeof(c.manufacturer), "BMSD");
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35E, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "BMSD    ", 8), 0);
}

static void test_victron_detail(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_VICTRON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	v.online_mask = 0xB | 0x100; /* board 3 offline; a board beyond the pack */
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x372, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "modules_ok"), 3);
	CU_ASSERT_EQUAL(get(&f, "offline"), 1);
	CU_ASSERT_EQUAL(get(&f, "blocking_charge"), 0);
	CU_ASSERT_EQUAL(get(&f, "blocking_discharge"), 0);
	v.charge_allowed = false;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x372, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "blocking_charge"), 4);
	CU_ASSERT_EQUAL(get(&f, "blocking_discharge"), 0);

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x373, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "cell_min_mV"), 3190);
	CU_ASSERT_EQUAL(get(&f, "cell_max_mV"), 3215);
	CU_ASSERT_EQUAL(get(&f, "temp_min_K"), 263); /* -10.0 degC */
	CU_ASSERT_EQUAL(get(&f, "temp_max_K"), 298); /* 25.0 degC = 298.15 K */

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x374, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "B2C7    ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x375, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "B4C16   ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x376, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "B3T2    ", 8), 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x377, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "B1T4    ", 8), 0);
	v.temp_max_board = 2; /* no sensor of board 2 holds it: the board alone */
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x377, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, "B2      ", 8), 0);

	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x379, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 2);
	CU_ASSERT_EQUAL(get(&f, "installed_Ah"), 100);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35F, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(get(&f, "model"), 0);
	CU_ASSERT_EQUAL(get(&f, "firmware"), 0x0102);
	CU_ASSERT_EQUAL(get(&f, "capacity_Ah"), 100);
	v.capacity_mAh = 99999999; /* 99999 Ah does not fit: saturated */
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x379, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "installed_Ah"), 65535);
	v.boards = 32;
	v.online_mask = 0xFFFFFFFF;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x372, &v, &f), 1);
	CU_ASSERT_EQUAL(get(&f, "modules_ok"), 32);
	CU_ASSERT_EQUAL(get(&f, "offline"), 0);
}

/* ---- alarms ----------------------------------------------------------------- */

static void test_alarms_all_ok(void)
{
	static const uint8_t ok35a[8] = { 0xAA, 0xAA, 0xAA, 0x02, 0xAA, 0xAA, 0xAA, 0x02 };
	struct cfg_can1 c = cfg_of(CFG_CAN1_SMA);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35A, &v, &f), 1);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT_EQUAL(memcmp(f.data, ok35a, 8), 0);
	/* setting (delay running) is not yet active */
	for (unsigned int p = 0; p < PROT_COUNT; p++) {
		v.prot_state[p] = PROT_ST_SETTING;
		v.prot_tier[p] = PROT_TIER_CRITICAL;
	}
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35A, &v, &f), 1);
	CU_ASSERT_EQUAL(memcmp(f.data, ok35a, 8), 0);
}

static void test_prot_level(void)
{
	struct view v;

	memset(&v, 0, sizeof(v));
	v.prot_tier[PROT_CHG_OC] = PROT_TIER_WARNING;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 0);
	v.prot_state[PROT_CHG_OC] = PROT_ST_SETTING;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 0);
	v.prot_state[PROT_CHG_OC] = PROT_ST_ACTIVE;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 1);
	v.prot_state[PROT_CHG_OC] = PROT_ST_CLEARING;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 1);
	v.prot_state[PROT_CHG_OC] = PROT_ST_LATCHED;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 1);
	v.prot_tier[PROT_CHG_OC] = PROT_TIER_ALARM;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 2);
	v.prot_tier[PROT_CHG_OC] = PROT_TIER_CRITICAL;
	CU_ASSERT_EQUAL(can1_prot_level(&v, PROT_CHG_OC), 2);
	CU_ASSERT_EQUAL(can1_prot_level(&v, (enum prot_id)PROT_COUNT), 0);
	CU_ASSERT_EQUAL(can1_prot_pylon_bit((enum prot_id)PROT_COUNT), -1);
	CU_ASSERT_EQUAL(can1_prot_cond((enum prot_id)PROT_COUNT), CAN1_C_GENERAL);
}

/* Each protection alone, as an alarm and as a warning: exactly its own
 * condition (and general) in 0x35A, its own bit in 0x359. */
static void test_alarm_mapping(void)
{
	static const uint8_t tiers[] = { PROT_TIER_WARNING, PROT_TIER_ALARM, PROT_TIER_CRITICAL };
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct canio_frame f, g;
	struct can1 x;
	struct view v;

	CU_ASSERT_EQUAL_FATAL(sizeof(expect_map) / sizeof(expect_map[0]), PROT_COUNT);
	c.alarm_frame = CFG_CAN1_ALARMS_BOTH;
	can1_init(&x, &c, 0);
	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		for (unsigned int t = 0; t < 3; t++) {
			bool warn = tiers[t] == PROT_TIER_WARNING;

			view_ok(&v);
			v.prot_state[expect_map[i].id] = t == 2 ? PROT_ST_LATCHED : PROT_ST_ACTIVE;
			v.prot_tier[expect_map[i].id] = tiers[t];
			CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35A, &v, &f), 1);
			CU_ASSERT_EQUAL_FATAL(enc(&x, 0x359, &v, &g), 1);
			for (size_t k = 0; k < sizeof(cond35a) / sizeof(cond35a[0]); k++) {
				const char *n = cond35a[k].name;
				bool mine = !strcmp(n, expect_map[i].c35a) ||
					    !strcmp(n, "general");
				unsigned int a = cond_bits(&f, n, false);
				unsigned int w = cond_bits(&f, n, true);

				if (a != (mine && !warn ? 1u : 2u) || w != (mine && warn ? 1u : 2u))
					fprintf(stderr, "\n%u tier %u: 0x35A %s: %u %u\n",
						(unsigned int)expect_map[i].id, t, n, a, w);
				CU_ASSERT_EQUAL(a, mine && !warn ? 1u : 2u);
				CU_ASSERT_EQUAL(w, mine && warn ? 1u : 2u);
			}
			CU_ASSERT_EQUAL(f.data[3] & 0xFC, 0);
			CU_ASSERT_EQUAL(f.data[7] & 0xFC, 0);
			for (size_t k = 0; k < sizeof(bits359) / sizeof(bits359[0]); k++) {
				const char *n = bits359[k].name;
				bool mine = expect_map[i].b359 && !strcmp(n, expect_map[i].b359);

				CU_ASSERT_EQUAL(bit359(&g, n, false), mine && !warn);
				CU_ASSERT_EQUAL(bit359(&g, n, true), mine && warn);
			}
			/* nothing outside the documented bits */
			CU_ASSERT_EQUAL(g.data[0] & 0x61, 0);
			CU_ASSERT_EQUAL(g.data[1] & 0xF6, 0);
			CU_ASSERT_EQUAL(g.data[2] & 0x61, 0);
			CU_ASSERT_EQUAL(g.data[3] & 0xF6, 0);
		}
	}
}

/* Alarms and warnings are independent: an alarm and a warning of one
 * condition at once show both. */
static void test_alarm_and_warning(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_VICTRON);
	struct canio_frame f;
	struct can1 x;
	struct view v;

	view_ok(&v);
	can1_init(&x, &c, 0);
	v.prot_state[PROT_CELL_OV] = PROT_ST_ACTIVE;
	v.prot_tier[PROT_CELL_OV] = PROT_TIER_ALARM;
	v.prot_state[PROT_PACK_OV] = PROT_ST_CLEARING;
	v.prot_tier[PROT_PACK_OV] = PROT_TIER_WARNING;
	v.prot_state[PROT_CHG_UT] = PROT_ST_ACTIVE;
	v.prot_tier[PROT_CHG_UT] = PROT_TIER_WARNING;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35A, &v, &f), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "high_v", false), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "high_v", true), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "low_t_chg", false), 2);
	CU_ASSERT_EQUAL(cond_bits(&f, "low_t_chg", true), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "general", false), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "general", true), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "low_v", false), 2);
	CU_ASSERT_EQUAL(cond_bits(&f, "low_v", true), 2);
	/* the warnings alone */
	v.prot_state[PROT_CELL_OV] = PROT_ST_CLEAR;
	CU_ASSERT_EQUAL_FATAL(enc(&x, 0x35A, &v, &f), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "general", false), 2);
	CU_ASSERT_EQUAL(cond_bits(&f, "general", true), 1);
	CU_ASSERT_EQUAL(cond_bits(&f, "high_v", false), 2);
	CU_ASSERT_EQUAL(cond_bits(&f, "high_v", true), 1);
}

/* ---- schedule ---------------------------------------------------------------- */

static void run_schedule(enum cfg_can1_profile p, uint32_t period, unsigned int periods)
{
	struct cfg_can1 c = cfg_of(p);
	struct canio_frame f;
	uint64_t last[0x800];
	unsigned int count[0x800], max_tick = 0, total = 0;
	struct can1 x;
	struct view v;

	memset(last, 0, sizeof(last));
	memset(count, 0, sizeof(count));
	view_ok(&v);
	c.period_ms = period;
	can1_init(&x, &c, 5000);
	for (uint64_t t = 5000; t < 5000 + (uint64_t)periods * x.period_ms; t += 10) {
		unsigned int n = 0;

		while (can1_next(&x, &v, t, &f) == 1) {
			if (count[f.id])
				CU_ASSERT(t - last[f.id] >= x.period_ms - 10 &&
					  t - last[f.id] <= x.period_ms + 10);
			last[f.id] = t;
			count[f.id]++;
			n++;
		}
		if (n > max_tick)
			max_tick = n;
		total += n;
	}
	/* the last slots of the last period may fall after its last tick */
	for (unsigned int i = 0; i < x.nframes; i++)
		CU_ASSERT(count[x.ids[i]] == periods ||
			  (count[x.ids[i]] == periods - 1 && x.period_ms / x.nframes < 10));
	CU_ASSERT(total <= periods * x.nframes && total + x.nframes > periods * x.nframes);
	/* spread: one tick never carries a burst */
	CU_ASSERT(max_tick <= (x.nframes * 10 + x.period_ms - 1) / x.period_ms + 1);
	CU_ASSERT(max_tick <= 2);
	CU_ASSERT_EQUAL(x.omitted, 0);
}

static void test_schedule_spread(void)
{
	run_schedule(CFG_CAN1_PYLON, 0, 5);
	run_schedule(CFG_CAN1_SMA, 0, 30);
	run_schedule(CFG_CAN1_VICTRON, 0, 4);
	run_schedule(CFG_CAN1_VICTRON, 100, 20);
}

static void test_schedule_late(void)
{
	struct can1_sched s;
	unsigned int seen[4] = { 0 };
	int i;

	can1_sched_init(&s, 4, 1000, 0);
	CU_ASSERT_EQUAL(s.due_ms[0], 0);
	CU_ASSERT_EQUAL(s.due_ms[1], 250);
	CU_ASSERT_EQUAL(s.due_ms[3], 750);
	CU_ASSERT_EQUAL(can1_sched_next(&s, 0), 0);
	CU_ASSERT_EQUAL(can1_sched_next(&s, 0), -1);
	CU_ASSERT_EQUAL(can1_sched_next(&s, 249), -1);
	CU_ASSERT_EQUAL(can1_sched_next(&s, 250), 1);
	/* the loop stalls 3.6 s: each frame goes once, most overdue first,
	 * and keeps its phase */
	while ((i = can1_sched_next(&s, 3850)) >= 0)
		seen[i]++;
	CU_ASSERT_EQUAL(seen[0] + seen[1] + seen[2] + seen[3], 4);
	for (unsigned int k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(seen[k], 1);
	CU_ASSERT_EQUAL(s.due_ms[0], 4000);
	CU_ASSERT_EQUAL(s.due_ms[1], 4250);
	CU_ASSERT_EQUAL(s.due_ms[2], 4500);
	CU_ASSERT_EQUAL(s.due_ms[3], 3750 + 1000);
	/* bus-off: the due frames are dropped, none is kept for later */
	CU_ASSERT_EQUAL(can1_sched_skip(&s, 4400), 2);
	CU_ASSERT_EQUAL(can1_sched_skip(&s, 4400), 0);
	CU_ASSERT_EQUAL(can1_sched_next(&s, 4500), 2);
	/* limits */
	can1_sched_init(&s, 40, 0, 7);
	CU_ASSERT_EQUAL(s.n, CAN1_MAX_FRAMES);
	CU_ASSERT_EQUAL(s.period_ms, 1);
	can1_sched_init(&s, 0, 100, 7);
	CU_ASSERT_EQUAL(can1_sched_next(&s, 1000), -1);
}

/* Each frame is encoded when it is sent: a change of the view between two
 * cycles is in the very next frame. */
static void test_encoded_at_send_time(void)
{
	struct cfg_can1 c = cfg_of(CFG_CAN1_PYLON);
	struct canio_frame f;
	struct can1 x;
	struct view v;
	uint64_t t;

	view_ok(&v);
	can1_init(&x, &c, 0);
	for (t = 0; t < 1000; t += 10)
		while (can1_next(&x, &v, t, &f) == 1)
			;
	v.current_mA = 2500;
	for (; t < 2000; t += 10)
		while (can1_next(&x, &v, t, &f) == 1)
			if (f.id == 0x356)
				CU_ASSERT_EQUAL(get(&f, "i_dA"), 25);
	/* frames left out are counted, and taken off the schedule */
	v.soc_valid = false;
	v.current_valid = false;
	for (; t < 3000; t += 10)
		while (can1_next(&x, &v, t, &f) == 1) {
			CU_ASSERT_NOT_EQUAL(f.id, 0x355);
			CU_ASSERT_NOT_EQUAL(f.id, 0x356);
		}
	CU_ASSERT_EQUAL(x.omitted, 2);
}

/* ---- keep-alive ------------------------------------------------------------- */

static struct canio_frame ka_frame(uint32_t id, uint8_t len)
{
	struct canio_frame f;

	memset(&f, 0, sizeof(f));
	f.id = id;
	f.len = len;
	return f;
}

static void test_keepalive(void)
{
	struct canio_frame f = ka_frame(0x305, 8);
	struct can1_ka k;

	can1_ka_init(&k, true, 3000, 1000);
	CU_ASSERT_EQUAL(can1_ka_state(&k), 1);
	CU_ASSERT_FALSE(k.seen);
	/* a peer that never speaks is lost one timeout after the start */
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 4000), CAN1_KA_NONE);
	CU_ASSERT_EQUAL(can1_ka_state(&k), 1);
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 4001), CAN1_KA_LOST);
	CU_ASSERT_EQUAL(can1_ka_state(&k), 0);
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 4011), CAN1_KA_NONE); /* once */
	CU_ASSERT_EQUAL(k.losses, 1);
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 5000), CAN1_KA_BACK);
	CU_ASSERT_EQUAL(can1_ka_state(&k), 1);
	CU_ASSERT_TRUE(k.seen);
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 6000), CAN1_KA_NONE);
	/* the timeout runs from the last one */
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 9000), CAN1_KA_NONE);
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 9001), CAN1_KA_LOST);
	CU_ASSERT_EQUAL(k.losses, 2);
	CU_ASSERT_EQUAL(k.frames, 2);
	/* a clock that goes back never makes a loss */
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 10000), CAN1_KA_BACK);
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 500), CAN1_KA_NONE);
	CU_ASSERT_EQUAL(can1_ka_state(&k), 1);
}

static void test_keepalive_frames(void)
{
	struct canio_frame f;
	struct can1_ka k;

	can1_ka_init(&k, true, 100, 0);
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 101), CAN1_KA_LOST);
	f = ka_frame(0x306, 8); /* SMA's other frame is not the keep-alive */
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 150), CAN1_KA_NONE);
	f = ka_frame(0x305, 8);
	f.ext = true;            /* a 29-bit 0x305 is another frame */
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 150), CAN1_KA_NONE);
	f = ka_frame(0x305, 0);
	f.rtr = true;
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 150), CAN1_KA_NONE);
	CU_ASSERT_EQUAL(k.frames, 0);
	CU_ASSERT_EQUAL(can1_ka_state(&k), 0);
	f = ka_frame(0x305, 0); /* any length counts */
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 160), CAN1_KA_BACK);
	CU_ASSERT_EQUAL(k.frames, 1);
}

static void test_keepalive_unwatched(void)
{
	struct canio_frame f = ka_frame(0x305, 8);
	struct can1_ka k;

	can1_ka_init(&k, false, 100, 0);
	CU_ASSERT_EQUAL(can1_ka_state(&k), -1);
	CU_ASSERT_EQUAL(can1_ka_tick(&k, 1000), CAN1_KA_NONE);
	CU_ASSERT_EQUAL(can1_ka_state(&k), -1);
	CU_ASSERT_EQUAL(can1_ka_rx(&k, &f, 1100), CAN1_KA_NONE);
	CU_ASSERT_EQUAL(k.frames, 1); /* still counted for the stats */
}


/* ---- the can1 and can2 sections of bmsd.yaml -------------------------------- */

static void expect_bad(const char *extra, int line, const char *sub)
{
	static struct cfg c;
	struct cfg_error e;
	int rc = parse_plus(extra, &c, &e);

	if (rc != -EINVAL || e.line != line || !strstr(e.msg, sub))
		fprintf(stderr, "\nexpected line %d '%s', got rc %d %d:%d '%s'\n", line, sub, rc,
			e.line, e.col, e.msg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, line);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, sub));
}

static void test_cfg_defaults(void)
{
	static struct cfg c;
	struct cfg_error e;

	CU_ASSERT_EQUAL_FATAL(parse_plus("", &c, &e), 0);
	CU_ASSERT_FALSE(c.can1.enable);
	CU_ASSERT_STRING_EQUAL(c.can1.interface, "socketcan:can1");
	CU_ASSERT_EQUAL(c.can1.bitrate_bps, 500000);
	CU_ASSERT_EQUAL(c.can1.profile, CFG_CAN1_PYLON);
	CU_ASSERT_STRING_EQUAL(c.can1.manufacturer, "");
	CU_ASSERT_STRING_EQUAL(c.can1.product, "");
	CU_ASSERT_EQUAL(c.can1.byte_order, CFG_CAN1_LITTLE);
	CU_ASSERT_EQUAL(c.can1.limits_dlc, 0);
	CU_ASSERT_EQUAL(c.can1.soc_dlc, 0);
	CU_ASSERT_EQUAL(c.can1.alarm_frame, CFG_CAN1_ALARMS_AUTO);
	CU_ASSERT_EQUAL(c.can1.temperature, CFG_CAN1_T_CELLS_MEAN);
	CU_ASSERT_EQUAL(c.can1.period_ms, 0);
	CU_ASSERT_FALSE(c.can1.keepalive_watch);
	CU_ASSERT_EQUAL(c.can1.keepalive_timeout_ms, 3000);
	CU_ASSERT_FALSE(c.can2.enable);
	CU_ASSERT_STRING_EQUAL(c.can2.interface, "socketcan:can2");
	CU_ASSERT_EQUAL(c.can2.bitrate_bps, 500000);
	CU_ASSERT_EQUAL(c.can2.base_id, 0x400);
	CU_ASSERT_EQUAL(c.can2.period_ms, 100);
}

static void test_cfg_full(void)
{
	static struct cfg c;
	struct cfg_error e;
	struct can1 x;
	int rc;

	rc = parse_plus("can1:\n"
			"  enable: true\n"
			"  interface: slcan:/dev/ttyACM1\n"
			"  bitrate_bps: 250000\n"
			"  profile: sma\n"
			"  manufacturer: ACME-BAT\n"
			"  product: \"Cabinet 48V 200A\"\n"
			"  byte_order: big\n"
			"  limits_dlc: 6\n"
			"  soc_dlc: 4\n"
			"  alarm_frame: both\n"
			"  temperature: ntc2\n"
			"  period_ms: 200\n"
			"  keepalive_watch: true\n"
			"  keepalive_timeout_ms: 5000\n"
			"can2:\n"
			"  enable: true\n"
			"  interface: socketcan:can2\n"
			"  bitrate_bps: 0\n"
			"  base_id: 2040\n"
			"  period_ms: 20\n", &c, &e);
	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_TRUE(c.can1.enable);
	CU_ASSERT_STRING_EQUAL(c.can1.interface, "slcan:/dev/ttyACM1");
	CU_ASSERT_EQUAL(c.can1.bitrate_bps, 250000);
	CU_ASSERT_EQUAL(c.can1.profile, CFG_CAN1_SMA);
	CU_ASSERT_STRING_EQUAL(c.can1.manufacturer, "ACME-BAT");
	CU_ASSERT_STRING_EQUAL(c.can1.product, "Cabinet 48V 200A");
	CU_ASSERT_EQUAL(c.can1.byte_order, CFG_CAN1_BIG);
	CU_ASSERT_EQUAL(c.can1.limits_dlc, 6);
	CU_ASSERT_EQUAL(c.can1.soc_dlc, 4);
	CU_ASSERT_EQUAL(c.can1.alarm_frame, CFG_CAN1_ALARMS_BOTH);
	CU_ASSERT_EQUAL(c.can1.temperature, CFG_CAN1_T_NTC2);
	CU_ASSERT_EQUAL(c.can1.period_ms, 200);
	CU_ASSERT_TRUE(c.can1.keepalive_watch);
	CU_ASSERT_EQUAL(c.can1.keepalive_timeout_ms, 5000);
	CU_ASSERT_TRUE(c.can2.enable);
	CU_ASSERT_EQUAL(c.can2.bitrate_bps, 0);
	CU_ASSERT_EQUAL(c.can2.base_id, 2040);
	CU_ASSERT_EQUAL(c.can2.period_ms, 20);
	/* and the encoder takes it as it is */
	can1_init(&x, &c.can1, 0);
	CU_ASSERT_EQUAL(x.period_ms, 200);
	CU_ASSERT_EQUAL(x.limits_dlc, 6);
	CU_ASSERT_EQUAL(x.soc_dlc, 4);
	CU_ASSERT_TRUE(x.big_endian);
	CU_ASSERT_TRUE(has_id(&x, 0x359));
	CU_ASSERT_STRING_EQUAL(x.manufacturer, "ACME-BAT");

	rc = parse_plus("can1:\n  manufacturer: \"\"\n  alarm_frame: 0x35a\n"
			"  limits_dlc: 8\n  soc_dlc: auto\n  profile: victron\n", &c, &e);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(c.can1.manufacturer, "");
	CU_ASSERT_EQUAL(c.can1.alarm_frame, CFG_CAN1_ALARMS_35A);
	CU_ASSERT_EQUAL(c.can1.limits_dlc, 8);
	CU_ASSERT_EQUAL(c.can1.soc_dlc, 0);
	CU_ASSERT_EQUAL(c.can1.profile, CFG_CAN1_VICTRON);
}

static void test_cfg_errors(void)
{
	expect_bad("can1:\n  interface: can1\n", 18, "expected socketcan:IFACE or slcan:PATH");
	expect_bad("can1:\n  interface: slcan:ttyUSB0\n", 18, "absolute path");
	expect_bad("can1:\n  interface: socketcan:a/b\n", 18, "no '/'");
	expect_bad("can1:\n  interface: socketcan:abcdefghijklmnop\n", 18, "1 to 15");
	expect_bad("can1:\n  bitrate_bps: 5000\n", 18, "10000..1000000");
	expect_bad("can1:\n  bitrate_bps: 2000000\n", 18, "out of range");
	expect_bad("can1:\n  profile: pylom\n", 18, "did you mean 'pylon'");
	expect_bad("can1:\n  profile: goodwe\n", 18, "pylon, victron, sma");
	expect_bad("can1:\n  manufacturer: ABCDEFGHI\n", 18, "too long");
	expect_bad("can1:\n  manufacturer: \"\xc3\xa9t\xc3\xa9\"\n", 18, "ASCII");
	expect_bad("can1:\n  product: 12345678901234567\n", 18, "too long");
	expect_bad("can1:\n  byte_order: middle\n", 18, "little, big");
	expect_bad("can1:\n  limits_dlc: 7\n", 18, "auto, 6, 8");
	expect_bad("can1:\n  soc_dlc: 8\n", 18, "auto, 4, 6");
	expect_bad("can1:\n  alarm_frame: 0x35b\n", 18, "expected one of");
	expect_bad("can1:\n  temperature: ntc3\n", 18, "expected one of");
	expect_bad("can1:\n  period_ms: 50\n", 18, "0 (the profile's cycle time) or 100..10000");
	expect_bad("can1:\n  period_ms: 10001\n", 18, "out of range");
	expect_bad("can1:\n  keepalive_timeout_ms: 99\n", 18, "out of range");
	expect_bad("can1:\n  keepalive_watch: yes\n", 18, "true or false");
	expect_bad("can1:\n  keepalive: true\n", 18, "keepalive");
	expect_bad("can2:\n  base_id: 2041\n", 18, "out of range 0..2040");
	expect_bad("can2:\n  base_id: 0x400\n", 18, "decimal");
	expect_bad("can2:\n  period_ms: 19\n", 18, "out of range");
	expect_bad("can2:\n  profile: pylon\n", 18, "profile");
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_frame_sets),
		CU_TEST(test_alarm_frame_quirk),
		CU_TEST(test_unknown_id),
		CU_TEST(test_pylon_values),
		CU_TEST(test_pylon_trace),
		CU_TEST(test_rounding),
		CU_TEST(test_saturation),
		CU_TEST(test_limits_not_valid),
		CU_TEST(test_not_available),
		CU_TEST(test_temperature_source),
		CU_TEST(test_byte_order),
		CU_TEST(test_dlc_variants),
		CU_TEST(test_names),
		CU_TEST(test_victron_detail),
		CU_TEST(test_alarms_all_ok),
		CU_TEST(test_prot_level),
		CU_TEST(test_alarm_mapping),
		CU_TEST(test_alarm_and_warning),
		CU_TEST(test_schedule_spread),
		CU_TEST(test_schedule_late),
		CU_TEST(test_encoded_at_send_time),
		CU_TEST(test_keepalive),
		CU_TEST(test_keepalive_frames),
		CU_TEST(test_keepalive_unwatched),
		CU_END,
	};

	static const struct cu_test cfg_tests[] = {
		CU_TEST(test_cfg_defaults),
		CU_TEST(test_cfg_full),
		CU_TEST(test_cfg_errors),
		CU_END,
	};

	cu_add("can1", tests);
	cu_add("can1-cfg", cfg_tests);
}
