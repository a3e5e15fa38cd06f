/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * safety: the floor under everything the daemon decides.
 *
 * The relays stay open until a verified configuration is active and a
 * heartbeat naming that configuration's CRC has arrived. Heartbeat
 * silence longer than the configured timeout, or a hard limit crossed in
 * any sample, opens every relay at once and latches the reason. Only a
 * TRIP_RESET command, with the cause gone and the heartbeat alive, re-arms.
 * Pure: time and samples come in as arguments.
 */
#ifndef SAFETY_H
#define SAFETY_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/bp.h"

#define SAFETY_EXT_SOURCE BP_MAX_BOARDS /* index of the MCU's own NTCs */

struct safety {
	uint8_t state;        /* enum bp_safety */
	uint16_t trip;        /* latched enum bp_trip bits */
	bool configured;
	uint32_t cfg_crc;
	uint16_t hb_timeout_ms;
	uint16_t cell_hi_mV, cell_lo_mV;
	int16_t temp_hi_dC, temp_lo_dC;
	uint32_t short_mA;
	bool hb_alive;
	uint32_t last_hb_ms;
	uint8_t relay_cmd;    /* last commanded while armed */
	uint8_t relays;       /* what to drive */
	/* causes present now, per source: bit n = board n, bit 32 = own NTCs */
	uint64_t cell_hi, cell_lo, temp_hi, temp_lo;
	bool short_now;
	uint32_t trip_ms;     /* when the last trip happened */
	uint32_t trip_hb_age_ms; /* heartbeat age when a heartbeat trip fired */
};

void safety_init(struct safety *s);

/* A configuration with @crc became active. A different one arriving while
 * armed trips (BP_TRIP_CFG_CHANGED): limits and calibration changed under
 * closed contacts, so the daemon must re-arm deliberately. */
void safety_configure(struct safety *s, const struct bp_config *c, uint32_t crc, uint32_t now_ms);

/* A heartbeat arrived; it counts only if it names the active config. */
void safety_heartbeat(struct safety *s, uint32_t cfg_crc, uint32_t now_ms);

/* Relay command from the daemon. Applied only while armed. With @reset,
 * latched trips whose causes are gone are cleared first; the relays of a
 * resetting command are ignored (the next command closes them). */
void safety_command(struct safety *s, uint8_t relays, bool reset, uint32_t now_ms);

/* Hard-limit checks, on every sample. @src is a board index or
 * SAFETY_EXT_SOURCE. Values equal to the NA codes are skipped. Each
 * returns true if it tripped the floor now. */
bool safety_check_cells(struct safety *s, unsigned int src, const uint16_t *mV, unsigned int n,
			uint32_t now_ms);
bool safety_check_temps(struct safety *s, unsigned int src, const int16_t *dC, unsigned int n,
			uint32_t now_ms);
bool safety_check_current(struct safety *s, int32_t mA, uint32_t now_ms);

/* A source stopped reporting (board offline): forget its present causes,
 * so that a reset is not blocked by stale data. Latched trips remain. */
void safety_forget(struct safety *s, unsigned int src);

/* Evaluate the heartbeat and state. Returns the relay mask to drive. */
uint8_t safety_tick(struct safety *s, uint32_t now_ms);

const char *safety_state_name(uint8_t state);

#endif
