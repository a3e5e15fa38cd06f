/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keys of the can1 and can2 sections (docs/can.md tells the frames). */
#include <string.h>

#include "cfg_keys.h"

static const struct cfg_enum_name profile_names[] = {
	{ "pylon", CFG_CAN1_PYLON, "Pylontech low-voltage protocol v1.2: 0x351, 0x355, 0x356, "
	  "0x359, 0x35C, 0x35E, every 1000 ms" },
	{ "victron", CFG_CAN1_VICTRON, "Victron CAN-bus BMS: 0x351, 0x355, 0x356, 0x35A, 0x35E, "
	  "0x35F and 0x370..0x379, every 1000 ms" },
	{ "sma", CFG_CAN1_SMA, "SMA Sunny Island: 0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F, "
	  "every 100 ms" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name order_names[] = {
	{ "little", CFG_CAN1_LITTLE, "least significant byte first, as the specifications say" },
	{ "big", CFG_CAN1_BIG, "most significant byte first, for peers that read it so" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name limits_dlc_names[] = {
	{ "auto", 0, "the profile's: 6 for pylon, 8 for victron and sma" },
	{ "6", 6, "CVL, CCL and DCL" },
	{ "8", 8, "CVL, CCL, DCL and DVL" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name soc_dlc_names[] = {
	{ "auto", 0, "the profile's: 4 for pylon and victron, 6 for sma" },
	{ "4", 4, "SOC and SOH in whole percent" },
	{ "6", 6, "SOC and SOH, then SOC in 0.01 %" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name alarm_names[] = {
	{ "auto", CFG_CAN1_ALARMS_AUTO,
	  "the profile's: 0x359 for pylon, 0x35A for victron and sma" },
	{ "0x359", CFG_CAN1_ALARMS_359, "Pylon v1.2 protection and warning bits" },
	{ "0x35a", CFG_CAN1_ALARMS_35A, "two bits per condition (Pylon v1.3, Victron, SMA)" },
	{ "both", CFG_CAN1_ALARMS_BOTH, "0x359 and 0x35A" },
	{ NULL, 0, NULL },
};

static const struct cfg_enum_name temp_names[] = {
	{ "cells-mean", CFG_CAN1_T_CELLS_MEAN, "mean of the cell temperature sensors" },
	{ "cells-max", CFG_CAN1_T_CELLS_MAX, "the warmest cell temperature sensor" },
	{ "cells-min", CFG_CAN1_T_CELLS_MIN, "the coldest cell temperature sensor" },
	{ "ntc1", CFG_CAN1_T_NTC1, "external NTC 1" },
	{ "ntc2", CFG_CAN1_T_NTC2, "external NTC 2 (main-2r only)" },
	{ NULL, 0, NULL },
};

/* The same URI forms as link.interface. */
/* The frames carry these bytes as they are: printable ASCII only. */
static const char *check_ascii(const void *field)
{
	for (const unsigned char *p = field; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return "expected printable ASCII characters only";
	return NULL;
}

static const char *check_can1_period(const void *field)
{
	uint32_t v = *(const uint32_t *)field;

	return v && v < 100 ? "expected 0 (the profile's cycle time) or 100..10000" : NULL;
}

/* An empty text is the default of manufacturer and product: the parser
 * leaves an absent string empty, and a "" default would read as a null. */
#define IFACE(st, dflt, text)                                                             \
	{ .name = "interface", .type = CFG_T_STRING, .off = OFF(st, interface),            \
	  .size = SZ(st, interface), .max = SZ(st, interface) - 1, .def = dflt,            \
	  .check = cfg_check_can_interface, .desc = text }
#define BITRATE(st, text)                                                                \
	{ .name = "bitrate_bps", .type = CFG_T_INT, .off = OFF(st, bitrate_bps),           \
	  .size = SZ(st, bitrate_bps), .min = 0, .max = 1000000, .unit = "bps",            \
	  .def = "500000", .check = cfg_check_can_bitrate,                                         \
	  .range_text = "0, or 10000..1000000; slcan takes 10000, 20000, 50000, 100000, "   \
			"125000, 250000, 500000, 800000 or 1000000",                       \
	  .desc = text }

#define ST struct cfg_can1
const struct cfg_key cfg_can1_keys[] = {
	BOOL(ST, enable, "false", "send the inverter profile on CAN1"),
	IFACE(ST, "socketcan:can1",
	      "CAN1 interface: socketcan:IFACE or slcan:PATH (a USB-CAN adapter)"),
	BITRATE(ST, "bit rate of CAN1, set when it opens; inverters expect 500000"),
	ENUM(ST, profile, 0, profile_names, "pylon", "the protocol the inverter or charger speaks"),
	{ .name = "manufacturer", .type = CFG_T_STRING, .flags = CFG_K_EMPTY_OK,
	  .off = OFF(ST, manufacturer), .size = SZ(ST, manufacturer),
	  .max = SZ(ST, manufacturer) - 1, .needed = cfg_never, .need_text = "\"\"",
	  .check = check_ascii,
	  .desc = "manufacturer name in 0x35E, up to 8 ASCII characters; \"\" sends PYLON for "
		  "pylon and BMSD for the others (Victron caps the charge voltage of a PYLON)" },
	{ .name = "product", .type = CFG_T_STRING, .flags = CFG_K_EMPTY_OK,
	  .off = OFF(ST, product), .size = SZ(ST, product), .max = SZ(ST, product) - 1,
	  .needed = cfg_never, .need_text = "\"\"", .check = check_ascii,
	  .desc = "victron: product name in 0x370 and 0x371, up to 16 ASCII characters; \"\" "
		  "sends bmsd" },
	ENUM(ST, byte_order, 0, order_names, "little",
	     "byte order of the 16-bit numbers in the profile's frames"),
	ENUM(ST, limits_dlc, 0, limits_dlc_names, "auto",
	     "length of 0x351: 6 leaves out the discharge voltage limit"),
	ENUM(ST, soc_dlc, 0, soc_dlc_names, "auto",
	     "length of 0x355: 6 adds the SOC in 0.01 %"),
	ENUM(ST, alarm_frame, 0, alarm_names, "auto", "the alarm and warning frame(s) to send"),
	ENUM(ST, temperature, 0, temp_names, "cells-mean", "the battery temperature in 0x356"),
	{ .name = "period_ms", .type = CFG_T_INT, .off = OFF(ST, period_ms),
	  .size = SZ(ST, period_ms), .min = 0, .max = 10000, .unit = "ms", .def = "0",
	  .check = check_can1_period, .range_text = "0, or 100..10000",
	  .desc = "cycle time of every frame; 0 takes the profile's (1000 for pylon and "
		  "victron, 100 for sma)" },
	BOOL(ST, keepalive_watch, "false",
	     "watch the inverter's keep-alive frame 0x305; its loss feeds the external_offline "
	     "protection"),
	UINT(ST, keepalive_timeout_ms, 100, 60000, "ms", "3000",
	     "the inverter is lost when no 0x305 came for this long"),
	END,
};
#undef ST

#define ST struct cfg_can2
const struct cfg_key cfg_can2_keys[] = {
	BOOL(ST, enable, "false", "send the pack-summary feed on CAN2"),
	IFACE(ST, "socketcan:can2", "CAN2 interface: socketcan:IFACE or slcan:PATH"),
	BITRATE(ST, "bit rate of CAN2, set when it opens"),
	UINT(ST, base_id, 0, 2040, "id", "1024",
	     "identifier of the feed's first frame; it uses base_id .. base_id + 7 (1024 is "
	     "0x400)"),
	UINT(ST, period_ms, 20, 10000, "ms", "100", "cycle time of every frame of the feed"),
	END,
};
#undef ST
