/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lbus.h"

#include "../hal/hal_uart.h"
#include "../proto/crc.h"

#define FN_READ_INPUT 0x04u
#define FN_WRITE_MULTI 0x10u
#define FN_EXCEPTION 0x80u

#define REG_STATUS 0u
#define REG_NCELLS 1u
#define REG_NTEMPS 2u
#define REG_BAL_LO 3u
#define REG_BAL_HI 4u
#define REG_NTC_FAULT 5u
#define REG_CELL0 8u
#define REG_TEMP0 32u
#define HREG_BAL 0x0100u
#define TEMP_FAULT_RAW 0x8000u

#define EXC_LEN 5u
#define WRITE_REQ_LEN 13u
#define WRITE_REPLY_LEN 8u
#define READ_REQ_LEN 8u

#define OFFLINE_MS_DEFAULT 1000u
#define RETRIES_MAX 8u

enum {
	ST_WAIT = 0, /* between cycles (also before the first one) */
	ST_VISIT,    /* start of a board's visit */
	ST_SEND,     /* write the request of req_kind */
	ST_TX,       /* request on the wire */
	ST_RX,       /* collecting the reply */
	ST_QUIET,    /* after a broken reply: wait for the line to go quiet */
	ST_END,      /* every board visited: report the cycle */
};

/* req_kind: the request, plus a flag that the line must be quiet first */
enum { REQ_READ = 0, REQ_WRITE_BAL = 1, REQ_KIND = 0x0F, REQ_QUIET = 0x80 };

enum { RES_OK = 0, RES_TIMEOUT, RES_BAD, RES_EXCEPTION };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)(v & 0xFFu);
}

static void put_crc(uint8_t *p, uint16_t n)
{
	uint16_t crc = crc16_modbus(p, n);

	p[n] = (uint8_t)(crc & 0xFFu);
	p[n + 1] = (uint8_t)(crc >> 8);
}

static bool crc_ok(const uint8_t *p, uint16_t n)
{
	uint16_t crc = crc16_modbus(p, (size_t)(n - 2));

	return p[n - 2] == (crc & 0xFFu) && p[n - 1] == (crc >> 8);
}

static uint32_t cells_mask(const struct lbus *lb)
{
	return (1u << lb->cfg.cells) - 1u;
}

/* Registers a read asks for: status block and cells, and the temperature
 * block too when there are sensors. */
static uint16_t read_count(const struct lbus *lb)
{
	if (lb->cfg.temps)
		return (uint16_t)(REG_TEMP0 + lb->cfg.temps);
	return (uint16_t)(REG_CELL0 + lb->cfg.cells);
}

void lbus_init(struct lbus *lb, const struct lbus_cfg *cfg)
{
	uint8_t *p = (uint8_t *)lb;

	for (size_t i = 0; i < sizeof(*lb); i++)
		p[i] = 0;
	lb->cfg = *cfg;
	if (lb->cfg.boards > BP_MAX_BOARDS)
		lb->cfg.boards = BP_MAX_BOARDS;
	if (lb->cfg.cells < 1)
		lb->cfg.cells = 1;
	if (lb->cfg.cells > BP_MAX_CELLS)
		lb->cfg.cells = BP_MAX_CELLS;
	if (lb->cfg.temps > BP_MAX_TEMPS)
		lb->cfg.temps = BP_MAX_TEMPS;
	if (!lb->cfg.cycle_ms)
		lb->cfg.cycle_ms = LBUS_CYCLE_MS_DEFAULT;
	if (!lb->cfg.reply_timeout_ms)
		lb->cfg.reply_timeout_ms = LBUS_REPLY_TIMEOUT_MS_DEFAULT;
	if (lb->cfg.retries > RETRIES_MAX)
		lb->cfg.retries = RETRIES_MAX;
	if (!lb->cfg.offline_ms)
		lb->cfg.offline_ms = OFFLINE_MS_DEFAULT;
	for (unsigned int i = 0; i < BP_MAX_BOARDS; i++) {
		struct lbus_board *bd = &lb->board[i];

		for (unsigned int c = 0; c < BP_MAX_CELLS; c++)
			bd->cell_mV[c] = BP_CELL_MV_NA;
		for (unsigned int t = 0; t < BP_MAX_TEMPS; t++)
			bd->temp_dC[t] = BP_TEMP_DC_NA;
	}
	lb->st = ST_WAIT;
}

void lbus_set_balance(struct lbus *lb, uint8_t board, uint32_t mask)
{
	struct lbus_board *bd;

	if (board >= lb->cfg.boards)
		return;
	bd = &lb->board[board];
	mask &= cells_mask(lb);
	if (mask != bd->bal_wanted || mask != bd->bal_reported)
		bd->bal_dirty = true;
	bd->bal_wanted = mask;
}

static uint8_t kind(const struct lbus *lb)
{
	return lb->req_kind & REQ_KIND;
}

static void send_request(struct lbus *lb, uint32_t now_ms)
{
	const struct lbus_board *bd = &lb->board[lb->cur];
	uint8_t req[WRITE_REQ_LEN];
	uint16_t n;

	req[0] = (uint8_t)(lb->cur + 1);
	if (kind(lb) == REQ_WRITE_BAL) {
		req[1] = FN_WRITE_MULTI;
		put16(&req[2], HREG_BAL);
		put16(&req[4], 2);
		req[6] = 4;
		put16(&req[7], (uint16_t)(bd->bal_wanted & 0xFFFFu));
		put16(&req[9], (uint16_t)((bd->bal_wanted >> 16) & 0xFFu));
		n = 11;
		lb->rx_want = WRITE_REPLY_LEN;
	} else {
		uint16_t count = read_count(lb);

		req[1] = FN_READ_INPUT;
		put16(&req[2], 0);
		put16(&req[4], count);
		n = 6;
		lb->rx_want = (uint16_t)(5 + 2 * count);
	}
	put_crc(req, n);
	hal_uart_flush_rx();
	/* A refused write (port still busy) is not retried here: the attempt
	 * then ends in a timeout like any request that got no answer. */
	(void)hal_uart_write(req, (size_t)(n + 2));
	lb->rx_len = 0;
	lb->t_req = now_ms;
	lb->st = ST_TX;
}

/* Take what the UART has, never more than the reply can be: the first
 * two bytes tell an exception (5 bytes) from a normal reply. */
static void collect(struct lbus *lb)
{
	uint8_t fn = kind(lb) == REQ_WRITE_BAL ? FN_WRITE_MULTI : FN_READ_INPUT;

	while (lb->rx_len < lb->rx_want) {
		uint16_t upto = lb->rx_len < 2 ? 2 : lb->rx_want;
		size_t got = hal_uart_read(&lb->rx[lb->rx_len], (size_t)(upto - lb->rx_len));

		if (!got)
			return;
		lb->rx_len = (uint16_t)(lb->rx_len + got);
		if (lb->rx_len >= 2 && lb->rx[1] == (fn | FN_EXCEPTION))
			lb->rx_want = EXC_LEN;
	}
}

static int check_reply(const struct lbus *lb)
{
	const uint8_t *r = lb->rx;
	uint8_t addr = (uint8_t)(lb->cur + 1);

	if (!crc_ok(r, lb->rx_len) || r[0] != addr)
		return RES_BAD;
	if (lb->rx_len == EXC_LEN && (r[1] & FN_EXCEPTION))
		return RES_EXCEPTION;
	if (kind(lb) == REQ_WRITE_BAL) {
		if (r[1] != FN_WRITE_MULTI || get16(&r[2]) != HREG_BAL || get16(&r[4]) != 2)
			return RES_BAD;
	} else {
		if (r[1] != FN_READ_INPUT || r[2] != 2 * read_count(lb))
			return RES_BAD;
	}
	return RES_OK;
}

static void take_data(struct lbus *lb, uint32_t now_ms)
{
	struct lbus_board *bd = &lb->board[lb->cur];
	const uint8_t *regs = &lb->rx[3];
	uint16_t ncells = get16(&regs[2 * REG_NCELLS]);
	uint16_t ntemps = get16(&regs[2 * REG_NTEMPS]);
	uint8_t ntc = (uint8_t)get16(&regs[2 * REG_NTC_FAULT]);
	uint8_t fault = 0;

	bd->status = (uint8_t)get16(&regs[2 * REG_STATUS]);
	bd->ncells = (uint8_t)(ncells > BP_MAX_CELLS ? BP_MAX_CELLS : ncells);
	bd->ntemps = (uint8_t)(ntemps > BP_MAX_TEMPS ? BP_MAX_TEMPS : ntemps);
	for (unsigned int c = 0; c < BP_MAX_CELLS; c++) {
		if (c < lb->cfg.cells && c < bd->ncells)
			bd->cell_mV[c] = get16(&regs[2 * (REG_CELL0 + c)]);
		else
			bd->cell_mV[c] = BP_CELL_MV_NA;
	}
	for (unsigned int t = 0; t < BP_MAX_TEMPS; t++) {
		uint16_t raw;

		if (t >= lb->cfg.temps) {
			bd->temp_dC[t] = BP_TEMP_DC_NA;
			continue;
		}
		raw = get16(&regs[2 * (REG_TEMP0 + t)]);
		if (raw == TEMP_FAULT_RAW || ((ntc >> t) & 1u) || t >= bd->ntemps) {
			bd->temp_dC[t] = BP_TEMP_DC_NA;
			if (t < bd->ntemps)
				fault |= (uint8_t)(1u << t);
		} else {
			bd->temp_dC[t] = (int16_t)raw;
		}
	}
	bd->ntc_fault = fault;
	bd->bal_reported = get16(&regs[2 * REG_BAL_LO]) |
			   (uint32_t)(get16(&regs[2 * REG_BAL_HI]) & 0xFFu) << 16;
	bd->bal_dirty = bd->bal_reported != bd->bal_wanted;
	bd->fresh = true;
	bd->online = true;
	bd->ever = true;
	bd->last_ok_ms = now_ms;
}

static void visit_failed(struct lbus *lb, uint32_t now_ms)
{
	struct lbus_board *bd = &lb->board[lb->cur];

	bd->fresh = false;
	if ((uint32_t)(now_ms - bd->last_ok_ms) >= lb->cfg.offline_ms)
		bd->online = false;
}

/* Returns true when the board's visit is over. */
static bool finish_transaction(struct lbus *lb, int res, uint32_t now_ms)
{
	struct lbus_board *bd = &lb->board[lb->cur];

	switch (res) {
	case RES_OK:
		if (kind(lb) == REQ_WRITE_BAL) {
			/* acknowledged only once the read shows the mask */
			lb->req_kind = REQ_READ;
			lb->st = ST_SEND;
			return false;
		}
		take_data(lb, now_ms);
		return true;
	case RES_TIMEOUT:
		bd->timeouts++;
		lb->timeouts++;
		break;
	case RES_BAD:
		bd->crc_errors++;
		lb->crc_errors++;
		/* whoever sent it may not have finished: no request until the
		 * line has been silent for a whole tick */
		lb->req_kind |= REQ_QUIET;
		break;
	case RES_EXCEPTION:
		bd->exceptions++;
		/* a refused mask does not stop us from reading the board */
		if (kind(lb) == REQ_WRITE_BAL)
			lb->req_kind = (uint8_t)((lb->req_kind & REQ_QUIET) | REQ_READ);
		break;
	}
	bd->err_this_cycle = true;
	if (lb->attempt >= lb->cfg.retries) {
		visit_failed(lb, now_ms);
		return true;
	}
	lb->attempt++;
	lb->st = ST_SEND;
	return false;
}

static void start_cycle(struct lbus *lb, uint32_t now_ms)
{
	if (!lb->cycle_started) {
		/* "never answered for offline_ms" counts from the first poll */
		lb->cycle_started = true;
		lb->t_cycle = now_ms;
		for (unsigned int i = 0; i < BP_MAX_BOARDS; i++)
			lb->board[i].last_ok_ms = now_ms;
	}
	lb->cycle++;
	lb->cur = 0;
	lb->st = lb->cfg.boards ? ST_VISIT : ST_END;
}

int lbus_poll(struct lbus *lb, uint32_t now_ms, struct lbus_ev *ev)
{
	for (;;) {
		switch (lb->st) {
		case ST_WAIT:
			if (lb->cycle_started && (int32_t)(now_ms - lb->t_cycle) < 0)
				return 0;
			start_cycle(lb, now_ms);
			break;
		case ST_VISIT:
			lb->attempt = 0;
			lb->board[lb->cur].fresh = false;
			lb->board[lb->cur].err_prev_cycle = lb->board[lb->cur].err_this_cycle;
			lb->board[lb->cur].err_this_cycle = false;
			lb->req_kind = (uint8_t)((lb->req_kind & REQ_QUIET) |
						 (lb->board[lb->cur].bal_dirty ? REQ_WRITE_BAL : REQ_READ));
			lb->st = ST_SEND;
			break;
		case ST_SEND:
			if (lb->req_kind & REQ_QUIET) {
				lb->t_req = now_ms;
				lb->rx_len = 0;
				lb->st = ST_QUIET;
				break;
			}
			send_request(lb, now_ms);
			break;
		case ST_QUIET:
			/* t_req: when bytes were last seen; rx_len: ticks with
			 * bytes, so that a babbling line cannot stop the bus */
			while (hal_uart_read(lb->rx, sizeof(lb->rx))) {
				if (now_ms != lb->t_req)
					lb->rx_len++;
				lb->t_req = now_ms;
			}
			if (now_ms == lb->t_req && lb->rx_len < lb->cfg.reply_timeout_ms)
				return 0;
			lb->req_kind &= (uint8_t)~REQ_QUIET;
			lb->st = ST_SEND;
			break;
		case ST_TX:
			if (!hal_uart_tx_idle()) {
				/* a transmitter that never finishes must not hang the bus */
				if ((uint32_t)(now_ms - lb->t_req) < lb->cfg.reply_timeout_ms)
					return 0;
				if (finish_transaction(lb, RES_TIMEOUT, now_ms))
					goto board_done;
				break;
			}
			lb->t_req = now_ms;
			lb->st = ST_RX;
			break;
		case ST_RX: {
			int res;

			collect(lb);
			if (lb->rx_len >= lb->rx_want)
				res = check_reply(lb);
			else if ((uint32_t)(now_ms - lb->t_req) >= lb->cfg.reply_timeout_ms)
				res = lb->rx_len ? RES_BAD : RES_TIMEOUT;
			else
				return 0;
			if (finish_transaction(lb, res, now_ms))
				goto board_done;
			break;
		}
		case ST_END: {
			uint32_t next = lb->t_cycle + lb->cfg.cycle_ms;

			/* an overrun cycle is followed at once, without catching up */
			lb->t_cycle = (int32_t)(now_ms - next) >= 0 ? now_ms : next;
			lb->st = ST_WAIT;
			ev->type = LBUS_EV_CYCLE;
			ev->board = 0;
			ev->cycle = lb->cycle;
			return 1;
		}
		default:
			lb->st = ST_WAIT;
			break;
		}
	}
board_done:
	ev->type = LBUS_EV_BOARD;
	ev->board = lb->cur;
	ev->cycle = lb->cycle;
	lb->cur++;
	lb->st = lb->cur < lb->cfg.boards ? ST_VISIT : ST_END;
	return 1;
}

uint8_t lbus_online_count(const struct lbus *lb)
{
	uint8_t n = 0;

	for (unsigned int i = 0; i < lb->cfg.boards; i++)
		n = (uint8_t)(n + lb->board[i].online);
	return n;
}

uint32_t lbus_online_mask(const struct lbus *lb)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < lb->cfg.boards; i++)
		if (lb->board[i].online)
			m |= 1u << i;
	return m;
}
