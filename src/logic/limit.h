/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits: the charge and discharge current limits (CCL, DCL) and the
 * charge and discharge voltage limits (CVL, DVL) that the inverter and the
 * charger are given.
 *
 * Each current limit has a target: the configured maximum scaled by the
 * smallest percentage that its curves give (temperature at the lowest and
 * at the highest reading, the highest cell for CCL or the lowest cell for
 * DCL, SOC), then by derate_pct under a derate action. The published limit
 * follows the target at ramp_up_mA_per_s when it rises and at
 * ramp_down_mA_per_s when it falls; it takes a lower target at once while
 * a fault is active (fault_cut or derate), and it is 0 at once while
 * blocked. After a block it ramps up again from 0. The first step starts
 * from 0.
 *
 * Unknown inputs:
 *   no valid cell voltage   -> both targets 0;
 *   no valid temperature    -> the temperature curves give ccl_no_temp_pct
 *                              and dcl_no_temp_pct (default 0 %);
 *   no valid SOC            -> the SOC curves are left out.
 * A curve with n = 0 is left out whatever its input.
 *
 * CVL is the per-cell limit times the cells in series: cvl_cell_mV, or the
 * temperature curve when it is lower (at the lowest and the highest
 * temperature; with no valid temperature, the curve's lowest point). DVL
 * is dvl_cell_mV times the cells. The voltage limits do not ramp.
 *
 * Pure: time is an argument; nothing here logs or allocates.
 */
#ifndef BMSD_LIMIT_H
#define BMSD_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "curve.h"
#include "limits_cfg.h"

/* What sets a target: the input whose curve gave the smallest share. */
enum limits_by {
	LIM_BY_MAX = 0,  /* nothing derates it: the configured maximum */
	LIM_BY_TEMP,     /* the temperature curve */
	LIM_BY_CELL,     /* the cell voltage curve */
	LIM_BY_SOC,      /* the SOC curve */
	LIM_BY_NO_DATA,  /* no valid cell voltage, or no valid temperature */
	LIM_BY_BLOCK,    /* a block forces 0 */
	LIM_BY_COUNT
};

struct limits_in {
	bool temp_valid;
	int32_t temp_min_dC, temp_max_dC;  /* lowest and highest cell temperature */
	bool cell_valid;
	uint32_t cell_min_mV, cell_max_mV; /* lowest and highest cell voltage */
	bool soc_valid;
	uint32_t soc_dpct;                 /* 0.1 %, 0..1000 */
	uint32_t cells;                    /* cells in series: boards x cells_per_board */
	bool block_charge;    /* CCL 0 at once: inhibit input, cold, soft stop, faults */
	bool block_discharge; /* DCL 0 at once */
	bool derate;          /* a derate action is active: x derate_pct, at once */
	bool fault_cut;       /* a fault is active: a lower target applies at once */
};

struct limits_out {
	uint32_t ccl_mA, dcl_mA;               /* published: ramped */
	uint32_t cvl_mV, dvl_mV;               /* pack voltages */
	uint32_t ccl_target_mA, dcl_target_mA; /* before the ramp */
	enum limits_by ccl_by, dcl_by;
	bool derated;                          /* derate_pct applied */
};

struct limits_ramp {
	uint32_t val_mA;
	uint32_t rem;     /* budget carried between steps, in mA/1000 */
};

struct limits {
	struct cfg_limits cfg;
	/* the percent curves in basis points (y x 100), the SOC curves over
	 * 0.1 % (x x 10), so that a step moves by less than 1 % */
	struct cfg_curve ccl_temp, ccl_cell, ccl_soc;
	struct cfg_curve dcl_temp, dcl_cell, dcl_soc;
	int32_t cvl_temp_lowest_mV; /* lowest point of cvl_cell_mV_vs_temp_dC */
	struct limits_ramp ccl, dcl;
	bool started;
	uint64_t last_ms;
};

/* Start with both current limits at 0, taking a copy of @c. */
void limits_init(struct limits *l, const struct cfg_limits *c);

/* Take a new configuration (a reload) and keep the published limits, which
 * then move toward the new targets as usual. */
void limits_reconfigure(struct limits *l, const struct cfg_limits *c);

/* Compute the limits for @in at @now_ms into @out. Time that goes backwards
 * counts as no time. */
void limits_step(struct limits *l, const struct limits_in *in, uint64_t now_ms,
		 struct limits_out *out);

/* "max", "temperature", "cell voltage", "soc", "no data", "block"; "?" out
 * of range. */
const char *limits_by_name(enum limits_by by);

#endif /* BMSD_LIMIT_H */
