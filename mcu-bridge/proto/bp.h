/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bp: the bridge protocol between the mcu-bridge firmware and bmsd.
 *
 * Classic CAN 2.0A, 11-bit identifiers, 8-byte payloads (every frame has
 * DLC 8), multi-byte fields little-endian. docs/bridge-protocol.md is the
 * normative description; this codec is its only implementation and is
 * shared by the firmware and the daemon. It is freestanding: no I/O, no
 * allocation, no libc beyond <stdint.h>, <stdbool.h> and <stddef.h>.
 */
#ifndef BP_H
#define BP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BP_PROTO_VERSION 1u

#define BP_MAX_BOARDS 32u
#define BP_MAX_CELLS 24u   /* per Logic board */
#define BP_MAX_TEMPS 8u    /* per Logic board */
#define BP_NUM_RELAYS 4u
#define BP_NUM_DI 4u
#define BP_NUM_DO 4u
#define BP_NUM_CURRENT 2u  /* current-sensor inputs */
#define BP_NUM_NTC 2u      /* external NTC inputs */

#define BP_CELLS_PER_FRAME 4u
#define BP_TEMPS_PER_FRAME 4u
#define BP_CELL_GROUPS (BP_MAX_CELLS / BP_CELLS_PER_FRAME) /* 6 */
#define BP_TEMP_GROUPS (BP_MAX_TEMPS / BP_TEMPS_PER_FRAME) /* 2 */

/* Cell voltages travel as 14-bit unsigned mV, temperatures as 14-bit
 * two's-complement dC. The all-ones / most-negative codes mean "no value". */
#define BP_CELL_MV_MAX 16382u
#define BP_CELL_MV_NA 16383u
#define BP_TEMP_DC_MIN (-8191)
#define BP_TEMP_DC_MAX 8191
#define BP_TEMP_DC_NA (-8192)

/* 24-bit signed current, mA. */
#define BP_CURRENT_MA_MIN (-8388607L)
#define BP_CURRENT_MA_MAX 8388607L
#define BP_CURRENT_MA_NA (-8388608L)

/* 56-bit unsigned charge counters, mA*s (never wrap in a product life). */
#define BP_CHARGE_MAX ((UINT64_C(1) << 56) - 1u)
/* 40-bit snapshot timestamp, ms of MCU (pack) time. */
#define BP_TIME_MAX ((UINT64_C(1) << 40) - 1u)

/* Compiled-in heartbeat timeout range. The ceiling is the floor's promise:
 * no configuration can make the MCU wait longer for a silent daemon. */
#define BP_HEARTBEAT_MIN_MS 50u
#define BP_HEARTBEAT_CEILING_MS 2000u
#define BP_HEARTBEAT_DEFAULT_MS 500u

/* CAN identifiers. Lower identifiers win arbitration: commands first, then
 * the MCU's fast frames, then the per-board snapshot frames. */
enum bp_id {
	/* daemon -> MCU */
	BP_ID_HEARTBEAT = 0x050,
	BP_ID_OUTPUT_CMD = 0x051,
	BP_ID_BAL_CMD = 0x052,
	BP_ID_CFG_DATA = 0x058,
	BP_ID_CFG_COMMIT = 0x059,
	/* MCU -> daemon */
	BP_ID_STATUS = 0x100,
	BP_ID_CURRENT = 0x101,
	BP_ID_CHARGE_IN = 0x102,
	BP_ID_CHARGE_OUT = 0x103,
	BP_ID_IO = 0x104,
	BP_ID_EXT = 0x105,
	BP_ID_LOGIC = 0x106,
	BP_ID_CAL = 0x107,
	BP_ID_VERSION = 0x10F,
	/* snapshot frames: 0x200 + board * 8 + group (groups 0..5 cells,
	 * 6..7 temperatures), 0x300 + board status, then the cycle end */
	BP_ID_BOARD_BASE = 0x200,
	BP_ID_BOARD_LAST = 0x2FF,
	BP_ID_BSTATUS_BASE = 0x300,
	BP_ID_BSTATUS_LAST = 0x31F,
	BP_ID_CYCLE_END = 0x320,
};

/* Safety-floor state, as reported in STATUS. */
enum bp_safety {
	BP_SAFETY_LOCKED = 0,  /* no verified config or no heartbeat yet: all open */
	BP_SAFETY_ARMED = 1,   /* relays follow the daemon's commands */
	BP_SAFETY_TRIPPED = 2, /* floor opened every relay; see trip reasons */
};

/* Configuration state, as reported in STATUS. */
enum bp_cfg_state {
	BP_CFG_NONE = 0,      /* nothing received since reset */
	BP_CFG_LOADING = 1,   /* data frames arriving */
	BP_CFG_ACTIVE = 2,    /* verified: the echoed CRC is the active config */
	BP_CFG_REJECTED = 3,  /* CRC mismatch, gap or out-of-range field */
};

/* Trip reasons (STATUS.trip, a latched bit set). */
enum bp_trip {
	BP_TRIP_HEARTBEAT = 1u << 0,
	BP_TRIP_CELL_HIGH = 1u << 1,
	BP_TRIP_CELL_LOW = 1u << 2,
	BP_TRIP_SHORT_CIRCUIT = 1u << 3,
	BP_TRIP_TEMP_HIGH = 1u << 4,
	BP_TRIP_TEMP_LOW = 1u << 5,
	BP_TRIP_CFG_CHANGED = 1u << 6, /* a new config arrived while armed */
	BP_TRIP_CURRENT_SENSOR = 1u << 7, /* no sensor can measure the current */
};

/* MCU fault flags (IO.faults). */
enum bp_fault {
	BP_FAULT_CAN_TX_OVERFLOW = 1u << 0,
	BP_FAULT_CAN_RX_OVERFLOW = 1u << 1,
	BP_FAULT_LOGIC_OFFLINE = 1u << 2,   /* at least one board offline */
	BP_FAULT_CURRENT_SENSOR = 1u << 3,  /* out of range or implausible */
	BP_FAULT_NTC = 1u << 4,             /* external NTC open or short */
	BP_FAULT_HUMIDITY = 1u << 5,
	BP_FAULT_SUPPLY = 1u << 6,          /* supply outside 9..32 V */
	BP_FAULT_BAD_FRAME = 1u << 7,       /* malformed command received */
	BP_FAULT_WATCHDOG_RESET = 1u << 8,  /* last reset came from the IWDG */
};

/* CURRENT.flags */
enum bp_current_flag {
	BP_CUR_S1_VALID = 1u << 0,
	BP_CUR_S2_VALID = 1u << 1,
	BP_CUR_S2_SELECTED = 1u << 2, /* high-range sensor in use */
	BP_CUR_IMPLAUSIBLE = 1u << 3,
	BP_CUR_S1_RANGE = 1u << 4,    /* sensor 1 saturated or beyond range: over-current */
	BP_CUR_S2_RANGE = 1u << 5,
	BP_CUR_ZERO_CAL = 1u << 6,    /* zero calibration in progress */
};

/* Sensor status codes (2 bits each in EXT.flags). */
enum bp_sensor_state {
	BP_SENSOR_OK = 0,
	BP_SENSOR_OPEN = 1,
	BP_SENSOR_SHORT = 2,
	BP_SENSOR_ABSENT = 3, /* not fitted / not configured */
};

/* BOARD_STATUS.flags */
enum bp_board_flag {
	BP_BOARD_ONLINE = 1u << 0,
	BP_BOARD_FRESH = 1u << 1,     /* data in this cycle came from this cycle's poll */
	BP_BOARD_BALANCING = 1u << 2,
	BP_BOARD_CRC_ERRORS = 1u << 3, /* CRC errors since last cycle */
	BP_BOARD_TIMEOUTS = 1u << 4,   /* timeouts since last cycle */
};

/* OUTPUT_CMD.flags */
enum bp_cmd_flag {
	BP_CMD_TRIP_RESET = 1u << 0, /* clear latched trips whose cause is gone */
	BP_CMD_ZERO_CAL_S1 = 1u << 1,
	BP_CMD_ZERO_CAL_S2 = 1u << 2,
};

/* Error codes returned by the codec (negative). */
enum bp_err {
	BP_OK = 0,
	BP_EUNKNOWN = -1, /* identifier not part of the protocol */
	BP_ESHORT = -2,   /* DLC other than 8 */
	BP_ERANGE = -3,   /* field out of its documented range / reserved bits set */
	BP_EINVAL = -4,   /* caller passed an out-of-range value to encode */
};

struct bp_frame {
	uint16_t id; /* 11-bit */
	uint8_t len;
	uint8_t data[8];
};

enum bp_type {
	BP_T_NONE = 0,
	BP_T_HEARTBEAT,
	BP_T_OUTPUT_CMD,
	BP_T_BAL_CMD,
	BP_T_CFG_DATA,
	BP_T_CFG_COMMIT,
	BP_T_STATUS,
	BP_T_CURRENT,
	BP_T_CHARGE_IN,
	BP_T_CHARGE_OUT,
	BP_T_IO,
	BP_T_EXT,
	BP_T_LOGIC,
	BP_T_CAL,
	BP_T_VERSION,
	BP_T_CELLS,
	BP_T_TEMPS,
	BP_T_BSTATUS,
	BP_T_CYCLE_END,
	BP_T_COUNT
};

struct bp_heartbeat {
	uint8_t ctr;
	uint8_t daemon_state; /* informative: 0 starting, 1 running, 2 fault */
	uint32_t cfg_crc;     /* CRC of the config the daemon believes active */
};

struct bp_output_cmd {
	uint8_t ctr;
	uint8_t relays; /* bit n = relay n+1 closed */
	uint8_t dos;    /* bit n = DO n+1 on */
	uint8_t flags;  /* enum bp_cmd_flag */
};

struct bp_bal_cmd {
	uint8_t ctr;
	uint8_t board;  /* 0..31 */
	uint32_t mask;  /* 24 bits, bit n = cell n+1 bleeds */
};

#define BP_CFG_DATA_BYTES 7u
#define BP_CFG_MAX_SEGMENTS 64u
#define BP_CFG_BLOB_MAX (BP_CFG_DATA_BYTES * BP_CFG_MAX_SEGMENTS)

struct bp_cfg_data {
	uint8_t seq;                        /* segment index, 0..63 */
	uint8_t bytes[BP_CFG_DATA_BYTES];
};

struct bp_cfg_commit {
	uint16_t len;   /* blob length in bytes */
	uint32_t crc;   /* CRC-32 of the blob */
};

struct bp_status {
	uint8_t ctr;
	uint8_t safety;    /* enum bp_safety */
	uint8_t cfg_state; /* enum bp_cfg_state */
	uint16_t trip;     /* enum bp_trip bits */
	uint32_t cfg_crc;  /* CRC of the active config, 0 when none */
};

struct bp_current {
	uint8_t ctr;
	uint8_t flags;           /* enum bp_current_flag */
	int32_t mA[BP_NUM_CURRENT]; /* + = charging; BP_CURRENT_MA_NA if invalid */
};

struct bp_charge {
	uint8_t ctr;
	uint64_t mAs; /* monotonic, 56 bits used */
};

struct bp_io {
	uint8_t ctr;
	uint8_t relay_out; /* bits 0..3: what the MCU drives */
	uint8_t relay_cmd; /* bits 0..3: what the daemon last asked for */
	uint8_t di;        /* bits 0..3: debounced */
	uint8_t di_raw;    /* bits 0..3: instantaneous */
	uint8_t dos;       /* bits 0..3 */
	uint16_t faults;   /* enum bp_fault */
	uint16_t supply_mV;
};

struct bp_ext {
	uint8_t ctr;
	uint8_t ntc_state[BP_NUM_NTC]; /* enum bp_sensor_state */
	uint8_t hum_state;             /* enum bp_sensor_state */
	int16_t t_dC[BP_NUM_NTC];      /* BP_TEMP_DC_NA unless OK */
	uint16_t rh_dpct;              /* 0..1000 (0.1 %RH); 0xFFFF unless OK */
};

struct bp_logic {
	uint8_t ctr;
	uint32_t online;     /* bit n = board n online */
	uint8_t boards;      /* configured board count */
	uint8_t crc_errors;  /* rolling 8-bit count of CRC errors */
	uint8_t timeouts;    /* rolling 8-bit count of timeouts */
};

struct bp_cal {
	uint8_t ctr;
	uint8_t sensor;  /* 0..1 */
	int32_t zero_uV; /* measured zero offset */
};

struct bp_version {
	uint8_t ctr;
	uint8_t proto;    /* BP_PROTO_VERSION */
	uint8_t fw_major, fw_minor, fw_patch;
	uint8_t hw;       /* board id: 1 = Main 2R, 2 = Main 2.1, 0x7F = simulator */
	uint16_t uptime_s; /* wraps */
};

struct bp_cells {
	uint8_t cycle;
	uint8_t board; /* 0..31 */
	uint8_t group; /* 0..5: cells group*4 .. group*4+3 */
	uint16_t mV[BP_CELLS_PER_FRAME]; /* BP_CELL_MV_NA = no value */
};

struct bp_temps {
	uint8_t cycle;
	uint8_t board;
	uint8_t group; /* 0..1: sensors group*4 .. group*4+3 */
	int16_t dC[BP_TEMPS_PER_FRAME]; /* BP_TEMP_DC_NA = no value / fault */
};

struct bp_bstatus {
	uint8_t cycle;
	uint8_t board;
	uint8_t flags;     /* enum bp_board_flag */
	uint32_t bal_mask; /* 24 bits, as the board reports it */
	uint8_t ntc_fault; /* bit n = cell temperature sensor n faulted */
	uint8_t ncells;    /* 0..24 */
	uint8_t ntemps;    /* 0..8 */
};

struct bp_cycle_end {
	uint8_t cycle;
	uint16_t nframes; /* snapshot frames sent in this cycle, excluding this one */
	uint64_t time_ms; /* MCU (pack) time of the snapshot, 40 bits */
};

struct bp_msg {
	enum bp_type type;
	union {
		struct bp_heartbeat hb;
		struct bp_output_cmd out;
		struct bp_bal_cmd bal;
		struct bp_cfg_data cfgd;
		struct bp_cfg_commit cfgc;
		struct bp_status status;
		struct bp_current cur;
		struct bp_charge chg; /* CHARGE_IN and CHARGE_OUT */
		struct bp_io io;
		struct bp_ext ext;
		struct bp_logic logic;
		struct bp_cal cal;
		struct bp_version ver;
		struct bp_cells cells;
		struct bp_temps temps;
		struct bp_bstatus bst;
		struct bp_cycle_end end;
	} u;
};

/* Encode @m into @f (DLC 8, unused bytes zero). Returns BP_OK, or BP_EINVAL
 * when a field is outside what the wire can carry. */
int bp_encode(const struct bp_msg *m, struct bp_frame *f);

/* Decode @f into @m. Returns BP_OK, BP_EUNKNOWN, BP_ESHORT or BP_ERANGE;
 * @m is only meaningful on BP_OK. Never reads past f->data[7]. */
int bp_decode(const struct bp_frame *f, struct bp_msg *m);

/* Human-readable name of a message type ("STATUS", "CELLS", ...). */
const char *bp_type_name(enum bp_type t);

/* Names of a safety state ("locked", "armed", "tripped"), a configuration
 * state ("none", "loading", "active", "rejected") and one trip bit
 * ("heartbeat", "cell-high", ...); "?" when out of range. */
const char *bp_safety_name(unsigned int s);
const char *bp_cfg_state_name(unsigned int s);
const char *bp_trip_name(unsigned int bit);

/* Bits that @f occupies on the wire: SOF to end of the 3-bit interframe
 * space, with the stuff bits that its actual content needs. */
unsigned int bp_frame_bits(const struct bp_frame *f);

/* ---- configuration push ------------------------------------------------ */

enum bp_ntc_model {
	BP_NTC_NONE = 0,
	BP_NTC_BETA = 1,
	BP_NTC_STEINHART = 2,
};

struct bp_ntc_cfg {
	uint8_t model;      /* enum bp_ntc_model */
	uint16_t beta_K;    /* beta model: B25/85 constant, 1000..10000 */
	uint32_t r25_ohm;   /* beta model: resistance at 25 degC, 100..1000000 */
	float sh_a, sh_b, sh_c; /* Steinhart-Hart: 1/T = a + b ln R + c ln^3 R */
};

struct bp_cs_cfg {
	int32_t gain_uA_per_mV; /* sensor sensitivity, non-zero; sign sets direction */
	int32_t offset_uV;      /* output minus reference at zero current */
	uint32_t range_mA;      /* |I| beyond this is out of range; 1..8388607 */
};

struct bp_config {
	uint8_t board_count;       /* 0..32 Logic boards (0: no Logic bus) */
	uint8_t cells_per_board;   /* 1..24 */
	uint8_t temps_per_board;   /* 0..8 */
	uint8_t current_sensors;   /* 0..2 */
	uint16_t heartbeat_timeout_ms; /* BP_HEARTBEAT_MIN_MS..BP_HEARTBEAT_CEILING_MS */
	uint16_t logic_offline_ms;     /* board offline after this without a reply, 100..60000 */
	uint16_t cell_crit_high_mV;    /* 1000..16382 */
	uint16_t cell_crit_low_mV;     /* 0..cell_crit_high_mV-1 */
	int16_t temp_crit_high_dC;     /* -500..2000 */
	int16_t temp_crit_low_dC;      /* -500..temp_crit_high_dC-1 */
	uint32_t short_circuit_mA;     /* 1..8388607: |I| above this trips */
	uint32_t plausibility_mA;      /* max disagreement between two sensors */
	uint8_t di_debounce_ms;        /* 1..255 */
	uint8_t ntc_enable;            /* which NTC inputs take part in the temp trip */
	struct bp_cs_cfg cs[BP_NUM_CURRENT];
	struct bp_ntc_cfg ntc[BP_NUM_NTC]; /* external NTC inputs */
	struct bp_ntc_cfg cell_ntc;        /* not used by the MCU's math (boards
					    * report dC); kept for completeness: model NONE */
	int16_t hum_gain_dpct_per_V;   /* RH = (mV - offset) * gain / 1000, 0.1 %RH */
	int16_t hum_offset_mV;
	/* The discrete outputs (bit n = DO n+1) that the MCU itself drives to
	 * "alarm" while its floor holds the pack (tripped, or locked after
	 * having been armed); the others of them are driven on, those also in
	 * alarm_dos_invert (active low) off. alarm_dos_invert is a subset. */
	uint8_t alarm_dos;
	uint8_t alarm_dos_invert;
};

/* Serialise @c into @buf (little-endian, fixed layout). Returns the length
 * (<= BP_CFG_BLOB_MAX) or BP_EINVAL if a field is out of range. */
int bp_config_pack(const struct bp_config *c, uint8_t *buf, size_t cap);

/* Parse and range-check a blob. Returns BP_OK or BP_ERANGE / BP_ESHORT. */
int bp_config_unpack(const uint8_t *buf, size_t len, struct bp_config *c);

/* Range-check a config without packing it. Returns BP_OK or BP_EINVAL. */
int bp_config_check(const struct bp_config *c);

/* The whole push of @c as the daemon sends it: CFG_DATA segments 0..n-1,
 * then CFG_COMMIT, into @out (room for @max frames; BP_CFG_MAX_SEGMENTS + 1
 * always suffices). Sets *@crc to the CRC the MCU will echo. Returns the
 * number of frames, or BP_EINVAL. */
int bp_config_push(const struct bp_config *c, struct bp_frame *out, size_t max, uint32_t *crc);

/* ---- receiver-side helpers -------------------------------------------- */

/* Rolling-counter bookkeeping for one periodic stream. */
struct bp_seq {
	bool seen;
	uint8_t last;
	uint32_t received;
	uint32_t lost;  /* frames missing between received ones */
};

/* Account for counter @ctr; returns the number of frames lost before it
 * (0 when in order). A repeat of the last counter counts as 255 lost. */
uint32_t bp_seq_update(struct bp_seq *s, uint8_t ctr);

/* Snapshot assembly: frames of one cycle go into a staging area; the cycle
 * end commits them only if every frame announced arrived with the same
 * cycle number. The committed snapshot never mixes two cycles. */
struct bp_snapshot {
	uint8_t cycle;
	uint64_t time_ms;
	uint32_t present;  /* bit n = board n reported a status in this cycle */
	struct bp_board_snap {
		uint8_t flags, ntc_fault, ncells, ntemps;
		uint32_t bal_mask;
		uint16_t cell_mV[BP_MAX_CELLS];
		int16_t temp_dC[BP_MAX_TEMPS];
	} board[BP_MAX_BOARDS];
};

struct bp_asm {
	struct bp_snapshot stage;
	bool open;
	uint16_t frames;        /* snapshot frames received for stage.cycle */
	uint32_t committed;     /* complete snapshots */
	uint32_t discarded;     /* incomplete or mixed cycles dropped */
};

void bp_asm_init(struct bp_asm *a);

/* Feed one decoded snapshot message (CELLS, TEMPS, BSTATUS or CYCLE_END).
 * Returns 1 when @out now holds a newly committed snapshot, 0 otherwise,
 * BP_EINVAL for any other message type. */
int bp_asm_feed(struct bp_asm *a, const struct bp_msg *m, struct bp_snapshot *out);

#endif /* BP_H */
