/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hal_can: the CAN link to the SBC. Non-blocking in both directions. */
#ifndef HAL_CAN_H
#define HAL_CAN_H

#include "../proto/bp.h"

/* Queue @f for transmission. Returns 0, or -1 when no mailbox or queue
 * slot is free (the caller keeps the frame and retries later). */
int hal_can_send(const struct bp_frame *f);

/* Take one received frame. Returns 1 with @f filled, 0 when none waits. */
int hal_can_recv(struct bp_frame *f);

/* Received frames lost since the last call: a hardware FIFO or a receive
 * queue overran (saturates at 65535). */
uint16_t hal_can_rx_lost(void);

#endif
