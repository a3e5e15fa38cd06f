/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile: the board profiles main-2r (BMS Main 2R) and main-2.1 (BMS Main
 * 2.1). A profile lists every connector, jumper and LED of the board's
 * installation manual with its function, and the channels behind them
 * (relays, current sensors, NTC and humidity inputs, discrete inputs and
 * outputs) with the name the manual gives each and its default role.
 *
 * Everything here is static const data: pointers into it stay valid for the
 * life of the program.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdint.h>

enum profile_id {
	PROFILE_MAIN_2R = 0,
	PROFILE_MAIN_2_1 = 1,
	PROFILE_COUNT
};

/* What a connector is. */
enum profile_conn_kind {
	PROFILE_CONN_POWER = 0,
	PROFILE_CONN_USB,        /* configuration port of the original controller */
	PROFILE_CONN_RELAY,
	PROFILE_CONN_CURRENT,    /* Hall current sensor */
	PROFILE_CONN_TEMPERATURE, /* external NTCs */
	PROFILE_CONN_HUMIDITY,   /* humidity (and temperature) sensor */
	PROFILE_CONN_DIO,        /* discrete inputs and outputs */
	PROFILE_CONN_LOGIC,      /* RS-485 bus to the BMS Logic cell boards */
	PROFILE_CONN_CAN,        /* a CAN bus alone */
	PROFILE_CONN_CAN_RS485,  /* external CAN and RS-485 on one header */
	PROFILE_CONN_JUMPER,     /* bus termination jumper */
	PROFILE_CONN_LED,
	PROFILE_CONN_KIND_COUNT
};

/* One connector, jumper or LED, named as in the manual. */
struct profile_conn {
	const char *name;     /* "X4", "P13", "J1", "DS3", "DS1.2" */
	enum profile_conn_kind kind;
	const char *title;    /* short: "relay 1", "current sensor 1" */
	const char *function; /* what it is for, and for LEDs what each state means */
	const char *pins;     /* pinout, "1 GND; 2 V+ supply 9-32 V", or NULL */
};

/* Kinds of channel that the configuration assigns roles or settings to.
 * Zero is "none", so that a schema row can leave it unset. */
enum profile_ch_kind {
	PROFILE_CH_NONE = 0,
	PROFILE_CH_RELAY,
	PROFILE_CH_CURRENT,
	PROFILE_CH_NTC,
	PROFILE_CH_HUMIDITY,
	PROFILE_CH_INPUT,
	PROFILE_CH_OUTPUT,
	PROFILE_CH_KIND_COUNT
};

/* One channel: what the bridge numbers @index (0-based) of its @kind. */
struct profile_channel {
	enum profile_ch_kind kind;
	uint8_t index;
	const char *key;       /* canonical config key: "relay1", "cs2", "t1", "in3" */
	const char *alias;     /* the manual's name, also accepted as a key: "X4",
				* "P12", "DI_1"; NULL when there is none */
	const char *connector; /* connector it is on: "X4", "X1", "P13" */
	const char *signal;    /* the manual's signal name: "NO", "CS1_OUT", "IN_1" */
	/* Default role: for relays an enum cfg_relay_role, for inputs an enum
	 * cfg_input_role, for outputs an enum cfg_output_role; for current
	 * sensors, NTCs and humidity 1 when enabled by default, else 0. */
	int default_role;
	const char *function;  /* "relay 1 (discharge contactor by default)" */
};

struct profile {
	enum profile_id id;
	const char *name;      /* "main-2r", "main-2.1": the config's board key */
	const char *title;     /* "BMS Main 2R" */
	uint8_t hw_id;         /* VERSION.hw the bridge reports: 1 Main 2R, 2 Main 2.1 */
	const char *supply;    /* "9-32 V on X3" */
	const struct profile_conn *conns;
	unsigned int nconns;
	const struct profile_channel *chans;
	unsigned int nchans;
	uint8_t count[PROFILE_CH_KIND_COUNT]; /* channels of each kind */
};

/* The profile named @name ("main-2r", "main-2.1"), or NULL. */
const struct profile *profile_find(const char *name);

/* The profile with identifier @id, or NULL when out of range. */
const struct profile *profile_by_id(enum profile_id id);

/* Iterate over every profile: index 0 .. PROFILE_COUNT - 1, then NULL. */
const struct profile *profile_at(unsigned int i);

/* Iterate over the connectors, jumpers and LEDs of @p in the manual's
 * order: index 0 .. nconns - 1, then NULL. */
const struct profile_conn *profile_conn_at(const struct profile *p, unsigned int i);

/* The connector named @name ("X8"), or NULL. */
const struct profile_conn *profile_conn_find(const struct profile *p, const char *name);

/* Iterate over the channels of @p: index 0 .. nchans - 1, then NULL. */
const struct profile_channel *profile_channel_at(const struct profile *p, unsigned int i);

/* Channel @index (0-based) of @kind, or NULL when the board has none. */
const struct profile_channel *profile_channel(const struct profile *p, enum profile_ch_kind kind,
					      unsigned int index);

/* The channel of @kind whose canonical key or alias is @name, or NULL. */
const struct profile_channel *profile_channel_find(const struct profile *p,
						   enum profile_ch_kind kind, const char *name);

/* "relay", "current sensor", ... for messages. */
const char *profile_ch_kind_name(enum profile_ch_kind kind);

/* "power", "relay", "LED", ... */
const char *profile_conn_kind_name(enum profile_conn_kind kind);

#endif /* PROFILE_H */
