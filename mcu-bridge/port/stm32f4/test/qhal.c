/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "qhal.h"
#include "../../../hal/hal_can.h"
#include "../../../hal/hal_sys.h"
#include "../../../hal/hal_uart.h"
#include "../../../proto/crc.h"

struct qhal qh;

/* the port's front-end (adc.h): 2/3 dividers, 1/12 on V+, 10 k pull-ups */
static const struct hal_adc_info info = {
	.full_scale = 4095,
	.cs_uV_per_count = 1209,
	.hum_uV_per_count = 1209,
	.supply_uV_per_count = 9668,
	.ntc_pullup_ohm = 10000,
};

void qhal_reset(void)
{
	struct qhal z = { 0 };

	qh = z;
	for (unsigned int i = 0; i < 2; i++) {
		qh.scan.cs_out[i] = 2048;
		qh.scan.cs_ref[i] = 2048;
		qh.scan.ntc[i] = 2048;
	}
	qh.scan.hum = 1700;
	qh.scan.supply = 2482; /* 24 V */
	qh.ncells = 4;
	qh.ntemps = 2;
	for (unsigned int c = 0; c < BP_MAX_CELLS; c++)
		qh.cell_mV[c] = 3300;
	for (unsigned int t = 0; t < BP_MAX_TEMPS; t++)
		qh.temp_dC[t] = 250;
}

bool qhal_inject(const struct bp_frame *f)
{
	if (qh.rx_len == QHAL_RXQ)
		return false;
	qh.rx[(qh.rx_head + qh.rx_len) % QHAL_RXQ] = *f;
	qh.rx_len++;
	return true;
}

void qhal_clear_edges(void)
{
	for (unsigned int i = 0; i < HAL_LED_COUNT; i++)
		qh.nedge[i] = 0;
}

/* ---- CAN ---------------------------------------------------------------- */

int hal_can_send(const struct bp_frame *f)
{
	(void)f;
	qh.tx_frames++;
	return 0;
}

int hal_can_recv(struct bp_frame *f)
{
	if (!qh.rx_len)
		return 0;
	*f = qh.rx[qh.rx_head];
	qh.rx_head = (qh.rx_head + 1u) % QHAL_RXQ;
	qh.rx_len--;
	return 1;
}

uint16_t hal_can_rx_lost(void)
{
	return 0; /* the canned input never overruns */
}

/* ---- ADC ---------------------------------------------------------------- */

bool hal_adc_fetch(struct hal_adc_block *b)
{
	b->n = 4;
	b->period_us = 1000;
	for (unsigned int i = 0; i < 4; i++)
		b->scan[i] = qh.scan;
	return true;
}

const struct hal_adc_info *hal_adc_info(void)
{
	return &info;
}

/* ---- the Logic board ------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t input_reg(unsigned int r)
{
	if (r == 0)
		return 0x0001u | (qh.bal_mask ? 0x0002u : 0);
	if (r == 1)
		return qh.ncells;
	if (r == 2)
		return qh.ntemps;
	if (r == 3)
		return (uint16_t)qh.bal_mask;
	if (r == 4)
		return (uint16_t)(qh.bal_mask >> 16);
	if (r == 6)
		return 0x0103u;
	if (r >= 8 && r < 8u + BP_MAX_CELLS)
		return r - 8u < qh.ncells ? qh.cell_mV[r - 8u] : 0;
	if (r >= 32 && r < 32u + BP_MAX_TEMPS)
		return r - 32u < qh.ntemps ? (uint16_t)qh.temp_dC[r - 32u] : 0x8000u;
	return 0;
}

static void finish(unsigned int n)
{
	uint16_t crc = crc16_modbus(qh.reply, n);

	qh.reply[n] = (uint8_t)crc;
	qh.reply[n + 1] = (uint8_t)(crc >> 8);
	qh.reply_len = n + 2;
	qh.reply_pos = 0;
}

static void answer(const uint8_t *p, size_t n)
{
	unsigned int start, count;

	qh.reply_len = 0;
	if (qh.board_silent || n < 8 || p[0] != 1 || crc16_modbus(p, n) != 0)
		return; /* a frame followed by its own CRC leaves a remainder of 0 */
	start = (unsigned int)p[2] << 8 | p[3];
	count = (unsigned int)p[4] << 8 | p[5];
	qh.reply[0] = 1;
	qh.reply[1] = p[1];
	if (p[1] == 0x04 && n == 8 && count >= 1 && start + count <= 40) {
		qh.reply[2] = (uint8_t)(2 * count);
		qh.max_cell_served_mV = 0;
		for (unsigned int i = 0; i < count; i++) {
			uint16_t v = input_reg(start + i);

			put16(&qh.reply[3 + 2 * i], v);
			if (start + i >= 8 && start + i < 8u + qh.ncells &&
			    v > qh.max_cell_served_mV)
				qh.max_cell_served_mV = v;
		}
		qh.reads++;
		finish(3 + 2 * count);
	} else if (p[1] == 0x10 && n == 13 && start == 0x0100 && count == 2) {
		qh.bal_mask = ((uint32_t)p[9] << 8 | p[10]) << 16 | (uint32_t)p[7] << 8 | p[8];
		for (unsigned int i = 2; i < 6; i++)
			qh.reply[i] = p[i];
		finish(6);
	} else {
		qh.reply[1] = (uint8_t)(p[1] | 0x80u);
		qh.reply[2] = 0x01;
		finish(3);
	}
}

size_t hal_uart_write(const uint8_t *p, size_t n)
{
	answer(p, n);
	return n;
}

bool hal_uart_tx_idle(void)
{
	return true;
}

size_t hal_uart_read(uint8_t *p, size_t max)
{
	size_t k = 0;

	while (k < max && qh.reply_pos < qh.reply_len)
		p[k++] = qh.reply[qh.reply_pos++];
	return k;
}

void hal_uart_flush_rx(void)
{
	qh.reply_pos = qh.reply_len;
}

/* ---- GPIO and system ------------------------------------------------------ */

void hal_relays_set(uint8_t mask)
{
	qh.relays = mask & 0x0Fu;
}

uint8_t hal_di_read(void)
{
	return 0;
}

void hal_do_set(uint8_t mask)
{
	qh.dos = mask & 0x0Fu;
}

void hal_led_set(enum hal_led led, bool on)
{
	if ((unsigned int)led >= HAL_LED_COUNT || qh.led[led] == on)
		return;
	qh.led[led] = on;
	qh.edge[led][qh.nedge[led] % QHAL_EDGES] = qh.now;
	qh.nedge[led]++;
}

uint8_t hal_board_id(void)
{
	return HAL_BOARD_MAIN_2R;
}

bool hal_reset_by_watchdog(void)
{
	return false;
}

void hal_watchdog_kick(void)
{
	qh.kicks++;
}
