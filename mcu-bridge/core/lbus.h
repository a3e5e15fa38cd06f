/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lbus: master of the RS-485 Logic bus (docs/logic-bus.md).
 *
 * A non-blocking state machine: lbus_poll() is called at least once per
 * 1 ms tick, sends at most one request at a time through hal_uart, and
 * reports each finished board transaction and each finished cycle as an
 * event. Polls boards 1..N in turn, once per cycle.
 */
#ifndef LBUS_H
#define LBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/bp.h"

#define LBUS_BAUD_DEFAULT 500000u
#define LBUS_CYCLE_MS_DEFAULT 100u
#define LBUS_REPLY_TIMEOUT_MS_DEFAULT 5u
#define LBUS_RETRIES_DEFAULT 2u

struct lbus_cfg {
	uint8_t boards;          /* 0..32; board n answers at bus address n+1 */
	uint8_t cells;           /* 1..24 cells per board */
	uint8_t temps;           /* 0..8 temperatures per board */
	uint16_t cycle_ms;       /* a cycle starts every cycle_ms (or as soon as
				  * the previous one ends, if that is later) */
	uint16_t reply_timeout_ms; /* from end of request to complete reply */
	uint8_t retries;         /* extra attempts per board per cycle */
	uint16_t offline_ms;     /* no good reply for this long -> offline */
};

struct lbus_board {
	bool online;      /* has answered within offline_ms */
	bool ever;        /* has answered at least once since configure */
	bool fresh;       /* data below come from this cycle's poll */
	uint8_t ncells, ntemps;
	uint8_t status;   /* board status register (docs/logic-bus.md) */
	uint8_t ntc_fault;
	uint16_t cell_mV[BP_MAX_CELLS];
	int16_t temp_dC[BP_MAX_TEMPS];  /* BP_TEMP_DC_NA on a faulted sensor */
	uint32_t bal_reported;          /* mask the board says it applies */
	uint32_t bal_wanted;            /* mask to write */
	bool bal_dirty;                 /* bal_wanted not yet acknowledged */
	uint32_t last_ok_ms;
	uint32_t crc_errors, timeouts, exceptions; /* totals */
	bool err_this_cycle;            /* any CRC error/timeout in this cycle */
	bool err_prev_cycle;            /* ... in the previous one: keeps the error
					 * indication steady across a visit's start */
};

enum lbus_ev_type {
	LBUS_EV_BOARD = 1, /* board ev.board's transaction ended (good or not) */
	LBUS_EV_CYCLE = 2, /* every board was visited; ev.cycle ended */
};

struct lbus_ev {
	uint8_t type;
	uint8_t board;
	uint8_t cycle;
};

struct lbus {
	struct lbus_cfg cfg;
	struct lbus_board board[BP_MAX_BOARDS];
	uint8_t cycle;           /* increments at each cycle start */
	uint32_t crc_errors, timeouts; /* bus totals */
	/* state machine, private */
	uint8_t st, cur, attempt;
	uint32_t t_cycle, t_req;
	bool cycle_started;
	uint8_t rx[128];
	uint16_t rx_len, rx_want;
	uint8_t req_kind;
};

void lbus_init(struct lbus *lb, const struct lbus_cfg *cfg);

/* Request @mask (24 bits) as the bleed mask of @board; written in that
 * board's next transaction, and again whenever the board reports another. */
void lbus_set_balance(struct lbus *lb, uint8_t board, uint32_t mask);

/* Advance. Returns 1 with @ev filled when an event happened, else 0.
 * Call again until it returns 0. */
int lbus_poll(struct lbus *lb, uint32_t now_ms, struct lbus_ev *ev);

/* Number of boards online now. */
uint8_t lbus_online_count(const struct lbus *lb);

/* Bit n set = board n online. */
uint32_t lbus_online_mask(const struct lbus *lb);

#endif
