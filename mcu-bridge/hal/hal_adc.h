/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hal_adc: timer-triggered scans of every analogue input. */
#ifndef HAL_ADC_H
#define HAL_ADC_H

#include <stdbool.h>
#include <stdint.h>

#define HAL_ADC_MAX_SCANS 16

/* One scan: raw counts of every channel, 0..info->full_scale. */
struct hal_adc_scan {
	uint16_t cs_out[2]; /* current sensor output (X8/X9 pin 3, P12 pin 3) */
	uint16_t cs_ref[2]; /* current sensor reference (pin 4) */
	uint16_t ntc[2];    /* X10 T_SENS1/2; on Main 2.1 ntc[0] is P13 Vts */
	uint16_t hum;       /* P13 Vhs (Main 2.1) */
	uint16_t supply;    /* V+ through its divider */
};

/* The scans completed since the previous fetch, and how much time they
 * cover. On the MCU period_us is the timer's; in bms-sim it is pack time,
 * so that integrated charge follows an accelerated clock. */
struct hal_adc_block {
	uint8_t n;
	uint32_t period_us;
	struct hal_adc_scan scan[HAL_ADC_MAX_SCANS];
};

/* Electrical facts of the board: conversion from counts to input volts,
 * with every divider already undone. */
struct hal_adc_info {
	uint16_t full_scale;        /* 4095 for a 12-bit ADC */
	uint32_t cs_uV_per_count;   /* at the connector pin */
	uint32_t hum_uV_per_count;
	uint32_t supply_uV_per_count;
	uint32_t ntc_pullup_ohm;    /* NTC to ground, pull-up to the ADC reference */
};

/* Returns true with @b filled when at least one scan completed. */
bool hal_adc_fetch(struct hal_adc_block *b);

const struct hal_adc_info *hal_adc_info(void);

#endif
