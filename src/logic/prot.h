/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prot: the protection engine. One state machine per protection of
 * PROT_LIST (prot_ids.h), all driven by one step function with the pack's
 * figures and the time.
 *
 * Kinds. A "high" protection sets when its value is at or above its set
 * threshold and clears when it is below its clear threshold; a "low" one
 * sets at or below set and clears above clear; a "condition" protection
 * follows a boolean input (bit 1u << id of prot_in.cond).
 *
 * States (enum prot_state):
 *   CLEAR    -> SETTING   when the condition appears (set delay starts);
 *   SETTING  -> ACTIVE    when it held for set_delay_ms;
 *   SETTING  -> CLEAR     when it went away before;
 *   ACTIVE   -> CLEARING  when it is gone (clear delay starts);
 *   CLEARING -> CLEAR     when it stayed gone for clear_delay_ms, or
 *            -> LATCHED   instead when the protection latches;
 *   CLEARING -> ACTIVE    when it is back before;
 *   LATCHED  -> ACTIVE    when it is back;
 *   LATCHED  -> CLEAR     only on prot_reset() (or a reload that disables it).
 * A delay of 0 skips its intermediate state: CLEAR -> ACTIVE, ACTIVE ->
 * CLEAR (or LATCHED) in one step. "Gone" means past the clear threshold, so
 * a value between the two thresholds keeps an ACTIVE protection active and
 * a CLEAR one clear. A delay counts as elapsed when now - start >= delay.
 * Deep discharge always latches, whatever its latch setting.
 *
 * Unknown inputs: a threshold protection whose input is not valid
 * neither sets nor clears; it holds its state, and a set or clear delay
 * that was running starts again from the first step with valid data.
 *
 * A protection is "in force" while ACTIVE, CLEARING or LATCHED: its tier
 * and action count in struct prot_out. SETTING is not in force.
 *
 * Pure: no descriptors, no clock, no allocation; the caller passes the time.
 */
#ifndef PROT_H
#define PROT_H

#include <stdbool.h>
#include <stdint.h>

#include "prot_cfg.h"
#include "prot_ids.h"
#include "proto/bp.h"

enum prot_kind {
	PROT_KIND_HIGH = 0, /* value >= set sets, value < clear clears */
	PROT_KIND_LOW,      /* value <= set sets, value > clear clears */
	PROT_KIND_CONDITION,
};

/* The figures of one step. A threshold protection reads its value from
 * here; the *_valid flags say whether the figures are known. */
struct prot_in {
	bool cells_valid;        /* cell_max_mV, cell_min_mV (also the spread) */
	int32_t cell_max_mV;
	int32_t cell_min_mV;
	bool pack_valid;
	int64_t pack_mV;         /* sum of the cells */
	bool current_valid;
	int32_t current_mA;      /* + = charging */
	bool current_over_range; /* with !current_valid: the current sensor is
				  * out of range (saturated), direction unknown:
				  * both over-current protections read a value
				  * beyond any threshold (PROT_OVER_RANGE) */
	bool temps_valid;        /* cell temperatures */
	int32_t temp_max_dC;
	int32_t temp_min_dC;
	bool humidity_valid;
	int32_t humidity_dpct;   /* 0.1 %RH */
	uint32_t cond;           /* bit (1u << id): the condition of a condition
				  * protection is present */
};

/* The result of a step. Masks have bit (1u << id). */
struct prot_out {
	uint32_t setting;       /* SETTING: delay running, not in force yet */
	uint32_t active;        /* ACTIVE or CLEARING */
	uint32_t latched;       /* LATCHED */
	uint32_t tier[PROT_TIER_COUNT]; /* in force (active | latched), by tier */
	uint32_t changed;       /* changed state during the call */
	/* Actions of the protections in force. open_all implies block_charge
	 * and block_discharge (the limits must be 0 while the contactors
	 * open); open_now is an open-all of the critical tier: no soft stop. */
	bool derate;
	bool block_charge;
	bool block_discharge;
	bool open_all;
	bool open_now;
	/* A path that is open must not close onto a condition that would stop
	 * it: the blocks of the protections in force, and those of the
	 * protections SETTING (condition present, set delay running). A
	 * SETTING protection does not open a closed path before its delay. */
	bool hold_charge;
	bool hold_discharge;
};

/* The value that an over-current protection reads while the sensor is out
 * of range (prot_in.current_over_range). */
#define PROT_OVER_RANGE INT32_MAX

/* Called for every state change, with the value that caused it (the
 * protection's value in its unit; 1 or 0 for a condition; for a reset or
 * a reconfiguration, the last value seen). */
typedef void (*prot_event_fn)(void *arg, enum prot_id id, enum prot_state from,
			      enum prot_state to, int32_t value);

struct prot_entry {
	uint8_t state;      /* enum prot_state */
	bool known;         /* the input was valid at the last step */
	bool restart;       /* a running delay restarts at the next valid step */
	uint64_t since_ms;  /* start of the running set or clear delay */
	int32_t value;      /* last known value */
	int32_t value_set;  /* value when the protection last became ACTIVE */
};

struct prot {
	struct cfg_protections cfg;
	struct prot_entry e[PROT_COUNT];
	prot_event_fn event;
	void *arg;
};

/* Start with every protection CLEAR under the configuration @c (copied).
 * @event (may be NULL) is called with @arg for every state change. */
void prot_init(struct prot *p, const struct cfg_protections *c, prot_event_fn event,
	       void *arg);

/* A reload: apply @c (copied) while every protection keeps its state and
 * its running delay, so that a reload never clears a fault; the new
 * thresholds, delays, tiers and actions apply from the next step. A
 * protection that @c disables goes to CLEAR (with its event). */
void prot_reconfigure(struct prot *p, const struct cfg_protections *c);

/* Advance every enabled protection with the figures @in at @now_ms, and
 * fill @out (may be NULL). Returns the number of state changes. */
int prot_step(struct prot *p, const struct prot_in *in, uint64_t now_ms, struct prot_out *out);

/* A fault reset: every LATCHED protection goes to CLEAR, except a threshold
 * protection whose input was unknown at the last step. A latched
 * protection whose condition is present is ACTIVE or CLEARING, not
 * LATCHED, and stays. Returns how many were cleared. */
int prot_reset(struct prot *p, uint64_t now_ms);

/* The same for the protections in @mask only (bit 1u << id): a fault
 * reset clears what was latched when it was asked for, not what latched
 * since. */
int prot_reset_mask(struct prot *p, uint32_t mask, uint64_t now_ms);

/* The latches that must survive a restart: the latching protections in
 * force (ACTIVE, CLEARING or LATCHED), bit 1u << id. An active one counts,
 * so that a condition that goes away while bmsd is down is still held. */
uint32_t prot_latch_mask(const struct prot *p);

/* At start, before the first step: put the enabled protections of @mask
 * into LATCHED, as persisted by a previous run (their input unknown until
 * the first valid step, so that a reset needs fresh data for a threshold
 * protection). No event is called. Returns the mask restored. */
uint32_t prot_restore_latched(struct prot *p, uint32_t mask);

/* The aggregate of the current states, as prot_step() fills it; changed
 * is 0. */
void prot_outputs(const struct prot *p, struct prot_out *out);

/* ---- accessors ---------------------------------------------------------- */

enum prot_state prot_state_of(const struct prot *p, enum prot_id id);
/* Configured tier and action, as the engine uses them. */
enum prot_tier prot_tier_of(const struct prot *p, enum prot_id id);
enum prot_action prot_action_of(const struct prot *p, enum prot_id id);
bool prot_enabled(const struct prot *p, enum prot_id id);
/* Latches (always true for deep discharge). */
bool prot_latches(const struct prot *p, enum prot_id id);
/* The value when it last became ACTIVE; the last known value. */
int32_t prot_value_at_set(const struct prot *p, enum prot_id id);
int32_t prot_value(const struct prot *p, enum prot_id id);

/* The sub-section of @c that configures @id; NULL when out of range. */
const struct cfg_prot *prot_cfg(const struct cfg_protections *c, enum prot_id id);

enum prot_kind prot_kind_of(enum prot_id id);
/* Unit of the value: "mV", "mA", "dC", "dpct" (0.1 %RH), or "" for a
 * condition. Humidity thresholds are configured in whole %RH and compared
 * against 10 times that. */
const char *prot_unit(enum prot_id id);
/* "cell over-voltage"; config key "cell_over_voltage"; "?" when out of range. */
const char *prot_name(enum prot_id id);
const char *prot_key(enum prot_id id);
/* "clear", "setting", "active", "clearing", "latched" */
const char *prot_state_name(enum prot_state s);
/* "warning", "alarm", "critical" */
const char *prot_tier_name(enum prot_tier t);
/* "report", "derate", "block-charge", "block-discharge", "open-all" */
const char *prot_action_name(enum prot_action a);

/* ---- safety floor ------------------------------------------------------- */

/*
 * Tighten the MCU's hard limits in @bc (filled by cfg_to_bp; mcu_cfg_build
 * calls both) from the enabled protections of the critical tier, so that
 * the MCU backs them up if bmsd fails. The floor acts at once and opens
 * every relay, so it sits a margin beyond the protection and never trips
 * before it:
 *   cell_crit_high_mV  <= cell_over_voltage.set  + floor_margin_mV
 *   cell_crit_low_mV   >= cell_under_voltage.set - floor_margin_mV
 *   temp_crit_high_dC  <= max(charge/discharge_over_temperature.set) + floor_margin_dC
 *   temp_crit_low_dC   >= min(charge/discharge_under_temperature.set) - floor_margin_dC
 *   short_circuit_mA   <= max(charge/discharge_over_current.set)
 *                         * (100 + floor_margin_pct) / 100
 * Only critical, enabled protections count (of a pair, the widest of those).
 * A limit is only ever tightened, and the result stays what
 * bp_config_check() accepts: within range, low below high (where a
 * tightened limit would cross the other one, it stops just short of it).
 */
void prot_floor_limits(const struct cfg_protections *c, struct bp_config *bc);

#endif /* PROT_H */
