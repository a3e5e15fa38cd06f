/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "core/safety.h"
#include "cu.h"

static struct bp_config cfg(void)
{
	struct bp_config c;

	memset(&c, 0, sizeof(c));
	c.board_count = 8;
	c.cells_per_board = 24;
	c.temps_per_board = 8;
	c.heartbeat_timeout_ms = 500;
	c.cell_crit_high_mV = 3650;
	c.cell_crit_low_mV = 2500;
	c.temp_crit_high_dC = 600;
	c.temp_crit_low_dC = -200;
	c.short_circuit_mA = 500000;
	return c;
}

/* configured, heartbeat seen, relays 0x5 commanded: armed and closed */
static void armed(struct safety *s, uint32_t t)
{
	struct bp_config c = cfg();

	safety_init(s);
	safety_configure(s, &c, 0xABCD, t);
	safety_heartbeat(s, 0xABCD, t);
	safety_command(s, 0x5, false, t);
	CU_ASSERT_EQUAL(safety_tick(s, t), 0x5);
	CU_ASSERT_EQUAL(s->state, BP_SAFETY_ARMED);
}

static void test_locked_until_config_and_heartbeat(void)
{
	struct safety s;
	struct bp_config c = cfg();

	safety_init(&s);
	safety_command(&s, 0xF, false, 0);
	CU_ASSERT_EQUAL(safety_tick(&s, 0), 0);
	safety_heartbeat(&s, 0, 1); /* no config: ignored */
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_LOCKED);
	safety_configure(&s, &c, 0x1234, 2);
	safety_command(&s, 0xF, false, 2);
	CU_ASSERT_EQUAL(safety_tick(&s, 2), 0);
	safety_heartbeat(&s, 0x9999, 3); /* names another config: ignored */
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_LOCKED);
	safety_heartbeat(&s, 0x1234, 4);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	/* a command sent before arming is not remembered */
	CU_ASSERT_EQUAL(safety_tick(&s, 4), 0);
	safety_command(&s, 0xF, false, 5);
	CU_ASSERT_EQUAL(safety_tick(&s, 5), 0xF);
}

static void test_heartbeat_timeout_exact(void)
{
	struct safety s;

	armed(&s, 1000);
	/* age == timeout is still alive; one ms more opens */
	CU_ASSERT_EQUAL(safety_tick(&s, 1500), 0x5);
	CU_ASSERT_EQUAL(safety_tick(&s, 1501), 0);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	CU_ASSERT(s.trip & BP_TRIP_HEARTBEAT);
	CU_ASSERT_EQUAL(s.trip_hb_age_ms, 501);
}

static void test_heartbeat_refresh_keeps_armed(void)
{
	struct safety s;

	armed(&s, 0);
	for (uint32_t t = 0; t < 10000; t += 100) {
		safety_heartbeat(&s, 0xABCD, t);
		CU_ASSERT_EQUAL(safety_tick(&s, t + 99), 0x5);
	}
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
}

static void test_heartbeat_wraparound(void)
{
	struct safety s;

	armed(&s, 0xFFFFFF00u);
	CU_ASSERT_EQUAL(safety_tick(&s, 0xFFFFFF00u + 500u), 0x5);
	CU_ASSERT_EQUAL(safety_tick(&s, 0xFFFFFF00u + 501u), 0);
}

static void test_reset_after_heartbeat_trip(void)
{
	struct safety s;

	armed(&s, 0);
	safety_tick(&s, 600);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	/* reset without a heartbeat: refused */
	safety_command(&s, 0, true, 700);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	safety_heartbeat(&s, 0xABCD, 800);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED); /* heartbeat alone does not re-arm */
	safety_command(&s, 0xF, false, 800);
	CU_ASSERT_EQUAL(safety_tick(&s, 800), 0);
	safety_command(&s, 0xF, true, 900); /* resetting command's relays are ignored */
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(s.trip, 0);
	CU_ASSERT_EQUAL(safety_tick(&s, 900), 0);
	safety_command(&s, 0x3, false, 901);
	CU_ASSERT_EQUAL(safety_tick(&s, 901), 0x3);
}

static void test_cell_limits(void)
{
	struct safety s;
	uint16_t ok[4] = { 3300, 3650, 2500, BP_CELL_MV_NA };
	uint16_t hi[4] = { 3300, 3651, 3300, 3300 };
	uint16_t lo[4] = { 3300, 3300, 2499, 3300 };

	armed(&s, 0);
	CU_ASSERT_FALSE(safety_check_cells(&s, 3, ok, 4, 1)); /* limits inclusive, NA skipped */
	CU_ASSERT_EQUAL(safety_tick(&s, 1), 0x5);
	CU_ASSERT_TRUE(safety_check_cells(&s, 3, hi, 4, 2));
	CU_ASSERT_EQUAL(s.relays, 0); /* open in the same sample */
	CU_ASSERT(s.trip & BP_TRIP_CELL_HIGH);
	CU_ASSERT_EQUAL(safety_tick(&s, 2), 0);
	/* cause still present: reset refused */
	safety_heartbeat(&s, 0xABCD, 3);
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_FALSE(safety_check_cells(&s, 3, ok, 4, 4));
	safety_command(&s, 0, true, 5);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	safety_command(&s, 0x1, false, 6);
	CU_ASSERT_TRUE(safety_check_cells(&s, 7, lo, 4, 7));
	CU_ASSERT(s.trip & BP_TRIP_CELL_LOW);
	CU_ASSERT_FALSE(s.trip & BP_TRIP_CELL_HIGH);
}

static void test_cell_cause_per_board(void)
{
	struct safety s;
	uint16_t hi[1] = { 3700 }, ok[1] = { 3300 };

	armed(&s, 0);
	safety_check_cells(&s, 1, hi, 1, 1);
	safety_check_cells(&s, 2, hi, 1, 1);
	safety_check_cells(&s, 1, ok, 1, 2);
	safety_heartbeat(&s, 0xABCD, 3);
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED); /* board 2 still high */
	safety_forget(&s, 2);                         /* board 2 went offline */
	safety_command(&s, 0, true, 4);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);  /* its cell is unknown, not gone */
	safety_check_cells(&s, 2, ok, 1, 5);          /* board 2 back, in range */
	safety_command(&s, 0, true, 6);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
}

/* A trip's cause becomes unknown when its board goes offline: the trip
 * stays until that board reports the value back in range. */
static void test_forget_keeps_unknown_cause(void)
{
	struct safety s;
	uint16_t hi[4] = { 3300, 3700, 3300, 3300 }, ok[4] = { 3300, 3300, 3300, 3300 };
	uint16_t other[4] = { 3300, BP_CELL_MV_NA, 3300, 3300 };

	armed(&s, 0);
	CU_ASSERT_TRUE(safety_check_cells(&s, 3, hi, 4, 1));
	CU_ASSERT(s.trip & BP_TRIP_CELL_HIGH);
	safety_forget(&s, 3); /* board 3 offline */
	safety_heartbeat(&s, 0xABCD, 2);
	safety_command(&s, 0, true, 2);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	CU_ASSERT(s.trip & BP_TRIP_CELL_HIGH);
	/* another board's report says nothing about board 3 */
	CU_ASSERT_FALSE(safety_check_cells(&s, 4, ok, 4, 3));
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	/* board 3 back, but the cell that was high reads NA: still unknown */
	CU_ASSERT_FALSE(safety_check_cells(&s, 3, other, 4, 4));
	safety_command(&s, 0, true, 4);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	/* board 3 reports every cell in range: the reset clears */
	CU_ASSERT_FALSE(safety_check_cells(&s, 3, ok, 4, 5));
	safety_command(&s, 0, true, 5);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(s.trip, 0);
}

static void test_forget_keeps_unknown_temp(void)
{
	struct safety s;
	int16_t hot[2] = { 250, 700 }, ok[2] = { 250, 250 }, na[2] = { 250, BP_TEMP_DC_NA };

	armed(&s, 0);
	CU_ASSERT_TRUE(safety_check_temps(&s, 5, hot, 2, 1));
	safety_forget(&s, 5);
	safety_heartbeat(&s, 0xABCD, 2);
	safety_command(&s, 0, true, 2);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	safety_check_temps(&s, 5, na, 2, 3); /* the hot sensor faulted: unknown */
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	safety_check_temps(&s, 5, ok, 2, 4);
	safety_command(&s, 0, true, 4);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
}

/* A new configuration re-evaluates causes against its limits when the
 * sources report again; until then a cause that was present stays. */
static void test_new_config_keeps_causes(void)
{
	struct safety s;
	struct bp_config c = cfg();
	uint16_t hi[1] = { 3700 }, ok[1] = { 3300 };

	armed(&s, 0);
	CU_ASSERT_TRUE(safety_check_cells(&s, 1, hi, 1, 1));
	c.cell_crit_high_mV = 3640;
	safety_configure(&s, &c, 0xBEEF, 2);
	safety_heartbeat(&s, 0xBEEF, 3);
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	safety_check_cells(&s, 1, ok, 1, 4);
	safety_command(&s, 0, true, 4);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	/* a board that the new configuration no longer has is gone, not unknown */
	CU_ASSERT_TRUE(safety_check_cells(&s, 6, hi, 1, 5));
	c.board_count = 4;
	safety_configure(&s, &c, 0xC0DE, 6);
	safety_heartbeat(&s, 0xC0DE, 7);
	safety_command(&s, 0, true, 7);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
}

static void test_temp_limits(void)
{
	struct safety s;
	int16_t t[3] = { 250, 600, -200 };

	armed(&s, 0);
	CU_ASSERT_FALSE(safety_check_temps(&s, 0, t, 3, 1));
	t[1] = 601;
	CU_ASSERT_TRUE(safety_check_temps(&s, 0, t, 3, 2));
	CU_ASSERT(s.trip & BP_TRIP_TEMP_HIGH);
	armed(&s, 0);
	t[1] = 250;
	t[2] = -201;
	CU_ASSERT_TRUE(safety_check_temps(&s, SAFETY_EXT_SOURCE, t, 3, 2));
	CU_ASSERT(s.trip & BP_TRIP_TEMP_LOW);
	armed(&s, 0);
	t[2] = BP_TEMP_DC_NA; /* a faulted sensor never trips the floor by itself */
	CU_ASSERT_FALSE(safety_check_temps(&s, 0, t, 3, 2));
}

static void test_short_circuit(void)
{
	struct safety s;

	armed(&s, 0);
	CU_ASSERT_FALSE(safety_check_current(&s, 500000, MEAS_RANGE_OK, 1));
	CU_ASSERT_FALSE(safety_check_current(&s, -500000, MEAS_RANGE_OK, 1));
	CU_ASSERT_FALSE(safety_check_current(&s, BP_CURRENT_MA_NA, MEAS_RANGE_OK, 1));
	CU_ASSERT_TRUE(safety_check_current(&s, -500001, MEAS_RANGE_OK, 2));
	CU_ASSERT(s.trip & BP_TRIP_SHORT_CIRCUIT);
	CU_ASSERT_EQUAL(s.relays, 0);
	armed(&s, 0);
	CU_ASSERT_TRUE(safety_check_current(&s, 8388607, MEAS_RANGE_OK, 2));
}

/* A current that cannot be read says nothing about a latched short. */
static void test_short_cause_kept_while_na(void)
{
	struct safety s;

	armed(&s, 0);
	CU_ASSERT_TRUE(safety_check_current(&s, 600000, MEAS_RANGE_OK, 1));
	CU_ASSERT_FALSE(safety_check_current(&s, BP_CURRENT_MA_NA, MEAS_RANGE_OK, 2));
	safety_heartbeat(&s, 0xABCD, 3);
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	CU_ASSERT(s.trip & BP_TRIP_SHORT_CIRCUIT);
	CU_ASSERT_FALSE(safety_check_current(&s, 1000, MEAS_RANGE_OK, 4));
	safety_command(&s, 0, true, 4);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
}

/* A sensor at a rail or beyond its range: an over-current, either way. */
static void test_over_range_is_short(void)
{
	struct safety s;
	const uint8_t dir[2] = { MEAS_RANGE_POS, MEAS_RANGE_NEG };

	for (int k = 0; k < 2; k++) {
		armed(&s, 0);
		CU_ASSERT_TRUE(safety_check_current(&s, BP_CURRENT_MA_NA, dir[k], 1));
		CU_ASSERT_EQUAL(s.relays, 0); /* in the sample that shows it */
		CU_ASSERT_EQUAL(s.trip, BP_TRIP_SHORT_CIRCUIT);
		CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
		/* still beyond: the reset is refused */
		safety_heartbeat(&s, 0xABCD, 2);
		CU_ASSERT_FALSE(safety_check_current(&s, BP_CURRENT_MA_NA, dir[k], 2));
		safety_command(&s, 0, true, 2);
		CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
		/* a value inside the limit clears the cause */
		CU_ASSERT_FALSE(safety_check_current(&s, 0, MEAS_RANGE_OK, 3));
		safety_command(&s, 0, true, 3);
		CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	}
	/* a value inside range and below the limit does not trip */
	armed(&s, 0);
	CU_ASSERT_FALSE(safety_check_current(&s, 300000, MEAS_RANGE_OK, 1));
	CU_ASSERT_FALSE(safety_check_current(&s, -300000, MEAS_RANGE_OK, 2));
	CU_ASSERT_EQUAL(s.trip, 0);
	CU_ASSERT_EQUAL(safety_tick(&s, 2), 0x5);
}

/* No sensor can measure the current: open, and stay open until one can. */
static void test_current_unknown_trips(void)
{
	struct safety s;

	armed(&s, 0);
	CU_ASSERT_TRUE(safety_check_current(&s, BP_CURRENT_MA_NA, MEAS_RANGE_FAULT, 1));
	CU_ASSERT_EQUAL(s.relays, 0);
	CU_ASSERT_EQUAL(s.trip, BP_TRIP_CURRENT_SENSOR);
	safety_heartbeat(&s, 0xABCD, 2);
	safety_command(&s, 0, true, 2);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_FALSE(safety_check_current(&s, 1000, MEAS_RANGE_OK, 3));
	safety_command(&s, 0, true, 3);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	/* a short, then the sensor fails: the short's cause is unknown, kept */
	CU_ASSERT_TRUE(safety_check_current(&s, BP_CURRENT_MA_NA, MEAS_RANGE_NEG, 4));
	CU_ASSERT_TRUE(safety_check_current(&s, BP_CURRENT_MA_NA, MEAS_RANGE_FAULT, 5));
	CU_ASSERT_EQUAL(s.trip, BP_TRIP_SHORT_CIRCUIT | BP_TRIP_CURRENT_SENSOR);
	safety_command(&s, 0, true, 6);
	CU_ASSERT_EQUAL(s.trip, BP_TRIP_SHORT_CIRCUIT | BP_TRIP_CURRENT_SENSOR);
	/* no sensor configured: NA says nothing, changes nothing */
	CU_ASSERT_FALSE(safety_check_current(&s, BP_CURRENT_MA_NA, MEAS_RANGE_OK, 7));
	safety_command(&s, 0, true, 7);
	CU_ASSERT_EQUAL(s.trip, BP_TRIP_SHORT_CIRCUIT | BP_TRIP_CURRENT_SENSOR);
	CU_ASSERT_FALSE(safety_check_current(&s, -20000, MEAS_RANGE_OK, 8));
	safety_command(&s, 0, true, 8);
	CU_ASSERT_EQUAL(s.trip, 0);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
}

static void test_limits_ignored_unconfigured(void)
{
	struct safety s;
	uint16_t hi[1] = { 16000 };

	safety_init(&s);
	CU_ASSERT_FALSE(safety_check_cells(&s, 0, hi, 1, 0));
	CU_ASSERT_FALSE(safety_check_current(&s, 8000000, MEAS_RANGE_OK, 0));
	CU_ASSERT_EQUAL(s.trip, 0);
	CU_ASSERT_EQUAL(safety_tick(&s, 0), 0);
}

static void test_trip_while_locked_latches(void)
{
	struct safety s;
	struct bp_config c = cfg();
	uint16_t hi[1] = { 3700 };

	safety_init(&s);
	safety_configure(&s, &c, 1, 0);
	CU_ASSERT_TRUE(safety_check_cells(&s, 0, hi, 1, 1));
	safety_heartbeat(&s, 1, 2); /* a latched trip blocks arming */
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
}

static void test_new_config_while_armed_trips(void)
{
	struct safety s;
	struct bp_config c = cfg();

	armed(&s, 0);
	safety_configure(&s, &c, 0xABCD, 10); /* same config again: nothing */
	CU_ASSERT_EQUAL(safety_tick(&s, 10), 0x5);
	c.cell_crit_high_mV = 3600;
	safety_configure(&s, &c, 0xBEEF, 20);
	CU_ASSERT_EQUAL(safety_tick(&s, 20), 0);
	CU_ASSERT(s.trip & BP_TRIP_CFG_CHANGED);
	CU_ASSERT_EQUAL(s.cell_hi_mV, 3600);
	safety_heartbeat(&s, 0xABCD, 30); /* old CRC no longer counts */
	CU_ASSERT_FALSE(s.hb_alive);
	safety_command(&s, 0, true, 30); /* reset: cleared, but no live heartbeat */
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_LOCKED);
	CU_ASSERT_EQUAL(safety_tick(&s, 30), 0);
	safety_heartbeat(&s, 0xBEEF, 40);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(safety_tick(&s, 40), 0); /* still needs a command */
}

static void test_alarm_outputs(void)
{
	struct safety s;
	struct bp_config c = cfg();
	uint16_t hi[1] = { 3700 };

	c.alarm_dos = 0x3;
	c.alarm_dos_invert = 0x2;
	/* never armed: the alarm follows nothing */
	safety_init(&s);
	CU_ASSERT_EQUAL(safety_dos(&s, 0xF), 0);
	safety_configure(&s, &c, 0xABCD, 0);
	safety_tick(&s, 600);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_LOCKED);
	CU_ASSERT_EQUAL(safety_dos(&s, 0xF), 0);
	/* armed and alive: as commanded */
	safety_heartbeat(&s, 0xABCD, 700);
	CU_ASSERT_EQUAL(safety_dos(&s, 0x6), 0x6);
	CU_ASSERT_EQUAL(safety_dos(&s, 0xF9), 0x9);
	/* heartbeat lost: DO 1 on, inverted DO 2 off, the others off */
	safety_tick(&s, 1201);
	CU_ASSERT_EQUAL(s.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(safety_dos(&s, 0xE), 0x1);
	/* tripped with the daemon alive: alarm forced, the others commanded */
	armed(&s, 0);
	safety_configure(&s, &c, 0xABCD, 0);
	CU_ASSERT_TRUE(safety_check_cells(&s, 0, hi, 1, 1));
	CU_ASSERT_EQUAL(safety_dos(&s, 0xE), 0xD);
}

static void test_relay_mask_bounded(void)
{
	struct safety s;

	armed(&s, 0);
	safety_command(&s, 0xFF, false, 1);
	CU_ASSERT_EQUAL(safety_tick(&s, 1), 0x0F);
}

static void test_state_names(void)
{
	CU_ASSERT_STRING_EQUAL(safety_state_name(BP_SAFETY_LOCKED), "locked");
	CU_ASSERT_STRING_EQUAL(safety_state_name(BP_SAFETY_ARMED), "armed");
	CU_ASSERT_STRING_EQUAL(safety_state_name(BP_SAFETY_TRIPPED), "tripped");
	CU_ASSERT_STRING_EQUAL(safety_state_name(9), "?");
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_locked_until_config_and_heartbeat),
		CU_TEST(test_heartbeat_timeout_exact),
		CU_TEST(test_heartbeat_refresh_keeps_armed),
		CU_TEST(test_heartbeat_wraparound),
		CU_TEST(test_reset_after_heartbeat_trip),
		CU_TEST(test_cell_limits),
		CU_TEST(test_cell_cause_per_board),
		CU_TEST(test_forget_keeps_unknown_cause),
		CU_TEST(test_forget_keeps_unknown_temp),
		CU_TEST(test_new_config_keeps_causes),
		CU_TEST(test_temp_limits),
		CU_TEST(test_short_circuit),
		CU_TEST(test_short_cause_kept_while_na),
		CU_TEST(test_over_range_is_short),
		CU_TEST(test_current_unknown_trips),
		CU_TEST(test_limits_ignored_unconfigured),
		CU_TEST(test_trip_while_locked_latches),
		CU_TEST(test_new_config_while_armed_trips),
		CU_TEST(test_alarm_outputs),
		CU_TEST(test_relay_mask_bounded),
		CU_TEST(test_state_names),
		CU_END,
	};
	cu_add("safety", tests);
}
