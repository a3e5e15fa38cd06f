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
	if (changed && s->state == BP_SAFETY_ARMED)
		trip(s, BP_TRIP_CFG_CHANGED, now_ms);
	if (changed) {
		/* a heartbeat naming the old config no longer counts */
		s->hb_alive = false;
		s->cell_hi = s->cell_lo = s->temp_hi = s->temp_lo = 0;
		s->short_now = false;
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
		s->relay_cmd = 0;
	}
}

static uint16_t causes_present(const struct safety *s)
{
	uint16_t c = 0;

	if (s->cell_hi)
		c |= BP_TRIP_CELL_HIGH;
	if (s->cell_lo)
		c |= BP_TRIP_CELL_LOW;
	if (s->temp_hi)
		c |= BP_TRIP_TEMP_HIGH;
	if (s->temp_lo)
		c |= BP_TRIP_TEMP_LOW;
	if (s->short_now)
		c |= BP_TRIP_SHORT_CIRCUIT;
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
			s->relay_cmd = 0;
		}
		return;
	}
	if (s->state == BP_SAFETY_ARMED)
		s->relay_cmd = relays & 0x0Fu;
}

static uint64_t bit(unsigned int src)
{
	return src <= SAFETY_EXT_SOURCE ? (uint64_t)1 << src : 0;
}

static bool update(struct safety *s, uint64_t *set, unsigned int src, bool now, uint16_t why,
		   uint32_t now_ms)
{
	if (!now) {
		if (set)
			*set &= ~bit(src);
		return false;
	}
	if (set)
		*set |= bit(src);
	if (!s->configured || (s->trip & why))
		return false;
	trip(s, why, now_ms);
	return true;
}

bool safety_check_cells(struct safety *s, unsigned int src, const uint16_t *mV, unsigned int n,
			uint32_t now_ms)
{
	bool hi = false, lo = false, t;

	if (!s->configured)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		if (mV[i] == BP_CELL_MV_NA)
			continue;
		hi |= mV[i] > s->cell_hi_mV;
		lo |= mV[i] < s->cell_lo_mV;
	}
	t = update(s, &s->cell_hi, src, hi, BP_TRIP_CELL_HIGH, now_ms);
	t |= update(s, &s->cell_lo, src, lo, BP_TRIP_CELL_LOW, now_ms);
	return t;
}

bool safety_check_temps(struct safety *s, unsigned int src, const int16_t *dC, unsigned int n,
			uint32_t now_ms)
{
	bool hi = false, lo = false, t;

	if (!s->configured)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		if (dC[i] == BP_TEMP_DC_NA)
			continue;
		hi |= dC[i] > s->temp_hi_dC;
		lo |= dC[i] < s->temp_lo_dC;
	}
	t = update(s, &s->temp_hi, src, hi, BP_TRIP_TEMP_HIGH, now_ms);
	t |= update(s, &s->temp_lo, src, lo, BP_TRIP_TEMP_LOW, now_ms);
	return t;
}

bool safety_check_current(struct safety *s, int32_t mA, uint32_t now_ms)
{
	uint32_t mag;
	bool sc;

	if (!s->configured)
		return false;
	if (mA == BP_CURRENT_MA_NA) {
		s->short_now = false;
		return false;
	}
	mag = mA < 0 ? (uint32_t)-(int64_t)mA : (uint32_t)mA;
	sc = mag > s->short_mA;
	s->short_now = sc;
	return update(s, NULL, 0, sc, BP_TRIP_SHORT_CIRCUIT, now_ms);
}

void safety_forget(struct safety *s, unsigned int src)
{
	uint64_t m = ~bit(src);

	s->cell_hi &= m;
	s->cell_lo &= m;
	s->temp_hi &= m;
	s->temp_lo &= m;
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

const char *safety_state_name(uint8_t state)
{
	return bp_safety_name(state);
}
