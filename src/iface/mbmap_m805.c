/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap_m805.h"

#include <string.h>

#include "mbmap_point_impl.h"

/* ---- model 805: lithium-ion module, one per Logic board ------------------ */

#define M MBF_MANDATORY

enum {
	P805_ID, P805_L, P805_STRIDX, P805_MODIDX, P805_NCELL, P805_SOC, P805_DOD, P805_SOH,
	P805_NCYC, P805_V, P805_CELLVMAX, P805_CELLVMAXCELL, P805_CELLVMIN, P805_CELLVMINCELL,
	P805_CELLVAVG, P805_CELLTMPMAX, P805_CELLTMPMAXCELL, P805_CELLTMPMIN,
	P805_CELLTMPMINCELL, P805_CELLTMPAVG, P805_NCELLBAL, P805_SN, P805_SOC_SF, P805_SOH_SF,
	P805_DOD_SF, P805_V_SF, P805_CELLV_SF, P805_TMP_SF, P805_COUNT
};

static const struct mbmap_point model805_pts[P805_COUNT] = {
	[P805_ID] = { "ID", MBT_U16, 1, 0, M, NULL, NULL, "805" },
	[P805_L] = { "L", MBT_U16, 1, 0, M, NULL, NULL, "42 + 4 x NCell" },
	[P805_STRIDX] = { "StrIdx", MBT_U16, 1, 0, M, NULL, NULL, "1 (one string)" },
	[P805_MODIDX] = { "ModIdx", MBT_U16, 1, 0, M, NULL, NULL, "the Logic board, from 1" },
	[P805_NCELL] = { "NCell", MBT_U16, 1, 0, M, NULL, NULL, "pack.cells_per_board" },
	[P805_SOC] = { "SoC", MBT_U16, 1, 0, 0, "SoC_SF", "%", "NA" },
	[P805_DOD] = { "DoD", MBT_U16, 1, 0, 0, "DoD_SF", "%", "NA" },
	[P805_SOH] = { "SoH", MBT_U16, 1, 0, 0, "SoH_SF", "%", "NA" },
	[P805_NCYC] = { "NCyc", MBT_U32, 2, 0, 0, NULL, NULL, "NA" },
	[P805_V] = { "V", MBT_U16, 1, 0, M, "V_SF", "V",
		     "sum of the board's cells; NA while the board is offline" },
	[P805_CELLVMAX] = { "CellVMax", MBT_U16, 1, 0, M, "CellV_SF", "V",
			    "highest cell voltage of the board" },
	[P805_CELLVMAXCELL] = { "CellVMaxCell", MBT_U16, 1, 0, 0, NULL, NULL,
				"its cell, from 1" },
	[P805_CELLVMIN] = { "CellVMin", MBT_U16, 1, 0, M, "CellV_SF", "V",
			    "lowest cell voltage of the board" },
	[P805_CELLVMINCELL] = { "CellVMinCell", MBT_U16, 1, 0, 0, NULL, NULL,
				"its cell, from 1" },
	[P805_CELLVAVG] = { "CellVAvg", MBT_U16, 1, 0, M, "CellV_SF", "V", "mean cell voltage" },
	[P805_CELLTMPMAX] = { "CellTmpMax", MBT_S16, 1, 0, M, "Tmp_SF", "C",
			      "highest temperature of the board's sensors" },
	[P805_CELLTMPMAXCELL] = { "CellTmpMaxCell", MBT_U16, 1, 0, 0, NULL, NULL,
				  "its temperature sensor, from 1 (sensors are not per cell)" },
	[P805_CELLTMPMIN] = { "CellTmpMin", MBT_S16, 1, 0, M, "Tmp_SF", "C",
			      "lowest temperature of the board's sensors" },
	[P805_CELLTMPMINCELL] = { "CellTmpMinCell", MBT_U16, 1, 0, 0, NULL, NULL,
				  "its temperature sensor, from 1" },
	[P805_CELLTMPAVG] = { "CellTmpAvg", MBT_S16, 1, 0, M, "Tmp_SF", "C",
			      "mean of the board's sensors" },
	[P805_NCELLBAL] = { "NCellBal", MBT_U16, 1, 0, 0, NULL, NULL, "cells balancing" },
	[P805_SN] = { "SN", MBT_STRING, 16, 0, 0, NULL, NULL, "\"\"" },
	[P805_SOC_SF] = { "SoC_SF", MBT_SF, 1, 0, 0, NULL, NULL, "NA" },
	[P805_SOH_SF] = { "SoH_SF", MBT_SF, 1, 0, 0, NULL, NULL, "NA" },
	[P805_DOD_SF] = { "DoD_SF", MBT_SF, 1, 0, 0, NULL, NULL, "NA" },
	[P805_V_SF] = { "V_SF", MBT_SF, 1, 0, M, NULL, NULL, "-2 (10 mV)" },
	[P805_CELLV_SF] = { "CellV_SF", MBT_SF, 1, 0, M, NULL, NULL, "-3 (1 mV)" },
	[P805_TMP_SF] = { "Tmp_SF", MBT_SF, 1, 0, M, NULL, NULL, "-1 (0.1 degC)" },
};

enum { P805C_CELLV, P805C_CELLTMP, P805C_CELLST, P805C_COUNT };

static const struct mbmap_point model805_cell_pts[P805C_COUNT] = {
	[P805C_CELLV] = { "CellV", MBT_U16, 1, 0, M, "CellV_SF", "V",
			  "cell voltage; NA for a cell without a reading or an offline board" },
	[P805C_CELLTMP] = { "CellTmp", MBT_S16, 1, 0, M, "Tmp_SF", "C",
			    "NA: Logic boards measure temperatures per sensor, not per cell "
			    "(see CellTmpMax and the vendor block)" },
	[P805C_CELLST] = { "CellSt", MBT_BITS32, 2, 0, 0, NULL, NULL,
			   "bit 0 CELL_IS_BALANCING" },
};

#undef M

const struct mbmap_table mbmap_model805 = { "lithium-ion-module", 805, model805_pts, P805_COUNT };
const struct mbmap_table mbmap_model805_cell = { "lithium-ion-module-cell", 0,
						 model805_cell_pts, P805C_COUNT };

/* ---- filling ------------------------------------------------------------- */

struct ctx {
	const struct view *v;
	unsigned int cells; /* as built: pack.cells_per_board, at most VIEW_CELLS */
};

/* Extremes of a board's cells and sensors, with their 1-based positions. */
struct board_ext {
	unsigned int vmax_at, vmin_at, tmax_at, tmin_at, ncells_ok, ntemps_ok, nbal;
	int16_t tmax, tmin;
	int32_t tsum;
};

static void board_extremes(const struct view_board *vb, unsigned int cells, struct board_ext *e)
{
	memset(e, 0, sizeof(*e));
	for (unsigned int i = 0; i < cells && i < VIEW_CELLS; i++) {
		uint16_t mV = vb->cell_mV[i];

		if (vb->bal_mask & (1u << i))
			e->nbal++;
		if (!cell_ok(mV))
			continue;
		e->ncells_ok++;
		if (!e->vmax_at || mV > vb->cell_mV[e->vmax_at - 1])
			e->vmax_at = i + 1;
		if (!e->vmin_at || mV < vb->cell_mV[e->vmin_at - 1])
			e->vmin_at = i + 1;
	}
	for (unsigned int i = 0; i < vb->ntemps && i < VIEW_TEMPS; i++) {
		int16_t t = vb->temp_dC[i];

		if (!temp_ok(t))
			continue;
		e->ntemps_ok++;
		e->tsum += t;
		if (!e->tmax_at || t > e->tmax) {
			e->tmax = t;
			e->tmax_at = i + 1;
		}
		if (!e->tmin_at || t < e->tmin) {
			e->tmin = t;
			e->tmin_at = i + 1;
		}
	}
}

static void fill805(const struct ctx *c, unsigned int board, const struct board_ext *e,
		    unsigned int pt, struct mbmap_val *o)
{
	const struct view_board *vb = &c->v->board[board];
	bool live = vb->present && vb->online;

	switch (pt) {
	case P805_ID:
		setv(o, 805);
		break;
	case P805_L:
		setv(o, MBMAP_L805(c->cells));
		break;
	case P805_STRIDX:
		setv(o, 1);
		break;
	case P805_MODIDX:
		setv(o, board + 1);
		break;
	case P805_NCELL:
		setv(o, c->cells);
		break;
	case P805_V:
		if (live && e->ncells_ok)
			setv(o, scale_down(vb->pack_mV, 1));
		break;
	case P805_CELLVMAX:
		if (live && e->vmax_at)
			setv(o, vb->cell_mV[e->vmax_at - 1]);
		break;
	case P805_CELLVMAXCELL:
		if (live && e->vmax_at)
			setv(o, e->vmax_at);
		break;
	case P805_CELLVMIN:
		if (live && e->vmin_at)
			setv(o, vb->cell_mV[e->vmin_at - 1]);
		break;
	case P805_CELLVMINCELL:
		if (live && e->vmin_at)
			setv(o, e->vmin_at);
		break;
	case P805_CELLVAVG:
		if (live && cell_ok(vb->cell_mean_mV))
			setv(o, vb->cell_mean_mV);
		break;
	case P805_CELLTMPMAX:
		if (live && e->tmax_at)
			setv(o, e->tmax);
		break;
	case P805_CELLTMPMAXCELL:
		if (live && e->tmax_at)
			setv(o, e->tmax_at);
		break;
	case P805_CELLTMPMIN:
		if (live && e->tmin_at)
			setv(o, e->tmin);
		break;
	case P805_CELLTMPMINCELL:
		if (live && e->tmin_at)
			setv(o, e->tmin_at);
		break;
	case P805_CELLTMPAVG:
		if (live && e->ntemps_ok) {
			int32_t n = (int32_t)e->ntemps_ok;

			setv(o, (e->tsum + (e->tsum >= 0 ? n / 2 : -n / 2)) / n);
		}
		break;
	case P805_NCELLBAL:
		if (live)
			setv(o, e->nbal);
		break;
	case P805_SN:
		setv(o, 0);
		o->s = "";
		break;
	case P805_V_SF:
		setv(o, -2);
		break;
	case P805_CELLV_SF:
		setv(o, -3);
		break;
	case P805_TMP_SF:
		setv(o, -1);
		break;
	default:
		break;
	}
}

static void fill805_cell(const struct ctx *c, unsigned int board, unsigned int cell,
			 unsigned int pt, struct mbmap_val *o)
{
	const struct view_board *vb = &c->v->board[board];
	bool live = vb->present && vb->online && cell < VIEW_CELLS && cell < vb->ncells;

	switch (pt) {
	case P805C_CELLV:
		if (live && cell_ok(vb->cell_mV[cell]))
			setv(o, vb->cell_mV[cell]);
		break;
	case P805C_CELLST:
		if (live)
			setv(o, (vb->bal_mask >> cell) & 1u);
		break;
	default:
		break;
	}
}

/* ---- building ------------------------------------------------------------ */

uint16_t *mbmap_m805_build(uint16_t *d, const struct view *v, unsigned int board,
			   unsigned int cells)
{
	const struct ctx c = { .v = v, .cells = cells };
	struct board_ext e;

	board_extremes(&v->board[board], cells, &e);
	EMIT_TABLE(d, &mbmap_model805, fill805(&c, board, &e, pt_, &o_));
	for (unsigned int cell = 0; cell < cells; cell++)
		EMIT_TABLE(d, &mbmap_model805_cell, fill805_cell(&c, board, cell, pt_, &o_));
	return d;
}
