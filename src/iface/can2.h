/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * can2: the pack-summary feed of CAN2 for displays and indication panels,
 * encoded from the published view. Pure: time is an argument. Eight frames
 * at base_id .. base_id + 7, DLC 8, little-endian, each every period_ms,
 * spread over the period; docs/can.md and docs/dbc/bmsd-can2.dbc give the
 * layout. Unlike an inverter, a display is told what is not known: every
 * field has a "not available" code.
 */
#ifndef CAN2_H
#define CAN2_H

#include <stdbool.h>
#include <stdint.h>

#include "canio.h"
#include "can1.h"
#include "can1_cfg.h"
#include "view.h"

/* Frames, as offsets from base_id. */
enum can2_frame {
	CAN2_STATE = 0,  /* state, flags, SOC, SOH, bmsd faults */
	CAN2_PACK,       /* pack voltage, current */
	CAN2_CELLS,      /* cell min/max and where */
	CAN2_TEMPS,      /* temperature min/max/mean and where */
	CAN2_PROT,       /* protections active: warnings, alarms */
	CAN2_PROT2,      /* protections active: critical, latched */
	CAN2_IO,         /* relays, DI, DO, boards */
	CAN2_LIMITS,     /* CCL, DCL, CVL, DVL */
	CAN2_COUNT
};

_Static_assert(CAN2_COUNT == CFG_CAN2_FRAMES, "the feed's identifiers");

/* "not available" codes; a board, cell or sensor number (1-based) is 0 when not
 * known */
#define CAN2_U16_NA 0xFFFFu
#define CAN2_S16_NA INT16_MIN
#define CAN2_U32_NA 0xFFFFFFFFu
#define CAN2_S32_NA INT32_MIN

/* STATE byte 1 */
enum can2_flag {
	CAN2_F_CONFIGURED = 1u << 0,
	CAN2_F_LINK_UP = 1u << 1,
	CAN2_F_CHARGE_ALLOWED = 1u << 2,
	CAN2_F_DISCHARGE_ALLOWED = 1u << 3,
	CAN2_F_SOFT_STOP = 1u << 4,
	CAN2_F_FULL = 1u << 5,
	CAN2_F_HEATER = 1u << 6,
	CAN2_F_BALANCING = 1u << 7,
};

struct can2 {
	uint16_t base_id;
	struct can1_sched sched;
};

/* Set the feed up from @c, the first frame due at @now_ms. */
void can2_init(struct can2 *x, const struct cfg_can2 *c, uint64_t now_ms);

/* Encode frame @which (enum can2_frame) from @v into @f. Returns 1, or -1
 * for an unknown frame. */
int can2_encode(const struct can2 *x, unsigned int which, const struct view *v,
		struct canio_frame *f);

/* The next frame due at @now_ms: 1 with @f filled, 0 when none is due. A
 * returned frame is off the schedule until its next period. */
int can2_next(struct can2 *x, const struct view *v, uint64_t now_ms, struct canio_frame *f);

#endif /* CAN2_H */
