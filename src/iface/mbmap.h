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
 * The point tables below are the single source of both the image and its
 * documentation (mbmapdoc writes docs/modbus-map.md from them).
 *
 * Everything here is pure: no I/O, no clock, no allocation.
 */
#ifndef MBMAP_H
#define MBMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

/* 0-based register addresses (mbpoll -r counts from 1: 40001). */
#define MBMAP_SUNSPEC_BASE 40000u
#define MBMAP_VENDOR_BASE 46000u

#define MBMAP_PDU_MAX 253u        /* function code and data */
#define MBMAP_READ_MAX 125u       /* registers per read */
#define MBMAP_WRITE_MAX 123u      /* registers per write multiple */
#define MBMAP_RTU_MAX 256u        /* address, PDU, CRC */
#define MBMAP_TCP_MAX 260u        /* MBAP header, PDU */

/* Model lengths (L: registers after ID and L). */
#define MBMAP_L1 66u
#define MBMAP_L802 62u
#define MBMAP_L805_FIXED 42u
#define MBMAP_L805_CELL 4u
#define MBMAP_L805(cells) (MBMAP_L805_FIXED + MBMAP_L805_CELL * (cells))

/* Registers from MBMAP_SUNSPEC_BASE to the end marker, for the largest pack. */
#define MBMAP_SUNSPEC_MAX                                                                \
	(2u + 2u + MBMAP_L1 + 2u + MBMAP_L802 +                                          \
	 VIEW_BOARDS * (2u + MBMAP_L805(VIEW_CELLS)) + 2u)

/* The vendor block: fixed part, then VIEW_BOARDS blocks of board detail. */
#define MBMAP_VENDOR_BOARDS 512u      /* offset of board 1's detail */
#define MBMAP_VENDOR_BOARD_STRIDE 24u
#define MBMAP_VENDOR_LEN (MBMAP_VENDOR_BOARDS + VIEW_BOARDS * MBMAP_VENDOR_BOARD_STRIDE)
#define MBMAP_VENDOR_PROTS 32u        /* room in the protection arrays */
#define MBMAP_VENDOR_VERSION 1u

/* Modbus exception codes. */
enum mbmap_exc {
	MBMAP_EX_NONE = 0,
	MBMAP_EX_ILLEGAL_FUNCTION = 1,
	MBMAP_EX_ILLEGAL_ADDRESS = 2,
	MBMAP_EX_ILLEGAL_VALUE = 3,
	MBMAP_EX_DEVICE_FAILURE = 4,
};

/* ---- the point tables ------------------------------------------------- */

enum mbmap_type {
	MBT_U16 = 0, /* NA 0xFFFF */
	MBT_S16,     /* NA 0x8000 */
	MBT_U32,     /* NA 0xFFFFFFFF, high word first */
	MBT_S32,     /* NA 0x80000000, high word first */
	MBT_U64,     /* NA all ones, high word first */
	MBT_ENUM16,  /* NA 0xFFFF */
	MBT_BITS16,  /* NA 0xFFFF */
	MBT_BITS32,  /* NA 0xFFFFFFFF */
	MBT_SF,      /* SunSpec scale factor, int16 exponent; NA 0x8000 */
	MBT_STRING,  /* ASCII, two characters per register, NUL-padded; NA "" */
	MBT_PAD,     /* reads 0x8000 */
	MBT_RESERVED, /* vendor block: reads 0 */
	MBT_COUNT
};

enum mbmap_flag {
	MBF_SPEC_RW = 1u << 0,  /* SunSpec declares it writable */
	MBF_WRITE = 1u << 1,    /* bmsd accepts writes (with write_enable) */
	MBF_MANDATORY = 1u << 2,
};

struct mbmap_point {
	const char *name;
	uint8_t type;       /* enum mbmap_type */
	uint8_t size;       /* registers of one element */
	uint8_t count;      /* elements (vendor arrays); 0 or 1 = one */
	uint8_t flags;      /* enum mbmap_flag */
	const char *sf;     /* SunSpec: name of its scale-factor point; NULL none */
	const char *units;  /* "V", "mA", "0.1 %", ... NULL none */
	const char *desc;   /* what bmsd puts there, for the documentation */
};

/* A table of points; the offset of a point is the sum of the sizes
 * (size x count) before it. */
struct mbmap_table {
	const char *name;   /* "common", "battery", ... */
	uint16_t id;        /* SunSpec model ID; 0 for the vendor tables */
	const struct mbmap_point *pts;
	unsigned int n;
};

extern const struct mbmap_table mbmap_model1, mbmap_model802, mbmap_model805,
	mbmap_model805_cell, mbmap_vendor, mbmap_vendor_board;

/* Registers of one element of @p, of all its elements, and of a table. */
unsigned int mbmap_point_regs(const struct mbmap_point *p);
unsigned int mbmap_table_regs(const struct mbmap_table *t);

/* Offset of the point named @name in @t (registers from the table's first
 * point), or -1. For a SunSpec model the first point is ID. */
int mbmap_table_offset(const struct mbmap_table *t, const char *name);

/* The SunSpec Evt1 bit that protection @prot raises while active at tier
 * warning (@warning) or alarm and critical; -1 when it raises none. Bit 0
 * (COMMUNICATION_ERROR) also follows the MCU link and Logic board faults. */
int mbmap_evt1_bit(unsigned int prot, bool warning);

/* Names of the values of enum view_state, for the documentation. */
const char *mbmap_state_name(unsigned int s);

/* ---- the image -------------------------------------------------------- */

/* What the map takes from the configuration. */
struct mbmap_setup {
	bool write_enable;
	uint8_t address;          /* SunSpec DA: the RTU unit address */
	char manufacturer[33];    /* Mn */
	char model[33];           /* Md: the board profile */
	int8_t w_sf;              /* scale factor of W (model 802), 0..9 */
	int8_t wmax_sf;           /* scale factor of WChaRteMax, WDisChaRteMax, 0..9 */
};

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

/* The smallest scale factor (0..9) that keeps a power up to @max_pack_mV x
 * @max_current_mA within @limit counts (32767 for int16, 65534 for uint16). */
int8_t mbmap_power_sf(uint32_t max_pack_mV, uint32_t max_current_mA, uint32_t limit);

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

/* ---- framing ---------------------------------------------------------- */

/* Modbus CRC-16 of @n bytes (sent low byte first). */
uint16_t mbmap_crc16(const uint8_t *p, size_t n);

/* Length of the RTU request frame (address to CRC) that starts at @f, from
 * its function code's rules; 0 when more bytes are needed to know; -1 for
 * a function code that no request has. */
int mbmap_rtu_len(const uint8_t *f, size_t n);

enum mbmap_scan {
	MBMAP_SCAN_MORE = 0, /* the start may be a frame still arriving */
	MBMAP_SCAN_FRAME,    /* a frame of *len bytes with a good CRC at the start */
	MBMAP_SCAN_BAD,      /* no frame starts there: a function code that no
			      * request has, or a bad CRC */
};

/* Look at the received bytes @buf (@n > 0) from a frame's start: a whole
 * request frame with a good CRC, garbage, or a frame not complete yet.
 * Where the next frame starts after garbage is for the caller to find, by
 * the silences on the line. */
enum mbmap_scan mbmap_rtu_scan(const uint8_t *buf, size_t n, size_t *len);

/* Length of the Modbus-TCP request (MBAP header and PDU) at @buf: 0 when
 * more bytes are needed, -1 when the header is impossible (protocol id not
 * 0, or a length outside 2..254). */
int mbmap_tcp_len(const uint8_t *buf, size_t n);

#endif /* MBMAP_H */
