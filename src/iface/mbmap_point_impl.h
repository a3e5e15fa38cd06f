/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap_point internals: how the pieces of the map (mbmap_sunspec.c,
 * mbmap_m805.c, mbmap_vendor.c) turn the view into registers, point by
 * point. Not for other modules.
 */
#ifndef MBMAP_POINT_IMPL_H
#define MBMAP_POINT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "mbmap_point.h"
#include "view.h"

_Static_assert(VIEW_BOARDS <= 32 && VIEW_CELLS <= 32, "bit masks of 32");

/* The value of one element of a point, as a fill function gives it: NA
 * unless it is set; @s for a string. */
struct mbmap_val {
	bool na;
	int64_t v;
	const char *s;
};

static inline void setv(struct mbmap_val *o, int64_t v)
{
	o->na = false;
	o->v = v;
}

/* Round @v / 10^@div to the nearest, halves away from zero. */
static inline int64_t scale_down(int64_t v, unsigned int div)
{
	int64_t d = 1, q, r;

	if (div > 18)
		div = 18;
	while (div--)
		d *= 10;
	q = v / d;
	r = v % d;
	if (r < 0)
		r = -r;
	if (2 * r >= d)
		q += v < 0 ? -1 : 1;
	return q;
}

static inline bool cell_ok(uint16_t mV)
{
	return mV != BP_CELL_MV_NA;
}

static inline bool temp_ok(int16_t dC)
{
	return dC != BP_TEMP_DC_NA;
}

/* One element of @p at @dst; numbers are clamped short of their NA value,
 * so that a real figure never reads as "not available". */
void mbmap_put(uint16_t *dst, const struct mbmap_point *p, const struct mbmap_val *x);

/* Write every element of the table @tab at @dst, which advances past it.
 * @call fills o_ for point pt_ of the table, element i_; what it leaves
 * unset reads NA. */
#define EMIT_TABLE(dst, tab, call)                                                       \
	do {                                                                             \
		for (unsigned int pt_ = 0; pt_ < (tab)->n; pt_++) {                      \
			const struct mbmap_point *p_ = &(tab)->pts[pt_];                 \
			unsigned int cnt_ = p_->count ? p_->count : 1u;                  \
			for (unsigned int i_ = 0; i_ < cnt_; i_++) {                     \
				struct mbmap_val o_ = { .na = true };                    \
				(void)i_;                                                \
				call;                                                    \
				mbmap_put((dst), p_, &o_);                               \
				(dst) += p_->size;                                       \
			}                                                                \
		}                                                                        \
	} while (0)

#endif /* MBMAP_POINT_IMPL_H */
