/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The soc section of bmsd.yaml: the nominal capacity, the rest detection
 * that gates the OCV correction, the OCV tables (ocv1..ocv4, one per
 * temperature), the full-charge sync, the SOH measurement span and the
 * persisted state file. docs/soc.md explains how they are used.
 */
#ifndef SOC_CFG_H
#define SOC_CFG_H

#include <stdbool.h>
#include <stddef.h> /* size_t, for the xcheck hook */
#include <stdint.h>

#include "curve.h"

#define SOC_OCV_TABLES 4u
#define SOC_PATH_MAX 256u /* state_file, with its NUL */

/* One OCV table: the open-circuit cell voltage against SOC at temp_dC.
 * x is SOC in whole %, from 0 to 100; y is mV, strictly increasing. */
struct cfg_soc_ocv {
	bool configured;                /* ocv2..ocv4: given in the file; ocv1 is
					 * always in use (the schema relies on
					 * this being the first member) */
	int32_t temp_dC;
	struct cfg_curve mV_vs_soc_pct;
};

struct cfg_soc {
	uint32_t capacity_mAh;          /* nominal capacity of the series string */
	uint32_t relax_current_mA;      /* |I| below this: at rest */
	uint32_t relax_after_charge_s;
	uint32_t relax_after_discharge_s;
	uint32_t ocv_min_slope_mV_per_pct; /* flatter than this: no OCV correction */
	uint32_t full_cell_mV;          /* highest cell at or above: full candidate */
	uint32_t tail_current_mA;       /* ... while the charge current is below this */
	uint32_t full_hold_s;           /* ... for this long: sync to 100 % */
	uint32_t soh_min_span_pct;      /* SOC span of a capacity measurement */
	struct cfg_soc_ocv ocv[SOC_OCV_TABLES]; /* keys ocv1..ocv4 */
	char state_file[SOC_PATH_MAX];
	uint32_t persist_period_s;
};

/*
 * Rules between the keys of the soc section (the hook of the soc SECTION
 * row): the OCV tables in use have distinct temperatures. Returns 0, or 1
 * with @msg filled and *@off the offset in struct cfg_soc of the key to
 * blame.
 */
int cfg_soc_xcheck(const void *sec, char *msg, size_t n, uint32_t *off);

#endif /* SOC_CFG_H */
