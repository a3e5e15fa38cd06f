/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap.h"

#include <string.h>

#include "version.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Below this current magnitude a connected pack is "holding" (ChaSt). */
#define IDLE_MA 500

#define S MBF_SPEC_RW
#define W (MBF_SPEC_RW | MBF_WRITE)
#define M MBF_MANDATORY

/* ---- model 1: common ---------------------------------------------------- */

enum { P1_ID, P1_L, P1_MN, P1_MD, P1_OPT, P1_VR, P1_SN, P1_DA, P1_PAD, P1_COUNT };

static const struct mbmap_point model1_pts[P1_COUNT] = {
	[P1_ID] = { "ID", MBT_U16, 1, 0, M, NULL, NULL, "1" },
	[P1_L] = { "L", MBT_U16, 1, 0, M, NULL, NULL, "66" },
	[P1_MN] = { "Mn", MBT_STRING, 16, 0, M, NULL, NULL,
		    "manufacturer: modbus.manufacturer (default \"bmsd\")" },
	[P1_MD] = { "Md", MBT_STRING, 16, 0, M, NULL, NULL,
		    "model: the board profile, \"main-2r\" or \"main-2.1\"" },
	[P1_OPT] = { "Opt", MBT_STRING, 8, 0, 0, NULL, NULL,
		     "bridge firmware version, \"fw 1.2.3\"; \"\" until the MCU reports it" },
	[P1_VR] = { "Vr", MBT_STRING, 8, 0, 0, NULL, NULL, "bmsd version" },
	[P1_SN] = { "SN", MBT_STRING, 16, 0, M, NULL, NULL,
		    "serial number, as bmsctl status shows it" },
	[P1_DA] = { "DA", MBT_U16, 1, 0, S, NULL, NULL,
		    "device address: modbus.rtu.address (read only here: set it in the config)" },
	[P1_PAD] = { "Pad", MBT_PAD, 1, 0, 0, NULL, NULL, "0x8000" },
};

/* ---- model 802: battery base -------------------------------------------- */

enum {
	P802_ID, P802_L, P802_AHRTG, P802_WHRTG, P802_WCHARTEMAX, P802_WDISCHARTEMAX,
	P802_DISCHARTE, P802_SOCMAX, P802_SOCMIN, P802_SOCRSVMAX, P802_SOCRSVMIN, P802_SOC,
	P802_DOD, P802_SOH, P802_NCYC, P802_CHAST, P802_LOCREMCTL, P802_HB, P802_CTRLHB,
	P802_ALMRST, P802_TYP, P802_STATE, P802_STATEVND, P802_WARRDT, P802_EVT1, P802_EVT2,
	P802_EVTVND1, P802_EVTVND2, P802_V, P802_VMAX, P802_VMIN, P802_CELLVMAX,
	P802_CELLVMAXSTR, P802_CELLVMAXMOD, P802_CELLVMIN, P802_CELLVMINSTR, P802_CELLVMINMOD,
	P802_CELLVAVG, P802_A, P802_ACHAMAX, P802_ADISCHAMAX, P802_W, P802_REQINVSTATE,
	P802_REQW, P802_SETOP, P802_SETINVSTATE, P802_AHRTG_SF, P802_WHRTG_SF,
	P802_WCHADISCHAMAX_SF, P802_DISCHARTE_SF, P802_SOC_SF, P802_DOD_SF, P802_SOH_SF,
	P802_V_SF, P802_CELLV_SF, P802_A_SF, P802_AMAX_SF, P802_W_SF, P802_COUNT
};

static const struct mbmap_point model802_pts[P802_COUNT] = {
	[P802_ID] = { "ID", MBT_U16, 1, 0, M, NULL, NULL, "802" },
	[P802_L] = { "L", MBT_U16, 1, 0, M, NULL, NULL, "62" },
	[P802_AHRTG] = { "AHRtg", MBT_U16, 1, 0, M, "AHRtg_SF", "Ah",
			 "nominal capacity (soc.capacity); NA while unknown" },
	[P802_WHRTG] = { "WHRtg", MBT_U16, 1, 0, M, "WHRtg_SF", "Wh", "NA: not known to bmsd" },
	[P802_WCHARTEMAX] = { "WChaRteMax", MBT_U16, 1, 0, M, "WChaDisChaMax_SF", "W",
			      "charge current limit x pack voltage; NA while either is unknown" },
	[P802_WDISCHARTEMAX] = { "WDisChaRteMax", MBT_U16, 1, 0, M, "WChaDisChaMax_SF", "W",
				 "discharge current limit x pack voltage; NA while either is "
				 "unknown" },
	[P802_DISCHARTE] = { "DisChaRte", MBT_U16, 1, 0, 0, "DisChaRte_SF", "%WHRtg", "NA" },
	[P802_SOCMAX] = { "SoCMax", MBT_U16, 1, 0, 0, "SoC_SF", "%WHRtg", "NA" },
	[P802_SOCMIN] = { "SoCMin", MBT_U16, 1, 0, 0, "SoC_SF", "%WHRtg", "NA" },
	[P802_SOCRSVMAX] = { "SocRsvMax", MBT_U16, 1, 0, S, "SoC_SF", "%WHRtg",
			     "NA; writes refused" },
	[P802_SOCRSVMIN] = { "SoCRsvMin", MBT_U16, 1, 0, S, "SoC_SF", "%WHRtg",
			     "NA; writes refused" },
	[P802_SOC] = { "SoC", MBT_U16, 1, 0, M, "SoC_SF", "%WHRtg",
		       "state of charge; NA while unknown" },
	[P802_DOD] = { "DoD", MBT_U16, 1, 0, 0, "DoD_SF", "%", "100 % - SoC; NA while unknown" },
	[P802_SOH] = { "SoH", MBT_U16, 1, 0, 0, "SoH_SF", "%",
		       "state of health; NA while unknown" },
	[P802_NCYC] = { "NCyc", MBT_U32, 2, 0, 0, NULL, NULL,
			"full cycles counted (whole cycles)" },
	[P802_CHAST] = { "ChaSt", MBT_ENUM16, 1, 0, 0, NULL, NULL,
			 "1 OFF (contactors open), 4 CHARGING (connected, current above "
			 "+0.5 A), 3 DISCHARGING (below -0.5 A), 6 HOLDING (connected, in "
			 "between or current unknown), 5 FULL (end of charge); NA while "
			 "starting" },
	[P802_LOCREMCTL] = { "LocRemCtl", MBT_ENUM16, 1, 0, M, NULL, NULL,
			     "0 REMOTE when modbus.write_enable is true, else 1 LOCAL" },
	[P802_HB] = { "Hb", MBT_U16, 1, 0, 0, NULL, NULL,
		      "seconds of the monotonic clock, modulo 65536: advances every second" },
	[P802_CTRLHB] = { "CtrlHb", MBT_U16, 1, 0, S, NULL, NULL, "NA; writes refused" },
	[P802_ALMRST] = { "AlmRst", MBT_U16, 1, 0, W | M, NULL, NULL,
			  "write 1: reset latched faults and protections (bmsctl "
			  "reset-faults); reads 0" },
	[P802_TYP] = { "Typ", MBT_ENUM16, 1, 0, M, NULL, NULL, "4 LITHIUM_ION" },
	[P802_STATE] = { "State", MBT_ENUM16, 1, 0, M, NULL, NULL,
			 "2 INITIALIZING (starting, precharge), 4 STANDBY (open, ready), 1 "
			 "DISCONNECTED (open on a SetOp DISCONNECT), 3 CONNECTED, 6 SUSPENDING "
			 "(soft stop), 99 FAULT (fault, or no valid config)" },
	[P802_STATEVND] = { "StateVnd", MBT_ENUM16, 1, 0, 0, NULL, NULL,
			    "bmsd's own state (vendor block State)" },
	[P802_WARRDT] = { "WarrDt", MBT_U32, 2, 0, 0, NULL, NULL, "NA" },
	[P802_EVT1] = { "Evt1", MBT_BITS32, 2, 0, M, NULL, NULL,
			"active protections mapped to SunSpec events (table below); bit 0 "
			"also on an MCU link or Logic board fault" },
	[P802_EVT2] = { "Evt2", MBT_BITS32, 2, 0, M, NULL, NULL, "0 (reserved by SunSpec)" },
	[P802_EVTVND1] = { "EvtVnd1", MBT_BITS32, 2, 0, M, NULL, NULL,
			   "bit n: protection n active, any tier (vendor block protection "
			   "numbers)" },
	[P802_EVTVND2] = { "EvtVnd2", MBT_BITS32, 2, 0, M, NULL, NULL,
			   "bmsd faults (vendor block Faults)" },
	[P802_V] = { "V", MBT_U16, 1, 0, M, "V_SF", "V", "pack voltage; NA while unknown" },
	[P802_VMAX] = { "VMax", MBT_U16, 1, 0, 0, "V_SF", "V",
			"charge voltage limit (CVL); NA while unknown" },
	[P802_VMIN] = { "VMin", MBT_U16, 1, 0, 0, "V_SF", "V",
			"discharge voltage limit (DVL); NA while unknown" },
	[P802_CELLVMAX] = { "CellVMax", MBT_U16, 1, 0, 0, "CellV_SF", "V", "highest cell voltage" },
	[P802_CELLVMAXSTR] = { "CellVMaxStr", MBT_U16, 1, 0, 0, NULL, NULL, "1 (one string)" },
	[P802_CELLVMAXMOD] = { "CellVMaxMod", MBT_U16, 1, 0, 0, NULL, NULL,
			       "Logic board of the highest cell, from 1" },
	[P802_CELLVMIN] = { "CellVMin", MBT_U16, 1, 0, 0, "CellV_SF", "V", "lowest cell voltage" },
	[P802_CELLVMINSTR] = { "CellVMinStr", MBT_U16, 1, 0, 0, NULL, NULL, "1 (one string)" },
	[P802_CELLVMINMOD] = { "CellVMinMod", MBT_U16, 1, 0, 0, NULL, NULL,
			       "Logic board of the lowest cell, from 1" },
	[P802_CELLVAVG] = { "CellVAvg", MBT_U16, 1, 0, 0, "CellV_SF", "V", "mean cell voltage" },
	[P802_A] = { "A", MBT_S16, 1, 0, M, "A_SF", "A",
		     "pack current, + = charging; NA while unknown" },
	[P802_ACHAMAX] = { "AChaMax", MBT_U16, 1, 0, 0, "AMax_SF", "A",
			   "charge current limit (CCL); NA while unknown" },
	[P802_ADISCHAMAX] = { "ADisChaMax", MBT_U16, 1, 0, 0, "AMax_SF", "A",
			      "discharge current limit (DCL); NA while unknown" },
	[P802_W] = { "W", MBT_S16, 1, 0, M, "W_SF", "W",
		     "pack voltage x current, + = charging; NA while either is unknown" },
	[P802_REQINVSTATE] = { "ReqInvState", MBT_ENUM16, 1, 0, 0, NULL, NULL, "NA" },
	[P802_REQW] = { "ReqW", MBT_S16, 1, 0, 0, "W_SF", "W", "NA" },
	[P802_SETOP] = { "SetOp", MBT_ENUM16, 1, 0, W | M, NULL, NULL,
			 "write 1 CONNECT or 2 DISCONNECT (keep every contactor open); reads "
			 "the request in force" },
	[P802_SETINVSTATE] = { "SetInvState", MBT_ENUM16, 1, 0, S | M, NULL, NULL,
			       "NA; writes refused" },
	[P802_AHRTG_SF] = { "AHRtg_SF", MBT_SF, 1, 0, M, NULL, NULL,
			    "-1 up to 6553.4 Ah, 0 up to 65534 Ah, else 1 and 2" },
	[P802_WHRTG_SF] = { "WHRtg_SF", MBT_SF, 1, 0, M, NULL, NULL, "0" },
	[P802_WCHADISCHAMAX_SF] = { "WChaDisChaMax_SF", MBT_SF, 1, 0, M, NULL, NULL,
				    "from the config: the smallest exponent that holds the "
				    "largest pack voltage (boards x cells x safety_floor."
				    "cell_high_mV) times the largest sensor range" },
	[P802_DISCHARTE_SF] = { "DisChaRte_SF", MBT_SF, 1, 0, 0, NULL, NULL, "NA" },
	[P802_SOC_SF] = { "SoC_SF", MBT_SF, 1, 0, M, NULL, NULL, "-1 (0.1 %)" },
	[P802_DOD_SF] = { "DoD_SF", MBT_SF, 1, 0, 0, NULL, NULL, "-1 (0.1 %)" },
	[P802_SOH_SF] = { "SoH_SF", MBT_SF, 1, 0, 0, NULL, NULL, "-1 (0.1 %)" },
	[P802_V_SF] = { "V_SF", MBT_SF, 1, 0, M, NULL, NULL, "-1 (0.1 V; up to 6553.4 V)" },
	[P802_CELLV_SF] = { "CellV_SF", MBT_SF, 1, 0, M, NULL, NULL, "-3 (1 mV)" },
	[P802_A_SF] = { "A_SF", MBT_SF, 1, 0, M, NULL, NULL, "-1 (0.1 A; up to +-3276.7 A)" },
	[P802_AMAX_SF] = { "AMax_SF", MBT_SF, 1, 0, M, NULL, NULL, "-1 (0.1 A)" },
	[P802_W_SF] = { "W_SF", MBT_SF, 1, 0, 0, NULL, NULL,
			"from the config, as WChaDisChaMax_SF but for an int16" },
};

/* ---- model 805: lithium-ion module, one per Logic board ------------------ */

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

#undef S
#undef W
#undef M

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

const struct mbmap_table mbmap_model1 = { "common", 1, model1_pts, P1_COUNT };
const struct mbmap_table mbmap_model802 = { "battery", 802, model802_pts, P802_COUNT };
const struct mbmap_table mbmap_model805 = { "lithium-ion-module", 805, model805_pts, P805_COUNT };
const struct mbmap_table mbmap_model805_cell = { "lithium-ion-module-cell", 0,
						 model805_cell_pts, P805C_COUNT };
const struct mbmap_table mbmap_vendor = { "vendor", 0, vendor_pts, V_COUNT };
const struct mbmap_table mbmap_vendor_board = { "vendor-board", 0, vboard_pts, VB_COUNT };

static const char *const state_names[VIEW_ST_COUNT] = {
	[VIEW_ST_UNCONFIGURED] = "unconfigured", [VIEW_ST_STARTING] = "starting",
	[VIEW_ST_STANDBY] = "standby",           [VIEW_ST_PRECHARGE] = "precharge",
	[VIEW_ST_CONNECTED] = "connected",       [VIEW_ST_SOFT_STOP] = "soft-stop",
	[VIEW_ST_FAULT] = "fault",
};

_Static_assert(VIEW_ST_COUNT == 7, "a new view state needs its name and SunSpec State");
_Static_assert(PROT_COUNT <= MBMAP_VENDOR_PROTS, "the protection arrays are full");
_Static_assert(VIEW_BOARDS <= 32 && VIEW_CELLS <= 32, "bit masks of 32");

const char *mbmap_state_name(unsigned int s)
{
	return s < VIEW_ST_COUNT ? state_names[s] : NULL;
}

unsigned int mbmap_point_regs(const struct mbmap_point *p)
{
	return (unsigned int)p->size * (p->count ? p->count : 1u);
}

unsigned int mbmap_table_regs(const struct mbmap_table *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n; i++)
		n += mbmap_point_regs(&t->pts[i]);
	return n;
}

int mbmap_table_offset(const struct mbmap_table *t, const char *name)
{
	unsigned int off = 0;

	for (unsigned int i = 0; i < t->n; i++) {
		if (!strcmp(t->pts[i].name, name))
			return (int)off;
		off += mbmap_point_regs(&t->pts[i]);
	}
	return -1;
}

/* ---- encoding ------------------------------------------------------------ */

struct val {
	bool na;
	int64_t v;
	const char *s;
};

static inline void setv(struct val *o, int64_t v)
{
	o->na = false;
	o->v = v;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void put_words(uint16_t *dst, uint64_t v, unsigned int words)
{
	for (unsigned int i = 0; i < words; i++)
		dst[i] = (uint16_t)(v >> (16u * (words - 1u - i)));
}

/* One element of @p at @dst; numbers are clamped short of their NA value,
 * so that a real figure never reads as "not available". */
static void put(uint16_t *dst, const struct mbmap_point *p, const struct val *x)
{
	unsigned int i;

	switch (p->type) {
	case MBT_U16:
	case MBT_ENUM16:
		dst[0] = x->na ? 0xFFFFu : (uint16_t)clamp(x->v, 0, 0xFFFE);
		break;
	case MBT_BITS16:
		dst[0] = x->na ? 0xFFFFu : (uint16_t)x->v;
		break;
	case MBT_S16:
	case MBT_SF:
		dst[0] = x->na ? 0x8000u : (uint16_t)(int16_t)clamp(x->v, -32767, 32767);
		break;
	case MBT_U32:
		put_words(dst, x->na ? 0xFFFFFFFFu : (uint64_t)clamp(x->v, 0, 0xFFFFFFFEll), 2);
		break;
	case MBT_BITS32:
		put_words(dst, x->na ? 0xFFFFFFFFu : (uint32_t)x->v, 2);
		break;
	case MBT_S32:
		put_words(dst, x->na ? 0x80000000u
				     : (uint32_t)(int32_t)clamp(x->v, -0x7FFFFFFFll, 0x7FFFFFFFll),
			  2);
		break;
	case MBT_U64:
		put_words(dst, x->na ? UINT64_MAX : (uint64_t)clamp(x->v, 0, INT64_MAX), 4);
		break;
	case MBT_STRING:
		for (i = 0; i < p->size; i++) {
			uint8_t hi = 0, lo = 0;

			if (!x->na && x->s) {
				size_t len = strlen(x->s);

				hi = 2 * i < len ? (uint8_t)x->s[2 * i] : 0;
				lo = 2 * i + 1 < len ? (uint8_t)x->s[2 * i + 1] : 0;
			}
			dst[i] = (uint16_t)(hi << 8 | lo);
		}
		break;
	case MBT_PAD:
		dst[0] = 0x8000u;
		break;
	default:
		for (i = 0; i < p->size; i++)
			dst[i] = 0;
		break;
	}
}

/* ---- filling ------------------------------------------------------------- */

struct ctx {
	const struct mbmap *m;
	const struct view *v;
	bool disconnect;
	char opt[16];
};

static bool prot_active(const struct view *v, unsigned int id)
{
	uint8_t st = v->prot_state[id];

	return v->prot_enabled[id] &&
	       (st == PROT_ST_ACTIVE || st == PROT_ST_CLEARING || st == PROT_ST_LATCHED);
}

/* Which SunSpec Evt1 bits an active protection raises: its alarm bit at
 * tier alarm or critical, its warning bit at tier warning. */
static const struct {
	uint8_t prot;
	int8_t alarm_bit, warn_bit;
} evt1_map[] = {
	{ PROT_LOGIC_OFFLINE, 0, 0 },  { PROT_LINK_LOST, 0, 0 },     { PROT_EXT_OFFLINE, 0, 0 },
	{ PROT_CHG_OT, 1, 2 },         { PROT_DSG_OT, 1, 2 },        { PROT_CHG_UT, 3, 4 },
	{ PROT_DSG_UT, 3, 4 },         { PROT_CHG_OC, 5, 6 },        { PROT_DSG_OC, 7, 8 },
	{ PROT_CELL_OV, 9, 10 },       { PROT_PACK_OV, 9, 10 },      { PROT_CELL_UV, 11, 12 },
	{ PROT_PACK_UV, 11, 12 },      { PROT_DEEP_DISCHARGE, 13, 14 },
	{ PROT_CELL_SPREAD, 17, 17 },
};

int mbmap_evt1_bit(unsigned int prot, bool warning)
{
	for (size_t i = 0; i < ARRAY_SIZE(evt1_map); i++)
		if (evt1_map[i].prot == prot)
			return warning ? evt1_map[i].warn_bit : evt1_map[i].alarm_bit;
	return -1;
}

static uint32_t evt1(const struct view *v)
{
	uint32_t e = 0;

	for (size_t i = 0; i < ARRAY_SIZE(evt1_map); i++) {
		unsigned int id = evt1_map[i].prot;

		if (!prot_active(v, id))
			continue;
		e |= 1u << (v->prot_tier[id] == PROT_TIER_WARNING ? evt1_map[i].warn_bit
								  : evt1_map[i].alarm_bit);
	}
	if (v->faults & (BMSD_F_COMM | BMSD_F_LOGIC_OFFLINE))
		e |= 1u;
	return e;
}

static uint32_t evt_vnd1(const struct view *v)
{
	uint32_t e = 0;

	for (unsigned int i = 0; i < PROT_COUNT; i++)
		if (prot_active(v, i))
			e |= 1u << i;
	return e;
}

static int64_t sunspec_state(const struct view *v, bool disconnect)
{
	switch (v->state) {
	case VIEW_ST_STARTING:
	case VIEW_ST_PRECHARGE:
		return 2;
	case VIEW_ST_STANDBY:
		return disconnect ? 1 : 4;
	case VIEW_ST_CONNECTED:
		return 3;
	case VIEW_ST_SOFT_STOP:
		return 6;
	default:
		return 99;
	}
}

static bool chast(const struct view *v, int64_t *out)
{
	switch (v->state) {
	case VIEW_ST_UNCONFIGURED:
	case VIEW_ST_STARTING:
		return false;
	case VIEW_ST_CONNECTED:
	case VIEW_ST_SOFT_STOP:
		break;
	default:
		*out = 1;
		return true;
	}
	if (v->full)
		*out = 5;
	else if (v->current_valid && v->current_mA > IDLE_MA)
		*out = 4;
	else if (v->current_valid && v->current_mA < -IDLE_MA)
		*out = 3;
	else
		*out = 6;
	return true;
}

/* Round @v / 10^@div to the nearest, halves away from zero. */
static int64_t scale_down(int64_t v, unsigned int div)
{
	int64_t d = 1, q, r;

	if (div > 18)
		div = 18;
	while (div--)
		d *= 10;
	q = v / d;
	r = v % d;
	if (r < 0)
		r = -r;
	if (2 * r >= d)
		q += v < 0 ? -1 : 1;
	return q;
}

static int8_t ahrtg_sf(uint32_t mAh)
{
	/* counts = mAh / 10^(3 + sf) */
	int8_t sf = -1;

	while (sf < 4 && scale_down(mAh, (unsigned int)(3 + sf)) > 65534)
		sf++;
	return sf;
}

static bool cell_ok(uint16_t mV)
{
	return mV != BP_CELL_MV_NA;
}

static bool temp_ok(int16_t dC)
{
	return dC != BP_TEMP_DC_NA;
}

static void fill1(const struct ctx *c, unsigned int pt, struct val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case P1_ID:
		setv(o, 1);
		break;
	case P1_L:
		setv(o, MBMAP_L1);
		break;
	case P1_MN:
		setv(o, 0);
		o->s = c->m->set.manufacturer;
		break;
	case P1_MD:
		setv(o, 0);
		o->s = c->m->set.model;
		break;
	case P1_OPT:
		setv(o, 0);
		o->s = c->opt;
		break;
	case P1_VR:
		setv(o, 0);
		o->s = v->version;
		break;
	case P1_SN:
		setv(o, 0);
		o->s = v->serial;
		break;
	case P1_DA:
		setv(o, c->m->set.address);
		break;
	default:
		break;
	}
}

static void fill802(const struct ctx *c, unsigned int pt, struct val *o)
{
	const struct view *v = c->v;
	const struct mbmap_setup *s = &c->m->set;
	int64_t x;

	switch (pt) {
	case P802_ID:
		setv(o, 802);
		break;
	case P802_L:
		setv(o, MBMAP_L802);
		break;
	case P802_AHRTG:
		if (v->capacity_mAh)
			setv(o, scale_down(v->capacity_mAh,
					   (unsigned int)(3 + ahrtg_sf(v->capacity_mAh))));
		break;
	case P802_WCHARTEMAX:
	case P802_WDISCHARTEMAX:
		if (v->limits_valid && v->pack_valid) {
			/* mA x mV = uW; W counts are 10^(6 + sf) uW */
			uint64_t uW = (uint64_t)(pt == P802_WCHARTEMAX ? v->ccl_mA : v->dcl_mA) *
				      v->pack_mV;

			/* in mW, so that any product fits */
			setv(o, scale_down((int64_t)(uW / 1000u), (unsigned int)(3 + s->wmax_sf)));
		}
		break;
	case P802_SOC:
		if (v->soc_valid)
			setv(o, v->soc_dpct);
		break;
	case P802_DOD:
		if (v->soc_valid)
			setv(o, 1000 - (int64_t)(v->soc_dpct > 1000 ? 1000 : v->soc_dpct));
		break;
	case P802_SOH:
		if (v->soh_valid)
			setv(o, v->soh_dpct);
		break;
	case P802_NCYC:
		setv(o, v->counters.full_cycles_dcyc / 100u);
		break;
	case P802_CHAST:
		if (chast(v, &x))
			setv(o, x);
		break;
	case P802_LOCREMCTL:
		setv(o, s->write_enable ? 0 : 1);
		break;
	case P802_HB:
		setv(o, (int64_t)((v->at_ms / 1000u) & 0xFFFFu));
		break;
	case P802_ALMRST:
		setv(o, 0);
		break;
	case P802_TYP:
		setv(o, 4);
		break;
	case P802_STATE:
		setv(o, sunspec_state(v, c->disconnect));
		break;
	case P802_STATEVND:
		setv(o, v->state);
		break;
	case P802_EVT1:
		setv(o, evt1(v));
		break;
	case P802_EVT2:
		setv(o, 0);
		break;
	case P802_EVTVND1:
		setv(o, evt_vnd1(v));
		break;
	case P802_EVTVND2:
		setv(o, v->faults);
		break;
	case P802_V:
		if (v->pack_valid)
			setv(o, scale_down(v->pack_mV, 2));
		break;
	case P802_VMAX:
		if (v->limits_valid)
			setv(o, scale_down(v->cvl_mV, 2));
		break;
	case P802_VMIN:
		if (v->limits_valid)
			setv(o, scale_down(v->dvl_mV, 2));
		break;
	case P802_CELLVMAX:
		if (v->pack_valid && cell_ok(v->cell_max_mV))
			setv(o, v->cell_max_mV);
		break;
	case P802_CELLVMIN:
		if (v->pack_valid && cell_ok(v->cell_min_mV))
			setv(o, v->cell_min_mV);
		break;
	case P802_CELLVAVG:
		if (v->pack_valid && cell_ok(v->cell_mean_mV))
			setv(o, v->cell_mean_mV);
		break;
	case P802_CELLVMAXSTR:
	case P802_CELLVMINSTR:
		if (v->pack_valid)
			setv(o, 1);
		break;
	case P802_CELLVMAXMOD:
		if (v->pack_valid)
			setv(o, v->cell_max_board);
		break;
	case P802_CELLVMINMOD:
		if (v->pack_valid)
			setv(o, v->cell_min_board);
		break;
	case P802_A:
		if (v->current_valid)
			setv(o, scale_down(v->current_mA, 2));
		break;
	case P802_ACHAMAX:
		if (v->limits_valid)
			setv(o, scale_down(v->ccl_mA, 2));
		break;
	case P802_ADISCHAMAX:
		if (v->limits_valid)
			setv(o, scale_down(v->dcl_mA, 2));
		break;
	case P802_W:
		if (v->pack_valid && v->current_valid)
			setv(o, scale_down((int64_t)v->current_mA * v->pack_mV,
					   (unsigned int)(6 + s->w_sf)));
		break;
	case P802_SETOP:
		setv(o, c->disconnect ? 2 : 1);
		break;
	case P802_AHRTG_SF:
		setv(o, ahrtg_sf(v->capacity_mAh));
		break;
	case P802_WHRTG_SF:
		setv(o, 0);
		break;
	case P802_WCHADISCHAMAX_SF:
		setv(o, s->wmax_sf);
		break;
	case P802_SOC_SF:
	case P802_DOD_SF:
	case P802_SOH_SF:
	case P802_V_SF:
	case P802_A_SF:
	case P802_AMAX_SF:
		setv(o, -1);
		break;
	case P802_CELLV_SF:
		setv(o, -3);
		break;
	case P802_W_SF:
		setv(o, s->w_sf);
		break;
	default: break; /* not implemented: NA */
	}
}

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
		    unsigned int pt, struct val *o)
{
	const struct view_board *vb = &c->v->board[board];
	bool live = vb->present && vb->online;

	switch (pt) {
	case P805_ID:
		setv(o, 805);
		break;
	case P805_L:
		setv(o, MBMAP_L805(c->m->cells));
		break;
	case P805_STRIDX:
		setv(o, 1);
		break;
	case P805_MODIDX:
		setv(o, board + 1);
		break;
	case P805_NCELL:
		setv(o, c->m->cells);
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
			 unsigned int pt, struct val *o)
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

static void fillv(const struct ctx *c, unsigned int pt, unsigned int i, struct val *o)
{
	const struct view *v = c->v;
	const struct view_counters *k = &v->counters;

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
			     (c->disconnect ? 256 : 0) | (c->m->set.write_enable ? 512 : 0) |
			     (v->pack_valid ? 1024 : 0) | (v->current_valid ? 2048 : 0) |
			     (v->temp_valid ? 4096 : 0) | (v->soc_valid ? 8192 : 0) |
			     (v->soh_valid ? 16384 : 0) | (v->limits_valid ? 32768 : 0));
		break;
	case V_FAULTS:
		setv(o, v->faults);
		break;
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

static void fillvb(const struct ctx *c, unsigned int board, unsigned int pt, unsigned int i,
		   struct val *o)
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

static void opt_text(char *dst, size_t n, const char *fw)
{
	size_t k = 0;

	for (const char *s = "fw "; *s && k + 1 < n; s++)
		dst[k++] = *s;
	for (; *fw && k + 1 < n; fw++)
		dst[k++] = *fw;
	dst[k] = 0;
}

/* Write a SunSpec model at ss[*at] from @fn, which fills point @pt. */
#define EMIT_TABLE(dst, tab, call)                                                       \
	do {                                                                             \
		for (unsigned int pt_ = 0; pt_ < (tab)->n; pt_++) {                      \
			const struct mbmap_point *p_ = &(tab)->pts[pt_];                 \
			unsigned int cnt_ = p_->count ? p_->count : 1u;                  \
			for (unsigned int i_ = 0; i_ < cnt_; i_++) {                     \
				struct val o_ = { .na = true };                          \
				(void)i_;                                                \
				call;                                                    \
				put((dst), p_, &o_);                                     \
				(dst) += p_->size;                                       \
			}                                                                \
		}                                                                        \
	} while (0)

static void build(struct mbmap *m, const struct view *v, bool disconnect)
{
	struct ctx c = { .m = m, .v = v, .disconnect = disconnect };
	unsigned int boards = v->boards > VIEW_BOARDS ? VIEW_BOARDS : v->boards;
	unsigned int cells = v->cells_per_board > VIEW_CELLS ? VIEW_CELLS : v->cells_per_board;
	uint16_t *d = m->ss;
	uint16_t *vd;

	if (v->fw_version[0])
		opt_text(c.opt, sizeof(c.opt), v->fw_version);
	m->boards = boards;
	m->cells = cells;
	m->disconnect = disconnect;
	m->gen = v->gen;

	*d++ = 0x5375; /* "Su" */
	*d++ = 0x6e53; /* "nS" */
	EMIT_TABLE(d, &mbmap_model1, fill1(&c, pt_, &o_));
	EMIT_TABLE(d, &mbmap_model802, fill802(&c, pt_, &o_));
	for (unsigned int b = 0; b < boards; b++) {
		struct board_ext e;

		board_extremes(&v->board[b], cells, &e);
		EMIT_TABLE(d, &mbmap_model805, fill805(&c, b, &e, pt_, &o_));
		for (unsigned int cell = 0; cell < cells; cell++)
			EMIT_TABLE(d, &mbmap_model805_cell, fill805_cell(&c, b, cell, pt_, &o_));
	}
	*d++ = 0xFFFF;
	*d++ = 0;
	m->ss_len = (unsigned int)(d - m->ss);

	vd = m->vd;
	EMIT_TABLE(vd, &mbmap_vendor, fillv(&c, pt_, i_, &o_));
	while (vd < m->vd + MBMAP_VENDOR_BOARDS)
		*vd++ = 0;
	for (unsigned int b = 0; b < VIEW_BOARDS; b++) {
		vd = m->vd + MBMAP_VENDOR_BOARDS + b * MBMAP_VENDOR_BOARD_STRIDE;
		EMIT_TABLE(vd, &mbmap_vendor_board, fillvb(&c, b, pt_, i_, &o_));
	}
}

void mbmap_set_setup(struct mbmap *m, const struct mbmap_setup *s)
{
	m->set = *s;
	/* powers are W / 10^sf for sf 0..9 (mbmap_power_sf) */
	m->set.w_sf = s->w_sf < 0 ? 0 : s->w_sf > 9 ? 9 : s->w_sf;
	m->set.wmax_sf = s->wmax_sf < 0 ? 0 : s->wmax_sf > 9 ? 9 : s->wmax_sf;
	m->set.manufacturer[sizeof(m->set.manufacturer) - 1] = 0;
	m->set.model[sizeof(m->set.model) - 1] = 0;
}

void mbmap_init(struct mbmap *m, const struct mbmap_setup *s)
{
	static const struct view empty; /* every figure unknown, no boards */

	memset(m, 0, sizeof(*m));
	mbmap_set_setup(m, s);
	build(m, &empty, false);
	m->gen = 0;
}

void mbmap_build(struct mbmap *m, const struct view *v, bool disconnect)
{
	build(m, v, disconnect);
}

int8_t mbmap_power_sf(uint32_t max_pack_mV, uint32_t max_current_mA, uint32_t limit)
{
	/* W counts = uW / 10^(6 + sf) */
	uint64_t uW = (uint64_t)max_pack_mV * max_current_mA;
	int8_t sf = 0;

	while (sf < 9 && (uint64_t)scale_down((int64_t)(uW / 1000u), (unsigned int)(3 + sf)) >
				 limit)
		sf++;
	return sf;
}

/* ---- reading and writing ------------------------------------------------- */

int mbmap_read(const struct mbmap *m, unsigned int addr, unsigned int n, uint16_t *out)
{
	const uint16_t *src;

	if (n == 0 || n > MBMAP_READ_MAX)
		return MBMAP_EX_ILLEGAL_VALUE;
	if (addr >= MBMAP_SUNSPEC_BASE && addr + n <= MBMAP_SUNSPEC_BASE + m->ss_len)
		src = m->ss + (addr - MBMAP_SUNSPEC_BASE);
	else if (addr >= MBMAP_VENDOR_BASE && addr + n <= MBMAP_VENDOR_BASE + MBMAP_VENDOR_LEN)
		src = m->vd + (addr - MBMAP_VENDOR_BASE);
	else
		return MBMAP_EX_ILLEGAL_ADDRESS;
	memcpy(out, src, n * sizeof(*out));
	return MBMAP_EX_NONE;
}

enum wkind { WK_NONE, WK_RESET, WK_OPERATION };

struct wreg {
	enum wkind kind;
	const char *name;
};

/* Model 802 sits right after model 1, whatever the pack: its writable
 * points have fixed addresses. */
static unsigned int m802_base(void)
{
	return MBMAP_SUNSPEC_BASE + 2u + 2u + MBMAP_L1;
}

static struct wreg writable(unsigned int addr)
{
	unsigned int b802 = m802_base();
	static const struct {
		const struct mbmap_table *t;
		unsigned int base;
		const char *name;
		enum wkind kind;
	} regs[] = {
		{ &mbmap_model802, 0, "AlmRst", WK_RESET },
		{ &mbmap_model802, 0, "SetOp", WK_OPERATION },
		{ &mbmap_vendor, MBMAP_VENDOR_BASE, "FaultReset", WK_RESET },
		{ &mbmap_vendor, MBMAP_VENDOR_BASE, "Operation", WK_OPERATION },
	};

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		unsigned int base = regs[i].base ? regs[i].base : b802;

		if (addr == base + (unsigned int)mbmap_table_offset(regs[i].t, regs[i].name))
			return (struct wreg){ regs[i].kind, regs[i].name };
	}
	return (struct wreg){ WK_NONE, NULL };
}

static int value_cmd(enum wkind k, uint16_t val, enum mbmap_cmd *cmd)
{
	if (k == WK_RESET && val == 1) {
		*cmd = MBMAP_CMD_RESET_FAULTS;
		return 0;
	}
	if (k == WK_OPERATION && (val == 1 || val == 2)) {
		*cmd = val == 1 ? MBMAP_CMD_CONNECT : MBMAP_CMD_DISCONNECT;
		return 0;
	}
	return -1;
}

/* The request in force shows at once in SetOp and Operation, before the
 * next build. */
static void show_operation(struct mbmap *m, bool disconnect)
{
	int o802 = mbmap_table_offset(&mbmap_model802, "SetOp");
	int ov = mbmap_table_offset(&mbmap_vendor, "Operation");

	m->disconnect = disconnect;
	m->ss[m802_base() - MBMAP_SUNSPEC_BASE + (unsigned int)o802] = disconnect ? 2 : 1;
	m->vd[ov] = disconnect ? 2 : 1;
}

static size_t exception(uint8_t *rsp, uint8_t fc, int code)
{
	rsp[0] = (uint8_t)(fc | 0x80u);
	rsp[1] = (uint8_t)code;
	return 2;
}

static int do_writes(struct mbmap *m, unsigned int addr, unsigned int n, const uint8_t *data,
		     const struct mbmap_ctl *ctl)
{
	enum mbmap_cmd cmd;

	if (addr + n > 0x10000u)
		return MBMAP_EX_ILLEGAL_ADDRESS;
	for (unsigned int i = 0; i < n; i++)
		if (writable(addr + i).kind == WK_NONE)
			return MBMAP_EX_ILLEGAL_ADDRESS;
	for (unsigned int i = 0; i < n; i++) {
		uint16_t val = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);

		if (value_cmd(writable(addr + i).kind, val, &cmd))
			return MBMAP_EX_ILLEGAL_VALUE;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint16_t val = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
		struct wreg w = writable(addr + i);

		value_cmd(w.kind, val, &cmd);
		if (!ctl || !ctl->run || ctl->run(ctl->arg, cmd, w.name, addr + i) < 0)
			return MBMAP_EX_DEVICE_FAILURE;
		if (cmd != MBMAP_CMD_RESET_FAULTS)
			show_operation(m, cmd == MBMAP_CMD_DISCONNECT);
	}
	return MBMAP_EX_NONE;
}

size_t mbmap_pdu(struct mbmap *m, const uint8_t *req, size_t n, uint8_t *rsp,
		 const struct mbmap_ctl *ctl)
{
	uint8_t fc;
	unsigned int addr, qty;
	uint16_t regs[MBMAP_READ_MAX];
	int ex;

	if (!n)
		return 0;
	fc = req[0];
	switch (fc) {
	case 3:
	case 4:
		if (n != 5)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		addr = (unsigned int)(req[1] << 8 | req[2]);
		qty = (unsigned int)(req[3] << 8 | req[4]);
		ex = mbmap_read(m, addr, qty, regs);
		if (ex)
			return exception(rsp, fc, ex);
		rsp[0] = fc;
		rsp[1] = (uint8_t)(2 * qty);
		for (unsigned int i = 0; i < qty; i++) {
			rsp[2 + 2 * i] = (uint8_t)(regs[i] >> 8);
			rsp[3 + 2 * i] = (uint8_t)regs[i];
		}
		return 2 + 2 * qty;
	case 6:
		if (!m->set.write_enable)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_FUNCTION);
		if (n != 5)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		addr = (unsigned int)(req[1] << 8 | req[2]);
		ex = do_writes(m, addr, 1, req + 3, ctl);
		if (ex)
			return exception(rsp, fc, ex);
		memcpy(rsp, req, 5);
		return 5;
	case 16:
		if (!m->set.write_enable)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_FUNCTION);
		if (n < 6)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		addr = (unsigned int)(req[1] << 8 | req[2]);
		qty = (unsigned int)(req[3] << 8 | req[4]);
		if (qty < 1 || qty > MBMAP_WRITE_MAX || req[5] != 2 * qty || n != 6 + 2 * qty)
			return exception(rsp, fc, MBMAP_EX_ILLEGAL_VALUE);
		ex = do_writes(m, addr, qty, req + 6, ctl);
		if (ex)
			return exception(rsp, fc, ex);
		memcpy(rsp, req, 5);
		return 5;
	default:
		return exception(rsp, fc, MBMAP_EX_ILLEGAL_FUNCTION);
	}
}

/* ---- framing ------------------------------------------------------------- */

uint16_t mbmap_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (unsigned int b = 0; b < 8; b++)
			crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
	}
	return crc;
}

int mbmap_rtu_len(const uint8_t *f, size_t n)
{
	int len;

	if (n < 2)
		return 0;
	switch (f[1]) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 8:
		return 8;
	case 7:
	case 11:
	case 12:
	case 17:
		return 4;
	case 15:
	case 16:
		if (n < 7)
			return 0;
		len = 9 + f[6];
		break;
	case 20:
	case 21:
		if (n < 3)
			return 0;
		len = 5 + f[2];
		break;
	case 22:
		return 10;
	case 23:
		if (n < 11)
			return 0;
		len = 13 + f[10];
		break;
	case 24:
		return 6;
	case 43:
		if (n < 3)
			return 0;
		return f[2] == 14 ? 7 : -1;
	default:
		return -1;
	}
	return len <= (int)MBMAP_RTU_MAX ? len : -1;
}

static bool crc_ok(const uint8_t *f, size_t len)
{
	uint16_t crc = mbmap_crc16(f, len - 2);

	return f[len - 2] == (uint8_t)crc && f[len - 1] == (uint8_t)(crc >> 8);
}

enum mbmap_scan mbmap_rtu_scan(const uint8_t *buf, size_t n, size_t *len)
{
	int l = mbmap_rtu_len(buf, n);

	if (l < 0)
		return MBMAP_SCAN_BAD;
	if (l == 0 || (size_t)l > n)
		return MBMAP_SCAN_MORE;
	if (!crc_ok(buf, (size_t)l))
		return MBMAP_SCAN_BAD;
	*len = (size_t)l;
	return MBMAP_SCAN_FRAME;
}

int mbmap_tcp_len(const uint8_t *buf, size_t n)
{
	unsigned int len;

	if (n >= 4 && (buf[2] || buf[3]))
		return -1;
	if (n < 6)
		return 0;
	len = (unsigned int)(buf[4] << 8 | buf[5]);
	if (len < 2 || len > 1u + MBMAP_PDU_MAX)
		return -1;
	return n >= 6u + len ? (int)(6u + len) : 0;
}
