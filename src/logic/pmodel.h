/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmodel: the pack model. It holds what the MCU last reported: the latest
 * value of every fast frame (STATUS, CURRENT, CHARGE_IN/OUT, IO, EXT,
 * LOGIC, CAL, VERSION), each with its receive time, and the latest
 * committed snapshot of every cell voltage and temperature, assembled with
 * bp_asm so that a half cycle is never visible, with a summary computed
 * once per commit.
 *
 * Every item is UNKNOWN until its first value, VALID once one arrived, and
 * STALE after pmodel_reset() (link loss) until the next one arrives. The
 * accessors return NULL unless the item is VALID: an unknown value is never
 * presented as zero. The last value of a STALE item stays in the struct for
 * display ("last known ..., 12 s ago").
 *
 * Pure: no descriptors, no clock (time is an argument), no allocation.
 * Readers (status, Modbus) copy what they need; the generation counter
 * tells them when a new snapshot arrived.
 */
#ifndef PMODEL_H
#define PMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/bp.h"

enum pmodel_item {
	PM_STATUS = 0,
	PM_CURRENT,
	PM_CHARGE_IN,
	PM_CHARGE_OUT,
	PM_IO,
	PM_EXT,
	PM_LOGIC,
	PM_CAL,
	PM_VERSION,
	PM_SNAPSHOT, /* the committed snapshot and its summary */
	PM_ITEMS
};

enum pmodel_validity {
	PM_UNKNOWN = 0, /* nothing received since pmodel_init() */
	PM_VALID,       /* received since the last pmodel_reset() */
	PM_STALE,       /* the last value predates a link loss */
};

struct pmodel_meta {
	uint8_t validity; /* enum pmodel_validity */
	uint64_t at_ms;   /* receive time of the last value; 0 while UNKNOWN */
	uint32_t count;   /* values received since pmodel_init() */
};

/* "No such place / no value" in the summary's 8-bit fields. */
#define PMODEL_NA_U8 0xFFu

/* A cell or sensor: board 0..31, index 0..23 (cells) or 0..7 (sensors),
 * both PMODEL_NA_U8 when there is none. */
struct pmodel_loc {
	uint8_t board;
	uint8_t index;
};

/*
 * Figures over one committed snapshot. Only boards that sent a BSTATUS in
 * the cycle count ("present"), and of those only the first ncells cells and
 * ntemps sensors that the board reports. A cell counts as valid unless it
 * carries the NA code; a sensor counts as valid unless it carries the NA
 * code or its board flags it failed. Minimum and maximum locations name the
 * first such cell or sensor in board order. Without a valid cell the cell
 * figures hold BP_CELL_MV_NA, without a valid sensor the temperature
 * figures hold BP_TEMP_DC_NA, and their locations PMODEL_NA_U8.
 */
struct pmodel_summary {
	uint64_t gen;          /* the snapshot's generation */
	uint64_t at_ms;        /* receive time of the committing CYCLE_END */
	uint64_t mcu_time_ms;  /* CYCLE_END.time_ms: MCU (pack) time */
	uint8_t cycle;

	uint16_t cells;        /* cells the present boards report */
	uint16_t cells_valid;
	uint16_t cells_na;     /* cells - cells_valid */
	uint32_t pack_mV;      /* sum of the valid cells */
	uint16_t cell_min_mV, cell_max_mV;
	uint16_t cell_mean_mV; /* pack_mV / cells_valid, rounded */
	uint16_t cell_spread_mV; /* max - min */
	struct pmodel_loc cell_min_at, cell_max_at;

	uint16_t temps;        /* sensors the present boards report */
	uint16_t temps_valid;
	int16_t temp_min_dC, temp_max_dC;
	struct pmodel_loc temp_min_at, temp_max_at;
	uint16_t sensor_faults; /* sensors that their board flags failed */

	uint8_t boards_configured; /* LOGIC.boards when the snapshot committed,
				    * PMODEL_NA_U8 before any LOGIC frame */
	uint8_t boards_present, boards_online, boards_fresh, boards_balancing;
	uint32_t present_mask;  /* bit n = board n */
	uint32_t online_mask, fresh_mask, balancing_mask;
	uint32_t fault_mask;    /* boards with a failed sensor */
};

struct pmodel_stats {
	uint32_t committed;    /* complete snapshots */
	uint32_t discarded;    /* incomplete or mixed cycles dropped */
	uint32_t resets;       /* pmodel_reset() calls */
	uint32_t charge_falls; /* a CHARGE counter fell: the MCU restarted */
};

struct pmodel {
	struct bp_status status;
	struct bp_current current;
	struct bp_charge charge_in, charge_out;
	struct bp_io io;
	struct bp_ext ext;
	struct bp_logic logic;
	struct bp_cal cal;
	struct bp_version version;
	struct pmodel_meta meta[PM_ITEMS];

	struct bp_asm as;
	struct bp_snapshot snap;   /* the committed snapshot */
	struct pmodel_summary sum; /* of snap */
	uint64_t gen;
	uint32_t resets, charge_falls;
};

/* Everything UNKNOWN, generation 0. */
void pmodel_init(struct pmodel *pm);

/* Take one decoded MCU -> daemon message received at @now_ms. Returns 1
 * when it committed a new snapshot (the generation advanced), 0 otherwise,
 * or -EINVAL for a daemon -> MCU message (those are not pack data). */
int pmodel_feed(struct pmodel *pm, const struct bp_msg *m, uint64_t now_ms);

/* The link was lost: every VALID item becomes STALE, and the snapshot
 * being assembled is dropped, so that no cycle can mix frames from both
 * sides of the gap. The generation and the statistics remain. */
void pmodel_reset(struct pmodel *pm);

const struct pmodel_meta *pmodel_meta(const struct pmodel *pm, enum pmodel_item it);

/* True when @it is VALID. */
bool pmodel_valid(const struct pmodel *pm, enum pmodel_item it);

/* Milliseconds since the last value of @it arrived, whether VALID or
 * STALE; UINT64_MAX while UNKNOWN. */
uint64_t pmodel_age_ms(const struct pmodel *pm, enum pmodel_item it, uint64_t now_ms);

/* The latest values; NULL unless VALID. */
const struct bp_status *pmodel_status(const struct pmodel *pm);
const struct bp_current *pmodel_current(const struct pmodel *pm);
const struct bp_charge *pmodel_charge_in(const struct pmodel *pm);
const struct bp_charge *pmodel_charge_out(const struct pmodel *pm);
const struct bp_io *pmodel_io(const struct pmodel *pm);
const struct bp_ext *pmodel_ext(const struct pmodel *pm);
const struct bp_logic *pmodel_logic(const struct pmodel *pm);
const struct bp_cal *pmodel_cal(const struct pmodel *pm);
const struct bp_version *pmodel_version(const struct pmodel *pm);
const struct bp_snapshot *pmodel_snapshot(const struct pmodel *pm);
const struct pmodel_summary *pmodel_summary(const struct pmodel *pm);

/* Committed snapshots since init (0: none yet). */
uint64_t pmodel_gen(const struct pmodel *pm);

void pmodel_get_stats(const struct pmodel *pm, struct pmodel_stats *st);

/* "status", "current", ..., "snapshot"; "?" out of range. */
const char *pmodel_item_name(enum pmodel_item it);

/* "unknown", "valid", "stale". */
const char *pmodel_validity_name(enum pmodel_validity v);

/* Compute the summary of @s into @out (pmodel_feed does this on every
 * commit; exposed for tests and tools). @boards_configured goes into the
 * summary as it is. */
void pmodel_summarize(const struct bp_snapshot *s, uint8_t boards_configured,
		      struct pmodel_summary *out);

#endif /* PMODEL_H */
