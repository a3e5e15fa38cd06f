/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "curve.h"

int32_t curve_eval(const struct cfg_curve *c, int32_t x)
{
	unsigned int i;
	int64_t dx, dy, num;

	if (!c->n)
		return 0;
	if (x <= c->x[0])
		return c->y[0];
	if (x >= c->x[c->n - 1])
		return c->y[c->n - 1];
	for (i = 1; i < c->n && x > c->x[i]; i++)
		;
	/* x[i-1] < x <= x[i]; 64-bit so that mV x mA spans never overflow */
	dx = (int64_t)c->x[i] - c->x[i - 1];
	dy = (int64_t)c->y[i] - c->y[i - 1];
	num = dy * ((int64_t)x - c->x[i - 1]);
	num += num >= 0 ? dx / 2 : -(dx / 2);
	return (int32_t)(c->y[i - 1] + num / dx);
}
