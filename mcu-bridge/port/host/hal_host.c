/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HAL of bms-sim: CAN over canio (socketcan or slcan), the ADC and the
 * GPIO from the simulated pack. The Logic-bus UART lives in simboard.c.
 */
#include <errno.h>

#include "hal/hal_adc.h"
#include "hal/hal_can.h"
#include "hal/hal_gpio.h"
#include "hal/hal_sys.h"

#include "canio.h"
#include "hal_host.h"

struct hal_host host;

int hal_can_send(const struct bp_frame *f)
{
	struct canio_frame cf = { 0 };
	int rc;

	if (!host.link || host.sim->link_down) {
		host.can_lost++; /* the cable is pulled: the frame goes nowhere */
		return 0;
	}
	cf.id = f->id;
	cf.len = f->len;
	for (unsigned int i = 0; i < 8; i++)
		cf.data[i] = f->data[i];
	rc = canio_send(host.link, &cf);
	if (rc == -EAGAIN || rc == -ENOBUFS)
		return -1;
	if (rc < 0)
		host.can_errors++;
	return 0;
}

uint16_t hal_can_rx_lost(void)
{
	static uint64_t reported;
	uint64_t now, d;

	if (!host.link)
		return 0;
	now = canio_stats(host.link)->rx_dropped;
	d = now - reported;
	reported = now;
	return d > 0xFFFFu ? 0xFFFFu : (uint16_t)d;
}

int hal_can_recv(struct bp_frame *f)
{
	struct canio_frame cf;

	if (!host.link)
		return 0;
	for (;;) {
		int rc = canio_recv(host.link, &cf);

		if (rc <= 0) {
			if (rc < 0)
				host.can_errors++;
			return 0;
		}
		if (host.sim->link_down)
			continue; /* never reached us */
		if (cf.ext || cf.rtr) {
			host.can_foreign++;
			continue;
		}
		f->id = (uint16_t)cf.id;
		f->len = cf.len;
		for (unsigned int i = 0; i < 8; i++)
			f->data[i] = i < cf.len ? cf.data[i] : 0;
		return 1;
	}
}

bool hal_adc_fetch(struct hal_adc_block *b)
{
	b->n = HOST_SCANS_PER_TICK;
	b->period_us = host.adc_period_us;
	for (unsigned int i = 0; i < b->n; i++)
		pack_adc_scan(&host.sim->pack, &b->scan[i]);
	return true;
}

const struct hal_adc_info *hal_adc_info(void)
{
	return &host.sim->pack.cfg.adc;
}

void hal_relays_set(uint8_t mask)
{
	host.sim->relay_coil = mask & 0x0Fu;
	host.sim->relay_contacts = sim_contacts(host.sim);
}

uint8_t hal_di_read(void)
{
	return sim_di(host.sim);
}

void hal_do_set(uint8_t mask)
{
	host.sim->dos = mask & 0x0Fu;
}

void hal_led_set(enum hal_led led, bool on)
{
	if (on)
		host.sim->leds |= (uint8_t)(1u << led);
	else
		host.sim->leds &= (uint8_t) ~(1u << led);
}

uint8_t hal_board_id(void)
{
	return host.board_id;
}

bool hal_reset_by_watchdog(void)
{
	return host.wd_reset;
}

void hal_watchdog_kick(void)
{
	host.wd_kicks++;
}
