/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap_vendor.h"

#include "mbmap_point_impl.h"

/* ---- the vendor block ---------------------------------------------------- */

enum {
	V_VERSION, V_LENGTH, V_GEN, V_FAULT_RESET, V_OPERATION, V_STATE, V_FLAGS, V_FAULTS,
	V_PACK_V, V_CURRENT, V_CELL_MIN, V_CELL_MAX, V_CELL_MEAN, V_CELL_SPREAD,
	V_CELL_MIN_BOARD, V_CELL_MIN_CELL, V_CELL_MAX_BOARD, V_CELL_MAX_CELL, V_TEMP_MIN,
	V_TEMP_MAX, V_TEMP_MEAN, V_TEMP_MIN_BOARD, V_TEMP_MAX_BOARD, V_EXT_TEMP, V_RH,
	V_SUPPLY, V_SOC, V_SOH, V_CAPACITY, V_CAPACITY_MEAS, V_REMAINING, V_CCL, V_DCL, V_CVL,
	V_DVL, V_WARNINGS, V_ALARMS, V_CRITICALS, V_LATCHED, V_PROT_STATE, V_PROT_TIER,
	V_PROT_ENABLED, V_RELAY_ROLE, V_RELAY_CMD, V_RELAY_OUT, V_INPUT_ROLE, V_OUTPUT_ROLE,
	V_DI, V_DO, V_FULL_CYCLES, V_CHARGE_IN, V_CHARGE_OUT, V_ENERGY_IN, V_ENERGY_OUT,
	V_CONTACTOR_CYCLES, V_LIFE_TEMP_MIN, V_LIFE_TEMP_MAX, V_BOARDS, V_CELLS_PER_BOARD,
	V_TEMPS_PER_BOARD, V_ONLINE_MASK, V_BALANCING_MASK, V_HW, V_FW_VERSION, V_BMSD_VERSION,
	V_SERIAL, V_COUNT
};

#define P MBMAP_VENDOR_PROTS
static const struct mbmap_point vendor_pts[V_COUNT] = {
	[V_VERSION] = { "Version", MBT_U16, 1, 1, 0, NULL, NULL,
			"layout version of this block: 1" },
	[V_LENGTH] = { "Length", MBT_U16, 1, 1, 0, NULL, NULL,
		       "registers in this block, board detail included" },
	[V_GEN] = { "Gen", MBT_U32, 2, 1, 0, NULL, NULL,
		    "publication counter (low 32 bits): every register of one read comes from "
		    "the same publication" },
	[V_FAULT_RESET] = { "FaultReset", MBT_U16, 1, 1, MBF_WRITE, NULL, NULL,
			    "write 1: reset latched faults and protections, as AlmRst; reads 0" },
	[V_OPERATION] = { "Operation", MBT_U16, 1, 1, MBF_WRITE, NULL, NULL,
			  "write 1: connect, 2: disconnect (keep every contactor open), as "
			  "SetOp; reads the request in force" },
	[V_STATE] = { "State", MBT_ENUM16, 1, 1, 0, NULL, NULL, "bmsd's state (table below)" },
	[V_FLAGS] = { "Flags", MBT_BITS16, 1, 1, 0, NULL, NULL,
		      "bit 0 configured, 1 MCU link up and armed, 2 charge allowed, 3 discharge "
		      "allowed, 4 soft stop, 5 full, 6 heater on, 7 balancing, 8 disconnect "
		      "requested, 9 control writes enabled, 10 pack voltage known, 11 current "
		      "known, 12 temperatures known, 13 SOC known, 14 SOH known, 15 limits known" },
	[V_FAULTS] = { "Faults", MBT_BITS32, 2, 1, 0, NULL, NULL,
		       "bmsd faults, bit n as in the table below" },
	[V_PACK_V] = { "PackVoltage", MBT_U32, 2, 1, 0, NULL, "mV",
		       "pack voltage, sum of the cells; NA while unknown" },
	[V_CURRENT] = { "Current", MBT_S32, 2, 1, 0, NULL, "mA",
			"pack current, + = charging; NA while unknown" },
	[V_CELL_MIN] = { "CellMin", MBT_U16, 1, 1, 0, NULL, "mV", "lowest cell voltage" },
	[V_CELL_MAX] = { "CellMax", MBT_U16, 1, 1, 0, NULL, "mV", "highest cell voltage" },
	[V_CELL_MEAN] = { "CellMean", MBT_U16, 1, 1, 0, NULL, "mV", "mean cell voltage" },
	[V_CELL_SPREAD] = { "CellSpread", MBT_U16, 1, 1, 0, NULL, "mV", "highest - lowest" },
	[V_CELL_MIN_BOARD] = { "CellMinBoard", MBT_U16, 1, 1, 0, NULL, NULL,
			       "board of the lowest cell, from 1" },
	[V_CELL_MIN_CELL] = { "CellMinCell", MBT_U16, 1, 1, 0, NULL, NULL,
			      "the lowest cell on its board, from 1" },
	[V_CELL_MAX_BOARD] = { "CellMaxBoard", MBT_U16, 1, 1, 0, NULL, NULL,
			       "board of the highest cell, from 1" },
	[V_CELL_MAX_CELL] = { "CellMaxCell", MBT_U16, 1, 1, 0, NULL, NULL,
			      "the highest cell on its board, from 1" },
	[V_TEMP_MIN] = { "TempMin", MBT_S16, 1, 1, 0, NULL, "0.1 degC",
			 "lowest cell temperature" },
	[V_TEMP_MAX] = { "TempMax", MBT_S16, 1, 1, 0, NULL, "0.1 degC",
			 "highest cell temperature" },
	[V_TEMP_MEAN] = { "TempMean", MBT_S16, 1, 1, 0, NULL, "0.1 degC",
			  "mean cell temperature" },
	[V_TEMP_MIN_BOARD] = { "TempMinBoard", MBT_U16, 1, 1, 0, NULL, NULL,
			       "board of the lowest temperature, from 1" },
	[V_TEMP_MAX_BOARD] = { "TempMaxBoard", MBT_U16, 1, 1, 0, NULL, NULL,
			       "board of the highest temperature, from 1" },
	[V_EXT_TEMP] = { "ExtTemp", MBT_S16, 1, 2, 0, NULL, "0.1 degC",
			 "external NTC inputs 1 and 2; NA when not fitted or failed" },
	[V_RH] = { "Humidity", MBT_U16, 1, 1, 0, NULL, "0.1 %RH",
		   "relative humidity (main-2.1); NA when not fitted" },
	[V_SUPPLY] = { "Supply", MBT_U16, 1, 1, 0, NULL, "mV", "controller supply voltage" },
	[V_SOC] = { "SOC", MBT_U16, 1, 1, 0, NULL, "0.1 %", "state of charge; NA while unknown" },
	[V_SOH] = { "SOH", MBT_U16, 1, 1, 0, NULL, "0.1 %", "state of health; NA while unknown" },
	[V_CAPACITY] = { "Capacity", MBT_U32, 2, 1, 0, NULL, "mAh",
			 "nominal capacity; NA while unknown" },
	[V_CAPACITY_MEAS] = { "CapacityMeasured", MBT_U32, 2, 1, 0, NULL, "mAh",
			      "capacity measured between full-charge syncs; NA while unknown" },
	[V_REMAINING] = { "Remaining", MBT_U32, 2, 1, 0, NULL, "mAh",
			  "charge left; NA while the SOC is unknown" },
	[V_CCL] = { "CCL", MBT_U32, 2, 1, 0, NULL, "mA", "charge current limit; NA while unknown" },
	[V_DCL] = { "DCL", MBT_U32, 2, 1, 0, NULL, "mA",
		    "discharge current limit; NA while unknown" },
	[V_CVL] = { "CVL", MBT_U32, 2, 1, 0, NULL, "mV",
		    "charge voltage limit (pack); NA while unknown" },
	[V_DVL] = { "DVL", MBT_U32, 2, 1, 0, NULL, "mV",
		    "discharge voltage limit (pack); NA while unknown" },
	[V_WARNINGS] = { "Warnings", MBT_BITS32, 2, 1, 0, NULL, NULL,
			 "bit n: protection n active at tier warning" },
	[V_ALARMS] = { "Alarms", MBT_BITS32, 2, 1, 0, NULL, NULL,
		       "bit n: protection n active at tier alarm" },
	[V_CRITICALS] = { "Criticals", MBT_BITS32, 2, 1, 0, NULL, NULL,
			  "bit n: protection n active at tier critical" },
	[V_LATCHED] = { "Latched", MBT_BITS32, 2, 1, 0, NULL, NULL,
			"bit n: protection n held until a fault reset" },
	[V_PROT_STATE] = { "ProtState", MBT_ENUM16, 1, P, 0, NULL, NULL,
			   "state of protection n: 0 clear, 1 setting, 2 active, 3 clearing, "
			   "4 latched; NA when disabled" },
	[V_PROT_TIER] = { "ProtTier", MBT_ENUM16, 1, P, 0, NULL, NULL,
			  "tier of protection n: 0 warning, 1 alarm, 2 critical; NA when "
			  "disabled" },
	[V_PROT_ENABLED] = { "ProtEnabled", MBT_U16, 1, P, 0, NULL, NULL,
			     "1 when protection n is enabled, else 0; NA past the last" },
	[V_RELAY_ROLE] = { "RelayRole", MBT_ENUM16, 1, 4, 0, NULL, NULL,
			   "role of relay 1..4 (table below)" },
	[V_RELAY_CMD] = { "RelayCommand", MBT_BITS16, 1, 1, 0, NULL, NULL,
			  "bit n: bmsd commands relay n+1 closed" },
	[V_RELAY_OUT] = { "RelayDriven", MBT_BITS16, 1, 1, 0, NULL, NULL,
			  "bit n: the MCU drives relay n+1's coil" },
	[V_INPUT_ROLE] = { "InputRole", MBT_ENUM16, 1, 4, 0, NULL, NULL,
			   "role of discrete input 1..4 (table below)" },
	[V_OUTPUT_ROLE] = { "OutputRole", MBT_ENUM16, 1, 4, 0, NULL, NULL,
			    "role of discrete output 1..4 (table below)" },
	[V_DI] = { "Inputs", MBT_BITS16, 1, 1, 0, NULL, NULL,
		   "bit n: discrete input n+1 active (after inversion and debouncing)" },
	[V_DO] = { "Outputs", MBT_BITS16, 1, 1, 0, NULL, NULL,
		   "bit n: discrete output n+1 on" },
	[V_FULL_CYCLES] = { "FullCycles", MBT_U32, 2, 1, 0, NULL, "0.01 cycle",
			    "charge throughput / (2 x capacity)" },
	[V_CHARGE_IN] = { "ChargeIn", MBT_U64, 4, 1, 0, NULL, "mAh", "lifetime charge in" },
	[V_CHARGE_OUT] = { "ChargeOut", MBT_U64, 4, 1, 0, NULL, "mAh", "lifetime charge out" },
	[V_ENERGY_IN] = { "EnergyIn", MBT_U64, 4, 1, 0, NULL, "Wh", "lifetime energy in" },
	[V_ENERGY_OUT] = { "EnergyOut", MBT_U64, 4, 1, 0, NULL, "Wh", "lifetime energy out" },
	[V_CONTACTOR_CYCLES] = { "ContactorCycles", MBT_U32, 2, 4, 0, NULL, NULL,
				 "closings of relay 1..4" },
	[V_LIFE_TEMP_MIN] = { "LifeTempMin", MBT_S16, 1, 1, 0, NULL, "0.1 degC",
			      "lowest temperature ever seen; NA unknown" },
	[V_LIFE_TEMP_MAX] = { "LifeTempMax", MBT_S16, 1, 1, 0, NULL, "0.1 degC",
			      "highest temperature ever seen; NA unknown" },
	[V_BOARDS] = { "Boards", MBT_U16, 1, 1, 0, NULL, NULL, "pack.boards" },
	[V_CELLS_PER_BOARD] = { "CellsPerBoard", MBT_U16, 1, 1, 0, NULL, NULL,
				"pack.cells_per_board" },
	[V_TEMPS_PER_BOARD] = { "TempsPerBoard", MBT_U16, 1, 1, 0, NULL, NULL,
				"pack.temps_per_board" },
	[V_ONLINE_MASK] = { "OnlineMask", MBT_BITS32, 2, 1, 0, NULL, NULL,
			    "bit n: Logic board n+1 online" },
	[V_BALANCING_MASK] = { "BalancingMask", MBT_BITS32, 2, 1, 0, NULL, NULL,
			       "bit n: Logic board n+1 balancing" },
	[V_HW] = { "Hardware", MBT_U16, 1, 1, 0, NULL, NULL,
		   "board id that the MCU reports; NA unknown" },
	[V_FW_VERSION] = { "FirmwareVersion", MBT_STRING, 8, 1, 0, NULL, NULL,
			   "bridge firmware version; \"\" unknown" },
	[V_BMSD_VERSION] = { "BmsdVersion", MBT_STRING, 8, 1, 0, NULL, NULL, "bmsd version" },
	[V_SERIAL] = { "Serial", MBT_STRING, 12, 1, 0, NULL, NULL, "serial number" },
};
#undef P

enum {
	VB_FLAGS, VB_NCELLS, VB_NTEMPS, VB_BAL_MASK, VB_NTC_FAULT, VB_CELL_MIN, VB_CELL_MAX,
	VB_CELL_MEAN, VB_TEMP_MIN, VB_TEMP_MAX, VB_PACK_V, VB_TEMP, VB_RESERVED, VB_COUNT
};

static const struct mbmap_point vboard_pts[VB_COUNT] = {
	[VB_FLAGS] = { "Flags", MBT_BITS16, 1, 1, 0, NULL, NULL,
		       "bit 0 in the last snapshot, 1 online, 2 balancing" },
	[VB_NCELLS] = { "Cells", MBT_U16, 1, 1, 0, NULL, NULL, "cells the board reports" },
	[VB_NTEMPS] = { "Temps", MBT_U16, 1, 1, 0, NULL, NULL,
			"temperature sensors the board reports" },
	[VB_BAL_MASK] = { "BalanceMask", MBT_BITS32, 2, 1, 0, NULL, NULL,
			  "bit n: cell n+1 bleeding" },
	[VB_NTC_FAULT] = { "SensorFaults", MBT_BITS16, 1, 1, 0, NULL, NULL,
			   "bit n: temperature sensor n+1 failed" },
	[VB_CELL_MIN] = { "CellMin", MBT_U16, 1, 1, 0, NULL, "mV", "lowest cell" },
	[VB_CELL_MAX] = { "CellMax", MBT_U16, 1, 1, 0, NULL, "mV", "highest cell" },
	[VB_CELL_MEAN] = { "CellMean", MBT_U16, 1, 1, 0, NULL, "mV", "mean cell" },
	[VB_TEMP_MIN] = { "TempMin", MBT_S16, 1, 1, 0, NULL, "0.1 degC", "lowest temperature" },
	[VB_TEMP_MAX] = { "TempMax", MBT_S16, 1, 1, 0, NULL, "0.1 degC", "highest temperature" },
	[VB_PACK_V] = { "Voltage", MBT_U32, 2, 1, 0, NULL, "mV", "sum of its cells" },
	[VB_TEMP] = { "Temp", MBT_S16, 1, VIEW_TEMPS, 0, NULL, "0.1 degC",
		      "temperature sensor 1..8; NA without a reading" },
	[VB_RESERVED] = { "Reserved", MBT_RESERVED, 1, 3, 0, NULL, NULL, "0" },
};

const struct mbmap_table mbmap_vendor = { "vendor", 0, vendor_pts, V_COUNT };
const struct mbmap_table mbmap_vendor_board = { "vendor-board", 0, vboard_pts, VB_COUNT };

static const char *const state_names[VIEW_ST_COUNT] = {
	[VIEW_ST_UNCONFIGURED] = "unconfigured", [VIEW_ST_STARTING] = "starting",
	[VIEW_ST_STANDBY] = "standby",           [VIEW_ST_PRECHARGE] = "precharge",
	[VIEW_ST_CONNECTED] = "connected",       [VIEW_ST_SOFT_STOP] = "soft-stop",
	[VIEW_ST_FAULT] = "fault",
};

_Static_assert(VIEW_ST_COUNT == 7, "a new view state needs its name");
_Static_assert(PROT_COUNT <= MBMAP_VENDOR_PROTS, "the protection arrays are full");

const char *mbmap_state_name(unsigned int s)
{
	return s < VIEW_ST_COUNT ? state_names[s] : NULL;
}

/* ---- filling ------------------------------------------------------------- */

struct ctx {
	const struct view *v;
	bool disconnect;
	bool write_enable;
};

/* The block's header, the control registers, the state and the faults. */
static void fillv_head(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_VERSION:
		setv(o, MBMAP_VENDOR_VERSION);
		break;
	case V_LENGTH:
		setv(o, MBMAP_VENDOR_LEN);
		break;
	case V_GEN:
		setv(o, (int64_t)(v->gen & 0xFFFFFFFFu));
		break;
	case V_FAULT_RESET:
		setv(o, 0);
		break;
	case V_OPERATION:
		setv(o, c->disconnect ? 2 : 1);
		break;
	case V_STATE:
		setv(o, v->state);
		break;
	case V_FLAGS:
		setv(o, (v->configured ? 1 : 0) | (v->link_up ? 2 : 0) |
			     (v->charge_allowed ? 4 : 0) | (v->discharge_allowed ? 8 : 0) |
			     (v->soft_stop ? 16 : 0) | (v->full ? 32 : 0) |
			     (v->heater_on ? 64 : 0) | (v->balancing ? 128 : 0) |
			     (c->disconnect ? 256 : 0) | (c->write_enable ? 512 : 0) |
			     (v->pack_valid ? 1024 : 0) | (v->current_valid ? 2048 : 0) |
			     (v->temp_valid ? 4096 : 0) | (v->soc_valid ? 8192 : 0) |
			     (v->soh_valid ? 16384 : 0) | (v->limits_valid ? 32768 : 0));
		break;
	case V_FAULTS:
		setv(o, v->faults);
		break;
	default:
		break;
	}
}

/* Pack voltage, current and cell voltages. */
static void fillv_cells(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_PACK_V:
		if (v->pack_valid)
			setv(o, v->pack_mV);
		break;
	case V_CURRENT:
		if (v->current_valid)
			setv(o, v->current_mA);
		break;
	case V_CELL_MIN:
		if (v->pack_valid && cell_ok(v->cell_min_mV))
			setv(o, v->cell_min_mV);
		break;
	case V_CELL_MAX:
		if (v->pack_valid && cell_ok(v->cell_max_mV))
			setv(o, v->cell_max_mV);
		break;
	case V_CELL_MEAN:
		if (v->pack_valid && cell_ok(v->cell_mean_mV))
			setv(o, v->cell_mean_mV);
		break;
	case V_CELL_SPREAD:
		if (v->pack_valid)
			setv(o, v->cell_spread_mV);
		break;
	case V_CELL_MIN_BOARD:
		if (v->pack_valid)
			setv(o, v->cell_min_board);
		break;
	case V_CELL_MIN_CELL:
		if (v->pack_valid)
			setv(o, v->cell_min_cell);
		break;
	case V_CELL_MAX_BOARD:
		if (v->pack_valid)
			setv(o, v->cell_max_board);
		break;
	case V_CELL_MAX_CELL:
		if (v->pack_valid)
			setv(o, v->cell_max_cell);
		break;
	default:
		break;
	}
}

/* Temperatures, humidity and the supply voltage. */
static void fillv_temps(const struct ctx *c, unsigned int pt, unsigned int i, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_TEMP_MIN:
		if (v->temp_valid && temp_ok(v->temp_min_dC))
			setv(o, v->temp_min_dC);
		break;
	case V_TEMP_MAX:
		if (v->temp_valid && temp_ok(v->temp_max_dC))
			setv(o, v->temp_max_dC);
		break;
	case V_TEMP_MEAN:
		if (v->temp_valid && temp_ok(v->temp_mean_dC))
			setv(o, v->temp_mean_dC);
		break;
	case V_TEMP_MIN_BOARD:
		if (v->temp_valid)
			setv(o, v->temp_min_board);
		break;
	case V_TEMP_MAX_BOARD:
		if (v->temp_valid)
			setv(o, v->temp_max_board);
		break;
	case V_EXT_TEMP:
		if (i < BP_NUM_NTC && temp_ok(v->ext_temp_dC[i]))
			setv(o, v->ext_temp_dC[i]);
		break;
	case V_RH:
		if (v->rh_valid)
			setv(o, v->rh_dpct);
		break;
	case V_SUPPLY:
		if (v->supply_mV)
			setv(o, v->supply_mV);
		break;
	default:
		break;
	}
}

/* State of charge and health, capacity, and the limits. */
static void fillv_charge(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_SOC:
		if (v->soc_valid)
			setv(o, v->soc_dpct);
		break;
	case V_SOH:
		if (v->soh_valid)
			setv(o, v->soh_dpct);
		break;
	case V_CAPACITY:
		if (v->capacity_mAh)
			setv(o, v->capacity_mAh);
		break;
	case V_CAPACITY_MEAS:
		if (v->capacity_meas_mAh)
			setv(o, v->capacity_meas_mAh);
		break;
	case V_REMAINING:
		if (v->soc_valid)
			setv(o, v->remaining_mAh);
		break;
	case V_CCL:
		if (v->limits_valid)
			setv(o, v->ccl_mA);
		break;
	case V_DCL:
		if (v->limits_valid)
			setv(o, v->dcl_mA);
		break;
	case V_CVL:
		if (v->limits_valid)
			setv(o, v->cvl_mV);
		break;
	case V_DVL:
		if (v->limits_valid)
			setv(o, v->dvl_mV);
		break;
	default:
		break;
	}
}

/* The protections, element @i of the arrays being protection @i. */
static void fillv_prots(const struct ctx *c, unsigned int pt, unsigned int i, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_WARNINGS:
		setv(o, v->warnings);
		break;
	case V_ALARMS:
		setv(o, v->alarms);
		break;
	case V_CRITICALS:
		setv(o, v->criticals);
		break;
	case V_LATCHED:
		setv(o, v->latched);
		break;
	case V_PROT_STATE:
		if (i < PROT_COUNT && v->prot_enabled[i])
			setv(o, v->prot_state[i]);
		break;
	case V_PROT_TIER:
		if (i < PROT_COUNT && v->prot_enabled[i])
			setv(o, v->prot_tier[i]);
		break;
	case V_PROT_ENABLED:
		if (i < PROT_COUNT)
			setv(o, v->prot_enabled[i] ? 1 : 0);
		break;
	default:
		break;
	}
}

/* Relays and discrete I/O; element @i of the role arrays is channel @i + 1. */
static void fillv_io(const struct ctx *c, unsigned int pt, unsigned int i, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_RELAY_ROLE:
		setv(o, v->relay_roles[i]);
		break;
	case V_RELAY_CMD:
		setv(o, v->relay_cmd);
		break;
	case V_RELAY_OUT:
		setv(o, v->relay_out);
		break;
	case V_INPUT_ROLE:
		setv(o, v->input_roles[i]);
		break;
	case V_OUTPUT_ROLE:
		setv(o, v->output_roles[i]);
		break;
	case V_DI:
		setv(o, v->di);
		break;
	case V_DO:
		setv(o, v->dos);
		break;
	default:
		break;
	}
}

/* The lifetime counters; element @i of ContactorCycles is relay @i + 1. */
static void fillv_counters(const struct ctx *c, unsigned int pt, unsigned int i,
			   struct mbmap_val *o)
{
	const struct view *v = c->v;
	const struct view_counters *k = &v->counters;

	switch (pt) {
	case V_FULL_CYCLES:
		setv(o, k->full_cycles_dcyc);
		break;
	case V_CHARGE_IN:
		setv(o, (int64_t)k->charge_in_mAh);
		break;
	case V_CHARGE_OUT:
		setv(o, (int64_t)k->charge_out_mAh);
		break;
	case V_ENERGY_IN:
		setv(o, (int64_t)k->energy_in_Wh);
		break;
	case V_ENERGY_OUT:
		setv(o, (int64_t)k->energy_out_Wh);
		break;
	case V_CONTACTOR_CYCLES:
		setv(o, k->contactor_cycles[i]);
		break;
	case V_LIFE_TEMP_MIN:
		if (temp_ok(k->temp_min_dC))
			setv(o, k->temp_min_dC);
		break;
	case V_LIFE_TEMP_MAX:
		if (temp_ok(k->temp_max_dC))
			setv(o, k->temp_max_dC);
		break;
	default:
		break;
	}
}

/* The pack's shape and identity. */
static void fillv_pack(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case V_BOARDS:
		setv(o, v->boards);
		break;
	case V_CELLS_PER_BOARD:
		setv(o, v->cells_per_board);
		break;
	case V_TEMPS_PER_BOARD:
		setv(o, v->temps_per_board);
		break;
	case V_ONLINE_MASK:
		setv(o, v->online_mask);
		break;
	case V_BALANCING_MASK:
		setv(o, v->balancing_mask);
		break;
	case V_HW:
		if (v->hw)
			setv(o, v->hw);
		break;
	case V_FW_VERSION:
		setv(o, 0);
		o->s = v->fw_version;
		break;
	case V_BMSD_VERSION:
		setv(o, 0);
		o->s = v->version;
		break;
	case V_SERIAL:
		setv(o, 0);
		o->s = v->serial;
		break;
	default:
		break;
	}
}

/* Element @i of point @pt. Each group fills its own points and leaves the
 * others alone. */
static void fillv(const struct ctx *c, unsigned int pt, unsigned int i, struct mbmap_val *o)
{
	fillv_head(c, pt, o);
	fillv_cells(c, pt, o);
	fillv_temps(c, pt, i, o);
	fillv_charge(c, pt, o);
	fillv_prots(c, pt, i, o);
	fillv_io(c, pt, i, o);
	fillv_counters(c, pt, i, o);
	fillv_pack(c, pt, o);
}

static void fillvb(const struct ctx *c, unsigned int board, unsigned int pt, unsigned int i,
		   struct mbmap_val *o)
{
	const struct view_board *vb = &c->v->board[board];

	if (pt == VB_FLAGS) {
		setv(o, (vb->present ? 1 : 0) | (vb->online ? 2 : 0) | (vb->bal_mask ? 4 : 0));
		return;
	}
	if (!vb->present)
		return;
	switch (pt) {
	case VB_NCELLS:
		setv(o, vb->ncells);
		break;
	case VB_NTEMPS:
		setv(o, vb->ntemps);
		break;
	case VB_BAL_MASK:
		setv(o, vb->bal_mask);
		break;
	case VB_NTC_FAULT:
		setv(o, vb->ntc_fault);
		break;
	case VB_CELL_MIN:
		if (cell_ok(vb->cell_min_mV))
			setv(o, vb->cell_min_mV);
		break;
	case VB_CELL_MAX:
		if (cell_ok(vb->cell_max_mV))
			setv(o, vb->cell_max_mV);
		break;
	case VB_CELL_MEAN:
		if (cell_ok(vb->cell_mean_mV))
			setv(o, vb->cell_mean_mV);
		break;
	case VB_TEMP_MIN:
		if (temp_ok(vb->temp_min_dC))
			setv(o, vb->temp_min_dC);
		break;
	case VB_TEMP_MAX:
		if (temp_ok(vb->temp_max_dC))
			setv(o, vb->temp_max_dC);
		break;
	case VB_PACK_V:
		if (cell_ok(vb->cell_mean_mV))
			setv(o, vb->pack_mV);
		break;
	case VB_TEMP:
		if (i < vb->ntemps && temp_ok(vb->temp_dC[i]))
			setv(o, vb->temp_dC[i]);
		break;
	default:
		break;
	}
}

/* ---- building ------------------------------------------------------------ */

void mbmap_vendor_build(uint16_t *vd, const struct view *v, bool disconnect, bool write_enable)
{
	const struct ctx c = { .v = v, .disconnect = disconnect, .write_enable = write_enable };
	uint16_t *d = vd;

	EMIT_TABLE(d, &mbmap_vendor, fillv(&c, pt_, i_, &o_));
	while (d < vd + MBMAP_VENDOR_BOARDS)
		*d++ = 0;
	for (unsigned int b = 0; b < VIEW_BOARDS; b++) {
		d = vd + MBMAP_VENDOR_BOARDS + b * MBMAP_VENDOR_BOARD_STRIDE;
		EMIT_TABLE(d, &mbmap_vendor_board, fillvb(&c, b, pt_, i_, &o_));
	}
}
