/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * link: bmsd's side of the bridge protocol (docs/bridge-protocol.md).
 *
 * It decodes the MCU's stream into the pack model, tracks the health of
 * the link (rolling counters, frames lost, staleness), pushes the MCU
 * configuration and waits for its verified CRC echo, and sends the
 * heartbeat, the output command and the balancing masks.
 *
 * Safety rules it keeps:
 *  - Without a configuration it sends no push and no heartbeat, so the MCU
 *    stays LOCKED with every contactor open.
 *  - It sends heartbeats, which arm the MCU, only once STATUS has echoed
 *    cfg_state ACTIVE with the CRC of our configuration ("verified").
 *  - It refuses relay commands unless the link is UP (verified); a refused
 *    or withdrawn command leaves the stored command all-open.
 *  - It pushes only to an MCU whose VERSION announces protocol
 *    BP_PROTO_VERSION, heard since the last comm fault.
 *  - No STATUS for longer than stale_ms raises the comm fault: the stored
 *    command becomes all-open (and is sent once so), verification is
 *    cleared, heartbeats stop (the MCU's floor then trips by itself), and
 *    the pack model goes stale. When STATUS resumes, the fault clears and
 *    the configuration is pushed and verified again before any output.
 *
 * Pure logic: time is an argument, frames leave through a callback, and
 * nothing is allocated. link_tick() runs every 10 ms.
 */
#ifndef LINK_H
#define LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "pmodel.h"
#include "proto/bp.h"

#define LINK_HEARTBEAT_PERIOD_MS_DEFAULT 100u
#define LINK_STALE_MS_DEFAULT 300u /* three missed 100 ms STATUS cycles */
#define LINK_CONFIG_TIMEOUT_MS_DEFAULT 1000u
#define LINK_OUTPUT_PERIOD_MS 100u /* OUTPUT_CMD refresh */
#define LINK_BAL_PERIOD_MS 1000u   /* BAL_CMD refresh per board with a mask */
/* Push frames per tick: a burst of all 17 would overrun a socketcan
 * transmit queue of the default length, 10. */
#define LINK_PUSH_PER_TICK 8u
#define LINK_TICK_MS 10u

struct link_params {
	uint32_t heartbeat_period_ms; /* 0: default */
	uint32_t stale_ms;            /* 0: default */
	uint32_t config_timeout_ms;   /* 0: default */
	const struct bp_config *cfg;  /* copied; NULL: no configuration */
};

enum link_state {
	LINK_DOWN = 0,    /* no STATUS heard yet, or none for stale_ms */
	LINK_NOCONFIG,    /* MCU heard; the daemon has no configuration */
	LINK_CONFIGURING, /* MCU heard; configuration not verified (yet) */
	LINK_UP,          /* configuration verified: outputs allowed */
};

/* Events, as bits: passed to the callback and accumulated for
 * link_changes(). */
enum link_event {
	LINK_EV_UP = 1u << 0,           /* STATUS heard after silence or at start */
	LINK_EV_DOWN = 1u << 1,         /* STATUS stale */
	LINK_EV_COMM_FAULT = 1u << 2,   /* comm fault raised */
	LINK_EV_COMM_OK = 1u << 3,      /* comm fault cleared */
	LINK_EV_CFG_VERIFIED = 1u << 4, /* STATUS echoes our CRC, ACTIVE */
	LINK_EV_CFG_REJECTED = 1u << 5, /* the MCU reported REJECTED for a push */
	LINK_EV_CFG_TIMEOUT = 1u << 6,  /* no verdict within config_timeout_ms */
	LINK_EV_CFG_LOST = 1u << 7,     /* a verified config is no longer echoed */
	LINK_EV_SAFETY = 1u << 8,       /* MCU safety state changed (or first known) */
	LINK_EV_TRIP = 1u << 9,         /* MCU trip bits changed */
	LINK_EV_PROTO = 1u << 10,       /* VERSION announces another protocol */
	LINK_EV_STATE = 1u << 11,       /* link_state() changed */
	LINK_EV_SNAPSHOT = 1u << 12,    /* a new snapshot was committed (not
					 * passed to the callback: too frequent) */
};
#define LINK_EV_COUNT 13u

struct link_stream {
	uint32_t received;
	uint32_t lost;     /* by rolling counter; snapshot streams: 0 */
	uint64_t last_ms;  /* receive time of the last one */
};

struct link_stats {
	uint64_t rx_frames;   /* every frame passed to link_rx */
	uint64_t rx_unknown;  /* identifier not in the protocol */
	uint64_t rx_bad_dlc;  /* DLC other than 8 */
	uint64_t rx_range;    /* field out of range or reserved bits set */
	uint64_t rx_echo;     /* daemon -> MCU frames seen on the bus */
	uint64_t tx_frames, tx_errors;
	uint32_t cfg_pushes;     /* pushes started */
	uint32_t cfg_rejects;    /* pushes the MCU reported REJECTED */
	uint32_t cfg_retries;    /* pushes repeated after config_timeout_ms */
	uint32_t cfg_lost;       /* verification lost to a STATUS mismatch */
	uint32_t cfg_verified;   /* verifications */
	uint32_t comm_faults;    /* comm faults raised */
	uint32_t proto_mismatch; /* VERSION frames announcing another protocol */
	struct link_stream stream[BP_T_COUNT]; /* by enum bp_type, MCU -> daemon */
};

typedef int (*link_send_fn)(void *arg, const struct bp_frame *f);
typedef void (*link_event_fn)(void *arg, unsigned int events);

struct link {
	/* parameters, with defaults applied */
	uint32_t hb_period_ms, stale_ms, cfg_timeout_ms;
	struct pmodel *pm;
	link_send_fn send;
	void *send_arg;
	link_event_fn ev_fn;
	void *ev_arg;
	unsigned int ev_now;  /* events of the current call */
	unsigned int changes; /* events since link_changes() */

	/* configuration */
	bool have_cfg;
	struct bp_config cfg;
	uint32_t crc;
	struct bp_frame push[BP_CFG_MAX_SEGMENTS + 1];
	uint8_t npush;

	/* time and health */
	bool started;
	uint64_t start_ms, now_ms;
	bool heard;           /* STATUS within stale_ms */
	bool comm_fault;
	uint64_t status_ms;
	enum link_state state;
	bool proto_known, proto_ok;

	/* what the MCU said last (valid while heard) */
	bool mcu_known;
	struct bp_status mcu;

	/* push and verification */
	uint8_t phase;        /* idle, sending, waiting: see link.c */
	uint8_t push_next;
	bool push_wanted, rejected, verified;
	uint64_t commit_ms;

	/* commands */
	uint8_t daemon_state;
	uint8_t relays, dos, flags;
	bool out_dirty;
	uint64_t out_next_ms, hb_next_ms;
	uint8_t hb_ctr, out_ctr, bal_ctr;
	uint32_t bal_mask[BP_MAX_BOARDS];
	uint64_t bal_next_ms[BP_MAX_BOARDS];
	uint32_t bal_dirty;   /* bit n: board n's mask goes out at the next tick */

	struct bp_seq seq[BP_T_COUNT];
	struct link_stats st;
};

/* Set up @l to feed @pm (which it initialises) and to send through @send.
 * Returns 0, or -EINVAL when a parameter or the configuration is out of
 * range (see link_set_config). */
int link_init(struct link *l, const struct link_params *p, struct pmodel *pm,
	      link_send_fn send, void *arg);

/* Report events to @fn (NULL: none) at the end of the link_rx, link_tick or
 * link_set_* call that raised them. LINK_EV_SNAPSHOT is only accumulated. */
void link_set_event_cb(struct link *l, link_event_fn fn, void *arg);

/* Events accumulated since the last call; clears them. */
unsigned int link_changes(struct link *l);

/* One received frame at @now_ms. Returns 1 when it committed a new
 * snapshot, 0 when it was taken (or ignored as the echo of a daemon frame),
 * or BP_EUNKNOWN / BP_ESHORT / BP_ERANGE when it was counted and dropped. */
int link_rx(struct link *l, const struct bp_frame *f, uint64_t now_ms);

/* The periodic work, every LINK_TICK_MS: staleness, pushes and their
 * timeouts, heartbeat, output and balancing refreshes. */
void link_tick(struct link *l, uint64_t now_ms);

/* The MCU's STATUS is older than the stale time at @now_ms: the next
 * link_tick() declares the link lost unless frames that arrived meanwhile
 * are read first. */
bool link_overdue(const struct link *l, uint64_t now_ms);

/* Command relays (bits 0..3) and digital outputs (bits 0..3). Sent at once
 * when it changes the stored command, then every LINK_OUTPUT_PERIOD_MS.
 * Returns 0; -EINVAL for bits beyond 0..3; -EPERM unless the link is UP,
 * and then nothing is sent and the stored command stays all-open. */
int link_set_outputs(struct link *l, uint8_t relays, uint8_t dos);

/* The command in force (all-open unless UP). */
void link_get_outputs(const struct link *l, uint8_t *relays, uint8_t *dos);

/* Ask the MCU to clear its latched trips: TRIP_RESET goes out at once in an
 * OUTPUT_CMD. The MCU ignores that command's relays, and the next periodic
 * one carries them. When the MCU trips, the link opens its stored relays,
 * so that a reset never closes anything by itself. Returns 0 or -EPERM
 * unless UP. */
int link_trip_reset(struct link *l);

/* Start a zero calibration of current sensor @sensor (0 or 1) with the next
 * OUTPUT_CMD. Returns 0, -EINVAL, or -EPERM unless UP. */
int link_zero_cal(struct link *l, unsigned int sensor);

/* Balancing mask of @board (bit n = cell n + 1 bleeds): sent at the next
 * tick when it changes, then every LINK_BAL_PERIOD_MS while non-zero.
 * Masks are cleared when the link leaves UP. Returns 0, -EINVAL (board
 * >= 32, mask beyond 24 bits), or -EPERM unless UP. */
int link_set_balance(struct link *l, uint8_t board, uint32_t mask);

/* Swap the configuration (NULL: none), e.g. on reload. The same
 * configuration (same CRC) changes nothing. Another one withdraws
 * verification at once: outputs go all-open and are refused, heartbeats
 * stop, and the new one is pushed and must be verified again. Returns 0, or
 * -EINVAL when @c is out of range or its heartbeat_timeout_ms does not
 * exceed the heartbeat period; the previous configuration then stays. */
int link_set_config(struct link *l, const struct bp_config *c);

/* Reload: take @p's periods and timeouts (0: default) at once, and its
 * configuration as link_set_config() does. Returns 0, or -EINVAL when @p
 * is not acceptable (see link_init), and then nothing changes. */
int link_reconfigure(struct link *l, const struct link_params *p);

/* HEARTBEAT.daemon_state: 0 starting (initial), 1 running, 2 fault. */
void link_set_daemon_state(struct link *l, uint8_t state);

enum link_state link_state(const struct link *l);
const char *link_state_name(enum link_state s); /* "down", "noconfig", ... */
bool link_comm_fault(const struct link *l);

/* True when UP: the MCU echoes our configuration as ACTIVE. */
bool link_verified(const struct link *l);

/* CRC of our configuration, 0 without one. */
uint32_t link_cfg_crc(const struct link *l);

/* The MCU's last STATUS while the link is not DOWN: returns true and fills
 * @out (may be NULL); false when unknown. */
bool link_mcu_status(const struct link *l, struct bp_status *out);

/* From that STATUS: enum bp_safety, enum bp_cfg_state, trip bits; -1 when
 * unknown. */
int link_mcu_safety(const struct link *l);
int link_mcu_cfg_state(const struct link *l);
int link_mcu_trip(const struct link *l);

const struct link_stats *link_stats(const struct link *l);

/* Milliseconds since the last frame of @type; UINT64_MAX if none yet. */
uint64_t link_stream_age_ms(const struct link *l, enum bp_type type, uint64_t now_ms);

/* Sum of the frames lost over every counted stream. */
uint64_t link_lost_total(const struct link *l);

/* Name of one event bit ("up", "comm-fault", ...); "?" otherwise. */
const char *link_event_name(unsigned int ev);

#endif /* LINK_H */
