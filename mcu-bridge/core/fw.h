/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fw: the bridge firmware's application layer. One fw_tick() per
 * millisecond runs every state machine once: commands in, ADC pipeline,
 * Logic bus, safety floor, outputs, LEDs, and the bridge stream out
 * (docs/bridge-protocol.md). Nothing blocks; the ports call fw_tick from
 * their timer (STM32) or their event loop (bms-sim).
 */
#ifndef FW_H
#define FW_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/bp.h"
#include "dio.h"
#include "lbus.h"
#include "meas.h"
#include "safety.h"

#define FW_VERSION_MAJOR 0
#define FW_VERSION_MINOR 1
#define FW_VERSION_PATCH 0

#define FW_TXQ_LEN 128u /* frames; a full Logic cycle is 289, sent as it is polled */

#define FW_PERIOD_CURRENT_MS 10u
#define FW_PERIOD_STATUS_MS 100u
#define FW_PERIOD_VERSION_MS 1000u

struct fw_stats {
	uint32_t rx_frames, rx_bad, rx_unknown;
	uint32_t rx_lost;           /* frames the CAN receive path overran */
	uint32_t tx_frames, tx_dropped;
	uint32_t cfg_pushes, cfg_rejects;
	uint32_t trips;
};

struct fw {
	struct lbus lb;
	struct meas meas;
	struct safety safety;
	struct dio dio;
	struct fw_stats st;

	/* configuration push */
	struct bp_config cfg;        /* active */
	uint8_t cfg_state;           /* enum bp_cfg_state */
	uint32_t cfg_crc;            /* of the active config, 0 when none */
	uint8_t blob[BP_CFG_BLOB_MAX];
	uint64_t seg_seen;           /* bit n = segment n received */

	/* outputs */
	uint8_t do_cmd, dos, relays, leds;
	uint16_t faults;
	uint8_t hw;

	/* stream */
	struct bp_frame txq[FW_TXQ_LEN];
	uint16_t txq_head, txq_len;
	uint8_t ctr[BP_T_COUNT];     /* rolling counter per periodic type */
	uint16_t snap_frames;        /* snapshot frames queued this cycle */
	uint32_t now_ms, t_current, t_status, t_version;
	uint64_t pack_us;            /* MCU (pack) time, from the ADC's periods */
	uint8_t last_status_key;     /* safety|cfg_state, to send STATUS on change */
	uint8_t last_io_key[2];
	uint32_t seen_crc[BP_MAX_BOARDS], seen_to[BP_MAX_BOARDS]; /* lbus counters at last report */
	bool started;
};

/* Reset every state machine; relays open. @hw is the board id. */
void fw_init(struct fw *fw, uint8_t hw);

/* Measure with @c (Logic geometry, sensor calibration) until the daemon
 * pushes a configuration. The safety floor stays locked: a preset is never
 * an active configuration, and STATUS reports none. On the MCU the preset
 * is the last verified configuration, kept in flash. Returns BP_OK or
 * BP_EINVAL. */
int fw_preset(struct fw *fw, const struct bp_config *c);

/* Advance by one tick at @now_ms (wall-clock ms, wraps). */
void fw_tick(struct fw *fw, uint32_t now_ms);

/* Process one received bridge frame (fw_tick calls this for each frame
 * from hal_can_recv; tests may call it directly). */
void fw_rx(struct fw *fw, const struct bp_frame *f);

#endif
