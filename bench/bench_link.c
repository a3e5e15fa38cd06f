/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_link: what bmsd's link and pack model cost per received frame at
 * a saturated bridge stream.
 *
 * First it runs the firmware core for a full pack (32 boards x 24 cells x
 * 8 temperatures) on simulated Logic boards, driven by a link of its own
 * (configuration pushed and verified, heartbeat, relays closed, balancing
 * masks set), and records every frame the firmware sends for N seconds
 * with its time. Then bench_link_replay() feeds that recording into a
 * fresh link, with a link_tick() every 10 ms of its time, as bmsd would.
 * bench/run.sh runs this under callgrind, collecting only inside
 * bench_link_replay(), and divides by the frames.
 *
 *   bench_link [SECONDS]     (default 10)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/fw.h"
#include "hal/hal_sys.h"
#include "link.h"
#include "port/host/simboard.h"
#include "port/host/simcfg.h"
#include "../tests/unit/fake_hal.h"

#define BOARDS 32u
#define MAX_SECONDS 60u
#define REC_MAX (MAX_SECONDS * 3200u)

static struct fw fw;
static struct simbus bus;
static struct bp_config cfg;

static struct bp_frame rec[REC_MAX];
static uint64_t rec_at[REC_MAX];
static unsigned int nrec;
static bool recording;
static uint64_t now;

/* the driving link (not measured) */
static struct link drv;
static struct pmodel drv_pm;

/* the measured link */
static struct link lk;
static struct pmodel pm;
static uint64_t tx_frames;

unsigned long bench_link_replay(void) __attribute__((noinline));

static int to_fw(void *arg, const struct bp_frame *f)
{
	(void)arg;
	fake_inject(f);
	return 0;
}

static void from_fw(const struct bp_frame *f)
{
	if (recording && nrec < REC_MAX) {
		rec[nrec] = *f;
		rec_at[nrec++] = now;
	}
	link_rx(&drv, f, now);
}

static int count_tx(void *arg, const struct bp_frame *f)
{
	(void)arg;
	(void)f;
	tx_frames++;
	return 0;
}

static void step(void)
{
	now++;
	fake.now = (uint32_t)now;
	simbus_advance(&bus, 1000);
	fw_tick(&fw, (uint32_t)now);
	if (now % LINK_TICK_MS == 0)
		link_tick(&drv, now);
	fake.ntx = 0;
}

unsigned long bench_link_replay(void)
{
	unsigned long commits = 0;
	uint64_t next_tick = rec_at[0] - rec_at[0] % LINK_TICK_MS + LINK_TICK_MS;

	for (unsigned int i = 0; i < nrec; i++) {
		while (next_tick <= rec_at[i]) {
			link_tick(&lk, next_tick);
			next_tick += LINK_TICK_MS;
		}
		commits += link_rx(&lk, &rec[i], rec_at[i]) == 1;
	}
	return commits;
}

int main(int argc, char **argv)
{
	struct link_params p = { .cfg = &cfg };
	unsigned int seconds = argc > 1 ? (unsigned int)atoi(argv[1]) : 10;
	const struct link_stats *st;
	const struct pmodel_summary *s;
	unsigned long commits;
	uint64_t errors;

	if (seconds < 1 || seconds > MAX_SECONDS) {
		fprintf(stderr, "usage: bench_link [SECONDS 1..%u]\n", MAX_SECONDS);
		return 2;
	}
	fake_reset();
	now = 1000;
	fake.now = 1000;
	simbus_init(&bus, BOARDS, 24, 8, 0);
	simbus_hal = &bus;
	for (unsigned int b = 0; b < BOARDS; b++)
		for (unsigned int c = 0; c < 24; c++)
			bus.board[b].cell_mV[c] = (uint16_t)(3200 + ((b * 24 + c) * 37) % 300);
	fw_init(&fw, HAL_BOARD_SIM);
	simcfg_default(&cfg, BOARDS, 24, 8);
	if (fw_preset(&fw, &cfg) != BP_OK)
		return 1;
	fake.on_send = from_fw;
	if (link_init(&drv, &p, &drv_pm, to_fw, NULL) < 0)
		return 1;

	/* every board online, the floor armed, relays closed, some boards
	 * balancing: the stream as it is in service */
	for (unsigned int i = 0; i < 1000; i++)
		step();
	if (link_state(&drv) != LINK_UP || link_set_outputs(&drv, 0x5, 0x1) < 0) {
		fprintf(stderr, "bench_link: the driving link did not come up\n");
		return 1;
	}
	for (uint8_t b = 0; b < BOARDS; b += 4)
		link_set_balance(&drv, b, 0x000101u << (b % 8));
	for (unsigned int i = 0; i < 500; i++)
		step();

	recording = true;
	for (unsigned int i = 0; i < seconds * 1000u; i++)
		step();
	recording = false;

	if (link_init(&lk, &p, &pm, count_tx, NULL) < 0)
		return 1;
	commits = bench_link_replay();

	st = link_stats(&lk);
	s = pmodel_summary(&pm);
	errors = st->rx_unknown + st->rx_bad_dlc + st->rx_range + st->rx_echo;
	printf("bench_link: %u s of a 32 x 24 x 8 pack's bridge stream from the firmware: "
	       "%u frames (%.0f/s), %lu snapshots, %" PRIu64 " lost, %" PRIu64 " bad, "
	       "%" PRIu64 " sent, link %s\n",
	       seconds, nrec, (double)nrec / seconds, commits, link_lost_total(&lk), errors,
	       tx_frames, link_state_name(link_state(&lk)));
	if (s)
		printf("bench_link: last snapshot %u cells, %" PRIu32 " mV, min %u max %u mV\n",
		       s->cells_valid, s->pack_mV, s->cell_min_mV, s->cell_max_mV);
	/* a figure from a stream that did not work would mean nothing */
	if (!s || errors || link_state(&lk) != LINK_UP || fw.st.tx_dropped ||
	    commits < seconds * 9u) {
		fprintf(stderr, "bench_link: the replayed stream did not behave\n");
		return 1;
	}
	printf("frames %u\n", nrec);
	return 0;
}
