/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "led.h"
#include "../hal/hal_gpio.h"

static bool square(uint32_t now_ms, uint32_t period_ms)
{
	return (now_ms % period_ms) < period_ms / 2u;
}

uint8_t led_pattern(uint32_t now_ms, const struct led_in *in)
{
	uint8_t out = 0;

	if (square(now_ms, LED_RUN_PERIOD_MS))
		out |= 1u << HAL_LED_RUN;
	if (in->boards &&
	    square(now_ms, in->established ? LED_OK_PERIOD_MS : LED_INIT_PERIOD_MS))
		out |= 1u << HAL_LED_COMM;
	if (in->logic_error && square(now_ms, LED_ERROR_PERIOD_MS))
		out |= 1u << HAL_LED_ERROR;
	for (unsigned int i = 0; i < 4; i++)
		if (in->relays & (1u << i))
			out |= (uint8_t)(1u << (HAL_LED_RELAY1 + i));
	return out;
}
