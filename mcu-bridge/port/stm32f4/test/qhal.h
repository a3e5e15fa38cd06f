/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qhal: the HAL of the emulated smoke test. QEMU models no bxCAN, GPIO or
 * RS-485 transceiver, so this HAL stands in for them with canned inputs:
 * CAN frames queued by the test, one ADC scan that the test sets, and one
 * Logic board (address 1) that answers the master's requests at once from
 * a table of cell voltages and temperatures. Outputs are recorded: the
 * relay mask, each LED's level and the ticks at which it changed.
 */
#ifndef QHAL_H
#define QHAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../hal/hal_adc.h"
#include "../../../hal/hal_gpio.h"
#include "../../../proto/bp.h"

#define QHAL_RXQ 128u
#define QHAL_EDGES 64u

struct qhal {
	uint32_t now;                 /* tick being run, set by the test */

	/* CAN */
	struct bp_frame rx[QHAL_RXQ];
	unsigned int rx_head, rx_len;
	uint32_t tx_frames;

	/* ADC */
	struct hal_adc_scan scan;

	/* the Logic board */
	bool board_silent;
	uint8_t ncells, ntemps;
	uint16_t cell_mV[BP_MAX_CELLS];
	int16_t temp_dC[BP_MAX_TEMPS];
	uint32_t bal_mask;
	uint32_t reads;               /* read requests answered */
	uint16_t max_cell_served_mV;  /* highest cell voltage in the last reply */
	uint8_t reply[128];
	unsigned int reply_len, reply_pos;

	/* GPIO */
	uint8_t relays, dos;
	bool led[HAL_LED_COUNT];
	uint32_t edge[HAL_LED_COUNT][QHAL_EDGES]; /* ticks of the latest changes */
	unsigned int nedge[HAL_LED_COUNT];        /* changes recorded, all time */
	uint32_t kicks;
};

extern struct qhal qh;

/* Reset: 0 A on the current sensor, 25 degC, 24 V; the board with
 * 4 cells at 3300 mV and 2 sensors at 25.0 degC. */
void qhal_reset(void);

/* Queue a frame for the firmware to receive. Returns false when full. */
bool qhal_inject(const struct bp_frame *f);

/* Forget the LED changes recorded so far. */
void qhal_clear_edges(void);

#endif
