/* SPDX-License-Identifier: GPL-2.0-or-later */
/* curve: clamping at the ends, interpolation, rounding, signs, sizes. */
#include <stdint.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "curve.h"

static struct cfg_curve mk(unsigned int n, const int32_t *x, const int32_t *y)
{
	struct cfg_curve c = { .n = (uint8_t)n };

	for (unsigned int i = 0; i < n; i++) {
		c.x[i] = x[i];
		c.y[i] = y[i];
	}
	return c;
}

static void test_empty(void)
{
	struct cfg_curve c = { .n = 0 };

	CU_ASSERT_EQUAL(curve_eval(&c, 0), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, 12345), 0);
}

static void test_one_point(void)
{
	struct cfg_curve c = mk(1, (const int32_t[]){ 100 }, (const int32_t[]){ 42 });

	CU_ASSERT_EQUAL(curve_eval(&c, INT32_MIN), 42);
	CU_ASSERT_EQUAL(curve_eval(&c, 99), 42);
	CU_ASSERT_EQUAL(curve_eval(&c, 100), 42);
	CU_ASSERT_EQUAL(curve_eval(&c, 101), 42);
	CU_ASSERT_EQUAL(curve_eval(&c, INT32_MAX), 42);
}

static void test_clamp_ends(void)
{
	struct cfg_curve c = mk(3, (const int32_t[]){ 0, 50, 450 },
				(const int32_t[]){ 0, 100, 20 });

	CU_ASSERT_EQUAL(curve_eval(&c, -1), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, -100000), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, INT32_MIN), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, 450), 20);
	CU_ASSERT_EQUAL(curve_eval(&c, 451), 20);
	CU_ASSERT_EQUAL(curve_eval(&c, INT32_MAX), 20);
}

static void test_points_exact(void)
{
	struct cfg_curve c = mk(4, (const int32_t[]){ 0, 50, 450, 550 },
				(const int32_t[]){ 0, 100, 100, 0 });

	CU_ASSERT_EQUAL(curve_eval(&c, 0), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, 50), 100);
	CU_ASSERT_EQUAL(curve_eval(&c, 450), 100);
	CU_ASSERT_EQUAL(curve_eval(&c, 550), 0);
}

static void test_interpolation(void)
{
	struct cfg_curve c = mk(4, (const int32_t[]){ 0, 50, 450, 550 },
				(const int32_t[]){ 0, 100, 100, 0 });

	CU_ASSERT_EQUAL(curve_eval(&c, 25), 50);
	CU_ASSERT_EQUAL(curve_eval(&c, 10), 20);
	CU_ASSERT_EQUAL(curve_eval(&c, 200), 100);
	CU_ASSERT_EQUAL(curve_eval(&c, 500), 50);
	CU_ASSERT_EQUAL(curve_eval(&c, 549), 1);
	/* monotonic along a rising segment */
	for (int32_t x = 1, prev = 0; x <= 50; x++) {
		int32_t y = curve_eval(&c, x);

		CU_ASSERT(y >= prev);
		prev = y;
	}
}

static void test_rounding(void)
{
	/* slope 1/3: 0.33 -> 0, 0.67 -> 1 */
	struct cfg_curve c = mk(2, (const int32_t[]){ 0, 3 }, (const int32_t[]){ 0, 1 });
	/* slope 1/2: halves round away from zero */
	struct cfg_curve h = mk(2, (const int32_t[]){ 0, 2 }, (const int32_t[]){ 0, 1 });
	/* slope 2/3: 0.67 -> 1, 1.33 -> 1 */
	struct cfg_curve d = mk(2, (const int32_t[]){ 0, 3 }, (const int32_t[]){ 0, 2 });

	CU_ASSERT_EQUAL(curve_eval(&c, 1), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, 2), 1);
	CU_ASSERT_EQUAL(curve_eval(&d, 1), 1);
	CU_ASSERT_EQUAL(curve_eval(&d, 2), 1);
	CU_ASSERT_EQUAL(curve_eval(&h, 1), 1);
}

static void test_negative(void)
{
	/* negative x and y, falling and rising, rounding symmetric about 0 */
	struct cfg_curve c = mk(3, (const int32_t[]){ -300, -100, 100 },
				(const int32_t[]){ -50, 0, -100 });
	struct cfg_curve h = mk(2, (const int32_t[]){ -2, 0 }, (const int32_t[]){ 0, -1 });
	struct cfg_curve t = mk(2, (const int32_t[]){ 0, 3 }, (const int32_t[]){ 0, -1 });

	CU_ASSERT_EQUAL(curve_eval(&c, -400), -50);
	CU_ASSERT_EQUAL(curve_eval(&c, -200), -25);
	CU_ASSERT_EQUAL(curve_eval(&c, -100), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, 0), -50);
	CU_ASSERT_EQUAL(curve_eval(&c, 200), -100);
	CU_ASSERT_EQUAL(curve_eval(&h, -1), -1); /* -0.5 away from zero */
	CU_ASSERT_EQUAL(curve_eval(&t, 1), 0);   /* -0.33 */
	CU_ASSERT_EQUAL(curve_eval(&t, 2), -1);  /* -0.67 */
}

static void test_sixteen_points(void)
{
	struct cfg_curve c = { .n = CURVE_MAX };

	/* y = x^2 sampled at 0, 10, ..., 150 */
	for (unsigned int i = 0; i < CURVE_MAX; i++) {
		c.x[i] = (int32_t)i * 10;
		c.y[i] = (int32_t)(i * i * 100);
	}
	for (unsigned int i = 0; i < CURVE_MAX; i++)
		CU_ASSERT_EQUAL(curve_eval(&c, (int32_t)i * 10), (int32_t)(i * i * 100));
	/* between 140 and 150: 19600 .. 22500 */
	CU_ASSERT_EQUAL(curve_eval(&c, 145), (19600 + 22500) / 2);
	CU_ASSERT_EQUAL(curve_eval(&c, 5), 50);
	CU_ASSERT_EQUAL(curve_eval(&c, 151), 22500);
	CU_ASSERT_EQUAL(curve_eval(&c, -1), 0);
}

static void test_big_values(void)
{
	/* spans that overflow 32 bits in the product: 2e9 x 2e9 */
	struct cfg_curve c = mk(2, (const int32_t[]){ -1000000000, 1000000000 },
				(const int32_t[]){ -1000000000, 1000000000 });
	/* a pack current axis in mA against a voltage in mV */
	struct cfg_curve m = mk(3, (const int32_t[]){ 0, 8388607, 16777214 },
				(const int32_t[]){ 0, 1500000, 0 });
	/* the widest steps of the config ranges */
	struct cfg_curve w = mk(2, (const int32_t[]){ INT32_MIN / 2, INT32_MAX / 2 },
				(const int32_t[]){ INT32_MAX / 2, INT32_MIN / 2 });

	CU_ASSERT_EQUAL(curve_eval(&c, 0), 0);
	CU_ASSERT_EQUAL(curve_eval(&c, 999999999), 999999999);
	CU_ASSERT_EQUAL(curve_eval(&c, -999999999), -999999999);
	CU_ASSERT_EQUAL(curve_eval(&c, 123456789), 123456789);
	CU_ASSERT_EQUAL(curve_eval(&m, 4194304), 750000); /* 749999.96 */
	CU_ASSERT_EQUAL(curve_eval(&m, 8388607), 1500000);
	CU_ASSERT_EQUAL(curve_eval(&m, 12582911), 750000); /* 749999.96 */
	CU_ASSERT_EQUAL(curve_eval(&w, 0), -1);
	CU_ASSERT_EQUAL(curve_eval(&w, INT32_MIN / 2 + 1), INT32_MAX / 2 - 1);
	CU_ASSERT_EQUAL(curve_eval(&w, INT32_MAX / 2), INT32_MIN / 2);
	CU_ASSERT_EQUAL(curve_eval(&w, INT32_MAX), INT32_MIN / 2);
}

static void test_flat_and_steep(void)
{
	struct cfg_curve flat = mk(2, (const int32_t[]){ 0, 1000 }, (const int32_t[]){ 7, 7 });
	/* a step: 1 unit of x for 10000 of y */
	struct cfg_curve steep = mk(3, (const int32_t[]){ 0, 1, 2 },
				    (const int32_t[]){ 0, 10000, 10000 });

	for (int32_t x = -5; x <= 1005; x += 101)
		CU_ASSERT_EQUAL(curve_eval(&flat, x), 7);
	CU_ASSERT_EQUAL(curve_eval(&steep, 0), 0);
	CU_ASSERT_EQUAL(curve_eval(&steep, 1), 10000);
	CU_ASSERT_EQUAL(curve_eval(&steep, 2), 10000);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_empty),
		CU_TEST(test_one_point),
		CU_TEST(test_clamp_ends),
		CU_TEST(test_points_exact),
		CU_TEST(test_interpolation),
		CU_TEST(test_rounding),
		CU_TEST(test_negative),
		CU_TEST(test_sixteen_points),
		CU_TEST(test_big_values),
		CU_TEST(test_flat_and_steep),
		CU_END,
	};

	cu_add("curve", tests);
}
