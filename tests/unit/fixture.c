/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"

const char fixture_cfg[] =
	"board: main-2r\n"
	"link:\n"
	"  interface: socketcan:can0\n"
	"pack:\n"
	"  boards: 2\n"
	"  cells_per_board: 16\n"
	"safety_floor:\n"
	"  cell_high_mV: 3650\n"
	"  cell_low_mV: 2500\n"
	"  short_circuit_mA: 200000\n"
	"current_sensors:\n"
	"  cs1:\n"
	"    sensitivity_uV_per_A: 10000\n"
	"    range_mA: 240000\n"
	"relays:\n"
	"  relay1: {role: main}\n";

int parse_base_plus(const char *base, const char *extra, struct cfg *c, struct cfg_error *e)
{
	char buf[8192];
	int n = snprintf(buf, sizeof(buf), "%s%s", base, extra);

	memset(e, 0, sizeof(*e));
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return cfg_parse("t.yaml", buf, (size_t)n, c, e);
}

int parse_plus(const char *extra, struct cfg *c, struct cfg_error *e)
{
	return parse_base_plus(fixture_cfg, extra, c, e);
}
