/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dio: debouncing of the four dry-contact inputs. Pure. */
#ifndef DIO_H
#define DIO_H

#include <stdint.h>

#include "../proto/bp.h"

struct dio {
	uint8_t stable;   /* debounced levels, bit n = DI n+1 */
	uint8_t raw;      /* last instantaneous levels */
	uint8_t debounce_ms;
	uint16_t held_ms[BP_NUM_DI]; /* how long the raw level has differed */
};

void dio_init(struct dio *d, uint8_t debounce_ms);

/* Feed the instantaneous levels @raw seen after @elapsed_ms. An input's
 * debounced level follows only after the raw level has differed from it
 * continuously for debounce_ms; any bounce back restarts the wait.
 * Returns the debounced levels. */
uint8_t dio_update(struct dio *d, uint8_t raw, uint32_t elapsed_ms);

#endif
