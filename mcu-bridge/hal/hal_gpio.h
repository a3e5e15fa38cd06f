/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hal_gpio: relays, discrete inputs and outputs, board LEDs. */
#ifndef HAL_GPIO_H
#define HAL_GPIO_H

#include <stdbool.h>
#include <stdint.h>

enum hal_led {
	HAL_LED_RUN = 0,   /* DS2, operation (green) */
	HAL_LED_COMM,      /* DS3, Logic communication (yellow) */
	HAL_LED_ERROR,     /* DS4, error (red) */
	HAL_LED_RELAY1,    /* Main 2R DS1.1, Main 2.1 DS7 */
	HAL_LED_RELAY2,    /* Main 2R DS1.2, Main 2.1 DS8 */
	HAL_LED_RELAY3,    /* Main 2R DS1.3, Main 2.1 DS5 */
	HAL_LED_RELAY4,    /* Main 2R DS1.4, Main 2.1 DS6 */
	HAL_LED_COUNT
};

/* Drive the relay coils: bit n closes relay n+1. */
void hal_relays_set(uint8_t mask);

/* Instantaneous level of the four dry-contact inputs, bit n = DI n+1
 * closed (contact to ground made). */
uint8_t hal_di_read(void);

/* Drive the four discrete outputs, bit n = DO n+1 on (+5 V). */
void hal_do_set(uint8_t mask);

void hal_led_set(enum hal_led led, bool on);

#endif
