/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "safety.h"

void safety_init(struct safety *s)
{
	struct safety z = { 0 };

	*s = z;
	s->state = BP_SAFETY_LOCKED;
	s->hb_timeout_ms = BP_HEARTBEAT_DEFAULT_MS;
}

static void trip(struct safety *s, uint16_t why, uint32_t now_ms)
{
	if (!s->configured)
		return; /* nothing can be closed while locked without config */
	s->trip |= why;
	if (s->state == BP_SAFETY_ARMED)
		s->trip_ms = now_ms;
	if (s->state != BP_SAFETY_LOCKED || why != BP_TRIP_HEARTBEAT)
		s->state = BP_SAFETY_TRIPPED;
	s->relay_cmd = 0;
	s->relays = 0;
}

void safety_configure(struct safety *s, const struct bp_config *c, uint32_t crc, uint32_t now_ms)
{
	bool changed = !s->configured || crc != s->cfg_crc;

	s->hb_timeout_ms = c->heartbeat_timeout_ms;
	s->cell_hi_mV = c->cell_crit_high_mV;
	s->cell_lo_mV = c->cell_crit_low_mV;
	s->temp_hi_dC = c->temp_crit_high_dC;
	s->temp_lo_dC = c->temp_crit_low_dC;
	s->short_mA = c->short_circuit_mA;
	s->boards = c->board_count;
	s->cells = c->cells_per_board;
	s->temps = c->temps_per_board;
	s->ntc_enable = c->ntc_enable;
	s->alarm_dos = c->alarm_dos & 0x0Fu;
	s->alarm_inv = c->alarm_dos_invert & s->alarm_dos;
	if (changed && s->state == BP_SAFETY_ARMED)
		trip(s, BP_TRIP_CFG_CHANGED, now_ms);
	if (changed) /* a heartbeat naming the old config no longer counts */
		s->hb_alive = false;
	/* Causes stay until their values come back in range under the new
	 * limits. Values that the configuration no longer has are gone by the
	 * operator's decision: they would block every reset forever. */
	for (unsigned int b = 0; b < SAFETY_SOURCES; b++) {
		uint32_t cm = 0;
		uint8_t tm = 0;

		if (b == SAFETY_EXT_SOURCE) {
			tm = s->ntc_enable;
		} else if (b < s->boards) {
			cm = s->cells >= 32u ? ~(uint32_t)0 : ((uint32_t)1 << s->cells) - 1u;
			tm = (uint8_t)((1u << s->temps) - 1u);
		}
		s->cell_hi[b] &= cm;
		s->cell_lo[b] &= cm;
		s->temp_hi[b] &= tm;
		s->temp_lo[b] &= tm;
	}
	s->configured = true;
	s->cfg_crc = crc;
}

void safety_heartbeat(struct safety *s, uint32_t cfg_crc, uint32_t now_ms)
{
	if (!s->configured || cfg_crc != s->cfg_crc)
		return;
	s->hb_alive = true;
	s->last_hb_ms = now_ms;
	if (s->state == BP_SAFETY_LOCKED && !s->trip) {
		s->state = BP_SAFETY_ARMED;
		s->was_armed = true;
		s->relay_cmd = 0;
	}
}

static uint16_t causes_present(const struct safety *s)
{
	uint16_t c = 0;

	for (unsigned int b = 0; b < SAFETY_SOURCES; b++) {
		if (s->cell_hi[b])
			c |= BP_TRIP_CELL_HIGH;
		if (s->cell_lo[b])
			c |= BP_TRIP_CELL_LOW;
		if (s->temp_hi[b])
			c |= BP_TRIP_TEMP_HIGH;
		if (s->temp_lo[b])
			c |= BP_TRIP_TEMP_LOW;
	}
	if (s->short_now)
		c |= BP_TRIP_SHORT_CIRCUIT;
	if (s->cs_fault_now)
		c |= BP_TRIP_CURRENT_SENSOR;
	if (!s->hb_alive)
		c |= BP_TRIP_HEARTBEAT;
	return c;
}

void safety_command(struct safety *s, uint8_t relays, bool reset, uint32_t now_ms)
{
	(void)now_ms;
	if (reset && s->state == BP_SAFETY_TRIPPED) {
		/* a heartbeat trip clears once heartbeats flow again */
		s->trip &= causes_present(s);
		if (!s->trip) {
			s->state = s->hb_alive ? BP_SAFETY_ARMED : BP_SAFETY_LOCKED;
			s->was_armed |= s->hb_alive;
			s->relay_cmd = 0;
		}
		return;
	}
	if (s->state == BP_SAFETY_ARMED)
		s->relay_cmd = relays & 0x0Fu;
}

/* A limit crossed now trips, unless that reason is latched already. */
static bool cross(struct safety *s, bool now, uint16_t why, uint32_t now_ms)
{
	if (!now || !s->configured || (s->trip & why))
		return false;
	trip(s, why, now_ms);
	return true;
}

bool safety_check_cells(struct safety *s, unsigned int src, const uint16_t *mV, unsigned int n,
			uint32_t now_ms)
{
	uint32_t hi = 0, lo = 0, na = 0;
	bool t;

	if (!s->configured || src >= SAFETY_SOURCES)
		return false;
	if (n > 32u)
		n = 32u;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t b = (uint32_t)1 << i;

		if (mV[i] == BP_CELL_MV_NA)
			na |= b;
		else if (mV[i] > s->cell_hi_mV)
			hi |= b;
		else if (mV[i] < s->cell_lo_mV)
			lo |= b;
	}
	/* a value not reported keeps its cause as last known */
	na |= n >= 32u ? 0 : ~(((uint32_t)1 << n) - 1u);
	s->cell_hi[src] = (s->cell_hi[src] & na) | hi;
	s->cell_lo[src] = (s->cell_lo[src] & na) | lo;
	t = cross(s, hi != 0, BP_TRIP_CELL_HIGH, now_ms);
	t |= cross(s, lo != 0, BP_TRIP_CELL_LOW, now_ms);
	return t;
}

bool safety_check_temps(struct safety *s, unsigned int src, const int16_t *dC, unsigned int n,
			uint32_t now_ms)
{
	uint8_t hi = 0, lo = 0, na = 0;
	bool t;

	if (!s->configured || src >= SAFETY_SOURCES)
		return false;
	if (n > 8u)
		n = 8u;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(1u << i);

		if (dC[i] == BP_TEMP_DC_NA)
			na |= b;
		else if (dC[i] > s->temp_hi_dC)
			hi |= b;
		else if (dC[i] < s->temp_lo_dC)
			lo |= b;
	}
	na |= (uint8_t) ~((1u << n) - 1u);
	s->temp_hi[src] = (uint8_t)((s->temp_hi[src] & na) | hi);
	s->temp_lo[src] = (uint8_t)((s->temp_lo[src] & na) | lo);
	t = cross(s, hi != 0, BP_TRIP_TEMP_HIGH, now_ms);
	t |= cross(s, lo != 0, BP_TRIP_TEMP_LOW, now_ms);
	return t;
}

bool safety_check_current(struct safety *s, int32_t mA, uint8_t range, uint32_t now_ms)
{
	uint32_t mag;

	if (!s->configured)
		return false;
	switch (range) {
	case MEAS_RANGE_POS:
	case MEAS_RANGE_NEG:
		/* beyond what the widest sensor reads: above any limit it has */
		s->short_now = true;
		s->cs_fault_now = false;
		return cross(s, true, BP_TRIP_SHORT_CIRCUIT, now_ms);
	case MEAS_RANGE_FAULT:
		/* unknown: a short's cause stays as last known */
		s->cs_fault_now = true;
		return cross(s, true, BP_TRIP_CURRENT_SENSOR, now_ms);
	default:
		break;
	}
	if (mA == BP_CURRENT_MA_NA)
		return false; /* no sensor: nothing known, nothing changes */
	mag = mA < 0 ? (uint32_t)-(int64_t)mA : (uint32_t)mA;
	s->short_now = mag > s->short_mA;
	s->cs_fault_now = false;
	return cross(s, s->short_now, BP_TRIP_SHORT_CIRCUIT, now_ms);
}

void safety_forget(struct safety *s, unsigned int src)
{
	/* Deliberately nothing: the source's values are unknown, and an
	 * unknown cause counts as present (see safety.h). */
	(void)s;
	(void)src;
}

uint8_t safety_tick(struct safety *s, uint32_t now_ms)
{
	if (s->hb_alive && (uint32_t)(now_ms - s->last_hb_ms) > s->hb_timeout_ms) {
		s->hb_alive = false;
		if (s->state == BP_SAFETY_ARMED) {
			s->trip_hb_age_ms = now_ms - s->last_hb_ms;
			trip(s, BP_TRIP_HEARTBEAT, now_ms);
		}
	}
	s->relays = s->state == BP_SAFETY_ARMED ? s->relay_cmd : 0;
	return s->relays;
}

uint8_t safety_dos(const struct safety *s, uint8_t do_cmd)
{
	uint8_t dos = s->hb_alive ? do_cmd & 0x0Fu : 0;
	bool holding = s->configured && (s->state == BP_SAFETY_TRIPPED ||
					 (s->state == BP_SAFETY_LOCKED && s->was_armed));

	if (holding)
		dos = (uint8_t)((dos & ~s->alarm_dos) | (s->alarm_dos & ~s->alarm_inv));
	return dos;
}

const char *safety_state_name(uint8_t state)
{
	return bp_safety_name(state);
}
