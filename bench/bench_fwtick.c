/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_fwtick: the firmware core on a full pack, 32 Logic boards x 24
 * cells x 8 temperatures, armed and running as in service: configuration
 * pushed and verified, heartbeat and relay command at 10 Hz, a balancing
 * command per board per second, every board online and polled each cycle,
 * every hard limit checked on every sample. One second of warm-up brings
 * the boards online; then every tick goes through bench_measured_tick(),
 * so that callgrind --toggle-collect=bench_measured_tick counts those
 * ticks only (bench/fw_tick.sh).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/fw.h"
#include "hal/hal_sys.h"
#include "port/host/simboard.h"
#include "proto/crc.h"
#include "../tests/unit/fake_hal.h"

#define BOARDS 32
#define CELLS 24
#define TEMPS 8

void bench_measured_tick(void);

static struct fw fw;
static struct simbus bus;
static uint32_t cfg_crc;

static void daemon(void)
{
	struct bp_msg m = { .type = BP_T_HEARTBEAT };

	if (fake.now % 100u == 0) {
		m.u.hb.cfg_crc = cfg_crc;
		m.u.hb.daemon_state = 1;
		fake_inject_msg(&m);
		m = (struct bp_msg){ .type = BP_T_OUTPUT_CMD };
		m.u.out.relays = 0x5;
		fake_inject_msg(&m);
	}
	/* one balancing command per board per second, spread out */
	if (fake.now % 1000u % 30u == 0 && fake.now % 1000u / 30u < BOARDS) {
		m = (struct bp_msg){ .type = BP_T_BAL_CMD };
		m.u.bal.board = (uint8_t)(fake.now % 1000u / 30u);
		m.u.bal.mask = (fake.now / 1000u) & 1u ? 0x00F0F0u : 0x0F0F0Fu;
		fake_inject_msg(&m);
	}
}

static void tick(void)
{
	fake.now++;
	daemon();
	simbus_advance(&bus, 1000);
	fw_tick(&fw, fake.now);
	fake.ntx = 0;
}

__attribute__((noinline)) void bench_measured_tick(void)
{
	tick();
}

static void config(void)
{
	struct bp_config c = { 0 };
	struct bp_frame fr[BP_CFG_MAX_SEGMENTS + 1];
	int n;

	c.board_count = BOARDS;
	c.cells_per_board = CELLS;
	c.temps_per_board = TEMPS;
	c.current_sensors = 2;
	c.heartbeat_timeout_ms = BP_HEARTBEAT_DEFAULT_MS;
	c.logic_offline_ms = 1000;
	c.cell_crit_high_mV = 3800;
	c.cell_crit_low_mV = 2000;
	c.temp_crit_high_dC = 650;
	c.temp_crit_low_dC = -300;
	c.short_circuit_mA = 1000000;
	c.plausibility_mA = 5000;
	c.di_debounce_ms = 20;
	c.ntc_enable = 0x3;
	c.cs[0].gain_uA_per_mV = 100000;
	c.cs[0].range_mA = 240000;
	c.cs[1].gain_uA_per_mV = 500000;
	c.cs[1].range_mA = 1200000;
	for (unsigned int i = 0; i < BP_NUM_NTC; i++) {
		c.ntc[i].model = BP_NTC_BETA;
		c.ntc[i].beta_K = 3950;
		c.ntc[i].r25_ohm = 10000;
	}
	c.cell_ntc.model = BP_NTC_NONE;
	c.hum_gain_dpct_per_V = 333;
	c.hum_offset_mV = 800;
	n = bp_config_push(&c, fr, BP_CFG_MAX_SEGMENTS + 1, &cfg_crc);
	if (n <= 0) {
		fprintf(stderr, "bench_fwtick: bad configuration\n");
		exit(1);
	}
	for (int i = 0; i < n; i++)
		fake_inject(&fr[i]);
}

int main(int argc, char **argv)
{
	unsigned int seconds = argc > 1 ? (unsigned int)atoi(argv[1]) : 10;
	uint32_t online;
	bool in_service;

	fake_reset();
	fake.scan.cs_out[0] = 2048 + 100; /* a few amperes of charge */
	simbus_init(&bus, BOARDS, CELLS, TEMPS, 0);
	simbus_hal = &bus;
	fw_init(&fw, HAL_BOARD_SIM);
	config();
	for (unsigned int i = 0; i < 1000; i++)
		tick();
	for (unsigned int i = 0; i < seconds * 1000u; i++)
		bench_measured_tick();
	online = lbus_online_mask(&fw.lb);
	printf("fw_tick: %u ticks measured, pack %d x %d x %d, safety %s, relays 0x%x, "
	       "boards online %d, frames sent %u, dropped %u\n",
	       seconds * 1000u, BOARDS, CELLS, TEMPS, safety_state_name(fw.safety.state),
	       fw.relays, __builtin_popcount(online), (unsigned int)fw.st.tx_frames,
	       (unsigned int)fw.st.tx_dropped);
	/* the figure is only meaningful for a pack in service */
	in_service = fw.safety.state == BP_SAFETY_ARMED && online == 0xFFFFFFFFu &&
		     !fw.st.tx_dropped;
	return in_service ? 0 : 1;
}
