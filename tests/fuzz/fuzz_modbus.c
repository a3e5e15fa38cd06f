/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the Modbus request handler and framing (mbmap).
 *
 * Input: a mode byte, a pack-shape byte, a flags byte, 16 bytes that seed
 * the view, then the request bytes: one PDU (mode 0), an RTU byte stream
 * (mode 1) or a Modbus-TCP stream (mode 2).
 *
 * For any input: the image is a well-formed SunSpec chain; an answer is 2
 * to 253 bytes, an exception carries the request's function code | 0x80
 * and a code 1..4, a read answers exactly the registers asked; the control
 * hook runs only when writes are enabled, only for the writable registers;
 * the RTU scanner returns frames with good CRCs, never longer than what it
 * was given; the MBAP parser never claims more than it was given.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static bool writes_on;
static unsigned int runs;

static int run(void *arg, enum mbmap_cmd cmd, const char *name, unsigned int addr)
{
	(void)arg;
	CHECK(writes_on);
	CHECK(cmd < MBMAP_CMD_COUNT);
	CHECK(name != NULL);
	CHECK(addr == 40090 || addr == 40120 || addr == 46004 || addr == 46005);
	return (runs++ & 3) == 3 ? -11 : 0;
}

static const struct mbmap_ctl ctl = { .run = run, .arg = NULL };

static void seed_view(struct view *v, const uint8_t *s, uint8_t shape)
{
	memset(v, 0, sizeof(*v));
	v->gen = s[0];
	v->at_ms = (uint64_t)s[1] << 20;
	v->state = (enum view_state)(s[2] % (VIEW_ST_COUNT + 2));
	v->configured = s[3] & 1;
	v->pack_valid = s[3] & 2;
	v->current_valid = s[3] & 4;
	v->temp_valid = s[3] & 8;
	v->soc_valid = s[3] & 16;
	v->soh_valid = s[3] & 32;
	v->limits_valid = s[3] & 64;
	v->full = s[3] & 128;
	v->pack_mV = (uint32_t)s[4] << 24 | (uint32_t)s[5] << 8;
	v->current_mA = (int32_t)((uint32_t)s[6] << 24 | (uint32_t)s[7] << 4);
	v->cell_min_mV = (uint16_t)(s[8] << 6);
	v->cell_max_mV = (uint16_t)(s[9] << 6);
	v->soc_dpct = (uint16_t)(s[10] << 3);
	v->capacity_mAh = (uint32_t)s[11] << 20;
	v->ccl_mA = v->dcl_mA = (uint32_t)s[12] << 24;
	v->faults = s[13];
	v->boards = (uint8_t)(shape & 0x3F);
	v->cells_per_board = (uint8_t)(shape >> 6 ? (shape >> 6) * 9 : 1);
	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		v->prot_enabled[i] = (s[14] >> (i & 7)) & 1;
		v->prot_state[i] = (uint8_t)(s[15] + i);
		v->prot_tier[i] = (uint8_t)(s[15] >> 4);
	}
	for (unsigned int b = 0; b < VIEW_BOARDS; b++) {
		struct view_board *vb = &v->board[b];

		vb->present = (s[14] + b) & 1;
		vb->online = (s[14] + b) & 2;
		vb->ncells = (uint8_t)(s[13] + b);
		vb->ntemps = (uint8_t)(s[12] + b);
		vb->bal_mask = (uint32_t)s[11] * 0x01010101u;
		for (unsigned int c = 0; c < VIEW_CELLS; c++)
			vb->cell_mV[c] = (uint16_t)(s[8] * 64 + c * s[9]);
		for (unsigned int t = 0; t < VIEW_TEMPS; t++)
			vb->temp_dC[t] = (int16_t)(s[10] * 64 - 8192 + t);
		vb->cell_mean_mV = vb->cell_mV[0];
		vb->pack_mV = (uint32_t)s[5] << 16;
	}
}

/* The chain from 40000 ends in the end marker within the image. */
static void check_chain(const struct mbmap *m)
{
	unsigned int a = 2;

	CHECK(m->ss_len <= MBMAP_SUNSPEC_MAX);
	CHECK(m->ss[0] == 0x5375 && m->ss[1] == 0x6e53);
	while (a + 1 < m->ss_len && m->ss[a] != 0xFFFF)
		a += 2u + m->ss[a + 1];
	CHECK(a + 2 == m->ss_len);
	CHECK(m->ss[a] == 0xFFFF && m->ss[a + 1] == 0);
}

static void answer(struct mbmap *m, const uint8_t *req, size_t n)
{
	uint8_t rsp[MBMAP_PDU_MAX];
	unsigned int before = runs;
	size_t len = mbmap_pdu(m, req, n, rsp, &ctl);

	if (!n) {
		CHECK(len == 0);
		return;
	}
	CHECK(len >= 2 && len <= MBMAP_PDU_MAX);
	if (rsp[0] & 0x80) {
		CHECK(len == 2);
		CHECK(rsp[0] == (req[0] | 0x80));
		CHECK(rsp[1] >= 1 && rsp[1] <= 4);
		if (rsp[1] != MBMAP_EX_DEVICE_FAILURE)
			CHECK(runs == before);
		return;
	}
	CHECK(rsp[0] == req[0]);
	if (req[0] == 3 || req[0] == 4) {
		unsigned int qty = (unsigned int)(req[3] << 8 | req[4]);

		CHECK(n == 5 && qty >= 1 && qty <= MBMAP_READ_MAX);
		CHECK(len == 2 + 2 * qty && rsp[1] == 2 * qty);
		CHECK(runs == before);
	} else {
		CHECK(req[0] == 6 || req[0] == 16);
		CHECK(writes_on && len == 5 && runs > before);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mbmap m;
	static struct view v;
	struct mbmap_setup s = { .address = 32, .manufacturer = "bmsd", .model = "main-2r" };
	uint8_t mode, shape, flags;
	size_t len;

	if (size < 19)
		return 0;
	mode = data[0];
	shape = data[1];
	flags = data[2];
	s.write_enable = flags & 1;
	s.w_sf = (int8_t)(flags >> 4);
	s.wmax_sf = (int8_t)(flags >> 5);
	writes_on = s.write_enable;
	seed_view(&v, data + 3, shape);
	data += 19;
	size -= 19;
	mbmap_init(&m, &s);
	check_chain(&m);
	mbmap_build(&m, &v, flags & 2);
	check_chain(&m);

	switch (mode % 3) {
	case 0:
		answer(&m, data, size);
		break;
	case 1:
		while (size) {
			enum mbmap_scan sc = mbmap_rtu_scan(data, size, &len);

			if (sc == MBMAP_SCAN_MORE)
				break;
			if (sc == MBMAP_SCAN_BAD) {
				/* the server drops up to a silence; here, a byte */
				data++;
				size--;
				continue;
			}
			CHECK(len >= 4 && len <= size);
			{
				uint16_t crc;

				CHECK(len >= 4 && len <= MBMAP_RTU_MAX);
				CHECK((int)len == mbmap_rtu_len(data, len));
				crc = mbmap_crc16(data, len - 2);
				CHECK(data[len - 2] == (uint8_t)crc && data[len - 1] == crc >> 8);
				answer(&m, data + 1, len - 3);
			}
			data += len;
			size -= len;
		}
		break;
	default:
		for (;;) {
			int l = mbmap_tcp_len(data, size);

			if (l <= 0)
				break;
			CHECK((size_t)l <= size && l >= 8 && l <= (int)MBMAP_TCP_MAX);
			answer(&m, data + 7, (size_t)l - 7);
			data += l;
			size -= (size_t)l;
		}
		break;
	}
	check_chain(&m);
	return 0;
}
