/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The limits, balancing and heater sections of bmsd.yaml: the charge and
 * discharge current and voltage limits that the inverter is given, cell
 * balancing, and the pack heater with its cold-charge block.
 *
 * Percent curves have y in whole percent of the configured maximum
 * (0..100); a curve with n = 0 sets no limit.
 */
#ifndef LIMITS_CFG_H
#define LIMITS_CFG_H

#include <stdbool.h>
#include <stddef.h> /* size_t, for the xcheck hooks */
#include <stdint.h>

#include "curve.h"

struct cfg_limits {
	uint32_t max_charge_mA;      /* CCL with nothing derating it */
	uint32_t max_discharge_mA;   /* DCL with nothing derating it */
	uint32_t ramp_up_mA_per_s;   /* a rising limit moves this fast; 0: at once */
	uint32_t ramp_down_mA_per_s; /* a falling limit moves this fast; 0: at once */
	uint32_t derate_pct;         /* share of the limits kept under a derate action */
	uint32_t ccl_no_temp_pct;    /* CCL while no temperature is known */
	uint32_t dcl_no_temp_pct;    /* DCL while no temperature is known */
	uint32_t cvl_cell_mV;        /* charge voltage limit per cell */
	uint32_t dvl_cell_mV;        /* discharge voltage limit per cell */
	struct cfg_curve ccl_pct_vs_temp_dC;  /* at the lowest and the highest temperature */
	struct cfg_curve ccl_pct_vs_cell_mV;  /* at the highest cell */
	struct cfg_curve ccl_pct_vs_soc_pct;
	struct cfg_curve dcl_pct_vs_temp_dC;  /* at the lowest and the highest temperature */
	struct cfg_curve dcl_pct_vs_cell_mV;  /* at the lowest cell */
	struct cfg_curve dcl_pct_vs_soc_pct;
	struct cfg_curve cvl_cell_mV_vs_temp_dC; /* per-cell CVL, capped by cvl_cell_mV */
};

enum cfg_bal_mode {
	CFG_BAL_PACK = 0, /* every cell against the lowest cell of the pack */
	CFG_BAL_BOARD,    /* every cell against the lowest cell of its board */
	CFG_BAL_MODE_COUNT
};

enum cfg_bal_when {
	CFG_BAL_ALWAYS = 0,
	CFG_BAL_CHARGING,          /* current >= idle_current_mA */
	CFG_BAL_CHARGING_OR_IDLE,  /* current > -idle_current_mA */
	CFG_BAL_WHEN_COUNT
};

struct cfg_balancing {
	bool enable;
	enum cfg_bal_mode mode;
	enum cfg_bal_when when;
	uint32_t threshold_mV;        /* start above the reference + this */
	uint32_t hysteresis_mV;       /* stop at the reference + threshold - this */
	uint32_t min_cell_mV;         /* never bleed a cell at or below this */
	int32_t max_temp_dC;          /* no bleeding at or above this */
	uint32_t idle_current_mA;     /* |current| below this is idle */
	uint32_t max_bleed_cells;     /* per board; 0: no limit */
	uint32_t stale_ms;            /* snapshot unchanged this long: stop */
};

struct cfg_heater {
	bool enable;
	bool charger_only;            /* heat only while a charger is connected */
	int32_t on_dC;                /* on below this (lowest temperature) */
	int32_t off_dC;               /* off at or above this (lowest temperature) */
	int32_t max_temp_dC;          /* off at or above this (highest temperature) */
	uint32_t max_on_s;            /* heating this long must warm by min_rise_dC */
	uint32_t min_rise_dC;
	bool charge_block;            /* block charging of a cold pack */
	int32_t charge_block_below_dC;
	int32_t charge_release_dC;
};

/* Rules between the keys of each section (the SECTION rows' .xcheck).
 * Each returns 0, or 1 with @msg filled and *@off set to the offset, in
 * its section's struct, of the key to blame.
 *   limits: dvl_cell_mV below cvl_cell_mV.
 *   balancing: hysteresis_mV below threshold_mV.
 *   heater: off_dC above on_dC, max_temp_dC above off_dC,
 *           charge_release_dC above charge_block_below_dC. */
int cfg_limits_xcheck(const void *sec, char *msg, size_t n, uint32_t *off);
int cfg_balancing_xcheck(const void *sec, char *msg, size_t n, uint32_t *off);
int cfg_heater_xcheck(const void *sec, char *msg, size_t n, uint32_t *off);

#endif /* LIMITS_CFG_H */
