/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/dio.h"
#include "cu.h"

static void test_follows_after_debounce(void)
{
	struct dio d;

	dio_init(&d, 10);
	for (int i = 0; i < 9; i++)
		CU_ASSERT_EQUAL(dio_update(&d, 0x1, 1), 0);
	CU_ASSERT_EQUAL(dio_update(&d, 0x1, 1), 0x1);
	CU_ASSERT_EQUAL(d.raw, 0x1);
}

static void test_bounce_restarts(void)
{
	struct dio d;

	dio_init(&d, 5);
	for (int i = 0; i < 4; i++)
		dio_update(&d, 0x2, 1);
	CU_ASSERT_EQUAL(dio_update(&d, 0x0, 1), 0); /* bounced back */
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(dio_update(&d, 0x2, 1), 0);
	CU_ASSERT_EQUAL(dio_update(&d, 0x2, 1), 0x2);
	/* release debounces the same way */
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(dio_update(&d, 0x0, 1), 0x2);
	CU_ASSERT_EQUAL(dio_update(&d, 0x0, 1), 0x0);
}

static void test_inputs_independent(void)
{
	struct dio d;

	dio_init(&d, 3);
	dio_update(&d, 0x1, 2);
	dio_update(&d, 0x9, 1); /* DI1 reaches 3 ms, DI4 starts */
	CU_ASSERT_EQUAL(d.stable, 0x1);
	dio_update(&d, 0x9, 2);
	CU_ASSERT_EQUAL(d.stable, 0x9);
}

static void test_large_elapsed_and_mask(void)
{
	struct dio d;

	dio_init(&d, 200);
	CU_ASSERT_EQUAL(dio_update(&d, 0xFF, 100000), 0x0F); /* only 4 inputs exist */
	dio_init(&d, 0); /* 0 behaves as 1 ms */
	CU_ASSERT_EQUAL(dio_update(&d, 0x4, 1), 0x4);
}

static void test_zero_elapsed_never_changes(void)
{
	struct dio d;

	dio_init(&d, 1);
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(dio_update(&d, 0xF, 0), 0);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_follows_after_debounce), CU_TEST(test_bounce_restarts),
		CU_TEST(test_inputs_independent),     CU_TEST(test_large_elapsed_and_mask),
		CU_TEST(test_zero_elapsed_never_changes), CU_END,
	};
	cu_add("dio", tests);
}
