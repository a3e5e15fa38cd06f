/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_codec: the bridge-protocol codec on one realistic 100 ms of bus
 * traffic, repeated N times. bench/codec.sh runs it under callgrind and
 * reads the inclusive cost of bench_decode() and bench_encode_decode().
 *
 *   bench_codec N
 *
 * The mix is one Logic cycle of a full pack (32 boards x 24 cells x 8
 * temperatures: 288 snapshot frames and the cycle end) with the MCU's
 * fast frames of the same 100 ms (10 x CURRENT, STATUS, CHARGE_IN,
 * CHARGE_OUT, IO, EXT, LOGIC, one VERSION) and the daemon's commands
 * (HEARTBEAT, OUTPUT_CMD, four BAL_CMD).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bp.h"

#define MIX_MAX 400u

static struct bp_msg mix[MIX_MAX];
static struct bp_frame wire[MIX_MAX];
static unsigned int nmix;

/* Kept out of line so that callgrind reports their inclusive cost. */
unsigned long bench_decode(unsigned long n) __attribute__((noinline));
unsigned long bench_encode_decode(unsigned long n) __attribute__((noinline));

static struct bp_msg *add(enum bp_type t)
{
	struct bp_msg *m = &mix[nmix++];

	memset(m, 0, sizeof(*m));
	m->type = t;
	return m;
}

static void fast_frames(uint8_t ctr, unsigned int slot)
{
	struct bp_msg *m = add(BP_T_CURRENT);

	m->u.cur.ctr = ctr;
	m->u.cur.flags = BP_CUR_S1_VALID | BP_CUR_S2_VALID;
	m->u.cur.mA[0] = -42000 + (int32_t)slot * 37;
	m->u.cur.mA[1] = -41800 + (int32_t)slot * 41;
}

static void build_mix(void)
{
	struct bp_msg *m;
	uint8_t cycle = 200;

	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++) {
		for (unsigned int g = 0; g < BP_CELL_GROUPS; g++) {
			m = add(BP_T_CELLS);
			m->u.cells.cycle = cycle;
			m->u.cells.board = (uint8_t)b;
			m->u.cells.group = (uint8_t)g;
			for (unsigned int k = 0; k < BP_CELLS_PER_FRAME; k++)
				m->u.cells.mV[k] = (uint16_t)(3280 + (b * 7 + g * 5 + k * 3) % 40);
		}
		for (unsigned int g = 0; g < BP_TEMP_GROUPS; g++) {
			m = add(BP_T_TEMPS);
			m->u.temps.cycle = cycle;
			m->u.temps.board = (uint8_t)b;
			m->u.temps.group = (uint8_t)g;
			for (unsigned int k = 0; k < BP_TEMPS_PER_FRAME; k++)
				m->u.temps.dC[k] = (int16_t)(231 + (b + g * 4 + k) % 17);
		}
		m = add(BP_T_BSTATUS);
		m->u.bst = (struct bp_bstatus){ cycle, (uint8_t)b, BP_BOARD_ONLINE | BP_BOARD_FRESH,
						b == 3 ? 0x000104u : 0, 0, 24, 8 };
		/* the MCU's own frames go out between the boards' */
		if (b % 3 == 0 && b < 30)
			fast_frames((uint8_t)(b / 3), b);
	}
	m = add(BP_T_CYCLE_END);
	m->u.end = (struct bp_cycle_end){ cycle, 288, UINT64_C(3600000123) };

	m = add(BP_T_STATUS);
	m->u.status = (struct bp_status){ 17, BP_SAFETY_ARMED, BP_CFG_ACTIVE, 0, 0x1C291CA3u };
	m = add(BP_T_CHARGE_IN);
	m->u.chg = (struct bp_charge){ 17, UINT64_C(51234567890) };
	m = add(BP_T_CHARGE_OUT);
	m->u.chg = (struct bp_charge){ 17, UINT64_C(49876543210) };
	m = add(BP_T_IO);
	m->u.io = (struct bp_io){ 17, 0x5, 0x5, 0x1, 0x1, 0x2, 0, 52400 };
	m = add(BP_T_EXT);
	m->u.ext = (struct bp_ext){ 17, { BP_SENSOR_OK, BP_SENSOR_ABSENT }, BP_SENSOR_OK,
				    { 215, BP_TEMP_DC_NA }, 455 };
	m = add(BP_T_LOGIC);
	m->u.logic = (struct bp_logic){ 17, 0xFFFFFFFFu, 32, 3, 1 };
	m = add(BP_T_VERSION);
	m->u.ver = (struct bp_version){ 1, BP_PROTO_VERSION, 0, 1, 0, 1, 3600 };

	m = add(BP_T_HEARTBEAT);
	m->u.hb = (struct bp_heartbeat){ 17, 1, 0x1C291CA3u };
	m = add(BP_T_OUTPUT_CMD);
	m->u.out = (struct bp_output_cmd){ 17, 0x5, 0x2, 0 };
	for (unsigned int b = 0; b < 4; b++) {
		m = add(BP_T_BAL_CMD);
		m->u.bal = (struct bp_bal_cmd){ (uint8_t)b, (uint8_t)(b * 8), 0x000104u << b };
	}
}

static unsigned long digest(const struct bp_msg *m)
{
	/* touch what the decoder wrote so that the work cannot be elided */
	return (unsigned long)m->type * 131u + m->u.status.ctr + m->u.cur.flags;
}

unsigned long bench_decode(unsigned long n)
{
	unsigned long sum = 0;
	struct bp_msg m;

	for (unsigned long r = 0; r < n; r++)
		for (unsigned int i = 0; i < nmix; i++)
			if (bp_decode(&wire[i], &m) == BP_OK)
				sum += digest(&m);
	return sum;
}

unsigned long bench_encode_decode(unsigned long n)
{
	unsigned long sum = 0;
	struct bp_frame f;
	struct bp_msg m;

	for (unsigned long r = 0; r < n; r++)
		for (unsigned int i = 0; i < nmix; i++)
			if (bp_encode(&mix[i], &f) == BP_OK && bp_decode(&f, &m) == BP_OK)
				sum += digest(&m);
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long n, a, b;
	char *end;

	if (argc != 2 || (n = strtoul(argv[1], &end, 10)) == 0 || *end) {
		fprintf(stderr, "usage: bench_codec N\n");
		return 2;
	}
	build_mix();
	for (unsigned int i = 0; i < nmix; i++)
		if (bp_encode(&mix[i], &wire[i]) != BP_OK) {
			fprintf(stderr, "bench_codec: cannot encode %s\n", bp_type_name(mix[i].type));
			return 1;
		}
	a = bench_decode(n);
	b = bench_encode_decode(n);
	printf("frames %u\n", nmix);
	printf("checksum %lx %lx\n", a, b);
	return a == b ? 0 : 1;
}
