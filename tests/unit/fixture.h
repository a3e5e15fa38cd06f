/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fixture: the configuration that the suites of the sections build on. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "cfg.h"

/*
 * The least that parses: board main-2r, two boards of 16 cells, the safety
 * floor, one current sensor and relay1 as the main contactor. It has
 * FIXTURE_LINES lines, so a section appended to it starts on line
 * FIXTURE_LINES + 1.
 */
extern const char fixture_cfg[];
#define FIXTURE_LINES 16

/* fixture_cfg with @extra appended, parsed as "t.yaml" into @c; @e is
 * cleared first. Returns what cfg_parse() returns, or -E2BIG when the two
 * do not fit the parser's buffer. */
int parse_plus(const char *extra, struct cfg *c, struct cfg_error *e);

/* The same on @base instead of fixture_cfg, for a suite whose own base
 * differs in what it tests (the safety floor, say). */
int parse_base_plus(const char *base, const char *extra, struct cfg *c, struct cfg_error *e);

#endif /* FIXTURE_H */
