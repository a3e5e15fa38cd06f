/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mbmap_point: what a point of the Modbus map is. Each block of the map is
 * laid out by tables of points (the SunSpec models in mbmap_sunspec.c and
 * mbmap_m805.c, the vendor block in mbmap_vendor.c); the same tables build
 * the register image and its documentation (mbmapdoc writes
 * docs/modbus-map.md from them), so that the two never drift.
 */
#ifndef MBMAP_POINT_H
#define MBMAP_POINT_H

#include <stdint.h>

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

/* Registers of one element of @p, of all its elements, and of a table. */
unsigned int mbmap_point_regs(const struct mbmap_point *p);
unsigned int mbmap_table_regs(const struct mbmap_table *t);

/* Offset of the point named @name in @t (registers from the table's first
 * point), or -1. For a SunSpec model the first point is ID. */
int mbmap_table_offset(const struct mbmap_table *t, const char *name);

#endif /* MBMAP_POINT_H */
