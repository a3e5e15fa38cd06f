/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tick.h"
#include "clk.h"
#include "irq.h"
#include "regs.h"

static volatile uint32_t now_ms;

void tick_init(void)
{
	SYSTICK->ctrl = 0;
	SYSTICK->load = clk.hclk_hz / TICK_HZ - 1u;
	SYSTICK->val = 0;
	SCB->shp[SHP_SYSTICK - 4u] = (uint8_t)(PRIO_SYSTICK << (8u - NVIC_PRIO_BITS));
	SYSTICK->ctrl = SYSTICK_CTRL_CLKSOURCE | SYSTICK_CTRL_TICKINT | SYSTICK_CTRL_ENABLE;
}

uint32_t tick_now_ms(void)
{
	return now_ms;
}

void systick_isr(void)
{
	now_ms++;
}
