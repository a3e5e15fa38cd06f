/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpio: the failure paths that any host can exercise. Requesting real
 * lines needs a gpiochip; the VM harness runs those against gpio-sim.
 */
#include <errno.h>
#include <stddef.h>

#include "cu.h"
#include "gpio.h"

static void test_bad_arguments(void)
{
	struct gpio_line *g = NULL;

	CU_ASSERT_EQUAL(gpio_line_open(&g, NULL, "3", false, 0, "t"), -EINVAL);
	CU_ASSERT_EQUAL(gpio_line_open(&g, "", "3", false, 0, "t"), -EINVAL);
	CU_ASSERT_EQUAL(gpio_line_open(&g, "gpiochip0", NULL, false, 0, "t"), -EINVAL);
	CU_ASSERT_EQUAL(gpio_line_open(&g, "gpiochip0", "", false, 0, "t"), -EINVAL);
	CU_ASSERT_PTR_NULL(g);
}

static void test_missing_chip(void)
{
	struct gpio_line *g = NULL;
	int rc;

	rc = gpio_line_open(&g, "gpiochip97", "LED_RUN", false, 0, "t");
	CU_ASSERT(rc == -ENODEV || rc == -ENOENT);
	rc = gpio_line_open(&g, "/dev/gpiochip97", "4", true, 1, "t");
	CU_ASSERT(rc == -ENODEV || rc == -ENOENT);
	rc = gpio_line_open(&g, "no-such-label", "4", true, 1, "t");
	CU_ASSERT(rc < 0);
	CU_ASSERT_PTR_NULL(g);
	gpio_line_close(NULL); /* harmless */
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_bad_arguments),
		CU_TEST(test_missing_chip),
		CU_END,
	};

	cu_add("gpio", tests);
}
