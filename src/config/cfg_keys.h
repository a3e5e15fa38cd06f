/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_keys: the macros that write rows of the configuration schema. Every
 * table of keys (cfg_schema.c and the *_schema.c file of each section)
 * uses them, so a row names its field by offsetof() in the section's struct
 * and its key is the field's own name.
 */
#ifndef CFG_KEYS_H
#define CFG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

#define OFF(st, m) ((uint16_t)offsetof(st, m))
#define SZ(st, m) ((uint16_t)sizeof(((st *)0)->m))
#define ESZ(st, m) ((uint16_t)sizeof(((st *)0)->m[0]))
#define NELEM(st, m) ((uint8_t)(sizeof(((st *)0)->m) / sizeof(((st *)0)->m[0])))

#define SECTION(st, m, keys, text)                                                      \
	{ .name = #m, .type = CFG_T_SECTION, .off = OFF(st, m), .size = SZ(st, m),       \
	  .sub = keys, .desc = text }
/* name1..nameN, one per channel of @ch that the board has */
#define CHANNELS(st, m, ch, keys, text)                                                  \
	{ .name = #m, .type = CFG_T_SECTION, .off = OFF(st, m), .size = ESZ(st, m),      \
	  .count = NELEM(st, m), .chan = ch, .sub = keys, .desc = text }
#define UINT(st, m, lo, hi, u, d, text)                                                  \
	{ .name = #m, .type = CFG_T_INT, .off = OFF(st, m), .size = SZ(st, m), .min = lo, \
	  .max = hi, .unit = u, .def = d, .desc = text }
#define SINT(st, m, lo, hi, u, d, text)                                                  \
	{ .name = #m, .type = CFG_T_INT, .flags = CFG_K_SIGNED, .off = OFF(st, m),         \
	  .size = SZ(st, m), .min = lo, .max = hi, .unit = u, .def = d, .desc = text }
#define BOOL(st, m, d, text)                                                             \
	{ .name = #m, .type = CFG_T_BOOL, .off = OFF(st, m), .size = SZ(st, m), .def = d, \
	  .desc = text }
#define STRING(st, m, fl, d, text)                                                       \
	{ .name = #m, .type = CFG_T_STRING, .flags = fl, .off = OFF(st, m),                \
	  .size = SZ(st, m), .max = SZ(st, m) - 1, .def = d, .desc = text }
#define ENUM(st, m, fl, nm, d, text)                                                     \
	{ .name = #m, .type = CFG_T_ENUM, .flags = fl, .off = OFF(st, m), .size = SZ(st, m), \
	  .names = nm, .def = d, .desc = text }
#define END { .name = NULL }
/* A piecewise-linear curve: x in lo..hi (unit ux), y in ylo..yhi (unit uy),
 * default @dc (a const struct cfg_curve *) written as @d in the reference. */
#define CURVE(st, m, lo, hi, ylo, yhi, u, dc, d, text)                                  \
	{ .name = #m, .type = CFG_T_CURVE, .off = OFF(st, m), .size = SZ(st, m), .min = lo, \
	  .max = hi, .fmin = ylo, .fmax = yhi, .unit = u, .defcurve = dc, .def = d,          \
	  .desc = text }

/* The tables of the sections that live beside their modules. */
extern const struct cfg_key cfg_protections_keys[];
extern const struct cfg_key cfg_contactors_keys[];
extern const struct cfg_key cfg_soc_keys[];
extern const struct cfg_key cfg_limits_keys[];
extern const struct cfg_key cfg_balancing_keys[];
extern const struct cfg_key cfg_heater_keys[];
extern const struct cfg_key cfg_modbus_keys[];
extern const struct cfg_key cfg_can1_keys[];
extern const struct cfg_key cfg_can2_keys[];

/* Checks that more than one section uses (cfg_schema.c): a CAN interface
 * (socketcan:IFACE or slcan:/PATH), a CAN bit rate (0 or 10000..1000000),
 * and a key that no other key makes required. */
const char *cfg_check_can_interface(const void *field);
const char *cfg_check_can_bitrate(const void *field);
bool cfg_never(const void *sec);

#endif /* CFG_KEYS_H */
