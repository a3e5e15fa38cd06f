/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * soc: state of charge, state of health and the lifetime counters.
 *
 * SOC is counted from the MCU's integrated charge counters (CHARGE_IN and
 * CHARGE_OUT, mAs, monotonic): each step moves the remaining charge by the
 * counters' deltas since the previous valid values, so frames that never
 * arrived change nothing. A counter's first value, and a value below the
 * previous one (the MCU restarted), are a new baseline, never a jump.
 *
 * SOC is corrected from the OCV(SOC, T) tables once the battery has rested
 * for the relax time (after a charge or after a discharge), except on the
 * flat part of the curve; it is synced to 100 % when the highest cell stays
 * at the full voltage under a tail current. The capacity is measured
 * between two such reference points; SOH is its moving average against the
 * nominal capacity. docs/soc.md describes the methods.
 *
 * Pure: inputs and time (now_ms, monotonic) are arguments; no descriptor,
 * no clock, no allocation. Nothing is logged: soc_step() reports events in
 * its output and the caller records them (soc_event_text()).
 */
#ifndef SOC_H
#define SOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc_cfg.h"
#include "view.h"

#define SOC_PPM 1000000u      /* SOC fractions are in parts per million */
#define SOC_SOH_AVG 4u        /* capacity measurements averaged into SOH */
#define SOC_RELAYS 4u
/* A reference point older than this cannot start a capacity measurement:
 * the counters' offset error would dominate. */
#define SOC_ANCHOR_MAX_MS (7ull * 24 * 3600 * 1000)

/* What one step sees; every group has its own validity. */
struct soc_in {
	bool charge_in_valid, charge_out_valid;
	uint64_t charge_in_mAs, charge_out_mAs; /* the MCU's counters */
	bool current_valid;
	int32_t current_mA;                     /* + = charging */
	bool cells_valid;
	uint16_t cell_min_mV, cell_mean_mV, cell_max_mV;
	bool pack_valid;
	uint32_t pack_mV;
	bool temp_valid;
	int16_t temp_min_dC, temp_mean_dC, temp_max_dC; /* cell temperatures */
	bool relays_valid;
	uint8_t relay_mask;                     /* bit n = relay n+1 closed */
	uint64_t wall_s;                        /* real time, s since 1970; 0 unknown */
};

/* Events of one step (struct soc_out.events). */
enum soc_event {
	SOC_EV_RESTORED = 1u << 0,   /* the persisted state was taken at start */
	SOC_EV_ESTIMATE = 1u << 1,   /* SOC was unknown: first value from OCV */
	SOC_EV_OCV = 1u << 2,        /* corrected from OCV: ocv_old -> ocv_new */
	SOC_EV_OCV_FLAT = 1u << 3,   /* correction skipped: flat part of the curve */
	SOC_EV_SYNC = 1u << 4,       /* full-charge sync to 100 % */
	SOC_EV_SOH = 1u << 5,        /* capacity measured, SOH updated */
	SOC_EV_SOH_REJECT = 1u << 6, /* a capacity measurement out of 50..150 % */
	SOC_EV_BASELINE = 1u << 7,   /* a charge counter fell: the MCU restarted */
};

struct soc_out {
	bool soc_valid;
	uint16_t soc_dpct;            /* 0.1 %, 0..1000 */
	uint32_t soc_ppm;             /* the same in fine units */
	uint32_t remaining_mAh;       /* of capacity_mAh; 0 while SOC is unknown */
	uint32_t capacity_mAh;        /* in use: measured, else nominal */
	uint32_t capacity_meas_mAh;   /* average of the measurements; 0 none yet */
	uint16_t soh_dpct;            /* 0.1 %, 0..1000; 1000 until measured */
	bool full;                    /* synced to 100 % and not discharged below 99 % */
	bool resting;                 /* |I| below relax_current_mA */
	struct view_counters counters;
	bool save;                    /* hand soc_persist_get() to the saver now */

	unsigned int events;          /* enum soc_event bits of this step */
	bool sync_old_valid;          /* SYNC: SOC before */
	uint16_t sync_old_dpct;
	bool ocv_old_valid;           /* OCV, ESTIMATE, OCV_FLAT: before, after */
	uint16_t ocv_old_dpct, ocv_new_dpct;
	uint32_t ocv_slope_uV_per_pct; /* of the table at the estimate */
	uint32_t soh_meas_mAh;        /* SOH, SOH_REJECT: this measurement */
	uint16_t soh_span_dpct;       /* its SOC span */
	uint16_t soh_old_dpct;        /* SOH before */
	unsigned int baseline_mask;   /* BASELINE: 1 = CHARGE_IN, 2 = CHARGE_OUT */
};

/* What survives a restart (src/store/state.c writes it). */
struct soc_persist {
	bool soc_valid;
	uint32_t soc_ppm;             /* 0..SOC_PPM */
	uint32_t nominal_mAh;         /* capacity_mAh when saved */
	uint32_t capacity_meas_mAh;   /* 0: never measured */
	uint16_t soh_dpct;
	uint8_t soh_n;                /* measurements in soh_hist_mAh, oldest first */
	uint32_t soh_hist_mAh[SOC_SOH_AVG];
	uint64_t charge_in_mAs, charge_out_mAs; /* lifetime */
	uint64_t energy_in_mJ, energy_out_mJ;
	uint32_t cycles_dcyc;         /* 0.01 full cycle */
	uint64_t cycle_rem_mAs;       /* discharge not yet a whole 0.01 cycle */
	uint32_t contactor_cycles[SOC_RELAYS];
	int16_t temp_min_dC, temp_max_dC; /* BP_TEMP_DC_NA: none yet */
	uint32_t syncs;
	uint64_t last_sync_wall_s;    /* 0: never, or the clock was unknown */
	/* The latches that a restart must not clear (state file version 2;
	 * 0 from a version-1 file). The SOC module leaves them alone: bmsd's
	 * battery logic (batt.c) fills them before every save. */
	uint32_t prot_latched;        /* latching protections in force, bit 1u << prot_id */
	uint8_t welded_mask;          /* latched welded contactors, bit n = relay n+1 */
	bool precharge_failed;        /* latched precharge failure */
	bool disconnect;              /* maintenance disconnect (bmsctl, Modbus SetOp) */
};

/* The module's state; the caller allocates it, soc_init() fills it. */
struct soc {
	struct cfg_soc cfg;
	uint8_t ntab;                 /* OCV tables in use, sorted by temperature */
	uint8_t tab[SOC_OCV_TABLES];  /* indices into cfg.ocv */
	int64_t cap_mAs;              /* capacity in use */

	bool known;
	int64_t q_mAs;                /* remaining charge, 0..cap_mAs */
	bool full;

	bool in_base, out_base;       /* a baseline of the counter exists */
	uint64_t last_in_mAs, last_out_mAs;

	int8_t last_dir;              /* last significant current: 1 charge, -1
				       * discharge, 0 unknown */
	bool resting, ocv_done;
	uint64_t rest_since_ms;

	bool full_cand, synced;
	uint64_t full_since_ms;

	bool anchor, anchor_sync;     /* reference point for a capacity measurement */
	uint32_t anchor_ppm;
	int64_t anchor_net_mAs;       /* charge in - out since it */
	uint64_t anchor_ms;

	struct soc_persist life;      /* lifetime figures, SOH history, last sync */
	uint64_t energy_in_rem_uJ, energy_out_rem_uJ;
	bool pack_known;
	uint32_t pack_mV;
	bool relays_known;
	uint8_t relay_mask;

	struct soc_in last;           /* for soc_reset() */
	bool have_last;

	bool started;                 /* a step ran */
	bool restored_pending;
	bool save_pending;
	uint64_t last_save_ms;
	struct soc_persist saved;     /* what was last handed to the saver */
};

/*
 * Start with the configuration @c (copied) and, if not NULL, the state
 * restored from the state file. Without a restored state SOC is unknown
 * until the first OCV estimate; counters start at zero. A restored state
 * whose nominal capacity differs from @c's drops its capacity measurements
 * (SOH back to 100 %). Returns 0, or -EINVAL when @restored holds values
 * out of range: it is then ignored, as if NULL.
 */
int soc_init(struct soc *s, const struct cfg_soc *c, const struct soc_persist *restored);

/* Take a new configuration (reload) and keep the state: SOC in percent,
 * counters. A changed capacity_mAh drops the capacity measurements. */
void soc_reconfigure(struct soc *s, const struct cfg_soc *c);

/* One step at @now_ms (monotonic, never decreasing): count, detect rest,
 * estimate, correct, sync, measure; fill @out (every field, events of
 * this step only). */
void soc_step(struct soc *s, const struct soc_in *in, uint64_t now_ms, struct soc_out *out);

/* The current figures without a step (events 0, save false). */
void soc_read(const struct soc *s, struct soc_out *out);

/* Operator: SOC := @soc_dpct (0..1000). The capacity measurement in
 * progress is dropped, and a save is requested. Returns 0 or -EINVAL. */
int soc_set(struct soc *s, uint16_t soc_dpct, uint64_t now_ms);

/* Operator: forget SOC and the capacity measurements (capacity back to
 * nominal, SOH 100 %), then take SOC from OCV at once if the last step
 * had the battery at rest with known cells (and temperature, with more
 * than one table). Returns 1 when SOC is known again, 0 when it stays
 * unknown until the battery rests. A save is requested. */
int soc_reset(struct soc *s, uint64_t now_ms);

/* What to persist now. */
void soc_persist_get(const struct soc *s, struct soc_persist *p);

/* The lifetime counters as the view publishes them. */
void soc_counters(const struct soc *s, struct view_counters *out);

/*
 * The OCV tables at @temp_dC (ignored with a single table): the cell
 * voltage at @soc_ppm, in uV; and the inverse, the SOC of @cell_mV into
 * *@ppm with the slope of the table there into *@slope_uV_per_pct.
 */
int32_t soc_ocv_uV(const struct soc *s, uint32_t soc_ppm, int16_t temp_dC);
void soc_ocv_lookup(const struct soc *s, uint16_t cell_mV, int16_t temp_dC, uint32_t *ppm,
		    uint32_t *slope_uV_per_pct);

/* One line on event @ev (a single enum soc_event bit) of @o into @buf;
 * returns its event-log code (enum ev_code, events.h), or 0 for an event
 * that is not logged (OCV_FLAT). */
int soc_event_text(const struct soc_out *o, unsigned int ev, char *buf, size_t n);

#endif /* SOC_H */
