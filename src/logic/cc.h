/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cc: contactor and charge control. From the relay, input and output roles
 * of the configuration and the outcome of the protections, it computes, at
 * every control step, the relay mask and the discrete-output mask to send to
 * the bridge MCU, and the flags the rest of the battery logic needs
 * (charge/discharge allowed, soft stop, precharge failure, feedback
 * mismatch, weld, emergency stop, insulation fault, inhibits).
 *
 * The module is pure: it takes its inputs and the time as arguments, never
 * touches a file descriptor or a clock, and reports its steps through a
 * callback. docs/contactors.md describes the behaviour for integrators.
 *
 * Two logical paths are controlled: the charge path (charge contactor, or
 * the main contactor, plus the allow-charging signal) and the discharge path
 * (discharge contactor, or the main contactor). A main contactor carries both
 * paths and stays closed while either of them needs it. A path closes when
 * it is wanted (link armed, connect requested, power up, nothing blocking it,
 * and for charging the charge mode), through the precharge sequence when the
 * configuration has a precharge relay and no main or discharge contactor is
 * closed yet. A path that is no longer wanted soft-stops first (its limit is
 * 0 at once; its contactors open when its current has fallen or after the
 * soft-stop timeout, or at once when there is no current reading to wait
 * for), except on a hard opening (link not armed, emergency
 * stop, insulation fault, critical protection), which opens every contactor
 * at once.
 */
#ifndef CC_H
#define CC_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "view.h"

#define CC_RELAYS 4u
#define CC_INPUTS 4u
#define CC_OUTPUTS 4u

/* What the control step reports through its callback. @detail: the relay
 * (1..4) for the feedback events, the attempt (1..) for the precharge events,
 * the path (enum cc_path) for the soft-stop events, 0 otherwise. */
enum cc_event {
	CC_EV_PRECHARGE_START = 0, /* precharge relay closed for attempt @detail */
	CC_EV_PRECHARGE_OK,        /* current fell: the contactor takes over */
	CC_EV_PRECHARGE_RETRY,     /* attempt @detail failed; another one follows */
	CC_EV_PRECHARGE_FAILED,    /* attempt @detail failed, none left: latched */
	CC_EV_PRECHARGE_ABORT,     /* the path was no longer wanted */
	CC_EV_SOFT_STOP_START,     /* path @detail asks for zero current */
	CC_EV_SOFT_STOP_END,       /* its current fell: its contactors open */
	CC_EV_SOFT_STOP_TIMEOUT,   /* the current did not fall: they open anyway */
	CC_EV_SOFT_STOP_CANCEL,    /* the path is wanted again and stays closed */
	CC_EV_OPEN_NOW,            /* hard opening: every contactor open at once */
	CC_EV_CHARGE_ON,           /* allow-charging on */
	CC_EV_CHARGE_OFF,          /* allow-charging off */
	CC_EV_END_OF_CHARGE,       /* highest cell reached end_of_charge_cell_mV */
	CC_EV_CHARGE_RESUME,       /* highest cell fell below resume_charge_cell_mV */
	CC_EV_FEEDBACK_MISMATCH,   /* relay @detail's feedback disagrees past the delay */
	CC_EV_FEEDBACK_OK,         /* relay @detail's feedback agrees again */
	CC_EV_WELDED,              /* relay @detail closed while driven open: latched */
	CC_EV_RESET,               /* weld and precharge failure cleared */
	CC_EV_SOFT_STOP_UNMEASURED, /* path @detail: no current reading to wait
				     * for, so its contactors open at once */
	CC_EV_COUNT
};

enum cc_path {
	CC_PATH_CHARGE = 0,
	CC_PATH_DISCHARGE,
	CC_PATH_COUNT
};

typedef void (*cc_event_fn)(void *arg, enum cc_event ev, unsigned int detail);

/* One control step's inputs. */
struct cc_in {
	bool armed;            /* MCU link verified, config verified, floor armed */
	/* the outcome of the protections */
	bool block_charge;     /* soft-stop and open the charge path */
	bool block_discharge;  /* soft-stop and open the discharge path */
	bool open_all;         /* soft-stop and open every contactor */
	bool open_now;         /* critical: every contactor open at once */
	bool warning;          /* a warning is active */
	bool alarm;            /* an alarm or critical protection is active */
	bool connect;          /* false: disconnect requested (SetOp, bmsctl) */
	/* an open path may not close (a closed one stays): a protection's
	 * condition is present with its set delay running, or the pack has
	 * not been judged on a full snapshot yet */
	bool hold_charge;
	bool hold_discharge;
	/* end of charge */
	bool cell_max_valid;
	uint32_t cell_max_mV;  /* highest cell of the pack */
	/* pack current, + = charging; without a trusted reading (NA, sensor
	 * out of range, implausible) a soft stop cannot wait for the current
	 * to fall, and its contactors open at once */
	bool current_valid;
	int32_t current_mA;
	/* the MCU's I/O report (bp_io); when !io_valid, no input is active and
	 * no feedback is checked */
	bool io_valid;
	uint8_t di;            /* debounced levels, bit n = DI n+1, not inverted */
	uint8_t relay_out;     /* relays the MCU drives, bit n = relay n+1 */
	bool heater_request;   /* the heater module wants the heater on */
	bool balancing;        /* a cell is bleeding */
	bool reset;            /* fault reset requested (one step): as cc_reset() */
};

/* One control step's outputs. */
struct cc_out {
	uint8_t relays;        /* relay command, bit n = relay n+1 */
	uint8_t dos;           /* discrete outputs, bit n = DO n+1, inversion applied */
	/* standby, precharge, connected, soft-stop or fault; standby while the
	 * link is not armed (the glue shows unconfigured or starting then) */
	enum view_state state;
	bool soft_stop;        /* a path is waiting for zero current before opening */
	bool charge_allowed;   /* allow-charging is on: CCL may be above 0 */
	bool discharge_allowed; /* the discharge path is closed, not stopping */
	bool full;             /* end of charge reached, not yet resumed */
	bool charger_connected; /* charger input active for charge_on_delay_ms */
	bool power_up;         /* no power-request input, or it is active */
	bool precharge_failed; /* latched until a reset */
	bool feedback_mismatch; /* a feedback disagrees past feedback_delay_ms */
	uint8_t mismatch_mask; /* which relays, bit n = relay n+1 */
	bool welded;           /* latched until a reset */
	uint8_t welded_mask;   /* which relays, bit n = relay n+1 */
	unsigned int welded_relay; /* lowest welded relay, 1..4; 0: none */
	bool estop;            /* emergency-stop input active */
	bool insulation;       /* insulation-fault input active */
	bool inhibit_charge;   /* inhibit-charge input active */
	bool inhibit_discharge; /* inhibit-discharge input active */
};

/* State of one path; private to cc.c. */
enum cc_pstate {
	CC_P_OPEN = 0,
	CC_P_CLOSING,  /* waiting for the precharge sequence */
	CC_P_CLOSED,
	CC_P_STOPPING, /* soft stop: closed, limit 0, waiting to open */
};

/* State of the precharge sequence; private to cc.c. */
enum cc_pcstate {
	CC_PC_IDLE = 0,
	CC_PC_CHARGING, /* precharge relay closed */
	CC_PC_OVERLAP,  /* precharge relay and contactor closed */
	CC_PC_WAIT,     /* between attempts, everything open */
};

/* The controller. Its members are private to cc.c; it is complete here so
 * that it can live inside the daemon's state without allocation. */
struct cc {
	struct cfg_contactors k;
	uint8_t relay_role[CC_RELAYS];   /* enum cfg_relay_role */
	uint8_t in_role[CC_INPUTS];      /* enum cfg_input_role */
	bool in_invert[CC_INPUTS];
	uint8_t out_role[CC_OUTPUTS];    /* enum cfg_output_role */
	bool out_invert[CC_OUTPUTS];
	int8_t di_of[CFG_INPUT_ROLE_COUNT]; /* input index of each role, -1: none */
	bool has_main, has_charge, has_discharge, has_precharge;
	cc_event_fn fn;
	void *arg;

	enum cc_pstate path[CC_PATH_COUNT];
	uint64_t stop_since_ms[CC_PATH_COUNT];
	enum cc_pcstate pc;
	uint64_t pc_since_ms;
	unsigned int pc_attempt;         /* 1..: the attempt running or last failed */
	bool pc_failed;
	bool full;
	bool allow;
	bool charger_seen;
	uint64_t charger_since_ms;
	uint8_t relays;                  /* last command */
	uint8_t fb_cmd[CC_RELAYS];       /* relay_out bit the feedback timer runs against */
	bool fb_timing[CC_RELAYS];
	uint64_t fb_since_ms[CC_RELAYS];
	uint8_t mismatch;
	uint8_t welded;
};

/* Set up @c for @cfg (relays, inputs, outputs, contactors): every path
 * open, nothing latched. @fn (may be NULL) receives the events with @arg. */
void cc_init(struct cc *c, const struct cfg *cfg, cc_event_fn fn, void *arg, uint64_t now_ms);

/* Take a reloaded @cfg. When the relay and input roles are unchanged, the
 * state carries on with the new timings and outputs; otherwise every path
 * starts open, as after cc_init(), and only the latched weld and precharge
 * failure are kept. */
void cc_reconfigure(struct cc *c, const struct cfg *cfg, uint64_t now_ms);

/* Run one control step at @now_ms (monotonic, never going back) with @in;
 * fill @out. */
void cc_step(struct cc *c, const struct cc_in *in, uint64_t now_ms, struct cc_out *out);

/* Fault reset: clear the latched weld and precharge failure, and restart
 * the feedback timers so that a contactor still welded is found again after
 * feedback_delay_ms. */
void cc_reset(struct cc *c, uint64_t now_ms);

/* At start, before the first step: the latched weld (bit n = relay n+1)
 * and precharge failure persisted by a previous run. Only cc_reset()
 * clears them. */
void cc_restore_latches(struct cc *c, uint8_t welded, bool precharge_failed);

/* The latched weld (bit n = relay n+1) and precharge failure, as they are
 * now (also before the first step). */
uint8_t cc_welded_latched(const struct cc *c);
bool cc_precharge_latched(const struct cc *c);

/* "precharge-start", ...; "?" when out of range. */
const char *cc_event_name(enum cc_event ev);

/* "charge" or "discharge"; "?" when out of range. */
const char *cc_path_name(enum cc_path p);

#endif /* CC_H */
