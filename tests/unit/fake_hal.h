/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fake_hal: a scripted HAL for firmware tests (the Logic-bus UART comes
 * from simboard.c). Frames sent by the firmware are captured; frames to it
 * are queued; ADC counts are set directly. */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/hal_adc.h"
#include "hal/hal_gpio.h"
#include "proto/bp.h"

#define FAKE_FRAMES 8192

struct fake_hal {
	struct bp_frame tx[FAKE_FRAMES];
	uint32_t tx_at[FAKE_FRAMES];   /* fake.now when sent */
	unsigned int ntx;
	struct bp_frame rx[256];
	unsigned int rx_head, rx_len;
	bool can_full;                 /* hal_can_send refuses */
	uint16_t rx_lost;              /* reported once by hal_can_rx_lost */
	struct hal_adc_scan scan;
	uint32_t period_us;
	struct hal_adc_info info;
	uint8_t relays, dos, di;
	bool led[HAL_LED_COUNT];
	unsigned int relay_writes;
	uint32_t now;
	uint32_t kicks;
	void (*on_send)(const struct bp_frame *f); /* optional observer */
};

extern struct fake_hal fake;

void fake_reset(void);
void fake_inject(const struct bp_frame *f);
void fake_inject_msg(const struct bp_msg *m);

#endif
