/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batt: the battery logic of bmsd, wired together. One step takes the
 * pack model, the link and the inputs through the protections, the heater,
 * the contactor and charge control, the limits, the balancing and the SOC,
 * and drives the relays, the outputs and the balancing masks. The modules
 * are pure; this file feeds them and turns what they report into events.
 */
#ifndef BATT_H
#define BATT_H

#include <stdbool.h>
#include <stdint.h>

#include "balance.h"
#include "cc.h"
#include "heater.h"
#include "limit.h"
#include "prot.h"
#include "soc.h"

struct bmsd;
struct state_saver;
struct ctl_reply;

#define BATT_REACTIONS 256u

/* What bmsd last handed to the state file of its latches. */
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
	bool on;                   /* initialised for the running config */
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
	struct state_saver *saver;
	char state_file[256];
	bool reset_req;            /* a fault reset for the next step */
	uint32_t reset_mask;       /* protections LATCHED when it was asked for */
	bool reset_cc;             /* cc had a weld or precharge failure latched */
	uint8_t mcu_reset;         /* enum batt_mcu_reset */
	struct batt_latches saved; /* last latches handed to the saver */
	bool snapshot_ok;          /* a full snapshot is there (last step) */
	uint64_t last_bal_ms;
	int fast_timer;            /* 1 ms timer while a protection delay runs; -1 none */

	/* Reaction: from the frame that started a protection's SETTING (or
	 * set it at once) to the relay-open command, less the set delay. */
	uint64_t rx_us;            /* receive time of the burst being handled */
	uint64_t setting_us[PROT_COUNT];
	uint64_t pending_us;       /* crossing time of the opening in progress; 0 none */
	uint32_t pending_delay_ms;
	uint32_t reactions_us[BATT_REACTIONS];
	uint32_t nreactions;       /* total recorded; the ring holds the last 256 */
};

/* Start the logic for b->cfg (first config) or take a reloaded one. */
void batt_apply(struct bmsd *b);

/* One step at @now_us; @rx_us is the receive time of the frames that
 * caused it (0: a timer). */
void batt_step(struct bmsd *b, uint64_t now_us, uint64_t rx_us);

/* The 10 ms tick: a step, then the SOC and (every 100 ms) balancing. */
void batt_tick(struct bmsd *b, uint64_t now_us);

/* Fill the logic's part of b->view. */
void batt_publish(struct bmsd *b, struct view *v);

/* Fault reset: what is latched now (protections, weld, precharge failure,
 * heater) is cleared at the next step where its cause is gone; an MCU trip
 * is cleared by the MCU, and bmsd's safety_floor_trip follows it. */
void batt_reset(struct bmsd *b);

/* Save the state and stop the saver (shutdown). */
void batt_stop(struct bmsd *b);

/* Control-socket handlers: "set-soc DPCT REASON...", "reset-soc REASON...",
 * "reactions [json]". */
int batt_cmd_set_soc(struct ctl_reply *r, int argc, char **argv, void *arg);
int batt_cmd_reset_soc(struct ctl_reply *r, int argc, char **argv, void *arg);
int batt_cmd_reactions(struct ctl_reply *r, int argc, char **argv, void *arg);

#endif /* BATT_H */
