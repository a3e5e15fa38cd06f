/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd_can: CAN1 (the inverter profile, extcan.h) and CAN2 (the display
 * feed, can2.h) in the daemon: the buses opened from the can1 and can2
 * sections, frames sent when due on the 10 ms tick, the inverter's
 * keep-alive received, and the counters of `bmsctl can stats`. The loop
 * hooks are declared in bmsd.h.
 */
#ifndef BMSD_CAN_H
#define BMSD_CAN_H

#include <stdbool.h>

#include "bmsd.h"

/* The control-socket command "can-stats" / "can-stats json". */
#define BMSD_CAN_STATS_CMD "can-stats"

/*
 * Render the counters of both buses for "can-stats" (@json false: lines of
 * text) or "can-stats json" (one JSON object on one line):
 *   {"can1": {...}, "can2": {...}}
 * each with enabled, interface, backend, open, state (disabled, closed,
 * up, error-passive, bus-off), tx_frames, tx_dropped, send_errors,
 * omitted, skipped, rx_frames, rx_dropped, rx_malformed, bus_errors,
 * bus_off, restarts, opens, open_failures, last_error, period_ms; can1 adds
 * profile and keepalive {watch, state (alive, lost, off), seen,
 * last_ms_ago, timeout_ms, frames, losses}; can2 adds base_id. Returns 0
 * (ctl_cmd_fn convention).
 */
int bmsd_can_stats(const struct bmsd *b, struct ctl_reply *r, bool json);

#endif /* BMSD_CAN_H */
