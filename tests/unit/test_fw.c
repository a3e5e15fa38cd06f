/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware application against simulated Logic boards on a byte-timed
 * wire and a scripted HAL: the stream, the configuration push, the safety
 * floor's reaction times, commands, and malformed input.
 */
#include <string.h>

#include "core/fw.h"
#include "cu.h"
#include "fake_hal.h"
#include "hal/hal_sys.h"
#include "port/host/simboard.h"
#include "port/host/simcfg.h"

#define BOARDS 2
#define CELLS 8
#define TEMPS 2

static struct fw fw;
static struct simbus bus;
static struct bp_config cfg;
static uint32_t crc_of_cfg;

static void tick(void)
{
	fake.now++;
	simbus_advance(&bus, 1000);
	fw_tick(&fw, fake.now);
}

static void run(unsigned int ms)
{
	while (ms--)
		tick();
}

static void setup(void)
{
	fake_reset();
	fake.now = 1000;
	simbus_init(&bus, BOARDS, CELLS, TEMPS, 0);
	simbus_hal = &bus;
	for (int b = 0; b < BOARDS; b++)
		for (int c = 0; c < CELLS; c++)
			bus.board[b].cell_mV[c] = (uint16_t)(3300 + b * 100 + c);
	fw_init(&fw, HAL_BOARD_SIM);
	simcfg_default(&cfg, BOARDS, CELLS, TEMPS);
	CU_ASSERT_EQUAL_FATAL(fw_preset(&fw, &cfg), BP_OK);
}

/* Push @c the way the daemon does. Returns the CRC sent. */
static uint32_t push(const struct bp_config *c, bool corrupt)
{
	struct bp_frame f[BP_CFG_MAX_SEGMENTS + 1];
	uint32_t crc = 0;
	int n = bp_config_push(c, f, BP_CFG_MAX_SEGMENTS + 1, &crc);

	CU_ASSERT_FATAL(n > 1);
	if (corrupt)
		f[0].data[4] ^= 0x40;
	for (int i = 0; i < n; i++)
		fake_inject(&f[i]);
	return crc;
}

static void heartbeat(uint32_t crc)
{
	struct bp_msg m = { .type = BP_T_HEARTBEAT };

	m.u.hb.cfg_crc = crc;
	m.u.hb.daemon_state = 1;
	fake_inject_msg(&m);
}

static void command(uint8_t relays, uint8_t dos, uint8_t flags)
{
	struct bp_msg m = { .type = BP_T_OUTPUT_CMD };

	m.u.out.relays = relays;
	m.u.out.dos = dos;
	m.u.out.flags = flags;
	fake_inject_msg(&m);
}

/* Last decoded frame of @type sent since index @from, or false. */
static bool last_sent(enum bp_type type, unsigned int from, struct bp_msg *out)
{
	bool found = false;

	for (unsigned int i = from; i < fake.ntx; i++) {
		struct bp_msg m;

		if (bp_decode(&fake.tx[i], &m) == BP_OK && m.type == type) {
			*out = m;
			found = true;
		}
	}
	return found;
}

static unsigned int count_sent(enum bp_type type, unsigned int from)
{
	unsigned int n = 0;

	for (unsigned int i = from; i < fake.ntx; i++) {
		struct bp_msg m;

		if (bp_decode(&fake.tx[i], &m) == BP_OK && m.type == type)
			n++;
	}
	return n;
}

/* Configured, heartbeat flowing, relays 0x5 closed. */
static void arm(void)
{
	crc_of_cfg = push(&cfg, false);
	run(2);
	heartbeat(crc_of_cfg);
	run(1);
	command(0x5, 0x2, 0);
	run(1);
	CU_ASSERT_EQUAL_FATAL(fake.relays, 0x5);
}

static void test_stream_before_config(void)
{
	struct bp_msg m = { 0 };
	unsigned int errors = 0;

	setup();
	run(1000);
	/* every frame decodes */
	for (unsigned int i = 0; i < fake.ntx; i++)
		errors += bp_decode(&fake.tx[i], &m) != BP_OK;
	CU_ASSERT_EQUAL(errors, 0);
	/* rates over one second: CURRENT 100 Hz, STATUS 10 Hz, VERSION 1 Hz */
	CU_ASSERT(count_sent(BP_T_CURRENT, 0) >= 99 && count_sent(BP_T_CURRENT, 0) <= 101);
	CU_ASSERT(count_sent(BP_T_STATUS, 0) >= 10 && count_sent(BP_T_STATUS, 0) <= 12);
	CU_ASSERT(count_sent(BP_T_CYCLE_END, 0) >= 9 && count_sent(BP_T_CYCLE_END, 0) <= 11);
	CU_ASSERT(count_sent(BP_T_VERSION, 0) >= 1);
	CU_ASSERT_TRUE(last_sent(BP_T_STATUS, 0, &m));
	CU_ASSERT_EQUAL(m.u.status.safety, BP_SAFETY_LOCKED);
	CU_ASSERT_EQUAL(m.u.status.cfg_state, BP_CFG_NONE);
	CU_ASSERT_EQUAL(m.u.status.cfg_crc, 0);
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT(fake.kicks >= 1000);
}

static void test_snapshot_values_and_counters(void)
{
	struct bp_asm a;
	struct bp_snapshot snap;
	struct bp_seq seq = { 0 };
	int commits = 0;

	setup();
	run(1000);
	bp_asm_init(&a);
	for (unsigned int i = 0; i < fake.ntx; i++) {
		struct bp_msg m;

		bp_decode(&fake.tx[i], &m);
		if (m.type == BP_T_CURRENT)
			CU_ASSERT_EQUAL(bp_seq_update(&seq, m.u.cur.ctr), 0);
		if (m.type == BP_T_CELLS || m.type == BP_T_TEMPS || m.type == BP_T_BSTATUS ||
		    m.type == BP_T_CYCLE_END)
			commits += bp_asm_feed(&a, &m, &snap) == 1;
	}
	CU_ASSERT(commits >= 8);
	CU_ASSERT_EQUAL(a.discarded, 0);
	CU_ASSERT_EQUAL(seq.lost, 0);
	for (int b = 0; b < BOARDS; b++) {
		CU_ASSERT(snap.board[b].flags & BP_BOARD_ONLINE);
		CU_ASSERT(snap.board[b].flags & BP_BOARD_FRESH);
		for (int c = 0; c < CELLS; c++)
			CU_ASSERT_EQUAL(snap.board[b].cell_mV[c], 3300 + b * 100 + c);
		for (int t = 0; t < TEMPS; t++)
			CU_ASSERT_EQUAL(snap.board[b].temp_dC[t], bus.board[b].temp_dC[t]);
	}
}

static void test_config_push_echo(void)
{
	struct bp_msg m = { 0 };
	uint32_t crc;
	unsigned int from;

	setup();
	run(10);
	from = fake.ntx;
	crc = push(&cfg, false);
	run(2);
	CU_ASSERT_TRUE(last_sent(BP_T_STATUS, from, &m));
	CU_ASSERT_EQUAL(m.u.status.cfg_state, BP_CFG_ACTIVE);
	CU_ASSERT_EQUAL(m.u.status.cfg_crc, crc);
	CU_ASSERT_EQUAL(fw.st.cfg_pushes, 1);
}

static void test_config_push_corrupt_rejected(void)
{
	struct bp_msg m = { 0 };
	unsigned int from;

	setup();
	run(10);
	from = fake.ntx;
	push(&cfg, true);
	run(2);
	CU_ASSERT_TRUE(last_sent(BP_T_STATUS, from, &m));
	CU_ASSERT_EQUAL(m.u.status.cfg_state, BP_CFG_REJECTED);
	CU_ASSERT_EQUAL(m.u.status.cfg_crc, 0);
	heartbeat(0);
	command(0xF, 0, 0);
	run(5);
	CU_ASSERT_EQUAL(fake.relays, 0);
}

static void test_config_missing_segment_rejected(void)
{
	struct bp_msg m = { .type = BP_T_CFG_COMMIT };

	setup();
	m.u.cfgc.len = 40;
	m.u.cfgc.crc = 0x12345678;
	fake_inject_msg(&m);
	run(2);
	CU_ASSERT_EQUAL(fw.cfg_state, BP_CFG_REJECTED);
	CU_ASSERT_EQUAL(fw.st.cfg_rejects, 1);
}

static void test_out_of_range_config_rejected(void)
{
	struct bp_config bad = cfg;
	uint8_t blob[BP_CFG_BLOB_MAX];
	int len;

	setup();
	/* a blob that packs but whose heartbeat timeout exceeds the ceiling */
	len = bp_config_pack(&cfg, blob, sizeof(blob));
	CU_ASSERT_FATAL(len > 0);
	bad.heartbeat_timeout_ms = BP_HEARTBEAT_CEILING_MS + 1;
	CU_ASSERT_NOT_EQUAL(bp_config_check(&bad), BP_OK);
}

static void test_heartbeat_loss_opens_within_timeout(void)
{
	uint32_t last_hb, opened = 0;
	struct bp_msg m = { 0 };
	unsigned int from;

	setup();
	arm();
	for (int i = 0; i < 20; i++) {
		heartbeat(crc_of_cfg);
		command(0x5, 0x2, 0);
		run(100);
	}
	CU_ASSERT_EQUAL(fake.relays, 0x5);
	CU_ASSERT_EQUAL(fake.dos, 0x2);
	/* the daemon dies right after a heartbeat */
	heartbeat(crc_of_cfg);
	tick();
	last_hb = fake.now;
	from = fake.ntx;
	for (int i = 0; i < 2000 && !opened; i++) {
		tick();
		if (fake.relays == 0)
			opened = fake.now;
	}
	CU_ASSERT(opened != 0);
	CU_ASSERT(opened - last_hb <= cfg.heartbeat_timeout_ms + 1u);
	CU_ASSERT(opened - last_hb >= cfg.heartbeat_timeout_ms);
	CU_ASSERT_EQUAL(fake.dos, 0x1); /* DO 2 off, the alarm output (DO 1) on */
	CU_ASSERT_EQUAL(fw.st.trips, 1);
	CU_ASSERT_TRUE(last_sent(BP_T_STATUS, from, &m));
	CU_ASSERT_EQUAL(m.u.status.safety, BP_SAFETY_TRIPPED);
	CU_ASSERT(m.u.status.trip & BP_TRIP_HEARTBEAT);
	/* the STATUS reporting the trip went out in the tick of the trip */
	for (unsigned int i = from; i < fake.ntx; i++)
		if (bp_decode(&fake.tx[i], &m) == BP_OK && m.type == BP_T_STATUS &&
		    m.u.status.safety == BP_SAFETY_TRIPPED) {
			CU_ASSERT_EQUAL(fake.tx_at[i], opened);
			break;
		}
}

/* The MCU drives the alarm output itself while its floor holds the pack. */
static void test_alarm_output_while_floor_holds(void)
{
	/* never armed (fresh boot, locked): the alarm follows nothing */
	setup();
	cfg.alarm_dos = 0x1; /* DO 1 has the role alarm */
	crc_of_cfg = push(&cfg, false);
	run(700);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_LOCKED);
	CU_ASSERT_EQUAL(fake.dos, 0);

	/* armed and alive: every output as commanded, the alarm included */
	arm();
	command(0x5, 0x2, 0);
	run(1);
	CU_ASSERT_EQUAL(fake.dos, 0x2);
	heartbeat(crc_of_cfg);
	command(0x5, 0x3, 0);
	run(1);
	CU_ASSERT_EQUAL(fake.dos, 0x3);
	command(0x5, 0x2, 0);
	run(1);
	CU_ASSERT_EQUAL(fake.dos, 0x2);

	/* heartbeat lost: the floor trips, the alarm goes on, the rest off */
	run(600);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT_EQUAL(fake.dos, 0x1);
	/* the daemon back, the trip reset: the alarm as commanded again */
	heartbeat(crc_of_cfg);
	run(1);
	command(0, 0x2, BP_CMD_TRIP_RESET);
	run(1);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(fake.dos, 0x2);
	/* a new configuration while armed (CFG_CHANGED), reset before any
	 * heartbeat names it: LOCKED after having been armed, alarm on */
	cfg.logic_offline_ms = 1500;
	crc_of_cfg = push(&cfg, false);
	run(2);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(fake.dos, 0x1);
	command(0, 0x2, BP_CMD_TRIP_RESET);
	run(1);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_LOCKED);
	CU_ASSERT_EQUAL(fake.dos, 0x1);
	heartbeat(crc_of_cfg);
	command(0, 0x2, 0);
	run(1);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(fake.dos, 0x2);

	/* floor tripped by a cell with the daemon alive: alarm on, the other
	 * outputs as commanded */
	setup();
	cfg.alarm_dos = 0x1;
	arm();
	bus.board[0].cell_mV[2] = 4000;
	for (int i = 0; i < 3; i++) {
		heartbeat(crc_of_cfg);
		command(0x5, 0x2, 0);
		run(100);
	}
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT_EQUAL(fake.dos, 0x3);

	/* an inverted alarm output (off while the alarm is active) */
	setup();
	cfg.alarm_dos = 0x4;
	cfg.alarm_dos_invert = 0x4;
	arm();
	heartbeat(crc_of_cfg);
	command(0x5, 0x6, 0); /* the daemon: no alarm (DO 3 on), DO 2 on */
	run(1);
	CU_ASSERT_EQUAL(fake.dos, 0x6);
	bus.board[1].cell_mV[0] = 1000;
	for (int i = 0; i < 3; i++) {
		heartbeat(crc_of_cfg);
		command(0x5, 0x6, 0);
		run(100);
	}
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(fake.dos, 0x2);
}

static void test_cell_overvoltage_opens_on_that_sample(void)
{
	uint32_t t0;

	setup();
	arm();
	bus.board[1].cell_mV[3] = cfg.cell_crit_high_mV + 1;
	t0 = fake.now;
	/* relays open in the same tick that the board's reply is processed,
	 * so no later than one Logic cycle plus a transaction */
	while (fake.relays && fake.now - t0 < 300) {
		heartbeat(crc_of_cfg);
		tick();
	}
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT(fake.now - t0 <= 110);
	CU_ASSERT(fw.safety.trip & BP_TRIP_CELL_HIGH);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	/* reset refused while the cell is still high */
	command(0, 0, BP_CMD_TRIP_RESET);
	heartbeat(crc_of_cfg);
	run(5);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	bus.board[1].cell_mV[3] = 3400;
	for (int i = 0; i < 3; i++) {
		heartbeat(crc_of_cfg);
		run(100);
	}
	command(0, 0, BP_CMD_TRIP_RESET);
	heartbeat(crc_of_cfg);
	run(2);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_ARMED);
	command(0x3, 0, 0);
	run(1);
	CU_ASSERT_EQUAL(fake.relays, 0x3);
}

static void test_short_circuit_opens_on_next_sample(void)
{
	setup();
	arm();
	/* sensor 2 (2 mV/A, 1221 uV/count): 1600 counts ~ 977 A is below the
	 * 1000 A limit, 1700 counts ~ 1038 A above */
	fake.scan.cs_out[0] = 4095; /* sensor 1 saturated: sensor 2 selected */
	fake.scan.cs_out[1] = 2048 + 1600;
	heartbeat(crc_of_cfg);
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0x5);
	fake.scan.cs_out[1] = 2048 + 1700;
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT(fw.safety.trip & BP_TRIP_SHORT_CIRCUIT);
	CU_ASSERT_EQUAL(fw.st.trips, 1);
}

/* sensor 1 of simcfg: 10 mV/A, 1221 uV per count, reference at mid scale */
#define SC_MID 2048

/* Main 2.1: one 240 A Hall sensor, short circuit at 230 A. A 300 A short
 * drives the sensor's output into a rail: that is an over-current. */
static void arm_single_sensor(void)
{
	setup();
	cfg.current_sensors = 1;
	cfg.cs[0].range_mA = 240000;
	cfg.short_circuit_mA = 230000;
	CU_ASSERT_EQUAL_FATAL(fw_preset(&fw, &cfg), BP_OK);
	arm();
	heartbeat(crc_of_cfg);
	fake.scan.cs_out[0] = SC_MID + 82; /* ~10 A */
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0x5);
}

static void test_short_beyond_range_single_sensor(void)
{
	static const uint16_t rail[2] = { 4095, 0 }; /* +300 A, then -300 A */

	for (int k = 0; k < 2; k++) {
		arm_single_sensor();
		fake.scan.cs_out[0] = rail[k];
		tick();
		CU_ASSERT_EQUAL(fake.relays, 0);
		CU_ASSERT(fw.safety.trip & BP_TRIP_SHORT_CIRCUIT);
		CU_ASSERT_EQUAL(fw.meas.out.I_mA, BP_CURRENT_MA_NA);
	}
	/* within 1 % of the top rail is the rail */
	arm_single_sensor();
	fake.scan.cs_out[0] = 4060;
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT(fw.safety.trip & BP_TRIP_SHORT_CIRCUIT);
	/* a computed value beyond range_mA (here with a reference of 1 V) */
	arm_single_sensor();
	fake.scan.cs_ref[0] = 819;
	fake.scan.cs_out[0] = 819 + 1990; /* 243 A */
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT(fw.safety.trip & BP_TRIP_SHORT_CIRCUIT);
	/* 220 A: inside the range and below the limit */
	arm_single_sensor();
	fake.scan.cs_out[0] = SC_MID + 1802;
	tick();
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0x5);
	CU_ASSERT_EQUAL(fw.safety.trip, 0);
}

/* The reference of the only sensor at a rail: the current is unknown, the
 * floor opens (CURRENT_SENSOR); CURRENT reports NA without a range flag. */
static void test_current_unknown_opens(void)
{
	struct bp_msg m;
	unsigned int from;

	arm_single_sensor();
	fake.scan.cs_ref[0] = 0;
	from = fake.ntx;
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT_EQUAL(fw.safety.trip, BP_TRIP_CURRENT_SENSOR);
	run(20);
	CU_ASSERT_FATAL(last_sent(BP_T_CURRENT, from, &m));
	CU_ASSERT_EQUAL(m.u.cur.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.u.cur.flags, 0);
	/* a discharge short: NA and the range flag */
	arm_single_sensor();
	fake.scan.cs_out[0] = 0;
	from = fake.ntx;
	run(20);
	CU_ASSERT_FATAL(last_sent(BP_T_CURRENT, from, &m));
	CU_ASSERT_EQUAL(m.u.cur.mA[0], BP_CURRENT_MA_NA);
	CU_ASSERT_EQUAL(m.u.cur.flags, BP_CUR_S1_RANGE);
	CU_ASSERT_EQUAL(fw.safety.trip, BP_TRIP_SHORT_CIRCUIT);
}

/* Main 2R: 240 A and 1200 A sensors, short circuit at 1000 A. */
static void test_short_beyond_range_two_sensors(void)
{
	static const uint16_t rail[2] = { 4095, 0 }; /* +1500 A, then -1500 A */

	for (int k = 0; k < 2; k++) {
		setup();
		arm();
		heartbeat(crc_of_cfg);
		fake.scan.cs_out[0] = rail[k];
		fake.scan.cs_out[1] = rail[k];
		tick();
		CU_ASSERT_EQUAL(fake.relays, 0);
		CU_ASSERT(fw.safety.trip & BP_TRIP_SHORT_CIRCUIT);
	}
	/* 300 A: sensor 1 saturates, sensor 2 reads it; no trip */
	setup();
	arm();
	heartbeat(crc_of_cfg);
	fake.scan.cs_out[0] = 4095;
	fake.scan.cs_out[1] = SC_MID + 491;
	tick();
	tick();
	CU_ASSERT_EQUAL(fake.relays, 0x5);
	CU_ASSERT_EQUAL(fw.safety.trip, 0);
	CU_ASSERT(fw.meas.out.I_mA > 299000 && fw.meas.out.I_mA < 301000);
}

static void test_relay_command_ignored_when_locked(void)
{
	setup();
	command(0xF, 0xF, 0);
	run(50);
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT_EQUAL(fake.dos, 0);
}

static void test_malformed_frames_counted(void)
{
	struct bp_frame f = { .id = BP_ID_OUTPUT_CMD, .len = 5 };
	struct bp_msg m = { 0 };
	unsigned int from;

	setup();
	arm();
	fake_inject(&f);
	f.id = 0x7FF;
	f.len = 8;
	fake_inject(&f);
	f.id = BP_ID_OUTPUT_CMD;
	memset(f.data, 0xFF, 8); /* reserved bits set */
	fake_inject(&f);
	from = fake.ntx;
	run(600);
	CU_ASSERT_EQUAL(fw.st.rx_bad, 2);
	CU_ASSERT_EQUAL(fw.st.rx_unknown, 1);
	CU_ASSERT_TRUE(last_sent(BP_T_IO, from, &m));
	/* the bad-frame flag is reported once, then clears */
	CU_ASSERT_FALSE(m.u.io.faults & BP_FAULT_BAD_FRAME);
	CU_ASSERT_EQUAL(fake.relays, 0); /* heartbeat stopped meanwhile */
}

/* A receive overrun in the CAN driver is counted and flagged in the next
 * IO frame, once. */
static void test_rx_overrun_reported(void)
{
	struct bp_msg m = { 0 };
	unsigned int from;
	bool seen = false;

	setup();
	arm();
	run(150);
	from = fake.ntx;
	fake.rx_lost = 3;
	run(150);
	CU_ASSERT_EQUAL(fw.st.rx_lost, 3);
	for (unsigned int i = from; i < fake.ntx; i++) {
		if (bp_decode(&fake.tx[i], &m) == BP_OK && m.type == BP_T_IO &&
		    (m.u.io.faults & BP_FAULT_CAN_RX_OVERFLOW))
			seen = true;
	}
	CU_ASSERT_TRUE(seen);
	from = fake.ntx;
	run(250);
	CU_ASSERT_TRUE(last_sent(BP_T_IO, from, &m));
	CU_ASSERT_FALSE(m.u.io.faults & BP_FAULT_CAN_RX_OVERFLOW);
}

static void test_balancing_reaches_board(void)
{
	struct bp_msg m = { .type = BP_T_BAL_CMD };

	setup();
	arm();
	m.u.bal.board = 1;
	m.u.bal.mask = 0x81;
	fake_inject_msg(&m);
	for (int i = 0; i < 3; i++) {
		heartbeat(crc_of_cfg);
		run(100);
	}
	CU_ASSERT_EQUAL(bus.board[1].bal_mask, 0x81);
	CU_ASSERT_EQUAL(bus.board[0].bal_mask, 0);
	/* heartbeat loss stops balancing */
	run(800);
	CU_ASSERT_EQUAL(bus.board[1].bal_mask, 0);
}

static void test_board_offline_reported(void)
{
	struct bp_msg m = { 0 };
	unsigned int from;

	setup();
	run(500);
	bus.board[0].offline = true;
	run(1500);
	from = fake.ntx;
	run(200);
	CU_ASSERT_TRUE(last_sent(BP_T_LOGIC, from, &m));
	CU_ASSERT_EQUAL(m.u.logic.online, 0x2);
	CU_ASSERT_TRUE(last_sent(BP_T_IO, from, &m));
	CU_ASSERT(m.u.io.faults & BP_FAULT_LOGIC_OFFLINE);
	CU_ASSERT(fw.lb.board[0].online == false);
}

/* BSTATUS of board @b in frames since @from: flags or -1 */
static int bstatus_flags(unsigned int from, uint8_t b)
{
	int flags = -1;

	for (unsigned int i = from; i < fake.ntx; i++) {
		struct bp_msg m = { 0 };

		if (bp_decode(&fake.tx[i], &m) == BP_OK && m.type == BP_T_BSTATUS &&
		    m.u.bst.board == b)
			flags = m.u.bst.flags;
	}
	return flags;
}

static void test_board_errors_flagged_by_kind(void)
{
	unsigned int from;
	int f;

	setup();
	run(500);
	from = fake.ntx;
	run(300);
	f = bstatus_flags(from, 0);
	CU_ASSERT_EQUAL(f, BP_BOARD_ONLINE | BP_BOARD_FRESH);
	bus.board[0].corrupt_crc = true;
	from = fake.ntx;
	run(300);
	f = bstatus_flags(from, 0);
	CU_ASSERT(f >= 0 && (f & BP_BOARD_CRC_ERRORS) && !(f & BP_BOARD_TIMEOUTS));
	CU_ASSERT(f >= 0 && !(f & BP_BOARD_FRESH));
	bus.board[0].corrupt_crc = false;
	bus.board[1].offline = true;
	from = fake.ntx;
	run(300);
	f = bstatus_flags(from, 1);
	CU_ASSERT(f >= 0 && (f & BP_BOARD_TIMEOUTS) && !(f & BP_BOARD_CRC_ERRORS));
	CU_ASSERT_EQUAL(bstatus_flags(from, 0), BP_BOARD_ONLINE | BP_BOARD_FRESH);
}

static void test_di_debounced(void)
{
	setup();
	run(10);
	fake.di = 0x4;
	run(cfg.di_debounce_ms - 1);
	CU_ASSERT_EQUAL(fw.dio.stable, 0);
	run(2);
	CU_ASSERT_EQUAL(fw.dio.stable, 0x4);
}

static void test_leds(void)
{
	unsigned int rises = 0;
	bool prev;

	setup();
	run(1000); /* every board online */
	prev = fake.led[HAL_LED_COMM];
	for (int i = 0; i < 1000; i++) {
		tick();
		rises += fake.led[HAL_LED_COMM] && !prev;
		prev = fake.led[HAL_LED_COMM];
	}
	CU_ASSERT(rises >= 24 && rises <= 26); /* 25 Hz once established */
	CU_ASSERT_FALSE(fake.led[HAL_LED_RELAY1]);
	arm();
	CU_ASSERT_TRUE(fake.led[HAL_LED_RELAY1]);
	CU_ASSERT_TRUE(fake.led[HAL_LED_RELAY3]);
	CU_ASSERT_FALSE(fake.led[HAL_LED_RELAY2]);
}

static void test_charge_counter_over_link(void)
{
	struct bp_msg m = { 0 };
	unsigned int from;

	setup();
	/* sensor 1, 10 mV/A: +82 counts = 100.1 mV = 10.01 A charging */
	fake.scan.cs_out[0] = 2048 + 82;
	fake.scan.cs_out[1] = 2048 + 16;
	run(1000);
	from = fake.ntx;
	run(1000);
	CU_ASSERT_TRUE(last_sent(BP_T_CHARGE_IN, from, &m));
	/* 2 s at ~10 A = ~20 As = 20000 mAs */
	CU_ASSERT(m.u.chg.mAs > 19000 && m.u.chg.mAs < 21000);
	CU_ASSERT_TRUE(last_sent(BP_T_CHARGE_OUT, from, &m));
	CU_ASSERT_EQUAL(m.u.chg.mAs, 0);
	CU_ASSERT_TRUE(last_sent(BP_T_CURRENT, from, &m));
	CU_ASSERT(m.u.cur.mA[0] > 9900 && m.u.cur.mA[0] < 10100);
}

static void test_tx_queue_overflow_counted(void)
{
	setup();
	fake.can_full = true;
	run(2000);
	CU_ASSERT(fw.st.tx_dropped > 0);
	CU_ASSERT_EQUAL(fw.txq_len, FW_TXQ_LEN);
	fake.can_full = false;
	run(5);
	CU_ASSERT_EQUAL(fw.txq_len, 0);
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_stream_before_config),
		CU_TEST(test_snapshot_values_and_counters),
		CU_TEST(test_config_push_echo),
		CU_TEST(test_config_push_corrupt_rejected),
		CU_TEST(test_config_missing_segment_rejected),
		CU_TEST(test_out_of_range_config_rejected),
		CU_TEST(test_heartbeat_loss_opens_within_timeout),
		CU_TEST(test_alarm_output_while_floor_holds),
		CU_TEST(test_cell_overvoltage_opens_on_that_sample),
		CU_TEST(test_short_circuit_opens_on_next_sample),
		CU_TEST(test_short_beyond_range_single_sensor),
		CU_TEST(test_short_beyond_range_two_sensors),
		CU_TEST(test_current_unknown_opens),
		CU_TEST(test_relay_command_ignored_when_locked),
		CU_TEST(test_malformed_frames_counted),
		CU_TEST(test_rx_overrun_reported),
		CU_TEST(test_balancing_reaches_board),
		CU_TEST(test_board_offline_reported),
		CU_TEST(test_board_errors_flagged_by_kind),
		CU_TEST(test_di_debounced),
		CU_TEST(test_leds),
		CU_TEST(test_charge_counter_over_link),
		CU_TEST(test_tx_queue_overflow_counted),
		CU_END,
	};
	cu_add("fw", tests);
}
