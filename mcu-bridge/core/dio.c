/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dio.h"

void dio_init(struct dio *d, uint8_t debounce_ms)
{
	struct dio z = { 0 };

	*d = z;
	d->debounce_ms = debounce_ms ? debounce_ms : 1;
}

uint8_t dio_update(struct dio *d, uint8_t raw, uint32_t elapsed_ms)
{
	raw &= (1u << BP_NUM_DI) - 1u;
	d->raw = raw;
	for (unsigned int i = 0; i < BP_NUM_DI; i++) {
		uint8_t m = (uint8_t)(1u << i);
		uint32_t held;

		if ((raw & m) == (d->stable & m)) {
			d->held_ms[i] = 0;
			continue;
		}
		held = d->held_ms[i] + elapsed_ms;
		if (held >= d->debounce_ms) {
			d->stable ^= m;
			held = 0;
		}
		d->held_ms[i] = (uint16_t)(held > 0xFFFFu ? 0xFFFFu : held);
	}
	return d->stable;
}
