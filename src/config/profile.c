/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <string.h>

#include "roles.h"
#include "profile.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- BMS Main 2R ------------------------------------------------------- */

static const struct profile_conn conns_2r[] = {
	{ "X1", PROFILE_CONN_DIO, "discrete inputs and outputs",
	  "4 dry-contact inputs DI_1..DI_4 (+5 V) and 4 outputs DO_1..DO_4 (+5 V, 20 mA)",
	  "1-8 GND; 9 DO_1; 10 DO_2; 11 DO_3; 12 DO_4; 13 DI_4; 14 DI_3; 15 DI_2; 16 DI_1" },
	{ "X2", PROFILE_CONN_USB, "configuration port",
	  "miniUSB connector of the original controller's configuration tool; bmsd reads "
	  "its configuration from bmsd.yaml instead",
	  NULL },
	{ "X3", PROFILE_CONN_POWER, "power supply",
	  "supply of the board, 9-32 V; the board starts when it is applied",
	  "1 GND; 2 V+ (9-32 V)" },
	{ "X4", PROFILE_CONN_RELAY, "relay 1",
	  "normally open contact for a contactor coil, up to 55 V, 3 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "X5", PROFILE_CONN_RELAY, "relay 2",
	  "normally open contact for a contactor coil, up to 55 V, 3 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "X6", PROFILE_CONN_RELAY, "relay 3",
	  "normally open contact for a contactor coil, up to 55 V, 3 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "X7", PROFILE_CONN_RELAY, "relay 4",
	  "normally open contact for a contactor coil, up to 55 V, 3 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "X8", PROFILE_CONN_CURRENT, "current sensor 1",
	  "Hall sensor, output against its reference line; the low-range sensor",
	  "1 +5V sensor supply (max 50 mA); 2 GND; 3 CS1_OUT output; 4 CS1_REF reference" },
	{ "X9", PROFILE_CONN_CURRENT, "current sensor 2",
	  "Hall sensor, output against its reference line; the high-range sensor",
	  "1 +5V sensor supply (max 50 mA); 2 GND; 3 CS2_OUT output; 4 CS2_REF reference" },
	{ "X10", PROFILE_CONN_TEMPERATURE, "temperature sensors",
	  "two external NTC temperature sensors, T_SENS1 and T_SENS2",
	  "1, 2 GND; 3 T_SENS1; 4 T_SENS2" },
	{ "X11", PROFILE_CONN_LOGIC, "BMS Logic",
	  "RS-485 bus to the BMS Logic cell boards, with their 5 V supply",
	  "1 LOGIC_A; 2 LOGIC_B; 3 LOGIC_5V; 4 GND" },
	{ "X12", PROFILE_CONN_CAN, "CAN2",
	  "internal bus to BMS Display and BMS Indication panels",
	  "1 CAN2_H; 2 CAN2_L; 3 not connected; 4 GND" },
	{ "X13", PROFILE_CONN_CAN_RS485, "CAN1 and RS-485-1",
	  "external equipment (inverters, chargers, SCADA); 5 V for external devices, "
	  "max 200 mA",
	  "1 RS485_1_A; 2 CAN1_H; 3 +5V; 4 RS485_1_B; 5 CAN1_L; 6 GND" },
	{ "J1", PROFILE_CONN_JUMPER, "CAN2 termination",
	  "120 ohm between CAN2_H and CAN2_L: pins 1-2 connected, 2-3 disconnected; fit it "
	  "when the board ends the CAN2 bus",
	  NULL },
	{ "J2", PROFILE_CONN_JUMPER, "RS-485-1 termination",
	  "120 ohm between RS485_1_A and RS485_1_B: pins 1-2 connected, 2-3 disconnected; "
	  "fit it when the board ends the RS-485-1 bus",
	  NULL },
	{ "J3", PROFILE_CONN_JUMPER, "CAN1 termination",
	  "120 ohm between CAN1_H and CAN1_L: pins 1-2 connected, 2-3 disconnected; fit it "
	  "when the board ends the CAN1 bus",
	  NULL },
	{ "DS2", PROFILE_CONN_LED, "operation indicator",
	  "blinking green: the firmware is running; off: it is not", NULL },
	{ "DS3", PROFILE_CONN_LED, "communication indicator",
	  "blinking yellow at 2 Hz: initialising communication with the BMS Logic boards; "
	  "at 25 Hz: communication established", NULL },
	{ "DS4", PROFILE_CONN_LED, "error indicator",
	  "blinking red: errors in the communication with the BMS Logic boards", NULL },
	{ "DS1.1", PROFILE_CONN_LED, "relay 1 indicator",
	  "green: relay 1 closed; off: open", NULL },
	{ "DS1.2", PROFILE_CONN_LED, "relay 2 indicator",
	  "green: relay 2 closed; off: open", NULL },
	{ "DS1.3", PROFILE_CONN_LED, "relay 3 indicator",
	  "green: relay 3 closed; off: open", NULL },
	{ "DS1.4", PROFILE_CONN_LED, "relay 4 indicator",
	  "green: relay 4 closed; off: open", NULL },
};

/* The 2R manual gives its four relays no default role: the integrator
 * assigns every contactor. */
static const struct profile_channel chans_2r[] = {
	{ PROFILE_CH_RELAY, 0, "relay1", "X4", "X4", "NO", CFG_RELAY_NONE, "relay 1 (X4)" },
	{ PROFILE_CH_RELAY, 1, "relay2", "X5", "X5", "NO", CFG_RELAY_NONE, "relay 2 (X5)" },
	{ PROFILE_CH_RELAY, 2, "relay3", "X6", "X6", "NO", CFG_RELAY_NONE, "relay 3 (X6)" },
	{ PROFILE_CH_RELAY, 3, "relay4", "X7", "X7", "NO", CFG_RELAY_NONE, "relay 4 (X7)" },
	{ PROFILE_CH_CURRENT, 0, "cs1", "X8", "X8", "CS1_OUT", 1,
	  "current sensor 1 (X8), the low-range sensor" },
	{ PROFILE_CH_CURRENT, 1, "cs2", "X9", "X9", "CS2_OUT", 0,
	  "current sensor 2 (X9), the high-range sensor" },
	{ PROFILE_CH_NTC, 0, "t1", "T_SENS1", "X10", "T_SENS1", 0,
	  "external temperature sensor 1 (X10 pin 3)" },
	{ PROFILE_CH_NTC, 1, "t2", "T_SENS2", "X10", "T_SENS2", 0,
	  "external temperature sensor 2 (X10 pin 4)" },
	{ PROFILE_CH_INPUT, 0, "in1", "DI_1", "X1", "DI_1", CFG_IN_NONE,
	  "discrete input 1 (X1 pin 16)" },
	{ PROFILE_CH_INPUT, 1, "in2", "DI_2", "X1", "DI_2", CFG_IN_NONE,
	  "discrete input 2 (X1 pin 15)" },
	{ PROFILE_CH_INPUT, 2, "in3", "DI_3", "X1", "DI_3", CFG_IN_NONE,
	  "discrete input 3 (X1 pin 14)" },
	{ PROFILE_CH_INPUT, 3, "in4", "DI_4", "X1", "DI_4", CFG_IN_NONE,
	  "discrete input 4 (X1 pin 13)" },
	{ PROFILE_CH_OUTPUT, 0, "out1", "DO_1", "X1", "DO_1", CFG_OUT_NONE,
	  "discrete output 1 (X1 pin 9)" },
	{ PROFILE_CH_OUTPUT, 1, "out2", "DO_2", "X1", "DO_2", CFG_OUT_NONE,
	  "discrete output 2 (X1 pin 10)" },
	{ PROFILE_CH_OUTPUT, 2, "out3", "DO_3", "X1", "DO_3", CFG_OUT_NONE,
	  "discrete output 3 (X1 pin 11)" },
	{ PROFILE_CH_OUTPUT, 3, "out4", "DO_4", "X1", "DO_4", CFG_OUT_NONE,
	  "discrete output 4 (X1 pin 12)" },
};

/* ---- BMS Main 2.1 ------------------------------------------------------ */

static const struct profile_conn conns_21[] = {
	{ "P1", PROFILE_CONN_POWER, "power supply",
	  "supply of the board, 9-30 V; do not supply it from the battery alone, or a "
	  "critically discharged battery cannot be recharged",
	  "1 GND; 2 V+ (9-30 V)" },
	{ "P15", PROFILE_CONN_LOGIC, "BMS Logic",
	  "RS-485 bus to the BMS Logic cell boards, with their 5 V supply",
	  "1 RS485_A; 2 RS485_B; 3 +5V; 4 GND" },
	{ "P12", PROFILE_CONN_CURRENT, "current sensor",
	  "Hall sensor, output against its reference line; the arrow on the sensor "
	  "(positive current) points in the charging direction",
	  "1 +5V sensor supply (max 50 mA); 2 GND; 3 Vcs sensor output; 4 Vref reference" },
	{ "P13", PROFILE_CONN_HUMIDITY, "humidity and temperature sensor",
	  "humidity sensor (Vhs) and one external temperature sensor (Vts)",
	  "1 +5V supply (max 50 mA); 2 GND; 3 Vhs humidity; 4 Vts temperature" },
	{ "P8", PROFILE_CONN_RELAY, "relay 1",
	  "discharge contactor by default; up to 55 V, 2 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "P9", PROFILE_CONN_RELAY, "relay 2",
	  "\"allow charging\" signal by default; up to 55 V, 2 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "P6", PROFILE_CONN_RELAY, "relay 3",
	  "charge contactor by default; up to 55 V, 8 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "P7", PROFILE_CONN_RELAY, "relay 4",
	  "heater by default; up to 55 V, 8 A",
	  "1 V+ switching voltage; 2 NO normally open contact" },
	{ "P14", PROFILE_CONN_CAN_RS485, "CAN and RS-485",
	  "external equipment (inverters, chargers, SCADA); 5 V for external devices, "
	  "max 200 mA",
	  "1 EXT_RS485_A; 2 CAN_H; 3 +5V_CAN; 4 EXT_RS485_B; 5 CAN_L; 6 GND_CAN" },
	{ "P21", PROFILE_CONN_JUMPER, "CAN termination",
	  "120 ohm between CAN_H and CAN_L: pins 1-2 connected, 2-3 not connected; close "
	  "1-2 when the board ends the CAN bus",
	  NULL },
	{ "P22", PROFILE_CONN_JUMPER, "RS-485 termination",
	  "120 ohm between EXT_RS485_A and EXT_RS485_B: pins 1-2 connected, 2-3 not "
	  "connected; close 1-2 when the board ends the RS-485 bus",
	  NULL },
	{ "P11", PROFILE_CONN_DIO, "discrete inputs and outputs",
	  "4 dry-contact inputs IN_1..IN_4 (+5 V) and 4 outputs OUT_1..OUT_4 (+5 V, 20 mA), "
	  "each with its own ground pin",
	  "16 IN_1, 8 GND_1; 15 IN_2, 7 GND_2; 14 IN_3, 6 GND_3; 13 IN_4, 5 GND_4; "
	  "9 OUT_1, 1 GND_OUT_1; 10 OUT_2, 2 GND_OUT_2; 11 OUT_3, 3 GND_OUT_3; "
	  "12 OUT_4, 4 GND_OUT_4" },
	{ "DS1", PROFILE_CONN_LED, "power indicator",
	  "red: the board is powered; off: it is not", NULL },
	{ "DS2", PROFILE_CONN_LED, "operation indicator",
	  "blinking green: the firmware is running; off: it is not", NULL },
	{ "DS3", PROFILE_CONN_LED, "communication indicator",
	  "blinking yellow at 2 Hz: initialising communication with the BMS Logic boards; "
	  "at 25 Hz: communication established", NULL },
	{ "DS4", PROFILE_CONN_LED, "error indicator",
	  "blinking red: errors in the communication with the BMS Logic boards", NULL },
	{ "DS7", PROFILE_CONN_LED, "relay 1 indicator",
	  "green: relay 1 closed; off: open", NULL },
	{ "DS8", PROFILE_CONN_LED, "relay 2 indicator",
	  "green: relay 2 closed; off: open", NULL },
	{ "DS5", PROFILE_CONN_LED, "relay 3 indicator",
	  "green: relay 3 closed; off: open", NULL },
	{ "DS6", PROFILE_CONN_LED, "relay 4 indicator",
	  "green: relay 4 closed; off: open", NULL },
};

static const struct profile_channel chans_21[] = {
	{ PROFILE_CH_RELAY, 0, "relay1", "P8", "P8", "NO", CFG_RELAY_DISCHARGE,
	  "relay 1 (P8), discharge contactor by default" },
	{ PROFILE_CH_RELAY, 1, "relay2", "P9", "P9", "NO", CFG_RELAY_ALLOW_CHARGING,
	  "relay 2 (P9), \"allow charging\" signal by default" },
	{ PROFILE_CH_RELAY, 2, "relay3", "P6", "P6", "NO", CFG_RELAY_CHARGE,
	  "relay 3 (P6), charge contactor by default" },
	{ PROFILE_CH_RELAY, 3, "relay4", "P7", "P7", "NO", CFG_RELAY_HEATER,
	  "relay 4 (P7), heater by default" },
	{ PROFILE_CH_CURRENT, 0, "cs1", "P12", "P12", "Vcs", 1, "current sensor (P12)" },
	{ PROFILE_CH_NTC, 0, "t1", "Vts", "P13", "Vts", 0,
	  "external temperature sensor (P13 pin 4)" },
	{ PROFILE_CH_HUMIDITY, 0, "humidity", NULL, "P13", "Vhs", 0,
	  "humidity sensor (P13 pin 3)" },
	{ PROFILE_CH_INPUT, 0, "in1", "IN_1", "P11", "IN_1", CFG_IN_NONE,
	  "discrete input 1 (P11 pins 16, 8)" },
	{ PROFILE_CH_INPUT, 1, "in2", "IN_2", "P11", "IN_2", CFG_IN_NONE,
	  "discrete input 2 (P11 pins 15, 7)" },
	{ PROFILE_CH_INPUT, 2, "in3", "IN_3", "P11", "IN_3", CFG_IN_NONE,
	  "discrete input 3 (P11 pins 14, 6)" },
	{ PROFILE_CH_INPUT, 3, "in4", "IN_4", "P11", "IN_4", CFG_IN_NONE,
	  "discrete input 4 (P11 pins 13, 5)" },
	{ PROFILE_CH_OUTPUT, 0, "out1", "OUT_1", "P11", "OUT_1", CFG_OUT_NONE,
	  "discrete output 1 (P11 pins 9, 1)" },
	{ PROFILE_CH_OUTPUT, 1, "out2", "OUT_2", "P11", "OUT_2", CFG_OUT_NONE,
	  "discrete output 2 (P11 pins 10, 2)" },
	{ PROFILE_CH_OUTPUT, 2, "out3", "OUT_3", "P11", "OUT_3", CFG_OUT_NONE,
	  "discrete output 3 (P11 pins 11, 3)" },
	{ PROFILE_CH_OUTPUT, 3, "out4", "OUT_4", "P11", "OUT_4", CFG_OUT_NONE,
	  "discrete output 4 (P11 pins 12, 4)" },
};

static const struct profile profiles[PROFILE_COUNT] = {
	[PROFILE_MAIN_2R] = {
		.id = PROFILE_MAIN_2R,
		.name = "main-2r",
		.title = "BMS Main 2R",
		.hw_id = 1,
		.supply = "9-32 V on X3",
		.conns = conns_2r,
		.nconns = N(conns_2r),
		.chans = chans_2r,
		.nchans = N(chans_2r),
		.count = {
			[PROFILE_CH_RELAY] = 4, [PROFILE_CH_CURRENT] = 2, [PROFILE_CH_NTC] = 2,
			[PROFILE_CH_HUMIDITY] = 0, [PROFILE_CH_INPUT] = 4, [PROFILE_CH_OUTPUT] = 4,
		},
	},
	[PROFILE_MAIN_2_1] = {
		.id = PROFILE_MAIN_2_1,
		.name = "main-2.1",
		.title = "BMS Main 2.1",
		.hw_id = 2,
		.supply = "9-30 V on P1",
		.conns = conns_21,
		.nconns = N(conns_21),
		.chans = chans_21,
		.nchans = N(chans_21),
		.count = {
			[PROFILE_CH_RELAY] = 4, [PROFILE_CH_CURRENT] = 1, [PROFILE_CH_NTC] = 1,
			[PROFILE_CH_HUMIDITY] = 1, [PROFILE_CH_INPUT] = 4, [PROFILE_CH_OUTPUT] = 4,
		},
	},
};

const struct profile *profile_at(unsigned int i)
{
	return i < PROFILE_COUNT ? &profiles[i] : NULL;
}

const struct profile *profile_by_id(enum profile_id id)
{
	return profile_at((unsigned int)id);
}

const struct profile *profile_find(const char *name)
{
	unsigned int i;

	if (!name)
		return NULL;
	for (i = 0; i < PROFILE_COUNT; i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

const struct profile_conn *profile_conn_at(const struct profile *p, unsigned int i)
{
	return p && i < p->nconns ? &p->conns[i] : NULL;
}

const struct profile_conn *profile_conn_find(const struct profile *p, const char *name)
{
	unsigned int i;

	for (i = 0; p && name && i < p->nconns; i++)
		if (!strcmp(p->conns[i].name, name))
			return &p->conns[i];
	return NULL;
}

const struct profile_channel *profile_channel_at(const struct profile *p, unsigned int i)
{
	return p && i < p->nchans ? &p->chans[i] : NULL;
}

const struct profile_channel *profile_channel(const struct profile *p, enum profile_ch_kind kind,
					      unsigned int index)
{
	unsigned int i;

	for (i = 0; p && i < p->nchans; i++)
		if (p->chans[i].kind == kind && p->chans[i].index == index)
			return &p->chans[i];
	return NULL;
}

const struct profile_channel *profile_channel_find(const struct profile *p,
						   enum profile_ch_kind kind, const char *name)
{
	unsigned int i;

	for (i = 0; p && name && i < p->nchans; i++) {
		const struct profile_channel *c = &p->chans[i];

		if (c->kind != kind)
			continue;
		if (!strcmp(c->key, name) || (c->alias && !strcmp(c->alias, name)))
			return c;
	}
	return NULL;
}

const char *profile_ch_kind_name(enum profile_ch_kind kind)
{
	static const char *const names[PROFILE_CH_KIND_COUNT] = {
		[PROFILE_CH_NONE] = "none",
		[PROFILE_CH_RELAY] = "relay",
		[PROFILE_CH_CURRENT] = "current sensor",
		[PROFILE_CH_NTC] = "temperature sensor",
		[PROFILE_CH_HUMIDITY] = "humidity sensor",
		[PROFILE_CH_INPUT] = "discrete input",
		[PROFILE_CH_OUTPUT] = "discrete output",
	};

	return (unsigned int)kind < PROFILE_CH_KIND_COUNT ? names[kind] : "?";
}

const char *profile_conn_kind_name(enum profile_conn_kind kind)
{
	static const char *const names[PROFILE_CONN_KIND_COUNT] = {
		[PROFILE_CONN_POWER] = "power",
		[PROFILE_CONN_USB] = "USB",
		[PROFILE_CONN_RELAY] = "relay",
		[PROFILE_CONN_CURRENT] = "current sensor",
		[PROFILE_CONN_TEMPERATURE] = "temperature",
		[PROFILE_CONN_HUMIDITY] = "humidity",
		[PROFILE_CONN_DIO] = "discrete I/O",
		[PROFILE_CONN_LOGIC] = "Logic bus",
		[PROFILE_CONN_CAN] = "CAN",
		[PROFILE_CONN_CAN_RS485] = "CAN and RS-485",
		[PROFILE_CONN_JUMPER] = "jumper",
		[PROFILE_CONN_LED] = "LED",
	};

	return (unsigned int)kind < PROFILE_CONN_KIND_COUNT ? names[kind] : "?";
}
