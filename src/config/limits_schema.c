/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keys of the limits, balancing and heater sections. */
#include <stdio.h>

#include "cfg_keys.h"

/* ---- limits -------------------------------------------------------------- */

/* Defaults for an LFP pack. */
static const struct cfg_curve ccl_temp_def = {
	.n = 4, .x = { 0, 50, 450, 550 }, .y = { 0, 100, 100, 0 },
};
static const struct cfg_curve ccl_cell_def = {
	.n = 2, .x = { 3450, 3600 }, .y = { 100, 0 },
};
static const struct cfg_curve dcl_temp_def = {
	.n = 5, .x = { -200, -100, 0, 500, 600 }, .y = { 0, 50, 100, 100, 0 },
};
static const struct cfg_curve dcl_cell_def = {
	.n = 2, .x = { 2800, 3000 }, .y = { 0, 100 },
};

#define ST struct cfg_limits
const struct cfg_key cfg_limits_keys[] = {
	UINT(ST, max_charge_mA, 0, 8388607, "mA", "100000",
	     "charge current limit (CCL) when nothing derates it"),
	UINT(ST, max_discharge_mA, 0, 8388607, "mA", "100000",
	     "discharge current limit (DCL) when nothing derates it"),
	UINT(ST, ramp_up_mA_per_s, 0, 8388607, "mA_per_s", "10000",
	     "rate at which a rising CCL or DCL follows its target; 0: at once"),
	UINT(ST, ramp_down_mA_per_s, 0, 8388607, "mA_per_s", "50000",
	     "rate at which a falling CCL or DCL follows its target; 0: at once "
	     "(blocks and active protections always cut at once)"),
	UINT(ST, derate_pct, 0, 100, "pct", "50",
	     "share of CCL and DCL kept while a protection with the derate action is active"),
	UINT(ST, ccl_no_temp_pct, 0, 100, "pct", "0",
	     "CCL in percent of max_charge_mA while no cell temperature is known"),
	UINT(ST, dcl_no_temp_pct, 0, 100, "pct", "0",
	     "DCL in percent of max_discharge_mA while no cell temperature is known"),
	UINT(ST, cvl_cell_mV, 1000, 5000, "mV", "3550",
	     "charge voltage limit per cell; CVL is this times the cells in series"),
	UINT(ST, dvl_cell_mV, 1000, 5000, "mV", "2900",
	     "discharge voltage limit per cell, below cvl_cell_mV; DVL is this times "
	     "the cells in series"),
	CURVE(ST, ccl_pct_vs_temp_dC, -500, 2000, 0, 100, "dC", &ccl_temp_def,
	      "[[0, 0], [50, 100], [450, 100], [550, 0]]",
	      "CCL in percent of max_charge_mA against temperature, taken at the lowest "
	      "and at the highest cell temperature"),
	CURVE(ST, ccl_pct_vs_cell_mV, 0, 16382, 0, 100, "mV", &ccl_cell_def,
	      "[[3450, 100], [3600, 0]]",
	      "CCL in percent of max_charge_mA against the highest cell voltage"),
	CURVE(ST, ccl_pct_vs_soc_pct, 0, 100, 0, 100, "pct", NULL, "none (no limit)",
	      "CCL in percent of max_charge_mA against the state of charge"),
	CURVE(ST, dcl_pct_vs_temp_dC, -500, 2000, 0, 100, "dC", &dcl_temp_def,
	      "[[-200, 0], [-100, 50], [0, 100], [500, 100], [600, 0]]",
	      "DCL in percent of max_discharge_mA against temperature, taken at the "
	      "lowest and at the highest cell temperature"),
	CURVE(ST, dcl_pct_vs_cell_mV, 0, 16382, 0, 100, "mV", &dcl_cell_def,
	      "[[2800, 0], [3000, 100]]",
	      "DCL in percent of max_discharge_mA against the lowest cell voltage"),
	CURVE(ST, dcl_pct_vs_soc_pct, 0, 100, 0, 100, "pct", NULL, "none (no limit)",
	      "DCL in percent of max_discharge_mA against the state of charge"),
	CURVE(ST, cvl_cell_mV_vs_temp_dC, -500, 2000, 1000, 5000, "dC", NULL, "none (no limit)",
	      "charge voltage limit per cell (mV) against temperature, taken at the lowest "
	      "and at the highest cell temperature; never above cvl_cell_mV"),
	END,
};
#undef ST

int cfg_limits_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_limits *c = sec;

	if (c->dvl_cell_mV >= c->cvl_cell_mV) {
		snprintf(msg, n, "dvl_cell_mV (%u) must be below cvl_cell_mV (%u)",
			 (unsigned int)c->dvl_cell_mV, (unsigned int)c->cvl_cell_mV);
		*off = OFF(struct cfg_limits, dvl_cell_mV);
		return 1;
	}
	return 0;
}

/* ---- balancing ----------------------------------------------------------- */

static const struct cfg_enum_name bal_mode_names[] = {
	{ "pack", CFG_BAL_PACK, "every cell against the lowest cell of the whole pack" },
	{ "board", CFG_BAL_BOARD, "every cell against the lowest cell of its own Logic board" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name bal_when_names[] = {
	{ "always", CFG_BAL_ALWAYS, "whatever the current" },
	{ "charging", CFG_BAL_CHARGING, "while charging at idle_current_mA or more" },
	{ "charging-or-idle", CFG_BAL_CHARGING_OR_IDLE,
	  "unless discharging at idle_current_mA or more" },
	{ NULL, 0, NULL },
};

#define ST struct cfg_balancing
const struct cfg_key cfg_balancing_keys[] = {
	BOOL(ST, enable, "true", "bleed the cells that are above the others"),
	ENUM(ST, mode, 0, bal_mode_names, "pack", "what a cell is compared with"),
	ENUM(ST, when, 0, bal_when_names, "charging-or-idle", "when balancing may run"),
	UINT(ST, threshold_mV, 1, 1000, "mV", "20",
	     "a cell starts bleeding when it is more than this above the lowest cell"),
	UINT(ST, hysteresis_mV, 0, 999, "mV", "10",
	     "a bleeding cell stops at threshold_mV minus this above the lowest cell; "
	     "below threshold_mV"),
	UINT(ST, min_cell_mV, 0, 16382, "mV", "3400",
	     "no cell bleeds at or below this voltage"),
	SINT(ST, max_temp_dC, -500, 2000, "dC", "500",
	     "no bleeding on a board whose warmest sensor is at or above this (the pack's "
	     "warmest sensor for a board without one)"),
	UINT(ST, idle_current_mA, 0, 8388607, "mA", "1000",
	     "a current of less than this either way counts as idle"),
	UINT(ST, max_bleed_cells, 0, 24, "cells", "0",
	     "at most this many cells of one board bleed at once, the highest first; 0: "
	     "no limit"),
	UINT(ST, stale_ms, 100, 600000, "ms", "5000",
	     "no new cell snapshot for this long stops every bleed"),
	END,
};
#undef ST

int cfg_balancing_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_balancing *c = sec;

	if (c->hysteresis_mV >= c->threshold_mV) {
		snprintf(msg, n, "hysteresis_mV (%u) must be below threshold_mV (%u)",
			 (unsigned int)c->hysteresis_mV, (unsigned int)c->threshold_mV);
		*off = OFF(struct cfg_balancing, hysteresis_mV);
		return 1;
	}
	return 0;
}

/* ---- heater -------------------------------------------------------------- */

#define ST struct cfg_heater
const struct cfg_key cfg_heater_keys[] = {
	BOOL(ST, enable, "false", "drive the heater (the relay with the heater role)"),
	BOOL(ST, charger_only, "false",
	     "heat only while a charger is connected, so that heating never drains the pack"),
	SINT(ST, on_dC, -500, 1500, "dC", "50",
	     "the heater turns on when the lowest cell temperature is below this"),
	SINT(ST, off_dC, -500, 1500, "dC", "100",
	     "the heater turns off when the lowest cell temperature reaches this; above "
	     "on_dC"),
	SINT(ST, max_temp_dC, -500, 1500, "dC", "350",
	     "the heater turns off when the highest cell temperature reaches this; above "
	     "off_dC"),
	UINT(ST, max_on_s, 10, 86400, "s", "1800",
	     "a heater that runs this long without the lowest temperature rising by "
	     "min_rise_dC is faulty"),
	UINT(ST, min_rise_dC, 1, 500, "dC", "10",
	     "the warming that resets the max_on_s watch"),
	BOOL(ST, charge_block, "true",
	     "block charging while the pack is cold, or while no cell temperature is known"),
	SINT(ST, charge_block_below_dC, -500, 1500, "dC", "0",
	     "charging is blocked when the lowest cell temperature is below this"),
	SINT(ST, charge_release_dC, -500, 1500, "dC", "50",
	     "a blocked charge is released when the lowest cell temperature reaches this; "
	     "above charge_block_below_dC"),
	END,
};
#undef ST

int cfg_heater_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_heater *c = sec;

	if (c->off_dC <= c->on_dC) {
		snprintf(msg, n, "off_dC (%d) must be above on_dC (%d)", c->off_dC, c->on_dC);
		*off = OFF(struct cfg_heater, off_dC);
		return 1;
	}
	if (c->max_temp_dC <= c->off_dC) {
		snprintf(msg, n, "max_temp_dC (%d) must be above off_dC (%d)", c->max_temp_dC,
			 c->off_dC);
		*off = OFF(struct cfg_heater, max_temp_dC);
		return 1;
	}
	if (c->charge_release_dC <= c->charge_block_below_dC) {
		snprintf(msg, n, "charge_release_dC (%d) must be above charge_block_below_dC (%d)",
			 c->charge_release_dC, c->charge_block_below_dC);
		*off = OFF(struct cfg_heater, charge_release_dC);
		return 1;
	}
	return 0;
}
