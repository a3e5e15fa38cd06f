/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * adc: the analogue inputs, behind hal_adc.
 *
 * TIM2's update event triggers a scan of the eight inputs on ADC1 at
 * ADC_SCAN_HZ; DMA2 stream 0 moves every conversion into a circular ring
 * of ADC_RING_SCANS scans, so the CPU touches nothing until the core asks.
 * hal_adc_fetch() hands over the scans completed since the last call (at
 * most HAL_ADC_MAX_SCANS, the newest) with the time that all of them
 * cover, so the charge integrator never loses time even if scans were
 * skipped. An ADC overrun, a DMA error or a stalled ring restarts the
 * chain.
 *
 * Inputs (ADC1 channel, pin), sampled 144 cycles at 21 MHz, in scan order:
 * CS1 out (10, PC0), CS2 out (12, PC2), CS1 ref (11, PC1), CS2 ref
 * (13, PC3), NTC1 / Vts (14, PC4), NTC2 (15, PC5), humidity Vhs (8, PB0),
 * supply V+ (9, PB1).
 */
#ifndef ADC_H
#define ADC_H

#include <stdint.h>

#define ADC_SCAN_HZ 4000u    /* 4 scans per 1 ms tick */
#define ADC_CHANNELS 8u
#define ADC_RING_SCANS 32u   /* 8 ms of scans */

/* Front-end of the board: VREF+ = VDDA = 3.3 V; the sensor inputs (0..5 V)
 * through 10 k / 20 k dividers (x 2/3); V+ through 110 k / 10 k (x 1/12);
 * the NTCs against 10 k pull-ups to VREF+. */
#define ADC_VREF_UV 3300000u

struct adc_stats {
	uint32_t scans, skipped, restarts;
};

extern struct adc_stats adc_stats;

/* Clocks, ADC1, DMA2 stream 0 and TIM2; starts scanning. */
void adc_init(void);

#endif
