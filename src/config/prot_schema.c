/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keys of the protections section: the safety-floor margins, then one
 * sub-section per protection. Every sub-section lands in a struct cfg_prot;
 * its threshold keys carry the protection's unit in their names.
 */
#include <stdio.h>

#include "cfg_keys.h"
#include "prot_ids.h"

/* ---- value names -------------------------------------------------------- */

static const struct cfg_enum_name tier_names[] = {
	{ "warning", PROT_TIER_WARNING, "reported; the warning output and bits" },
	{ "alarm", PROT_TIER_ALARM, "reported; the alarm output and bits" },
	{ "critical", PROT_TIER_CRITICAL,
	  "reported as critical; with open-all the contactors open at once, without a soft "
	  "stop; critical cell-voltage, temperature and current thresholds also tighten the "
	  "safety floor" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name action_names[] = {
	{ "report", PROT_ACT_REPORT, "event, status and alarm bits only" },
	{ "derate", PROT_ACT_DERATE, "the charge and discharge current limits are halved" },
	{ "block-charge", PROT_ACT_BLOCK_CHARGE,
	  "the charge current limit is 0 and the charge path opens after a soft stop" },
	{ "block-discharge", PROT_ACT_BLOCK_DISCHARGE,
	  "the discharge current limit is 0 and the discharge path opens after a soft stop" },
	{ "open-all", PROT_ACT_OPEN_ALL,
	  "every contactor opens: after a soft stop, or at once when the tier is critical" },
	{ NULL, 0, NULL },
};

/* ---- rules inside one protection --------------------------------------- */

#define CP struct cfg_prot

/* A "high" protection sets at or above set and clears below clear; a "low"
 * one sets at or below set and clears above clear. An equal pair would
 * leave no hysteresis, and a reversed one would never clear. */
static int side_check(const void *sec, bool high, const char *unit, char *msg, size_t n,
		      uint32_t *off)
{
	const struct cfg_prot *p = sec;

	if (high ? p->clear < p->set : p->clear > p->set)
		return 0;
	snprintf(msg, n, "clear_%s (%ld) must be %s set_%s (%ld)", unit, (long)p->clear,
		 high ? "below" : "above", unit, (long)p->set);
	*off = OFF(CP, clear);
	return 1;
}

#define SIDE_CHECK(name, high, unit)                                                     \
	static int name(const void *sec, char *msg, size_t n, uint32_t *off)             \
	{                                                                                \
		return side_check(sec, high, unit, msg, n, off);                         \
	}
SIDE_CHECK(high_mV, true, "mV")
SIDE_CHECK(low_mV, false, "mV")
SIDE_CHECK(high_mA, true, "mA")
SIDE_CHECK(high_dC, true, "dC")
SIDE_CHECK(low_dC, false, "dC")
SIDE_CHECK(high_pct, true, "pct")

/* ---- rows --------------------------------------------------------------- */

#define DELAY_MAX 3600000 /* one hour */

#define P_ENABLE(d)                                                                      \
	{ .name = "enable", .type = CFG_T_BOOL, .off = OFF(CP, enable), .size = SZ(CP, enable), \
	  .def = d, .desc = "the protection is evaluated; false keeps it clear" }
#define P_THRESH(nm, m, lo, hi, u, d, text)                                              \
	{ .name = nm, .type = CFG_T_INT, .flags = CFG_K_SIGNED, .off = OFF(CP, m),         \
	  .size = SZ(CP, m), .min = lo, .max = hi, .unit = u, .def = d, .desc = text }
#define P_DELAYS(sd, cd)                                                                 \
	UINT(CP, set_delay_ms, 0, DELAY_MAX, "ms", sd,                                   \
	     "the condition must hold this long before the protection sets"),            \
	UINT(CP, clear_delay_ms, 0, DELAY_MAX, "ms", cd,                                 \
	     "the condition must stay gone this long before the protection clears")
#define P_LATCH(d)                                                                       \
	BOOL(CP, latch, d,                                                               \
	     "once set, the protection stays in force after its condition is gone, until a " \
	     "fault reset")
#define P_TIER(d) ENUM(CP, tier, 0, tier_names, d, "severity")
#define P_ACTION(d) ENUM(CP, action, 0, action_names, d, "what the protection does while in force")

/* A threshold protection: enable, set, clear, delays, latch, tier, action. */
#define P_THRESHOLD(u, slo, shi, clo, chi, en, s, c, sd, cd, l, t, a, stext, ctext)  \
	P_ENABLE(en), P_THRESH("set_" u, set, slo, shi, u, s, stext),                   \
		P_THRESH("clear_" u, clear, clo, chi, u, c, ctext), P_DELAYS(sd, cd),    \
		P_LATCH(l), P_TIER(t), P_ACTION(a), END
/* A condition protection: no thresholds. */
#define P_CONDITION(en, sd, cd, l, t, a)                                                 \
	P_ENABLE(en), P_DELAYS(sd, cd), P_LATCH(l), P_TIER(t), P_ACTION(a), END

static const struct cfg_key cell_ov_keys[] = {
	P_THRESHOLD("mV", 0, 16382, 0, 16382, "true", "3650", "3450", "1000",
		    "5000", "false", "critical", "block-charge",
		    "sets when the highest cell voltage is at or above this",
		    "clears when the highest cell voltage is below this"),
};

static const struct cfg_key cell_uv_keys[] = {
	P_THRESHOLD("mV", 0, 16382, 0, 16382, "true", "2800", "3000", "1000",
		    "5000", "false", "critical", "block-discharge",
		    "sets when the lowest cell voltage is at or below this",
		    "clears when the lowest cell voltage is above this"),
};

static const struct cfg_key pack_ov_keys[] = {
	P_THRESHOLD("mV", 0, 4000000, 0, 4000000, "false", "57600", "54400",
		    "1000", "5000", "false", "alarm", "block-charge",
		    "sets when the pack voltage (sum of the cells) is at or above this; the "
		    "default suits 16 LFP cells",
		    "clears when the pack voltage is below this"),
};

static const struct cfg_key pack_uv_keys[] = {
	P_THRESHOLD("mV", 0, 4000000, 0, 4000000, "false", "44800", "48000",
		    "1000", "5000", "false", "alarm", "block-discharge",
		    "sets when the pack voltage (sum of the cells) is at or below this; the "
		    "default suits 16 LFP cells",
		    "clears when the pack voltage is above this"),
};

static const struct cfg_key chg_oc_keys[] = {
	P_THRESHOLD("mA", 1, 8388607, 0, 8388607, "true", "100000", "90000",
		    "2000", "10000", "false", "alarm", "block-charge",
		    "sets when the charging current is at or above this",
		    "clears when the charging current is below this"),
};

static const struct cfg_key dsg_oc_keys[] = {
	P_THRESHOLD("mA", 1, 8388607, 0, 8388607, "true", "200000",
		    "180000", "2000", "10000", "false", "alarm", "block-discharge",
		    "sets when the discharging current (a magnitude) is at or above this",
		    "clears when the discharging current is below this"),
};

static const struct cfg_key chg_ot_keys[] = {
	P_THRESHOLD("dC", -500, 2000, -500, 2000, "true", "550", "500",
		    "5000", "10000", "false", "alarm", "block-charge",
		    "sets when the highest cell temperature is at or above this",
		    "clears when the highest cell temperature is below this"),
};

static const struct cfg_key chg_ut_keys[] = {
	P_THRESHOLD("dC", -500, 2000, -500, 2000, "true", "0", "30", "5000",
		    "10000", "false", "alarm", "block-charge",
		    "sets when the lowest cell temperature is at or below this",
		    "clears when the lowest cell temperature is above this"),
};

static const struct cfg_key dsg_ot_keys[] = {
	P_THRESHOLD("dC", -500, 2000, -500, 2000, "true", "600", "550",
		    "5000", "10000", "false", "critical", "open-all",
		    "sets when the highest cell temperature is at or above this",
		    "clears when the highest cell temperature is below this"),
};

static const struct cfg_key dsg_ut_keys[] = {
	P_THRESHOLD("dC", -500, 2000, -500, 2000, "true", "-200", "-150",
		    "5000", "10000", "false", "alarm", "block-discharge",
		    "sets when the lowest cell temperature is at or below this",
		    "clears when the lowest cell temperature is above this"),
};

static const struct cfg_key spread_keys[] = {
	P_THRESHOLD("mV", 1, 16382, 0, 16382, "true", "300", "200", "30000",
		    "30000", "false", "warning", "report",
		    "sets when the highest minus the lowest cell voltage is at or above this",
		    "clears when the spread is below this"),
};

static const struct cfg_key humidity_keys[] = {
	P_THRESHOLD("pct", 1, 100, 0, 100, "false", "85", "80", "60000",
		    "60000", "false", "warning", "report",
		    "sets when the relative humidity, %RH, is at or above this",
		    "clears when the relative humidity is below this"),
};

/* Deep discharge always latches: it has no latch key. */
static const struct cfg_key deep_keys[] = {
	P_ENABLE("true"),
	P_THRESH("set_mV", set, 0, 16382, "mV", "2000",
		 "sets when the lowest cell voltage is at or below this; always latched"),
	P_THRESH("clear_mV", clear, 0, 16382, "mV", "2500",
		 "a reset clears the latch only once the lowest cell voltage has been above this "
		 "for clear_delay_ms"),
	P_DELAYS("10000", "10000"),
	P_TIER("critical"),
	P_ACTION("open-all"),
	END,
};

static const struct cfg_key logic_offline_keys[] = {
	P_CONDITION("true", "0", "5000", "false", "alarm", "open-all"),
};
static const struct cfg_key sensor_keys[] = {
	P_CONDITION("true", "2000", "5000", "false", "alarm", "open-all"),
};
static const struct cfg_key link_lost_keys[] = {
	P_CONDITION("true", "0", "2000", "false", "critical", "open-all"),
};
static const struct cfg_key ext_offline_keys[] = {
	P_CONDITION("false", "0", "5000", "false", "alarm", "open-all"),
};
static const struct cfg_key feedback_keys[] = {
	P_CONDITION("true", "0", "0", "true", "alarm", "open-all"),
};
static const struct cfg_key welded_keys[] = {
	P_CONDITION("true", "0", "0", "true", "critical", "open-all"),
};
static const struct cfg_key precharge_keys[] = {
	P_CONDITION("true", "0", "0", "true", "alarm", "open-all"),
};
static const struct cfg_key heater_keys[] = {
	P_CONDITION("true", "0", "0", "false", "warning", "report"),
};
static const struct cfg_key estop_keys[] = {
	P_CONDITION("true", "0", "0", "true", "critical", "open-all"),
};
static const struct cfg_key insulation_keys[] = {
	P_CONDITION("true", "1000", "5000", "true", "critical", "open-all"),
};
static const struct cfg_key floor_trip_keys[] = {
	P_CONDITION("true", "0", "0", "true", "critical", "open-all"),
};

#undef CP

/* ---- the section -------------------------------------------------------- */

#define ST struct cfg_protections
#define PSEC(m, keys, chk, text)                                                         \
	{ .name = #m, .type = CFG_T_SECTION, .off = OFF(ST, m), .size = SZ(ST, m),         \
	  .sub = keys, .xcheck = chk, .desc = text }

const struct cfg_key cfg_protections_keys[] = {
	UINT(ST, floor_margin_mV, 0, 1000, "mV", "50",
	     "the safety floor's cell-voltage limits sit this far beyond an enabled critical "
	     "cell over- or under-voltage threshold"),
	UINT(ST, floor_margin_dC, 0, 500, "dC", "50",
	     "the safety floor's temperature limits sit this far beyond the widest enabled "
	     "critical over- or under-temperature threshold"),
	UINT(ST, floor_margin_pct, 0, 1000, "pct", "10",
	     "the safety floor's short-circuit current sits this many percent above the widest "
	     "enabled critical over-current threshold"),
	PSEC(cell_over_voltage, cell_ov_keys, high_mV,
	     "cell over-voltage, on the highest cell voltage"),
	PSEC(cell_under_voltage, cell_uv_keys, low_mV,
	     "cell under-voltage, on the lowest cell voltage"),
	PSEC(pack_over_voltage, pack_ov_keys, high_mV,
	     "pack over-voltage, on the sum of the cell voltages; off by default: set it for "
	     "the pack's cell count"),
	PSEC(pack_under_voltage, pack_uv_keys, low_mV,
	     "pack under-voltage, on the sum of the cell voltages; off by default: set it for "
	     "the pack's cell count"),
	PSEC(charge_over_current, chg_oc_keys, high_mA,
	     "over-current in charge (positive current)"),
	PSEC(discharge_over_current, dsg_oc_keys, high_mA,
	     "over-current in discharge (negative current, compared as a magnitude)"),
	PSEC(charge_over_temperature, chg_ot_keys, high_dC,
	     "over-temperature for charging, on the highest cell temperature"),
	PSEC(charge_under_temperature, chg_ut_keys, low_dC,
	     "under-temperature for charging, on the lowest cell temperature"),
	PSEC(discharge_over_temperature, dsg_ot_keys, high_dC,
	     "over-temperature for discharging, on the highest cell temperature"),
	PSEC(discharge_under_temperature, dsg_ut_keys, low_dC,
	     "under-temperature for discharging, on the lowest cell temperature"),
	PSEC(cell_imbalance, spread_keys, high_mV,
	     "cell voltage spread: highest minus lowest cell voltage"),
	PSEC(logic_offline, logic_offline_keys, NULL,
	     "a BMS Logic board is offline (after pack.logic_offline_ms)"),
	PSEC(sensor_fault, sensor_keys, NULL,
	     "a temperature sensor is open or shorted, or a current sensor is out of range or "
	     "implausible"),
	PSEC(mcu_link_lost, link_lost_keys, NULL,
	     "the bridge MCU is silent (after link.stale_ms)"),
	PSEC(external_offline, ext_offline_keys, NULL,
	     "the external equipment (inverter keep-alive) is silent; off by default"),
	PSEC(contactor_feedback, feedback_keys, NULL,
	     "a contactor's feedback input disagrees with its command"),
	PSEC(humidity, humidity_keys, high_pct,
	     "humidity, on the humidity sensor (main-2.1); off by default"),
	PSEC(deep_discharge, deep_keys, low_mV,
	     "deep discharge, on the lowest cell voltage: always latched, so the contactors "
	     "stay open until a fault reset"),
	PSEC(contactor_welded, welded_keys, NULL,
	     "a contactor's feedback reports it closed while commanded open"),
	PSEC(precharge_failed, precharge_keys, NULL,
	     "the precharge sequence failed after its retries"),
	PSEC(heater_fault, heater_keys, NULL, "the heater ran too long without warming the pack"),
	PSEC(emergency_stop, estop_keys, NULL, "the emergency-stop input is active"),
	PSEC(insulation_fault, insulation_keys, NULL,
	     "the insulation monitor input reports a fault"),
	PSEC(safety_floor_trip, floor_trip_keys, NULL,
	     "the MCU's safety floor tripped and opened every relay"),
	END,
};

/* ---- rules between protections ------------------------------------------ */

/* @lo must set below @hi when both are enabled: otherwise both would be in
 * force at once over a band of values. */
static int order_check(const struct cfg_protections *c, const struct cfg_prot *lo,
		       const struct cfg_prot *hi, const char *lo_key, const char *hi_key,
		       const char *unit, char *msg, size_t n, uint32_t *off)
{
	if (!lo->enable || !hi->enable || lo->set < hi->set)
		return 0;
	/* both keys in full: the blamed one may be a default, not in the file */
	snprintf(msg, n, "%s.set_%s (%ld) must be below %s.set_%s (%ld)", lo_key, unit,
		 (long)lo->set, hi_key, unit, (long)hi->set);
	*off = (uint32_t)((const char *)&lo->set - (const char *)c);
	return 1;
}

int cfg_protections_xcheck(const void *sec, char *msg, size_t n, uint32_t *off)
{
	const struct cfg_protections *c = sec;

#define ORDER(lo, hi, u)                                                                 \
	do {                                                                             \
		if (order_check(c, &c->lo, &c->hi, #lo, #hi, u, msg, n, off))           \
			return 1;                                                        \
	} while (0)
	ORDER(cell_under_voltage, cell_over_voltage, "mV");
	ORDER(pack_under_voltage, pack_over_voltage, "mV");
	ORDER(charge_under_temperature, charge_over_temperature, "dC");
	ORDER(discharge_under_temperature, discharge_over_temperature, "dC");
	ORDER(deep_discharge, cell_under_voltage, "mV");
#undef ORDER
	return 0;
}
#undef ST
