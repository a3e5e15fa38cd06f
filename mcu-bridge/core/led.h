/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * led: the board indicators, as both manuals describe them.
 *   DS2 run    blinks at 1 Hz while the firmware runs
 *   DS3 comm   2 Hz while communication with the Logic boards initialises,
 *              25 Hz once every configured board has answered
 *   DS4 error  blinks at 2 Hz while there are Logic communication errors
 *   relay LEDs lit while the relay is closed
 * Pure: a pattern is a function of time and state.
 */
#ifndef LED_H
#define LED_H

#include <stdbool.h>
#include <stdint.h>

#define LED_RUN_PERIOD_MS 1000u
#define LED_INIT_PERIOD_MS 500u   /* 2 Hz */
#define LED_OK_PERIOD_MS 40u      /* 25 Hz */
#define LED_ERROR_PERIOD_MS 500u  /* 2 Hz */

struct led_in {
	uint8_t boards;      /* configured Logic boards (0: comm LED dark) */
	bool established;    /* every configured board answered */
	bool logic_error;    /* a board offline, or errors in the last cycle */
	uint8_t relays;      /* relay outputs, bit n = relay n+1 */
};

/* LED states at @now_ms: bit n = enum hal_led n lit. */
uint8_t led_pattern(uint32_t now_ms, const struct led_in *in);

#endif
