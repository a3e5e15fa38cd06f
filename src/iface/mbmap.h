/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap: bmsd's Modbus register map, and the Modbus protocol rules that
 * need no descriptor: request PDUs, RTU framing, the MBAP header.
 *
 * The map is a register image built from one struct view at a time
 * (mbmap_build), so that every request reads one publication and never a
 * mix of two. It holds two blocks of holding registers:
 *
 *  - the SunSpec chain at MBMAP_SUNSPEC_BASE: "SunS", model 1 (common),
 *    model 802 (battery base), one model 805 (lithium-ion module) per Logic
 *    board with one repeating group per cell, and the end marker;
 *  - the vendor block at MBMAP_VENDOR_BASE: the whole view (protections,
 *    relays, discrete I/O, limits, counters, per-board detail) and the
 *    control registers.
 *
 * Function 4 (read input registers) reads the same image as function 3.
 * Writes (functions 6 and 16) reach only the registers documented as
 * writable, and only when the setup allows writes; an accepted write asks
 * the caller to act through struct mbmap_ctl.
 *
 * Each block is laid out by tables of points (mbmap_point.h): models 1 and
 * 802 in mbmap_sunspec.c, model 805 in mbmap_m805.c, the vendor block in
 * mbmap_vendor.c. The tables are the single source of both the image and
 * its documentation (mbmapdoc writes docs/modbus-map.md from them). The
 * framing is in mbmap_frame.c; mbmap.c builds the image from the pieces
 * and answers the requests. This header includes them all.
 *
 * Everything here is pure: no I/O, no clock, no allocation.
 */
#ifndef MBMAP_H
#define MBMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mbmap_frame.h"
#include "mbmap_m805.h"
#include "mbmap_point.h"
#include "mbmap_sunspec.h"
#include "mbmap_vendor.h"
#include "view.h"

/* 0-based register addresses (mbpoll -r counts from 1: 40001). */
#define MBMAP_SUNSPEC_BASE 40000u
#define MBMAP_VENDOR_BASE 46000u

#define MBMAP_READ_MAX 125u       /* registers per read */
#define MBMAP_WRITE_MAX 123u      /* registers per write multiple */

/* Registers from MBMAP_SUNSPEC_BASE to the end marker, for the largest pack. */
#define MBMAP_SUNSPEC_MAX                                                                \
	(2u + 2u + MBMAP_L1 + 2u + MBMAP_L802 +                                          \
	 VIEW_BOARDS * (2u + MBMAP_L805(VIEW_CELLS)) + 2u)

/* Modbus exception codes. */
enum mbmap_exc {
	MBMAP_EX_NONE = 0,
	MBMAP_EX_ILLEGAL_FUNCTION = 1,
	MBMAP_EX_ILLEGAL_ADDRESS = 2,
	MBMAP_EX_ILLEGAL_VALUE = 3,
	MBMAP_EX_DEVICE_FAILURE = 4,
};

/* ---- the image -------------------------------------------------------- */

struct mbmap {
	struct mbmap_setup set;
	uint16_t ss[MBMAP_SUNSPEC_MAX]; /* from MBMAP_SUNSPEC_BASE */
	unsigned int ss_len;            /* registers up to the end marker, included */
	unsigned int boards, cells;     /* models 805 and their cells, as built */
	uint16_t vd[MBMAP_VENDOR_LEN];  /* from MBMAP_VENDOR_BASE */
	bool disconnect;                /* the SetOp request as last built */
	uint64_t gen;                   /* view.gen of the last build; 0 none */
};

/* Start an empty map (a chain of model 1 and 802 only, every value NA). */
void mbmap_init(struct mbmap *m, const struct mbmap_setup *s);

/* Replace the setup; the image follows at the next build. */
void mbmap_set_setup(struct mbmap *m, const struct mbmap_setup *s);

/* Rebuild the whole image from @v. @disconnect: the operator's request to
 * keep the contactors open (SetOp). The layout follows v->boards and
 * v->cells_per_board. */
void mbmap_build(struct mbmap *m, const struct view *v, bool disconnect);

/* Registers @addr..@addr+@n-1 into @out. Returns MBMAP_EX_NONE, or
 * MBMAP_EX_ILLEGAL_VALUE (@n is 0 or above MBMAP_READ_MAX) or
 * MBMAP_EX_ILLEGAL_ADDRESS (not all inside one block). */
int mbmap_read(const struct mbmap *m, unsigned int addr, unsigned int n, uint16_t *out);

/* ---- requests --------------------------------------------------------- */

enum mbmap_cmd {
	MBMAP_CMD_RESET_FAULTS = 0,
	MBMAP_CMD_CONNECT,
	MBMAP_CMD_DISCONNECT,
	MBMAP_CMD_COUNT
};

/* How an accepted write acts. @run performs @cmd, asked by a write of the
 * register @name at @addr; it returns 0, or a negative errno when the
 * daemon refused (the client then gets SERVER DEVICE FAILURE). */
struct mbmap_ctl {
	int (*run)(void *arg, enum mbmap_cmd cmd, const char *name, unsigned int addr);
	void *arg;
};

/* Answer the request PDU @req (@n bytes, function code first) into @rsp
 * (MBMAP_PDU_MAX bytes). Returns the length of the answer: data for
 * functions 3 and 4, the echo for 6 and 16, or an exception (function code
 * | 0x80, code). Returns 0 only when @n is 0. @ctl may be NULL: every write
 * then fails with SERVER DEVICE FAILURE. */
size_t mbmap_pdu(struct mbmap *m, const uint8_t *req, size_t n, uint8_t *rsp,
		 const struct mbmap_ctl *ctl);

#endif /* MBMAP_H */
