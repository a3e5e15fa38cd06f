/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg: bmsd's configuration, /etc/bmsd/bmsd.yaml, parsed with libyaml into a
 * typed, fixed-size, read-only struct.
 *
 * The schema is one table (cfg_schema.c): every key with its type, range,
 * unit, default and description, and where it lands in struct cfg. The
 * parser walks the document against it, the key reference of bmsd.yaml(5)
 * is generated from it (cfgdoc), and a new section is one more row.
 *
 * Rules the parser enforces:
 * - every error names FILE:LINE:COL (1-based, of the offending node) and the
 *   key path, and says what was expected; an unknown key gets the nearest
 *   known key at its level as a suggestion;
 * - nothing is defaulted silently for a typo: unknown keys, duplicate keys,
 *   wrong node types, numbers with trailing characters, values out of range
 *   and keys the board does not have are all errors;
 * - anchors, aliases and tags are refused; only one document is allowed;
 * - the file is at most CFG_FILE_MAX bytes.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curve.h"
#include "profile.h"
#include "roles.h"

/* The sections of the battery logic and the external interfaces; each
 * module owns its section's struct and its table of keys. */
#include "cc_cfg.h"
#include "can1_cfg.h"
#include "limits_cfg.h"
#include "modbus_cfg.h"
#include "prot_cfg.h"
#include "soc_cfg.h"

struct bp_config;

#define CFG_FILE_MAX (1024u * 1024u)   /* bytes */

#define CFG_RELAYS 4u
#define CFG_INPUTS 4u
#define CFG_OUTPUTS 4u
#define CFG_CURRENT_SENSORS 2u
#define CFG_NTCS 2u

#define CFG_IFACE_MAX 128u  /* link.interface, with its NUL */
#define CFG_SOCKET_MAX 108u /* sun_path */
#define CFG_DIR_MAX 256u
#define CFG_NAME_MAX 64u    /* group, gpio chip and line names */

enum cfg_ntc_model {
	CFG_NTC_NONE = 0,
	CFG_NTC_BETA,
	CFG_NTC_STEINHART,
	CFG_NTC_MODEL_COUNT
};

struct cfg_link {
	char interface[CFG_IFACE_MAX]; /* "socketcan:can0" or "slcan:/dev/ttyACM0" */
	uint32_t bitrate_bps;          /* 0: leave the interface's bitrate alone */
	uint32_t heartbeat_period_ms;
	uint32_t stale_ms;             /* no STATUS for this long: link lost */
	uint32_t config_timeout_ms;    /* push to verified CRC echo */
};

struct cfg_pack {
	uint32_t boards;
	uint32_t cells_per_board;
	uint32_t temps_per_board;
	uint32_t logic_offline_ms;
};

struct cfg_safety_floor {
	uint32_t heartbeat_timeout_ms;
	uint32_t cell_high_mV;
	uint32_t cell_low_mV;
	int32_t temp_high_dC;
	int32_t temp_low_dC;
	uint32_t short_circuit_mA;
};

struct cfg_current_sensor {
	bool enabled;
	int32_t sensitivity_uV_per_A; /* sign sets the direction: + = charging */
	int32_t offset_uV;
	uint32_t range_mA;
};

struct cfg_current_sensors {
	struct cfg_current_sensor cs[CFG_CURRENT_SENSORS]; /* cs[1]: high range */
	uint32_t plausibility_mA;
};

struct cfg_ntc {
	enum cfg_ntc_model model;
	uint32_t beta_K;
	uint32_t r25_ohm;
	double sh_a, sh_b, sh_c; /* 1/T = a + b ln R + c (ln R)^3, T in K, R in ohm */
	bool floor_trip;         /* takes part in the safety floor's temperature trip */
};

struct cfg_temperature_sensors {
	struct cfg_ntc t[CFG_NTCS];
};

struct cfg_humidity {
	bool enabled;
	uint32_t sensitivity_uV_per_pct; /* output per %RH */
	int32_t offset_mV;               /* output at 0 %RH */
};

struct cfg_relay {
	enum cfg_relay_role role;
};

struct cfg_relays {
	struct cfg_relay relay[CFG_RELAYS];
};

struct cfg_input {
	enum cfg_input_role role;
	bool invert;
};

struct cfg_inputs {
	struct cfg_input in[CFG_INPUTS];
	uint32_t debounce_ms;
};

struct cfg_output {
	enum cfg_output_role role;
	bool invert;
};

struct cfg_outputs {
	struct cfg_output out[CFG_OUTPUTS];
};

/* An SBC GPIO line; not used unless configured. */
struct cfg_gpio_line {
	bool configured;          /* first member: the schema relies on it */
	char chip[CFG_NAME_MAX];  /* "gpiochip0" or "/dev/gpiochip0" */
	char line[CFG_NAME_MAX];  /* line name, or the offset in decimal */
	int32_t offset;           /* the offset when given as an integer, else -1 */
	bool active_low;
};

struct cfg_gpio {
	struct cfg_gpio_line run_led;
	struct cfg_gpio_line fault_led;
	struct cfg_gpio_line mcu_reset;
	struct cfg_gpio_line mcu_boot0;
	struct cfg_gpio_line rs485_de;
};

struct cfg_control {
	char socket[CFG_SOCKET_MAX];
	char group[CFG_NAME_MAX]; /* "": keep the process's group */
};

struct cfg_event_log {
	char dir[CFG_DIR_MAX];
	uint32_t max_KiB;
	bool sync;
};

struct cfg {
	enum profile_id board;
	struct cfg_link link;
	struct cfg_pack pack;
	struct cfg_safety_floor safety_floor;
	struct cfg_current_sensors current_sensors;
	struct cfg_temperature_sensors temperature_sensors;
	struct cfg_humidity humidity;
	struct cfg_relays relays;
	struct cfg_inputs inputs;
	struct cfg_outputs outputs;
	struct cfg_gpio gpio;
	struct cfg_control control;
	struct cfg_event_log event_log;
	struct cfg_protections protections;
	struct cfg_contactors contactors;
	struct cfg_soc soc;
	struct cfg_limits limits;
	struct cfg_balancing balancing;
	struct cfg_heater heater;
	struct cfg_modbus modbus;
	struct cfg_can1 can1;
	struct cfg_can2 can2;
};

struct cfg_error {
	int line, col;  /* 1-based; 0 when the error has no position */
	char msg[512];  /* complete: "FILE:LINE:COL: key.path: what was expected (got X)" */
};

/* Read and parse @path. Returns 0 with *@out filled, or a negative errno
 * (-EINVAL for a bad config or a file that is not a regular file, -ENOENT,
 * -EACCES, -EISDIR, -EFBIG when larger than CFG_FILE_MAX, -ENOMEM) with @err
 * filled. *@out is untouched on failure. @out may be NULL to validate only;
 * @err may be NULL. */
int cfg_load(const char *path, struct cfg *out, struct cfg_error *err);

/* Parse @len bytes at @buf; @name stands for the file in messages. Same
 * results as cfg_load(). Equal inputs give byte-equal structs (padding
 * included), so a reload can memcmp() the old and the new. */
int cfg_parse(const char *name, const char *buf, size_t len, struct cfg *out,
	      struct cfg_error *err);


/* The board profile @c was written for. */
const struct profile *cfg_profile(const struct cfg *c);

/* Names as written in the file ("allow-charging"), or "?" when out of range. */
const char *cfg_relay_role_name(enum cfg_relay_role r);
const char *cfg_input_role_name(enum cfg_input_role r);
const char *cfg_output_role_name(enum cfg_output_role r);
const char *cfg_ntc_model_name(enum cfg_ntc_model m);

/* ---- the schema --------------------------------------------------------- */

enum cfg_type {
	CFG_T_SECTION = 0, /* a mapping of keys (sub) */
	CFG_T_INT,         /* decimal integer, stored in size bytes */
	CFG_T_BOOL,        /* true or false */
	CFG_T_STRING,      /* NUL-terminated in a char[size] */
	CFG_T_ENUM,        /* one of names[], stored as an int */
	CFG_T_FLOAT,       /* decimal number, stored as a double */
	CFG_T_GPIO_LINE,   /* line name (string) or offset (integer): struct cfg_gpio_line */
	CFG_T_CURVE,       /* [[x, y], ...]: struct cfg_curve; x in min..max, strictly
			    * increasing, y in fmin..fmax, integers */
};

enum cfg_key_flag {
	CFG_K_REQUIRED = 1u << 0, /* no default: must be given (in a section in force) */
	CFG_K_PROFILE = 1u << 1,  /* the default comes from the board profile */
	CFG_K_SIGNED = 1u << 2,   /* INT: stored signed */
	CFG_K_EMPTY_OK = 1u << 3, /* STRING: "" is a valid value */
	CFG_K_ABSPATH = 1u << 4,  /* STRING: an absolute path */
	CFG_K_OPTIONAL = 1u << 5, /* SECTION: absent = not configured; its struct
				   * starts with bool configured */
};

struct cfg_enum_name {
	const char *name;
	int value;
	const char *desc;
};

struct cfg_key {
	const char *name;      /* key; for repeated sections the stem: "relay" */
	enum cfg_type type;
	uint16_t flags;        /* enum cfg_key_flag */
	uint16_t off;          /* offset of the field in the enclosing section's struct */
	uint16_t size;         /* size of the field (of one element when repeated) */
	uint8_t count;         /* SECTION repeated as name1..nameN; 0 = single */
	uint8_t chan;          /* enum profile_ch_kind: the section exists only where
				* the board has such a channel; keys may be aliases */
	int64_t min, max;      /* INT range, STRING: max = longest length */
	double fmin, fmax;     /* FLOAT range */
	const char *unit;      /* "mV", ...; NULL when the key is not a quantity */
	const char *def;       /* default, as it would be written in the file */
	const char *desc;      /* one line */
	const struct cfg_key *sub;          /* SECTION: its keys, ended by a NULL name */
	const struct cfg_enum_name *names;  /* ENUM: values, ended by a NULL name */
	const char *range_text; /* range when min..max does not tell all */
	const char *need_text;  /* when needed() makes the key required */
	/* Required when this returns true; @sec is the enclosing section. */
	bool (*needed)(const void *sec);
	/* Extra check of a stored value; returns what is wrong, or NULL. */
	const char *(*check)(const void *field);
	/* SECTION: a rule between its keys, run once the whole file is read
	 * (defaults applied). Returns 0, or 1 with @msg filled ("set_mV (3650)
	 * must be above clear_mV (3700)") and *@off set to the offset in the
	 * section of the key to blame. */
	int (*xcheck)(const void *sec, char *msg, size_t n, uint32_t *off);
	/* CURVE: the default curve (NULL: none, n = 0). */
	const struct cfg_curve *defcurve;
};

/* The root table, ended by a row with a NULL name. */
extern const struct cfg_key cfg_schema[];

/* Visit every row of the schema in document order, sections before their
 * keys. @path is the key path with repeated sections as "relays.relayN". */
typedef void (*cfg_schema_fn)(const struct cfg_key *k, const char *path, unsigned int depth,
			      void *arg);
void cfg_schema_walk(cfg_schema_fn fn, void *arg);

/* "integer", "boolean", "string", "enum", "number", "string or integer", "section" */
const char *cfg_key_type_name(const struct cfg_key *k);

/* The range as documented ("1..32", "an absolute path of at most 107 bytes",
 * "one of: none, beta, steinhart"), written to @buf. Returns @buf. */
const char *cfg_key_range(const struct cfg_key *k, char *buf, size_t n);

/* The default as documented: the value, "required", "from the board profile",
 * or need_text. */
const char *cfg_key_default(const struct cfg_key *k);

#endif /* CFG_H */
