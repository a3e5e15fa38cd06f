/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/led.h"
#include "cu.h"
#include "hal/hal_gpio.h"

/* Count rising edges of LED @led over @ms milliseconds. */
static unsigned int edges(const struct led_in *in, enum hal_led led, uint32_t ms)
{
	unsigned int n = 0;
	int prev = led_pattern(0, in) >> led & 1;

	for (uint32_t t = 1; t < ms; t++) {
		int cur = led_pattern(t, in) >> led & 1;

		n += cur && !prev;
		prev = cur;
	}
	return n;
}

static void test_run_1hz(void)
{
	struct led_in in = { 0 };

	CU_ASSERT_EQUAL(edges(&in, HAL_LED_RUN, 10000), 9); /* 10 s: lit at t=0, 9 more rises */
}

static void test_comm_2hz_initialising(void)
{
	struct led_in in = { .boards = 4, .established = false };

	CU_ASSERT_EQUAL(edges(&in, HAL_LED_COMM, 10000), 19); /* 2 Hz */
	/* 250 ms on, 250 ms off */
	CU_ASSERT_TRUE(led_pattern(249, &in) >> HAL_LED_COMM & 1);
	CU_ASSERT_FALSE(led_pattern(250, &in) >> HAL_LED_COMM & 1);
}

static void test_comm_25hz_established(void)
{
	struct led_in in = { .boards = 4, .established = true };

	CU_ASSERT_EQUAL(edges(&in, HAL_LED_COMM, 10000), 249); /* 25 Hz */
	CU_ASSERT_TRUE(led_pattern(19, &in) >> HAL_LED_COMM & 1);
	CU_ASSERT_FALSE(led_pattern(20, &in) >> HAL_LED_COMM & 1);
}

static void test_comm_dark_without_boards(void)
{
	struct led_in in = { 0 };

	CU_ASSERT_EQUAL(edges(&in, HAL_LED_COMM, 2000), 0);
	for (uint32_t t = 0; t < 2000; t++)
		CU_ASSERT_FALSE(led_pattern(t, &in) >> HAL_LED_COMM & 1);
}

static void test_error_blinks_only_on_logic_errors(void)
{
	struct led_in in = { .boards = 2, .established = true };

	CU_ASSERT_EQUAL(edges(&in, HAL_LED_ERROR, 5000), 0);
	in.logic_error = true;
	CU_ASSERT_EQUAL(edges(&in, HAL_LED_ERROR, 5000), 9);
}

static void test_relay_leds_follow_relays(void)
{
	struct led_in in = { .relays = 0x9 };
	uint8_t p = led_pattern(600, &in); /* run LED off at 600 ms */

	CU_ASSERT_EQUAL(p, (1u << HAL_LED_RELAY1) | (1u << HAL_LED_RELAY4));
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_run_1hz),
		CU_TEST(test_comm_2hz_initialising),
		CU_TEST(test_comm_25hz_established),
		CU_TEST(test_comm_dark_without_boards),
		CU_TEST(test_error_blinks_only_on_logic_errors),
		CU_TEST(test_relay_leds_follow_relays),
		CU_END,
	};
	cu_add("led", tests);
}
