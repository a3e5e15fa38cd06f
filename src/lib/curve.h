/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * curve: a piecewise-linear function given by up to CURVE_MAX points, as
 * written in bmsd.yaml: [[x1, y1], [x2, y2], ...] with x strictly
 * increasing. Below the first point the curve holds y1, above the last it
 * holds yN; between points it interpolates linearly.
 */
#ifndef CURVE_H
#define CURVE_H

#include <stdint.h>

#define CURVE_MAX 16u

struct cfg_curve {
	uint8_t n; /* points in use, 1..CURVE_MAX; 0: no curve (no limit) */
	int32_t x[CURVE_MAX];
	int32_t y[CURVE_MAX];
};

/* y at @x, rounded to the nearest integer. @c must have n >= 1. */
int32_t curve_eval(const struct cfg_curve *c, int32_t x);

#endif /* CURVE_H */
