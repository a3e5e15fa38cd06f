/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * can_if: CAN1 (the inverter profile, can1.h) and CAN2 (the display feed,
 * can2.h) on the loop: the buses opened from the can1 and can2 sections,
 * frames encoded from the published view when due on the 10 ms tick, the
 * inverter's keep-alive received, and the counters of `bmsctl can-stats`.
 * Events go through the host (host.h).
 */
#ifndef CAN_IF_H
#define CAN_IF_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "ctl.h"
#include "host.h"
#include "view.h"

struct loop;
struct can_if;

/* The control-socket command "can-stats" / "can-stats json". */
#define CAN_IF_STATS_CMD "can-stats"

/* After every configuration load: set up the buses whose section changed
 * (*@px NULL: create). @v is the view the frames are encoded from; @h,
 * @loop and @v must outlive the interface. @c NULL: nothing changes. */
void can_if_reconfigure(struct can_if **px, const struct host *h, struct loop *loop,
			const struct cfg *c, const struct view *v);
/* Every 10 ms: reopen, send what is due, watch the keep-alive. */
void can_if_tick(struct can_if *xc, uint64_t now_ms);
/* Close both buses and free; *@px becomes NULL. */
void can_if_fini(struct can_if **px);
/* The inverter's keep-alive on CAN1: 1 seen within its timeout, 0 lost,
 * -1 not watched (no CAN1, or the watch is off). */
int can_if_peer_alive(const struct can_if *xc);

/*
 * Render the counters of both buses for "can-stats" (@json false: lines of
 * text) or "can-stats json" (one JSON object on one line):
 *   {"can1": {...}, "can2": {...}}
 * each with enabled, interface, backend, open, state (disabled, closed,
 * up, error-passive, bus-off), tx_frames, tx_dropped, send_errors,
 * omitted, skipped, rx_frames, rx_dropped, rx_malformed, bus_errors,
 * bus_off, restarts, opens, open_failures, last_error, period_ms; can1 adds
 * profile and keepalive {watch, state (alive, lost, off), seen,
 * last_ms_ago, timeout_ms, frames, losses}; can2 adds base_id. @xc NULL:
 * both disabled. Returns 0 (ctl_cmd_fn convention).
 */
int can_if_stats(const struct can_if *xc, struct ctl_reply *r, bool json);

#endif /* CAN_IF_H */
