/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap_sunspec.h"

#include "mbmap_point_impl.h"

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

#undef S
#undef W
#undef M

const struct mbmap_table mbmap_model1 = { "common", 1, model1_pts, P1_COUNT };
const struct mbmap_table mbmap_model802 = { "battery", 802, model802_pts, P802_COUNT };

/* ---- filling ------------------------------------------------------------- */

struct ctx {
	const struct mbmap_setup *set;
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

_Static_assert(VIEW_ST_COUNT == 7, "a new view state needs its SunSpec State");

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

static int8_t ahrtg_sf(uint32_t mAh)
{
	/* counts = mAh / 10^(3 + sf) */
	int8_t sf = -1;

	while (sf < 4 && scale_down(mAh, (unsigned int)(3 + sf)) > 65534)
		sf++;
	return sf;
}

static void fill1(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
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
		o->s = c->set->manufacturer;
		break;
	case P1_MD:
		setv(o, 0);
		o->s = c->set->model;
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
		setv(o, c->set->address);
		break;
	default:
		break;
	}
}

/* ID and L, and the scale factors: fixed, from the setup, or from the
 * capacity (AHRtg_SF). */
static void fill802_head(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;
	const struct mbmap_setup *s = c->set;

	switch (pt) {
	case P802_ID:
		setv(o, 802);
		break;
	case P802_L:
		setv(o, MBMAP_L802);
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
	default:
		break;
	}
}

/* Capacity, state of charge and health, cycles. */
static void fill802_charge(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
	case P802_AHRTG:
		if (v->capacity_mAh)
			setv(o, scale_down(v->capacity_mAh,
					   (unsigned int)(3 + ahrtg_sf(v->capacity_mAh))));
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
	default:
		break;
	}
}

/* State, events and the control points. */
static void fill802_state(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;
	const struct mbmap_setup *s = c->set;
	int64_t x;

	switch (pt) {
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
	case P802_SETOP:
		setv(o, c->disconnect ? 2 : 1);
		break;
	default:
		break;
	}
}

/* Pack and cell voltages, and the voltage limits. */
static void fill802_volts(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;

	switch (pt) {
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
	case P802_CELLVMAXSTR:
	case P802_CELLVMINSTR:
		if (v->pack_valid)
			setv(o, 1);
		break;
	case P802_CELLVMAXMOD:
		if (v->pack_valid)
			setv(o, v->cell_max_board);
		break;
	case P802_CELLVMIN:
		if (v->pack_valid && cell_ok(v->cell_min_mV))
			setv(o, v->cell_min_mV);
		break;
	case P802_CELLVMINMOD:
		if (v->pack_valid)
			setv(o, v->cell_min_board);
		break;
	case P802_CELLVAVG:
		if (v->pack_valid && cell_ok(v->cell_mean_mV))
			setv(o, v->cell_mean_mV);
		break;
	default:
		break;
	}
}

/* Current and power, and their limits. */
static void fill802_power(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	const struct view *v = c->v;
	const struct mbmap_setup *s = c->set;

	switch (pt) {
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
	default:
		break;
	}
}

/* Each group fills its own points and leaves the others alone; a point
 * that no group fills (one that bmsd does not implement) stays NA. */
static void fill802(const struct ctx *c, unsigned int pt, struct mbmap_val *o)
{
	fill802_head(c, pt, o);
	fill802_charge(c, pt, o);
	fill802_state(c, pt, o);
	fill802_volts(c, pt, o);
	fill802_power(c, pt, o);
}

/* ---- building ------------------------------------------------------------ */

/* Model 1's Opt: the bridge firmware, "fw 1.2.3". */
static void opt_text(char *dst, size_t n, const char *fw)
{
	size_t k = 0;

	for (const char *s = "fw "; *s && k + 1 < n; s++)
		dst[k++] = *s;
	for (; *fw && k + 1 < n; fw++)
		dst[k++] = *fw;
	dst[k] = 0;
}

uint16_t *mbmap_sunspec_build(uint16_t *d, const struct mbmap_setup *s, const struct view *v,
			      bool disconnect)
{
	struct ctx c = { .set = s, .v = v, .disconnect = disconnect };

	if (v->fw_version[0])
		opt_text(c.opt, sizeof(c.opt), v->fw_version);
	EMIT_TABLE(d, &mbmap_model1, fill1(&c, pt_, &o_));
	EMIT_TABLE(d, &mbmap_model802, fill802(&c, pt_, &o_));
	return d;
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
