/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <string.h>

#include "cu.h"
#include "proto/bp.h"
#include "proto/crc.h"

/* ---- helpers ------------------------------------------------------------ */

static uint32_t rng_state = 0x12345678u;

static uint32_t rnd(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

static struct bp_msg msg(enum bp_type t)
{
	struct bp_msg m;

	memset(&m, 0, sizeof(m));
	m.type = t;
	return m;
}

static struct bp_frame frame(uint16_t id, const uint8_t *d)
{
	struct bp_frame f = { .id = id, .len = 8 };

	if (d)
		memcpy(f.data, d, 8);
	return f;
}

/* Field-wise equality (padding in the union makes memcmp meaningless). */
static int msg_eq(const struct bp_msg *a, const struct bp_msg *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case BP_T_HEARTBEAT:
		return a->u.hb.ctr == b->u.hb.ctr && a->u.hb.daemon_state == b->u.hb.daemon_state &&
		       a->u.hb.cfg_crc == b->u.hb.cfg_crc;
	case BP_T_OUTPUT_CMD:
		return a->u.out.ctr == b->u.out.ctr && a->u.out.relays == b->u.out.relays &&
		       a->u.out.dos == b->u.out.dos && a->u.out.flags == b->u.out.flags;
	case BP_T_BAL_CMD:
		return a->u.bal.ctr == b->u.bal.ctr && a->u.bal.board == b->u.bal.board &&
		       a->u.bal.mask == b->u.bal.mask;
	case BP_T_CFG_DATA:
		return a->u.cfgd.seq == b->u.cfgd.seq &&
		       !memcmp(a->u.cfgd.bytes, b->u.cfgd.bytes, BP_CFG_DATA_BYTES);
	case BP_T_CFG_COMMIT:
		return a->u.cfgc.len == b->u.cfgc.len && a->u.cfgc.crc == b->u.cfgc.crc;
	case BP_T_STATUS:
		return a->u.status.ctr == b->u.status.ctr &&
		       a->u.status.safety == b->u.status.safety &&
		       a->u.status.cfg_state == b->u.status.cfg_state &&
		       a->u.status.trip == b->u.status.trip &&
		       a->u.status.cfg_crc == b->u.status.cfg_crc;
	case BP_T_CURRENT:
		return a->u.cur.ctr == b->u.cur.ctr && a->u.cur.flags == b->u.cur.flags &&
		       a->u.cur.mA[0] == b->u.cur.mA[0] && a->u.cur.mA[1] == b->u.cur.mA[1];
	case BP_T_CHARGE_IN:
	case BP_T_CHARGE_OUT:
		return a->u.chg.ctr == b->u.chg.ctr && a->u.chg.mAs == b->u.chg.mAs;
	case BP_T_IO:
		return a->u.io.ctr == b->u.io.ctr && a->u.io.relay_out == b->u.io.relay_out &&
		       a->u.io.relay_cmd == b->u.io.relay_cmd && a->u.io.di == b->u.io.di &&
		       a->u.io.di_raw == b->u.io.di_raw && a->u.io.dos == b->u.io.dos &&
		       a->u.io.faults == b->u.io.faults && a->u.io.supply_mV == b->u.io.supply_mV;
	case BP_T_EXT:
		return a->u.ext.ctr == b->u.ext.ctr &&
		       a->u.ext.ntc_state[0] == b->u.ext.ntc_state[0] &&
		       a->u.ext.ntc_state[1] == b->u.ext.ntc_state[1] &&
		       a->u.ext.hum_state == b->u.ext.hum_state &&
		       a->u.ext.t_dC[0] == b->u.ext.t_dC[0] && a->u.ext.t_dC[1] == b->u.ext.t_dC[1] &&
		       a->u.ext.rh_dpct == b->u.ext.rh_dpct;
	case BP_T_LOGIC:
		return a->u.logic.ctr == b->u.logic.ctr && a->u.logic.online == b->u.logic.online &&
		       a->u.logic.boards == b->u.logic.boards &&
		       a->u.logic.crc_errors == b->u.logic.crc_errors &&
		       a->u.logic.timeouts == b->u.logic.timeouts;
	case BP_T_CAL:
		return a->u.cal.ctr == b->u.cal.ctr && a->u.cal.sensor == b->u.cal.sensor &&
		       a->u.cal.zero_uV == b->u.cal.zero_uV;
	case BP_T_VERSION:
		return a->u.ver.ctr == b->u.ver.ctr && a->u.ver.proto == b->u.ver.proto &&
		       a->u.ver.fw_major == b->u.ver.fw_major &&
		       a->u.ver.fw_minor == b->u.ver.fw_minor &&
		       a->u.ver.fw_patch == b->u.ver.fw_patch && a->u.ver.hw == b->u.ver.hw &&
		       a->u.ver.uptime_s == b->u.ver.uptime_s;
	case BP_T_CELLS:
		return a->u.cells.cycle == b->u.cells.cycle && a->u.cells.board == b->u.cells.board &&
		       a->u.cells.group == b->u.cells.group &&
		       !memcmp(a->u.cells.mV, b->u.cells.mV, sizeof(a->u.cells.mV));
	case BP_T_TEMPS:
		return a->u.temps.cycle == b->u.temps.cycle && a->u.temps.board == b->u.temps.board &&
		       a->u.temps.group == b->u.temps.group &&
		       !memcmp(a->u.temps.dC, b->u.temps.dC, sizeof(a->u.temps.dC));
	case BP_T_BSTATUS:
		return a->u.bst.cycle == b->u.bst.cycle && a->u.bst.board == b->u.bst.board &&
		       a->u.bst.flags == b->u.bst.flags && a->u.bst.bal_mask == b->u.bst.bal_mask &&
		       a->u.bst.ntc_fault == b->u.bst.ntc_fault &&
		       a->u.bst.ncells == b->u.bst.ncells && a->u.bst.ntemps == b->u.bst.ntemps;
	case BP_T_CYCLE_END:
		return a->u.end.cycle == b->u.end.cycle && a->u.end.nframes == b->u.end.nframes &&
		       a->u.end.time_ms == b->u.end.time_ms;
	default:
		return 0;
	}
}

/* A plausible message of each type. */
static struct bp_msg sample(enum bp_type t)
{
	struct bp_msg m = msg(t);

	switch (t) {
	case BP_T_HEARTBEAT:
		m.u.hb = (struct bp_heartbeat){ 17, 1, 0xDEADBEEFu };
		break;
	case BP_T_OUTPUT_CMD:
		m.u.out = (struct bp_output_cmd){ 3, 0x5, 0xA, BP_CMD_TRIP_RESET };
		break;
	case BP_T_BAL_CMD:
		m.u.bal = (struct bp_bal_cmd){ 9, 7, 0xA5A5A5u };
		break;
	case BP_T_CFG_DATA:
		m.u.cfgd.seq = 15;
		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES; i++)
			m.u.cfgd.bytes[i] = (uint8_t)(0x11 * (i + 1));
		break;
	case BP_T_CFG_COMMIT:
		m.u.cfgc = (struct bp_cfg_commit){ 114, 0x01020304u };
		break;
	case BP_T_STATUS:
		m.u.status = (struct bp_status){ 200, BP_SAFETY_ARMED, BP_CFG_ACTIVE,
						 BP_TRIP_HEARTBEAT | BP_TRIP_CFG_CHANGED,
						 0xCAFEF00Du };
		break;
	case BP_T_CURRENT:
		m.u.cur.ctr = 44;
		m.u.cur.flags = BP_CUR_S1_VALID | BP_CUR_S2_VALID;
		m.u.cur.mA[0] = -123456;
		m.u.cur.mA[1] = 654321;
		break;
	case BP_T_CHARGE_IN:
	case BP_T_CHARGE_OUT:
		m.u.chg.ctr = 5;
		m.u.chg.mAs = UINT64_C(0x123456789ABC);
		break;
	case BP_T_IO:
		m.u.io = (struct bp_io){ 1, 0x3, 0x7, 0x9, 0x8, 0xC, 0x0123, 24123 };
		break;
	case BP_T_EXT:
		m.u.ext.ctr = 2;
		m.u.ext.ntc_state[0] = BP_SENSOR_OK;
		m.u.ext.ntc_state[1] = BP_SENSOR_OPEN;
		m.u.ext.hum_state = BP_SENSOR_SHORT;
		m.u.ext.t_dC[0] = 253;
		m.u.ext.t_dC[1] = BP_TEMP_DC_NA;
		m.u.ext.rh_dpct = 455;
		break;
	case BP_T_LOGIC:
		m.u.logic = (struct bp_logic){ 77, 0x0000FFFFu, 16, 3, 250 };
		break;
	case BP_T_CAL:
		m.u.cal = (struct bp_cal){ 8, 1, -2500 };
		break;
	case BP_T_VERSION:
		m.u.ver = (struct bp_version){ 9, BP_PROTO_VERSION, 0, 1, 2, 0x7F, 3600 };
		break;
	case BP_T_CELLS:
		m.u.cells = (struct bp_cells){ 42, 13, 4, { 3301, 3302, 3303, BP_CELL_MV_NA } };
		break;
	case BP_T_TEMPS:
		m.u.temps = (struct bp_temps){ 42, 13, 1, { 251, -105, 0, BP_TEMP_DC_NA } };
		break;
	case BP_T_BSTATUS:
		m.u.bst = (struct bp_bstatus){ 42, 13, BP_BOARD_ONLINE | BP_BOARD_FRESH, 0x000F00u,
					       0x02, 16, 4 };
		break;
	case BP_T_CYCLE_END:
		m.u.end = (struct bp_cycle_end){ 42, 289, UINT64_C(86400000) };
		break;
	default:
		break;
	}
	return m;
}

/* Encode, check the frame's shape, decode, compare. */
static void round_trip(const struct bp_msg *in, struct bp_frame *fo)
{
	struct bp_frame f;
	struct bp_msg out;

	memset(&f, 0xAA, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(bp_encode(in, &f), BP_OK);
	CU_ASSERT_EQUAL(f.len, 8);
	CU_ASSERT(f.id <= 0x7FF);
	memset(&out, 0x55, sizeof(out));
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &out), BP_OK);
	CU_ASSERT(msg_eq(in, &out));
	if (fo)
		*fo = f;
}

static void expect_einval(const struct bp_msg *m)
{
	struct bp_frame f, before;

	memset(&f, 0x5A, sizeof(f));
	before = f;
	CU_ASSERT_EQUAL(bp_encode(m, &f), BP_EINVAL);
	/* a refused message leaves the frame alone */
	CU_ASSERT(!memcmp(&f, &before, sizeof(f)));
}

static int decode_bytes(uint16_t id, const uint8_t *d)
{
	struct bp_frame f = frame(id, d);
	struct bp_msg m;

	return bp_decode(&f, &m);
}

/* ---- codec: every type -------------------------------------------------- */

static void test_round_trip_all_types(void)
{
	static const uint16_t ids[BP_T_COUNT] = {
		[BP_T_HEARTBEAT] = 0x050, [BP_T_OUTPUT_CMD] = 0x051, [BP_T_BAL_CMD] = 0x052,
		[BP_T_CFG_DATA] = 0x058,  [BP_T_CFG_COMMIT] = 0x059, [BP_T_STATUS] = 0x100,
		[BP_T_CURRENT] = 0x101,   [BP_T_CHARGE_IN] = 0x102,  [BP_T_CHARGE_OUT] = 0x103,
		[BP_T_IO] = 0x104,        [BP_T_EXT] = 0x105,        [BP_T_LOGIC] = 0x106,
		[BP_T_CAL] = 0x107,       [BP_T_VERSION] = 0x10F,
		/* board 13: 0x200 + 13 * 8 = 0x268 */
		[BP_T_CELLS] = 0x268 + 4, [BP_T_TEMPS] = 0x268 + 7,  [BP_T_BSTATUS] = 0x30D,
		[BP_T_CYCLE_END] = 0x320,
	};

	for (int t = BP_T_HEARTBEAT; t < BP_T_COUNT; t++) {
		struct bp_msg m = sample((enum bp_type)t);
		struct bp_frame f;

		round_trip(&m, &f);
		CU_ASSERT_EQUAL(f.id, ids[t]);
	}
}

static void test_encode_zeroes_unused(void)
{
	struct bp_msg m = sample(BP_T_HEARTBEAT);
	struct bp_frame f;

	memset(&f, 0xFF, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT_EQUAL(f.data[6], 0);
	CU_ASSERT_EQUAL(f.data[7], 0);

	m = sample(BP_T_OUTPUT_CMD);
	memset(&f, 0xFF, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	for (int i = 4; i < 8; i++)
		CU_ASSERT_EQUAL(f.data[i], 0);

	m = sample(BP_T_CAL);
	memset(&f, 0xFF, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT_EQUAL(f.data[6] | f.data[7], 0);
}

static void test_encode_bad_type(void)
{
	struct bp_msg m = msg(BP_T_NONE);

	expect_einval(&m);
	m.type = BP_T_COUNT;
	expect_einval(&m);
	m.type = (enum bp_type)200;
	expect_einval(&m);
}

static void test_wire_layout_bytes(void)
{
	/* STATUS: byte-exact layout, little-endian */
	struct bp_msg m = msg(BP_T_STATUS);
	struct bp_frame f;
	static const uint8_t st[8] = { 0x10, 0x32, 0x41, 0x00, 0x78, 0x56, 0x34, 0x12 };
	static const uint8_t cur[8] = { 0x01, 0x05, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80 };
	static const uint8_t end[8] = { 0x07, 0x21, 0x01, 0x05, 0x04, 0x03, 0x02, 0x01 };

	m.u.status = (struct bp_status){ 0x10, BP_SAFETY_TRIPPED, BP_CFG_REJECTED, 0x0041,
					 0x12345678u };
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT(!memcmp(f.data, st, 8));

	/* CURRENT: -1 mA is FF FF FF, NA is 00 00 80 */
	m = msg(BP_T_CURRENT);
	m.u.cur.ctr = 1;
	m.u.cur.flags = 5;
	m.u.cur.mA[0] = -1;
	m.u.cur.mA[1] = BP_CURRENT_MA_NA;
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT(!memcmp(f.data, cur, 8));

	/* CYCLE_END: u16 then u40 */
	m = msg(BP_T_CYCLE_END);
	m.u.end = (struct bp_cycle_end){ 7, 0x0121, UINT64_C(0x0102030405) };
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT(!memcmp(f.data, end, 8));
}

/* ---- codec: limits per type --------------------------------------------- */

static void test_heartbeat_limits(void)
{
	struct bp_msg m = sample(BP_T_HEARTBEAT);
	uint8_t d[8] = { 0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0 };

	m.u.hb.ctr = 255;
	m.u.hb.daemon_state = 2;
	m.u.hb.cfg_crc = 0xFFFFFFFFu;
	round_trip(&m, NULL);
	m.u.hb.daemon_state = 0;
	m.u.hb.cfg_crc = 0;
	round_trip(&m, NULL);
	m.u.hb.daemon_state = 3;
	expect_einval(&m);

	CU_ASSERT_EQUAL(decode_bytes(0x050, d), BP_OK);
	d[1] = 3;
	CU_ASSERT_EQUAL(decode_bytes(0x050, d), BP_ERANGE);
	d[1] = 0;
	d[6] = 1;
	CU_ASSERT_EQUAL(decode_bytes(0x050, d), BP_ERANGE);
	d[6] = 0;
	d[7] = 0x80;
	CU_ASSERT_EQUAL(decode_bytes(0x050, d), BP_ERANGE);
}

static void test_output_cmd_limits(void)
{
	struct bp_msg m = msg(BP_T_OUTPUT_CMD);
	uint8_t d[8] = { 0xFF, 0x0F, 0x0F, 0x07, 0, 0, 0, 0 };

	m.u.out = (struct bp_output_cmd){ 255, 0x0F, 0x0F, 0x07 };
	round_trip(&m, NULL);
	m.u.out.relays = 0x10;
	expect_einval(&m);
	m.u.out.relays = 0x0F;
	m.u.out.dos = 0x80;
	expect_einval(&m);
	m.u.out.dos = 0;
	m.u.out.flags = 0x08;
	expect_einval(&m);

	CU_ASSERT_EQUAL(decode_bytes(0x051, d), BP_OK);
	for (int byte = 1; byte < 8; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t e[8];
			int legal = (byte == 1 || byte == 2) ? bit < 4 : byte == 3 ? bit < 3 : 0;

			memcpy(e, d, 8);
			e[byte] = (uint8_t)(e[byte] | 1u << bit);
			CU_ASSERT_EQUAL(decode_bytes(0x051, e), legal ? BP_OK : BP_ERANGE);
		}
	}
}

static void test_bal_cmd_limits(void)
{
	struct bp_msg m = msg(BP_T_BAL_CMD);
	struct bp_frame f;
	uint8_t d[8] = { 0, 31, 0xFF, 0xFF, 0xFF, 0, 0, 0 };

	m.u.bal = (struct bp_bal_cmd){ 0, 31, 0xFFFFFFu };
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, BP_ID_BAL_CMD);
	m.u.bal.board = 0;
	m.u.bal.mask = 0;
	round_trip(&m, NULL);
	m.u.bal.board = 32;
	expect_einval(&m);
	m.u.bal.board = 0;
	m.u.bal.mask = 0x1000000u;
	expect_einval(&m);

	CU_ASSERT_EQUAL(decode_bytes(0x052, d), BP_OK);
	d[1] = 32;
	CU_ASSERT_EQUAL(decode_bytes(0x052, d), BP_ERANGE);
	d[1] = 0;
	for (int i = 5; i < 8; i++) {
		d[i] = 1;
		CU_ASSERT_EQUAL(decode_bytes(0x052, d), BP_ERANGE);
		d[i] = 0;
	}
}

static void test_cfg_frames_limits(void)
{
	struct bp_msg m = msg(BP_T_CFG_DATA);
	uint8_t d[8] = { 63, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	m.u.cfgd.seq = 63;
	memset(m.u.cfgd.bytes, 0xFF, sizeof(m.u.cfgd.bytes));
	round_trip(&m, NULL);
	m.u.cfgd.seq = 0;
	memset(m.u.cfgd.bytes, 0, sizeof(m.u.cfgd.bytes));
	round_trip(&m, NULL);
	m.u.cfgd.seq = 64;
	expect_einval(&m);
	CU_ASSERT_EQUAL(decode_bytes(0x058, d), BP_OK);
	d[0] = 64;
	CU_ASSERT_EQUAL(decode_bytes(0x058, d), BP_ERANGE);
	d[0] = 255;
	CU_ASSERT_EQUAL(decode_bytes(0x058, d), BP_ERANGE);

	m = msg(BP_T_CFG_COMMIT);
	m.u.cfgc = (struct bp_cfg_commit){ 1, 0 };
	round_trip(&m, NULL);
	m.u.cfgc = (struct bp_cfg_commit){ BP_CFG_BLOB_MAX, 0xFFFFFFFFu };
	round_trip(&m, NULL);
	m.u.cfgc.len = 0;
	expect_einval(&m);
	m.u.cfgc.len = BP_CFG_BLOB_MAX + 1;
	expect_einval(&m);

	uint8_t c[8] = { 0xC0, 0x01, 1, 2, 3, 4, 0, 0 }; /* 448 */
	CU_ASSERT_EQUAL(decode_bytes(0x059, c), BP_OK);
	c[0] = 0xC1; /* 449 */
	CU_ASSERT_EQUAL(decode_bytes(0x059, c), BP_ERANGE);
	c[0] = 0;
	c[1] = 0; /* 0 */
	CU_ASSERT_EQUAL(decode_bytes(0x059, c), BP_ERANGE);
	c[0] = 1;
	c[7] = 1;
	CU_ASSERT_EQUAL(decode_bytes(0x059, c), BP_ERANGE);
	c[7] = 0;
	c[6] = 0x10;
	CU_ASSERT_EQUAL(decode_bytes(0x059, c), BP_ERANGE);
}

static void test_status_limits(void)
{
	struct bp_msg m = msg(BP_T_STATUS);
	uint8_t d[8] = { 0 };

	m.u.status = (struct bp_status){ 255, BP_SAFETY_TRIPPED, BP_CFG_REJECTED, 0xFFFF,
					 0xFFFFFFFFu };
	round_trip(&m, NULL);
	m.u.status = (struct bp_status){ 0, BP_SAFETY_LOCKED, BP_CFG_NONE, 0, 0 };
	round_trip(&m, NULL);
	m.u.status.safety = 3;
	expect_einval(&m);
	m.u.status.safety = 0;
	m.u.status.cfg_state = 4;
	expect_einval(&m);

	for (int s = 0; s < 16; s++)
		for (int c = 0; c < 16; c++) {
			d[1] = (uint8_t)(s | c << 4);
			CU_ASSERT_EQUAL(decode_bytes(0x100, d), (s <= 2 && c <= 3) ? BP_OK : BP_ERANGE);
		}
}

static void test_current_limits(void)
{
	struct bp_msg m = msg(BP_T_CURRENT), out;
	struct bp_frame f;
	uint8_t d[8] = { 0, 0x7F, 0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x80 };

	m.u.cur.flags = 0x7F;
	m.u.cur.mA[0] = BP_CURRENT_MA_MAX;
	m.u.cur.mA[1] = BP_CURRENT_MA_MIN;
	round_trip(&m, &f);
	CU_ASSERT(!memcmp(f.data, d, 8));
	m.u.cur.mA[0] = BP_CURRENT_MA_NA;
	m.u.cur.mA[1] = 0;
	round_trip(&m, NULL);
	m.u.cur.mA[0] = -1;
	m.u.cur.mA[1] = 1;
	round_trip(&m, NULL);
	m.u.cur.mA[0] = BP_CURRENT_MA_MAX + 1;
	expect_einval(&m);
	m.u.cur.mA[0] = 0;
	m.u.cur.mA[1] = BP_CURRENT_MA_NA - 1;
	expect_einval(&m);
	m.u.cur.mA[1] = INT32_MIN;
	expect_einval(&m);
	m.u.cur.mA[1] = 0;
	m.u.cur.flags = 0x80;
	expect_einval(&m);

	/* the NA code is legal on the wire */
	f = frame(0x101, (const uint8_t[8]){ 0, 0, 0, 0, 0x80, 0, 0, 0x80 });
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &out), BP_OK);
	CU_ASSERT_EQUAL(out.u.cur.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(out.u.cur.mA[1], BP_CURRENT_MA_NA);
	d[1] = 0x80;
	CU_ASSERT_EQUAL(decode_bytes(0x101, d), BP_ERANGE);
}

static void test_charge_limits(void)
{
	struct bp_msg m = msg(BP_T_CHARGE_IN);
	struct bp_frame f;

	m.u.chg.ctr = 255;
	m.u.chg.mAs = BP_CHARGE_MAX;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, BP_ID_CHARGE_IN);
	for (int i = 1; i < 8; i++)
		CU_ASSERT_EQUAL(f.data[i], 0xFF);
	m.type = BP_T_CHARGE_OUT;
	m.u.chg.mAs = 0;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, BP_ID_CHARGE_OUT);
	m.u.chg.mAs = 1;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.data[1], 1);
	m.u.chg.mAs = BP_CHARGE_MAX + 1;
	expect_einval(&m);
	m.u.chg.mAs = UINT64_MAX;
	expect_einval(&m);
}

static void test_io_limits(void)
{
	struct bp_msg m = msg(BP_T_IO);
	uint8_t d[8] = { 0, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF };
	uint8_t *fields[] = { &m.u.io.relay_out, &m.u.io.relay_cmd, &m.u.io.di, &m.u.io.di_raw,
			      &m.u.io.dos };

	m.u.io = (struct bp_io){ 255, 0xF, 0xF, 0xF, 0xF, 0xF, 0xFFFF, 0xFFFF };
	round_trip(&m, NULL);
	m.u.io = (struct bp_io){ 0, 0x1, 0x8, 0x2, 0x4, 0x0, 0, 0 };
	round_trip(&m, NULL);
	for (unsigned int i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		m.u.io = (struct bp_io){ 0 };
		*fields[i] = 0x10;
		expect_einval(&m);
	}
	CU_ASSERT_EQUAL(decode_bytes(0x104, d), BP_OK);
	d[3] = 0x1F;
	CU_ASSERT_EQUAL(decode_bytes(0x104, d), BP_ERANGE);
	d[3] = 0x80;
	CU_ASSERT_EQUAL(decode_bytes(0x104, d), BP_ERANGE);
}

static void test_ext_limits(void)
{
	struct bp_msg m = msg(BP_T_EXT);
	uint8_t d[8] = { 0, 0x3F, 0, 0, 0, 0, 0xE8, 0x03 }; /* rh 1000 */

	m.u.ext.ntc_state[0] = 3;
	m.u.ext.ntc_state[1] = 3;
	m.u.ext.hum_state = 3;
	m.u.ext.t_dC[0] = INT16_MIN;
	m.u.ext.t_dC[1] = INT16_MAX;
	m.u.ext.rh_dpct = 0xFFFF;
	round_trip(&m, NULL);
	m.u.ext.rh_dpct = 1000;
	m.u.ext.t_dC[0] = BP_TEMP_DC_NA;
	m.u.ext.t_dC[1] = -1;
	round_trip(&m, NULL);
	m.u.ext.rh_dpct = 0;
	round_trip(&m, NULL);
	m.u.ext.rh_dpct = 1001;
	expect_einval(&m);
	m.u.ext.rh_dpct = 0xFFFE;
	expect_einval(&m);
	m.u.ext.rh_dpct = 0;
	m.u.ext.hum_state = 4;
	expect_einval(&m);
	m.u.ext.hum_state = 0;
	m.u.ext.ntc_state[1] = 4;
	expect_einval(&m);

	/* each 2-bit state lands in its own field */
	for (int s = 0; s < 4; s++) {
		struct bp_msg o;
		struct bp_frame f;

		d[1] = (uint8_t)(s | (3 - s) << 2 | s << 4);
		f = frame(0x105, d);
		CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &o), BP_OK);
		CU_ASSERT_EQUAL(o.u.ext.ntc_state[0], s);
		CU_ASSERT_EQUAL(o.u.ext.ntc_state[1], 3 - s);
		CU_ASSERT_EQUAL(o.u.ext.hum_state, s);
	}
	d[1] = 0x40;
	CU_ASSERT_EQUAL(decode_bytes(0x105, d), BP_ERANGE);
	d[1] = 0x80;
	CU_ASSERT_EQUAL(decode_bytes(0x105, d), BP_ERANGE);
	d[1] = 0;
	d[6] = 0xE9; /* 1001 */
	CU_ASSERT_EQUAL(decode_bytes(0x105, d), BP_ERANGE);
	d[6] = 0xFF;
	d[7] = 0xFF;
	CU_ASSERT_EQUAL(decode_bytes(0x105, d), BP_OK);
	d[6] = 0xFE;
	CU_ASSERT_EQUAL(decode_bytes(0x105, d), BP_ERANGE);
}

static void test_logic_cal_version_limits(void)
{
	struct bp_msg m = msg(BP_T_LOGIC);
	uint8_t d[8] = { 0 };

	m.u.logic = (struct bp_logic){ 255, 0xFFFFFFFFu, 32, 255, 255 };
	round_trip(&m, NULL);
	m.u.logic.boards = 33;
	expect_einval(&m);
	d[5] = 32;
	CU_ASSERT_EQUAL(decode_bytes(0x106, d), BP_OK);
	d[5] = 33;
	CU_ASSERT_EQUAL(decode_bytes(0x106, d), BP_ERANGE);

	m = msg(BP_T_CAL);
	m.u.cal = (struct bp_cal){ 0, 1, INT32_MIN };
	round_trip(&m, NULL);
	m.u.cal = (struct bp_cal){ 255, 0, INT32_MAX };
	round_trip(&m, NULL);
	m.u.cal.sensor = 2;
	expect_einval(&m);
	memset(d, 0, 8);
	d[1] = 1;
	CU_ASSERT_EQUAL(decode_bytes(0x107, d), BP_OK);
	d[1] = 2;
	CU_ASSERT_EQUAL(decode_bytes(0x107, d), BP_ERANGE);
	d[1] = 0;
	d[6] = 1;
	CU_ASSERT_EQUAL(decode_bytes(0x107, d), BP_ERANGE);

	m = msg(BP_T_VERSION);
	m.u.ver = (struct bp_version){ 255, 255, 255, 255, 255, 255, 0xFFFF };
	round_trip(&m, NULL);
	m.u.ver = (struct bp_version){ 0 };
	round_trip(&m, NULL);
}

static void test_cells_packing(void)
{
	struct bp_msg m = msg(BP_T_CELLS);
	struct bp_frame f;

	/* value k occupies bits 14k..14k+13 of bytes 1..7 */
	m.u.cells.mV[0] = 1;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.data[1], 0x01);
	CU_ASSERT_EQUAL(f.data[2] | f.data[3] | f.data[4] | f.data[5] | f.data[6] | f.data[7], 0);

	m.u.cells.mV[0] = 0;
	m.u.cells.mV[1] = 1; /* bit 14 -> byte 2 bit 6 */
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.data[2], 0x40);
	CU_ASSERT_EQUAL(f.data[1] | f.data[3], 0);

	m.u.cells.mV[1] = 0;
	m.u.cells.mV[2] = 1; /* bit 28 -> byte 4 bit 4 */
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.data[4], 0x10);

	m.u.cells.mV[2] = 0;
	m.u.cells.mV[3] = BP_CELL_MV_NA; /* bits 42..55 -> byte 6 bits 2..7, byte 7 */
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.data[6], 0xFC);
	CU_ASSERT_EQUAL(f.data[7], 0xFF);
	CU_ASSERT_EQUAL(f.data[5], 0x00);

	for (int k = 0; k < 4; k++)
		m.u.cells.mV[k] = BP_CELL_MV_NA;
	round_trip(&m, &f);
	for (int i = 1; i < 8; i++)
		CU_ASSERT_EQUAL(f.data[i], 0xFF);
	for (int k = 0; k < 4; k++)
		m.u.cells.mV[k] = BP_CELL_MV_MAX;
	round_trip(&m, NULL);
	m.u.cells.mV[0] = 0x2AAA;
	m.u.cells.mV[1] = 0x1555;
	m.u.cells.mV[2] = 0x3FFF;
	m.u.cells.mV[3] = 0;
	round_trip(&m, NULL);

	m.u.cells.mV[2] = 16384;
	expect_einval(&m);
	m.u.cells.mV[2] = 0xFFFF;
	expect_einval(&m);
}

static void test_cells_ids(void)
{
	struct bp_msg m = msg(BP_T_CELLS);
	struct bp_frame f;

	for (int b = 0; b < 32; b++)
		for (int g = 0; g < 6; g++) {
			m.u.cells.board = (uint8_t)b;
			m.u.cells.group = (uint8_t)g;
			m.u.cells.cycle = (uint8_t)(b * 6 + g);
			round_trip(&m, &f);
			CU_ASSERT_EQUAL(f.id, 0x200 + b * 8 + g);
			CU_ASSERT_EQUAL(f.data[0], b * 6 + g);
		}
	m.u.cells.board = 31;
	m.u.cells.group = 5;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, 0x2FD);
	m.u.cells.group = 6;
	expect_einval(&m);
	m.u.cells.group = 0;
	m.u.cells.board = 32;
	expect_einval(&m);
}

static void test_temps_packing(void)
{
	struct bp_msg m = msg(BP_T_TEMPS), o;
	struct bp_frame f;

	m.u.temps.dC[0] = BP_TEMP_DC_NA;
	m.u.temps.dC[1] = BP_TEMP_DC_MIN;
	m.u.temps.dC[2] = BP_TEMP_DC_MAX;
	m.u.temps.dC[3] = -1;
	round_trip(&m, &f);
	/* -8192 = 0x2000 in 14 bits: byte 1 = 0x00, byte 2 bits 0..5 = 0x20 */
	CU_ASSERT_EQUAL(f.data[1], 0x00);
	CU_ASSERT_EQUAL(f.data[2] & 0x3F, 0x20);
	/* -1 in the top slot: bits 42..55 all set */
	CU_ASSERT_EQUAL(f.data[6] & 0xFC, 0xFC);
	CU_ASSERT_EQUAL(f.data[7], 0xFF);

	/* all-ones payload is four times -1 */
	f = frame(0x206, (const uint8_t[8]){ 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &o), BP_OK);
	CU_ASSERT_EQUAL(o.type, BP_T_TEMPS);
	CU_ASSERT_EQUAL(o.u.temps.group, 0);
	for (int k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(o.u.temps.dC[k], -1);

	for (int k = 0; k < 4; k++)
		m.u.temps.dC[k] = 0;
	round_trip(&m, NULL);

	m.u.temps.board = 31;
	m.u.temps.group = 1;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, 0x2FF);
	m.u.temps.board = 0;
	m.u.temps.group = 0;
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, 0x206);

	m.u.temps.dC[1] = BP_TEMP_DC_MAX + 1;
	expect_einval(&m);
	m.u.temps.dC[1] = BP_TEMP_DC_NA - 1;
	expect_einval(&m);
	m.u.temps.dC[1] = 0;
	m.u.temps.group = 2;
	expect_einval(&m);
	m.u.temps.group = 0;
	m.u.temps.board = 32;
	expect_einval(&m);
}

static void test_bstatus_limits(void)
{
	struct bp_msg m = msg(BP_T_BSTATUS);
	struct bp_frame f;
	uint8_t d[8] = { 0, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 24, 8 };

	m.u.bst = (struct bp_bstatus){ 255, 31, 0x1F, 0xFFFFFFu, 0xFF, 24, 8 };
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, 0x31F);
	m.u.bst = (struct bp_bstatus){ 0, 0, 0, 0, 0, 0, 0 };
	round_trip(&m, &f);
	CU_ASSERT_EQUAL(f.id, 0x300);
	m.u.bst.flags = 0x20;
	expect_einval(&m);
	m.u.bst.flags = 0;
	m.u.bst.ncells = 25;
	expect_einval(&m);
	m.u.bst.ncells = 0;
	m.u.bst.ntemps = 9;
	expect_einval(&m);
	m.u.bst.ntemps = 0;
	m.u.bst.bal_mask = 0x1000000u;
	expect_einval(&m);
	m.u.bst.bal_mask = 0;
	m.u.bst.board = 32;
	expect_einval(&m);

	CU_ASSERT_EQUAL(decode_bytes(0x31F, d), BP_OK);
	d[1] = 0x20;
	CU_ASSERT_EQUAL(decode_bytes(0x31F, d), BP_ERANGE);
	d[1] = 0;
	d[6] = 25;
	CU_ASSERT_EQUAL(decode_bytes(0x31F, d), BP_ERANGE);
	d[6] = 0;
	d[7] = 9;
	CU_ASSERT_EQUAL(decode_bytes(0x31F, d), BP_ERANGE);
}

static void test_cycle_end_limits(void)
{
	struct bp_msg m = msg(BP_T_CYCLE_END);
	struct bp_frame f;

	m.u.end = (struct bp_cycle_end){ 255, 0xFFFF, BP_TIME_MAX };
	round_trip(&m, &f);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(f.data[i], 0xFF);
	m.u.end = (struct bp_cycle_end){ 0, 0, 0 };
	round_trip(&m, NULL);
	m.u.end.time_ms = BP_TIME_MAX + 1;
	expect_einval(&m);
}

/* ---- codec: malformed input --------------------------------------------- */

static void test_decode_short(void)
{
	for (int t = BP_T_HEARTBEAT; t < BP_T_COUNT; t++) {
		struct bp_msg m = sample((enum bp_type)t), o;
		struct bp_frame f;

		CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
		for (int len = 0; len < 8; len++) {
			f.len = (uint8_t)len;
			CU_ASSERT_EQUAL(bp_decode(&f, &o), BP_ESHORT);
		}
		f.len = 9;
		CU_ASSERT_EQUAL(bp_decode(&f, &o), BP_ESHORT);
		f.len = 15;
		CU_ASSERT_EQUAL(bp_decode(&f, &o), BP_ESHORT);
		f.len = 255;
		CU_ASSERT_EQUAL(bp_decode(&f, &o), BP_ESHORT);
		f.len = 8;
		CU_ASSERT_EQUAL(bp_decode(&f, &o), BP_OK);
	}
}

static void test_decode_unknown(void)
{
	static const uint16_t ids[] = { 0x000, 0x001, 0x04F, 0x053, 0x057, 0x05A, 0x0FF,
					0x108, 0x10E, 0x110, 0x1FF, 0x321, 0x3FF, 0x400,
					0x7FF, 0x800, 0x1200, 0xFFFF };
	struct bp_msg m = sample(BP_T_STATUS), before = m;

	for (unsigned int i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct bp_frame f = frame(ids[i], NULL);

		CU_ASSERT_EQUAL(bp_decode(&f, &m), BP_EUNKNOWN);
		f.len = 3;
		CU_ASSERT_EQUAL(bp_decode(&f, &m), BP_EUNKNOWN);
	}
	/* a rejected frame leaves the message alone */
	CU_ASSERT(msg_eq(&m, &before));
}

static void test_decode_all_ids(void)
{
	unsigned int known = 0, ok = 0;
	uint8_t d[8];

	rng_state = 0xC0FFEEu;
	for (uint32_t id = 0; id <= 0x7FF; id++) {
		struct bp_frame f = frame((uint16_t)id, NULL);
		struct bp_msg m;
		int rc = bp_decode(&f, &m);

		if (rc != BP_EUNKNOWN)
			known++;
		for (int n = 0; n < 66; n++) {
			struct bp_frame g;
			struct bp_msg o;

			for (int i = 0; i < 8; i++)
				d[i] = n == 0 ? 0 : n == 1 ? 0xFF : (uint8_t)rnd();
			f = frame((uint16_t)id, d);
			f.len = (uint8_t)(n % 11 == 10 ? rnd() % 9 : 8);
			rc = bp_decode(&f, &m);
			CU_ASSERT(rc == BP_OK || rc == BP_EUNKNOWN || rc == BP_ESHORT ||
				  rc == BP_ERANGE);
			if (rc != BP_OK)
				continue;
			ok++;
			/* every accepted frame is the canonical encoding of
			 * what it decoded to */
			CU_ASSERT_EQUAL(bp_encode(&m, &g), BP_OK);
			CU_ASSERT_EQUAL(g.id, f.id);
			CU_ASSERT(!memcmp(g.data, f.data, 8));
			CU_ASSERT_EQUAL(bp_decode(&g, &o), BP_OK);
			CU_ASSERT(msg_eq(&m, &o));
		}
	}
	/* 5 commands + 9 MCU frames + 256 board frames + 32 board status + end */
	CU_ASSERT_EQUAL(known, 5 + 9 + 256 + 32 + 1);
	CU_ASSERT(ok > 303 * 10);
}

static void test_type_names(void)
{
	CU_ASSERT_STRING_EQUAL(bp_type_name(BP_T_STATUS), "STATUS");
	CU_ASSERT_STRING_EQUAL(bp_type_name(BP_T_CELLS), "CELLS");
	CU_ASSERT_STRING_EQUAL(bp_type_name(BP_T_CYCLE_END), "CYCLE_END");
	CU_ASSERT_STRING_EQUAL(bp_type_name(BP_T_HEARTBEAT), "HEARTBEAT");
	for (int a = 0; a < BP_T_COUNT; a++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(bp_type_name((enum bp_type)a));
		CU_ASSERT(strlen(bp_type_name((enum bp_type)a)) > 0);
		for (int b = 0; b < a; b++)
			CU_ASSERT(strcmp(bp_type_name((enum bp_type)a),
					 bp_type_name((enum bp_type)b)) != 0);
	}
	CU_ASSERT_PTR_NOT_NULL(bp_type_name(BP_T_COUNT));
	CU_ASSERT_PTR_NOT_NULL(bp_type_name((enum bp_type)-1));
}

/* ---- wire bit count ------------------------------------------------------ */

/* An independent model of a CAN 2.0A data frame: the bit string is built
 * explicitly, the CRC is the remainder of a polynomial long division by
 * x^15+x^14+x^10+x^8+x^7+x^4+x^3+1, and stuffing inserts a complement
 * whenever the last five transmitted bits are equal. */
static unsigned int ref_crc15(const uint8_t *bits, unsigned int n)
{
	static const uint8_t gen[16] = { 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1 };
	uint8_t div[128];
	unsigned int crc = 0;

	memcpy(div, bits, n);
	memset(div + n, 0, 15);
	for (unsigned int i = 0; i < n; i++)
		if (div[i])
			for (int j = 0; j < 16; j++)
				div[i + j] ^= gen[j];
	for (int i = 0; i < 15; i++)
		crc = crc << 1 | div[n + i];
	return crc;
}

static unsigned int ref_raw_bits(uint16_t id, uint8_t len, const uint8_t *data, uint8_t *raw)
{
	unsigned int n = 0, bytes = len > 8 ? 8 : len;

	raw[n++] = 0;
	for (int i = 10; i >= 0; i--)
		raw[n++] = (id >> i) & 1;
	raw[n++] = 0; /* RTR */
	raw[n++] = 0; /* IDE */
	raw[n++] = 0; /* r0 */
	for (int i = 3; i >= 0; i--)
		raw[n++] = (len >> i) & 1;
	for (unsigned int b = 0; b < bytes; b++)
		for (int i = 7; i >= 0; i--)
			raw[n++] = (data[b] >> i) & 1;
	return n;
}

static unsigned int ref_frame_bits(uint16_t id, uint8_t len, const uint8_t *data)
{
	uint8_t raw[128], out[160];
	unsigned int n = ref_raw_bits(id, len, data, raw), no = 0, crc = ref_crc15(raw, n);

	for (int i = 14; i >= 0; i--)
		raw[n++] = (crc >> i) & 1;
	for (unsigned int i = 0; i < n; i++) {
		out[no++] = raw[i];
		if (no >= 5 && out[no - 1] == out[no - 2] && out[no - 2] == out[no - 3] &&
		    out[no - 3] == out[no - 4] && out[no - 4] == out[no - 5]) {
			uint8_t stuff = !out[no - 1];

			out[no++] = stuff;
		}
	}
	/* the transmitted stream never holds six equal bits in a row */
	for (unsigned int i = 5; i < no; i++)
		CU_ASSERT(!(out[i] == out[i - 1] && out[i] == out[i - 2] && out[i] == out[i - 3] &&
			    out[i] == out[i - 4] && out[i] == out[i - 5]));
	/* CRC delimiter, ACK slot and delimiter, EOF, intermission */
	return no + 1 + 2 + 7 + 3;
}

static void test_bits_all_zero(void)
{
	struct bp_frame f = frame(0x000, NULL);
	uint8_t raw[128];
	unsigned int n;

	/* By hand. DLC 0, identifier 0: SOF, identifier, RTR/IDE/r0 and DLC
	 * are 19 zeros and the CRC of an all-zero message is zero: 34 zeros
	 * in a row, a stuff bit after every fifth, 6 in all.
	 * 34 + 6 + 13 = 53. */
	f.len = 0;
	CU_ASSERT_EQUAL(bp_frame_bits(&f), 53);
	n = ref_raw_bits(0, 0, f.data, raw);
	CU_ASSERT_EQUAL(ref_crc15(raw, n), 0);

	/* DLC 8, identifier 0, data all zero. The only 1 before the CRC is
	 * the DLC's top bit, 67 bits before the end of the data, so the CRC
	 * is x^(67+15) mod G(x) = 0x145B = 001010001011011b. On the wire:
	 * 15 zeros (stuff bits after the 5th, 10th, 15th: 3), the DLC's 1,
	 * then 3 + 64 zeros and the CRC's two leading zeros: 69 zeros, a
	 * stuff bit after every fifth: 13; the rest of the CRC has no run
	 * of five. 98 + 16 stuff + 13 = 127. */
	f.len = 8;
	n = ref_raw_bits(0, 8, f.data, raw);
	CU_ASSERT_EQUAL(n, 83);
	CU_ASSERT_EQUAL(ref_crc15(raw, n), 0x145B);
	CU_ASSERT_EQUAL(bp_frame_bits(&f), 127);
	CU_ASSERT_EQUAL(ref_frame_bits(0, 8, f.data), 127);

	/* Identifier 0x555, DLC 2, data 55 55: 0 10101010101 000 0010
	 * 01010101 01010101, CRC 0x6357 = 110001101010111b. The only run of
	 * five is RTR, IDE, r0 and the DLC's two leading zeros: one stuff
	 * bit. 1 + 11 + 3 + 4 + 16 + 15 = 50, + 1 stuff + 13 = 64. */
	f = frame(0x555, (const uint8_t[8]){ 0x55, 0x55 });
	f.len = 2;
	n = ref_raw_bits(0x555, 2, f.data, raw);
	CU_ASSERT_EQUAL(n, 35);
	CU_ASSERT_EQUAL(ref_crc15(raw, n), 0x6357);
	CU_ASSERT_EQUAL(bp_frame_bits(&f), 64);
	CU_ASSERT_EQUAL(ref_frame_bits(0x555, 2, f.data), 64);
}

static void test_bits_against_model(void)
{
	uint8_t d[8];

	rng_state = 0xBEEF1234u;
	for (int n = 0; n < 3000; n++) {
		struct bp_frame f;
		uint8_t len = (uint8_t)(n < 2000 ? 8 : rnd() % 9);

		for (int i = 0; i < 8; i++)
			d[i] = (uint8_t)rnd();
		f = frame((uint16_t)(rnd() & 0x7FF), d);
		f.len = len;
		CU_ASSERT_EQUAL(bp_frame_bits(&f), ref_frame_bits(f.id, len, f.data));
	}
	/* structured patterns too: runs are where stuffing happens */
	for (int p = 0; p < 256; p++) {
		struct bp_frame f;

		memset(d, p, 8);
		f = frame((uint16_t)(p * 8), d);
		CU_ASSERT_EQUAL(bp_frame_bits(&f), ref_frame_bits(f.id, 8, f.data));
	}
}

static void test_bits_bounds(void)
{
	unsigned int lo = 1000, hi = 0;
	uint8_t d[8];

	rng_state = 0x5EED5EEDu;
	for (int n = 0; n < 20000; n++) {
		struct bp_frame f;
		unsigned int b;

		for (int i = 0; i < 8; i++)
			d[i] = (uint8_t)rnd();
		f = frame((uint16_t)(rnd() & 0x7FF), d);
		b = bp_frame_bits(&f);
		lo = b < lo ? b : lo;
		hi = b > hi ? b : hi;
	}
	/* 8-byte standard frame: 111 bits without stuffing, at most
	 * 24 stuff bits over the 98 stuffable bits */
	CU_ASSERT_EQUAL(lo, 111);
	CU_ASSERT(hi <= 135);
	CU_ASSERT(hi > 120);

	/* a frame built of four-bit runs stuffs nearly every fourth bit:
	 * SOF 0, id 0000 1111 000, then 0 0 0 (RTR IDE r0), DLC 1000 ... */
	{
		uint8_t pat[8] = { 0x78, 0x3C, 0x1E, 0x0F, 0x87, 0xC3, 0xE1, 0xF0 };
		struct bp_frame f = frame(0x078, pat);
		unsigned int b = bp_frame_bits(&f);

		CU_ASSERT_EQUAL(b, ref_frame_bits(0x078, 8, pat));
		CU_ASSERT(b >= 120 && b <= 135);
	}
	/* every length: 47 + 8n bits unstuffed, 34 + 8n of them stuffable */
	for (unsigned int len = 0; len <= 8; len++) {
		struct bp_frame f;

		for (int n = 0; n < 500; n++) {
			unsigned int b;

			for (int i = 0; i < 8; i++)
				d[i] = (uint8_t)rnd();
			f = frame((uint16_t)(rnd() & 0x7FF), d);
			f.len = (uint8_t)len;
			b = bp_frame_bits(&f);
			CU_ASSERT(b >= 47 + 8 * len);
			CU_ASSERT(b <= 47 + 8 * len + (34 + 8 * len - 1) / 4);
		}
	}
}

/* ---- CRC ----------------------------------------------------------------- */

static void test_crc_vectors(void)
{
	const uint8_t *s = (const uint8_t *)"123456789";
	uint32_t c;

	CU_ASSERT_EQUAL(crc16_modbus(s, 9), 0x4B37);
	CU_ASSERT_EQUAL(crc32_update(0, s, 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(crc32_update(0, s, 0), 0);
	CU_ASSERT_EQUAL(crc16_modbus(s, 0), 0xFFFF);
	c = crc32_update(0, s, 4);
	CU_ASSERT_EQUAL(crc32_update(c, s + 4, 5), 0xCBF43926u);
}

/* ---- configuration ------------------------------------------------------ */

static float fbits(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static struct bp_config good_config(void)
{
	struct bp_config c;

	memset(&c, 0, sizeof(c));
	c.board_count = 16;
	c.cells_per_board = 16;
	c.temps_per_board = 4;
	c.current_sensors = 2;
	c.heartbeat_timeout_ms = 500;
	c.logic_offline_ms = 3000;
	c.cell_crit_high_mV = 4250;
	c.cell_crit_low_mV = 2500;
	c.temp_crit_high_dC = 650;
	c.temp_crit_low_dC = -300;
	c.short_circuit_mA = 2000000;
	c.plausibility_mA = 5000;
	c.di_debounce_ms = 50;
	c.ntc_enable = 3;
	c.cs[0] = (struct bp_cs_cfg){ 50000, -1200, 500000 };
	c.cs[1] = (struct bp_cs_cfg){ -250000, 3400, 2500000 };
	c.ntc[0] = (struct bp_ntc_cfg){ BP_NTC_BETA, 3435, 10000, 0, 0, 0 };
	c.ntc[1] = (struct bp_ntc_cfg){ BP_NTC_STEINHART, 0, 0, 1.129148e-3f, 2.34125e-4f,
					8.76741e-8f };
	c.cell_ntc = (struct bp_ntc_cfg){ BP_NTC_NONE, 0, 0, 0, 0, 0 };
	c.hum_gain_dpct_per_V = -300;
	c.hum_offset_mV = 800;
	c.alarm_dos = 0x9;
	c.alarm_dos_invert = 0x8;
	return c;
}

static int cfg_eq(const struct bp_config *a, const struct bp_config *b)
{
	int eq = a->board_count == b->board_count && a->cells_per_board == b->cells_per_board &&
		 a->temps_per_board == b->temps_per_board &&
		 a->current_sensors == b->current_sensors &&
		 a->heartbeat_timeout_ms == b->heartbeat_timeout_ms &&
		 a->logic_offline_ms == b->logic_offline_ms &&
		 a->cell_crit_high_mV == b->cell_crit_high_mV &&
		 a->cell_crit_low_mV == b->cell_crit_low_mV &&
		 a->temp_crit_high_dC == b->temp_crit_high_dC &&
		 a->temp_crit_low_dC == b->temp_crit_low_dC &&
		 a->short_circuit_mA == b->short_circuit_mA &&
		 a->plausibility_mA == b->plausibility_mA &&
		 a->di_debounce_ms == b->di_debounce_ms && a->ntc_enable == b->ntc_enable &&
		 a->hum_gain_dpct_per_V == b->hum_gain_dpct_per_V &&
		 a->hum_offset_mV == b->hum_offset_mV && a->alarm_dos == b->alarm_dos &&
		 a->alarm_dos_invert == b->alarm_dos_invert;

	for (int i = 0; i < 2; i++)
		eq = eq && a->cs[i].gain_uA_per_mV == b->cs[i].gain_uA_per_mV &&
		     a->cs[i].offset_uV == b->cs[i].offset_uV &&
		     a->cs[i].range_mA == b->cs[i].range_mA;
	for (int i = 0; i < 3; i++) {
		const struct bp_ntc_cfg *x = i < 2 ? &a->ntc[i] : &a->cell_ntc;
		const struct bp_ntc_cfg *y = i < 2 ? &b->ntc[i] : &b->cell_ntc;

		eq = eq && x->model == y->model && x->beta_K == y->beta_K &&
		     x->r25_ohm == y->r25_ohm && !memcmp(&x->sh_a, &y->sh_a, 4) &&
		     !memcmp(&x->sh_b, &y->sh_b, 4) && !memcmp(&x->sh_c, &y->sh_c, 4);
	}
	return eq;
}

/* The blob layout written out independently, without range checks, so
 * that out-of-range blobs can be made and the codec's layout verified. */
static size_t raw_put(uint8_t *p, size_t o, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[o + i] = (uint8_t)(v >> (8 * i));
	return o + (size_t)n;
}

static size_t raw_ntc(uint8_t *p, size_t o, const struct bp_ntc_cfg *n)
{
	uint32_t u;

	o = raw_put(p, o, n->model, 1);
	o = raw_put(p, o, n->beta_K, 2);
	o = raw_put(p, o, n->r25_ohm, 4);
	memcpy(&u, &n->sh_a, 4);
	o = raw_put(p, o, u, 4);
	memcpy(&u, &n->sh_b, 4);
	o = raw_put(p, o, u, 4);
	memcpy(&u, &n->sh_c, 4);
	return raw_put(p, o, u, 4);
}

static size_t raw_pack(const struct bp_config *c, uint8_t *p)
{
	size_t o = 0;

	o = raw_put(p, o, 1, 1);
	o = raw_put(p, o, c->board_count, 1);
	o = raw_put(p, o, c->cells_per_board, 1);
	o = raw_put(p, o, c->temps_per_board, 1);
	o = raw_put(p, o, c->current_sensors, 1);
	o = raw_put(p, o, c->heartbeat_timeout_ms, 2);
	o = raw_put(p, o, c->logic_offline_ms, 2);
	o = raw_put(p, o, c->cell_crit_high_mV, 2);
	o = raw_put(p, o, c->cell_crit_low_mV, 2);
	o = raw_put(p, o, (uint16_t)c->temp_crit_high_dC, 2);
	o = raw_put(p, o, (uint16_t)c->temp_crit_low_dC, 2);
	o = raw_put(p, o, c->short_circuit_mA, 4);
	o = raw_put(p, o, c->plausibility_mA, 4);
	o = raw_put(p, o, c->di_debounce_ms, 1);
	o = raw_put(p, o, c->ntc_enable, 1);
	for (int i = 0; i < 2; i++) {
		o = raw_put(p, o, (uint32_t)c->cs[i].gain_uA_per_mV, 4);
		o = raw_put(p, o, (uint32_t)c->cs[i].offset_uV, 4);
		o = raw_put(p, o, c->cs[i].range_mA, 4);
	}
	o = raw_ntc(p, o, &c->ntc[0]);
	o = raw_ntc(p, o, &c->ntc[1]);
	o = raw_ntc(p, o, &c->cell_ntc);
	o = raw_put(p, o, (uint16_t)c->hum_gain_dpct_per_V, 2);
	o = raw_put(p, o, (uint16_t)c->hum_offset_mV, 2);
	o = raw_put(p, o, c->alarm_dos, 1);
	return raw_put(p, o, c->alarm_dos_invert, 1);
}

#define BLOB_LEN 114

static void test_config_round_trip(void)
{
	struct bp_config c = good_config(), o;
	uint8_t buf[BP_CFG_BLOB_MAX], ref[BP_CFG_BLOB_MAX];
	int n;

	CU_ASSERT_EQUAL(bp_config_check(&c), BP_OK);
	memset(buf, 0xEE, sizeof(buf));
	n = bp_config_pack(&c, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(n, BLOB_LEN);
	CU_ASSERT(n <= (int)BP_CFG_BLOB_MAX);
	CU_ASSERT_EQUAL(buf[0], 1); /* layout version */
	CU_ASSERT_EQUAL(buf[n], 0xEE); /* nothing written past the end */
	CU_ASSERT_EQUAL_FATAL(raw_pack(&c, ref), BLOB_LEN);
	CU_ASSERT(!memcmp(buf, ref, BLOB_LEN));

	/* spot checks of the layout, little-endian */
	CU_ASSERT_EQUAL(buf[1], 16);
	CU_ASSERT_EQUAL(buf[5] | buf[6] << 8, 500);
	CU_ASSERT_EQUAL(buf[13] | buf[14] << 8, 650);
	CU_ASSERT_EQUAL(buf[15] | buf[16] << 8, (uint16_t)-300);
	CU_ASSERT_EQUAL(buf[112], 0x9); /* alarm_dos */
	CU_ASSERT_EQUAL(buf[113], 0x8); /* alarm_dos_invert */

	memset(&o, 0, sizeof(o));
	CU_ASSERT_EQUAL_FATAL(bp_config_unpack(buf, (size_t)n, &o), BP_OK);
	CU_ASSERT(cfg_eq(&c, &o));

	/* exactly the bytes fit */
	CU_ASSERT_EQUAL(bp_config_pack(&c, buf, BLOB_LEN), BLOB_LEN);
	CU_ASSERT_EQUAL(bp_config_pack(&c, buf, BLOB_LEN - 1), BP_EINVAL);
}

static void test_config_float_bits(void)
{
	struct bp_config c = good_config(), o;
	uint8_t buf[BLOB_LEN];
	/* ntc[1] starts after 1 + 4 + 8 + 4 + 8 + 2 + 24 + 19 = 70; sh_a at +7 */
	const size_t sh_a = 70 + 7;

	c.ntc[1].sh_a = 1.0f;
	c.ntc[1].sh_b = -2.0f;
	c.ntc[1].sh_c = fbits(0x00000001u); /* smallest subnormal */
	CU_ASSERT_EQUAL_FATAL(bp_config_pack(&c, buf, sizeof(buf)), BLOB_LEN);
	CU_ASSERT_EQUAL(buf[70], BP_NTC_STEINHART);
	CU_ASSERT(!memcmp(buf + sh_a, (const uint8_t[4]){ 0x00, 0x00, 0x80, 0x3F }, 4));
	CU_ASSERT(!memcmp(buf + sh_a + 4, (const uint8_t[4]){ 0x00, 0x00, 0x00, 0xC0 }, 4));
	CU_ASSERT(!memcmp(buf + sh_a + 8, (const uint8_t[4]){ 0x01, 0x00, 0x00, 0x00 }, 4));
	CU_ASSERT_EQUAL_FATAL(bp_config_unpack(buf, sizeof(buf), &o), BP_OK);
	CU_ASSERT(cfg_eq(&c, &o));

	/* coefficients of an unused model are carried as they are */
	c.ntc[0].sh_a = fbits(0x7FC00001u);
	CU_ASSERT_EQUAL_FATAL(bp_config_pack(&c, buf, sizeof(buf)), BLOB_LEN);
	CU_ASSERT_EQUAL_FATAL(bp_config_unpack(buf, sizeof(buf), &o), BP_OK);
	CU_ASSERT(cfg_eq(&c, &o));
}

/* Apply violation @i to @c; false once past the last. */
static int violate(struct bp_config *c, int i)
{
	switch (i) {
	case 0: c->board_count = 33; break;
	case 1: c->cells_per_board = 0; break;
	case 2: c->cells_per_board = 25; break;
	case 3: c->temps_per_board = 9; break;
	case 4: c->current_sensors = 3; break;
	case 5: c->heartbeat_timeout_ms = BP_HEARTBEAT_MIN_MS - 1; break;
	case 6: c->heartbeat_timeout_ms = BP_HEARTBEAT_CEILING_MS + 1; break;
	case 7: c->heartbeat_timeout_ms = 0; break;
	case 8: c->logic_offline_ms = 99; break;
	case 9: c->logic_offline_ms = 60001; break;
	case 10: c->cell_crit_high_mV = 999; c->cell_crit_low_mV = 500; break;
	case 11: c->cell_crit_high_mV = 16383; break;
	case 12: c->cell_crit_low_mV = c->cell_crit_high_mV; break;
	case 13: c->cell_crit_low_mV = 0xFFFF; break;
	case 14: c->temp_crit_high_dC = -501; c->temp_crit_low_dC = -500; break;
	case 15: c->temp_crit_high_dC = 2001; break;
	case 16: c->temp_crit_low_dC = -501; break;
	case 17: c->temp_crit_low_dC = c->temp_crit_high_dC; break;
	case 18: c->short_circuit_mA = 0; break;
	case 19: c->short_circuit_mA = 8388608; break;
	case 20: c->plausibility_mA = 8388608; break;
	case 21: c->di_debounce_ms = 0; break;
	case 22: c->ntc_enable = 4; break;
	case 23: c->ntc_enable = 0x80; break;
	case 24: c->cs[0].gain_uA_per_mV = 0; break;
	case 25: c->cs[1].gain_uA_per_mV = 0; break;
	case 26: c->cs[0].range_mA = 0; break;
	case 27: c->cs[1].range_mA = 8388608; break;
	case 28: c->ntc[0].model = 3; break;
	case 29: c->ntc[0].beta_K = 999; break;
	case 30: c->ntc[0].beta_K = 10001; break;
	case 31: c->ntc[0].r25_ohm = 99; break;
	case 32: c->ntc[0].r25_ohm = 1000001; break;
	case 33: c->ntc[1].sh_b = 0.0f; break;
	case 34: c->ntc[1].sh_b = fbits(0x80000000u); break; /* -0 */
	case 35: c->ntc[1].sh_b = fbits(0x7FC00000u); break; /* NaN */
	case 36: c->ntc[1].sh_b = fbits(0xFF800000u); break; /* -inf */
	case 37: c->ntc[1].sh_a = fbits(0x7F800000u); break;
	case 38: c->ntc[1].sh_c = fbits(0x7FC00000u); break;
	case 39: c->cell_ntc.model = 3; break;
	case 40: c->cell_ntc.model = BP_NTC_BETA; c->cell_ntc.beta_K = 0; break;
	case 41: c->ntc[1].model = 255; break;
	case 42: c->alarm_dos = 0x10; break;
	case 43: c->alarm_dos_invert = 0x2; break; /* not an alarm output */
	default: return 0;
	}
	return 1;
}

static void test_config_ranges(void)
{
	int i;

	for (i = 0;; i++) {
		struct bp_config c = good_config(), keep;
		uint8_t buf[BP_CFG_BLOB_MAX], raw[BP_CFG_BLOB_MAX];

		if (!violate(&c, i))
			break;
		CU_ASSERT_EQUAL(bp_config_check(&c), BP_EINVAL);
		CU_ASSERT_EQUAL(bp_config_pack(&c, buf, sizeof(buf)), BP_EINVAL);
		CU_ASSERT_EQUAL_FATAL(raw_pack(&c, raw), BLOB_LEN);
		keep = good_config();
		CU_ASSERT_EQUAL(bp_config_unpack(raw, BLOB_LEN, &keep), BP_ERANGE);
		/* a refused blob leaves the caller's config alone */
		{
			struct bp_config g = good_config();

			CU_ASSERT(cfg_eq(&keep, &g));
		}
	}
	CU_ASSERT_EQUAL(i, 44);
}

/* Values at the edge of each range are accepted. */
static int edge(struct bp_config *c, int i)
{
	switch (i) {
	case 0: c->board_count = 0; break;
	case 1: c->board_count = 32; break;
	case 2: c->cells_per_board = 1; break;
	case 3: c->cells_per_board = 24; break;
	case 4: c->temps_per_board = 0; break;
	case 5: c->temps_per_board = 8; break;
	case 6: c->current_sensors = 0; c->cs[0].gain_uA_per_mV = 0; c->cs[0].range_mA = 0; break;
	case 7: c->current_sensors = 1; c->cs[1].gain_uA_per_mV = 0; c->cs[1].range_mA = 0; break;
	case 8: c->heartbeat_timeout_ms = 50; break;
	case 9: c->heartbeat_timeout_ms = 2000; break;
	case 10: c->logic_offline_ms = 100; break;
	case 11: c->logic_offline_ms = 60000; break;
	case 12: c->cell_crit_high_mV = 1000; c->cell_crit_low_mV = 999; break;
	case 13: c->cell_crit_high_mV = 16382; c->cell_crit_low_mV = 0; break;
	case 14: c->temp_crit_high_dC = 2000; c->temp_crit_low_dC = -500; break;
	case 15: c->temp_crit_high_dC = -499; c->temp_crit_low_dC = -500; break;
	case 16: c->short_circuit_mA = 1; break;
	case 17: c->short_circuit_mA = 8388607; c->plausibility_mA = 8388607; break;
	case 18: c->plausibility_mA = 0; break;
	case 19: c->di_debounce_ms = 255; break;
	case 20: c->ntc_enable = 0; break;
	case 21: c->cs[0].range_mA = 1; c->cs[1].range_mA = 8388607; break;
	case 22: c->cs[0].gain_uA_per_mV = INT32_MIN; c->cs[1].offset_uV = INT32_MAX; break;
	case 23: c->ntc[0].beta_K = 1000; c->ntc[0].r25_ohm = 100; break;
	case 24: c->ntc[0].beta_K = 10000; c->ntc[0].r25_ohm = 1000000; break;
	case 25: c->ntc[1].sh_b = fbits(0x00000001u); break;
	case 26: c->hum_gain_dpct_per_V = INT16_MIN; c->hum_offset_mV = INT16_MAX; break;
	case 27: c->ntc[0].model = BP_NTC_NONE; c->ntc[0].beta_K = 0; break;
	default: return 0;
	}
	return 1;
}

static void test_config_edges(void)
{
	int i;

	for (i = 0;; i++) {
		struct bp_config c = good_config(), o;
		uint8_t buf[BP_CFG_BLOB_MAX];

		if (!edge(&c, i))
			break;
		CU_ASSERT_EQUAL(bp_config_check(&c), BP_OK);
		CU_ASSERT_EQUAL_FATAL(bp_config_pack(&c, buf, sizeof(buf)), BLOB_LEN);
		CU_ASSERT_EQUAL_FATAL(bp_config_unpack(buf, BLOB_LEN, &o), BP_OK);
		CU_ASSERT(cfg_eq(&c, &o));
	}
	CU_ASSERT_EQUAL(i, 28);
}

static void test_config_bad_blobs(void)
{
	struct bp_config c = good_config(), o = good_config();
	uint8_t buf[BP_CFG_BLOB_MAX + 1];

	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(bp_config_pack(&c, buf, sizeof(buf)), BLOB_LEN);
	CU_ASSERT_EQUAL(bp_config_unpack(buf, 0, &o), BP_ESHORT);
	CU_ASSERT_EQUAL(bp_config_unpack(buf, 1, &o), BP_ESHORT);
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN - 1, &o), BP_ESHORT);
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN + 1, &o), BP_ESHORT);
	CU_ASSERT_EQUAL(bp_config_unpack(buf, sizeof(buf), &o), BP_ESHORT);
	buf[0] = 0;
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN, &o), BP_ERANGE);
	buf[0] = 2;
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN, &o), BP_ERANGE);
	buf[0] = 1;
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN, &o), BP_OK);
	/* an all-zero blob of the right length is out of range (version 0) */
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN, &o), BP_ERANGE);
	buf[0] = 1; /* and with version 1, cells_per_board 0 */
	CU_ASSERT_EQUAL(bp_config_unpack(buf, BLOB_LEN, &o), BP_ERANGE);
}

static void test_config_blob_crc(void)
{
	struct bp_config c = good_config();
	uint8_t buf[BLOB_LEN + 4];
	uint32_t crc, part;
	int n = bp_config_pack(&c, buf, BLOB_LEN);

	CU_ASSERT_EQUAL_FATAL(n, BLOB_LEN);
	crc = crc32_update(0, buf, BLOB_LEN);
	/* segment by segment, as the MCU receives it */
	part = 0;
	for (int off = 0; off < BLOB_LEN; off += BP_CFG_DATA_BYTES) {
		int k = BLOB_LEN - off < (int)BP_CFG_DATA_BYTES ? BLOB_LEN - off
							       : (int)BP_CFG_DATA_BYTES;

		part = crc32_update(part, buf + off, (size_t)k);
	}
	CU_ASSERT_EQUAL(part, crc);
	/* CRC-32 residue: the blob followed by its CRC, low byte first,
	 * always checks to 0x2144DF1C */
	for (int i = 0; i < 4; i++)
		buf[BLOB_LEN + i] = (uint8_t)(crc >> (8 * i));
	CU_ASSERT_EQUAL(crc32_update(0, buf, sizeof(buf)), 0x2144DF1Cu);
	/* any field change changes the CRC */
	c.heartbeat_timeout_ms++;
	CU_ASSERT_EQUAL_FATAL(bp_config_pack(&c, buf, BLOB_LEN), BLOB_LEN);
	CU_ASSERT_NOT_EQUAL(crc32_update(0, buf, BLOB_LEN), crc);
}

static void test_config_push_frames(void)
{
	/* the blob cut into CFG_DATA segments travels and reassembles */
	struct bp_config c = good_config(), o;
	uint8_t blob[BP_CFG_BLOB_MAX], rx[BP_CFG_BLOB_MAX];
	int n = bp_config_pack(&c, blob, sizeof(blob));
	unsigned int segs = 0;
	struct bp_msg m, d;
	struct bp_frame f;

	CU_ASSERT_EQUAL_FATAL(n, BLOB_LEN);
	memset(rx, 0, sizeof(rx));
	for (int off = 0; off < n; off += BP_CFG_DATA_BYTES, segs++) {
		m = msg(BP_T_CFG_DATA);
		m.u.cfgd.seq = (uint8_t)segs;
		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES && off + (int)i < n; i++)
			m.u.cfgd.bytes[i] = blob[off + i];
		CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
		CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &d), BP_OK);
		for (unsigned int i = 0; i < BP_CFG_DATA_BYTES; i++)
			rx[d.u.cfgd.seq * BP_CFG_DATA_BYTES + i] = d.u.cfgd.bytes[i];
	}
	CU_ASSERT_EQUAL(segs, 17);
	m = msg(BP_T_CFG_COMMIT);
	m.u.cfgc.len = (uint16_t)n;
	m.u.cfgc.crc = crc32_update(0, blob, (size_t)n);
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &d), BP_OK);
	CU_ASSERT_EQUAL(crc32_update(0, rx, d.u.cfgc.len), d.u.cfgc.crc);
	CU_ASSERT_EQUAL(bp_config_unpack(rx, d.u.cfgc.len, &o), BP_OK);
	CU_ASSERT(cfg_eq(&c, &o));
}

/* ---- rolling counters ---------------------------------------------------- */

static void test_seq(void)
{
	struct bp_seq s;

	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(bp_seq_update(&s, 250), 0); /* first frame: nothing lost */
	CU_ASSERT(s.seen);
	for (unsigned int i = 251; i < 251 + 300; i++)
		CU_ASSERT_EQUAL(bp_seq_update(&s, (uint8_t)i), 0); /* wraps cleanly */
	CU_ASSERT_EQUAL(s.received, 301);
	CU_ASSERT_EQUAL(s.lost, 0);
	CU_ASSERT_EQUAL(s.last, (uint8_t)550);

	memset(&s, 0, sizeof(s));
	bp_seq_update(&s, 10);
	CU_ASSERT_EQUAL(bp_seq_update(&s, 13), 2);
	CU_ASSERT_EQUAL(bp_seq_update(&s, 14), 0);
	CU_ASSERT_EQUAL(s.lost, 2);
	/* loss across the wrap: 254 -> 1 lost 255 and 0 */
	CU_ASSERT_EQUAL(bp_seq_update(&s, 254), 239);
	CU_ASSERT_EQUAL(bp_seq_update(&s, 1), 2);
	CU_ASSERT_EQUAL(s.lost, 2 + 239 + 2);
	/* a repeat counts as a whole lap lost */
	CU_ASSERT_EQUAL(bp_seq_update(&s, 1), 255);
	CU_ASSERT_EQUAL(bp_seq_update(&s, 2), 0);
	CU_ASSERT_EQUAL(bp_seq_update(&s, 0), 253);
	CU_ASSERT_EQUAL(s.received, 8);
	CU_ASSERT_EQUAL(s.last, 0);
}

/* ---- snapshot assembly --------------------------------------------------- */

static uint16_t cell_val(uint8_t cycle, unsigned int b, unsigned int i)
{
	return (uint16_t)(3000 + cycle * 4 + b * 24 + i);
}

static int16_t temp_val(uint8_t cycle, unsigned int b, unsigned int i)
{
	return (int16_t)(-100 + cycle + b * 8 + i);
}

/* Every snapshot frame of one board, through the real encoder and decoder. */
static unsigned int board_frames(uint8_t cycle, unsigned int b, struct bp_msg *out)
{
	unsigned int n = 0;
	struct bp_msg m;
	struct bp_frame f;

	for (unsigned int g = 0; g < BP_CELL_GROUPS; g++) {
		m = msg(BP_T_CELLS);
		m.u.cells.cycle = cycle;
		m.u.cells.board = (uint8_t)b;
		m.u.cells.group = (uint8_t)g;
		for (unsigned int k = 0; k < 4; k++)
			m.u.cells.mV[k] = cell_val(cycle, b, g * 4 + k);
		CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
		CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &out[n++]), BP_OK);
	}
	for (unsigned int g = 0; g < BP_TEMP_GROUPS; g++) {
		m = msg(BP_T_TEMPS);
		m.u.temps.cycle = cycle;
		m.u.temps.board = (uint8_t)b;
		m.u.temps.group = (uint8_t)g;
		for (unsigned int k = 0; k < 4; k++)
			m.u.temps.dC[k] = temp_val(cycle, b, g * 4 + k);
		CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
		CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &out[n++]), BP_OK);
	}
	m = msg(BP_T_BSTATUS);
	m.u.bst = (struct bp_bstatus){ cycle, (uint8_t)b, BP_BOARD_ONLINE | BP_BOARD_FRESH,
				       (uint32_t)(b * 0x10101u) & 0xFFFFFFu, (uint8_t)b,
				       24, 8 };
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f, &out[n++]), BP_OK);
	return n;
}

static struct bp_msg cycle_end(uint8_t cycle, uint16_t nframes, uint64_t t)
{
	struct bp_msg m = msg(BP_T_CYCLE_END);

	m.u.end = (struct bp_cycle_end){ cycle, nframes, t };
	return m;
}

static void check_board(const struct bp_snapshot *s, uint8_t cycle, unsigned int b)
{
	const struct bp_board_snap *bs = &s->board[b];

	CU_ASSERT(s->present & (1u << b));
	CU_ASSERT_EQUAL(bs->flags, BP_BOARD_ONLINE | BP_BOARD_FRESH);
	CU_ASSERT_EQUAL(bs->ntc_fault, b);
	CU_ASSERT_EQUAL(bs->ncells, 24);
	CU_ASSERT_EQUAL(bs->ntemps, 8);
	CU_ASSERT_EQUAL(bs->bal_mask, (b * 0x10101u) & 0xFFFFFFu);
	for (unsigned int i = 0; i < BP_MAX_CELLS; i++)
		CU_ASSERT_EQUAL(bs->cell_mV[i], cell_val(cycle, b, i));
	for (unsigned int i = 0; i < BP_MAX_TEMPS; i++)
		CU_ASSERT_EQUAL(bs->temp_dC[i], temp_val(cycle, b, i));
}

static void check_absent(const struct bp_snapshot *s, unsigned int b)
{
	CU_ASSERT(!(s->present & (1u << b)));
	for (unsigned int i = 0; i < BP_MAX_CELLS; i++)
		CU_ASSERT_EQUAL(s->board[b].cell_mV[i], BP_CELL_MV_NA);
	for (unsigned int i = 0; i < BP_MAX_TEMPS; i++)
		CU_ASSERT_EQUAL(s->board[b].temp_dC[i], BP_TEMP_DC_NA);
}

static struct bp_asm as;
static struct bp_snapshot snap;

static void test_asm_init(void)
{
	memset(&as, 0xA5, sizeof(as));
	bp_asm_init(&as);
	CU_ASSERT(!as.open);
	CU_ASSERT_EQUAL(as.frames, 0);
	CU_ASSERT_EQUAL(as.committed, 0);
	CU_ASSERT_EQUAL(as.discarded, 0);
}

static void test_asm_full_pack_commits(void)
{
	struct bp_msg fr[9], e;
	unsigned int total = 0;

	bp_asm_init(&as);
	memset(&snap, 0, sizeof(snap));
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		unsigned int n = board_frames(77, b, fr);

		for (unsigned int i = 0; i < n; i++)
			CU_ASSERT_EQUAL(bp_asm_feed(&as, &fr[i], &snap), 0);
		total += n;
	}
	CU_ASSERT_EQUAL(total, 288);
	CU_ASSERT(as.open);
	CU_ASSERT_EQUAL(as.frames, 288);
	e = cycle_end(77, 288, BP_TIME_MAX);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 1);
	CU_ASSERT_EQUAL(as.committed, 1);
	CU_ASSERT_EQUAL(as.discarded, 0);
	CU_ASSERT(!as.open);
	CU_ASSERT_EQUAL(snap.cycle, 77);
	CU_ASSERT_EQUAL(snap.time_ms, BP_TIME_MAX);
	CU_ASSERT_EQUAL(snap.present, 0xFFFFFFFFu);
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++)
		check_board(&snap, 77, b);
	/* a second end for the same cycle commits nothing more */
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.committed, 1);
}

static void test_asm_partial_boards(void)
{
	struct bp_msg fr[9], e;
	unsigned int n;

	bp_asm_init(&as);
	n = board_frames(3, 5, fr);
	for (unsigned int i = 0; i < n; i++)
		bp_asm_feed(&as, &fr[i], &snap);
	e = cycle_end(3, (uint16_t)n, 1234);
	CU_ASSERT_EQUAL_FATAL(bp_asm_feed(&as, &e, &snap), 1);
	CU_ASSERT_EQUAL(snap.present, 1u << 5);
	check_board(&snap, 3, 5);
	check_absent(&snap, 0);
	check_absent(&snap, 31);
	CU_ASSERT_EQUAL(snap.time_ms, 1234);
}

static void test_asm_lost_frame_discards(void)
{
	struct bp_msg fr[9], e;
	unsigned int n;

	bp_asm_init(&as);
	memset(&snap, 0x3C, sizeof(snap));
	for (unsigned int b = 0; b < 4; b++) {
		n = board_frames(9, b, fr);
		for (unsigned int i = 0; i < n; i++)
			if (!(b == 2 && i == 3)) /* one cell frame lost */
				bp_asm_feed(&as, &fr[i], &snap);
	}
	e = cycle_end(9, 36, 1);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.committed, 0);
	CU_ASSERT_EQUAL(as.discarded, 1);
	CU_ASSERT(!as.open);
	/* @out is untouched by a discarded cycle */
	CU_ASSERT_EQUAL(snap.cycle, 0x3C);
	CU_ASSERT_EQUAL(snap.present, 0x3C3C3C3Cu);

	/* a duplicated frame is as wrong as a missing one */
	bp_asm_init(&as);
	n = board_frames(10, 0, fr);
	for (unsigned int i = 0; i < n; i++)
		bp_asm_feed(&as, &fr[i], &snap);
	bp_asm_feed(&as, &fr[0], &snap);
	e = cycle_end(10, (uint16_t)n, 1);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.discarded, 1);

	/* the next complete cycle commits again */
	n = board_frames(11, 0, fr);
	for (unsigned int i = 0; i < n; i++)
		bp_asm_feed(&as, &fr[i], &snap);
	e = cycle_end(11, (uint16_t)n, 2);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 1);
	CU_ASSERT_EQUAL(as.committed, 1);
	check_board(&snap, 11, 0);
}

static void test_asm_cycles_never_mix(void)
{
	struct bp_msg f5[4][9], f6[2][9], e;
	unsigned int n5 = 0, n6 = 0;
	int rc;

	/* cycle 5 covers boards 0..3, cycle 6 only boards 0..1 */
	for (unsigned int b = 0; b < 4; b++)
		n5 += board_frames(5, b, f5[b]);
	for (unsigned int b = 0; b < 2; b++)
		n6 += board_frames(6, b, f6[b]);

	/* frames interleaved: 5, 6, 5, 6 ... then the end of 6 */
	bp_asm_init(&as);
	memset(&snap, 0, sizeof(snap));
	for (unsigned int i = 0; i < 9; i++) {
		bp_asm_feed(&as, &f5[0][i], &snap);
		bp_asm_feed(&as, &f6[0][i], &snap);
		bp_asm_feed(&as, &f5[1][i], &snap);
		bp_asm_feed(&as, &f6[1][i], &snap);
	}
	e = cycle_end(6, (uint16_t)n6, 66);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.committed, 0);
	CU_ASSERT(as.discarded > 0);

	/* late frames of 5 right before 6: only 6 is in the commit */
	bp_asm_init(&as);
	for (unsigned int b = 0; b < 4; b++)
		for (unsigned int i = 0; i < 9; i++)
			bp_asm_feed(&as, &f5[b][i], &snap);
	for (unsigned int b = 0; b < 2; b++)
		for (unsigned int i = 0; i < 9; i++)
			bp_asm_feed(&as, &f6[b][i], &snap);
	CU_ASSERT_EQUAL(as.discarded, 1); /* 5 never ended */
	e = cycle_end(5, (uint16_t)n5, 55); /* a late end of 5 */
	rc = bp_asm_feed(&as, &e, &snap);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(as.committed, 0);

	/* and a clean run of 6 after a run of 5 that ended */
	bp_asm_init(&as);
	for (unsigned int b = 0; b < 4; b++)
		for (unsigned int i = 0; i < 9; i++)
			bp_asm_feed(&as, &f5[b][i], &snap);
	e = cycle_end(5, (uint16_t)n5, 55);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 1);
	check_board(&snap, 5, 3);
	for (unsigned int b = 0; b < 2; b++)
		for (unsigned int i = 0; i < 9; i++)
			bp_asm_feed(&as, &f6[b][i], &snap);
	e = cycle_end(6, (uint16_t)n6, 66);
	CU_ASSERT_EQUAL_FATAL(bp_asm_feed(&as, &e, &snap), 1);
	CU_ASSERT_EQUAL(snap.cycle, 6);
	CU_ASSERT_EQUAL(snap.time_ms, 66);
	CU_ASSERT_EQUAL(snap.present, 0x3u);
	check_board(&snap, 6, 0);
	check_board(&snap, 6, 1);
	/* boards 2 and 3 reported only in cycle 5: nothing of them remains */
	check_absent(&snap, 2);
	check_absent(&snap, 3);
	CU_ASSERT_EQUAL(snap.board[2].ncells, 0);
	CU_ASSERT_EQUAL(snap.board[3].flags, 0);
	CU_ASSERT_EQUAL(as.committed, 2);
	CU_ASSERT_EQUAL(as.discarded, 0);

	/* a single frame of 5 inside 6 spoils 6, and is not committed either */
	bp_asm_init(&as);
	for (unsigned int i = 0; i < 9; i++)
		bp_asm_feed(&as, &f6[0][i], &snap);
	bp_asm_feed(&as, &f5[2][0], &snap);
	for (unsigned int i = 0; i < 9; i++)
		bp_asm_feed(&as, &f6[1][i], &snap);
	e = cycle_end(6, (uint16_t)n6, 66);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.committed, 0);
	CU_ASSERT_EQUAL(as.discarded, 3); /* 6 (first half), the lone 5, 6 (second half) */
}

static void test_asm_end_without_stage(void)
{
	struct bp_msg e = cycle_end(1, 0, 0), fr[9];

	bp_asm_init(&as);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.discarded, 0);
	e = cycle_end(1, 9, 0);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.discarded, 1);
	CU_ASSERT_EQUAL(as.committed, 0);

	/* an end of another cycle while a stage is open: both are lost */
	board_frames(2, 0, fr);
	bp_asm_feed(&as, &fr[0], &snap);
	e = cycle_end(3, 9, 0);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.discarded, 3);
	CU_ASSERT(!as.open);
	/* an empty end of another cycle: only the stage is lost */
	bp_asm_feed(&as, &fr[0], &snap);
	e = cycle_end(4, 0, 0);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, &snap), 0);
	CU_ASSERT_EQUAL(as.discarded, 4);
	CU_ASSERT_EQUAL(as.committed, 0);
}

static void test_asm_rejects_other_types(void)
{
	struct bp_msg m;

	bp_asm_init(&as);
	for (int t = BP_T_NONE; t <= BP_T_COUNT; t++) {
		if (t == BP_T_CELLS || t == BP_T_TEMPS || t == BP_T_BSTATUS || t == BP_T_CYCLE_END)
			continue;
		m = sample((enum bp_type)t);
		m.type = (enum bp_type)t;
		CU_ASSERT_EQUAL(bp_asm_feed(&as, &m, &snap), BP_EINVAL);
	}
	CU_ASSERT(!as.open);
	CU_ASSERT_EQUAL(as.discarded, 0);

	/* hand-made snapshot messages outside the map are refused too */
	m = sample(BP_T_CELLS);
	m.u.cells.board = 32;
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &m, &snap), BP_EINVAL);
	m = sample(BP_T_CELLS);
	m.u.cells.group = 6;
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &m, &snap), BP_EINVAL);
	m = sample(BP_T_TEMPS);
	m.u.temps.group = 2;
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &m, &snap), BP_EINVAL);
	m = sample(BP_T_BSTATUS);
	m.u.bst.board = 255;
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &m, &snap), BP_EINVAL);
	CU_ASSERT(!as.open);
	CU_ASSERT_EQUAL(as.frames, 0);
}

static void test_asm_null_out(void)
{
	struct bp_msg fr[9], e;
	unsigned int n;

	bp_asm_init(&as);
	n = board_frames(200, 31, fr);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(bp_asm_feed(&as, &fr[i], NULL), 0);
	e = cycle_end(200, (uint16_t)n, 5);
	CU_ASSERT_EQUAL(bp_asm_feed(&as, &e, NULL), 1);
	CU_ASSERT_EQUAL(as.committed, 1);
	check_board(&as.stage, 200, 31);
}

static void test_config_push_builder(void)
{
	struct bp_config c = good_config();
	struct bp_frame f[BP_CFG_MAX_SEGMENTS + 1];
	uint8_t blob[BP_CFG_BLOB_MAX], got[BP_CFG_BLOB_MAX];
	int len = bp_config_pack(&c, blob, sizeof(blob));
	uint32_t crc = 0;
	int n = bp_config_push(&c, f, BP_CFG_MAX_SEGMENTS + 1, &crc);
	struct bp_msg m;

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(n, (len + 6) / 7 + 1);
	CU_ASSERT_EQUAL(crc, crc32_update(0, blob, (size_t)len));
	for (int i = 0; i < n - 1; i++) {
		CU_ASSERT_EQUAL_FATAL(bp_decode(&f[i], &m), BP_OK);
		CU_ASSERT_EQUAL(m.type, BP_T_CFG_DATA);
		CU_ASSERT_EQUAL(m.u.cfgd.seq, i);
		for (int k = 0; k < 7; k++)
			if (i * 7 + k < len)
				got[i * 7 + k] = m.u.cfgd.bytes[k];
	}
	CU_ASSERT_EQUAL(memcmp(got, blob, (size_t)len), 0);
	CU_ASSERT_EQUAL_FATAL(bp_decode(&f[n - 1], &m), BP_OK);
	CU_ASSERT_EQUAL(m.type, BP_T_CFG_COMMIT);
	CU_ASSERT_EQUAL(m.u.cfgc.len, len);
	CU_ASSERT_EQUAL(m.u.cfgc.crc, crc);
	/* no room, or an invalid config: refused */
	CU_ASSERT_EQUAL(bp_config_push(&c, f, (size_t)n - 1, &crc), BP_EINVAL);
	c.heartbeat_timeout_ms = 0;
	CU_ASSERT_EQUAL(bp_config_push(&c, f, BP_CFG_MAX_SEGMENTS + 1, &crc), BP_EINVAL);
}

static void test_state_names(void)
{
	CU_ASSERT_STRING_EQUAL(bp_safety_name(BP_SAFETY_LOCKED), "locked");
	CU_ASSERT_STRING_EQUAL(bp_safety_name(BP_SAFETY_TRIPPED), "tripped");
	CU_ASSERT_STRING_EQUAL(bp_safety_name(3), "?");
	CU_ASSERT_STRING_EQUAL(bp_cfg_state_name(BP_CFG_ACTIVE), "active");
	CU_ASSERT_STRING_EQUAL(bp_cfg_state_name(BP_CFG_REJECTED), "rejected");
	CU_ASSERT_STRING_EQUAL(bp_cfg_state_name(4), "?");
	CU_ASSERT_STRING_EQUAL(bp_trip_name(BP_TRIP_HEARTBEAT), "heartbeat");
	CU_ASSERT_STRING_EQUAL(bp_trip_name(BP_TRIP_CFG_CHANGED), "config-changed");
	CU_ASSERT_STRING_EQUAL(bp_trip_name(BP_TRIP_CELL_HIGH | BP_TRIP_CELL_LOW), "?");
	CU_ASSERT_STRING_EQUAL(bp_trip_name(BP_TRIP_CURRENT_SENSOR), "current-sensor");
	CU_ASSERT_STRING_EQUAL(bp_trip_name(1u << 8), "?");
	CU_ASSERT_STRING_EQUAL(bp_trip_name(0), "?");
}

void cu_register(void)
{
	static const struct cu_test codec[] = {
		CU_TEST(test_round_trip_all_types),
		CU_TEST(test_encode_zeroes_unused),
		CU_TEST(test_encode_bad_type),
		CU_TEST(test_wire_layout_bytes),
		CU_TEST(test_heartbeat_limits),
		CU_TEST(test_output_cmd_limits),
		CU_TEST(test_bal_cmd_limits),
		CU_TEST(test_cfg_frames_limits),
		CU_TEST(test_status_limits),
		CU_TEST(test_current_limits),
		CU_TEST(test_charge_limits),
		CU_TEST(test_io_limits),
		CU_TEST(test_ext_limits),
		CU_TEST(test_logic_cal_version_limits),
		CU_TEST(test_cells_packing),
		CU_TEST(test_cells_ids),
		CU_TEST(test_temps_packing),
		CU_TEST(test_bstatus_limits),
		CU_TEST(test_cycle_end_limits),
		CU_TEST(test_decode_short),
		CU_TEST(test_decode_unknown),
		CU_TEST(test_decode_all_ids),
		CU_TEST(test_type_names),
		CU_END,
	};
	static const struct cu_test bits[] = {
		CU_TEST(test_bits_all_zero),
		CU_TEST(test_bits_against_model),
		CU_TEST(test_bits_bounds),
		CU_END,
	};
	static const struct cu_test config[] = {
		CU_TEST(test_config_push_builder),
		CU_TEST(test_crc_vectors),
		CU_TEST(test_config_round_trip),
		CU_TEST(test_config_float_bits),
		CU_TEST(test_config_ranges),
		CU_TEST(test_config_edges),
		CU_TEST(test_config_bad_blobs),
		CU_TEST(test_config_blob_crc),
		CU_TEST(test_config_push_frames),
		CU_END,
	};
	static const struct cu_test recv[] = {
		CU_TEST(test_seq),
		CU_TEST(test_asm_init),
		CU_TEST(test_asm_full_pack_commits),
		CU_TEST(test_asm_partial_boards),
		CU_TEST(test_asm_lost_frame_discards),
		CU_TEST(test_asm_cycles_never_mix),
		CU_TEST(test_asm_end_without_stage),
		CU_TEST(test_asm_rejects_other_types),
		CU_TEST(test_asm_null_out),
		CU_TEST(test_state_names),
		CU_END,
	};

	cu_add("bp_codec", codec);
	cu_add("bp_bits", bits);
	cu_add("bp_config", config);
	cu_add("bp_receiver", recv);
}
