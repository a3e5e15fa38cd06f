/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * simboard: simulated BMS Logic boards on a byte-timed RS-485 wire, and the
 * host port's hal_uart on top of that wire.
 *
 * The wire moves one byte every 10 bit times at the bus's baud rate: the
 * master's bytes go to every board, the addressed board's reply comes back
 * to the master's receive FIFO. Each board parses requests byte by byte as
 * docs/logic-bus.md describes (a frame ends by its length and CRC, or by a
 * silence of 3.5 character times) and answers after a 50 us turnaround.
 * Boards do not hear each other's replies. Time only moves in
 * simbus_advance().
 */
#ifndef SIMBOARD_H
#define SIMBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../proto/bp.h"

#define SIMBUS_MAX_BOARDS BP_MAX_BOARDS
#define SIMBUS_FIFO 512u           /* bytes per wire direction */
#define SIMBOARD_TURNAROUND_US 50u /* request end to reply start */
#define SIMBOARD_SLOW_US 20000u    /* default extra delay of a "slow" board */
#define SIMBOARD_FW_VERSION 0x0103u
#define SIMBOARD_REQ_MAX 64u       /* longest request a board accepts */
#define SIMBOARD_EXTRA_REGS 16u    /* see SIMBOARD_MANGLE_COUNT */

/* status register bits (register 0) */
#define SIMBOARD_ST_VALID 0x01u    /* measurement valid */
#define SIMBOARD_ST_BALANCING 0x02u /* computed from bal_mask */
#define SIMBOARD_ST_OVERTEMP 0x04u /* board over-temperature */
#define SIMBOARD_ST_ADC_FAULT 0x08u /* cell-ADC fault */

/* Ways to break a reply that is otherwise well formed (CRC recomputed). */
enum simboard_mangle {
	SIMBOARD_MANGLE_NONE = 0,
	SIMBOARD_MANGLE_ADDR,  /* address byte of another board */
	SIMBOARD_MANGLE_FUNC,  /* function code other than requested */
	SIMBOARD_MANGLE_COUNT, /* a read reply with SIMBOARD_EXTRA_REGS more
				* registers than asked for, byte count to match */
};

struct simboard {
	uint8_t address;               /* 1..32 */
	uint8_t ncells;                /* 1..24, register 1 */
	uint8_t ntemps;                /* 0..8, register 2 */
	uint16_t cell_mV[BP_MAX_CELLS];
	int16_t temp_dC[BP_MAX_TEMPS];
	uint8_t ntc_fault;             /* bit n: sensor n reads 0x8000 */
	uint32_t bal_mask;             /* applied bleed mask, 24 bits */
	uint8_t status;                /* SIMBOARD_ST_* except BALANCING */
	uint16_t fw_version;

	/* fault injection */
	bool offline;        /* never answers (does not even listen) */
	bool corrupt_crc;    /* answers with a wrong CRC */
	bool slow;           /* answers slow_us late; drops that reply if the
			      * master starts another frame first */
	uint32_t slow_us;
	uint8_t exception;   /* non-zero: answers every request with it */
	uint8_t truncate;    /* drops that many bytes off the reply's end */
	uint8_t mangle;      /* enum simboard_mangle */

	/* request parser, private */
	uint8_t req[SIMBOARD_REQ_MAX];
	uint8_t req_len;
	bool req_skip;       /* discarding until a silence */
	bool heard;          /* last_rx_ns is valid */
	uint64_t last_rx_ns; /* end of the last byte heard */

	/* counters */
	uint32_t requests;   /* well-formed requests addressed to this board */
	uint32_t replies;    /* replies started onto the wire */
	uint32_t writes;     /* accepted balancing writes */
	uint32_t bad_frames; /* frames heard with a bad CRC or too long */
};

struct simbus {
	struct simboard board[SIMBUS_MAX_BOARDS];
	uint8_t nboards;
	uint32_t baud;
	uint32_t byte_ns;    /* 10 bit times */
	uint64_t now_ns;

	/* master -> boards */
	uint8_t tx[SIMBUS_FIFO];
	uint16_t tx_head, tx_len;
	uint64_t tx_next_ns; /* end of the byte now on the wire */

	/* board -> master: one reply at a time */
	uint8_t reply[SIMBUS_FIFO];
	uint16_t reply_head, reply_len;
	uint64_t reply_start_ns; /* start of its first byte */
	uint64_t reply_next_ns;  /* end of the next byte */
	bool reply_late;         /* from a slow board */
	uint8_t talker;          /* index of the replying board */

	/* the master's receive FIFO */
	uint8_t rx[SIMBUS_FIFO];
	uint16_t rx_head, rx_len;

	/* counters */
	uint32_t frames_sent;   /* hal_uart_write calls accepted */
	uint32_t tx_rejected;   /* hal_uart_write while still sending */
	uint32_t collisions;    /* master wrote while a reply was due or on
				 * the wire; that reply is lost */
	uint32_t late_dropped;  /* slow replies given up because the master
				 * had already moved on */
	uint32_t rx_overflow;   /* bytes lost on a full receive FIFO */
	uint32_t bytes_to_master;
};

/* The bus that hal_uart_* of the host port drive. Set by the simulator or
 * the test; NULL makes every hal_uart call a no-op. */
extern struct simbus *simbus_hal;

/* Reset @b: @nboards boards at addresses 1..nboards with @ncells cells of
 * plausible distinct voltages, @ntemps sensors at about 25 degC, status
 * "measurement valid", no balancing and no faults. @baud 0 means 500000. */
void simbus_init(struct simbus *b, uint8_t nboards, uint8_t ncells, uint8_t ntemps,
		 uint32_t baud);

/* Let @us microseconds of wire time pass: bytes move in both directions,
 * boards parse and answer. */
void simbus_advance(struct simbus *b, uint32_t us);

/* True while a board's reply is due or still on the wire. */
bool simbus_reply_pending(const struct simbus *b);

/* Value of input register @reg of @sb as the board would send it
 * (0 for registers outside the map). */
uint16_t simboard_input_reg(const struct simboard *sb, uint16_t reg);

#endif
