/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "simboard.h"

#include "../../hal/hal_uart.h"
#include "../../proto/crc.h"

#define REG_COUNT 40u      /* input registers 0..39 */
#define HREG_BAL_LO 0x100u /* holding register: mask bits 0..15 */
#define HREG_BAL_HI 0x101u /* holding register: mask bits 16..23 */

struct simbus *simbus_hal;

void simbus_init(struct simbus *b, uint8_t nboards, uint8_t ncells, uint8_t ntemps,
		 uint32_t baud)
{
	memset(b, 0, sizeof(*b));
	if (nboards > SIMBUS_MAX_BOARDS)
		nboards = SIMBUS_MAX_BOARDS;
	if (ncells < 1)
		ncells = 1;
	if (ncells > BP_MAX_CELLS)
		ncells = BP_MAX_CELLS;
	if (ntemps > BP_MAX_TEMPS)
		ntemps = BP_MAX_TEMPS;
	b->nboards = nboards;
	b->baud = baud ? baud : 500000u;
	b->byte_ns = (uint32_t)((10000000000ull + b->baud / 2) / b->baud);
	for (unsigned int i = 0; i < SIMBUS_MAX_BOARDS; i++) {
		struct simboard *sb = &b->board[i];

		sb->address = (uint8_t)(i + 1);
		sb->ncells = ncells;
		sb->ntemps = ntemps;
		for (unsigned int c = 0; c < BP_MAX_CELLS; c++)
			sb->cell_mV[c] = (uint16_t)(3300 + i * 10 + c);
		for (unsigned int t = 0; t < BP_MAX_TEMPS; t++)
			sb->temp_dC[t] = (int16_t)(250 + i + t);
		sb->status = SIMBOARD_ST_VALID;
		sb->fw_version = SIMBOARD_FW_VERSION;
		sb->slow_us = SIMBOARD_SLOW_US;
	}
}

static uint32_t cells_mask(const struct simboard *sb)
{
	return sb->ncells >= 32 ? 0xFFFFFFFFu : (1u << sb->ncells) - 1u;
}

uint16_t simboard_input_reg(const struct simboard *sb, uint16_t reg)
{
	uint16_t st;

	switch (reg) {
	case 0:
		st = sb->status & (uint16_t)~SIMBOARD_ST_BALANCING;
		if (sb->bal_mask)
			st |= SIMBOARD_ST_BALANCING;
		return st;
	case 1:
		return sb->ncells;
	case 2:
		return sb->ntemps;
	case 3:
		return (uint16_t)(sb->bal_mask & 0xFFFFu);
	case 4:
		return (uint16_t)((sb->bal_mask >> 16) & 0xFFu);
	case 5:
		return sb->ntc_fault;
	case 6:
		return sb->fw_version;
	case 7:
		return 0;
	}
	if (reg >= 8 && reg < 32)
		return (unsigned int)(reg - 8) < sb->ncells ? sb->cell_mV[reg - 8] : 0;
	if (reg >= 32 && reg < 40) {
		unsigned int t = reg - 32u;

		if (t >= sb->ntemps || (sb->ntc_fault >> t) & 1u)
			return 0x8000u;
		return (uint16_t)sb->temp_dC[t];
	}
	return 0;
}

static void put_crc(uint8_t *p, size_t n)
{
	uint16_t crc = crc16_modbus(p, n);

	p[n] = (uint8_t)(crc & 0xFFu);
	p[n + 1] = (uint8_t)(crc >> 8);
}

static size_t reply_exception(const struct simboard *sb, uint8_t fn, uint8_t code, uint8_t *out)
{
	out[0] = sb->address;
	out[1] = (uint8_t)(fn | 0x80u);
	out[2] = code;
	return 3;
}

static size_t reply_read(const struct simboard *sb, const uint8_t *req, uint8_t *out)
{
	unsigned int start = (unsigned int)req[2] << 8 | req[3];
	unsigned int count = (unsigned int)req[4] << 8 | req[5];
	size_t n = 3;

	if (count == 0 || count > 125)
		return reply_exception(sb, req[1], 0x03, out);
	if (start + count > REG_COUNT)
		return reply_exception(sb, req[1], 0x02, out);
	out[0] = sb->address;
	out[1] = req[1];
	out[2] = (uint8_t)(2 * count);
	for (unsigned int r = start; r < start + count; r++) {
		uint16_t v = simboard_input_reg(sb, (uint16_t)r);

		out[n++] = (uint8_t)(v >> 8);
		out[n++] = (uint8_t)(v & 0xFFu);
	}
	return n;
}

static size_t reply_write(struct simboard *sb, const uint8_t *req, uint8_t *out)
{
	unsigned int start = (unsigned int)req[2] << 8 | req[3];
	unsigned int count = (unsigned int)req[4] << 8 | req[5];
	uint32_t mask = sb->bal_mask;

	if (count == 0 || count > 123 || req[6] != 2 * count)
		return reply_exception(sb, req[1], 0x03, out);
	if (start < HREG_BAL_LO || start + count > HREG_BAL_HI + 1)
		return reply_exception(sb, req[1], 0x02, out);
	for (unsigned int k = 0; k < count; k++) {
		uint32_t v = (uint32_t)req[7 + 2 * k] << 8 | req[8 + 2 * k];

		if (start + k == HREG_BAL_LO) {
			mask = (mask & ~0xFFFFu) | v;
		} else {
			if (v > 0xFFu)
				return reply_exception(sb, req[1], 0x03, out);
			mask = (mask & 0xFFFFu) | v << 16;
		}
	}
	/* a board cannot bleed cells it does not have */
	if (mask & ~cells_mask(sb))
		return reply_exception(sb, req[1], 0x03, out);
	sb->bal_mask = mask;
	sb->writes++;
	for (unsigned int k = 0; k < 6; k++)
		out[k] = req[k];
	return 6;
}

/* @req (CRC checked) is addressed to board @idx: queue its answer. */
static void board_answer(struct simbus *b, unsigned int idx, const uint8_t *req)
{
	struct simboard *sb = &b->board[idx];
	uint8_t *out = b->reply;
	size_t n;

	sb->requests++;
	if (sb->exception)
		n = reply_exception(sb, req[1], sb->exception, out);
	else if (req[1] == 0x04)
		n = reply_read(sb, req, out);
	else if (req[1] == 0x10)
		n = reply_write(sb, req, out);
	else
		n = reply_exception(sb, req[1], 0x01, out);

	switch (sb->mangle) {
	case SIMBOARD_MANGLE_ADDR:
		out[0] = (uint8_t)(sb->address % SIMBUS_MAX_BOARDS + 1);
		break;
	case SIMBOARD_MANGLE_FUNC:
		out[1] ^= 0x01u;
		break;
	case SIMBOARD_MANGLE_COUNT:
		if (out[1] == 0x04 && out[2] <= 250 - 2 * SIMBOARD_EXTRA_REGS) {
			out[2] = (uint8_t)(out[2] + 2 * SIMBOARD_EXTRA_REGS);
			for (unsigned int k = 0; k < 2 * SIMBOARD_EXTRA_REGS; k++)
				out[n++] = 0;
		}
		break;
	}
	put_crc(out, n);
	n += 2;
	if (sb->corrupt_crc)
		out[n - 2] ^= 0x01u;
	n -= sb->truncate < n ? sb->truncate : n;
	if (!n) {
		b->reply_len = 0;
		return;
	}
	b->reply_len = (uint16_t)n;
	b->reply_head = 0;
	b->reply_late = sb->slow;
	b->reply_start_ns = b->now_ns + SIMBOARD_TURNAROUND_US * 1000ull;
	if (sb->slow)
		b->reply_start_ns += sb->slow_us * 1000ull;
	b->reply_next_ns = b->reply_start_ns + b->byte_ns;
	b->talker = (uint8_t)idx;
}

/* Length of the request in @p so far, once it is known from the header:
 * >0 the frame length, 0 not known yet, -1 only the CRC can tell. */
static int request_len(const uint8_t *p, unsigned int n)
{
	if (n < 2)
		return 0;
	switch (p[1]) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
		return 8;
	case 0x0F: case 0x10:
		return n < 7 ? 0 : 9 + p[6];
	}
	return -1;
}

static bool crc_ok(const uint8_t *p, unsigned int n)
{
	uint16_t crc = crc16_modbus(p, n - 2);

	return p[n - 2] == (crc & 0xFFu) && p[n - 1] == crc >> 8;
}

/* Board @idx hears @byte, whose last bit ends now. */
static void board_hear(struct simbus *b, unsigned int idx, uint8_t byte)
{
	struct simboard *sb = &b->board[idx];
	uint64_t start = b->now_ns - b->byte_ns;
	int want;

	if (sb->offline) {
		/* when it comes back it waits for a silence, as after power-up */
		sb->req_len = 0;
		sb->req_skip = true;
		sb->heard = true;
		sb->last_rx_ns = b->now_ns;
		return;
	}
	if (sb->heard && (start - sb->last_rx_ns) * 2 >= 7ull * b->byte_ns) {
		sb->req_len = 0;
		sb->req_skip = false;
	}
	sb->heard = true;
	sb->last_rx_ns = b->now_ns;
	if (sb->req_skip)
		return;
	if (sb->req_len >= SIMBOARD_REQ_MAX) {
		sb->bad_frames++;
		sb->req_skip = true;
		sb->req_len = 0;
		return;
	}
	sb->req[sb->req_len++] = byte;
	want = request_len(sb->req, sb->req_len);
	if (want > 0 && sb->req_len == want) {
		if (crc_ok(sb->req, sb->req_len)) {
			if (sb->req[0] == sb->address)
				board_answer(b, idx, sb->req);
		} else {
			sb->bad_frames++;
			sb->req_skip = true;
		}
		sb->req_len = 0;
	} else if (want < 0 && sb->req_len >= 4 && crc_ok(sb->req, sb->req_len)) {
		if (sb->req[0] == sb->address)
			board_answer(b, idx, sb->req);
		sb->req_len = 0;
	}
}

void simbus_advance(struct simbus *b, uint32_t us)
{
	uint64_t target = b->now_ns + us * 1000ull;

	for (;;) {
		bool tx_first = b->tx_len && (!b->reply_len || b->tx_next_ns <= b->reply_next_ns);

		if (tx_first && b->tx_next_ns <= target) {
			uint8_t byte = b->tx[b->tx_head++];

			b->now_ns = b->tx_next_ns;
			if (--b->tx_len)
				b->tx_next_ns += b->byte_ns;
			for (unsigned int i = 0; i < b->nboards; i++)
				board_hear(b, i, byte);
		} else if (!tx_first && b->reply_len && b->reply_next_ns <= target) {
			b->now_ns = b->reply_next_ns;
			if (b->reply_head == 0)
				b->board[b->talker].replies++;
			if (b->rx_len < SIMBUS_FIFO) {
				b->rx[(b->rx_head + b->rx_len) % SIMBUS_FIFO] = b->reply[b->reply_head];
				b->rx_len++;
			} else {
				b->rx_overflow++;
			}
			b->bytes_to_master++;
			if (++b->reply_head == b->reply_len)
				b->reply_len = b->reply_head = 0;
			else
				b->reply_next_ns += b->byte_ns;
		} else {
			break;
		}
	}
	b->now_ns = target;
}

bool simbus_reply_pending(const struct simbus *b)
{
	return b->reply_len != 0;
}

/* ---- hal_uart on the simulated wire ----------------------------------- */

size_t hal_uart_write(const uint8_t *p, size_t n)
{
	struct simbus *b = simbus_hal;

	if (!b || !n)
		return 0;
	if (b->tx_len || n > SIMBUS_FIFO) {
		b->tx_rejected++;
		return 0;
	}
	if (b->reply_len) {
		/* half duplex: both drivers on the pair, the reply is lost */
		if (!b->reply_late || b->now_ns >= b->reply_start_ns)
			b->collisions++;
		else
			b->late_dropped++;
		b->reply_len = b->reply_head = 0;
	}
	memcpy(b->tx, p, n);
	b->tx_head = 0;
	b->tx_len = (uint16_t)n;
	b->tx_next_ns = b->now_ns + b->byte_ns;
	b->frames_sent++;
	return n;
}

bool hal_uart_tx_idle(void)
{
	return !simbus_hal || simbus_hal->tx_len == 0;
}

size_t hal_uart_read(uint8_t *p, size_t max)
{
	struct simbus *b = simbus_hal;
	size_t n = 0;

	if (!b)
		return 0;
	while (n < max && b->rx_len) {
		p[n++] = b->rx[b->rx_head];
		b->rx_head = (uint16_t)((b->rx_head + 1) % SIMBUS_FIFO);
		b->rx_len--;
	}
	return n;
}

void hal_uart_flush_rx(void)
{
	if (simbus_hal)
		simbus_hal->rx_head = simbus_hal->rx_len = 0;
}
