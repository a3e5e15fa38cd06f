/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "clk.h"
#include "regs.h"

/* A crystal starts within a few ms; one poll takes a few cycles of the
 * 16 MHz HSI, so this waits some 30 ms. */
#define CLK_WAIT_POLLS 100000u

#define PLL_M (CLK_HSE_HZ / 2000000u) /* VCO input 2 MHz: less jitter than 1 MHz */
#define PLL_N 168u                    /* VCO 336 MHz */
#define PLL_P 2u                      /* SYSCLK 168 MHz */
#define PLL_Q 7u                      /* 48 MHz */

_Static_assert(CLK_HSE_HZ % 2000000u == 0 && PLL_M >= 2u && PLL_M <= 63u,
	       "HSE must be an even number of MHz, 4..126");
_Static_assert(2000000u * PLL_N / PLL_P == CLK_SYSCLK_HZ, "PLL does not give 168 MHz");

struct clk_tree clk = {
	.sysclk_hz = CLK_HSI_HZ, .hclk_hz = CLK_HSI_HZ,
	.pclk1_hz = CLK_HSI_HZ, .pclk2_hz = CLK_HSI_HZ,
	.tim1_hz = CLK_HSI_HZ, .tim2_hz = CLK_HSI_HZ,
};

static bool wait_set(reg32 *r, uint32_t mask, uint32_t want)
{
	for (uint32_t i = 0; i < CLK_WAIT_POLLS; i++)
		if ((*r & mask) == want)
			return true;
	return false;
}

void clk_init(void)
{
	RCC->cr |= RCC_CR_HSEON;
	if (!wait_set(&RCC->cr, RCC_CR_HSERDY, RCC_CR_HSERDY))
		goto fallback;

	RCC->apb1enr |= RCC_APB1ENR_PWREN;
	(void)RCC->apb1enr;
	PWR->cr |= PWR_CR_VOS;
	/* 5 wait states for 150..168 MHz at 2.7..3.6 V, set before the clock rises */
	FLASH->acr = FLASH_ACR_LATENCY(5) | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
	if ((FLASH->acr & FLASH_ACR_LATENCY_MASK) != FLASH_ACR_LATENCY(5))
		goto fallback;
	RCC->cfgr = (RCC->cfgr & ~(RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK |
				   RCC_CFGR_HPRE_MASK)) |
		    RCC_CFGR_HPRE_DIV1 | RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
	RCC->pllcfgr = (RCC->pllcfgr & RCC_PLLCFGR_RESERVED) | RCC_PLLCFGR_M(PLL_M) |
		       RCC_PLLCFGR_N(PLL_N) | RCC_PLLCFGR_P(PLL_P) | RCC_PLLCFGR_SRC_HSE |
		       RCC_PLLCFGR_Q(PLL_Q);
	RCC->cr |= RCC_CR_PLLON;
	if (!wait_set(&RCC->cr, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
		goto fallback;
	RCC->cfgr = (RCC->cfgr & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
	if (!wait_set(&RCC->cfgr, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL))
		goto fallback;
	RCC->cr |= RCC_CR_CSSON;

	clk.sysclk_hz = CLK_SYSCLK_HZ;
	clk.hclk_hz = CLK_SYSCLK_HZ;
	clk.pclk1_hz = CLK_SYSCLK_HZ / 4u;
	clk.pclk2_hz = CLK_SYSCLK_HZ / 2u;
	/* a timer on a divided APB runs at twice its bus clock */
	clk.tim1_hz = 2u * clk.pclk1_hz;
	clk.tim2_hz = 2u * clk.pclk2_hz;
	clk.hse_ok = true;
	return;

fallback:
	RCC->cfgr &= ~(RCC_CFGR_SW_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK |
		       RCC_CFGR_HPRE_MASK);
	RCC->cr &= ~(RCC_CR_PLLON | RCC_CR_HSEON | RCC_CR_CSSON);
	clk.hse_ok = false;
}
