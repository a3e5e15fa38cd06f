/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tick: the 1 kHz time base, from SysTick at the core clock. */
#ifndef TICK_H
#define TICK_H

#include <stdint.h>

#define TICK_HZ 1000u

/* Start SysTick at TICK_HZ from clk.hclk_hz, at PRIO_SYSTICK. */
void tick_init(void);

/* Milliseconds since tick_init(); wraps after 49 days. */
uint32_t tick_now_ms(void);

#endif
