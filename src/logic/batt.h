/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batt: the battery logic of bmsd, wired together. One step takes the
 * pack's figures, the MCU's state and the inputs through the protections,
 * the heater, the contactor and charge control and the limits; the slow
 * step adds the SOC and the balancing. The modules are pure, and so is
 * this one: the caller gathers what a step reads into struct batt_in and
 * passes the time, applies what struct batt_out asks for (relays, outputs,
 * balancing masks, the next step's timer), and receives the events and
 * the state to persist through struct batt_host.
 */
#ifndef BATT_H
#define BATT_H

#include <stdbool.h>
#include <stdint.h>

#include "balance.h"
#include "cc.h"
#include "cfg.h"
#include "heater.h"
#include "limit.h"
#include "pmodel.h"
#include "prot.h"
#include "soc.h"
#include "view.h"

#define BATT_REACTIONS 256u

/* Where events and the state to persist go. */
struct batt_host {
	void *arg;
	/* One event for the event log and the journal: @code an enum ev_code;
	 * @code 0 is a line for the journal only. */
	void (*event)(void *arg, unsigned int code, int prio, const char *text);
	/* Hand @ps, SOC and latches, to the state file's writer. */
	void (*persist)(void *arg, const struct soc_persist *ps);
};

/* What the state file held at start (the caller reads it). */
struct batt_restore {
	const char *file;          /* its name, for the events */
	int rc;                    /* 0: @ps holds it; -ENOENT: none yet; <0: unreadable */
	const char *why;           /* unreadable: why, naming the file */
	struct soc_persist ps;
};

/* The pack current, from the MCU's CURRENT frame (batt_current). */
struct batt_current {
	bool valid;                /* known */
	int32_t mA;                /* + = charging; 0 when not known */
	bool trusted;              /* known, neither out of range nor implausible:
				    * a soft stop may wait for it to fall */
	bool over_range;           /* not known, and a sensor is saturated */
};

/* Everything a step reads. The pointers are the pack model's items; NULL
 * when the MCU has not reported them (or they went stale). */
struct batt_in {
	uint64_t rx_us;            /* receive time of the frames that caused the
				    * step; 0: a timer */
	const struct pmodel_summary *sum;   /* the committed snapshot */
	const struct bp_snapshot *snap;     /* its cells, for balancing */
	const struct bp_logic *logic;       /* the boards online */
	const struct bp_io *io;             /* inputs, relay drive */
	const struct bp_ext *ext;           /* humidity */
	const struct bp_charge *charge_in, *charge_out; /* the MCU's charge counters */
	struct batt_current cur;
	unsigned int faults;       /* bmsd's faults (enum bmsd_fault) */
	int mcu_safety;            /* the MCU's safety floor (BP_SAFETY_*); -1 unknown */
	bool link_verified;        /* the MCU's configuration is verified */
	bool link_up;              /* the link is UP: OUTPUT_CMD goes out */
	uint8_t relays_cmd, dos_cmd; /* the command in force on the link */
	int peer_alive;            /* CAN1 keep-alive: 1 seen, 0 lost, -1 not watched */
	bool temp_mean_valid;      /* the mean cell temperature of the last view */
	int16_t temp_mean_dC;
	uint64_t wall_s;           /* real time, s since 1970; 0 unknown (slow step) */
};

/* What the caller does after a step. */
struct batt_out {
	bool send;                 /* command relays and dos now (changed, link up) */
	uint8_t relays;            /* relay command, bit n = relay n+1 */
	uint8_t dos;               /* discrete outputs, inversion applied */
	uint8_t daemon_state;      /* HEARTBEAT: 1 running, 2 a protection in force */
	bool fast;                 /* a set delay runs: step again in 1 ms */
	bool balance;              /* slow step: bal_mask goes to the boards */
	uint32_t bal_mask[BP_MAX_BOARDS];
};

/* What was last handed over of the latches. */
struct batt_latches {
	uint32_t prot;             /* latching protections in force */
	uint8_t welded;            /* cc's latched welds */
	bool precharge_failed;     /* cc's latched precharge failure */
	bool disconnect;           /* maintenance disconnect */
};

/* An MCU trip reset in progress (see batt_reset). */
enum batt_mcu_reset {
	BATT_MCU_RESET_NONE = 0,
	BATT_MCU_RESET_SENT,       /* asked while the MCU was tripped */
	BATT_MCU_RESET_CLEARED,    /* the MCU no longer reports the trip */
};

struct batt {
	bool on;                   /* batt_init() ran */
	const struct cfg *cfg;     /* the configuration in force */
	struct batt_host host;
	struct prot prot;
	struct prot_out po;
	struct cc cc;
	struct cc_out co;
	struct heater heat;
	struct heater_out ho;
	struct limits lim;
	struct limits_out lo;
	struct balance bal;
	uint32_t bal_mask[BP_MAX_BOARDS];
	unsigned int bleeding;
	struct soc soc;
	struct soc_out so;
	bool disconnect;           /* maintenance disconnect: contactors open */
	bool reset_req;            /* a fault reset for the next step */
	uint32_t reset_mask;       /* protections LATCHED when it was asked for */
	bool reset_cc;             /* cc had a weld or precharge failure latched */
	uint8_t mcu_reset;         /* enum batt_mcu_reset */
	struct batt_latches saved; /* last latches handed to persist */
	bool snapshot_ok;          /* a full snapshot is there (last step) */
	uint64_t last_bal_ms;

	/* Reaction: from the frame that started a protection's SETTING (or
	 * set it at once) to the relay-open command, less the set delay. */
	uint64_t ev_us;            /* time of the step's events: rx_us, else now */
	uint64_t setting_us[PROT_COUNT];
	uint64_t pending_us;       /* crossing time of the opening in progress; 0 none */
	uint32_t pending_delay_ms;
	uint32_t reactions_us[BATT_REACTIONS];
	uint32_t nreactions;       /* total recorded; the ring holds the last 256 */
};

/* Start the logic for @c at @now_ms with what the state file held (@r),
 * reporting to @host (copied). @c must outlive it, up to the next
 * batt_reconfigure(). */
void batt_init(struct batt *t, const struct cfg *c, const struct batt_host *host,
	       const struct batt_restore *r, uint64_t now_ms);

/* Take a reloaded configuration: the state carries on. */
void batt_reconfigure(struct batt *t, const struct cfg *c, uint64_t now_ms);

/* One step at @now_us with @in: protections, heater, contactors, limits. */
void batt_step(struct batt *t, const struct batt_in *in, uint64_t now_us, struct batt_out *out);

/* The slow half of the 10 ms tick, after its step with the same @in: the
 * SOC, and every 100 ms the balancing (out->balance). */
void batt_slow_step(struct batt *t, const struct batt_in *in, uint64_t now_ms,
		    struct batt_out *out);

/* Fault reset: what is latched now (protections, weld, precharge failure,
 * heater) is cleared at the next step where its cause is gone; an MCU trip
 * (@mcu_tripped: the MCU reports one) is cleared by the MCU, and
 * safety_floor_trip follows it. */
void batt_reset(struct batt *t, bool mcu_tripped);

/* Maintenance disconnect (false) or connect again. Returns whether the
 * request changed; it reaches the state file at the next step. */
bool batt_set_connect(struct batt *t, bool connect);

/* Hand the whole state, SOC and latches, to persist now. */
void batt_persist(struct batt *t);

/* Operator: SOC to @dpct (0.1 %) or from scratch (batt_reset_soc returns 1
 * when SOC is known again from the cell voltages, 0 when not yet); @why
 * goes into the event. */
void batt_set_soc(struct batt *t, uint16_t dpct, const char *why, uint64_t now_ms);
int batt_reset_soc(struct batt *t, const char *why, uint64_t now_ms);

/* The last reaction times (at most BATT_REACTIONS), sorted, into @us;
 * returns how many. */
unsigned int batt_reactions(const struct batt *t, uint32_t us[BATT_REACTIONS]);

/* Fill the logic's part of @v; @relay_cmd is the command in force. */
void batt_publish(const struct batt *t, uint8_t relay_cmd, struct view *v);

/* Persist for the last time (shutdown). */
void batt_fini(struct batt *t);

/* The pack current as the MCU presents it: the high-range sensor's when
 * it selected it. False when not known. */
bool batt_pack_current(const struct bp_current *c, int32_t *mA);

/* The pack current of @c (NULL: no frame) and whether it can be trusted. */
void batt_current(const struct bp_current *c, struct batt_current *out);

#endif /* BATT_H */
