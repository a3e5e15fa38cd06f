/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wdg.h"
#include "regs.h"
#include "../../hal/hal_sys.h"

#define LSI_HZ 32000u

static bool by_watchdog;
static volatile uint32_t core_ticks;
static uint32_t reloaded_at;

void wdg_init(void)
{
	by_watchdog = (RCC->csr & RCC_CSR_IWDGRSTF) != 0;
	RCC->csr |= RCC_CSR_RMVF;
	DBGMCU->apb1_fz |= DBGMCU_APB1_IWDG_STOP;

	IWDG->kr = IWDG_KEY_START; /* also starts the LSI */
	IWDG->kr = IWDG_KEY_UNLOCK;
	IWDG->pr = IWDG_PR_DIV32;
	IWDG->rlr = LSI_HZ / 32u * WDG_TIMEOUT_MS / 1000u;
	/* the new values cross into the LSI domain in a few of its cycles */
	for (uint32_t i = 0; i < 100000u && IWDG->sr; i++)
		;
	IWDG->kr = IWDG_KEY_RELOAD;
	reloaded_at = core_ticks;
}

bool wdg_service(bool healthy)
{
	uint32_t t = core_ticks;

	if (!healthy || t == reloaded_at)
		return false;
	IWDG->kr = IWDG_KEY_RELOAD;
	reloaded_at = t;
	return true;
}

uint32_t wdg_core_ticks(void)
{
	return core_ticks;
}

bool hal_reset_by_watchdog(void)
{
	return by_watchdog;
}

void hal_watchdog_kick(void)
{
	core_ticks++;
}
