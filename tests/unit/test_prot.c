/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prot: every protection's set, clear, delays, latch, reset, tiers and
 * actions, unknown inputs, reloads, the safety-floor limits, and the
 * protections section of bmsd.yaml.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#undef CU_TEST
#include "cu.h"

#include "cfg.h"
#include "cfg_keys.h"
#include "fixture.h"
#include "mcu_cfg.h"
#include "prot.h"
#include "proto/bp.h"

/* ---- fixture ------------------------------------------------------------ */

#define MAX_EV 64u

struct ev {
	enum prot_id id;
	enum prot_state from, to;
	int32_t value;
};

static struct prot P;
static struct prot_out OUT;
static struct cfg_protections C;
static struct ev evs[MAX_EV];
static unsigned int nev;
static int ev_arg;

static void rec(void *arg, enum prot_id id, enum prot_state from, enum prot_state to,
		int32_t value)
{
	CU_ASSERT_PTR_EQUAL(arg, &ev_arg);
	if (nev < MAX_EV)
		evs[nev] = (struct ev){ id, from, to, value };
	nev++;
}

static struct cfg_prot *pc(struct cfg_protections *c, enum prot_id id)
{
	return (struct cfg_prot *)(uintptr_t)prot_cfg(c, id);
}

static bool is_cond(enum prot_id id)
{
	return prot_kind_of(id) == PROT_KIND_CONDITION;
}

static bool is_low(enum prot_id id)
{
	return prot_kind_of(id) == PROT_KIND_LOW;
}

/* Thresholds of the generic tests, in the configured unit. */
static void thresholds(enum prot_id id, int32_t *set, int32_t *clear)
{
	if (is_cond(id)) {
		*set = *clear = 0;
	} else if (id == PROT_HUMIDITY) {
		*set = 60; /* %RH: 600 and 500 in 0.1 %RH */
		*clear = 50;
	} else if (is_low(id)) {
		*set = 100;
		*clear = 200;
	} else {
		*set = 1000;
		*clear = 900;
	}
}

/* Values, in the unit of the input (0.1 %RH for humidity). */
static int64_t scale(enum prot_id id)
{
	return id == PROT_HUMIDITY ? 10 : 1;
}

static int64_t v_set(enum prot_id id) /* exactly at set */
{
	int32_t s, c;

	thresholds(id, &s, &c);
	return is_cond(id) ? 1 : s * scale(id);
}

static int64_t v_short(enum prot_id id) /* one unit short of set */
{
	if (is_cond(id))
		return 0;
	return is_low(id) ? v_set(id) + 1 : v_set(id) - 1;
}

static int64_t v_band(enum prot_id id) /* exactly at clear: neither sets nor clears */
{
	int32_t s, c;

	thresholds(id, &s, &c);
	return c * scale(id);
}

static int64_t v_clear(enum prot_id id) /* one unit past clear */
{
	if (is_cond(id))
		return 0;
	return is_low(id) ? v_band(id) + 1 : v_band(id) - 1;
}

/* Put @v where protection @id reads it. */
static void put(struct prot_in *in, enum prot_id id, int64_t v)
{
	switch (id) {
	case PROT_CELL_OV:
	case PROT_CELL_UV:
	case PROT_DEEP_DISCHARGE:
		in->cells_valid = true;
		in->cell_max_mV = (int32_t)v;
		in->cell_min_mV = (int32_t)v;
		break;
	case PROT_CELL_SPREAD:
		in->cells_valid = true;
		in->cell_max_mV = (int32_t)(3000 + v);
		in->cell_min_mV = 3000;
		break;
	case PROT_PACK_OV:
	case PROT_PACK_UV:
		in->pack_valid = true;
		in->pack_mV = v;
		break;
	case PROT_CHG_OC:
		in->current_valid = true;
		in->current_mA = (int32_t)v;
		break;
	case PROT_DSG_OC:
		in->current_valid = true;
		in->current_mA = (int32_t)-v;
		break;
	case PROT_CHG_OT:
	case PROT_CHG_UT:
	case PROT_DSG_OT:
	case PROT_DSG_UT:
		in->temps_valid = true;
		in->temp_max_dC = (int32_t)v;
		in->temp_min_dC = (int32_t)v;
		break;
	case PROT_HUMIDITY:
		in->humidity_valid = true;
		in->humidity_dpct = (int32_t)v;
		break;
	default:
		if (v)
			in->cond |= 1u << id;
		else
			in->cond &= ~(1u << id);
		break;
	}
}

static void init_cfg(struct cfg_protections *c)
{
	memset(c, 0, sizeof(*c));
	c->floor_margin_mV = 50;
	c->floor_margin_dC = 50;
	c->floor_margin_pct = 10;
}

static void fill(struct cfg_protections *c, enum prot_id id, uint32_t sd, uint32_t cd,
		 bool latch, enum prot_tier tier, enum prot_action action)
{
	struct cfg_prot *p = pc(c, id);

	p->enable = true;
	thresholds(id, &p->set, &p->clear);
	p->set_delay_ms = sd;
	p->clear_delay_ms = cd;
	p->latch = latch;
	p->tier = tier;
	p->action = action;
}

/* Only @id enabled. */
static void setup_one(enum prot_id id, uint32_t sd, uint32_t cd, bool latch, enum prot_tier tier,
		      enum prot_action action)
{
	init_cfg(&C);
	fill(&C, id, sd, cd, latch, tier, action);
	prot_init(&P, &C, rec, &ev_arg);
	nev = 0;
	memset(&OUT, 0xA5, sizeof(OUT));
}

/* One step with only @id's input set to @v; returns @id's state. */
static enum prot_state feed(enum prot_id id, int64_t v, uint64_t t)
{
	struct prot_in in = { 0 };

	put(&in, id, v);
	prot_step(&P, &in, t, &OUT);
	return prot_state_of(&P, id);
}

/* One step with every input unknown (conditions absent). */
static enum prot_state feed_unknown(enum prot_id id, uint64_t t)
{
	struct prot_in in = { 0 };

	prot_step(&P, &in, t, &OUT);
	return prot_state_of(&P, id);
}

static bool expect_st(enum prot_id id, enum prot_state got, enum prot_state want, int line)
{
	if (got != want)
		fprintf(stderr, "\n  line %d: %s: state %s, expected %s\n", line, prot_key(id),
			prot_state_name(got), prot_state_name(want));
	CU_ASSERT_EQUAL(got, want);
	return got == want;
}
#define ST(id, got, want) expect_st(id, got, want, __LINE__)

/* Where a protection without latch ends once its condition is gone: deep
 * discharge latches anyway. */
static enum prot_state gone(enum prot_id id)
{
	return id == PROT_DEEP_DISCHARGE ? PROT_ST_LATCHED : PROT_ST_CLEAR;
}

#define FOR_EACH(id) for (enum prot_id id = 0; id < PROT_COUNT; id++)

/* ---- names and kinds ---------------------------------------------------- */

static void test_names(void)
{
	FOR_EACH(id) {
		CU_ASSERT_STRING_NOT_EQUAL(prot_name(id), "?");
		CU_ASSERT_STRING_NOT_EQUAL(prot_key(id), "?");
		CU_ASSERT_PTR_NOT_NULL(prot_unit(id));
		CU_ASSERT_EQUAL(strlen(prot_unit(id)) == 0, is_cond(id));
	}
	CU_ASSERT_STRING_EQUAL(prot_key(PROT_CELL_OV), "cell_over_voltage");
	CU_ASSERT_STRING_EQUAL(prot_name(PROT_DEEP_DISCHARGE), "deep discharge");
	CU_ASSERT_STRING_EQUAL(prot_name(PROT_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(prot_key((enum prot_id)-1), "?");
	CU_ASSERT_STRING_EQUAL(prot_unit(PROT_COUNT), "");
	CU_ASSERT_STRING_EQUAL(prot_unit(PROT_HUMIDITY), "dpct");
	CU_ASSERT_STRING_EQUAL(prot_unit(PROT_DSG_OC), "mA");
	CU_ASSERT_STRING_EQUAL(prot_unit(PROT_CHG_UT), "dC");
	CU_ASSERT_STRING_EQUAL(prot_unit(PROT_PACK_UV), "mV");
	CU_ASSERT_STRING_EQUAL(prot_state_name(PROT_ST_CLEAR), "clear");
	CU_ASSERT_STRING_EQUAL(prot_state_name(PROT_ST_SETTING), "setting");
	CU_ASSERT_STRING_EQUAL(prot_state_name(PROT_ST_ACTIVE), "active");
	CU_ASSERT_STRING_EQUAL(prot_state_name(PROT_ST_CLEARING), "clearing");
	CU_ASSERT_STRING_EQUAL(prot_state_name(PROT_ST_LATCHED), "latched");
	CU_ASSERT_STRING_EQUAL(prot_state_name(PROT_ST_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(prot_tier_name(PROT_TIER_WARNING), "warning");
	CU_ASSERT_STRING_EQUAL(prot_tier_name(PROT_TIER_ALARM), "alarm");
	CU_ASSERT_STRING_EQUAL(prot_tier_name(PROT_TIER_CRITICAL), "critical");
	CU_ASSERT_STRING_EQUAL(prot_tier_name(PROT_TIER_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(prot_action_name(PROT_ACT_REPORT), "report");
	CU_ASSERT_STRING_EQUAL(prot_action_name(PROT_ACT_DERATE), "derate");
	CU_ASSERT_STRING_EQUAL(prot_action_name(PROT_ACT_BLOCK_CHARGE), "block-charge");
	CU_ASSERT_STRING_EQUAL(prot_action_name(PROT_ACT_BLOCK_DISCHARGE), "block-discharge");
	CU_ASSERT_STRING_EQUAL(prot_action_name(PROT_ACT_OPEN_ALL), "open-all");
	CU_ASSERT_STRING_EQUAL(prot_action_name(PROT_ACT_COUNT), "?");
}

static void test_kinds(void)
{
	static const enum prot_id high[] = { PROT_CELL_OV, PROT_PACK_OV, PROT_CHG_OC,
					     PROT_DSG_OC, PROT_CHG_OT, PROT_DSG_OT,
					     PROT_CELL_SPREAD, PROT_HUMIDITY };
	static const enum prot_id low[] = { PROT_CELL_UV, PROT_PACK_UV, PROT_CHG_UT, PROT_DSG_UT,
					    PROT_DEEP_DISCHARGE };
	unsigned int nh = 0, nl = 0;

	for (unsigned int i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		CU_ASSERT_EQUAL(prot_kind_of(high[i]), PROT_KIND_HIGH);
	for (unsigned int i = 0; i < sizeof(low) / sizeof(low[0]); i++)
		CU_ASSERT_EQUAL(prot_kind_of(low[i]), PROT_KIND_LOW);
	FOR_EACH(id) {
		nh += prot_kind_of(id) == PROT_KIND_HIGH;
		nl += prot_kind_of(id) == PROT_KIND_LOW;
	}
	CU_ASSERT_EQUAL(nh, 8);
	CU_ASSERT_EQUAL(nl, 5);
	CU_ASSERT_EQUAL(prot_kind_of(PROT_LOGIC_OFFLINE), PROT_KIND_CONDITION);
	CU_ASSERT_EQUAL(prot_kind_of(PROT_MCU_TRIP), PROT_KIND_CONDITION);
	CU_ASSERT_EQUAL(prot_kind_of(PROT_COUNT), PROT_KIND_CONDITION);
	CU_ASSERT_PTR_NULL(prot_cfg(&C, PROT_COUNT));
}

/* prot_cfg() of each id is its own sub-section, the one its key names. */
static void test_cfg_map(void)
{
	struct cfg_protections c = { 0 };

	CU_ASSERT_PTR_EQUAL(prot_cfg(&c, PROT_CELL_OV), &c.cell_over_voltage);
	CU_ASSERT_PTR_EQUAL(prot_cfg(&c, PROT_PACK_UV), &c.pack_under_voltage);
	CU_ASSERT_PTR_EQUAL(prot_cfg(&c, PROT_HUMIDITY), &c.humidity);
	CU_ASSERT_PTR_EQUAL(prot_cfg(&c, PROT_DEEP_DISCHARGE), &c.deep_discharge);
	CU_ASSERT_PTR_EQUAL(prot_cfg(&c, PROT_MCU_TRIP), &c.safety_floor_trip);
	FOR_EACH(a) {
		for (enum prot_id b = a + 1; b < PROT_COUNT; b++)
			CU_ASSERT_PTR_NOT_EQUAL(prot_cfg(&c, a), prot_cfg(&c, b));
		/* the schema row of the same name points at the same member */
		bool found = false;

		for (const struct cfg_key *k = cfg_protections_keys; k->name; k++)
			if (!strcmp(k->name, prot_key(a))) {
				found = true;
				CU_ASSERT_EQUAL(k->type, CFG_T_SECTION);
				CU_ASSERT_EQUAL((const char *)&c + k->off,
						(const char *)prot_cfg(&c, a));
				CU_ASSERT_EQUAL(k->size, sizeof(struct cfg_prot));
			}
		CU_ASSERT(found);
	}
}

/* ---- every protection: set, clear, delays ------------------------------- */

static void test_set_immediate(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		if (!is_cond(id))
			ST(id, feed(id, v_short(id), 10), PROT_ST_CLEAR);
		ST(id, feed(id, v_clear(id), 20), PROT_ST_CLEAR);
		CU_ASSERT_EQUAL(nev, 0);
		ST(id, feed(id, v_set(id), 30), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(nev, 1);
		CU_ASSERT_EQUAL(evs[0].id, id);
		CU_ASSERT_EQUAL(evs[0].from, PROT_ST_CLEAR);
		CU_ASSERT_EQUAL(evs[0].to, PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(evs[0].value, (int32_t)v_set(id));
		CU_ASSERT_EQUAL(OUT.active, 1u << id);
		CU_ASSERT_EQUAL(prot_value_at_set(&P, id), (int32_t)v_set(id));
	}
}

static void test_set_delay_edges(void)
{
	FOR_EACH(id) {
		setup_one(id, 1000, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 5000), PROT_ST_SETTING);
		CU_ASSERT_EQUAL(OUT.setting, 1u << id);
		CU_ASSERT_EQUAL(OUT.active, 0);
		ST(id, feed(id, v_set(id), 5999), PROT_ST_SETTING);
		ST(id, feed(id, v_set(id), 6000), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(nev, 2);
		CU_ASSERT_EQUAL(evs[0].to, PROT_ST_SETTING);
		CU_ASSERT_EQUAL(evs[1].from, PROT_ST_SETTING);
		CU_ASSERT_EQUAL(evs[1].to, PROT_ST_ACTIVE);
	}
}

/* The condition must hold for the whole delay: a value one unit short
 * sends SETTING back to CLEAR, and the delay starts over. */
static void test_setting_aborts(void)
{
	FOR_EACH(id) {
		setup_one(id, 1000, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_SETTING);
		ST(id, feed(id, v_short(id), 999), PROT_ST_CLEAR);
		ST(id, feed(id, v_set(id), 1000), PROT_ST_SETTING);
		ST(id, feed(id, v_set(id), 1999), PROT_ST_SETTING);
		ST(id, feed(id, v_set(id), 2000), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(nev, 4);
	}
}

static void test_clear_immediate(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		if (!is_cond(id))
			ST(id, feed(id, v_band(id), 10), PROT_ST_ACTIVE); /* == clear */
		ST(id, feed(id, v_clear(id), 20), gone(id));
		CU_ASSERT_EQUAL(nev, 2);
		CU_ASSERT_EQUAL(evs[1].from, PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(evs[1].to, gone(id));
		CU_ASSERT_EQUAL(evs[1].value, (int32_t)v_clear(id));
		CU_ASSERT_EQUAL(OUT.active, 0);
	}
}

static void test_clear_delay_edges(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 2000, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 100), PROT_ST_CLEARING);
		CU_ASSERT_EQUAL(OUT.active, 1u << id); /* still in force */
		ST(id, feed(id, v_clear(id), 2099), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 2100), gone(id));
		CU_ASSERT_EQUAL(OUT.active, 0);
		CU_ASSERT_EQUAL(nev, 3);
	}
}

/* Back within the clear threshold during CLEARING: ACTIVE again, and the
 * clear delay starts over. */
static void test_clearing_returns(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 1000, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 10), PROT_ST_CLEARING);
		ST(id, feed(id, is_cond(id) ? 1 : v_band(id), 500), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(evs[nev - 1].from, PROT_ST_CLEARING);
		CU_ASSERT_EQUAL(evs[nev - 1].to, PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 600), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 1599), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 1600), gone(id));
		/* the original value at set is kept through the episode */
		CU_ASSERT_EQUAL(prot_value_at_set(&P, id), (int32_t)v_set(id));
	}
}

/* Between the thresholds nothing changes: CLEAR stays clear, ACTIVE stays
 * active. */
static void test_hysteresis_band(void)
{
	FOR_EACH(id) {
		if (is_cond(id))
			continue;
		setup_one(id, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_band(id), 0), PROT_ST_CLEAR);
		ST(id, feed(id, v_short(id), 10), PROT_ST_CLEAR);
		ST(id, feed(id, v_set(id), 20), PROT_ST_ACTIVE);
		ST(id, feed(id, v_short(id), 30), PROT_ST_ACTIVE);
		ST(id, feed(id, v_band(id), 40), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 50), gone(id));
		CU_ASSERT_EQUAL(nev, 2);
	}
}

/* ---- latch and reset ---------------------------------------------------- */

static void test_latch_and_reset(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 500, true, PROT_TIER_ALARM, PROT_ACT_BLOCK_CHARGE);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 10), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 510), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(evs[nev - 1].to, PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(OUT.latched, 1u << id);
		CU_ASSERT_EQUAL(OUT.active, 0);
		CU_ASSERT(OUT.block_charge);
		/* held without a reset */
		ST(id, feed(id, v_clear(id), 100000), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(prot_reset(&P, 100001), 1);
		ST(id, prot_state_of(&P, id), PROT_ST_CLEAR);
		CU_ASSERT_EQUAL(evs[nev - 1].from, PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(evs[nev - 1].to, PROT_ST_CLEAR);
		CU_ASSERT_EQUAL(prot_reset(&P, 100002), 0);
		prot_outputs(&P, &OUT);
		CU_ASSERT(!OUT.block_charge);
		CU_ASSERT_EQUAL(OUT.latched, 0);
	}
}

static void test_latch_immediate_clear(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 0, true, PROT_TIER_WARNING, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 1), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(nev, 2);
		CU_ASSERT_EQUAL(evs[1].from, PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_WARNING], 1u << id);
	}
}

/* A reset does not clear a latched protection whose condition is present
 * (ACTIVE) or whose clear delay has not run out (CLEARING). */
static void test_reset_kept_while_present(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 1000, true, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(prot_reset(&P, 1), 0);
		ST(id, prot_state_of(&P, id), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 2), PROT_ST_CLEARING);
		CU_ASSERT_EQUAL(prot_reset(&P, 3), 0);
		ST(id, prot_state_of(&P, id), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 1002), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(prot_reset(&P, 1003), 1);
		ST(id, prot_state_of(&P, id), PROT_ST_CLEAR);
	}
}

/* A latched protection whose condition comes back is ACTIVE again at once
 * (it was in force all along). */
static void test_latched_returns(void)
{
	FOR_EACH(id) {
		setup_one(id, 5000, 0, true, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_SETTING);
		ST(id, feed(id, v_set(id), 5000), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 5001), PROT_ST_LATCHED);
		if (!is_cond(id))
			ST(id, feed(id, v_band(id), 5002), PROT_ST_LATCHED);
		ST(id, feed(id, v_set(id), 5003), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(evs[nev - 1].from, PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(prot_reset(&P, 5004), 0);
	}
}

/* In the band a latched protection stays latched, and a reset clears it:
 * the condition is gone, only the hysteresis remains. */
static void test_latched_band_reset(void)
{
	setup_one(PROT_CELL_OV, 0, 0, true, PROT_TIER_ALARM, PROT_ACT_REPORT);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 1000, 0), PROT_ST_ACTIVE);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 899, 1), PROT_ST_LATCHED);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 950, 2), PROT_ST_LATCHED);
	CU_ASSERT_EQUAL(prot_reset(&P, 3), 1);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 950, 4), PROT_ST_CLEAR);
}

static void test_reset_counts_several(void)
{
	init_cfg(&C);
	fill(&C, PROT_WELDED, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_EMERGENCY_STOP, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_PRECHARGE, 0, 0, true, PROT_TIER_ALARM, PROT_ACT_OPEN_ALL);
	prot_init(&P, &C, rec, &ev_arg);
	nev = 0;
	struct prot_in in = { .cond = 1u << PROT_WELDED | 1u << PROT_EMERGENCY_STOP |
				      1u << PROT_PRECHARGE };

	CU_ASSERT_EQUAL(prot_step(&P, &in, 0, &OUT), 3);
	CU_ASSERT(OUT.open_now);
	in.cond = 1u << PROT_EMERGENCY_STOP; /* still pressed */
	CU_ASSERT_EQUAL(prot_step(&P, &in, 1, &OUT), 2);
	CU_ASSERT_EQUAL(OUT.latched, 1u << PROT_WELDED | 1u << PROT_PRECHARGE);
	CU_ASSERT_EQUAL(prot_reset(&P, 2), 2);
	prot_outputs(&P, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_EMERGENCY_STOP);
	CU_ASSERT_EQUAL(OUT.latched, 0);
	CU_ASSERT(OUT.open_now);
}

/* ---- deep discharge ----------------------------------------------------- */

static void test_deep_discharge_always_latches(void)
{
	setup_one(PROT_DEEP_DISCHARGE, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	CU_ASSERT(prot_latches(&P, PROT_DEEP_DISCHARGE));
	CU_ASSERT(!prot_latches(&P, PROT_CELL_UV));
	CU_ASSERT(!prot_latches(&P, PROT_COUNT));
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 100, 0), PROT_ST_ACTIVE);
	CU_ASSERT(OUT.open_now);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 3300, 1), PROT_ST_LATCHED);
	CU_ASSERT(OUT.open_all);
	CU_ASSERT(OUT.open_now);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 3300, 1000000), PROT_ST_LATCHED);
	CU_ASSERT_EQUAL(prot_reset(&P, 1000001), 1);
	ST(PROT_DEEP_DISCHARGE, prot_state_of(&P, PROT_DEEP_DISCHARGE), PROT_ST_CLEAR);
}

static void test_deep_discharge_defaults(void); /* with the parsed defaults, below */

/* ---- unknown inputs ----------------------------------------------------- */

static void test_unknown_holds(void)
{
	FOR_EACH(id) {
		if (is_cond(id))
			continue;
		setup_one(id, 0, 0, true, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed_unknown(id, 0), PROT_ST_CLEAR);
		ST(id, feed(id, v_set(id), 1), PROT_ST_ACTIVE);
		ST(id, feed_unknown(id, 2), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(OUT.active, 1u << id);
		ST(id, feed(id, v_clear(id), 3), PROT_ST_LATCHED);
		ST(id, feed_unknown(id, 4), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(nev, 2);
	}
}

static void test_unknown_restarts_set_delay(void)
{
	FOR_EACH(id) {
		if (is_cond(id))
			continue;
		setup_one(id, 1000, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_SETTING);
		ST(id, feed_unknown(id, 500), PROT_ST_SETTING);
		ST(id, feed_unknown(id, 5000), PROT_ST_SETTING); /* no time counts */
		ST(id, feed(id, v_set(id), 6000), PROT_ST_SETTING); /* restarts here */
		ST(id, feed(id, v_set(id), 6999), PROT_ST_SETTING);
		ST(id, feed(id, v_set(id), 7000), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(nev, 2);
	}
}

static void test_unknown_restarts_clear_delay(void)
{
	FOR_EACH(id) {
		if (is_cond(id))
			continue;
		setup_one(id, 0, 1000, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 100), PROT_ST_CLEARING);
		ST(id, feed_unknown(id, 900), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 1500), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 2499), PROT_ST_CLEARING);
		ST(id, feed(id, v_clear(id), 2500), gone(id));
	}
}

/* Data that returns with the condition gone ends a SETTING at once. */
static void test_unknown_then_gone(void)
{
	setup_one(PROT_CHG_OT, 1000, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
	ST(PROT_CHG_OT, feed(PROT_CHG_OT, 1000, 0), PROT_ST_SETTING);
	ST(PROT_CHG_OT, feed_unknown(PROT_CHG_OT, 10), PROT_ST_SETTING);
	ST(PROT_CHG_OT, feed(PROT_CHG_OT, 999, 20), PROT_ST_CLEAR);
}

static void test_unknown_refuses_reset(void)
{
	FOR_EACH(id) {
		if (is_cond(id))
			continue;
		setup_one(id, 0, 0, true, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 1), PROT_ST_LATCHED);
		ST(id, feed_unknown(id, 2), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(prot_reset(&P, 3), 0);
		ST(id, feed(id, v_clear(id), 4), PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(prot_reset(&P, 5), 1);
	}
}

/* Each validity flag holds only the protections that read it. */
static void test_unknown_per_input(void)
{
	struct prot_in in = { 0 };

	init_cfg(&C);
	FOR_EACH(id)
		if (!is_cond(id))
			fill(&C, id, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
	prot_init(&P, &C, NULL, NULL);
	FOR_EACH(id)
		if (!is_cond(id))
			put(&in, id, v_set(id));
	/* every threshold input at a setting value, but only cells valid */
	in.cell_max_mV = 1000; /* OV and spread (1000 - 100 = 900 < 1000: no) */
	in.cell_min_mV = 100;  /* UV, deep discharge */
	in.pack_valid = in.current_valid = in.temps_valid = in.humidity_valid = false;
	prot_step(&P, &in, 0, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_CELL_OV | 1u << PROT_CELL_UV |
					    1u << PROT_DEEP_DISCHARGE);
	in.cells_valid = false;
	in.temps_valid = true;
	in.temp_max_dC = 1000;
	in.temp_min_dC = 100;
	prot_step(&P, &in, 1, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_CELL_OV | 1u << PROT_CELL_UV |
					    1u << PROT_DEEP_DISCHARGE | 1u << PROT_CHG_OT |
					    1u << PROT_DSG_OT | 1u << PROT_CHG_UT |
					    1u << PROT_DSG_UT);
	in.temps_valid = false;
	in.current_valid = true;
	in.current_mA = 1000;
	in.humidity_valid = true;
	in.humidity_dpct = 600;
	in.pack_valid = true;
	in.pack_mV = 1000;
	prot_step(&P, &in, 2, &OUT);
	CU_ASSERT(OUT.active & 1u << PROT_CHG_OC);
	CU_ASSERT(!(OUT.active & 1u << PROT_DSG_OC));
	CU_ASSERT(OUT.active & 1u << PROT_HUMIDITY);
	CU_ASSERT(OUT.active & 1u << PROT_PACK_OV);
	CU_ASSERT(!(OUT.active & 1u << PROT_PACK_UV));
	CU_ASSERT(!(OUT.active & 1u << PROT_CELL_SPREAD));
}

/* ---- enable, reload ----------------------------------------------------- */

static void test_disabled_ignores(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
		pc(&C, id)->enable = false;
		prot_init(&P, &C, rec, &ev_arg);
		ST(id, feed(id, v_set(id), 0), PROT_ST_CLEAR);
		CU_ASSERT(!prot_enabled(&P, id));
		CU_ASSERT_EQUAL(OUT.active | OUT.setting | OUT.latched, 0);
		CU_ASSERT(!OUT.open_all && !OUT.open_now);
		CU_ASSERT_EQUAL(nev, 0);
	}
	CU_ASSERT(!prot_enabled(&P, PROT_COUNT));
}

static void test_configure_disable_clears(void)
{
	FOR_EACH(id) {
		setup_one(id, 0, 0, true, PROT_TIER_ALARM, PROT_ACT_REPORT);
		ST(id, feed(id, v_set(id), 0), PROT_ST_ACTIVE);
		ST(id, feed(id, v_clear(id), 1), PROT_ST_LATCHED);
		pc(&C, id)->enable = false;
		prot_reconfigure(&P, &C);
		ST(id, prot_state_of(&P, id), PROT_ST_CLEAR);
		CU_ASSERT_EQUAL(evs[nev - 1].from, PROT_ST_LATCHED);
		CU_ASSERT_EQUAL(evs[nev - 1].to, PROT_ST_CLEAR);
		/* and enabled again, it starts from CLEAR */
		pc(&C, id)->enable = true;
		prot_reconfigure(&P, &C);
		ST(id, feed(id, v_clear(id), 2), PROT_ST_CLEAR);
	}
}

/* A reload keeps each state; new thresholds apply from the next step. */
static void test_configure_keeps_state(void)
{
	setup_one(PROT_CELL_OV, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 1000, 0), PROT_ST_ACTIVE);
	C.cell_over_voltage.set = 2000;
	C.cell_over_voltage.clear = 1900;
	prot_reconfigure(&P, &C);
	CU_ASSERT_EQUAL(nev, 1);
	ST(PROT_CELL_OV, prot_state_of(&P, PROT_CELL_OV), PROT_ST_ACTIVE);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 1899, 1), PROT_ST_CLEAR);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 1999, 2), PROT_ST_CLEAR);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 2000, 3), PROT_ST_ACTIVE);
}

static void test_configure_keeps_latch(void)
{
	setup_one(PROT_WELDED, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	ST(PROT_WELDED, feed(PROT_WELDED, 1, 0), PROT_ST_ACTIVE);
	ST(PROT_WELDED, feed(PROT_WELDED, 0, 1), PROT_ST_LATCHED);
	C.contactor_welded.latch = false;
	C.contactor_welded.tier = PROT_TIER_ALARM;
	prot_reconfigure(&P, &C);
	ST(PROT_WELDED, feed(PROT_WELDED, 0, 2), PROT_ST_LATCHED);
	CU_ASSERT(OUT.open_all);
	CU_ASSERT(!OUT.open_now); /* the new tier applies */
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_ALARM], 1u << PROT_WELDED);
	CU_ASSERT_EQUAL(prot_reset(&P, 3), 1);
}

/* A running delay keeps its start; a new length applies to it. */
static void test_configure_keeps_timer(void)
{
	setup_one(PROT_CHG_OC, 1000, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
	ST(PROT_CHG_OC, feed(PROT_CHG_OC, 1000, 100), PROT_ST_SETTING);
	C.charge_over_current.set_delay_ms = 500;
	prot_reconfigure(&P, &C);
	ST(PROT_CHG_OC, feed(PROT_CHG_OC, 1000, 599), PROT_ST_SETTING);
	ST(PROT_CHG_OC, feed(PROT_CHG_OC, 1000, 600), PROT_ST_ACTIVE);
}

/* ---- tiers and actions -------------------------------------------------- */

static void test_tier_masks(void)
{
	for (enum prot_tier t = 0; t < PROT_TIER_COUNT; t++) {
		setup_one(PROT_LOGIC_OFFLINE, 0, 0, false, t, PROT_ACT_REPORT);
		CU_ASSERT_EQUAL(prot_tier_of(&P, PROT_LOGIC_OFFLINE), t);
		feed(PROT_LOGIC_OFFLINE, 1, 0);
		for (enum prot_tier u = 0; u < PROT_TIER_COUNT; u++)
			CU_ASSERT_EQUAL(OUT.tier[u], t == u ? 1u << PROT_LOGIC_OFFLINE : 0);
		CU_ASSERT(!OUT.derate && !OUT.block_charge && !OUT.block_discharge);
		CU_ASSERT(!OUT.open_all && !OUT.open_now);
	}
}

static void test_actions(void)
{
	for (enum prot_action a = 0; a < PROT_ACT_COUNT; a++)
		for (enum prot_tier t = 0; t < PROT_TIER_COUNT; t++) {
			setup_one(PROT_SENSOR, 0, 0, false, t, a);
			CU_ASSERT_EQUAL(prot_action_of(&P, PROT_SENSOR), a);
			feed(PROT_SENSOR, 1, 0);
			CU_ASSERT_EQUAL(OUT.derate, a == PROT_ACT_DERATE);
			CU_ASSERT_EQUAL(OUT.block_charge,
					a == PROT_ACT_BLOCK_CHARGE || a == PROT_ACT_OPEN_ALL);
			CU_ASSERT_EQUAL(OUT.block_discharge,
					a == PROT_ACT_BLOCK_DISCHARGE || a == PROT_ACT_OPEN_ALL);
			CU_ASSERT_EQUAL(OUT.open_all, a == PROT_ACT_OPEN_ALL);
			CU_ASSERT_EQUAL(OUT.open_now,
					a == PROT_ACT_OPEN_ALL && t == PROT_TIER_CRITICAL);
			feed(PROT_SENSOR, 0, 1);
			CU_ASSERT(!OUT.derate && !OUT.block_charge && !OUT.block_discharge);
			CU_ASSERT(!OUT.open_all && !OUT.open_now);
		}
}

/* Several in force at once: the actions add up. */
static void test_actions_aggregate(void)
{
	struct prot_in in = { 0 };

	init_cfg(&C);
	fill(&C, PROT_CELL_SPREAD, 0, 0, false, PROT_TIER_WARNING, PROT_ACT_DERATE);
	fill(&C, PROT_CHG_UT, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_DSG_UT, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_DISCHARGE);
	fill(&C, PROT_EXT_OFFLINE, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_INSULATION, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	C.charge_under_temperature.set = 150;
	C.charge_under_temperature.clear = 200;
	prot_init(&P, &C, NULL, NULL);
	in.cells_valid = true;
	in.cell_max_mV = 2000;
	in.cell_min_mV = 1000; /* spread 1000 */
	in.temps_valid = true;
	in.temp_max_dC = 150;
	in.temp_min_dC = 150; /* between the two under-temperatures: only the charge one */
	CU_ASSERT_EQUAL(prot_step(&P, &in, 0, &OUT), 2);
	CU_ASSERT(OUT.derate && OUT.block_charge && !OUT.block_discharge && !OUT.open_all);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_WARNING], 1u << PROT_CELL_SPREAD);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_ALARM], 1u << PROT_CHG_UT);
	in.temp_min_dC = 100;
	prot_step(&P, &in, 1, &OUT);
	CU_ASSERT(OUT.block_charge && OUT.block_discharge && !OUT.open_all);
	in.cond = 1u << PROT_EXT_OFFLINE;
	prot_step(&P, &in, 2, &OUT);
	CU_ASSERT(OUT.open_all && !OUT.open_now);
	in.cond |= 1u << PROT_INSULATION;
	prot_step(&P, &in, 3, &OUT);
	CU_ASSERT(OUT.open_all && OUT.open_now);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_CRITICAL], 1u << PROT_INSULATION);
	CU_ASSERT_EQUAL(OUT.changed, 1u << PROT_INSULATION);
}

/* SETTING is not in force; CLEARING and LATCHED are. */
static void test_in_force_states(void)
{
	setup_one(PROT_DSG_OT, 1000, 1000, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	feed(PROT_DSG_OT, 1000, 0);
	CU_ASSERT_EQUAL(OUT.setting, 1u << PROT_DSG_OT);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_CRITICAL], 0);
	CU_ASSERT(!OUT.open_all && !OUT.open_now && !OUT.block_charge);
	feed(PROT_DSG_OT, 1000, 1000);
	CU_ASSERT(OUT.open_now);
	feed(PROT_DSG_OT, 0, 1001);
	ST(PROT_DSG_OT, prot_state_of(&P, PROT_DSG_OT), PROT_ST_CLEARING);
	CU_ASSERT(OUT.open_now);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_CRITICAL], 1u << PROT_DSG_OT);
	feed(PROT_DSG_OT, 0, 2001);
	CU_ASSERT_EQUAL(OUT.latched, 1u << PROT_DSG_OT);
	CU_ASSERT(OUT.open_now);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_CRITICAL], 1u << PROT_DSG_OT);
}

/* Values outside the enums (never from the parser) read as the most severe. */
static void test_corrupt_tier_action(void)
{
	setup_one(PROT_HEATER, 0, 0, false, PROT_TIER_WARNING, PROT_ACT_REPORT);
	C.heater_fault.tier = 7;
	C.heater_fault.action = -1;
	prot_reconfigure(&P, &C);
	CU_ASSERT_EQUAL(prot_tier_of(&P, PROT_HEATER), PROT_TIER_CRITICAL);
	CU_ASSERT_EQUAL(prot_action_of(&P, PROT_HEATER), PROT_ACT_OPEN_ALL);
	CU_ASSERT_EQUAL(prot_tier_of(&P, PROT_COUNT), PROT_TIER_CRITICAL);
	CU_ASSERT_EQUAL(prot_action_of(&P, PROT_COUNT), PROT_ACT_OPEN_ALL);
	feed(PROT_HEATER, 1, 0);
	CU_ASSERT(OUT.open_now);
	/* a corrupted state reads as in force */
	P.e[PROT_HEATER].state = 99;
	ST(PROT_HEATER, feed(PROT_HEATER, 0, 1), PROT_ST_ACTIVE);
}

/* ---- events, return values, time ---------------------------------------- */

static void test_event_sequence(void)
{
	static const enum prot_state want[][2] = {
		{ PROT_ST_CLEAR, PROT_ST_SETTING },   { PROT_ST_SETTING, PROT_ST_ACTIVE },
		{ PROT_ST_ACTIVE, PROT_ST_CLEARING }, { PROT_ST_CLEARING, PROT_ST_ACTIVE },
		{ PROT_ST_ACTIVE, PROT_ST_CLEARING }, { PROT_ST_CLEARING, PROT_ST_LATCHED },
		{ PROT_ST_LATCHED, PROT_ST_CLEAR },
	};
	static const int32_t vals[] = { 3700, 3710, 3400, 3500, 3300, 3300, 3300 };

	setup_one(PROT_CELL_OV, 100, 100, true, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_CHARGE);
	C.cell_over_voltage.set = 3650;
	C.cell_over_voltage.clear = 3450;
	prot_reconfigure(&P, &C);
	feed(PROT_CELL_OV, 3700, 0);
	feed(PROT_CELL_OV, 3710, 100);
	feed(PROT_CELL_OV, 3400, 150);
	feed(PROT_CELL_OV, 3500, 200);
	feed(PROT_CELL_OV, 3300, 300);
	feed(PROT_CELL_OV, 3300, 400);
	CU_ASSERT_EQUAL(prot_reset(&P, 500), 1);
	CU_ASSERT_EQUAL(nev, 7);
	for (unsigned int i = 0; i < 7 && i < nev; i++) {
		CU_ASSERT_EQUAL(evs[i].id, PROT_CELL_OV);
		CU_ASSERT_EQUAL(evs[i].from, want[i][0]);
		CU_ASSERT_EQUAL(evs[i].to, want[i][1]);
		CU_ASSERT_EQUAL(evs[i].value, vals[i]);
	}
	CU_ASSERT_EQUAL(prot_value_at_set(&P, PROT_CELL_OV), 3710);
	CU_ASSERT_EQUAL(prot_value(&P, PROT_CELL_OV), 3300);
	CU_ASSERT_EQUAL(prot_value(&P, PROT_COUNT), 0);
	CU_ASSERT_EQUAL(prot_value_at_set(&P, PROT_COUNT), 0);
}

static void test_step_return_and_changed(void)
{
	struct prot_in in = { .cond = 1u << PROT_LINK_LOST | 1u << PROT_LOGIC_OFFLINE };

	init_cfg(&C);
	fill(&C, PROT_LINK_LOST, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_LOGIC_OFFLINE, 100, 0, false, PROT_TIER_ALARM, PROT_ACT_OPEN_ALL);
	prot_init(&P, &C, NULL, NULL);
	CU_ASSERT_EQUAL(prot_step(&P, &in, 0, &OUT), 2);
	CU_ASSERT_EQUAL(OUT.changed, 1u << PROT_LINK_LOST | 1u << PROT_LOGIC_OFFLINE);
	CU_ASSERT_EQUAL(prot_step(&P, &in, 50, &OUT), 0);
	CU_ASSERT_EQUAL(OUT.changed, 0);
	CU_ASSERT_EQUAL(prot_step(&P, &in, 100, NULL), 1);
	prot_outputs(&P, &OUT);
	CU_ASSERT_EQUAL(OUT.changed, 0);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_LINK_LOST | 1u << PROT_LOGIC_OFFLINE);
}

/* Time that steps back counts as none: no delay runs out early. */
static void test_time_backwards(void)
{
	setup_one(PROT_PACK_OV, 1000, 1000, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 1000, 10000), PROT_ST_SETTING);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 1000, 5), PROT_ST_SETTING);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 1000, 10999), PROT_ST_SETTING);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 1000, 11000), PROT_ST_ACTIVE);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 0, 20000), PROT_ST_CLEARING);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 0, 0), PROT_ST_CLEARING);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 0, 21000), PROT_ST_CLEAR);
}

static void test_long_delays(void)
{
	setup_one(PROT_HUMIDITY, 3600000, 3600000, false, PROT_TIER_WARNING, PROT_ACT_REPORT);
	uint64_t t0 = UINT64_C(1) << 40;

	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 600, t0), PROT_ST_SETTING);
	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 600, t0 + 3599999), PROT_ST_SETTING);
	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 600, t0 + 3600000), PROT_ST_ACTIVE);
}

/* ---- inputs ------------------------------------------------------------- */

/* Charge over-current reads positive current, discharge over-current the
 * magnitude of negative current; neither reacts to the other direction. */
static void test_current_direction(void)
{
	struct prot_in in = { .current_valid = true };

	init_cfg(&C);
	fill(&C, PROT_CHG_OC, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_DSG_OC, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_DISCHARGE);
	prot_init(&P, &C, NULL, NULL);
	in.current_mA = -999;
	prot_step(&P, &in, 0, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 0);
	in.current_mA = -1000;
	prot_step(&P, &in, 1, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_DSG_OC);
	CU_ASSERT_EQUAL(prot_value(&P, PROT_DSG_OC), 1000);
	CU_ASSERT(OUT.block_discharge && !OUT.block_charge);
	in.current_mA = INT32_MIN; /* no overflow in the negation */
	prot_step(&P, &in, 2, &OUT);
	CU_ASSERT_EQUAL(prot_value(&P, PROT_DSG_OC), INT32_MAX);
	in.current_mA = 1000;
	prot_step(&P, &in, 3, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_CHG_OC);
	CU_ASSERT(!OUT.block_discharge && OUT.block_charge);
	in.current_mA = 899;
	prot_step(&P, &in, 4, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 0);
}

static void test_spread_value(void)
{
	struct prot_in in = { .cells_valid = true, .cell_max_mV = 3400, .cell_min_mV = 3101 };

	setup_one(PROT_CELL_SPREAD, 0, 0, false, PROT_TIER_WARNING, PROT_ACT_REPORT);
	C.cell_imbalance.set = 300;
	C.cell_imbalance.clear = 200;
	prot_reconfigure(&P, &C);
	prot_step(&P, &in, 0, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 0);
	CU_ASSERT_EQUAL(prot_value(&P, PROT_CELL_SPREAD), 299);
	in.cell_min_mV = 3100;
	prot_step(&P, &in, 1, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 1u << PROT_CELL_SPREAD);
	in.cell_max_mV = 3299;
	prot_step(&P, &in, 2, &OUT);
	CU_ASSERT_EQUAL(OUT.active, 0);
}

/* Humidity is configured in %RH and read in 0.1 %RH. */
static void test_humidity_scale(void)
{
	setup_one(PROT_HUMIDITY, 0, 0, false, PROT_TIER_WARNING, PROT_ACT_REPORT);
	C.humidity.set = 85;
	C.humidity.clear = 80;
	prot_reconfigure(&P, &C);
	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 849, 0), PROT_ST_CLEAR);
	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 850, 1), PROT_ST_ACTIVE);
	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 800, 2), PROT_ST_ACTIVE);
	ST(PROT_HUMIDITY, feed(PROT_HUMIDITY, 799, 3), PROT_ST_CLEAR);
}

static void test_pack_large(void)
{
	setup_one(PROT_PACK_OV, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
	C.pack_over_voltage.set = 4000000;
	C.pack_over_voltage.clear = 3900000;
	prot_reconfigure(&P, &C);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, 3999999, 0), PROT_ST_CLEAR);
	ST(PROT_PACK_OV, feed(PROT_PACK_OV, INT64_C(5000000000), 1), PROT_ST_ACTIVE);
	CU_ASSERT_EQUAL(prot_value(&P, PROT_PACK_OV), INT32_MAX);
	CU_ASSERT_EQUAL(prot_value_at_set(&P, PROT_PACK_OV), INT32_MAX);
}

static void test_negative_temperatures(void)
{
	setup_one(PROT_DSG_UT, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_DISCHARGE);
	C.discharge_under_temperature.set = -200;
	C.discharge_under_temperature.clear = -150;
	prot_reconfigure(&P, &C);
	ST(PROT_DSG_UT, feed(PROT_DSG_UT, -199, 0), PROT_ST_CLEAR);
	ST(PROT_DSG_UT, feed(PROT_DSG_UT, -200, 1), PROT_ST_ACTIVE);
	ST(PROT_DSG_UT, feed(PROT_DSG_UT, -150, 2), PROT_ST_ACTIVE);
	ST(PROT_DSG_UT, feed(PROT_DSG_UT, -149, 3), PROT_ST_CLEAR);
}

/* Each condition protection reads its own bit only. */
static void test_condition_bits(void)
{
	FOR_EACH(id) {
		if (!is_cond(id))
			continue;
		struct prot_in in = { .cond = ~(1u << id) };

		setup_one(id, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_REPORT);
		prot_step(&P, &in, 0, &OUT);
		ST(id, prot_state_of(&P, id), PROT_ST_CLEAR);
		in.cond = 1u << id;
		prot_step(&P, &in, 1, &OUT);
		ST(id, prot_state_of(&P, id), PROT_ST_ACTIVE);
		CU_ASSERT_EQUAL(prot_value(&P, id), 1);
	}
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_COUNT), PROT_ST_CLEAR);
}

/* ---- the configuration -------------------------------------------------- */

/* The fixture's lines with a wider safety floor (3750 mV, 1000 A): the
 * floor tests below see it tightened by the protections' defaults. */
static const char minimal_2r[] =
	"board: main-2r\n"
	"link:\n"
	"  interface: socketcan:can0\n"
	"pack:\n"
	"  boards: 2\n"
	"  cells_per_board: 16\n"
	"safety_floor:\n"
	"  cell_high_mV: 3750\n"
	"  cell_low_mV: 2500\n"
	"  short_circuit_mA: 1000000\n"
	"current_sensors:\n"
	"  cs1:\n"
	"    sensitivity_uV_per_A: 10000\n"
	"    range_mA: 2400000\n"
	"relays:\n"
	"  relay1: {role: main}\n";
#define MINIMAL_LINES 16

static struct cfg CFG;

static int parse_prot(const char *extra, struct cfg_error *e)
{
	return parse_base_plus(minimal_2r, extra, &CFG, e);
}

static void expect_error(const char *extra, int line, int col, const char *sub)
{
	struct cfg_error e = { 0 };
	int rc = parse_prot(extra, &e);

	if (rc != -EINVAL || e.line != line || e.col != col || !strstr(e.msg, sub))
		fprintf(stderr, "\n  expected %d:%d '%s', got rc %d %d:%d '%s'\n", line, col, sub,
			rc, e.line, e.col, e.msg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(e.line, line);
	CU_ASSERT_EQUAL(e.col, col);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, sub));
}

static void parse_defaults(void)
{
	struct cfg_error e = { 0 };
	int rc = parse_prot("", &e);

	if (rc)
		fprintf(stderr, "\n  %s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void test_cfg_defaults(void)
{
	static const enum prot_id off[] = { PROT_PACK_OV, PROT_PACK_UV, PROT_EXT_OFFLINE,
					    PROT_HUMIDITY };
	const struct cfg_protections *c = &CFG.protections;

	parse_defaults();
	FOR_EACH(id) {
		bool want = true;

		for (unsigned int i = 0; i < sizeof(off) / sizeof(off[0]); i++)
			if (off[i] == id)
				want = false;
		CU_ASSERT_EQUAL(prot_cfg(c, id)->enable, want);
		CU_ASSERT(prot_cfg(c, id)->tier >= 0 && prot_cfg(c, id)->tier < PROT_TIER_COUNT);
		CU_ASSERT(prot_cfg(c, id)->action >= 0 &&
			  prot_cfg(c, id)->action < PROT_ACT_COUNT);
		if (prot_kind_of(id) == PROT_KIND_HIGH)
			CU_ASSERT(prot_cfg(c, id)->clear < prot_cfg(c, id)->set);
		if (prot_kind_of(id) == PROT_KIND_LOW)
			CU_ASSERT(prot_cfg(c, id)->clear > prot_cfg(c, id)->set);
		if (is_cond(id))
			CU_ASSERT(!prot_cfg(c, id)->set && !prot_cfg(c, id)->clear);
	}
	CU_ASSERT_EQUAL(c->floor_margin_mV, 50);
	CU_ASSERT_EQUAL(c->floor_margin_dC, 50);
	CU_ASSERT_EQUAL(c->floor_margin_pct, 10);
	CU_ASSERT_EQUAL(c->cell_over_voltage.set, 3650);
	CU_ASSERT_EQUAL(c->cell_over_voltage.clear, 3450);
	CU_ASSERT_EQUAL(c->cell_over_voltage.tier, PROT_TIER_CRITICAL);
	CU_ASSERT_EQUAL(c->cell_over_voltage.action, PROT_ACT_BLOCK_CHARGE);
	CU_ASSERT_EQUAL(c->cell_under_voltage.set, 2800);
	CU_ASSERT_EQUAL(c->cell_under_voltage.action, PROT_ACT_BLOCK_DISCHARGE);
	CU_ASSERT_EQUAL(c->charge_under_temperature.set, 0);
	CU_ASSERT_EQUAL(c->charge_under_temperature.action, PROT_ACT_BLOCK_CHARGE);
	CU_ASSERT_EQUAL(c->discharge_under_temperature.set, -200);
	CU_ASSERT_EQUAL(c->discharge_over_temperature.tier, PROT_TIER_CRITICAL);
	CU_ASSERT_EQUAL(c->deep_discharge.set, 2000);
	CU_ASSERT_EQUAL(c->deep_discharge.action, PROT_ACT_OPEN_ALL);
	CU_ASSERT_EQUAL(c->contactor_welded.latch, true);
	CU_ASSERT_EQUAL(c->emergency_stop.tier, PROT_TIER_CRITICAL);
	CU_ASSERT_EQUAL(c->mcu_link_lost.action, PROT_ACT_OPEN_ALL);
	CU_ASSERT_EQUAL(c->humidity.set, 85);
	CU_ASSERT_EQUAL(cfg_protections_xcheck(c, (char[80]){ 0 }, 80, &(uint32_t){ 0 }), 0);
}

/* The defaults of the floor stay valid and are tightened as documented. */
static void test_cfg_defaults_floor(void)
{
	struct bp_config bc;

	parse_defaults();
	cfg_to_bp(&CFG, &bc);
	CU_ASSERT_EQUAL(bc.cell_crit_high_mV, 3750);
	prot_floor_limits(&CFG.protections, &bc);
	CU_ASSERT_EQUAL(bp_config_check(&bc), BP_OK);
	CU_ASSERT_EQUAL(bc.cell_crit_high_mV, 3700); /* 3650 + 50 */
	CU_ASSERT_EQUAL(bc.cell_crit_low_mV, 2750);  /* 2800 - 50 */
	CU_ASSERT_EQUAL(bc.temp_crit_high_dC, 650);  /* 600 + 50: no change */
	CU_ASSERT_EQUAL(bc.temp_crit_low_dC, -300);  /* no critical under-temperature */
	CU_ASSERT_EQUAL(bc.short_circuit_mA, 1000000); /* no critical over-current */
}

/* With the defaults: 2000 mV set, 2500 mV clear, 10 s delays. A reset
 * before the cells have recovered for the clear delay keeps the latch. */
static void test_deep_discharge_defaults(void)
{
	parse_defaults();
	prot_init(&P, &CFG.protections, rec, &ev_arg);
	nev = 0;
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 2001, 0), PROT_ST_CLEAR);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 2000, 1000), PROT_ST_SETTING);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 1990, 10999), PROT_ST_SETTING);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 1990, 11000), PROT_ST_ACTIVE);
	CU_ASSERT(OUT.open_now);
	CU_ASSERT_EQUAL(prot_reset(&P, 11001), 0);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 2501, 20000), PROT_ST_CLEARING);
	CU_ASSERT_EQUAL(prot_reset(&P, 20001), 0);
	ST(PROT_DEEP_DISCHARGE, feed(PROT_DEEP_DISCHARGE, 2501, 30000), PROT_ST_LATCHED);
	CU_ASSERT(OUT.open_now); /* still blocks closing */
	CU_ASSERT_EQUAL(prot_reset(&P, 30001), 1);
	prot_outputs(&P, &OUT);
	CU_ASSERT(!OUT.open_all);
}

/* The defaults end to end: a cell over-voltage stops charging after its
 * second, and charging resumes 5 s after the cells fell below 3450 mV. */
static void test_defaults_cell_ov(void)
{
	parse_defaults();
	prot_init(&P, &CFG.protections, rec, &ev_arg);
	nev = 0;
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3649, 0), PROT_ST_CLEAR);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3650, 100), PROT_ST_SETTING);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3660, 1099), PROT_ST_SETTING);
	CU_ASSERT(!OUT.block_charge);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3660, 1100), PROT_ST_ACTIVE);
	CU_ASSERT(OUT.block_charge && !OUT.block_discharge && !OUT.open_all && !OUT.open_now);
	CU_ASSERT_EQUAL(OUT.tier[PROT_TIER_CRITICAL], 1u << PROT_CELL_OV);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3450, 2000), PROT_ST_ACTIVE);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3449, 3000), PROT_ST_CLEARING);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3400, 7999), PROT_ST_CLEARING);
	CU_ASSERT(OUT.block_charge);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, 3400, 8000), PROT_ST_CLEAR);
	CU_ASSERT(!OUT.block_charge);
	CU_ASSERT_EQUAL(nev, 4);
}

static void test_cfg_values(void)
{
	struct cfg_error e = { 0 };
	int rc = parse_prot("protections:\n"
			    "  floor_margin_mV: 100\n"
			    "  floor_margin_dC: 20\n"
			    "  floor_margin_pct: 25\n"
			    "  cell_over_voltage:\n"
			    "    enable: true\n"
			    "    set_mV: 3600\n"
			    "    clear_mV: 3400\n"
			    "    set_delay_ms: 250\n"
			    "    clear_delay_ms: 0\n"
			    "    latch: true\n"
			    "    tier: warning\n"
			    "    action: derate\n"
			    "  discharge_over_current: {set_mA: 300000, clear_mA: 0}\n"
			    "  charge_under_temperature: {set_dC: -500, clear_dC: 2000}\n"
			    "  humidity: {enable: true, set_pct: 100, clear_pct: 0}\n"
			    "  pack_over_voltage: {enable: true, set_mV: 4000000, clear_mV: 0}\n"
			    "  emergency_stop: {enable: false, set_delay_ms: 3600000, "
			    "tier: alarm, action: block-discharge}\n"
			    "  deep_discharge: {set_mV: 1500, clear_mV: 16382}\n",
			    &e);
	const struct cfg_protections *c = &CFG.protections;

	if (rc)
		fprintf(stderr, "\n  %s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(c->floor_margin_mV, 100);
	CU_ASSERT_EQUAL(c->floor_margin_dC, 20);
	CU_ASSERT_EQUAL(c->floor_margin_pct, 25);
	CU_ASSERT_EQUAL(c->cell_over_voltage.set, 3600);
	CU_ASSERT_EQUAL(c->cell_over_voltage.clear, 3400);
	CU_ASSERT_EQUAL(c->cell_over_voltage.set_delay_ms, 250);
	CU_ASSERT_EQUAL(c->cell_over_voltage.clear_delay_ms, 0);
	CU_ASSERT(c->cell_over_voltage.latch);
	CU_ASSERT_EQUAL(c->cell_over_voltage.tier, PROT_TIER_WARNING);
	CU_ASSERT_EQUAL(c->cell_over_voltage.action, PROT_ACT_DERATE);
	CU_ASSERT_EQUAL(c->discharge_over_current.set, 300000);
	CU_ASSERT_EQUAL(c->discharge_over_current.clear, 0);
	CU_ASSERT_EQUAL(c->charge_under_temperature.set, -500);
	CU_ASSERT_EQUAL(c->charge_under_temperature.clear, 2000);
	CU_ASSERT(c->humidity.enable);
	CU_ASSERT_EQUAL(c->humidity.set, 100);
	CU_ASSERT_EQUAL(c->pack_over_voltage.set, 4000000);
	CU_ASSERT(!c->emergency_stop.enable);
	CU_ASSERT_EQUAL(c->emergency_stop.set_delay_ms, 3600000);
	CU_ASSERT_EQUAL(c->emergency_stop.tier, PROT_TIER_ALARM);
	CU_ASSERT_EQUAL(c->emergency_stop.action, PROT_ACT_BLOCK_DISCHARGE);
	CU_ASSERT_EQUAL(c->deep_discharge.set, 1500);
	CU_ASSERT_EQUAL(c->deep_discharge.clear, 16382);
	/* untouched ones keep their defaults */
	CU_ASSERT_EQUAL(c->cell_under_voltage.set, 2800);
	CU_ASSERT_EQUAL(c->discharge_over_current.set_delay_ms, 2000);
}

#define L(n) (MINIMAL_LINES + (n))

static void test_cfg_bad_high_side(void)
{
	expect_error("protections:\n"
		     "  cell_over_voltage:\n"
		     "    set_mV: 3600\n"
		     "    clear_mV: 3600\n",
		     L(4), 15,
		     "t.yaml:20:15: protections.cell_over_voltage.clear_mV: "
		     "clear_mV (3600) must be below set_mV (3600)");
	expect_error("protections:\n"
		     "  cell_over_voltage:\n"
		     "    clear_mV: 3700\n",
		     L(3), 15, "protections.cell_over_voltage.clear_mV");
	expect_error("protections:\n"
		     "  charge_over_current: {set_mA: 1000, clear_mA: 1000}\n",
		     L(2), 49, "clear_mA (1000) must be below set_mA (1000)");
	expect_error("protections:\n"
		     "  discharge_over_temperature:\n"
		     "    set_dC: -100\n",
		     L(3), 5,
		     "protections.discharge_over_temperature: clear_dC (550) must be below set_dC "
		     "(-100)");
	expect_error("protections:\n"
		     "  humidity:\n"
		     "    clear_pct: 90\n",
		     L(3), 16, "clear_pct (90) must be below set_pct (85)");
	expect_error("protections:\n"
		     "  cell_imbalance:\n"
		     "    set_mV: 150\n",
		     L(3), 5, "clear_mV (200) must be below set_mV (150)");
}

static void test_cfg_bad_low_side(void)
{
	expect_error("protections:\n"
		     "  cell_under_voltage:\n"
		     "    clear_mV: 2800\n",
		     L(3), 15, "clear_mV (2800) must be above set_mV (2800)");
	expect_error("protections:\n"
		     "  charge_under_temperature:\n"
		     "    set_dC: 30\n",
		     L(3), 5, "clear_dC (30) must be above set_dC (30)");
	expect_error("protections:\n"
		     "  pack_under_voltage: {clear_mV: 40000}\n",
		     L(2), 34, "clear_mV (40000) must be above set_mV (44800)");
	expect_error("protections:\n"
		     "  deep_discharge:\n"
		     "    set_mV: 2600\n",
		     L(3), 5, "clear_mV (2500) must be above set_mV (2600)");
}

static void test_cfg_bad_ranges(void)
{
	expect_error("protections:\n"
		     "  cell_over_voltage:\n"
		     "    set_mV: 16383\n",
		     L(3), 13, "out of range 0..16382 mV");
	expect_error("protections:\n"
		     "  charge_over_current:\n"
		     "    set_mA: 0\n",
		     L(3), 13, "out of range 1..8388607 mA");
	expect_error("protections:\n"
		     "  charge_over_temperature:\n"
		     "    set_dC: -501\n",
		     L(3), 13, "out of range -500..2000");
	expect_error("protections:\n"
		     "  humidity:\n"
		     "    set_pct: 101\n",
		     L(3), 14, "out of range 1..100");
	expect_error("protections:\n"
		     "  logic_offline:\n"
		     "    set_delay_ms: 3600001\n",
		     L(3), 19, "out of range 0..3600000 ms");
	expect_error("protections:\n"
		     "  sensor_fault:\n"
		     "    clear_delay_ms: -1\n",
		     L(3), 21, "out of range");
	expect_error("protections:\n"
		     "  floor_margin_pct: 1001\n",
		     L(2), 21, "out of range 0..1000");
	expect_error("protections:\n"
		     "  floor_margin_mV: 1001\n",
		     L(2), 20, "out of range 0..1000");
	expect_error("protections:\n"
		     "  pack_over_voltage:\n"
		     "    set_mV: 3.6\n",
		     L(3), 13, "expected a decimal integer");
}

static void test_cfg_bad_names(void)
{
	expect_error("protections:\n"
		     "  cell_over_voltage:\n"
		     "    tier: fatal\n",
		     L(3), 11, "expected one of: warning, alarm, critical");
	expect_error("protections:\n"
		     "  cell_over_voltage:\n"
		     "    action: open_all\n",
		     L(3), 13, "did you mean 'open-all'");
	expect_error("protections:\n"
		     "  cell_over_voltage:\n"
		     "    latch: yes\n",
		     L(3), 12, "expected true or false");
	/* deep discharge always latches: no latch key */
	expect_error("protections:\n"
		     "  deep_discharge:\n"
		     "    latch: false\n",
		     L(3), 5, "latch");
	/* a condition has no thresholds */
	expect_error("protections:\n"
		     "  emergency_stop:\n"
		     "    set_mV: 1\n",
		     L(3), 5, "set_mV");
	/* units belong to their protection */
	expect_error("protections:\n"
		     "  charge_over_current:\n"
		     "    set_mV: 1\n",
		     L(3), 5, "set_mA");
	expect_error("protections:\n"
		     "  cell_overvoltage:\n"
		     "    set_mV: 1\n",
		     L(2), 3, "cell_over_voltage");
}

/* Rules between protections (the section's xcheck, called directly). */
static void test_cfg_xcheck_between(void)
{
	struct cfg_protections c;
	char msg[200];
	uint32_t off = 0;

	parse_defaults();
	c = CFG.protections;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 0);
	c.cell_under_voltage.set = 3650;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_protections, cell_under_voltage.set));
	CU_ASSERT_STRING_EQUAL(msg, "cell_under_voltage.set_mV (3650) must be below "
				    "cell_over_voltage.set_mV (3650)");
	c.cell_over_voltage.enable = false; /* only between enabled ones */
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 0);
	c.deep_discharge.set = 3650;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_protections, deep_discharge.set));
	CU_ASSERT_STRING_EQUAL(msg,
			       "deep_discharge.set_mV (3650) must be below "
			       "cell_under_voltage.set_mV (3650)");
	c.deep_discharge.enable = false;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 0);

	c = CFG.protections;
	c.charge_under_temperature.set = 550;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_protections, charge_under_temperature.set));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "charge_over_temperature.set_dC (550)"));
	c = CFG.protections;
	c.discharge_under_temperature.set = 601;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_protections, discharge_under_temperature.set));
	c = CFG.protections;
	c.pack_under_voltage.set = 60000; /* both disabled by default */
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 0);
	c.pack_under_voltage.enable = c.pack_over_voltage.enable = true;
	CU_ASSERT_EQUAL(cfg_protections_xcheck(&c, msg, sizeof(msg), &off), 1);
	CU_ASSERT_EQUAL(off, offsetof(struct cfg_protections, pack_under_voltage.set));
}

/* Through the parser, once the section row carries the hook. */
static void test_cfg_xcheck_parsed(void)
{
	const struct cfg_key *row = NULL;

	for (const struct cfg_key *k = cfg_schema; k->name; k++)
		if (!strcmp(k->name, "protections"))
			row = k;
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_PTR_EQUAL(row->sub, cfg_protections_keys);
	if (row->xcheck != cfg_protections_xcheck) {
		fprintf(stderr, "\n  protections: the section's xcheck is not hooked; "
				"checked directly only\n");
		return;
	}
	expect_error("protections:\n"
		     "  cell_under_voltage:\n"
		     "    set_mV: 3300\n"
		     "    clear_mV: 3400\n"
		     "  cell_over_voltage: {set_mV: 3300, clear_mV: 3200}\n",
		     L(3), 13,
		     "t.yaml:19:13: protections.cell_under_voltage.set_mV: "
		     "cell_under_voltage.set_mV (3300) must be below "
		     "cell_over_voltage.set_mV (3300)");
	/* the blamed key is a default: the section is the place */
	expect_error("protections:\n"
		     "  cell_under_voltage:\n"
		     "    set_mV: 1900\n",
		     L(2), 3,
		     "deep_discharge.set_mV (2000) must be below cell_under_voltage.set_mV (1900)");
}

/* Every row documents itself: a description, a default, a unit on every
 * integer, and its unit in its name. */
static void test_cfg_schema_rows(void)
{
	unsigned int subs = 0;

	for (const struct cfg_key *k = cfg_protections_keys; k->name; k++) {
		CU_ASSERT_PTR_NOT_NULL(k->desc);
		if (k->type != CFG_T_SECTION) {
			CU_ASSERT_PTR_NOT_NULL(k->def);
			continue;
		}
		subs++;
		for (const struct cfg_key *s = k->sub; s->name; s++) {
			CU_ASSERT_PTR_NOT_NULL(s->desc);
			CU_ASSERT_PTR_NOT_NULL(s->def);
			CU_ASSERT(!(s->flags & CFG_K_REQUIRED));
			if (s->type == CFG_T_INT) {
				CU_ASSERT_PTR_NOT_NULL_FATAL(s->unit);
				CU_ASSERT_PTR_NOT_NULL(strstr(s->name, s->unit));
			}
		}
	}
	CU_ASSERT_EQUAL(subs, PROT_COUNT);
}

/* ---- safety floor ------------------------------------------------------- */

static struct bp_config base_bc(void)
{
	struct bp_config bc;

	parse_defaults();
	cfg_to_bp(&CFG, &bc);
	CU_ASSERT_EQUAL(bp_config_check(&bc), BP_OK);
	return bc;
}

static void test_floor_cell_voltage(void)
{
	struct bp_config bc = base_bc(), b;

	init_cfg(&C);
	fill(&C, PROT_CELL_OV, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_CELL_UV, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_DISCHARGE);
	C.cell_over_voltage.set = 3600;
	C.cell_under_voltage.set = 2600;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.cell_crit_high_mV, 3650);
	CU_ASSERT_EQUAL(b.cell_crit_low_mV, 2550);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	/* everything else untouched */
	b.cell_crit_high_mV = bc.cell_crit_high_mV;
	b.cell_crit_low_mV = bc.cell_crit_low_mV;
	CU_ASSERT_EQUAL(memcmp(&b, &bc, sizeof(b)), 0);

	/* not critical, or disabled: no change */
	C.cell_over_voltage.tier = PROT_TIER_ALARM;
	C.cell_under_voltage.enable = false;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(memcmp(&b, &bc, sizeof(b)), 0);
}

/* The floor is only tightened: a tighter configured floor stays. */
static void test_floor_never_loosens(void)
{
	struct bp_config bc = base_bc(), b;

	init_cfg(&C);
	fill(&C, PROT_CELL_OV, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_CELL_UV, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_DSG_OT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_DSG_UT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_DSG_OC, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	C.cell_over_voltage.set = 3800;   /* + 50 > 3750 */
	C.cell_under_voltage.set = 2400;  /* - 50 < 2500 */
	C.discharge_over_temperature.set = 700;
	C.discharge_under_temperature.set = -400;
	C.discharge_over_current.set = 2000000;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(memcmp(&b, &bc, sizeof(b)), 0);
	/* exactly at the configured floor: no change either */
	C.cell_over_voltage.set = 3700;
	C.cell_under_voltage.set = 2550;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(memcmp(&b, &bc, sizeof(b)), 0);
	/* one unit tighter */
	C.cell_over_voltage.set = 3699;
	C.cell_under_voltage.set = 2551;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.cell_crit_high_mV, 3749);
	CU_ASSERT_EQUAL(b.cell_crit_low_mV, 2501);
}

/* Temperatures: the widest critical threshold of the pair. */
static void test_floor_temperatures(void)
{
	struct bp_config bc = base_bc(), b;

	init_cfg(&C);
	fill(&C, PROT_CHG_OT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_DSG_OT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_CHG_UT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_DSG_UT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_DISCHARGE);
	C.charge_over_temperature.set = 450;
	C.discharge_over_temperature.set = 550;
	C.charge_under_temperature.set = 0;
	C.discharge_under_temperature.set = -200;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.temp_crit_high_dC, 600);
	CU_ASSERT_EQUAL(b.temp_crit_low_dC, -250);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	/* only the charge ones critical: they count alone */
	C.discharge_over_temperature.tier = PROT_TIER_ALARM;
	C.discharge_under_temperature.enable = false;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.temp_crit_high_dC, 500);
	CU_ASSERT_EQUAL(b.temp_crit_low_dC, -50);
	/* margin 0 */
	C.floor_margin_dC = 0;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.temp_crit_high_dC, 450);
	CU_ASSERT_EQUAL(b.temp_crit_low_dC, 0);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
}

static void test_floor_current(void)
{
	struct bp_config bc = base_bc(), b;

	init_cfg(&C);
	fill(&C, PROT_CHG_OC, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_DSG_OC, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_DISCHARGE);
	C.charge_over_current.set = 100000;
	C.discharge_over_current.set = 300000;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.short_circuit_mA, 330000);
	C.discharge_over_current.tier = PROT_TIER_WARNING;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.short_circuit_mA, 110000);
	C.floor_margin_pct = 1000;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.short_circuit_mA, 1000000); /* 1100000 would loosen it */
	C.floor_margin_pct = 0;
	C.charge_over_current.set = 1;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.short_circuit_mA, 1);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	C.charge_over_current.set = 8388607;
	C.floor_margin_pct = 1000;
	b = bc;
	b.short_circuit_mA = 8388607;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.short_circuit_mA, 8388607);
}

/* A tightened limit that would cross the other stops just short of it. */
static void test_floor_crossing(void)
{
	struct bp_config bc = base_bc(), b;

	init_cfg(&C);
	fill(&C, PROT_CELL_OV, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_CELL_UV, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	C.cell_over_voltage.set = 2000;  /* 2050, below the floor's 2500 low */
	C.cell_under_voltage.set = 3900; /* 3850 */
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.cell_crit_high_mV, 2501);
	CU_ASSERT_EQUAL(b.cell_crit_low_mV, 2500);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	/* never below the MCU's 1000 mV minimum */
	b = bc;
	b.cell_crit_low_mV = 0;
	C.cell_over_voltage.set = 100;
	C.cell_under_voltage.enable = false;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.cell_crit_high_mV, 1000);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
	/* a floor at the top of its range: 16382 / 16381 */
	b = bc;
	b.cell_crit_high_mV = 16382;
	b.cell_crit_low_mV = 16381;
	C.cell_over_voltage.set = 16382;
	C.cell_under_voltage.enable = true;
	C.cell_under_voltage.set = 16382;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.cell_crit_high_mV, 16382);
	CU_ASSERT_EQUAL(b.cell_crit_low_mV, 16381);
	/* temperatures */
	fill(&C, PROT_DSG_OT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_DSG_UT, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	C.discharge_over_temperature.set = -500;
	C.discharge_under_temperature.set = 2000;
	b = bc;
	prot_floor_limits(&C, &b);
	CU_ASSERT_EQUAL(b.temp_crit_high_dC, -299);
	CU_ASSERT_EQUAL(b.temp_crit_low_dC, -300);
	CU_ASSERT_EQUAL(bp_config_check(&b), BP_OK);
}

/* Cell over-voltage alone decides the high limit: critical, and its
 * threshold plus margin inside the configured pair. */
static bool critical_cell_ov_plain(const struct cfg_protections *c, const struct bp_config *b)
{
	int64_t want = (int64_t)c->cell_over_voltage.set + c->floor_margin_mV;

	return c->cell_over_voltage.enable && c->cell_over_voltage.tier == PROT_TIER_CRITICAL &&
	       want < b->cell_crit_high_mV && want > b->cell_crit_low_mV && want >= 1000;
}

/* Whatever the protections and the floor, the result is valid and no
 * looser than the floor it started from. */
static void test_floor_property(void)
{
	struct bp_config bc = base_bc();
	uint32_t r = 12345;

#define RND(lo, hi) ((r = r * 1103515245u + 12345u), (int32_t)((lo) + (int64_t)((r >> 8) % \
	(uint32_t)((hi) - (lo) + 1))))
	for (unsigned int i = 0; i < 20000; i++) {
		struct bp_config b = bc, a;

		init_cfg(&C);
		FOR_EACH(id) {
			if (is_cond(id) || RND(0, 3) == 0)
				continue;
			fill(&C, id, 0, 0, false, (enum prot_tier)RND(0, 2), PROT_ACT_OPEN_ALL);
			pc(&C, id)->set = RND(-600, 20000);
		}
		C.charge_over_current.set = RND(1, 8388607);
		C.discharge_over_current.set = RND(1, 8388607);
		C.floor_margin_mV = (uint32_t)RND(0, 1000);
		C.floor_margin_dC = (uint32_t)RND(0, 500);
		C.floor_margin_pct = (uint32_t)RND(0, 1000);
		b.cell_crit_high_mV = (uint16_t)RND(1000, 16382);
		b.cell_crit_low_mV = (uint16_t)RND(0, b.cell_crit_high_mV - 1);
		b.temp_crit_high_dC = (int16_t)RND(-499, 2000);
		b.temp_crit_low_dC = (int16_t)RND(-500, b.temp_crit_high_dC - 1);
		b.short_circuit_mA = (uint32_t)RND(1, 8388607);
		a = b;
		prot_floor_limits(&C, &a);
		CU_ASSERT_EQUAL_FATAL(bp_config_check(&a), BP_OK);
		CU_ASSERT_FATAL(a.cell_crit_high_mV <= b.cell_crit_high_mV);
		CU_ASSERT_FATAL(a.cell_crit_low_mV >= b.cell_crit_low_mV);
		CU_ASSERT_FATAL(a.temp_crit_high_dC <= b.temp_crit_high_dC);
		CU_ASSERT_FATAL(a.temp_crit_low_dC >= b.temp_crit_low_dC);
		CU_ASSERT_FATAL(a.short_circuit_mA <= b.short_circuit_mA);
		/* where nothing crosses, the floor sits exactly margin beyond */
		if (critical_cell_ov_plain(&C, &b))
			CU_ASSERT_EQUAL_FATAL(a.cell_crit_high_mV,
					      C.cell_over_voltage.set + C.floor_margin_mV);
	}
#undef RND
}

/* ---- closing onto a present condition, saturated sensors, latches -------- */

/* A protection whose set delay is running holds the paths it would block
 * shut: nothing closes onto its condition, though nothing open is opened. */
static void test_setting_holds_paths(void)
{
	setup_one(PROT_CELL_OV, 1000, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_CHARGE);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, v_set(PROT_CELL_OV), 1000), PROT_ST_SETTING);
	CU_ASSERT_FALSE(OUT.block_charge);
	CU_ASSERT_TRUE(OUT.hold_charge);
	CU_ASSERT_FALSE(OUT.hold_discharge);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, v_set(PROT_CELL_OV), 2000), PROT_ST_ACTIVE);
	CU_ASSERT_TRUE(OUT.block_charge);
	CU_ASSERT_TRUE(OUT.hold_charge);
	ST(PROT_CELL_OV, feed(PROT_CELL_OV, v_clear(PROT_CELL_OV), 3000), PROT_ST_CLEAR);
	CU_ASSERT_FALSE(OUT.hold_charge);

	setup_one(PROT_CELL_UV, 1000, 0, false, PROT_TIER_CRITICAL, PROT_ACT_BLOCK_DISCHARGE);
	ST(PROT_CELL_UV, feed(PROT_CELL_UV, v_set(PROT_CELL_UV), 1000), PROT_ST_SETTING);
	CU_ASSERT_FALSE(OUT.hold_charge);
	CU_ASSERT_TRUE(OUT.hold_discharge);
	CU_ASSERT_FALSE(OUT.block_discharge);

	setup_one(PROT_DSG_OT, 5000, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	ST(PROT_DSG_OT, feed(PROT_DSG_OT, v_set(PROT_DSG_OT), 1000), PROT_ST_SETTING);
	CU_ASSERT_TRUE(OUT.hold_charge);
	CU_ASSERT_TRUE(OUT.hold_discharge);
	CU_ASSERT_FALSE(OUT.open_all);
	CU_ASSERT_FALSE(OUT.open_now);

	/* report and derate hold nothing */
	setup_one(PROT_CELL_SPREAD, 1000, 0, false, PROT_TIER_WARNING, PROT_ACT_DERATE);
	ST(PROT_CELL_SPREAD, feed(PROT_CELL_SPREAD, v_set(PROT_CELL_SPREAD), 1000),
	   PROT_ST_SETTING);
	CU_ASSERT_FALSE(OUT.hold_charge);
	CU_ASSERT_FALSE(OUT.hold_discharge);
}

/* A saturated sensor (no current, range flag) is an over-current of
 * unknown sign: both over-current protections see it, with their delays. */
static void test_over_range_is_over_current(void)
{
	struct prot_in in = { 0 };

	init_cfg(&C);
	fill(&C, PROT_CHG_OC, 2000, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_CHARGE);
	fill(&C, PROT_DSG_OC, 2000, 0, false, PROT_TIER_ALARM, PROT_ACT_BLOCK_DISCHARGE);
	prot_init(&P, &C, rec, &ev_arg);
	nev = 0;
	in.current_valid = false;
	in.current_over_range = true;
	prot_step(&P, &in, 1000, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_CHG_OC), PROT_ST_SETTING);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_DSG_OC), PROT_ST_SETTING);
	CU_ASSERT_TRUE(OUT.hold_charge && OUT.hold_discharge);
	prot_step(&P, &in, 3000, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_CHG_OC), PROT_ST_ACTIVE);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_DSG_OC), PROT_ST_ACTIVE);
	CU_ASSERT_EQUAL(prot_value_at_set(&P, PROT_DSG_OC), PROT_OVER_RANGE);
	CU_ASSERT_TRUE(OUT.block_charge && OUT.block_discharge);
	/* a plain unknown current (no range flag) holds the state */
	in.current_over_range = false;
	prot_step(&P, &in, 4000, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_DSG_OC), PROT_ST_ACTIVE);
	/* a valid reading wins over a stale flag */
	in.current_valid = true;
	in.current_over_range = true;
	in.current_mA = 0;
	prot_step(&P, &in, 5000, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_DSG_OC), PROT_ST_CLEAR);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_CHG_OC), PROT_ST_CLEAR);
}

/* A reset clears what was latched when it was asked for, not a latch that
 * arrives after it. */
static void test_reset_mask(void)
{
	struct prot_in in = { 0 };

	init_cfg(&C);
	fill(&C, PROT_EMERGENCY_STOP, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_INSULATION, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	prot_init(&P, &C, rec, &ev_arg);
	in.cond = 1u << PROT_INSULATION;
	prot_step(&P, &in, 1000, &OUT);
	in.cond = 0;
	prot_step(&P, &in, 1010, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_INSULATION), PROT_ST_LATCHED);
	in.cond = 1u << PROT_EMERGENCY_STOP;
	prot_step(&P, &in, 1020, &OUT);
	in.cond = 0;
	prot_step(&P, &in, 1030, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_EMERGENCY_STOP), PROT_ST_LATCHED);
	CU_ASSERT_EQUAL(prot_reset_mask(&P, 1u << PROT_INSULATION, 1040), 1);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_INSULATION), PROT_ST_CLEAR);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_EMERGENCY_STOP), PROT_ST_LATCHED);
	CU_ASSERT_EQUAL(prot_reset_mask(&P, 0, 1050), 0);
	CU_ASSERT_EQUAL(prot_reset(&P, 1060), 1);
	CU_ASSERT_EQUAL(prot_state_of(&P, PROT_EMERGENCY_STOP), PROT_ST_CLEAR);
}

/* What survives a restart: the latching protections in force, active ones
 * included; restored as LATCHED, cleared only by a reset. */
static void test_latch_mask_and_restore(void)
{
	struct prot_in in = { 0 };
	struct prot Q;
	uint32_t m;

	init_cfg(&C);
	fill(&C, PROT_EMERGENCY_STOP, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_INSULATION, 0, 0, true, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_SENSOR, 0, 0, false, PROT_TIER_ALARM, PROT_ACT_OPEN_ALL);
	fill(&C, PROT_DEEP_DISCHARGE, 0, 0, false, PROT_TIER_CRITICAL, PROT_ACT_OPEN_ALL);
	prot_init(&P, &C, rec, &ev_arg);
	in.cond = (1u << PROT_EMERGENCY_STOP) | (1u << PROT_SENSOR) | (1u << PROT_INSULATION);
	put(&in, PROT_DEEP_DISCHARGE, v_set(PROT_DEEP_DISCHARGE));
	prot_step(&P, &in, 1000, &OUT);
	in.cond = (1u << PROT_EMERGENCY_STOP) | (1u << PROT_SENSOR);
	prot_step(&P, &in, 1010, &OUT);
	m = prot_latch_mask(&P);
	/* pressed (active), latched, deep discharge (always latches); not the
	 * non-latching sensor fault */
	CU_ASSERT_EQUAL(m, (1u << PROT_EMERGENCY_STOP) | (1u << PROT_INSULATION) |
				   (1u << PROT_DEEP_DISCHARGE));

	/* the next run: a disabled one is not restored */
	pc(&C, PROT_INSULATION)->enable = false;
	prot_init(&Q, &C, NULL, NULL);
	CU_ASSERT_EQUAL(prot_restore_latched(&Q, m),
			(1u << PROT_EMERGENCY_STOP) | (1u << PROT_DEEP_DISCHARGE));
	CU_ASSERT_EQUAL(prot_state_of(&Q, PROT_EMERGENCY_STOP), PROT_ST_LATCHED);
	prot_outputs(&Q, &OUT);
	CU_ASSERT_TRUE(OUT.open_now);
	CU_ASSERT_TRUE(OUT.hold_charge && OUT.hold_discharge);
	/* the button is released by now: still latched after steps */
	memset(&in, 0, sizeof(in));
	prot_step(&Q, &in, 5000, &OUT);
	prot_step(&Q, &in, 6000, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&Q, PROT_EMERGENCY_STOP), PROT_ST_LATCHED);
	/* deep discharge: no reset without a fresh value */
	CU_ASSERT_EQUAL(prot_reset(&Q, 7000), 1);
	CU_ASSERT_EQUAL(prot_state_of(&Q, PROT_EMERGENCY_STOP), PROT_ST_CLEAR);
	CU_ASSERT_EQUAL(prot_state_of(&Q, PROT_DEEP_DISCHARGE), PROT_ST_LATCHED);
	put(&in, PROT_DEEP_DISCHARGE, v_clear(PROT_DEEP_DISCHARGE));
	prot_step(&Q, &in, 8000, &OUT);
	CU_ASSERT_EQUAL(prot_reset(&Q, 8010), 1);
	CU_ASSERT_EQUAL(prot_state_of(&Q, PROT_DEEP_DISCHARGE), PROT_ST_CLEAR);
	/* a restored latch whose condition is there is active again */
	prot_init(&Q, &C, NULL, NULL);
	prot_restore_latched(&Q, 1u << PROT_EMERGENCY_STOP);
	in.cond = 1u << PROT_EMERGENCY_STOP;
	prot_step(&Q, &in, 9000, &OUT);
	CU_ASSERT_EQUAL(prot_state_of(&Q, PROT_EMERGENCY_STOP), PROT_ST_ACTIVE);
}

/* ---- registration ------------------------------------------------------- */

static const struct cu_test engine_tests[] = {
	CU_TEST(test_names),
	CU_TEST(test_kinds),
	CU_TEST(test_cfg_map),
	CU_TEST(test_set_immediate),
	CU_TEST(test_set_delay_edges),
	CU_TEST(test_setting_aborts),
	CU_TEST(test_clear_immediate),
	CU_TEST(test_clear_delay_edges),
	CU_TEST(test_clearing_returns),
	CU_TEST(test_hysteresis_band),
	CU_TEST(test_latch_and_reset),
	CU_TEST(test_latch_immediate_clear),
	CU_TEST(test_reset_kept_while_present),
	CU_TEST(test_latched_returns),
	CU_TEST(test_latched_band_reset),
	CU_TEST(test_reset_counts_several),
	CU_TEST(test_deep_discharge_always_latches),
	CU_TEST(test_deep_discharge_defaults),
	CU_TEST(test_unknown_holds),
	CU_TEST(test_unknown_restarts_set_delay),
	CU_TEST(test_unknown_restarts_clear_delay),
	CU_TEST(test_unknown_then_gone),
	CU_TEST(test_unknown_refuses_reset),
	CU_TEST(test_unknown_per_input),
	CU_TEST(test_disabled_ignores),
	CU_TEST(test_configure_disable_clears),
	CU_TEST(test_configure_keeps_state),
	CU_TEST(test_configure_keeps_latch),
	CU_TEST(test_configure_keeps_timer),
	CU_TEST(test_tier_masks),
	CU_TEST(test_actions),
	CU_TEST(test_actions_aggregate),
	CU_TEST(test_in_force_states),
	CU_TEST(test_corrupt_tier_action),
	CU_TEST(test_event_sequence),
	CU_TEST(test_step_return_and_changed),
	CU_TEST(test_time_backwards),
	CU_TEST(test_long_delays),
	CU_TEST(test_current_direction),
	CU_TEST(test_spread_value),
	CU_TEST(test_humidity_scale),
	CU_TEST(test_pack_large),
	CU_TEST(test_negative_temperatures),
	CU_TEST(test_condition_bits),
	CU_TEST(test_setting_holds_paths),
	CU_TEST(test_over_range_is_over_current),
	CU_TEST(test_reset_mask),
	CU_TEST(test_latch_mask_and_restore),
	CU_END,
};

static const struct cu_test cfg_tests[] = {
	CU_TEST(test_cfg_defaults),
	CU_TEST(test_defaults_cell_ov),
	CU_TEST(test_cfg_values),
	CU_TEST(test_cfg_bad_high_side),
	CU_TEST(test_cfg_bad_low_side),
	CU_TEST(test_cfg_bad_ranges),
	CU_TEST(test_cfg_bad_names),
	CU_TEST(test_cfg_xcheck_between),
	CU_TEST(test_cfg_xcheck_parsed),
	CU_TEST(test_cfg_schema_rows),
	CU_END,
};

static const struct cu_test floor_tests[] = {
	CU_TEST(test_cfg_defaults_floor),
	CU_TEST(test_floor_cell_voltage),
	CU_TEST(test_floor_never_loosens),
	CU_TEST(test_floor_temperatures),
	CU_TEST(test_floor_current),
	CU_TEST(test_floor_crossing),
	CU_TEST(test_floor_property),
	CU_END,
};

void cu_register(void)
{
	cu_add("prot", engine_tests);
	cu_add("prot_cfg", cfg_tests);
	cu_add("prot_floor", floor_tests);
}
