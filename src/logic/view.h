/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * view: what bmsd publishes about the battery, one consistent copy per
 * control cycle. Every external interface (status, Modbus, CAN1, CAN2)
 * reads this struct and nothing else, so that a Modbus read or a CAN frame
 * never mixes two cycles and the interfaces never reach into the logic.
 *
 * bmsd fills it (daemon/publish.c, bmsd_publish) every 100 ms, and at
 * start and after a reload; gen counts the publications. All fields are
 * plain values (daemon.cfg_path points to the path named at start, which
 * never changes); a figure that is not known has its _valid flag false, and
 * the interfaces then send their protocol's "not available" value, never 0.
 */
#ifndef VIEW_H
#define VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/bp.h"
#include "canio.h"
#include "cfg.h"
#include "fault.h"
#include "pmodel.h"
#include "prot_ids.h"

#define VIEW_BOARDS BP_MAX_BOARDS
#define VIEW_CELLS BP_MAX_CELLS
#define VIEW_TEMPS BP_MAX_TEMPS

/* The battery's operating state, as SunSpec's State and our CAN2 feed say it. */
enum view_state {
	VIEW_ST_UNCONFIGURED = 0, /* no valid config: nothing runs */
	VIEW_ST_STARTING,         /* config pushed, waiting for the MCU and data */
	VIEW_ST_STANDBY,          /* contactors open, ready to connect */
	VIEW_ST_PRECHARGE,        /* precharge in progress */
	VIEW_ST_CONNECTED,        /* contactors closed */
	VIEW_ST_SOFT_STOP,        /* asking for zero current before opening */
	VIEW_ST_FAULT,            /* open because of a fault */
	VIEW_ST_COUNT
};

struct view_board {
	bool present;      /* reported in the last snapshot */
	bool online;
	uint8_t ncells, ntemps;
	uint32_t bal_mask; /* bit n = cell n+1 bleeding, as the board reports */
	uint8_t ntc_fault; /* bit n = sensor n+1 failed */
	uint16_t cell_mV[VIEW_CELLS];  /* BP_CELL_MV_NA: no value */
	int16_t temp_dC[VIEW_TEMPS];   /* BP_TEMP_DC_NA: no value */
	uint16_t cell_min_mV, cell_max_mV, cell_mean_mV; /* BP_CELL_MV_NA if none */
	int16_t temp_min_dC, temp_max_dC;                /* BP_TEMP_DC_NA if none */
	uint32_t pack_mV;  /* sum of its valid cells */
};

struct view_counters {
	uint32_t full_cycles_dcyc;  /* 0.01 cycle: charge throughput / (2 x capacity) */
	uint64_t charge_in_mAh, charge_out_mAh;
	uint64_t energy_in_Wh, energy_out_Wh;
	uint32_t contactor_cycles[4]; /* per relay: closings */
	int16_t temp_min_dC, temp_max_dC; /* lifetime extremes, BP_TEMP_DC_NA unknown */
};

/* bmsd itself and the configuration it runs, as the status screen shows them */
struct view_daemon {
	uint64_t started_ms;     /* CLOCK_MONOTONIC at start: the uptime's origin */
	const char *cfg_path;    /* the file named at start; fixed while bmsd runs */
	bool running;            /* a configuration and its link in force: the pack runs */
	bool cfg_err_set;        /* a load failed; cfg_err says why */
	struct cfg_error cfg_err; /* the last failed load, kept after a good one */
	uint8_t board;           /* enum profile_id of the configuration */
	char interface[CFG_IFACE_MAX]; /* link.interface */
	uint8_t input_invert, output_invert; /* bit n = channel n+1 inverted */
};

/* The MCU link (logic/link.h) and the transport under it (lib/canio.h). */
struct view_link {
	uint8_t state;           /* enum link_state */
	bool open;               /* the transport is open; bus counts it */
	bool comm_fault, verified;
	uint64_t rx_frames, lost, rx_unknown, rx_bad_dlc, rx_range;
	uint64_t tx_frames, tx_errors;
	uint64_t foreign;        /* extended or remote frames on the link */
	uint32_t comm_faults, cfg_pushes, cfg_verified;
	bool status_heard;       /* a STATUS frame arrived since start */
	uint64_t status_ms;      /* its receive time, so that an age stays exact */
	uint8_t relays, dos;     /* what OUTPUT_CMD commands, bit n = channel n+1 */
	struct canio_stats bus;
};

/* The bridge MCU, from its STATUS (through the link) and its IO frame. */
struct view_mcu {
	int safety, cfg_state;   /* enum bp_safety, enum bp_cfg_state; -1 unknown */
	int trip;                /* trip bits; -1 unknown */
	uint32_t cfg_crc;        /* of bmsd's configuration, 0 without one */
	bool io_valid;           /* faults and the view's relay_out, di, supply_mV hold */
	uint16_t faults;         /* enum bp_fault */
};

/* The pack model's committed snapshot, summarized. */
struct view_snapshot {
	bool valid;              /* sum holds a committed snapshot */
	uint64_t gen;            /* snapshots since start (pmodel_gen) */
	struct pmodel_summary sum;
};

/* The battery logic (logic/batt.h) beyond the figures above. */
struct view_batt {
	bool on;                 /* the logic runs */
	unsigned int bleeding;   /* cells bleeding now */
	uint32_t reactions;      /* reaction times recorded */
};

struct view {
	uint64_t gen;   /* publications so far; 0: nothing yet */
	uint64_t at_ms; /* CLOCK_MONOTONIC of this publication */

	enum view_state state;
	bool configured;
	bool link_up;      /* MCU link verified and armed */
	unsigned int faults; /* enum bmsd_fault bits */

	/* pack figures from the committed snapshot and the fast frames */
	bool pack_valid;   /* cells known */
	uint32_t pack_mV;
	bool current_valid;
	int32_t current_mA; /* + = charging */
	uint16_t cell_min_mV, cell_max_mV, cell_mean_mV, cell_spread_mV;
	uint8_t cell_min_board, cell_min_cell, cell_max_board, cell_max_cell; /* 1-based */
	bool temp_valid;
	int16_t temp_min_dC, temp_max_dC, temp_mean_dC;
	uint8_t temp_min_board, temp_max_board; /* 1-based */
	int16_t ext_temp_dC[BP_NUM_NTC]; /* BP_TEMP_DC_NA: no value */
	bool rh_valid;
	uint16_t rh_dpct;   /* 0.1 %RH */
	uint16_t supply_mV;

	/* battery logic */
	bool soc_valid;
	uint16_t soc_dpct;  /* 0.1 % */
	bool soh_valid;
	uint16_t soh_dpct;  /* 0.1 % */
	uint32_t capacity_mAh;      /* nominal, from config */
	uint32_t capacity_meas_mAh; /* measured between syncs; 0 unknown */
	uint32_t remaining_mAh;
	bool limits_valid;
	uint32_t ccl_mA, dcl_mA;    /* charge and discharge current limits */
	uint32_t cvl_mV, dvl_mV;    /* charge and discharge voltage limits (pack) */
	bool charge_allowed, discharge_allowed;
	bool soft_stop;             /* limits forced to 0 before opening */
	bool full;                  /* end of charge reached */
	bool disconnect_requested;  /* the operator's disconnect (SetOp, bmsctl) holds */
	bool heater_on;
	bool balancing;             /* any cell bleeding */

	/* protections, indexed by enum prot_id */
	uint8_t prot_state[PROT_COUNT]; /* enum prot_state */
	uint8_t prot_tier[PROT_COUNT];  /* enum prot_tier, as configured */
	bool prot_enabled[PROT_COUNT];
	uint32_t warnings, alarms, criticals; /* active (set, clearing or latched), by tier */
	uint32_t latched;                      /* held until reset */

	/* relays and discrete I/O: bit n = channel n+1 */
	uint8_t relay_roles[4];  /* enum cfg_relay_role */
	uint8_t input_roles[4];  /* enum cfg_input_role */
	uint8_t output_roles[4]; /* enum cfg_output_role */
	uint8_t relay_cmd;       /* what bmsd commands (the battery logic's) */
	uint8_t relay_out;       /* what the MCU drives */
	uint8_t di, dos;

	struct view_counters counters;

	/* Logic boards */
	uint8_t boards, cells_per_board, temps_per_board; /* configured */
	uint32_t online_mask, balancing_mask;
	struct view_board board[VIEW_BOARDS];

	/* identity */
	char serial[24];       /* "bmsd-<machine id prefix>" */
	char fw_version[16];   /* bridge firmware "1.2.3", "" unknown */
	char version[16];      /* bmsd's own */
	uint8_t hw;            /* board id from VERSION, 0 unknown */

	/* what the status screen shows besides */
	struct view_daemon daemon;
	struct view_link link;
	struct view_mcu mcu;
	struct view_snapshot snap;
	struct view_batt batt;
};

/* Names for the CAN2 feed, Modbus docs and status: "standby", ... */
const char *view_state_name(enum view_state s);

#endif /* VIEW_H */
