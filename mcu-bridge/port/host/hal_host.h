/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hal_host: the state behind bms-sim's HAL. */
#ifndef HAL_HOST_H
#define HAL_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

#define HOST_SCANS_PER_TICK 4 /* oversampled ADC scans per 1 ms tick */

struct canio;

struct hal_host {
	struct sim *sim;
	struct canio *link;
	uint8_t board_id;
	uint32_t adc_period_us;  /* pack time covered by one tick's scans */
	uint64_t can_lost;       /* frames sent while the link was down */
	uint64_t can_errors;
	uint64_t can_foreign;    /* extended or remote frames ignored */
	uint64_t wd_kicks;
	bool wd_reset;            /* the firmware is being reset by the emulated watchdog */
};

extern struct hal_host host;

#endif
