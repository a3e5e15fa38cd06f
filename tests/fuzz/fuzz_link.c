/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_link: libFuzzer target for bmsd's MCU link and pack model, fed
 * arbitrary frame sequences with time passing between them.
 *
 * The input is a sequence of 12-byte records: byte 0 the milliseconds that
 * pass before the frame (ticks run every 10 ms meanwhile), bytes 1..2 the
 * identifier (little-endian, 11 bits), byte 3 the DLC, bytes 4..11 the data.
 * Two DLC values are commands instead of frames, so that the fuzzer reaches
 * the verified state without guessing a CRC-32: 0xEE is a STATUS that
 * echoes the pushed configuration (counter and safety state from the data),
 * 0xEF a VERSION of our protocol; 0xED asks for outputs (data[0] relays,
 * data[1] outputs) and 0xEC a trip reset.
 *
 * Invariants checked on every step: no heartbeat and no closing output
 * command leaves unless the configuration is verified; the stored command
 * is all-open unless UP; UP means verified; the summary of the committed
 * snapshot is self-consistent.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "link.h"
#include "pmodel.h"
#include "proto/bp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC 12u

static struct link lk;
static struct pmodel pm;

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static int on_send(void *arg, const struct bp_frame *f)
{
	struct bp_msg m;

	(void)arg;
	check(bp_decode(f, &m) == BP_OK);
	if (m.type == BP_T_HEARTBEAT)
		check(link_verified(&lk) && m.u.hb.cfg_crc == link_cfg_crc(&lk));
	if (m.type == BP_T_OUTPUT_CMD && m.u.out.relays)
		check(link_verified(&lk));
	return 0;
}

static void check_summary(void)
{
	const struct pmodel_summary *s = pmodel_summary(&pm);

	if (!s)
		return;
	check(s->cells_valid <= s->cells);
	check(s->temps_valid <= s->temps);
	if (s->cells_valid) {
		check(s->cell_min_mV <= s->cell_mean_mV && s->cell_mean_mV <= s->cell_max_mV);
		check(s->cell_spread_mV == s->cell_max_mV - s->cell_min_mV);
		check(s->cell_min_at.board < BP_MAX_BOARDS && s->cell_max_at.board < BP_MAX_BOARDS);
	}
	if (s->temps_valid)
		check(s->temp_min_dC <= s->temp_max_dC);
	check(s->boards_online <= s->boards_present || s->boards_present == 0 ||
	      s->boards_online <= BP_MAX_BOARDS);
}

static void check_state(void)
{
	uint8_t r, d;

	link_get_outputs(&lk, &r, &d);
	if (link_state(&lk) != LINK_UP)
		check(r == 0 && d == 0);
	check((link_state(&lk) == LINK_UP) == link_verified(&lk));
	check_summary();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bp_config c = {
		.board_count = 2, .cells_per_board = 8, .temps_per_board = 2,
		.current_sensors = 1, .heartbeat_timeout_ms = 500, .logic_offline_ms = 1000,
		.cell_crit_high_mV = 3800, .cell_crit_low_mV = 2000,
		.temp_crit_high_dC = 650, .temp_crit_low_dC = -300,
		.short_circuit_mA = 100000, .plausibility_mA = 5000, .di_debounce_ms = 20,
		.cs = { { .gain_uA_per_mV = 100000, .range_mA = 240000 },
			{ .gain_uA_per_mV = 500000, .range_mA = 1200000 } },
	};
	struct link_params p = { .cfg = &c };
	uint64_t now = 1000, next_tick = 1000;

	check(link_init(&lk, &p, &pm, on_send, NULL) == 0);
	for (size_t off = 0; off + 4 <= size; off += REC) {
		const uint8_t *r = data + off;
		size_t n = size - off < REC ? size - off : REC;
		struct bp_frame f = { .id = (uint16_t)((r[1] | r[2] << 8) & 0x7FF), .len = r[3] };
		struct bp_msg m = { 0 };

		for (size_t i = 4; i < n; i++)
			f.data[i - 4] = r[i];
		now += r[0];
		while (next_tick <= now) {
			link_tick(&lk, next_tick);
			next_tick += LINK_TICK_MS;
			check_state();
		}
		switch (f.len) {
		case 0xEE:
			m.type = BP_T_STATUS;
			m.u.status.ctr = f.data[0];
			m.u.status.safety = f.data[1] % 3u;
			m.u.status.cfg_state = BP_CFG_ACTIVE;
			m.u.status.trip = m.u.status.safety == BP_SAFETY_TRIPPED ? 1 : 0;
			m.u.status.cfg_crc = link_cfg_crc(&lk);
			check(bp_encode(&m, &f) == BP_OK);
			break;
		case 0xEF:
			m.type = BP_T_VERSION;
			m.u.ver.ctr = f.data[0];
			m.u.ver.proto = BP_PROTO_VERSION;
			m.u.ver.hw = 0x7F;
			check(bp_encode(&m, &f) == BP_OK);
			break;
		case 0xED: {
			int rc = link_set_outputs(&lk, f.data[0], f.data[1]);

			check(rc == 0 || rc < 0);
			if (!link_verified(&lk))
				check(rc != 0);
			check_state();
			continue;
		}
		case 0xEC:
			(void)link_trip_reset(&lk);
			check_state();
			continue;
		default:
			break;
		}
		(void)link_rx(&lk, &f, now);
		check_state();
	}
	return 0;
}
