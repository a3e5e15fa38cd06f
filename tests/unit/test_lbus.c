/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_lbus: the Logic-bus master against simulated boards on a
 * byte-timed wire, and the simulated boards on their own. */
#include <stdio.h>
#include <string.h>

#include "cu.h"

#include "core/lbus.h"
#include "hal/hal_uart.h"
#include "port/host/simboard.h"
#include "proto/crc.h"

static struct simbus bus;
static struct lbus lb;

/* ---- helpers: the simulated boards alone ------------------------------ */

static void frame_crc(uint8_t *p, size_t n)
{
	uint16_t crc = crc16_modbus(p, n);

	p[n] = (uint8_t)(crc & 0xFF);
	p[n + 1] = (uint8_t)(crc >> 8);
}

static bool frame_crc_ok(const uint8_t *p, size_t n)
{
	uint16_t crc;

	if (n < 4)
		return false;
	crc = crc16_modbus(p, n - 2);
	return p[n - 2] == (crc & 0xFF) && p[n - 1] == (crc >> 8);
}

static void sb_setup(uint8_t nboards, uint8_t ncells, uint8_t ntemps)
{
	simbus_init(&bus, nboards, ncells, ntemps, 500000);
	simbus_hal = &bus;
}

/* Send @req, let up to @max_us pass (in 10 us steps, stopping once the wire
 * is quiet for 200 us after something arrived) and return what came back. */
static size_t sb_transact(const uint8_t *req, size_t n, uint8_t *out, size_t cap, uint32_t max_us)
{
	size_t got = 0;
	uint32_t quiet = 0;

	CU_ASSERT_EQUAL_FATAL(hal_uart_write(req, n), n);
	for (uint32_t t = 0; t < max_us; t += 10) {
		size_t k;

		simbus_advance(&bus, 10);
		k = hal_uart_read(out + got, cap - got);
		got += k;
		quiet = k ? 0 : quiet + 10;
		if (got && quiet >= 200 && !simbus_reply_pending(&bus))
			break;
	}
	return got;
}

/* Build a request with its CRC; returns its length. */
static size_t mkreq(uint8_t *p, uint8_t addr, uint8_t fn, uint16_t a, uint16_t b)
{
	p[0] = addr;
	p[1] = fn;
	p[2] = (uint8_t)(a >> 8);
	p[3] = (uint8_t)a;
	p[4] = (uint8_t)(b >> 8);
	p[5] = (uint8_t)b;
	frame_crc(p, 6);
	return 8;
}

static size_t mkwrite(uint8_t *p, uint8_t addr, uint16_t start, uint16_t count, uint8_t bc,
		      const uint16_t *v)
{
	size_t n = 7;

	p[0] = addr;
	p[1] = 0x10;
	p[2] = (uint8_t)(start >> 8);
	p[3] = (uint8_t)start;
	p[4] = (uint8_t)(count >> 8);
	p[5] = (uint8_t)count;
	p[6] = bc;
	for (unsigned int k = 0; k < bc / 2u; k++) {
		p[n++] = (uint8_t)(v[k] >> 8);
		p[n++] = (uint8_t)v[k];
	}
	frame_crc(p, n);
	return n + 2;
}

/* Expect an exception reply with @code to @fn from @addr. */
static void expect_exception(const uint8_t *r, size_t n, uint8_t addr, uint8_t fn, uint8_t code)
{
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(r[0], addr);
	CU_ASSERT_EQUAL(r[1], fn | 0x80);
	CU_ASSERT_EQUAL(r[2], code);
	CU_ASSERT_TRUE(frame_crc_ok(r, n));
}

/* Board 2 of the hand-built examples: 4 cells, 2 sensors. */
static void sb_board2(void)
{
	struct simboard *sb;

	sb_setup(2, 4, 2);
	sb = &bus.board[1];
	sb->cell_mV[0] = 3301;
	sb->cell_mV[1] = 3302;
	sb->cell_mV[2] = 3303;
	sb->cell_mV[3] = 3304;
	sb->temp_dC[0] = -105;
	sb->temp_dC[1] = 300;
	sb->bal_mask = 0x5;
}

/* ---- the simulated boards --------------------------------------------- */

static void test_sb_read_exact(void)
{
	/* computed independently of crc16_modbus */
	static const uint8_t req[] = { 0x02, 0x04, 0x00, 0x00, 0x00, 0x0A, 0x70, 0x3E };
	static const uint8_t want[] = {
		0x02, 0x04, 0x14, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x0C, 0xE5, 0x0C,
		0xE6, 0x2D, 0x04,
	};
	uint8_t r[64];
	size_t n;

	sb_board2();
	n = sb_transact(req, sizeof(req), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(r, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(bus.board[1].requests, 1);
	CU_ASSERT_EQUAL(bus.board[1].replies, 1);
	CU_ASSERT_EQUAL(bus.board[0].requests, 0);
	CU_ASSERT_EQUAL(bus.board[0].replies, 0);
}

static void test_sb_read_temps_exact(void)
{
	static const uint8_t req[] = { 0x02, 0x04, 0x00, 0x20, 0x00, 0x02, 0x70, 0x32 };
	static const uint8_t want[] = { 0x02, 0x04, 0x04, 0xFF, 0x97, 0x80, 0x00, 0x28, 0xBC };
	uint8_t r[32];
	size_t n;

	sb_board2();
	bus.board[1].ntc_fault = 0x02;
	n = sb_transact(req, sizeof(req), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(r, want, sizeof(want)), 0);
	/* a sensor the board does not have reads as a fault too */
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 34), 0x8000);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 5), 0x02);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 12), 0); /* no cell 5 */
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 40), 0);
}

static void test_sb_write_exact(void)
{
	static const uint8_t req[] = {
		0x02, 0x10, 0x01, 0x00, 0x00, 0x02, 0x04, 0x00, 0x05, 0x00, 0x00, 0xE1, 0x7A,
	};
	static const uint8_t want[] = { 0x02, 0x10, 0x01, 0x00, 0x00, 0x02, 0x40, 0x07 };
	uint8_t r[32];
	size_t n;

	sb_setup(2, 4, 2);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 0), SIMBOARD_ST_VALID);
	n = sb_transact(req, sizeof(req), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(r, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(bus.board[1].bal_mask, 0x5);
	CU_ASSERT_EQUAL(bus.board[1].writes, 1);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 0),
			SIMBOARD_ST_VALID | SIMBOARD_ST_BALANCING);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 3), 0x5);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[1], 4), 0);
}

static void test_sb_write_high_bits(void)
{
	static const uint16_t v[] = { 0x1234, 0x00AB };
	uint8_t req[32], r[32];
	size_t n;

	sb_setup(1, 24, 0);
	n = sb_transact(req, mkwrite(req, 1, 0x100, 2, 4, v), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(bus.board[0].bal_mask, 0xAB1234u);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[0], 3), 0x1234);
	CU_ASSERT_EQUAL(simboard_input_reg(&bus.board[0], 4), 0xAB);
	/* one register alone leaves the other half as it was */
	n = sb_transact(req, mkwrite(req, 1, 0x101, 1, 2, &v[0] + 1), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(r[3], 0x01);
	CU_ASSERT_EQUAL(r[5], 0x01);
	CU_ASSERT_EQUAL(bus.board[0].bal_mask, 0xAB1234u);
}

static void test_sb_exceptions(void)
{
	static const uint8_t illegal_fn[] = { 0x02, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x39 };
	static const uint8_t want_fn[] = { 0x02, 0x83, 0x01, 0x70, 0xF0 };
	static const uint16_t big[] = { 0x0000, 0x0100 };
	static const uint16_t beyond[] = { 0x0010, 0x0000 };
	static const uint16_t ok[] = { 0x000F, 0x0000 };
	uint8_t req[32], r[128];
	size_t n;

	sb_setup(2, 4, 2);
	n = sb_transact(illegal_fn, sizeof(illegal_fn), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, sizeof(want_fn));
	CU_ASSERT_EQUAL(memcmp(r, want_fn, sizeof(want_fn)), 0);

	n = sb_transact(req, mkreq(req, 2, 0x04, 39, 2), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x04, 0x02);
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 0), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x04, 0x03);
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 126), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x04, 0x03);
	/* the whole map in one read is fine, one past it is not */
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 40), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, 85);
	n = sb_transact(req, mkreq(req, 2, 0x04, 1, 40), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x04, 0x02);

	n = sb_transact(req, mkwrite(req, 2, 0x100, 2, 2, ok), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x10, 0x03);
	n = sb_transact(req, mkwrite(req, 2, 0x0FF, 2, 4, ok), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x10, 0x02);
	n = sb_transact(req, mkwrite(req, 2, 0x101, 2, 4, ok), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x10, 0x02);
	n = sb_transact(req, mkwrite(req, 2, 0x100, 2, 4, big), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x10, 0x03);
	n = sb_transact(req, mkwrite(req, 2, 0x100, 2, 4, beyond), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x10, 0x03);
	CU_ASSERT_EQUAL(bus.board[1].bal_mask, 0);
	CU_ASSERT_EQUAL(bus.board[1].writes, 0);
	n = sb_transact(req, mkwrite(req, 2, 0x100, 2, 4, ok), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(bus.board[1].bal_mask, 0xF);

	/* an unknown function code of any length, found by its CRC */
	req[0] = 2;
	req[1] = 0x2B;
	req[2] = 0x0E;
	frame_crc(req, 3);
	n = sb_transact(req, 5, r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x2B, 0x01);
	CU_ASSERT_EQUAL(bus.collisions, 0);
}

static void test_sb_addressing(void)
{
	uint8_t req[16], r[128];
	size_t n;

	sb_setup(2, 4, 0);
	n = sb_transact(req, mkreq(req, 3, 0x04, 0, 9), r, sizeof(r), 3000);
	CU_ASSERT_EQUAL(n, 0);
	n = sb_transact(req, mkreq(req, 0, 0x04, 0, 9), r, sizeof(r), 3000);
	CU_ASSERT_EQUAL(n, 0); /* broadcast is not used: nobody answers */
	n = sb_transact(req, mkreq(req, 1, 0x04, 0, 9), r, sizeof(r), 3000);
	CU_ASSERT_EQUAL(n, 23);
	CU_ASSERT_EQUAL(r[0], 1);
	CU_ASSERT_EQUAL(bus.board[0].requests, 1);
	CU_ASSERT_EQUAL(bus.board[1].requests, 0);
	bus.board[0].offline = true;
	n = sb_transact(req, mkreq(req, 1, 0x04, 0, 9), r, sizeof(r), 3000);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(bus.board[0].requests, 1);
	bus.board[0].offline = false;
	simbus_advance(&bus, 1000);
	n = sb_transact(req, mkreq(req, 1, 0x04, 0, 9), r, sizeof(r), 3000);
	CU_ASSERT_EQUAL(n, 23);
}

static void test_sb_timing(void)
{
	uint8_t req[16], r[128];
	size_t n;

	sb_setup(1, 24, 8);
	CU_ASSERT_EQUAL(bus.byte_ns, 20000);
	CU_ASSERT_TRUE(hal_uart_tx_idle());
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 1, 0x04, 0, 40)), 8);
	CU_ASSERT_FALSE(hal_uart_tx_idle());
	/* 8 bytes x 10 bits at 500 kbaud = 160 us */
	simbus_advance(&bus, 159);
	CU_ASSERT_FALSE(hal_uart_tx_idle());
	simbus_advance(&bus, 1);
	CU_ASSERT_TRUE(hal_uart_tx_idle());
	CU_ASSERT_TRUE(simbus_reply_pending(&bus));
	/* 50 us turnaround, then the first byte takes 20 us */
	simbus_advance(&bus, 69);
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 0);
	simbus_advance(&bus, 1);
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 1);
	/* 85 bytes in all: the last one ends 160 + 50 + 1700 us after the start */
	simbus_advance(&bus, 1680 - 1);
	n = hal_uart_read(r + 1, sizeof(r) - 1);
	CU_ASSERT_EQUAL(n, 83);
	CU_ASSERT_TRUE(simbus_reply_pending(&bus));
	simbus_advance(&bus, 1);
	CU_ASSERT_EQUAL(hal_uart_read(r + 84, sizeof(r) - 84), 1);
	CU_ASSERT_FALSE(simbus_reply_pending(&bus));
	CU_ASSERT_TRUE(frame_crc_ok(r, 85));
	CU_ASSERT_EQUAL(bus.now_ns, 1910000u);
}

static void test_sb_timing_115200(void)
{
	uint8_t req[16];

	simbus_init(&bus, 1, 4, 0, 115200);
	simbus_hal = &bus;
	CU_ASSERT_EQUAL(bus.byte_ns, 86806);
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 1, 0x04, 0, 12)), 8);
	simbus_advance(&bus, 694);
	CU_ASSERT_FALSE(hal_uart_tx_idle());
	simbus_advance(&bus, 1);
	CU_ASSERT_TRUE(hal_uart_tx_idle());
	/* default baud when 0 is given */
	simbus_init(&bus, 1, 4, 0, 0);
	CU_ASSERT_EQUAL(bus.baud, 500000);
}

static void test_sb_bad_crc_resync(void)
{
	uint8_t req[16], r[64];
	uint32_t bad;
	size_t n;

	sb_setup(2, 4, 0);
	mkreq(req, 1, 0x04, 0, 9);
	req[7] ^= 0xFF;
	n = sb_transact(req, 8, r, sizeof(r), 2000);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(bus.board[0].bad_frames, 1);
	CU_ASSERT_EQUAL(bus.board[1].bad_frames, 1);
	CU_ASSERT_EQUAL(bus.board[0].requests, 0);

	/* garbage, then a good request with no silence in between: ignored */
	req[0] = 0x55;
	req[1] = 0x66;
	mkreq(req + 2, 1, 0x04, 0, 9);
	CU_ASSERT_EQUAL(hal_uart_write(req, 10), 10);
	simbus_advance(&bus, 2000);
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 0);
	/* after a silence the boards listen again */
	n = sb_transact(req, mkreq(req, 1, 0x04, 0, 9), r, sizeof(r), 2000);
	CU_ASSERT_EQUAL(n, 23);
	CU_ASSERT_TRUE(frame_crc_ok(r, n));

	/* a frame longer than any request is dropped */
	for (unsigned int i = 0; i < 16; i++)
		req[i] = (uint8_t)(0x10 + i);
	req[0] = 1;
	req[1] = 0x10;
	req[6] = 0xF0; /* claims 249 bytes */
	bad = bus.board[0].bad_frames;
	CU_ASSERT_EQUAL(hal_uart_write(req, 16), 16);
	simbus_advance(&bus, 1000);
	CU_ASSERT_EQUAL(bus.board[0].bad_frames, bad); /* cut short by silence */
	for (unsigned int k = 0; k < 5; k++) {
		CU_ASSERT_EQUAL(hal_uart_write(req, 16), 16);
		simbus_advance(&bus, 16 * 20);
	}
	CU_ASSERT_EQUAL(bus.board[0].bad_frames, bad + 1);
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 0);
}

static void test_sb_back_to_back(void)
{
	uint8_t req[16], r[64];
	size_t n;

	sb_setup(2, 4, 0);
	/* the next request may follow the reply at once: the length ends a frame */
	n = sb_transact(req, mkreq(req, 1, 0x04, 0, 9), r, sizeof(r), 2000);
	CU_ASSERT_EQUAL(n, 23);
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 2, 0x04, 0, 9)), 8);
	simbus_advance(&bus, 160 + 50 + 23 * 20);
	n = hal_uart_read(r, sizeof(r));
	CU_ASSERT_EQUAL(n, 23);
	CU_ASSERT_EQUAL(r[0], 2);
	/* two requests in one burst: both parsed */
	mkreq(req, 1, 0x04, 0, 9);
	CU_ASSERT_EQUAL(hal_uart_write(req, 8), 8);
	simbus_advance(&bus, 20 * 8);
	CU_ASSERT_EQUAL(bus.board[0].requests, 2);
}

static void test_sb_faults(void)
{
	uint8_t req[16], r[128], good[128];
	size_t n, ng;

	sb_setup(3, 4, 2);
	ng = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), good, sizeof(good), 5000);
	CU_ASSERT_EQUAL(ng, 73);
	CU_ASSERT_TRUE(frame_crc_ok(good, ng));

	bus.board[1].corrupt_crc = true;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, ng);
	CU_ASSERT_FALSE(frame_crc_ok(r, n));
	CU_ASSERT_EQUAL(memcmp(r, good, ng - 2), 0);
	bus.board[1].corrupt_crc = false;

	bus.board[1].truncate = 3;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, ng - 3);
	CU_ASSERT_EQUAL(memcmp(r, good, ng - 3), 0);
	bus.board[1].truncate = 200;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, 0);
	bus.board[1].truncate = 0;

	bus.board[1].exception = 0x04;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	expect_exception(r, n, 2, 0x04, 0x04);
	bus.board[1].exception = 0;

	bus.board[1].mangle = SIMBOARD_MANGLE_ADDR;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, ng);
	CU_ASSERT_EQUAL(r[0], 3);
	CU_ASSERT_TRUE(frame_crc_ok(r, n));
	bus.board[1].mangle = SIMBOARD_MANGLE_FUNC;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(r[1], 0x05);
	CU_ASSERT_TRUE(frame_crc_ok(r, n));
	bus.board[1].mangle = SIMBOARD_MANGLE_COUNT;
	n = sb_transact(req, mkreq(req, 2, 0x04, 0, 34), r, sizeof(r), 5000);
	CU_ASSERT_EQUAL(n, ng + 2 * SIMBOARD_EXTRA_REGS);
	CU_ASSERT_EQUAL(r[2], 68 + 2 * SIMBOARD_EXTRA_REGS);
	CU_ASSERT_TRUE(frame_crc_ok(r, n));
	bus.board[1].mangle = SIMBOARD_MANGLE_NONE;

	/* slow: nothing within its delay, the full reply after it */
	bus.board[1].slow = true;
	bus.board[1].slow_us = 8000;
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 2, 0x04, 0, 34)), 8);
	simbus_advance(&bus, 160 + 50 + 8000);
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 0);
	CU_ASSERT_TRUE(simbus_reply_pending(&bus));
	simbus_advance(&bus, 73 * 20);
	n = hal_uart_read(r, sizeof(r));
	CU_ASSERT_EQUAL(n, ng);
	CU_ASSERT_EQUAL(memcmp(r, good, ng), 0);
}

static void test_sb_collisions(void)
{
	uint8_t req[16], r[128];

	sb_setup(2, 4, 0);
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 1, 0x04, 0, 9)), 8);
	/* a second write while the first is still on the wire is refused */
	CU_ASSERT_EQUAL(hal_uart_write(req, 8), 0);
	CU_ASSERT_EQUAL(bus.tx_rejected, 1);
	simbus_advance(&bus, 180); /* request out, reply due in 30 us */
	CU_ASSERT_TRUE(simbus_reply_pending(&bus));
	CU_ASSERT_EQUAL(hal_uart_write(req, 8), 8);
	CU_ASSERT_EQUAL(bus.collisions, 1);
	simbus_advance(&bus, 160 + 100); /* board 1 answers the second request */
	hal_uart_flush_rx();
	CU_ASSERT_EQUAL(hal_uart_write(req, 8), 8);
	CU_ASSERT_EQUAL(bus.collisions, 2);

	/* a slow board's reply that has not started yet is silently given up */
	simbus_advance(&bus, 3000);
	hal_uart_flush_rx();
	bus.board[1].slow = true;
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 2, 0x04, 0, 9)), 8);
	simbus_advance(&bus, 5000);
	CU_ASSERT_TRUE(simbus_reply_pending(&bus));
	CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 1, 0x04, 0, 9)), 8);
	CU_ASSERT_EQUAL(bus.collisions, 2);
	CU_ASSERT_EQUAL(bus.late_dropped, 1);
	simbus_advance(&bus, 30000);
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 23);
	CU_ASSERT_EQUAL(r[0], 1);
	CU_ASSERT_EQUAL(bus.board[1].replies, 0);
}

static void test_sb_fifo_and_null(void)
{
	uint8_t req[16], r[8];

	sb_setup(1, 24, 8);
	/* seven full replies never read: the receive FIFO overflows */
	for (unsigned int k = 0; k < 7; k++) {
		CU_ASSERT_EQUAL(hal_uart_write(req, mkreq(req, 1, 0x04, 0, 40)), 8);
		simbus_advance(&bus, 3000);
	}
	CU_ASSERT_EQUAL(bus.rx_len, SIMBUS_FIFO);
	CU_ASSERT_EQUAL(bus.rx_overflow, 7 * 85 - SIMBUS_FIFO);
	hal_uart_flush_rx();
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 0);
	CU_ASSERT_EQUAL(hal_uart_write(req, 0), 0);

	simbus_hal = NULL;
	CU_ASSERT_EQUAL(hal_uart_write(req, 8), 0);
	CU_ASSERT_TRUE(hal_uart_tx_idle());
	CU_ASSERT_EQUAL(hal_uart_read(r, sizeof(r)), 0);
	hal_uart_flush_rx();
	simbus_hal = &bus;
}

/* ---- the master against the boards ------------------------------------ */

static struct rec {
	uint32_t now;
	uint32_t board_ev, cycle_ev;
	uint32_t order_errors;
	uint8_t next_board;
	uint8_t last_cycle;
	bool seen_cycle;
	uint32_t cycle_start, last_start, start_gap;
	uint32_t last_dur, max_dur;
	uint32_t starts_at_end; /* cycles that began the ms the last one ended */
	uint32_t last_end;
	/* what the master believed of one watched board at its events */
	int watch;
	uint32_t watch_online_err;
} rec;

static void rig_cfg(const struct lbus_cfg *cfg)
{
	lbus_init(&lb, cfg);
	memset(&rec, 0, sizeof(rec));
	rec.watch = -1;
}

static void rig(uint8_t boards, uint8_t cells, uint8_t temps, uint32_t baud)
{
	struct lbus_cfg cfg = {
		.boards = boards, .cells = cells, .temps = temps,
		.cycle_ms = LBUS_CYCLE_MS_DEFAULT,
		.reply_timeout_ms = LBUS_REPLY_TIMEOUT_MS_DEFAULT,
		.retries = LBUS_RETRIES_DEFAULT,
		.offline_ms = 1000,
	};

	simbus_init(&bus, boards, cells, temps, baud);
	simbus_hal = &bus;
	rig_cfg(&cfg);
}

static void on_event(const struct lbus_ev *ev)
{
	if (ev->type == LBUS_EV_BOARD) {
		rec.board_ev++;
		if (ev->board != rec.next_board || ev->cycle != lb.cycle)
			rec.order_errors++;
		rec.next_board++;
		if (rec.watch >= 0 && ev->board == rec.watch) {
			const struct lbus_board *bd = &lb.board[ev->board];
			bool should = bd->ever && rec.now - bd->last_ok_ms < lb.cfg.offline_ms;

			if (bd->online != should)
				rec.watch_online_err++;
		}
	} else if (ev->type == LBUS_EV_CYCLE) {
		rec.cycle_ev++;
		if (rec.next_board != lb.cfg.boards)
			rec.order_errors++;
		if (rec.seen_cycle && ev->cycle != (uint8_t)(rec.last_cycle + 1))
			rec.order_errors++;
		if (ev->cycle != lb.cycle)
			rec.order_errors++;
		rec.seen_cycle = true;
		rec.last_cycle = ev->cycle;
		rec.next_board = 0;
		rec.last_dur = rec.now - rec.cycle_start;
		if (rec.last_dur > rec.max_dur)
			rec.max_dur = rec.last_dur;
		rec.last_end = rec.now;
	} else {
		rec.order_errors++;
	}
}

static void poll_all(void)
{
	struct lbus_ev ev;
	uint8_t cyc = lb.cycle;
	int guard = 0;

	while (lbus_poll(&lb, rec.now, &ev)) {
		on_event(&ev);
		CU_ASSERT_FATAL(++guard < 1000);
		if (lb.cycle != cyc) {
			rec.start_gap = rec.now - rec.last_start;
			rec.last_start = rec.now;
			rec.cycle_start = rec.now;
			if (rec.now == rec.last_end && rec.cycle_ev)
				rec.starts_at_end++;
			cyc = lb.cycle;
		}
	}
	if (lb.cycle != cyc) {
		rec.start_gap = rec.now - rec.last_start;
		rec.last_start = rec.now;
		rec.cycle_start = rec.now;
		if (rec.now == rec.last_end && rec.cycle_ev)
			rec.starts_at_end++;
	}
}

/* One 1 ms tick: the wire moves, then the firmware polls until idle. */
static void tick(void)
{
	simbus_advance(&bus, 1000);
	rec.now++;
	poll_all();
}

static void run_ms(uint32_t ms)
{
	if (!rec.now && !lb.cycle_started)
		poll_all();
	while (ms--)
		tick();
}

/* Run until @n more cycle events (bounded). */
static void run_cycles(uint32_t n)
{
	uint32_t want = rec.cycle_ev + n;
	uint32_t guard = 0;

	if (!rec.now && !lb.cycle_started)
		poll_all();
	while (rec.cycle_ev < want && guard++ < 100000)
		tick();
	CU_ASSERT_EQUAL(rec.cycle_ev, want);
}

static void check_board_data(unsigned int i)
{
	const struct lbus_board *bd = &lb.board[i];
	const struct simboard *sb = &bus.board[i];

	CU_ASSERT_EQUAL(bd->ncells, sb->ncells);
	CU_ASSERT_EQUAL(bd->ntemps, sb->ntemps);
	for (unsigned int c = 0; c < lb.cfg.cells; c++)
		CU_ASSERT_EQUAL(bd->cell_mV[c], sb->cell_mV[c]);
	for (unsigned int t = 0; t < lb.cfg.temps; t++) {
		if ((sb->ntc_fault >> t) & 1u) {
			CU_ASSERT_EQUAL(bd->temp_dC[t], BP_TEMP_DC_NA);
		} else {
			CU_ASSERT_EQUAL(bd->temp_dC[t], sb->temp_dC[t]);
		}
	}
}

static void test_all_online_exact(void)
{
	unsigned int bad = 0;

	rig(32, 24, 8, 500000);
	/* every board its own values */
	for (unsigned int i = 0; i < 32; i++) {
		for (unsigned int c = 0; c < 24; c++)
			bus.board[i].cell_mV[c] = (uint16_t)(2500 + i * 37 + c * 13);
		for (unsigned int t = 0; t < 8; t++)
			bus.board[i].temp_dC[t] = (int16_t)(-400 + (int)(i * 29 + t * 7));
	}
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 0);
	run_cycles(1);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 32);
	CU_ASSERT_EQUAL(lbus_online_mask(&lb), 0xFFFFFFFFu);
	for (unsigned int i = 0; i < 32; i++) {
		const struct lbus_board *bd = &lb.board[i];

		CU_ASSERT_TRUE(bd->online && bd->ever && bd->fresh);
		CU_ASSERT_EQUAL(bd->status, SIMBOARD_ST_VALID);
		CU_ASSERT_EQUAL(bd->ntc_fault, 0);
		CU_ASSERT_FALSE(bd->err_this_cycle);
		check_board_data(i);
		for (unsigned int c = 0; c < 24; c++)
			bad += bd->cell_mV[c] != 2500 + i * 37 + c * 13;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(lb.board[31].temp_dC[7], -400 + 31 * 29 + 7 * 7);
	CU_ASSERT_EQUAL(lb.board[0].temp_dC[0], -400);
	/* new values arrive in the next cycle */
	bus.board[17].cell_mV[23] = 4199;
	bus.board[17].temp_dC[0] = -250;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[17].cell_mV[23], 4199);
	CU_ASSERT_EQUAL(lb.board[17].temp_dC[0], -250);
	CU_ASSERT_EQUAL(lb.crc_errors + lb.timeouts, 0);
	CU_ASSERT_EQUAL(bus.collisions, 0);
	CU_ASSERT_EQUAL(bus.frames_sent, 64);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
}

static void test_cycle_time_32(void)
{
	rig(32, 24, 8, 500000);
	run_cycles(3);
	printf("\n  lbus: 32 boards x 24 cells x 8 temps at 500 kbaud: cycle %u ms",
	       (unsigned int)rec.last_dur);
	CU_ASSERT_TRUE(rec.max_dur <= 100);
	CU_ASSERT_TRUE(rec.max_dur >= 60); /* 32 x 93 bytes cannot take less */
	CU_ASSERT_EQUAL(rec.start_gap, 100);
	CU_ASSERT_EQUAL(rec.starts_at_end, 0);

	/* worst case: a new mask for every board in the same cycle */
	for (unsigned int i = 0; i < 32; i++)
		lbus_set_balance(&lb, (uint8_t)i, 0x800001u | i << 4);
	run_cycles(1);
	printf("; with 32 balancing writes %u ms\n", (unsigned int)rec.last_dur);
	CU_ASSERT_TRUE(rec.last_dur <= 100);
	CU_ASSERT_EQUAL(bus.frames_sent, 4 * 32 + 32);
	for (unsigned int i = 0; i < 32; i++)
		CU_ASSERT_EQUAL(bus.board[i].bal_mask, 0x800001u | i << 4);
	CU_ASSERT_EQUAL(bus.collisions, 0);
	CU_ASSERT_EQUAL(lb.crc_errors + lb.timeouts, 0);
}

static void test_slow_baud_overruns(void)
{
	struct lbus_cfg cfg = {
		.boards = 32, .cells = 24, .temps = 8, .cycle_ms = 100,
		/* the longest reply alone takes 7.4 ms at 115200 baud */
		.reply_timeout_ms = 12, .retries = 2, .offline_ms = 1000,
	};

	simbus_init(&bus, 32, 24, 8, 115200);
	simbus_hal = &bus;
	rig_cfg(&cfg);
	run_cycles(3);
	printf("\n  lbus: the same bus at 115200 baud: cycle %u ms\n", (unsigned int)rec.last_dur);
	CU_ASSERT_TRUE(rec.last_dur > 100);
	/* an overrun cycle is followed at once: cycles 2, 3 and 4 began in
	 * the tick their predecessor ended */
	CU_ASSERT_EQUAL(rec.starts_at_end, 3);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 32);
	CU_ASSERT_EQUAL(lb.timeouts + lb.crc_errors, 0);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
}

static void test_offline_and_back(void)
{
	struct lbus_cfg cfg = {
		.boards = 8, .cells = 16, .temps = 4, .cycle_ms = 100,
		.reply_timeout_ms = 5, .retries = 2, .offline_ms = 350,
	};
	uint32_t t_lost, t_offline = 0;

	simbus_init(&bus, 8, 16, 4, 500000);
	simbus_hal = &bus;
	rig_cfg(&cfg);
	rec.watch = 5;
	run_cycles(2);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 8);
	t_lost = lb.board[5].last_ok_ms;
	bus.board[5].offline = true;
	for (unsigned int k = 0; k < 6; k++) {
		run_cycles(1);
		CU_ASSERT_FALSE(lb.board[5].fresh);
		CU_ASSERT_TRUE(lb.board[5].err_this_cycle);
		CU_ASSERT_TRUE(lb.board[5].ever);
		if (!lb.board[5].online && !t_offline)
			t_offline = rec.now;
		for (unsigned int i = 0; i < 8; i++) {
			if (i == 5)
				continue;
			CU_ASSERT_TRUE(lb.board[i].online && lb.board[i].fresh);
			CU_ASSERT_FALSE(lb.board[i].err_this_cycle);
		}
	}
	CU_ASSERT_FALSE(lb.board[5].online);
	CU_ASSERT_TRUE(t_offline - t_lost >= 350);
	CU_ASSERT_TRUE(t_offline - t_lost < 350 + 100 + 100);
	CU_ASSERT_EQUAL(lb.board[5].last_ok_ms, t_lost);
	CU_ASSERT_EQUAL(lb.board[5].timeouts, 6 * 3);
	CU_ASSERT_EQUAL(lb.timeouts, 6 * 3);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 7);
	CU_ASSERT_EQUAL(lbus_online_mask(&lb), 0xFFu & ~(1u << 5));

	bus.board[5].offline = false;
	bus.board[5].cell_mV[0] = 3456;
	run_cycles(1);
	CU_ASSERT_TRUE(lb.board[5].online && lb.board[5].fresh);
	CU_ASSERT_EQUAL(lb.board[5].cell_mV[0], 3456);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 8);
	CU_ASSERT_EQUAL(rec.watch_online_err, 0);
	CU_ASSERT_EQUAL(bus.collisions, 0);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
}

static void test_never_answered(void)
{
	rig(4, 8, 0, 500000);
	bus.board[2].offline = true;
	rec.watch = 2;
	run_cycles(15);
	CU_ASSERT_FALSE(lb.board[2].online);
	CU_ASSERT_FALSE(lb.board[2].ever);
	CU_ASSERT_FALSE(lb.board[2].fresh);
	CU_ASSERT_EQUAL(lb.board[2].timeouts, 15 * 3);
	CU_ASSERT_EQUAL(lb.board[2].cell_mV[0], BP_CELL_MV_NA);
	CU_ASSERT_EQUAL(lbus_online_mask(&lb), 0xBu);
	CU_ASSERT_EQUAL(rec.watch_online_err, 0);
}

static void test_corrupt_crc(void)
{
	uint32_t sent;

	rig(4, 12, 2, 500000);
	run_cycles(1);
	CU_ASSERT_TRUE(lb.board[2].fresh);
	bus.board[2].corrupt_crc = true;
	bus.board[2].cell_mV[0] = 4000;
	bus.board[2].temp_dC[1] = 777;
	sent = bus.frames_sent;
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.frames_sent - sent, 4 + 2); /* two retries */
	CU_ASSERT_EQUAL(lb.board[2].crc_errors, 3);
	CU_ASSERT_EQUAL(lb.crc_errors, 3);
	CU_ASSERT_EQUAL(lb.board[2].timeouts, 0);
	CU_ASSERT_FALSE(lb.board[2].fresh);
	CU_ASSERT_TRUE(lb.board[2].online);
	CU_ASSERT_TRUE(lb.board[2].err_this_cycle);
	CU_ASSERT_FALSE(lb.board[1].err_this_cycle);
	CU_ASSERT_NOT_EQUAL(lb.board[2].cell_mV[0], 4000);
	CU_ASSERT_NOT_EQUAL(lb.board[2].temp_dC[1], 777);
	for (unsigned int i = 0; i < 4; i++) {
		if (i != 2) {
			CU_ASSERT_TRUE(lb.board[i].fresh);
		}
	}
	bus.board[2].corrupt_crc = false;
	run_cycles(1);
	CU_ASSERT_TRUE(lb.board[2].fresh);
	CU_ASSERT_FALSE(lb.board[2].err_this_cycle);
	CU_ASSERT_EQUAL(lb.board[2].cell_mV[0], 4000);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[1], 777);
	CU_ASSERT_EQUAL(lb.crc_errors, 3);
	CU_ASSERT_EQUAL(bus.collisions, 0);
}

static void test_retries_zero(void)
{
	struct lbus_cfg cfg = {
		.boards = 3, .cells = 4, .temps = 0, .cycle_ms = 50,
		.reply_timeout_ms = 3, .retries = 0, .offline_ms = 500,
	};

	simbus_init(&bus, 3, 4, 0, 500000);
	simbus_hal = &bus;
	rig_cfg(&cfg);
	bus.board[0].corrupt_crc = true;
	bus.board[1].offline = true;
	run_cycles(2);
	CU_ASSERT_EQUAL(lb.board[0].crc_errors, 2);
	CU_ASSERT_EQUAL(lb.board[1].timeouts, 2);
	CU_ASSERT_EQUAL(bus.frames_sent, 6);
	CU_ASSERT_EQUAL(rec.start_gap, 50);
}

static void test_slow_board(void)
{
	rig(4, 8, 2, 500000);
	bus.board[1].slow = true;  /* answers 20 ms late */
	bus.board[3].slow = true;  /* the last one: its reply lands between cycles */
	run_cycles(3);
	CU_ASSERT_EQUAL(lb.board[1].timeouts, 9);
	CU_ASSERT_EQUAL(lb.board[3].timeouts, 9);
	CU_ASSERT_EQUAL(lb.board[1].crc_errors + lb.board[3].crc_errors, 0);
	CU_ASSERT_FALSE(lb.board[1].fresh || lb.board[3].fresh);
	CU_ASSERT_FALSE(lb.board[1].ever || lb.board[3].ever);
	CU_ASSERT_TRUE(lb.board[0].fresh && lb.board[2].fresh);
	/* the late replies never mixed into the next transaction */
	CU_ASSERT_EQUAL(lb.board[0].crc_errors + lb.board[2].crc_errors, 0);
	CU_ASSERT_EQUAL(lb.crc_errors, 0);
	CU_ASSERT_EQUAL(bus.collisions, 0);
	CU_ASSERT_TRUE(bus.late_dropped >= 3 * 5);
	/* one that is only a little slow still makes it */
	bus.board[1].slow_us = 1500;
	run_cycles(1);
	CU_ASSERT_TRUE(lb.board[1].fresh);
	CU_ASSERT_EQUAL(lb.board[1].timeouts, 9);
}

static void test_exception_reply(void)
{
	rig(3, 8, 2, 500000);
	run_cycles(1);
	bus.board[0].exception = 0x04;
	run_cycles(2);
	CU_ASSERT_EQUAL(lb.board[0].exceptions, 6);
	CU_ASSERT_EQUAL(lb.board[0].crc_errors + lb.board[0].timeouts, 0);
	CU_ASSERT_EQUAL(lb.crc_errors + lb.timeouts, 0);
	CU_ASSERT_FALSE(lb.board[0].fresh);
	CU_ASSERT_TRUE(lb.board[0].err_this_cycle);
	CU_ASSERT_TRUE(lb.board[0].online);
	CU_ASSERT_TRUE(lb.board[1].fresh);
	bus.board[0].exception = 0;
	run_cycles(1);
	CU_ASSERT_TRUE(lb.board[0].fresh);
	CU_ASSERT_EQUAL(lb.board[0].exceptions, 6);
	CU_ASSERT_EQUAL(bus.collisions, 0);
}

static void test_balancing(void)
{
	uint32_t sent, writes;

	rig(4, 24, 0, 500000);
	run_cycles(1);
	CU_ASSERT_FALSE(lb.board[3].bal_dirty);
	lbus_set_balance(&lb, 3, 0xA5A5A5u);
	CU_ASSERT_TRUE(lb.board[3].bal_dirty);
	CU_ASSERT_EQUAL(lb.board[3].bal_wanted, 0xA5A5A5u);
	sent = bus.frames_sent;
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.frames_sent - sent, 5);
	CU_ASSERT_EQUAL(bus.board[3].writes, 1);
	CU_ASSERT_EQUAL(bus.board[3].bal_mask, 0xA5A5A5u);
	CU_ASSERT_EQUAL(lb.board[3].bal_reported, 0xA5A5A5u);
	CU_ASSERT_FALSE(lb.board[3].bal_dirty);
	CU_ASSERT_TRUE(lb.board[3].status & SIMBOARD_ST_BALANCING);
	CU_ASSERT_FALSE(lb.board[2].status & SIMBOARD_ST_BALANCING);
	/* acknowledged: not written again */
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.board[3].writes, 1);

	/* the board forgets its mask (reset): the read shows it, the next
	 * cycle writes it again */
	bus.board[3].bal_mask = 0;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[3].bal_reported, 0);
	CU_ASSERT_TRUE(lb.board[3].bal_dirty);
	CU_ASSERT_EQUAL(bus.board[3].writes, 1);
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.board[3].writes, 2);
	CU_ASSERT_EQUAL(lb.board[3].bal_reported, 0xA5A5A5u);
	CU_ASSERT_FALSE(lb.board[3].bal_dirty);

	/* a board that comes up with a mask of its own is told ours (none) */
	bus.board[1].bal_mask = 0x3;
	run_cycles(2);
	CU_ASSERT_EQUAL(bus.board[1].bal_mask, 0);
	CU_ASSERT_EQUAL(lb.board[1].bal_reported, 0);

	/* the same mask again costs nothing; clearing it is written */
	writes = bus.board[3].writes;
	lbus_set_balance(&lb, 3, 0xA5A5A5u);
	CU_ASSERT_FALSE(lb.board[3].bal_dirty);
	lbus_set_balance(&lb, 3, 0);
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.board[3].writes, writes + 1);
	CU_ASSERT_EQUAL(bus.board[3].bal_mask, 0);
	CU_ASSERT_FALSE(lb.board[3].status & SIMBOARD_ST_BALANCING);

	/* out-of-range boards and bits beyond the cells are ignored */
	lbus_set_balance(&lb, 4, 0xFF);
	lbus_set_balance(&lb, 200, 0xFF);
	CU_ASSERT_EQUAL(lb.board[4].bal_wanted, 0);
	CU_ASSERT_FALSE(lb.board[4].bal_dirty);
	lbus_set_balance(&lb, 0, 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(lb.board[0].bal_wanted, 0xFFFFFFu);
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.board[0].bal_mask, 0xFFFFFFu);
	CU_ASSERT_EQUAL(bus.collisions, 0);
	CU_ASSERT_EQUAL(lb.crc_errors + lb.timeouts, 0);
}

static void test_balancing_narrow_and_retry(void)
{
	uint32_t sent;

	rig(2, 8, 0, 500000);
	lbus_set_balance(&lb, 0, 0x1FFu); /* 9 bits on 8 cells */
	CU_ASSERT_EQUAL(lb.board[0].bal_wanted, 0xFFu);
	/* the board refuses bits for cells it does not have: counted, and the
	 * board is still read */
	bus.board[0].ncells = 4;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[0].exceptions, 1);
	CU_ASSERT_TRUE(lb.board[0].fresh);
	CU_ASSERT_TRUE(lb.board[0].err_this_cycle);
	CU_ASSERT_TRUE(lb.board[0].bal_dirty);
	CU_ASSERT_EQUAL(lb.board[0].ncells, 4);
	CU_ASSERT_EQUAL(lb.board[0].cell_mV[3], bus.board[0].cell_mV[3]);
	CU_ASSERT_EQUAL(lb.board[0].cell_mV[4], BP_CELL_MV_NA);
	bus.board[0].ncells = 8;
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.board[0].bal_mask, 0xFFu);
	CU_ASSERT_FALSE(lb.board[0].bal_dirty);

	/* a write that fails is retried within the cycle */
	lbus_set_balance(&lb, 1, 0x0F);
	bus.board[1].corrupt_crc = true;
	sent = bus.frames_sent;
	run_cycles(1);
	CU_ASSERT_EQUAL(bus.frames_sent - sent, 1 + 3);
	CU_ASSERT_EQUAL(lb.board[1].crc_errors, 3);
	CU_ASSERT_TRUE(lb.board[1].bal_dirty);
	CU_ASSERT_FALSE(lb.board[1].fresh);
	bus.board[1].corrupt_crc = false;
	run_cycles(1);
	CU_ASSERT_FALSE(lb.board[1].bal_dirty);
	CU_ASSERT_EQUAL(lb.board[1].bal_reported, 0x0Fu);
	CU_ASSERT_TRUE(lb.board[1].fresh);
}

static void test_ntc_fault(void)
{
	rig(3, 10, 8, 500000);
	bus.board[2].ntc_fault = 1u << 3;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[3], BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(lb.board[2].ntc_fault, 1u << 3);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[2], bus.board[2].temp_dC[2]);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[4], bus.board[2].temp_dC[4]);
	CU_ASSERT_EQUAL(lb.board[1].ntc_fault, 0);
	CU_ASSERT_TRUE(lb.board[2].fresh);
	check_board_data(2);
	/* a raw 0x8000 alone also marks a fault */
	bus.board[2].ntc_fault = 0;
	bus.board[2].temp_dC[6] = (int16_t)-32768;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[2].ntc_fault, 1u << 6);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[6], BP_TEMP_DC_NA);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[3], bus.board[2].temp_dC[3]);
	/* fewer sensors fitted than configured: no value, no fault */
	bus.board[2].temp_dC[6] = 200;
	bus.board[2].ntemps = 5;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[2].ntemps, 5);
	CU_ASSERT_EQUAL(lb.board[2].ntc_fault, 0);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[4], bus.board[2].temp_dC[4]);
	CU_ASSERT_EQUAL(lb.board[2].temp_dC[5], BP_TEMP_DC_NA);
}

static void test_status_bits(void)
{
	rig(2, 4, 0, 500000);
	bus.board[1].status = SIMBOARD_ST_VALID | SIMBOARD_ST_OVERTEMP | SIMBOARD_ST_ADC_FAULT;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[1].status, 0x0D);
	CU_ASSERT_EQUAL(lb.board[0].status, 0x01);
	CU_ASSERT_EQUAL(lb.board[1].ntemps, 0);
	CU_ASSERT_EQUAL(lb.board[1].temp_dC[0], BP_TEMP_DC_NA);
	/* 4 cells, no temperatures: 12 registers read, 29-byte reply */
	CU_ASSERT_EQUAL(bus.bytes_to_master, 2 * 29);
}

static void test_cycle_events(void)
{
	rig(3, 4, 1, 500000);
	run_cycles(5);
	CU_ASSERT_EQUAL(rec.cycle_ev, 5);
	CU_ASSERT_EQUAL(rec.board_ev, 15);
	CU_ASSERT_EQUAL(rec.last_cycle, 5);
	CU_ASSERT_EQUAL(lb.cycle, 5);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	CU_ASSERT_EQUAL(rec.start_gap, 100);
	/* nothing in between cycles */
	run_ms(90);
	CU_ASSERT_EQUAL(rec.cycle_ev, 5);
	CU_ASSERT_EQUAL(rec.board_ev, 15);
	run_ms(10);
	CU_ASSERT_EQUAL(lb.cycle, 6);
	/* the 8-bit cycle number wraps */
	run_cycles(260);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	CU_ASSERT_EQUAL(lb.cycle, (uint8_t)(6 + 260));
}

static void test_boards_zero(void)
{
	rig(0, 4, 0, 500000);
	run_ms(1000);
	CU_ASSERT_EQUAL(rec.cycle_ev, 11); /* at 0, 100, ... 1000 ms */
	CU_ASSERT_EQUAL(rec.board_ev, 0);
	CU_ASSERT_EQUAL(lb.cycle, 11); /* the 11th started at 1000 ms */
	CU_ASSERT_EQUAL(bus.frames_sent, 0);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 0);
	CU_ASSERT_EQUAL(lbus_online_mask(&lb), 0);
	lbus_set_balance(&lb, 0, 1);
	CU_ASSERT_FALSE(lb.board[0].bal_dirty);
}

static void test_malformed_replies(void)
{
	static const uint8_t mangles[] = {
		SIMBOARD_MANGLE_ADDR, SIMBOARD_MANGLE_FUNC, SIMBOARD_MANGLE_COUNT,
	};

	for (unsigned int k = 0; k < 4; k++) {
		rig(3, 6, 2, 500000);
		run_cycles(1);
		if (k < 3)
			bus.board[1].mangle = mangles[k];
		else
			bus.board[1].truncate = 2; /* cut short: CRC missing */
		bus.board[1].cell_mV[0] = 1234;
		run_cycles(1);
		CU_ASSERT_EQUAL(lb.board[1].crc_errors, 3);
		CU_ASSERT_EQUAL(lb.board[1].timeouts, 0);
		CU_ASSERT_FALSE(lb.board[1].fresh);
		CU_ASSERT_NOT_EQUAL(lb.board[1].cell_mV[0], 1234);
		CU_ASSERT_TRUE(lb.board[2].fresh);
		CU_ASSERT_EQUAL(lb.board[2].crc_errors, 0);
		CU_ASSERT_EQUAL(bus.collisions, 0);
	}
	/* cut to nothing: a timeout */
	rig(2, 6, 0, 500000);
	bus.board[0].truncate = 255;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[0].timeouts, 3);
	CU_ASSERT_EQUAL(lb.board[0].crc_errors, 0);
	/* a write acknowledgement that does not echo the request is refused */
	rig(2, 6, 0, 500000);
	bus.board[0].mangle = SIMBOARD_MANGLE_FUNC;
	lbus_set_balance(&lb, 0, 0x3);
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[0].crc_errors, 3);
	CU_ASSERT_EQUAL(bus.board[0].writes, 3); /* applied, but unconfirmed */
	CU_ASSERT_TRUE(lb.board[0].bal_dirty);
}

static void test_never_sends_while_pending(void)
{
	uint32_t pending_at_write = 0;
	uint32_t sent;

	rig(10, 24, 8, 500000);
	bus.board[1].exception = 0x01;
	bus.board[2].corrupt_crc = true;
	bus.board[3].truncate = 7;
	bus.board[4].mangle = SIMBOARD_MANGLE_COUNT;
	bus.board[5].offline = true;
	bus.board[6].mangle = SIMBOARD_MANGLE_ADDR;
	bus.board[8].ntc_fault = 0xFF;
	lbus_set_balance(&lb, 7, 0x123456);
	lbus_set_balance(&lb, 1, 0x1);
	poll_all();
	for (unsigned int ms = 0; ms < 1000; ms++) {
		simbus_advance(&bus, 1000);
		rec.now++;
		/* look at the wire before each firmware poll that may write */
		sent = bus.frames_sent;
		if (simbus_reply_pending(&bus)) {
			poll_all();
			if (bus.frames_sent != sent)
				pending_at_write++;
		} else {
			poll_all();
		}
	}
	CU_ASSERT_EQUAL(pending_at_write, 0);
	CU_ASSERT_EQUAL(bus.collisions, 0);
	CU_ASSERT_EQUAL(bus.tx_rejected, 0);
	CU_ASSERT_EQUAL(bus.late_dropped, 0);
	CU_ASSERT_EQUAL(rec.cycle_ev, 10);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	CU_ASSERT_EQUAL(lb.board[7].bal_reported, 0x123456u);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 4);
	CU_ASSERT_EQUAL(lbus_online_mask(&lb), 0x381u);
}

static void test_config_clamp(void)
{
	struct lbus_cfg cfg = { .boards = 40, .cells = 30, .temps = 9, .retries = 200 };

	lbus_init(&lb, &cfg);
	CU_ASSERT_EQUAL(lb.cfg.boards, 32);
	CU_ASSERT_EQUAL(lb.cfg.cells, 24);
	CU_ASSERT_EQUAL(lb.cfg.temps, 8);
	CU_ASSERT_EQUAL(lb.cfg.cycle_ms, LBUS_CYCLE_MS_DEFAULT);
	CU_ASSERT_EQUAL(lb.cfg.reply_timeout_ms, LBUS_REPLY_TIMEOUT_MS_DEFAULT);
	CU_ASSERT_TRUE(lb.cfg.retries <= 8);
	CU_ASSERT_TRUE(lb.cfg.offline_ms > 0);
	CU_ASSERT_EQUAL(lb.cycle, 0);
	CU_ASSERT_FALSE(lb.board[31].online || lb.board[31].ever || lb.board[31].fresh);
	cfg.cells = 0;
	cfg.boards = 1;
	lbus_init(&lb, &cfg);
	CU_ASSERT_EQUAL(lb.cfg.cells, 1);
	/* lbus_init starts afresh */
	lb.board[0].online = true;
	lb.crc_errors = 9;
	lbus_init(&lb, &cfg);
	CU_ASSERT_FALSE(lb.board[0].online);
	CU_ASSERT_EQUAL(lb.crc_errors, 0);
	/* one cell, no temperatures: the shortest read still works */
	simbus_init(&bus, 1, 1, 0, 500000);
	simbus_hal = &bus;
	rig_cfg(&cfg);
	run_cycles(1);
	CU_ASSERT_TRUE(lb.board[0].fresh);
	CU_ASSERT_EQUAL(lb.board[0].cell_mV[0], bus.board[0].cell_mV[0]);
	CU_ASSERT_EQUAL(lb.board[0].cell_mV[1], BP_CELL_MV_NA);
}

static void test_all_offline_overrun(void)
{
	rig(32, 24, 8, 500000);
	for (unsigned int i = 0; i < 32; i++)
		bus.board[i].offline = true;
	run_cycles(3);
	/* 32 boards x 3 attempts x (1 + 5 ms): far over 100 ms */
	CU_ASSERT_EQUAL(rec.last_dur, 32 * 3 * 6);
	CU_ASSERT_EQUAL(rec.starts_at_end, 3);
	CU_ASSERT_EQUAL(lb.timeouts, 3 * 32 * 3);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 0);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	/* they come back */
	for (unsigned int i = 0; i < 32; i++)
		bus.board[i].offline = false;
	run_cycles(2);
	CU_ASSERT_EQUAL(lbus_online_count(&lb), 32);
}

static void test_no_port(void)
{
	/* a UART that takes nothing: every attempt times out, the bus goes on */
	rig(2, 4, 0, 500000);
	simbus_hal = NULL;
	run_cycles(2);
	CU_ASSERT_EQUAL(lb.timeouts, 2 * 2 * 3);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	simbus_hal = &bus;

	/* a transmitter that never finishes is given up after the timeout */
	rig(1, 4, 0, 500000);
	run_cycles(1);
	bus.tx_len = 1;
	bus.tx_next_ns = ~0ull;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.timeouts, 3);
	CU_ASSERT_FALSE(lb.board[0].fresh);
}

static void test_babbling_line(void)
{
	uint32_t sent;

	/* after a broken reply the master waits for a quiet tick ... */
	rig(2, 4, 0, 500000);
	bus.board[0].corrupt_crc = true;
	run_cycles(1);
	CU_ASSERT_EQUAL(lb.board[0].crc_errors, 3);
	/* requests at 0, 2 and 4 ms (each reply is in at +1, then a quiet
	 * tick), board 1 asked at 6 and answered by 7 */
	CU_ASSERT_EQUAL(rec.last_dur, 7);

	/* ... but noise that never stops cannot hold the bus up */
	rig(2, 4, 0, 500000);
	bus.board[0].corrupt_crc = true;
	poll_all();
	sent = bus.frames_sent;
	for (unsigned int ms = 0; ms < 500; ms++) {
		bus.rx[(bus.rx_head + bus.rx_len) % SIMBUS_FIFO] = 0xAA;
		bus.rx_len++;
		tick();
	}
	CU_ASSERT_TRUE(rec.cycle_ev >= 4);
	CU_ASSERT_TRUE(bus.frames_sent - sent >= 4 * 4);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
}

static void test_clock_wrap(void)
{
	rig(2, 4, 0, 500000);
	rec.now = 0xFFFFFF00u;
	rec.last_start = rec.now;
	poll_all();
	run_cycles(5);
	CU_ASSERT_EQUAL(rec.start_gap, 100);
	CU_ASSERT_EQUAL(rec.order_errors, 0);
	CU_ASSERT_TRUE(rec.now < 0x1000u);
	CU_ASSERT_TRUE(lb.board[1].online && lb.board[1].fresh);
	/* the offline rule across the wrap */
	bus.board[1].offline = true;
	run_ms(1200);
	CU_ASSERT_FALSE(lb.board[1].online);
	CU_ASSERT_TRUE(lb.board[0].online);
}

void cu_register(void)
{
	static const struct cu_test sb_tests[] = {
		CU_TEST(test_sb_read_exact),
		CU_TEST(test_sb_read_temps_exact),
		CU_TEST(test_sb_write_exact),
		CU_TEST(test_sb_write_high_bits),
		CU_TEST(test_sb_exceptions),
		CU_TEST(test_sb_addressing),
		CU_TEST(test_sb_timing),
		CU_TEST(test_sb_timing_115200),
		CU_TEST(test_sb_bad_crc_resync),
		CU_TEST(test_sb_back_to_back),
		CU_TEST(test_sb_faults),
		CU_TEST(test_sb_collisions),
		CU_TEST(test_sb_fifo_and_null),
		CU_END,
	};
	static const struct cu_test lbus_tests[] = {
		CU_TEST(test_all_online_exact),
		CU_TEST(test_cycle_time_32),
		CU_TEST(test_slow_baud_overruns),
		CU_TEST(test_offline_and_back),
		CU_TEST(test_never_answered),
		CU_TEST(test_corrupt_crc),
		CU_TEST(test_retries_zero),
		CU_TEST(test_slow_board),
		CU_TEST(test_exception_reply),
		CU_TEST(test_balancing),
		CU_TEST(test_balancing_narrow_and_retry),
		CU_TEST(test_ntc_fault),
		CU_TEST(test_status_bits),
		CU_TEST(test_cycle_events),
		CU_TEST(test_boards_zero),
		CU_TEST(test_malformed_replies),
		CU_TEST(test_never_sends_while_pending),
		CU_TEST(test_config_clamp),
		CU_TEST(test_all_offline_overrun),
		CU_TEST(test_no_port),
		CU_TEST(test_babbling_line),
		CU_TEST(test_clock_wrap),
		CU_END,
	};

	cu_add("simboard", sb_tests);
	cu_add("lbus", lbus_tests);
}
