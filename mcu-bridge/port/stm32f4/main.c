/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bridge firmware on the STM32F405: bring the board up, then run the
 * core's tick once per millisecond of SysTick in thread mode, below every
 * interrupt, and sleep in between. The watchdog is reloaded from here only.
 */
#include "adc.h"
#include "board.h"
#include "bxcan.h"
#include "regs.h"
#include "rs485.h"
#include "startup.h"
#include "tick.h"
#include "wdg.h"
#include "../../core/fw.h"
#include "../../core/lbus.h"
#include "../../hal/hal_sys.h"

/* Ticks the loop may fall behind before it gives up on catching up: the
 * core then skips the lost time (its periodic work does not burst). */
#define LAG_SKIP_MS 20u
/* ... and before it stops reloading the watchdog. */
#define LAG_UNHEALTHY_MS 50u

static struct fw fw;

struct main_stats {
	uint32_t ticks, skipped_ms, max_lag_ms;
	uint8_t init_errors; /* bit 0 CAN bit rate, bit 1 Logic baud rate */
};

static struct main_stats main_stats;

int main(void)
{
	uint32_t done, lag;

	board_init();
	wdg_init();
	fw_init(&fw, hal_board_id());
	if (bxcan_init())
		main_stats.init_errors |= 1u;
	if (rs485_init(LBUS_BAUD_DEFAULT))
		main_stats.init_errors |= 2u;
	adc_init();
	tick_init();
	cpu_irq_enable();

	done = tick_now_ms();
	for (;;) {
		lag = tick_now_ms() - done;
		if (lag > main_stats.max_lag_ms)
			main_stats.max_lag_ms = lag;
		if (lag > LAG_SKIP_MS) {
			main_stats.skipped_ms += lag - 1u;
			done += lag - 1u;
			lag = 1;
		}
		if (lag) {
			fw_tick(&fw, ++done);
			main_stats.ticks++;
			continue;
		}
		(void)wdg_service(main_stats.max_lag_ms < LAG_UNHEALTHY_MS &&
				  startup_stack_guard_ok());
		main_stats.max_lag_ms = 0;
		/* sleep unless a tick came in since the check above; an interrupt
		 * pending under PRIMASK still ends the WFI */
		cpu_irq_disable();
		if (tick_now_ms() == done)
			cpu_wfi();
		cpu_irq_enable();
	}
}

void startup_fault_halt(const struct startup_fault *f)
{
	(void)f;
	/* relays are open; the watchdog, started on the way in, resets us */
	for (;;)
		cpu_wfi();
}
