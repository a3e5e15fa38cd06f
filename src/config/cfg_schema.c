/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The schema of bmsd.yaml: one row per key. The parser, the defaults, the
 * range checks and the key reference of bmsd.yaml(5) all come from here.
 * A row names its field by offsetof() in the section's struct, and its key
 * is the field's own name, so the two cannot drift apart.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cfg_keys.h"


/* ---- value names -------------------------------------------------------- */

static const struct cfg_enum_name board_names[] = {
	{ "main-2r", PROFILE_MAIN_2R, "BMS Main 2R: 4 relays (X4-X7), 2 current sensors (X8, X9), "
	  "2 NTCs (X10), 4 DI + 4 DO (X1), Logic bus (X11), CAN2 (X12), CAN1 + RS-485-1 (X13)" },
	{ "main-2.1", PROFILE_MAIN_2_1, "BMS Main 2.1: 4 relays (P8, P9, P6, P7), 1 current "
	  "sensor (P12), humidity and 1 NTC (P13), 4 DI + 4 DO (P11), Logic bus (P15), CAN + "
	  "RS-485 (P14)" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name relay_role_names[] = {
	{ "none", CFG_RELAY_NONE, "not used; stays open" },
	{ "charge", CFG_RELAY_CHARGE, "charge contactor: closes the charge path" },
	{ "discharge", CFG_RELAY_DISCHARGE, "discharge contactor: closes the load path" },
	{ "main", CFG_RELAY_MAIN, "main contactor: one path for charge and discharge" },
	{ "precharge", CFG_RELAY_PRECHARGE, "precharge contactor, closed before the main or "
	  "discharge contactor" },
	{ "allow-charging", CFG_RELAY_ALLOW_CHARGING, "\"allow charging\" signal to the charger; "
	  "the only relay that opens at the end of a charge" },
	{ "heater", CFG_RELAY_HEATER, "pack heater" },
	{ "alarm", CFG_RELAY_ALARM, "alarm output (siren, lamp); may be given to several relays" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name input_role_names[] = {
	{ "none", CFG_IN_NONE, "not used" },
	{ "charger-connected", CFG_IN_CHARGER_CONNECTED, "the charger is connected" },
	{ "power-request", CFG_IN_POWER_REQUEST, "power up (active) or down (inactive) request" },
	{ "inhibit-charge", CFG_IN_INHIBIT_CHARGE, "charging is not allowed while active" },
	{ "inhibit-discharge", CFG_IN_INHIBIT_DISCHARGE,
	  "discharging is not allowed while active" },
	{ "emergency-stop", CFG_IN_EMERGENCY_STOP, "emergency stop: every contactor opens" },
	{ "insulation-fault", CFG_IN_INSULATION_FAULT, "the insulation monitor reports a fault" },
	{ "feedback-relay1", CFG_IN_FEEDBACK_RELAY1, "auxiliary contact of relay 1's contactor" },
	{ "feedback-relay2", CFG_IN_FEEDBACK_RELAY2, "auxiliary contact of relay 2's contactor" },
	{ "feedback-relay3", CFG_IN_FEEDBACK_RELAY3, "auxiliary contact of relay 3's contactor" },
	{ "feedback-relay4", CFG_IN_FEEDBACK_RELAY4, "auxiliary contact of relay 4's contactor" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name output_role_names[] = {
	{ "none", CFG_OUT_NONE, "not used; off" },
	{ "alarm", CFG_OUT_ALARM, "on while an alarm or critical fault is active" },
	{ "warning", CFG_OUT_WARNING, "on while a warning is active" },
	{ "ready", CFG_OUT_READY, "on while the pack is configured, fault-free and connected" },
	{ "charging-allowed", CFG_OUT_CHARGING_ALLOWED, "on while charging is allowed" },
	{ "balancing", CFG_OUT_BALANCING, "on while any cell is balancing" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name ntc_model_names[] = {
	{ "none", CFG_NTC_NONE, "no sensor fitted" },
	{ "beta", CFG_NTC_BETA, "beta model: beta_K and r25_ohm" },
	{ "steinhart", CFG_NTC_STEINHART, "Steinhart-Hart model: sh_a, sh_b and sh_c" },
	{ NULL, 0, NULL },
};

/* ---- checks beyond a range --------------------------------------------- */

const char *cfg_check_can_interface(const void *field)
{
	const char *s = field;
	size_t n;

	if (!strncmp(s, "socketcan:", 10)) {
		s += 10;
		n = strlen(s);
		/* IFNAMSIZ is 16 with the NUL */
		if (n < 1 || n > 15)
			return "expected socketcan:IFACE with an interface name of 1 to 15 "
			       "characters";
		if (strpbrk(s, "/: \t"))
			return "an interface name has no '/', ':' or blanks";
		return NULL;
	}
	if (!strncmp(s, "slcan:", 6)) {
		if (s[6] != '/')
			return "expected slcan:PATH with an absolute path of the tty";
		return NULL;
	}
	return "expected socketcan:IFACE or slcan:PATH";
}

bool cfg_never(const void *sec)
{
	(void)sec;
	return false;
}

const char *cfg_check_can_bitrate(const void *field)
{
	uint32_t v = *(const uint32_t *)field;

	if (v && v < 10000)
		return "expected 0 (leave the interface as it is) or 10000..1000000";
	return NULL;
}

static const char *check_sensitivity(const void *field)
{
	int32_t v = *(const int32_t *)field;

	if (v > -100 && v < 100)
		return "expected a magnitude of at least 100 uV/A; the sign sets the direction";
	return NULL;
}

static const char *check_nonzero_float(const void *field)
{
	/* the bridge computes in single precision: a tiny b would become 0 */
	if ((float)*(const double *)field == 0.0f)
		return "expected a non-zero coefficient";
	return NULL;
}

static const char *check_group(const void *field)
{
	const char *s = field;

	if (strpbrk(s, ":/ \t,"))
		return "a group name has no ':', '/', ',' or blanks";
	return NULL;
}

/* ---- conditions --------------------------------------------------------- */

static bool cs_enabled(const void *sec)
{
	return ((const struct cfg_current_sensor *)sec)->enabled;
}

static bool ntc_steinhart(const void *sec)
{
	return ((const struct cfg_ntc *)sec)->model == CFG_NTC_STEINHART;
}

static bool hum_enabled(const void *sec)
{
	return ((const struct cfg_humidity *)sec)->enabled;
}

/* ---- the tables --------------------------------------------------------- */

#define ST struct cfg_link
static const struct cfg_key link_keys[] = {
	{ .name = "interface", .type = CFG_T_STRING, .flags = CFG_K_REQUIRED,
	  .off = OFF(ST, interface), .size = SZ(ST, interface), .max = SZ(ST, interface) - 1,
	  .check = cfg_check_can_interface,
	  .desc = "CAN link to the bridge MCU: socketcan:IFACE (e.g. socketcan:can0) or "
		  "slcan:PATH (a USB-CAN adapter or pty speaking slcan, e.g. slcan:/dev/ttyACM0, "
		  "or the UNIX socket of bms-sim --link slcan-listen:PATH)" },
	{ .name = "bitrate_bps", .type = CFG_T_INT, .off = OFF(ST, bitrate_bps),
	  .size = SZ(ST, bitrate_bps), .min = 0, .max = 1000000, .unit = "bps", .def = "1000000",
	  .check = cfg_check_can_bitrate,
	  .range_text = "0, or 10000..1000000; slcan takes 10000, 20000, 50000, 100000, 125000, "
			"250000, 500000, 800000 or 1000000",
	  .desc = "bit rate of the bridge bus, set when the link opens; 0 leaves the interface "
		  "as it is (socketcan brought up by systemd-networkd)" },
	UINT(ST, heartbeat_period_ms, 10, 1000, "ms", "100",
	     "period of the heartbeat to the MCU; at most half of "
	     "safety_floor.heartbeat_timeout_ms"),
	UINT(ST, stale_ms, 200, 10000, "ms", "300",
	     "the link is lost (comm fault, safe state) when no STATUS frame came for this "
	     "long; 300 is three missed 100 ms frames"),
	UINT(ST, config_timeout_ms, 100, 60000, "ms", "1000",
	     "time for the MCU to echo the CRC of a configuration push before it is sent again"),
	END,
};
#undef ST

#define ST struct cfg_pack
static const struct cfg_key pack_keys[] = {
	{ .name = "boards", .type = CFG_T_INT, .flags = CFG_K_REQUIRED, .off = OFF(ST, boards),
	  .size = SZ(ST, boards), .min = 1, .max = 32,
	  .desc = "BMS Logic boards on the Logic bus" },
	{ .name = "cells_per_board", .type = CFG_T_INT, .flags = CFG_K_REQUIRED,
	  .off = OFF(ST, cells_per_board), .size = SZ(ST, cells_per_board), .min = 1, .max = 24,
	  .desc = "cells in series on each Logic board" },
	UINT(ST, temps_per_board, 0, 8, NULL, "0",
	     "cell temperature sensors on each Logic board"),
	UINT(ST, logic_offline_ms, 100, 60000, "ms", "1000",
	     "a Logic board is offline after this long without a valid reply"),
	END,
};
#undef ST

#define ST struct cfg_safety_floor
static const struct cfg_key floor_keys[] = {
	UINT(ST, heartbeat_timeout_ms, 50, 2000, "ms", "500",
	     "the MCU opens every relay when bmsd's heartbeat is silent this long"),
	{ .name = "cell_high_mV", .type = CFG_T_INT, .flags = CFG_K_REQUIRED,
	  .off = OFF(ST, cell_high_mV), .size = SZ(ST, cell_high_mV), .min = 1000, .max = 16382,
	  .unit = "mV",
	  .desc = "critical cell voltage, high: any cell above it opens every relay" },
	{ .name = "cell_low_mV", .type = CFG_T_INT, .flags = CFG_K_REQUIRED,
	  .off = OFF(ST, cell_low_mV), .size = SZ(ST, cell_low_mV), .min = 0, .max = 16381,
	  .unit = "mV",
	  .desc = "critical cell voltage, low: any cell below it opens every relay; below "
		  "cell_high_mV" },
	SINT(ST, temp_high_dC, -500, 2000, "dC", "650",
	     "critical temperature, high, of any cell or floor_trip NTC"),
	SINT(ST, temp_low_dC, -500, 1999, "dC", "-300",
	     "critical temperature, low; below temp_high_dC"),
	{ .name = "short_circuit_mA", .type = CFG_T_INT, .flags = CFG_K_REQUIRED,
	  .off = OFF(ST, short_circuit_mA), .size = SZ(ST, short_circuit_mA), .min = 1,
	  .max = 8388607, .unit = "mA",
	  .desc = "short circuit: a current of larger magnitude opens every relay; below the "
		  "range_mA of the widest enabled current sensor" },
	END,
};
#undef ST

#define ST struct cfg_current_sensor
static const struct cfg_key cs_keys[] = {
	{ .name = "enabled", .type = CFG_T_BOOL, .flags = CFG_K_PROFILE, .off = OFF(ST, enabled),
	  .size = SZ(ST, enabled),
	  .desc = "a sensor is fitted; sensor 2 needs sensor 1" },
	{ .name = "sensitivity_uV_per_A", .type = CFG_T_INT, .flags = CFG_K_SIGNED,
	  .off = OFF(ST, sensitivity_uV_per_A), .size = SZ(ST, sensitivity_uV_per_A),
	  .min = -1000000, .max = 1000000, .unit = "uV_per_A", .check = check_sensitivity,
	  .needed = cs_enabled, .need_text = "required when enabled is true",
	  .range_text = "-1000000..-100 or 100..1000000",
	  .desc = "output change per ampere (10 mV/A is 10000); negative when the sensor's "
		  "arrow points toward the load, so that charging stays positive" },
	SINT(ST, offset_uV, -5000000, 5000000, "uV", "0",
	     "output minus reference at zero current"),
	{ .name = "range_mA", .type = CFG_T_INT, .off = OFF(ST, range_mA),
	  .size = SZ(ST, range_mA), .min = 1, .max = 8388607, .unit = "mA",
	  .needed = cs_enabled, .need_text = "required when enabled is true",
	  .desc = "measuring range: a larger magnitude reads as out of range, never as a "
		  "value; sensor 2's range is wider than sensor 1's" },
	END,
};
#undef ST

#define ST struct cfg_current_sensors
static const struct cfg_key current_keys[] = {
	CHANNELS(ST, cs, PROFILE_CH_CURRENT, cs_keys,
		 "current sensor N: cs1 and cs2 on main-2r (or X8 and X9), cs1 on main-2.1 "
		 "(or P12)"),
	UINT(ST, plausibility_mA, 0, 8388607, "mA", "10000",
	     "with two sensors: largest difference between them within sensor 1's range; "
	     "0 turns the check off"),
	END,
};
#undef ST

#define ST struct cfg_ntc
static const struct cfg_key ntc_keys[] = {
	ENUM(ST, model, 0, ntc_model_names, "none", "sensor model"),
	UINT(ST, beta_K, 1000, 10000, "K", "3950", "beta model: B constant"),
	UINT(ST, r25_ohm, 100, 1000000, "ohm", "10000", "beta model: resistance at 25 degC"),
	{ .name = "sh_a", .type = CFG_T_FLOAT, .off = OFF(ST, sh_a), .size = SZ(ST, sh_a),
	  .fmin = -1, .fmax = 1, .needed = ntc_steinhart,
	  .need_text = "required when model is steinhart",
	  .desc = "Steinhart-Hart a in 1/T = a + b ln R + c (ln R)^3, T in K, R in ohm" },
	{ .name = "sh_b", .type = CFG_T_FLOAT, .off = OFF(ST, sh_b), .size = SZ(ST, sh_b),
	  .fmin = -1, .fmax = 1, .needed = ntc_steinhart, .check = check_nonzero_float,
	  .need_text = "required when model is steinhart", .range_text = "-1..1, not 0",
	  .desc = "Steinhart-Hart b" },
	{ .name = "sh_c", .type = CFG_T_FLOAT, .off = OFF(ST, sh_c), .size = SZ(ST, sh_c),
	  .fmin = -1, .fmax = 1, .needed = ntc_steinhart,
	  .need_text = "required when model is steinhart",
	  .desc = "Steinhart-Hart c" },
	BOOL(ST, floor_trip, "true",
	     "the sensor takes part in the safety floor's temperature trip"),
	END,
};
#undef ST

#define ST struct cfg_temperature_sensors
static const struct cfg_key temp_keys[] = {
	CHANNELS(ST, t, PROFILE_CH_NTC, ntc_keys,
		 "external NTC N: t1 and t2 on main-2r (or T_SENS1 and T_SENS2, on X10), t1 on "
		 "main-2.1 (or Vts, on P13)"),
	END,
};
#undef ST

#define ST struct cfg_humidity
static const struct cfg_key hum_keys[] = {
	BOOL(ST, enabled, "false", "a humidity sensor is fitted"),
	{ .name = "sensitivity_uV_per_pct", .type = CFG_T_INT,
	  .off = OFF(ST, sensitivity_uV_per_pct), .size = SZ(ST, sensitivity_uV_per_pct),
	  .min = 1000, .max = 100000, .unit = "uV_per_pct", .needed = hum_enabled,
	  .need_text = "required when enabled is true",
	  .desc = "output change per %RH (30 mV per %RH is 30000)" },
	{ .name = "offset_mV", .type = CFG_T_INT, .flags = CFG_K_SIGNED,
	  .off = OFF(ST, offset_mV), .size = SZ(ST, offset_mV), .min = 0, .max = 5000,
	  .unit = "mV", .needed = hum_enabled, .need_text = "required when enabled is true",
	  .desc = "output at 0 %RH" },
	END,
};
#undef ST

#define ST struct cfg_relay
static const struct cfg_key relay_keys[] = {
	ENUM(ST, role, CFG_K_PROFILE, relay_role_names, NULL,
	     "what the relay drives; each role once, except none and alarm"),
	END,
};
#undef ST

#define ST struct cfg_relays
static const struct cfg_key relays_keys[] = {
	CHANNELS(ST, relay, PROFILE_CH_RELAY, relay_keys,
		 "relay N, 1..4; also by connector: X4..X7 on main-2r, P8, P9, P6, P7 on "
		 "main-2.1"),
	END,
};
#undef ST

#define ST struct cfg_input
static const struct cfg_key input_keys[] = {
	ENUM(ST, role, CFG_K_PROFILE, input_role_names, NULL,
	     "what the input reports; each role once, except none"),
	BOOL(ST, invert, "false", "the input is active while its contact is open"),
	END,
};
#undef ST

#define ST struct cfg_inputs
static const struct cfg_key inputs_keys[] = {
	CHANNELS(ST, in, PROFILE_CH_INPUT, input_keys,
		 "discrete input N, 1..4; also DI_1..DI_4 on main-2r, IN_1..IN_4 on main-2.1"),
	UINT(ST, debounce_ms, 1, 255, "ms", "20",
	     "an input changes after it has been stable this long"),
	END,
};
#undef ST

#define ST struct cfg_output
static const struct cfg_key output_keys[] = {
	ENUM(ST, role, CFG_K_PROFILE, output_role_names, NULL, "what the output shows"),
	BOOL(ST, invert, "false", "the output is off while its role is active"),
	END,
};
#undef ST

#define ST struct cfg_outputs
static const struct cfg_key outputs_keys[] = {
	CHANNELS(ST, out, PROFILE_CH_OUTPUT, output_keys,
		 "discrete output N, 1..4; also DO_1..DO_4 on main-2r, OUT_1..OUT_4 on "
		 "main-2.1"),
	END,
};
#undef ST

#define ST struct cfg_gpio_line
static const struct cfg_key gpio_line_keys[] = {
	{ .name = "chip", .type = CFG_T_STRING, .flags = CFG_K_REQUIRED, .off = OFF(ST, chip),
	  .size = SZ(ST, chip), .max = SZ(ST, chip) - 1,
	  .desc = "GPIO chip: name (gpiochip0), path (/dev/gpiochip0), label or number" },
	{ .name = "line", .type = CFG_T_GPIO_LINE, .flags = CFG_K_REQUIRED, .off = OFF(ST, line),
	  .size = SZ(ST, line), .min = 0, .max = 65535,
	  .range_text = "a line name of at most 63 bytes, or an offset 0..65535",
	  .desc = "the line: its name (quoted if it starts with a digit) or its offset" },
	BOOL(ST, active_low, "false", "the line is active at low level"),
	END,
};
#undef ST

#define GPIO_LINE(m, text)                                                                \
	{ .name = #m, .type = CFG_T_SECTION, .flags = CFG_K_OPTIONAL,                       \
	  .off = OFF(struct cfg_gpio, m), .size = SZ(struct cfg_gpio, m),                   \
	  .sub = gpio_line_keys, .desc = text }
static const struct cfg_key gpio_keys[] = {
	GPIO_LINE(run_led, "run LED: blinks while bmsd's loop is healthy"),
	GPIO_LINE(fault_led, "fault LED: on while a fault is active"),
	GPIO_LINE(mcu_reset, "reset line of the bridge MCU"),
	GPIO_LINE(mcu_boot0, "BOOT0 line of the bridge MCU (firmware update)"),
	GPIO_LINE(rs485_de, "driver enable of the external RS-485 transceiver (Modbus-RTU)"),
	END,
};

#define ST struct cfg_control
static const struct cfg_key control_keys[] = {
	STRING(ST, socket, CFG_K_ABSPATH, "/run/bmsd/bmsd.sock",
	       "Unix socket of bmsctl and other clients, created with mode 0660"),
	{ .name = "group", .type = CFG_T_STRING, .flags = CFG_K_EMPTY_OK, .off = OFF(ST, group),
	  .size = SZ(ST, group), .max = SZ(ST, group) - 1, .def = "bmsd", .check = check_group,
	  .desc = "group that owns the socket; \"\" keeps the group of the bmsd process" },
	END,
};
#undef ST

#define ST struct cfg_event_log
static const struct cfg_key event_log_keys[] = {
	STRING(ST, dir, CFG_K_ABSPATH, "/var/lib/bmsd", "directory of the persistent event log"),
	UINT(ST, max_KiB, 16, 1048576, "KiB", "1024",
	     "size bound of the log; the oldest records rotate out"),
	BOOL(ST, sync, "true", "flush every record to the disk, in the background: the loop never waits"),
	END,
};
#undef ST

#define ST struct cfg
const struct cfg_key cfg_schema[] = {
	ENUM(ST, board, CFG_K_REQUIRED, board_names, NULL,
	     "board profile: which controller board the bridge MCU sits on"),
	SECTION(ST, link, link_keys, "the CAN link to the bridge MCU"),
	SECTION(ST, pack, pack_keys, "the battery: BMS Logic boards and their cells"),
	SECTION(ST, safety_floor, floor_keys,
		"hard limits that the MCU enforces by itself, opening every relay"),
	SECTION(ST, current_sensors, current_keys, "Hall current sensors"),
	SECTION(ST, temperature_sensors, temp_keys, "external NTC temperature sensors"),
	{ .name = "humidity", .type = CFG_T_SECTION, .off = OFF(ST, humidity),
	  .size = SZ(ST, humidity), .chan = PROFILE_CH_HUMIDITY, .sub = hum_keys,
	  .desc = "humidity sensor (main-2.1 only, on P13)" },
	SECTION(ST, relays, relays_keys, "the four relays and what each drives"),
	SECTION(ST, inputs, inputs_keys, "the four discrete inputs"),
	SECTION(ST, outputs, outputs_keys, "the four discrete outputs"),
	SECTION(ST, gpio, gpio_keys, "GPIO lines of the Linux controller; each is optional"),
	SECTION(ST, control, control_keys, "the control socket"),
	SECTION(ST, event_log, event_log_keys, "the persistent event log"),
	{ .name = "protections", .type = CFG_T_SECTION, .off = OFF(ST, protections),
	  .size = SZ(ST, protections), .sub = cfg_protections_keys,
	  .xcheck = cfg_protections_xcheck,
	  .desc = "the protections: thresholds, delays, latching, tier and action of each" },
	{ .name = "contactors", .type = CFG_T_SECTION, .off = OFF(ST, contactors),
	  .size = SZ(ST, contactors), .sub = cfg_contactors_keys,
	  .xcheck = cfg_contactors_xcheck,
	  .desc = "contactor and charge control: charge mode, precharge, feedback, soft stop" },
	{ .name = "soc", .type = CFG_T_SECTION, .off = OFF(ST, soc), .size = SZ(ST, soc),
	  .sub = cfg_soc_keys, .xcheck = cfg_soc_xcheck,
	  .desc = "state of charge and health: capacity, OCV table, full-charge sync, "
		  "persistence" },
	{ .name = "limits", .type = CFG_T_SECTION, .off = OFF(ST, limits),
	  .size = SZ(ST, limits), .sub = cfg_limits_keys, .xcheck = cfg_limits_xcheck,
	  .desc = "charge and discharge current limits and charge and discharge voltage "
		  "limits (CCL, DCL, CVL, DVL)" },
	{ .name = "balancing", .type = CFG_T_SECTION, .off = OFF(ST, balancing),
	  .size = SZ(ST, balancing), .sub = cfg_balancing_keys,
	  .xcheck = cfg_balancing_xcheck, .desc = "cell balancing" },
	{ .name = "heater", .type = CFG_T_SECTION, .off = OFF(ST, heater),
	  .size = SZ(ST, heater), .sub = cfg_heater_keys, .xcheck = cfg_heater_xcheck,
	  .desc = "the pack heater and the cold-charge block" },
	SECTION(ST, modbus, cfg_modbus_keys, "the Modbus-RTU and Modbus-TCP servers"),
	SECTION(ST, can1, cfg_can1_keys, "CAN1, the external bus of inverters and chargers"),
	SECTION(ST, can2, cfg_can2_keys, "CAN2, the internal bus of displays and panels"),
	END,
};
#undef ST

/* ---- walking and documenting ------------------------------------------- */

static void walk(const struct cfg_key *rows, const char *prefix, unsigned int depth,
		 cfg_schema_fn fn, void *arg)
{
	char path[160];

	for (const struct cfg_key *k = rows; k->name; k++) {
		snprintf(path, sizeof(path), "%s%s%s%s", prefix, *prefix ? "." : "", k->name,
			 k->count ? "N" : "");
		fn(k, path, depth, arg);
		if (k->type == CFG_T_SECTION)
			walk(k->sub, path, depth + 1, fn, arg);
	}
}

void cfg_schema_walk(cfg_schema_fn fn, void *arg)
{
	walk(cfg_schema, "", 0, fn, arg);
}

const char *cfg_key_type_name(const struct cfg_key *k)
{
	switch (k->type) {
	case CFG_T_SECTION:
		return "section";
	case CFG_T_INT:
		return "integer";
	case CFG_T_BOOL:
		return "boolean";
	case CFG_T_STRING:
		return "string";
	case CFG_T_ENUM:
		return "enum";
	case CFG_T_FLOAT:
		return "number";
	case CFG_T_GPIO_LINE:
		return "string or integer";
	case CFG_T_CURVE:
		return "curve";
	}
	return "?";
}

const char *cfg_key_range(const struct cfg_key *k, char *buf, size_t n)
{
	size_t len = 0;

	if (!n)
		return buf;
	buf[0] = 0;
	if (k->range_text) {
		snprintf(buf, n, "%s", k->range_text);
		return buf;
	}
	switch (k->type) {
	case CFG_T_INT:
		snprintf(buf, n, "%lld..%lld", (long long)k->min, (long long)k->max);
		break;
	case CFG_T_FLOAT:
		snprintf(buf, n, "%g..%g", k->fmin, k->fmax);
		break;
	case CFG_T_CURVE:
		snprintf(buf, n, "1..%u points [x, y]; x in %lld..%lld, increasing; y in %lld..%lld",
			 CURVE_MAX, (long long)k->min, (long long)k->max, (long long)k->fmin,
			 (long long)k->fmax);
		break;
	case CFG_T_BOOL:
		snprintf(buf, n, "true or false");
		break;
	case CFG_T_STRING:
		snprintf(buf, n, "%sat most %lld bytes%s",
			 (k->flags & CFG_K_ABSPATH) ? "an absolute path of " : "",
			 (long long)k->max, (k->flags & CFG_K_EMPTY_OK) ? ", may be empty" : "");
		break;
	case CFG_T_ENUM:
		len = (size_t)snprintf(buf, n, "one of: ");
		for (const struct cfg_enum_name *e = k->names; e->name && len < n; e++) {
			int w = snprintf(buf + len, n - len, "%s%s", e == k->names ? "" : ", ",
					 e->name);

			if (w < 0)
				break;
			len += (size_t)w;
		}
		break;
	default:
		break;
	}
	return buf;
}

const char *cfg_key_default(const struct cfg_key *k)
{
	if (k->def)
		return k->def;
	if (k->flags & CFG_K_PROFILE)
		return "from the board profile";
	if (k->flags & CFG_K_REQUIRED)
		return "required";
	if (k->need_text)
		return k->need_text;
	return "none";
}
