/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keys of the soc section. */
#include <stdio.h>
#include <string.h>

#include "cfg_keys.h"

/* bms-sim's LFP cell at 25 degC (docs/bms-sim.md). */
static const struct cfg_curve ocv_lfp_def = {
	.n = 15,
	.x = { 0, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100 },
	.y = { 2500, 2900, 3100, 3200, 3250, 3270, 3285, 3295, 3305, 3315, 3330, 3350, 3380,
	       3450, 3600 },
};

#define OCV_LFP_TEXT                                                                      \
	"[[0, 2500], [2, 2900], [5, 3100], [10, 3200], [20, 3250], [30, 3270], [40, 3285], " \
	"[50, 3295], [60, 3305], [70, 3315], [80, 3330], [90, 3350], [95, 3380], [99, 3450], " \
	"[100, 3600]]"

static bool always(const void *sec)
{
	(void)sec;
	return true;
}

static const char *check_state_file(const void *field)
{
	const char *s = field, *base = strrchr(s, '/');

	/* the file is written as <state_file>.tmp and renamed over it */
	if (!base || !base[1] || !strcmp(base + 1, ".") || !strcmp(base + 1, ".."))
		return "expected the path of a file, not of a directory";
	if (strlen(s) + 4 >= SOC_PATH_MAX)
		return "expected a path of at most 251 bytes (the temporary file adds .tmp)";
	return NULL;
}

/* An OCV table must be invertible: SOC from a voltage needs y strictly
 * increasing, and it must span the whole SOC range. */
static int ocv_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_soc_ocv *o = sec;
	const struct cfg_curve *c = &o->mV_vs_soc_pct;

	*off = (uint32_t)offsetof(struct cfg_soc_ocv, mV_vs_soc_pct);
	if (c->n < 2) {
		snprintf(msg, n, "expected at least 2 points, from SOC 0 to 100");
		return 1;
	}
	if (c->x[0] != 0 || c->x[c->n - 1] != 100) {
		snprintf(msg, n, "expected points from SOC 0 to 100 (got %d to %d)",
			 (int)c->x[0], (int)c->x[c->n - 1]);
		return 1;
	}
	for (unsigned int i = 1; i < c->n; i++)
		if (c->y[i] <= c->y[i - 1]) {
			snprintf(msg, n,
				 "the voltage must increase with SOC (%d mV at %d %% after %d mV at "
				 "%d %%)",
				 (int)c->y[i], (int)c->x[i], (int)c->y[i - 1], (int)c->x[i - 1]);
			return 1;
		}
	return 0;
}

int cfg_soc_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_soc *s = sec;

	for (unsigned int j = 1; j < SOC_OCV_TABLES; j++) {
		if (!s->ocv[j].configured)
			continue;
		for (unsigned int i = 0; i < j; i++) {
			if (i && !s->ocv[i].configured)
				continue;
			if (s->ocv[i].temp_dC != s->ocv[j].temp_dC)
				continue;
			*off = (uint32_t)(offsetof(struct cfg_soc, ocv) +
					  j * sizeof(struct cfg_soc_ocv) +
					  offsetof(struct cfg_soc_ocv, temp_dC));
			snprintf(msg, n, "%d dC is also the temperature of ocv%u: each OCV "
				 "table needs its own", (int)s->ocv[j].temp_dC, i + 1);
			return 1;
		}
	}
	return 0;
}

#define ST struct cfg_soc_ocv
static const struct cfg_key ocv1_keys[] = {
	SINT(ST, temp_dC, -400, 800, "dC", "250", "cell temperature of this table"),
	CURVE(ST, mV_vs_soc_pct, 0, 100, 0, 6000, "pct", &ocv_lfp_def, OCV_LFP_TEXT,
	      "open-circuit cell voltage (mV) against SOC (%), from 0 to 100 %, the voltage "
	      "strictly increasing"),
	END,
};

static const struct cfg_key ocvn_keys[] = {
	{ .name = "temp_dC", .type = CFG_T_INT, .flags = CFG_K_SIGNED, .off = OFF(ST, temp_dC),
	  .size = SZ(ST, temp_dC), .min = -400, .max = 800, .unit = "dC", .needed = always,
	  .need_text = "required when the table is given",
	  .desc = "cell temperature of this table; each table has its own" },
	{ .name = "mV_vs_soc_pct", .type = CFG_T_CURVE, .off = OFF(ST, mV_vs_soc_pct),
	  .size = SZ(ST, mV_vs_soc_pct), .min = 0, .max = 100, .fmin = 0, .fmax = 6000,
	  .unit = "pct", .needed = always, .need_text = "required when the table is given",
	  .desc = "open-circuit cell voltage (mV) against SOC (%), from 0 to 100 %, the "
		  "voltage strictly increasing" },
	END,
};
#undef ST

#define ST struct cfg_soc
#define OCVN(i, nm, text)                                                                 \
	{ .name = nm, .type = CFG_T_SECTION, .flags = CFG_K_OPTIONAL, .off = OFF(ST, ocv[i]), \
	  .size = SZ(ST, ocv[i]), .sub = ocvn_keys, .xcheck = ocv_xcheck, .desc = text }
const struct cfg_key cfg_soc_keys[] = {
	UINT(ST, capacity_mAh, 1000, 10000000, "mAh", "100000",
	     "nominal capacity of the battery (of one series string of cells)"),
	UINT(ST, relax_current_mA, 1, 1000000, "mA", "1000",
	     "the battery is at rest while the current stays below this, either way"),
	UINT(ST, relax_after_charge_s, 0, 86400, "s", "3600",
	     "rest needed after a charge before SOC is corrected from the OCV table"),
	UINT(ST, relax_after_discharge_s, 0, 86400, "s", "1800",
	     "rest needed after a discharge before SOC is corrected from the OCV table"),
	UINT(ST, ocv_min_slope_mV_per_pct, 0, 1000, "mV_per_pct", "2",
	     "no OCV correction where the table is flatter than this around the estimate; "
	     "0 corrects everywhere"),
	UINT(ST, full_cell_mV, 1000, 6000, "mV", "3500",
	     "the battery is full when the highest cell is at or above this ..."),
	UINT(ST, tail_current_mA, 1, 1000000, "mA", "5000",
	     "... while the charge current is below this (and no discharge flows) ..."),
	UINT(ST, full_hold_s, 0, 3600, "s", "60", "... for this long: SOC is synced to 100 %"),
	UINT(ST, soh_min_span_pct, 10, 100, "pct", "50",
	     "SOC span between two reference points (sync or OCV correction) needed to "
	     "measure the capacity"),
	{ .name = "ocv1", .type = CFG_T_SECTION, .off = OFF(ST, ocv[0]), .size = SZ(ST, ocv[0]),
	  .sub = ocv1_keys, .xcheck = ocv_xcheck,
	  .desc = "the OCV table, always in use; by default bms-sim's LFP cell at 25 degC" },
	OCVN(1, "ocv2", "a second OCV table at another temperature; absent: not used"),
	OCVN(2, "ocv3", "a third OCV table at another temperature; absent: not used"),
	OCVN(3, "ocv4", "a fourth OCV table at another temperature; absent: not used"),
	{ .name = "state_file", .type = CFG_T_STRING, .flags = CFG_K_ABSPATH,
	  .off = OFF(ST, state_file), .size = SZ(ST, state_file), .max = SZ(ST, state_file) - 1,
	  .def = "/var/lib/bmsd/state", .check = check_state_file,
	  .range_text = "an absolute path of a file, at most 251 bytes",
	  .desc = "file that keeps SOC, SOH and the lifetime counters across restarts, "
		  "replaced atomically" },
	UINT(ST, persist_period_s, 10, 86400, "s", "60",
	     "the state file is written this often while something changed, and at once "
	     "after a sync, an SOH update or an operator's change"),
	END,
};
#undef OCVN
#undef ST
