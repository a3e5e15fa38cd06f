/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hal_sys: board identity and the independent watchdog. */
#ifndef HAL_SYS_H
#define HAL_SYS_H

#include <stdbool.h>
#include <stdint.h>

#define HAL_BOARD_MAIN_2R 1u
#define HAL_BOARD_MAIN_21 2u
#define HAL_BOARD_SIM 0x7Fu

uint8_t hal_board_id(void);

/* True if the last reset was caused by the watchdog. */
bool hal_reset_by_watchdog(void);

/* Called by the core once per healthy tick. */
void hal_watchdog_kick(void);

#endif
