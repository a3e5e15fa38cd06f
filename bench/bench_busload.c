/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_busload: run the firmware core for a full 32-board x 24-cell x
 * 8-temperature pack on simulated Logic boards, count every bridge frame
 * it sends and the bits each one takes on the wire (stuff bits included),
 * add the daemon's frames, and print the bus load. Also the Logic cycle
 * time. Run under callgrind, the instruction count per tick follows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/fw.h"
#include "hal/hal_sys.h"
#include "port/host/simboard.h"
#include "port/host/simcfg.h"
#include "proto/crc.h"
#include "../tests/unit/fake_hal.h"

static uint64_t frames, bits, per_type[BP_T_COUNT];

static void count(const struct bp_frame *f)
{
	struct bp_msg m;

	frames++;
	bits += bp_frame_bits(f);
	if (bp_decode(f, &m) == BP_OK)
		per_type[m.type]++;
}

static struct fw fw;
static struct simbus bus;

static void tick(void)
{
	fake.now++;
	simbus_advance(&bus, 1000);
	fw_tick(&fw, fake.now);
	fake.ntx = 0; /* only the observer counts */
}

int main(int argc, char **argv)
{
	struct bp_config cfg;
	unsigned int seconds = argc > 1 ? (unsigned int)atoi(argv[1]) : 10;
	uint64_t d_frames = 0, d_bits = 0;
	uint32_t first_end = 0, last_end = 0, ends = 0;
	struct bp_msg hb = { .type = BP_T_HEARTBEAT }, out = { .type = BP_T_OUTPUT_CMD };
	struct bp_msg bal = { .type = BP_T_BAL_CMD };
	struct bp_frame f;

	fake_reset();
	simbus_init(&bus, 32, 24, 8, 0);
	simbus_hal = &bus;
	for (int b = 0; b < 32; b++)
		for (int c = 0; c < 24; c++)
			bus.board[b].cell_mV[c] = (uint16_t)(3200 + ((b * 24 + c) * 37) % 300);
	fw_init(&fw, HAL_BOARD_SIM);
	simcfg_default(&cfg, 32, 24, 8);
	if (fw_preset(&fw, &cfg) != BP_OK)
		return 1;
	/* one second to bring every board online, then measure */
	for (int i = 0; i < 1000; i++)
		tick();
	fake.on_send = count;
	for (unsigned int i = 0; i < seconds * 1000u; i++) {
		uint64_t before = per_type[BP_T_CYCLE_END];

		tick();
		if (per_type[BP_T_CYCLE_END] != before) {
			if (!ends)
				first_end = fake.now;
			last_end = fake.now;
			ends++;
		}
	}
	/* the daemon's side: heartbeat and output command at 10 Hz, one
	 * balancing command per board per second */
	hb.u.hb.cfg_crc = 0xA5A5A5A5u;
	bp_encode(&hb, &f);
	d_frames += 10u * seconds;
	d_bits += (uint64_t)bp_frame_bits(&f) * 10u * seconds;
	out.u.out.relays = 0x5;
	bp_encode(&out, &f);
	d_frames += 10u * seconds;
	d_bits += (uint64_t)bp_frame_bits(&f) * 10u * seconds;
	for (uint8_t b = 0; b < 32; b++) {
		bal.u.bal.board = b;
		bal.u.bal.mask = 0x00F0F0u;
		bp_encode(&bal, &f);
		d_frames += seconds;
		d_bits += (uint64_t)bp_frame_bits(&f) * seconds;
	}

	double fps = (double)frames / seconds, bps = (double)bits / seconds;
	double dfps = (double)d_frames / seconds, dbps = (double)d_bits / seconds;
	double cycle_ms = ends > 1 ? (double)(last_end - first_end) / (ends - 1) : 0;

	printf("busload: pack 32 boards x 24 cells x 8 temperatures, Logic cycle %.1f ms, "
	       "measured over %u s\n", cycle_ms, seconds);
	printf("busload: MCU->daemon %.0f frames/s, %.0f bit/s (%.1f bits/frame with stuffing)\n",
	       fps, bps, frames ? (double)bits / (double)frames : 0);
	printf("busload: daemon->MCU %.0f frames/s, %.0f bit/s\n", dfps, dbps);
	printf("busload: total %.1f %% of 1 Mbit/s, %.1f %% of 500 kbit/s\n",
	       (bps + dbps) / 1e6 * 100, (bps + dbps) / 5e5 * 100);
	printf("busload: per second: cells %.0f, temps %.0f, board status %.0f, cycle end %.0f, "
	       "current %.0f, status %.0f, tx dropped %" PRIu32 "\n",
	       per_type[BP_T_CELLS] / (double)seconds, per_type[BP_T_TEMPS] / (double)seconds,
	       per_type[BP_T_BSTATUS] / (double)seconds, per_type[BP_T_CYCLE_END] / (double)seconds,
	       per_type[BP_T_CURRENT] / (double)seconds, per_type[BP_T_STATUS] / (double)seconds,
	       fw.st.tx_dropped);
	return fw.st.tx_dropped ? 1 : 0;
}
