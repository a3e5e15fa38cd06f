/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fake_hal.h"
#include "hal/hal_can.h"
#include "hal/hal_sys.h"

struct fake_hal fake;

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.info.full_scale = 4095;
	fake.info.cs_uV_per_count = 1221;
	fake.info.hum_uV_per_count = 1221;
	fake.info.supply_uV_per_count = 9768; /* 0..40 V */
	fake.info.ntc_pullup_ohm = 10000;
	fake.period_us = 1000;
	for (int i = 0; i < 2; i++) {
		fake.scan.cs_out[i] = 2048;
		fake.scan.cs_ref[i] = 2048;
		fake.scan.ntc[i] = 2048; /* 10 k on a 10 k pull-up: 25 degC */
	}
	fake.scan.hum = 1700;
	fake.scan.supply = 2457; /* 24 V */
}

void fake_inject(const struct bp_frame *f)
{
	fake.rx[(fake.rx_head + fake.rx_len) % 256] = *f;
	fake.rx_len++;
}

void fake_inject_msg(const struct bp_msg *m)
{
	struct bp_frame f;

	if (bp_encode(m, &f) == BP_OK)
		fake_inject(&f);
}

int hal_can_send(const struct bp_frame *f)
{
	if (fake.can_full)
		return -1;
	if (fake.on_send)
		fake.on_send(f);
	if (fake.ntx < FAKE_FRAMES) {
		fake.tx_at[fake.ntx] = fake.now;
		fake.tx[fake.ntx++] = *f;
	}
	return 0;
}

int hal_can_recv(struct bp_frame *f)
{
	if (!fake.rx_len)
		return 0;
	*f = fake.rx[fake.rx_head];
	fake.rx_head = (fake.rx_head + 1) % 256;
	fake.rx_len--;
	return 1;
}

uint16_t hal_can_rx_lost(void)
{
	uint16_t n = fake.rx_lost;

	fake.rx_lost = 0;
	return n;
}

bool hal_adc_fetch(struct hal_adc_block *b)
{
	b->n = 4;
	b->period_us = fake.period_us;
	for (int i = 0; i < 4; i++)
		b->scan[i] = fake.scan;
	return true;
}

const struct hal_adc_info *hal_adc_info(void)
{
	return &fake.info;
}

void hal_relays_set(uint8_t mask)
{
	fake.relays = mask;
	fake.relay_writes++;
}

uint8_t hal_di_read(void)
{
	return fake.di;
}

void hal_do_set(uint8_t mask)
{
	fake.dos = mask;
}

void hal_led_set(enum hal_led led, bool on)
{
	fake.led[led] = on;
}

uint8_t hal_board_id(void)
{
	return HAL_BOARD_SIM;
}

bool hal_reset_by_watchdog(void)
{
	return false;
}

void hal_watchdog_kick(void)
{
	fake.kicks++;
}
