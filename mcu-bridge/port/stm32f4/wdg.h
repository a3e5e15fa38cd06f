/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wdg: the independent watchdog and the reset cause, behind hal_sys.
 *
 * The IWDG runs from the ~32 kHz LSI with a nominal timeout of
 * WDG_TIMEOUT_MS (68..188 ms over the LSI's tolerance). It is reloaded
 * only from the main loop, and only when both hold: the core finished a
 * tick since the last reload (it calls hal_watchdog_kick() at the end of
 * every tick), and the loop judges itself healthy (keeping up with the
 * tick, stack guard intact). A stuck interrupt, a core that stopped
 * ticking, or a loop that fell behind all end in a reset with the relays
 * open.
 */
#ifndef WDG_H
#define WDG_H

#include <stdbool.h>
#include <stdint.h>

#define WDG_TIMEOUT_MS 100u

/* Note whether the last reset came from the IWDG, clear the reset flags,
 * and start the watchdog (frozen while a debugger halts the core). */
void wdg_init(void);

/* Reload the watchdog if the core ticked since the last reload and
 * @healthy is true. Returns true when it reloaded. */
bool wdg_service(bool healthy);

/* Ticks completed by the core (hal_watchdog_kick calls) since reset. */
uint32_t wdg_core_ticks(void);

#endif
