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
#include "meas.h"

#define SAFETY_EXT_SOURCE BP_MAX_BOARDS /* index of the MCU's own NTCs */
#define SAFETY_SOURCES (BP_MAX_BOARDS + 1u)

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
	bool was_armed;       /* armed at least once since reset */
	uint8_t alarm_dos, alarm_inv; /* from the configuration */
	uint8_t relay_cmd;    /* last commanded while armed */
	uint8_t relays;       /* what to drive */
	uint8_t boards, cells, temps, ntc_enable; /* what the configuration has */
	/* Causes present, as last known, per source (board n, or the MCU's own
	 * NTCs at SAFETY_EXT_SOURCE): bit i = value i beyond its limit. A bit
	 * clears only when that value is reported back in range; a value that
	 * is not reported (NA, board offline) keeps its bit: unknown counts as
	 * present. */
	uint32_t cell_hi[SAFETY_SOURCES], cell_lo[SAFETY_SOURCES];
	uint8_t temp_hi[SAFETY_SOURCES], temp_lo[SAFETY_SOURCES];
	bool short_now;       /* |current| above the limit, as last known */
	bool cs_fault_now;    /* no sensor could measure the current, as last known */
	uint32_t trip_ms;     /* when the last trip happened */
	uint32_t trip_hb_age_ms; /* heartbeat age when a heartbeat trip fired */
};

void safety_init(struct safety *s);

/* A configuration with @crc became active. A different one arriving while
 * armed trips (BP_TRIP_CFG_CHANGED): limits and calibration changed under
 * closed contacts, so the daemon must re-arm deliberately. Causes present
 * stay until their values are reported again and judged by the new limits;
 * only those of boards, cells and sensors that the configuration no longer
 * has are dropped. */
void safety_configure(struct safety *s, const struct bp_config *c, uint32_t crc, uint32_t now_ms);

/* A heartbeat arrived; it counts only if it names the active config. */
void safety_heartbeat(struct safety *s, uint32_t cfg_crc, uint32_t now_ms);

/* Relay command from the daemon. Applied only while armed. With @reset,
 * latched trips whose causes are gone are cleared first; the relays of a
 * resetting command are ignored (the next command closes them). */
void safety_command(struct safety *s, uint8_t relays, bool reset, uint32_t now_ms);

/* Hard-limit checks, on every sample. @src is a board index or
 * SAFETY_EXT_SOURCE; value i of a source is cell or sensor i. A value
 * beyond its limit trips the floor and marks its cause present; a value in
 * range clears its cause; a value equal to the NA code neither trips nor
 * clears: its cause stays as last known. Each returns true if it tripped
 * the floor now. */
bool safety_check_cells(struct safety *s, unsigned int src, const uint16_t *mV, unsigned int n,
			uint32_t now_ms);
bool safety_check_temps(struct safety *s, unsigned int src, const int16_t *dC, unsigned int n,
			uint32_t now_ms);
/* The current: @mA (BP_CURRENT_MA_NA when no sensor gives a value) and
 * what an NA stands for, @range (enum meas_range: MEAS_RANGE_POS or _NEG
 * for a sensor at a rail or beyond its range, an over-current that trips
 * BP_TRIP_SHORT_CIRCUIT; MEAS_RANGE_FAULT for a current that cannot be
 * measured, which trips BP_TRIP_CURRENT_SENSOR). An NA with MEAS_RANGE_OK
 * (no sensor configured) neither trips nor clears. */
bool safety_check_current(struct safety *s, int32_t mA, uint8_t range, uint32_t now_ms);

/* A source stopped reporting (board offline). Its values are unknown now:
 * a cause that was present stays present until the source reports that
 * value back in range, so that a reset never clears a trip whose cause is
 * unknown. Nothing is dropped. */
void safety_forget(struct safety *s, unsigned int src);

/* Evaluate the heartbeat and state. Returns the relay mask to drive. */
uint8_t safety_tick(struct safety *s, uint32_t now_ms);

/* The discrete outputs to drive, from the daemon's last @do_cmd. Without a
 * live heartbeat every output is off. While the floor holds the pack
 * (TRIPPED, or LOCKED after having been armed, when the daemon went
 * silent) the configuration's alarm outputs are driven to their alarm
 * level by the MCU itself, whatever the daemon commanded; never before the
 * first arming. */
uint8_t safety_dos(const struct safety *s, uint8_t do_cmd);

const char *safety_state_name(uint8_t state);

#endif
