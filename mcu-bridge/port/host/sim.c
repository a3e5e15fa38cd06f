/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sim.h"

uint8_t sim_contacts(const struct sim *s)
{
	uint8_t c = s->relay_coil;

	for (unsigned int i = 0; i < 4; i++) {
		if (s->relay_fault[i] == SIM_RELAY_WELDED)
			c |= (uint8_t)(1u << i);
		else if (s->relay_fault[i] == SIM_RELAY_STUCK)
			c &= (uint8_t) ~(1u << i);
	}
	return c;
}

uint8_t sim_di(const struct sim *s)
{
	uint8_t v = 0;

	for (unsigned int i = 0; i < 4; i++) {
		uint8_t r = s->di_feedback[i];

		if (r >= 1 && r <= 4 && (s->relay_contacts & (1u << (r - 1))))
			v |= (uint8_t)(1u << i);
	}
	return (uint8_t)((v & ~s->di_forced_mask) | (s->di_forced_val & s->di_forced_mask));
}
