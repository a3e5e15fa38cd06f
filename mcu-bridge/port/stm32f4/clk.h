/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clk: the clock tree. The 8 MHz crystal (HSE) feeds the main PLL:
 * VCO in 2 MHz, VCO out 336 MHz, SYSCLK 168 MHz, 48 MHz for USB. AHB runs
 * at 168 MHz, APB1 at 42 MHz (its timers at 84 MHz), APB2 at 84 MHz.
 * Should the crystal or the PLL fail to start, the MCU stays on the 16 MHz
 * internal oscillator with every bus at 16 MHz, and clk.hse_ok is false;
 * the drivers take their dividers from clk, so they work at either speed.
 */
#ifndef CLK_H
#define CLK_H

#include <stdbool.h>
#include <stdint.h>

#ifndef CLK_HSE_HZ
#define CLK_HSE_HZ 8000000u
#endif
#define CLK_HSI_HZ 16000000u
#define CLK_SYSCLK_HZ 168000000u

struct clk_tree {
	uint32_t sysclk_hz, hclk_hz;
	uint32_t pclk1_hz, pclk2_hz;   /* APB1, APB2 */
	uint32_t tim1_hz, tim2_hz;     /* timer kernels on APB1, APB2 */
	bool hse_ok;                   /* running from the crystal and PLL */
};

extern struct clk_tree clk;

/* Start HSE and the PLL and switch SYSCLK to it, with flash wait states
 * and bus dividers set first; fall back to HSI on any timeout. Enables
 * the clock security system once on the PLL. */
void clk_init(void);

#endif
