/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * can1: the inverter profiles of CAN1 (pylon, victron, sma), encoded
 * from the published view, their schedule, and the watch of the
 * inverter's keep-alive frame. Pure: no descriptor, no clock, no
 * allocation; time is an argument. docs/can.md describes the frames.
 *
 * Every frame is encoded when it is due, from the view of that moment, so
 * that nothing older than the view is ever sent. A frame whose values are
 * not known (no cells yet, no SOC yet) is left out rather than sent with
 * made-up values; the charge and discharge limits are always sent, as 0 A
 * while the battery logic does not publish them.
 */
#ifndef CAN1_H
#define CAN1_H

#include <stdbool.h>
#include <stdint.h>

#include "canio.h"
#include "can1_cfg.h"
#include "view.h"

#define CAN1_MAX_FRAMES 16u   /* frames of one profile (victron: 15) */
#define CAN1_KEEPALIVE_ID 0x305u
#define CAN1_PYLON_PERIOD_MS 1000u
#define CAN1_VICTRON_PERIOD_MS 1000u
#define CAN1_SMA_PERIOD_MS 100u

/* ---- schedule ------------------------------------------------------------ */

/*
 * n frames that share one cycle time, their send times spread evenly over
 * the cycle (frame i at i x period / n), so that a cycle never starts with
 * a burst. A frame that comes late keeps its phase: its next time is the
 * first of its slots after now, never a catch-up.
 */
struct can1_sched {
	unsigned int n;
	uint32_t period_ms;
	uint64_t due_ms[CAN1_MAX_FRAMES];
};

/* Schedule @n frames (at most CAN1_MAX_FRAMES) every @period_ms (>= 1),
 * the first at @now_ms. */
void can1_sched_init(struct can1_sched *s, unsigned int n, uint32_t period_ms,
		       uint64_t now_ms);

/* The index of the frame most overdue at @now_ms, taken off the schedule
 * until its next slot; -1 when none is due. */
int can1_sched_next(struct can1_sched *s, uint64_t now_ms);

/* Take every frame due at @now_ms off the schedule without sending it (the
 * bus is off: nothing is queued for later). Returns how many. */
unsigned int can1_sched_skip(struct can1_sched *s, uint64_t now_ms);

/* ---- the profiles -------------------------------------------------------- */

struct can1 {
	enum cfg_can1_profile profile;
	uint32_t period_ms;
	uint8_t limits_dlc, soc_dlc;     /* resolved: 6/8, 4/6 */
	bool big_endian;
	enum cfg_can1_temp temperature;
	char manufacturer[CFG_CAN1_MANUFACTURER_MAX + 1]; /* resolved */
	char product[CFG_CAN1_PRODUCT_MAX + 1];           /* resolved */
	unsigned int nframes;
	uint16_t ids[CAN1_MAX_FRAMES]; /* ascending */
	struct can1_sched sched;
	uint64_t omitted;                /* due frames left out: values unknown */
};

/* Set @x up for the profile and quirks of @c, the first frame due at
 * @now_ms. */
void can1_init(struct can1 *x, const struct cfg_can1 *c, uint64_t now_ms);

/* "pylon", "victron", "sma", or "?" */
const char *can1_profile_name(enum cfg_can1_profile p);

/* Encode frame @id of @x's profile from @v into @f. Returns 1 when @f is
 * filled, 0 when the frame is left out because a value it carries is not
 * known, -1 when the profile does not send @id. */
int can1_encode(const struct can1 *x, uint16_t id, const struct view *v,
		  struct canio_frame *f);

/* The next frame due at @now_ms, encoded from @v: returns 1 with @f filled,
 * or 0 when nothing more is due. A frame is taken off the schedule when it
 * is returned, so one that the caller cannot send is dropped, not retried;
 * due frames that are left out are counted in x->omitted. */
int can1_next(struct can1 *x, const struct view *v, uint64_t now_ms, struct canio_frame *f);

/* ---- alarms -------------------------------------------------------------- */

/* The 0x35A conditions, two bits each: condition c at byte c / 4, bits
 * 2 (c % 4) .. 2 (c % 4) + 1 (alarms in bytes 0..3, warnings in 4..7). */
enum can1_cond {
	CAN1_C_GENERAL = 0,
	CAN1_C_HIGH_V,
	CAN1_C_LOW_V,
	CAN1_C_HIGH_T,
	CAN1_C_LOW_T,
	CAN1_C_HIGH_T_CHARGE,
	CAN1_C_LOW_T_CHARGE,
	CAN1_C_DISCHARGE_OC,
	CAN1_C_CHARGE_OC,
	CAN1_C_CONTACTOR,
	CAN1_C_SHORT_CIRCUIT,
	CAN1_C_INTERNAL,
	CAN1_C_IMBALANCE,
	CAN1_C_COUNT
};

/* A protection counts when ACTIVE, CLEARING or LATCHED: as a warning at
 * tier warning, as an alarm at tier alarm or critical. Returns 0, 1
 * (warning) or 2 (alarm) for protection @id in @v. */
int can1_prot_level(const struct view *v, enum prot_id id);

/* The 0x35A condition of protection @id (CAN1_C_GENERAL when it has no
 * condition of its own; every active protection also raises GENERAL). */
enum can1_cond can1_prot_cond(enum prot_id id);

/* The 0x359 bit of protection @id: byte 0 or 1 (protection; +2 for the
 * warning) in bits 15..8 of the result, the bit in 7..0; -1 when it has
 * none. */
int can1_prot_pylon_bit(enum prot_id id);

/* ---- keep-alive ---------------------------------------------------------- */

enum can1_ka_event {
	CAN1_KA_NONE = 0,
	CAN1_KA_LOST,   /* no keep-alive for the timeout */
	CAN1_KA_BACK,   /* a keep-alive after a loss */
};

/*
 * The inverter's keep-alive (0x305) watch. It starts as if a keep-alive
 * had just come, so a peer that never speaks is lost one timeout after the
 * start, and a start is not a loss.
 */
struct can1_ka {
	bool watch;
	uint32_t timeout_ms;
	bool alive;
	bool seen;           /* a keep-alive came since the start */
	uint64_t last_ms;    /* the last one, or the start */
	uint64_t frames;     /* keep-alives received */
	uint64_t losses;
};

void can1_ka_init(struct can1_ka *k, bool watch, uint32_t timeout_ms, uint64_t now_ms);

/* A frame received on CAN1: a standard data frame 0x305 of any length
 * counts. Returns CAN1_KA_BACK when it ends a loss. */
enum can1_ka_event can1_ka_rx(struct can1_ka *k, const struct canio_frame *f,
				  uint64_t now_ms);

/* Returns CAN1_KA_LOST when the timeout has just passed. */
enum can1_ka_event can1_ka_tick(struct can1_ka *k, uint64_t now_ms);

/* 1 alive, 0 lost, -1 not watched. */
int can1_ka_state(const struct can1_ka *k);

#endif /* CAN1_H */
