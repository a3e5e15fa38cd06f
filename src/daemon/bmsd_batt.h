/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd_batt: the battery logic (logic/batt.h) in the daemon: its inputs
 * gathered, its outputs applied, the state file, its control commands.
 */
#ifndef BMSD_BATT_H
#define BMSD_BATT_H

#include <stdint.h>

#include "bmsd.h"

/* _apply after every config (re)load; _step at @now_us for frames received
 * at @rx_us (0: a timer); _tick every 10 ms, a step and the SOC and
 * balancing; _stop at exit; _ctl registers its control-socket commands. */
void bmsd_batt_apply(struct bmsd *b);
void bmsd_batt_step(struct bmsd *b, uint64_t now_us, uint64_t rx_us);
void bmsd_batt_tick(struct bmsd *b, uint64_t now_us);
void bmsd_batt_stop(struct bmsd *b);
void bmsd_batt_ctl(struct bmsd *b);

#endif /* BMSD_BATT_H */
