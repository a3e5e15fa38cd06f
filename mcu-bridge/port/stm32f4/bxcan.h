/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bxcan: CAN1 as the bridge link to the SBC, behind hal_can.
 *
 * One acceptance filter (32-bit mask mode, FIFO 0) passes only standard
 * data frames with identifiers 0x050..0x05F, the daemon's range of the
 * bridge protocol. Received frames go from the FIFO-0 interrupt into a
 * ring that hal_can_recv() empties. hal_can_send() puts frames into a
 * ring that the transmit interrupt feeds into the three mailboxes, which
 * run in request order (TXFP), so frames leave in the order they were
 * queued. Bus-off is left by the controller by itself (ABOM) after 128
 * times 11 recessive bits; frames queued meanwhile wait, and those that do
 * not fit are refused to the core, which counts them.
 */
#ifndef BXCAN_H
#define BXCAN_H

#include <stdint.h>

#ifndef BXCAN_BITRATE
#define BXCAN_BITRATE 1000000u
#endif
#define BXCAN_TXQ 64u /* frames, a power of two */
#define BXCAN_RXQ 32u

struct bxcan_stats {
	uint32_t rx_frames, rx_overflow, rx_foreign;
	uint32_t tx_frames, tx_refused;
	uint32_t bus_off, error_passive, error_warning;
};

extern struct bxcan_stats bxcan_stats;

/* Bit timing from clk.pclk1_hz for BXCAN_BITRATE (sample point near
 * 87.5 %), the filter, the interrupts; then leave initialisation mode.
 * Returns 0, or -1 if the bit rate cannot be reached from this clock. */
int bxcan_init(void);

#endif
