/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MCU link: rolling counters, decode errors by kind, the configuration
 * push and its verification, rejection and retries, refusal of outputs
 * before verification, comm-fault timing and recovery, reload, commands.
 *
 * Two MCUs: a small scripted stand-in that speaks through the real codec,
 * for exact timings and odd cases; and the real firmware core (fw.c with
 * simulated Logic boards), wired to the link in both directions, for the
 * end-to-end behaviour of the safety floor.
 */
#include <errno.h>
#include <string.h>

#include "core/fw.h"
#include "cu.h"
#include "fake_hal.h"
#include "hal/hal_sys.h"
#include "link.h"
#include "port/host/simboard.h"
#include "port/host/simcfg.h"

static struct link lk;
static struct pmodel pm;
static struct bp_config cfg, cfg2;
static uint64_t now;

/* ---- what the link sends -------------------------------------------------- */

#define SENT_MAX 8192u

static struct bp_frame sent[SENT_MAX];
static uint64_t sent_at[SENT_MAX];
static unsigned int nsent;
static unsigned int send_fail; /* the next N sends fail */
static unsigned int ev_calls, ev_count[LINK_EV_COUNT];
static unsigned int ev_all;

static void record(const struct bp_frame *f)
{
	CU_ASSERT_FATAL(nsent < SENT_MAX);
	sent[nsent] = *f;
	sent_at[nsent++] = now;
}

static int cap_send(void *arg, const struct bp_frame *f)
{
	(void)arg;
	if (send_fail) {
		send_fail--;
		return -ENOBUFS;
	}
	record(f);
	return 0;
}

static void on_event(void *arg, unsigned int ev)
{
	(void)arg;
	CU_ASSERT(ev != 0);
	CU_ASSERT_FALSE(ev & LINK_EV_SNAPSHOT);
	ev_calls++;
	ev_all |= ev;
	for (unsigned int i = 0; i < LINK_EV_COUNT; i++)
		if (ev & (1u << i))
			ev_count[i]++;
}

static unsigned int evn(unsigned int ev)
{
	for (unsigned int i = 0; i < LINK_EV_COUNT; i++)
		if (ev == 1u << i)
			return ev_count[i];
	return 0;
}

static bool sent_msg(unsigned int i, struct bp_msg *m)
{
	return bp_decode(&sent[i], m) == BP_OK;
}

static unsigned int count_sent(enum bp_type t, unsigned int from)
{
	unsigned int n = 0;
	struct bp_msg m;

	for (unsigned int i = from; i < nsent; i++)
		if (sent_msg(i, &m) && m.type == t)
			n++;
	return n;
}

/* Index of the last frame of @t since @from, or -1; fills @out. */
static int last_sent(enum bp_type t, unsigned int from, struct bp_msg *out)
{
	int idx = -1;
	struct bp_msg m;

	for (unsigned int i = from; i < nsent; i++)
		if (sent_msg(i, &m) && m.type == t) {
			idx = (int)i;
			if (out)
				*out = m;
		}
	return idx;
}

static int first_sent(enum bp_type t, unsigned int from, struct bp_msg *out)
{
	struct bp_msg m;

	for (unsigned int i = from; i < nsent; i++)
		if (sent_msg(i, &m) && m.type == t) {
			if (out)
				*out = m;
			return (int)i;
		}
	return -1;
}

/* ---- a scripted MCU ---------------------------------------------------- */

enum verdict { V_ACCEPT, V_REJECT, V_IGNORE };

static struct {
	bool alive;      /* STATUS every 100 ms */
	bool on_change;  /* STATUS at once when safety or cfg_state changes */
	bool periodic_version;
	uint8_t proto;
	enum verdict verdict;
	struct bp_status st;
	uint8_t ctr[BP_T_COUNT];
	unsigned int seen; /* link frames heard */
	unsigned int hb_ok; /* heartbeats naming the active CRC */
	uint64_t last_status;
} mcu;

static int mcu_send(struct bp_msg *m)
{
	struct bp_frame f;

	CU_ASSERT_EQUAL_FATAL(bp_encode(m, &f), BP_OK);
	return link_rx(&lk, &f, now);
}

static void mcu_status(void)
{
	struct bp_msg m = { .type = BP_T_STATUS };

	m.u.status = mcu.st;
	m.u.status.ctr = mcu.ctr[BP_T_STATUS]++;
	mcu.last_status = now;
	CU_ASSERT_EQUAL(mcu_send(&m), 0);
}

static void mcu_version(uint8_t proto)
{
	struct bp_msg m = { .type = BP_T_VERSION };

	m.u.ver = (struct bp_version){ mcu.ctr[BP_T_VERSION]++, proto, 0, 1, 0, 0x7F, 3 };
	CU_ASSERT_EQUAL(mcu_send(&m), 0);
}

static void mcu_set(uint8_t safety, uint8_t cfg_state, uint32_t crc)
{
	bool change = safety != mcu.st.safety || cfg_state != mcu.st.cfg_state ||
		      crc != mcu.st.cfg_crc;

	mcu.st.safety = safety;
	mcu.st.cfg_state = cfg_state;
	mcu.st.cfg_crc = crc;
	if (change && mcu.on_change && mcu.alive)
		mcu_status();
}

/* The stand-in hears what the link sent. */
static void mcu_hear(void)
{
	struct bp_msg m;

	for (; mcu.seen < nsent; mcu.seen++) {
		if (!sent_msg(mcu.seen, &m))
			continue;
		switch (m.type) {
		case BP_T_CFG_DATA:
			if (mcu.st.cfg_state != BP_CFG_ACTIVE)
				mcu_set(mcu.st.safety, BP_CFG_LOADING, mcu.st.cfg_crc);
			break;
		case BP_T_CFG_COMMIT:
			if (mcu.verdict == V_ACCEPT)
				mcu_set(mcu.st.safety, BP_CFG_ACTIVE, m.u.cfgc.crc);
			else if (mcu.verdict == V_REJECT)
				mcu_set(mcu.st.safety, BP_CFG_REJECTED, mcu.st.cfg_crc);
			break;
		case BP_T_HEARTBEAT:
			if (mcu.st.cfg_state == BP_CFG_ACTIVE && m.u.hb.cfg_crc == mcu.st.cfg_crc) {
				mcu.hb_ok++;
				if (mcu.st.safety == BP_SAFETY_LOCKED)
					mcu_set(BP_SAFETY_ARMED, mcu.st.cfg_state, mcu.st.cfg_crc);
			}
			break;
		default:
			break;
		}
	}
}

static void run(unsigned int ms)
{
	while (ms--) {
		now++;
		mcu_hear();
		if (mcu.alive && now % 100 == 0)
			mcu_status();
		if (mcu.alive && mcu.periodic_version && now % 1000 == 0)
			mcu_version(mcu.proto);
		if (now % LINK_TICK_MS == 0)
			link_tick(&lk, now);
	}
}

/* Run until @cond or @max ms; returns the ms it took, or max + 1. */
static unsigned int waited; /* ms that the last RUN_UNTIL / E2E_UNTIL took */

#define RUN_UNTIL(cond, max)                                                   \
	do {                                                                   \
		for (waited = 0; !(cond) && waited <= (max); waited++)         \
			run(1);                                                \
	} while (0)

static void reset_capture(void)
{
	nsent = 0;
	send_fail = 0;
	ev_calls = 0;
	ev_all = 0;
	memset(ev_count, 0, sizeof(ev_count));
}

static void setup_with(const struct bp_config *c)
{
	struct link_params p = { .cfg = c };

	reset_capture();
	memset(&mcu, 0, sizeof(mcu));
	mcu.alive = true;
	mcu.on_change = true;
	mcu.proto = BP_PROTO_VERSION;
	mcu.verdict = V_ACCEPT;
	mcu.st.safety = BP_SAFETY_LOCKED;
	mcu.st.cfg_state = BP_CFG_NONE;
	now = 1000;
	CU_ASSERT_EQUAL_FATAL(link_init(&lk, &p, &pm, cap_send, NULL), 0);
	link_set_event_cb(&lk, on_event, NULL);
}

/* The configuration of the tests, and another one */
static void configs(void)
{
	simcfg_default(&cfg, 2, 8, 2);
	cfg2 = cfg;
	cfg2.cell_crit_high_mV = 3700;
}

static void setup(void)
{
	configs();
	setup_with(&cfg);
}

/* STATUS and VERSION heard, configuration verified. */
static void bring_up(void)
{
	unsigned int t;

	mcu_status();
	mcu_version(mcu.proto);
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	t = waited;
	CU_ASSERT_FATAL(t <= 200);
}

/* ---- parameters, names ------------------------------------------------- */

static void test_init_params(void)
{
	struct link_params p = { 0 };
	struct bp_config bad;

	setup();
	CU_ASSERT_EQUAL(lk.hb_period_ms, LINK_HEARTBEAT_PERIOD_MS_DEFAULT);
	CU_ASSERT_EQUAL(lk.stale_ms, LINK_STALE_MS_DEFAULT);
	CU_ASSERT_EQUAL(lk.cfg_timeout_ms, LINK_CONFIG_TIMEOUT_MS_DEFAULT);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_DOWN);
	CU_ASSERT_FALSE(link_comm_fault(&lk));
	CU_ASSERT_FALSE(link_verified(&lk));
	CU_ASSERT_NOT_EQUAL(link_cfg_crc(&lk), 0);
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), -1);
	CU_ASSERT_EQUAL(link_mcu_cfg_state(&lk), -1);
	CU_ASSERT_EQUAL(link_mcu_trip(&lk), -1);
	CU_ASSERT_FALSE(link_mcu_status(&lk, NULL));
	CU_ASSERT_EQUAL(link_changes(&lk), 0);
	CU_ASSERT_EQUAL(link_stream_age_ms(&lk, BP_T_STATUS, now), UINT64_MAX);
	CU_ASSERT_EQUAL(link_stream_age_ms(&lk, BP_T_COUNT, now), UINT64_MAX);

	CU_ASSERT_EQUAL(link_init(&lk, NULL, &pm, cap_send, NULL), -EINVAL);
	CU_ASSERT_EQUAL(link_init(&lk, &p, NULL, cap_send, NULL), -EINVAL);
	CU_ASSERT_EQUAL(link_init(&lk, &p, &pm, NULL, NULL), -EINVAL);
	/* a configuration the MCU would refuse */
	bad = cfg;
	bad.cells_per_board = 0;
	p.cfg = &bad;
	CU_ASSERT_EQUAL(link_init(&lk, &p, &pm, cap_send, NULL), -EINVAL);
	/* a heartbeat period that the MCU's timeout does not exceed */
	bad = cfg;
	bad.heartbeat_timeout_ms = 100;
	CU_ASSERT_EQUAL(link_init(&lk, &p, &pm, cap_send, NULL), -EINVAL);
	bad.heartbeat_timeout_ms = 101;
	CU_ASSERT_EQUAL(link_init(&lk, &p, &pm, cap_send, NULL), 0);
	p.heartbeat_period_ms = 50;
	p.stale_ms = 250;
	p.config_timeout_ms = 700;
	p.cfg = NULL;
	CU_ASSERT_EQUAL(link_init(&lk, &p, &pm, cap_send, NULL), 0);
	CU_ASSERT_EQUAL(lk.hb_period_ms, 50);
	CU_ASSERT_EQUAL(lk.stale_ms, 250);
	CU_ASSERT_EQUAL(lk.cfg_timeout_ms, 700);
	CU_ASSERT_EQUAL(link_cfg_crc(&lk), 0);
	CU_ASSERT_EQUAL(nsent, 0);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(link_state_name(LINK_DOWN), "down");
	CU_ASSERT_STRING_EQUAL(link_state_name(LINK_NOCONFIG), "noconfig");
	CU_ASSERT_STRING_EQUAL(link_state_name(LINK_CONFIGURING), "configuring");
	CU_ASSERT_STRING_EQUAL(link_state_name(LINK_UP), "up");
	CU_ASSERT_STRING_EQUAL(link_state_name((enum link_state)7), "?");
	for (unsigned int i = 0; i < LINK_EV_COUNT; i++)
		CU_ASSERT_STRING_NOT_EQUAL(link_event_name(1u << i), "?");
	CU_ASSERT_STRING_EQUAL(link_event_name(LINK_EV_COMM_FAULT), "comm-fault");
	CU_ASSERT_STRING_EQUAL(link_event_name(0), "?");
	CU_ASSERT_STRING_EQUAL(link_event_name(LINK_EV_UP | LINK_EV_DOWN), "?");
	CU_ASSERT_STRING_EQUAL(link_event_name(1u << LINK_EV_COUNT), "?");
}

/* ---- receive accounting ------------------------------------------------ */

static void send_ctr(enum bp_type t, uint8_t ctr)
{
	struct bp_msg m;

	memset(&m, 0, sizeof(m));
	m.type = t;
	switch (t) {
	case BP_T_CURRENT:
		m.u.cur.ctr = ctr;
		break;
	case BP_T_CHARGE_IN:
	case BP_T_CHARGE_OUT:
		m.u.chg.ctr = ctr;
		break;
	case BP_T_IO:
		m.u.io.ctr = ctr;
		break;
	default:
		CU_FAIL("type");
	}
	CU_ASSERT_EQUAL(mcu_send(&m), 0);
}

static void test_counters_loss_wrap_repeat(void)
{
	const struct link_stats *st;

	configs();
	setup_with(NULL);
	now = 5000;
	for (unsigned int c = 250; c < 258; c++) /* 250..255, 0, 1: a clean wrap */
		send_ctr(BP_T_CURRENT, (uint8_t)c);
	st = link_stats(&lk);
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].received, 8);
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].lost, 0);
	send_ctr(BP_T_CURRENT, 5); /* 2, 3, 4 missing */
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].lost, 3);
	send_ctr(BP_T_CURRENT, 5); /* a repeat: a sender never repeats */
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].lost, 3 + 255);
	now += 7;
	send_ctr(BP_T_CURRENT, 6);
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].lost, 258);
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].received, 11);
	CU_ASSERT_EQUAL(st->stream[BP_T_CURRENT].last_ms, 5007);
	CU_ASSERT_EQUAL(link_stream_age_ms(&lk, BP_T_CURRENT, 5100), 93);
	/* CHARGE_IN and CHARGE_OUT count separately; the first frame loses
	 * nothing, wherever its counter starts */
	send_ctr(BP_T_CHARGE_IN, 0);
	send_ctr(BP_T_CHARGE_IN, 1);
	send_ctr(BP_T_CHARGE_OUT, 200);
	send_ctr(BP_T_CHARGE_OUT, 201);
	send_ctr(BP_T_CHARGE_OUT, 203);
	CU_ASSERT_EQUAL(st->stream[BP_T_CHARGE_IN].lost, 0);
	CU_ASSERT_EQUAL(st->stream[BP_T_CHARGE_OUT].lost, 1);
	CU_ASSERT_EQUAL(link_lost_total(&lk), 259);
	/* a counter stream never touched another one */
	CU_ASSERT_EQUAL(st->stream[BP_T_IO].received, 0);
	CU_ASSERT_EQUAL(st->rx_frames, 16);
	/* and the values reached the pack model */
	CU_ASSERT_PTR_NOT_NULL(pmodel_current(&pm));
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_CURRENT)->count, 11);
}

static void test_decode_errors_by_kind(void)
{
	static const uint16_t unknown[] = { 0x000, 0x053, 0x057, 0x05A, 0x0FF, 0x108,
					    0x10E, 0x321, 0x3FF, 0x7FF };
	const struct link_stats *st;
	struct bp_msg m;
	struct bp_frame f;
	unsigned int n = 0;

	setup();
	st = link_stats(&lk);
	memset(&f, 0, sizeof(f));
	f.len = 8;
	for (unsigned int i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++, n++) {
		f.id = unknown[i];
		CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_EUNKNOWN);
	}
	CU_ASSERT_EQUAL(st->rx_unknown, 10);

	/* DLC other than 8, on frames that are otherwise fine */
	m = (struct bp_msg){ .type = BP_T_STATUS };
	CU_ASSERT_EQUAL_FATAL(bp_encode(&m, &f), BP_OK);
	for (uint8_t len = 0; len < 8; len++, n++) {
		f.len = len;
		CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ESHORT);
	}
	f.len = 15; /* a CAN FD length */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ESHORT);
	n++;
	CU_ASSERT_EQUAL(st->rx_bad_dlc, 9);

	/* out of range or reserved bits set */
	f.len = 8;
	f.data[1] = 0x03; /* safety 3 */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ERANGE);
	f.data[1] = 0x40; /* cfg_state 4 */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ERANGE);
	m = (struct bp_msg){ .type = BP_T_CURRENT };
	bp_encode(&m, &f);
	f.data[1] = 0x80; /* reserved flag */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ERANGE);
	m = (struct bp_msg){ .type = BP_T_LOGIC };
	bp_encode(&m, &f);
	f.data[5] = 33; /* boards */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ERANGE);
	m = (struct bp_msg){ .type = BP_T_BSTATUS };
	bp_encode(&m, &f);
	f.data[6] = 25; /* ncells */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ERANGE);
	m = (struct bp_msg){ .type = BP_T_EXT };
	m.u.ext.rh_dpct = 1000;
	bp_encode(&m, &f);
	f.data[6] = 0xE9; /* 1001 */
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), BP_ERANGE);
	n += 6;
	CU_ASSERT_EQUAL(st->rx_range, 6);

	/* the daemon's own frames, looped back: counted and ignored */
	m = (struct bp_msg){ .type = BP_T_HEARTBEAT };
	bp_encode(&m, &f);
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), 0);
	m = (struct bp_msg){ .type = BP_T_OUTPUT_CMD };
	m.u.out.relays = 0xF;
	bp_encode(&m, &f);
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), 0);
	m = (struct bp_msg){ .type = BP_T_BAL_CMD };
	bp_encode(&m, &f);
	CU_ASSERT_EQUAL(link_rx(&lk, &f, now), 0);
	CU_ASSERT(bp_config_push(&cfg, sent, SENT_MAX, &(uint32_t){ 0 }) > 2);
	CU_ASSERT_EQUAL(link_rx(&lk, &sent[0], now), 0);  /* CFG_DATA */
	CU_ASSERT_EQUAL(link_rx(&lk, &sent[16], now), 0); /* CFG_COMMIT */
	n += 5;
	CU_ASSERT_EQUAL(st->rx_echo, 5);

	CU_ASSERT_EQUAL(st->rx_frames, n);
	/* none of it reached the pack model or the link's view of the MCU */
	for (int i = 0; i < PM_ITEMS; i++)
		CU_ASSERT_EQUAL(pmodel_meta(&pm, i)->validity, PM_UNKNOWN);
	for (int t = 0; t < BP_T_COUNT; t++)
		CU_ASSERT_EQUAL(st->stream[t].received, 0);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_DOWN);
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), -1);
	nsent = 0;
}

static void test_snapshot_through_link(void)
{
	struct bp_msg m;
	unsigned int frames = 0, commits = 0, changes;

	setup();
	(void)link_changes(&lk);
	for (uint8_t g = 0; g < 2; g++, frames++) {
		m = (struct bp_msg){ .type = BP_T_CELLS };
		m.u.cells = (struct bp_cells){ 9, 1, g, { 3301, 3302, 3303, BP_CELL_MV_NA } };
		CU_ASSERT_EQUAL(mcu_send(&m), 0);
	}
	m = (struct bp_msg){ .type = BP_T_BSTATUS };
	m.u.bst = (struct bp_bstatus){ 9, 1, BP_BOARD_ONLINE | BP_BOARD_FRESH, 0, 0, 8, 0 };
	CU_ASSERT_EQUAL(mcu_send(&m), 0);
	frames++;
	CU_ASSERT_PTR_NULL(pmodel_snapshot(&pm));
	m = (struct bp_msg){ .type = BP_T_CYCLE_END };
	m.u.end = (struct bp_cycle_end){ 9, (uint16_t)frames, 123 };
	commits += mcu_send(&m) == 1;
	CU_ASSERT_EQUAL(commits, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pmodel_summary(&pm));
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->cells_valid, 6);
	CU_ASSERT_EQUAL(pmodel_summary(&pm)->pack_mV, 2 * (3301 + 3302 + 3303));
	CU_ASSERT_EQUAL(link_stats(&lk)->stream[BP_T_CELLS].received, 2);
	CU_ASSERT_EQUAL(link_stats(&lk)->stream[BP_T_CYCLE_END].received, 1);
	changes = link_changes(&lk);
	CU_ASSERT(changes & LINK_EV_SNAPSHOT);
	CU_ASSERT_EQUAL(link_changes(&lk), 0); /* taken */
	CU_ASSERT_EQUAL(ev_calls, 0);          /* snapshots never reach the callback */
}

/* ---- configuration ----------------------------------------------------- */

static void test_no_config_no_heartbeat(void)
{
	configs();
	setup_with(NULL);
	mcu.periodic_version = true;
	mcu_status();
	mcu_version(1);
	run(3000);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_NOCONFIG);
	CU_ASSERT_EQUAL(nsent, 0); /* no push, no heartbeat, no command */
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x1, 0), -EPERM);
	CU_ASSERT_EQUAL(link_trip_reset(&lk), -EPERM);
	CU_ASSERT_EQUAL(link_zero_cal(&lk, 0), -EPERM);
	CU_ASSERT_EQUAL(link_set_balance(&lk, 0, 1), -EPERM);
	CU_ASSERT_EQUAL(nsent, 0);
	CU_ASSERT_EQUAL(mcu.st.safety, BP_SAFETY_LOCKED);
	CU_ASSERT_FALSE(link_comm_fault(&lk));
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), BP_SAFETY_LOCKED);
	CU_ASSERT_EQUAL(link_mcu_cfg_state(&lk), BP_CFG_NONE);
	CU_ASSERT(evn(LINK_EV_UP) == 1 && evn(LINK_EV_STATE) == 1);
}

static void test_push_waits_for_version(void)
{
	unsigned int t;

	setup();
	mcu_status();
	run(700);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	CU_ASSERT_EQUAL(nsent, 0);
	/* an MCU that speaks another protocol gets nothing */
	mcu_version(2);
	run(700);
	CU_ASSERT_EQUAL(nsent, 0);
	CU_ASSERT_EQUAL(evn(LINK_EV_PROTO), 1);
	mcu_version(2);
	CU_ASSERT_EQUAL(evn(LINK_EV_PROTO), 1); /* reported once */
	CU_ASSERT_EQUAL(link_stats(&lk)->proto_mismatch, 2);
	/* ours: the push starts at the next tick */
	mcu_version(1);
	RUN_UNTIL(nsent > 0, 100u);
	t = waited;
	CU_ASSERT(t <= LINK_TICK_MS);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 1);
}

static void test_push_verify_and_commands(void)
{
	struct bp_frame want[BP_CFG_MAX_SEGMENTS + 1];
	uint32_t crc = 0;
	int n = bp_config_push(&cfg, want, BP_CFG_MAX_SEGMENTS + 1, &crc);
	unsigned int from, hbs;
	uint64_t t_verified;
	struct bp_msg m;
	int i;

	setup();
	CU_ASSERT_FATAL(n > 2);
	CU_ASSERT_EQUAL(link_cfg_crc(&lk), crc);
	/* before verification: refused, nothing sent, all-open stored */
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x1), -EPERM);
	mcu.verdict = V_IGNORE;
	mcu_status();
	mcu_version(1);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x1), -EPERM);
	run(100);
	/* the push went out whole, in order, paced over ticks */
	CU_ASSERT_EQUAL_FATAL(nsent, (unsigned int)n);
	for (i = 0; i < n; i++)
		CU_ASSERT(memcmp(&sent[i], &want[i], sizeof(want[i])) == 0);
	CU_ASSERT(sent_at[n - 1] - sent_at[0] >= LINK_TICK_MS);
	CU_ASSERT_EQUAL(count_sent(BP_T_HEARTBEAT, 0), 0);
	CU_ASSERT_EQUAL(count_sent(BP_T_OUTPUT_CMD, 0), 0);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x1), -EPERM);
	{
		uint8_t r = 0xFF, d = 0xFF;

		link_get_outputs(&lk, &r, &d);
		CU_ASSERT(r == 0 && d == 0);
	}
	/* a STATUS echoing our CRC but not ACTIVE verifies nothing */
	mcu_set(BP_SAFETY_LOCKED, BP_CFG_LOADING, crc);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	mcu_set(BP_SAFETY_LOCKED, BP_CFG_ACTIVE, crc ^ 1u);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	/* the echo */
	from = nsent;
	mcu_set(BP_SAFETY_LOCKED, BP_CFG_ACTIVE, crc);
	t_verified = now;
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_TRUE(link_verified(&lk));
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_VERIFIED), 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_verified, 1);
	run(LINK_TICK_MS);
	/* the heartbeat names our CRC and arms the MCU */
	i = first_sent(BP_T_HEARTBEAT, from, &m);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(m.u.hb.cfg_crc, crc);
	CU_ASSERT(sent_at[i] - t_verified <= LINK_TICK_MS);
	run(2);
	CU_ASSERT_EQUAL(mcu.st.safety, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), BP_SAFETY_ARMED);
	CU_ASSERT(evn(LINK_EV_SAFETY) >= 2);
	/* heartbeat and output command every 100 ms, counters rolling */
	from = nsent;
	run(1000);
	hbs = count_sent(BP_T_HEARTBEAT, from);
	CU_ASSERT(hbs == 10);
	CU_ASSERT(count_sent(BP_T_OUTPUT_CMD, from) == 10);
	{
		int prev = -1, gaps = 0;

		for (unsigned int k = from; k < nsent; k++)
			if (sent_msg(k, &m) && m.type == BP_T_HEARTBEAT) {
				if (prev >= 0 && (uint8_t)(prev + 1) != m.u.hb.ctr)
					gaps++;
				prev = m.u.hb.ctr;
				CU_ASSERT_EQUAL(m.u.hb.cfg_crc, crc);
			}
		CU_ASSERT_EQUAL(gaps, 0);
	}
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, from, &m) >= 0);
	CU_ASSERT_EQUAL(m.u.out.relays, 0);
	/* a change goes out at once; the same command again does not */
	from = nsent;
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x2), 0);
	CU_ASSERT_EQUAL(nsent, from + 1);
	CU_ASSERT(sent_msg(from, &m) && m.type == BP_T_OUTPUT_CMD);
	CU_ASSERT(m.u.out.relays == 0x5 && m.u.out.dos == 0x2 && m.u.out.flags == 0);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x2), 0);
	CU_ASSERT_EQUAL(nsent, from + 1);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x10, 0), -EINVAL);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0, 0x80), -EINVAL);
	/* the periodic one follows 100 ms after the change, counted from the
	 * link's last tick (the change carries no time of its own) */
	run(LINK_OUTPUT_PERIOD_MS - LINK_TICK_MS);
	CU_ASSERT_EQUAL(count_sent(BP_T_OUTPUT_CMD, from), 1);
	run(2 * LINK_TICK_MS);
	CU_ASSERT_EQUAL(count_sent(BP_T_OUTPUT_CMD, from), 2);
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, from, &m) >= 0 && m.u.out.relays == 0x5);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->tx_errors, 0);
}

static void test_repush_on_crc_mismatch(void)
{
	unsigned int from;
	struct bp_msg m;
	uint8_t r;

	setup();
	bring_up();
	run(200);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x3, 0), 0);
	/* the MCU reset: no configuration any more */
	from = nsent;
	mcu.st.safety = BP_SAFETY_LOCKED;
	mcu_set(BP_SAFETY_LOCKED, BP_CFG_NONE, 0);
	mcu_status();
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_LOST), 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_lost, 1);
	/* all-open at once, and refused until verified again */
	CU_ASSERT(first_sent(BP_T_OUTPUT_CMD, from, &m) == (int)from);
	CU_ASSERT_EQUAL(m.u.out.relays, 0);
	link_get_outputs(&lk, &r, NULL);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x3, 0), -EPERM);
	run(LINK_TICK_MS);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 2);
	run(50);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_VERIFIED), 2);

	/* an MCU that reports another configuration ACTIVE */
	from = nsent;
	mcu_set(mcu.st.safety, BP_CFG_ACTIVE, 0x12345678);
	mcu_status();
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	run(LINK_TICK_MS);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 3);
	run(50);
	CU_ASSERT_EQUAL(count_sent(BP_T_CFG_DATA, from), lk.npush - 1u);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_lost, 2);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 0);
}

static void test_rejected_then_retried(void)
{
	unsigned int t;
	int i;
	uint64_t commit1;

	setup();
	mcu.verdict = V_REJECT;
	mcu_status();
	mcu_version(1);
	RUN_UNTIL(evn(LINK_EV_CFG_REJECTED) > 0, 200u);
	t = waited;
	CU_ASSERT_FATAL(t <= 200);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 1);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	i = last_sent(BP_T_CFG_COMMIT, 0, NULL);
	CU_ASSERT_FATAL(i >= 0);
	commit1 = sent_at[i];
	/* no new push before the timeout, then one retry */
	RUN_UNTIL(link_stats(&lk)->cfg_pushes == 2, 2000u);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_retries, 1);
	CU_ASSERT(now - commit1 >= LINK_CONFIG_TIMEOUT_MS_DEFAULT);
	CU_ASSERT(now - commit1 <= LINK_CONFIG_TIMEOUT_MS_DEFAULT + LINK_TICK_MS);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 1); /* counted once */
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_TIMEOUT), 0);
	/* the MCU now takes it */
	mcu.verdict = V_ACCEPT;
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	t = waited;
	CU_ASSERT(t <= 200);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_verified, 1);
}

static void test_rejected_without_visible_edge(void)
{
	setup();
	/* an MCU that still shows REJECTED from before, and whose LOADING
	 * never makes it into a STATUS */
	mcu.verdict = V_REJECT;
	mcu.on_change = false;
	mcu.st.cfg_state = BP_CFG_REJECTED;
	mcu_status();
	mcu_version(1);
	run(100);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 1);
	/* a REJECTED that was already there is not this push's verdict... */
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 0);
	/* ...until the timeout finds it still there */
	RUN_UNTIL(link_stats(&lk)->cfg_retries == 1, 1500u);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 1);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_REJECTED), 1);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_TIMEOUT), 0);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 2);
}

static void test_config_timeout_retry(void)
{
	int i;

	setup();
	mcu.verdict = V_IGNORE;
	mcu_status();
	mcu_version(1);
	RUN_UNTIL(link_stats(&lk)->cfg_pushes == 3, 5000u);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_retries, 2);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_TIMEOUT), 2);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 0);
	CU_ASSERT_EQUAL(count_sent(BP_T_CFG_COMMIT, 0), 2);
	i = first_sent(BP_T_CFG_COMMIT, 0, NULL);
	CU_ASSERT_FATAL(i >= 0);
	/* the retry's first frame, in the tick that found the timeout */
	CU_ASSERT(sent_at[i + 1] - sent_at[i] >= LINK_CONFIG_TIMEOUT_MS_DEFAULT);
	CU_ASSERT(sent_at[i + 1] - sent_at[i] <= LINK_CONFIG_TIMEOUT_MS_DEFAULT + LINK_TICK_MS);
	CU_ASSERT_EQUAL(count_sent(BP_T_HEARTBEAT, 0), 0);
}

static void test_send_failures_retried(void)
{
	unsigned int t;
	struct bp_msg m;
	int prev = -1, gaps = 0;

	setup();
	mcu_status();
	mcu_version(1);
	send_fail = 3; /* the first push frames hit a full queue */
	RUN_UNTIL(link_state(&lk) == LINK_UP, 300u);
	t = waited;
	CU_ASSERT(t <= 300);
	CU_ASSERT_EQUAL(link_stats(&lk)->tx_errors, 3);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 1);
	CU_ASSERT_EQUAL(count_sent(BP_T_CFG_DATA, 0), lk.npush - 1u);
	/* a failed heartbeat goes at the next tick, and its counter does
	 * not skip: the frame was never sent */
	run(LINK_TICK_MS * 3);
	send_fail = 1;
	run(200);
	for (unsigned int k = 0; k < nsent; k++)
		if (sent_msg(k, &m) && m.type == BP_T_HEARTBEAT) {
			if (prev >= 0 && (uint8_t)(prev + 1) != m.u.hb.ctr)
				gaps++;
			prev = m.u.hb.ctr;
		}
	CU_ASSERT_EQUAL(gaps, 0);
	CU_ASSERT_EQUAL(link_stats(&lk)->tx_errors, 4);
	/* a failed output change is sent again at the next tick */
	send_fail = 1;
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x1, 0), 0);
	t = nsent;
	run(LINK_TICK_MS);
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, t, &m) >= 0 && m.u.out.relays == 0x1);
}

/* ---- health ------------------------------------------------------------- */

static void test_stale_comm_fault_timing(void)
{
	uint64_t last, t_fault = 0;
	unsigned int from;
	struct bp_msg m;

	setup();
	bring_up();
	run(500);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x1), 0);
	run(5);
	/* the MCU falls silent right after a STATUS */
	RUN_UNTIL(now % 100 == 0, 100u);
	last = mcu.last_status;
	CU_ASSERT_EQUAL(last, now);
	mcu.alive = false;
	from = nsent;
	while (!link_comm_fault(&lk) && now < last + 1000) {
		run(1);
		if (link_comm_fault(&lk))
			t_fault = now;
	}
	CU_ASSERT(t_fault > last + LINK_STALE_MS_DEFAULT);
	CU_ASSERT(t_fault <= last + LINK_STALE_MS_DEFAULT + LINK_TICK_MS);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_DOWN);
	CU_ASSERT_EQUAL(evn(LINK_EV_DOWN), 1);
	CU_ASSERT_EQUAL(evn(LINK_EV_COMM_FAULT), 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->comm_faults, 1);
	/* commands go all-open, and say so once */
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, from, &m) >= 0);
	CU_ASSERT(m.u.out.relays == 0 && m.u.out.dos == 0);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x1), -EPERM);
	CU_ASSERT_FALSE(link_verified(&lk));
	/* the pack model and the MCU's state are unknown, not zero */
	CU_ASSERT_PTR_NULL(pmodel_status(&pm));
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_STATUS)->validity, PM_STALE);
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), -1);
	CU_ASSERT_FALSE(link_mcu_status(&lk, NULL));
	/* no heartbeat and no command while the MCU is silent */
	from = nsent;
	run(2000);
	CU_ASSERT_EQUAL(nsent, from);
	CU_ASSERT_EQUAL(link_stats(&lk)->comm_faults, 1);
}

static void test_startup_silence_comm_fault(void)
{
	uint64_t start;

	setup();
	mcu.alive = false;
	run(LINK_TICK_MS); /* the first tick starts the clock */
	start = now;
	RUN_UNTIL(link_comm_fault(&lk), 1000u);
	CU_ASSERT(now > start + LINK_STALE_MS_DEFAULT);
	CU_ASSERT(now <= start + LINK_STALE_MS_DEFAULT + LINK_TICK_MS);
	CU_ASSERT_EQUAL(evn(LINK_EV_DOWN), 0); /* never was up */
	CU_ASSERT_EQUAL(evn(LINK_EV_COMM_FAULT), 1);
	CU_ASSERT_EQUAL(nsent, 0);
}

static void test_recovery_after_comm_fault(void)
{
	unsigned int t;

	setup();
	bring_up();
	run(300);
	mcu_status();
	mcu.alive = false;
	RUN_UNTIL(link_comm_fault(&lk), 1000u);
	CU_ASSERT_TRUE(link_comm_fault(&lk));
	/* frames that went missing during the fault are the fault */
	mcu.ctr[BP_T_STATUS] += 37;
	mcu.alive = true;
	mcu_status();
	CU_ASSERT_FALSE(link_comm_fault(&lk));
	CU_ASSERT_EQUAL(evn(LINK_EV_COMM_OK), 1);
	CU_ASSERT_EQUAL(evn(LINK_EV_UP), 2);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	CU_ASSERT_EQUAL(link_stats(&lk)->stream[BP_T_STATUS].lost, 0);
	CU_ASSERT_PTR_NOT_NULL(pmodel_status(&pm));
	/* the MCU still has our configuration, yet outputs wait for a new
	 * verification, which waits for a VERSION heard since the link came up */
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x1, 0), -EPERM);
	run(200);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 1);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	mcu_version(1);
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	t = waited;
	CU_ASSERT(t <= 200);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 2);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x1, 0), 0);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_VERIFIED), 2);
}

/* ---- reload and commands ------------------------------------------------ */

static void test_reload(void)
{
	uint32_t crc1, crc2;
	unsigned int from;
	struct bp_config bad;
	struct bp_msg m;

	setup();
	bring_up();
	crc1 = link_cfg_crc(&lk);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0), 0);
	/* the same configuration: nothing happens */
	from = nsent;
	CU_ASSERT_EQUAL(link_set_config(&lk, &cfg), 0);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	run(300);
	CU_ASSERT_EQUAL(count_sent(BP_T_CFG_DATA, from), 0);
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, from, &m) >= 0 && m.u.out.relays == 0x5);
	/* a bad one is refused and the old one stays */
	bad = cfg;
	bad.temp_crit_low_dC = bad.temp_crit_high_dC;
	CU_ASSERT_EQUAL(link_set_config(&lk, &bad), -EINVAL);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_EQUAL(link_cfg_crc(&lk), crc1);
	/* another one: all-open at once, refused, pushed, verified */
	from = nsent;
	CU_ASSERT_EQUAL(link_set_config(&lk, &cfg2), 0);
	crc2 = link_cfg_crc(&lk);
	CU_ASSERT_NOT_EQUAL(crc2, crc1);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	CU_ASSERT(first_sent(BP_T_OUTPUT_CMD, from, &m) == (int)from && m.u.out.relays == 0);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0), -EPERM);
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_EQUAL(mcu.st.cfg_crc, crc2);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 2);
	run(LINK_TICK_MS);
	CU_ASSERT(last_sent(BP_T_HEARTBEAT, from, &m) >= 0 && m.u.hb.cfg_crc == crc2);
	/* no configuration: no heartbeat from then on */
	CU_ASSERT_EQUAL(link_set_config(&lk, NULL), 0);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_NOCONFIG);
	CU_ASSERT_EQUAL(link_cfg_crc(&lk), 0);
	from = nsent;
	run(1000);
	CU_ASSERT_EQUAL(nsent, from);
	CU_ASSERT_EQUAL(link_set_config(&lk, NULL), 0);
	/* and back */
	CU_ASSERT_EQUAL(link_set_config(&lk, &cfg), 0);
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_EQUAL(mcu.st.cfg_crc, crc1);
}

static void test_reconfigure(void)
{
	struct link_params p = { .heartbeat_period_ms = 500, .cfg = &cfg };
	unsigned int from;

	setup();
	bring_up();
	/* a period the configuration's heartbeat timeout (500) does not
	 * exceed: refused, nothing changes */
	CU_ASSERT_EQUAL(link_reconfigure(&lk, &p), -EINVAL);
	CU_ASSERT_EQUAL(link_reconfigure(&lk, NULL), -EINVAL);
	CU_ASSERT_EQUAL(lk.hb_period_ms, LINK_HEARTBEAT_PERIOD_MS_DEFAULT);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	/* new timings, same configuration: still UP, the new period at once */
	p.heartbeat_period_ms = 50;
	p.stale_ms = 200;
	p.config_timeout_ms = 400;
	CU_ASSERT_EQUAL(link_reconfigure(&lk, &p), 0);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT(lk.stale_ms == 200 && lk.cfg_timeout_ms == 400);
	run(100);
	from = nsent;
	run(1000);
	CU_ASSERT_EQUAL(count_sent(BP_T_HEARTBEAT, from), 20);
	/* the new staleness applies */
	RUN_UNTIL(now % 100 == 0, 100u);
	mcu.alive = false;
	RUN_UNTIL(link_comm_fault(&lk), 1000u);
	CU_ASSERT(waited > 200 && waited <= 200 + LINK_TICK_MS);
	/* another configuration: pushed as by link_set_config */
	mcu.alive = true;
	mcu_status();
	mcu_version(1);
	p.cfg = &cfg2;
	CU_ASSERT_EQUAL(link_reconfigure(&lk, &p), 0);
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP);
	CU_ASSERT_EQUAL(mcu.st.cfg_crc, link_cfg_crc(&lk));
	p.cfg = NULL;
	CU_ASSERT_EQUAL(link_reconfigure(&lk, &p), 0);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_NOCONFIG);
}

static void test_trip_reset_and_flags(void)
{
	unsigned int from;
	struct bp_msg m;

	setup();
	bring_up();
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x1), 0);
	/* the MCU trips */
	ev_calls = 0;
	memset(ev_count, 0, sizeof(ev_count));
	mcu.st.trip = BP_TRIP_CELL_HIGH;
	mcu_set(BP_SAFETY_TRIPPED, mcu.st.cfg_state, mcu.st.cfg_crc);
	CU_ASSERT_EQUAL(evn(LINK_EV_SAFETY), 1);
	CU_ASSERT_EQUAL(evn(LINK_EV_TRIP), 1);
	CU_ASSERT_EQUAL(ev_calls, 1); /* one call, both events */
	CU_ASSERT_EQUAL(link_mcu_trip(&lk), BP_TRIP_CELL_HIGH);
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), BP_SAFETY_TRIPPED);
	/* the same STATUS again changes nothing */
	mcu_status();
	CU_ASSERT_EQUAL(evn(LINK_EV_TRIP), 1);
	/* its relays are forgotten: a reset never closes them by itself */
	from = nsent;
	run(LINK_OUTPUT_PERIOD_MS + LINK_TICK_MS);
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, from, &m) >= 0);
	CU_ASSERT_EQUAL(m.u.out.relays, 0);
	CU_ASSERT_EQUAL(m.u.out.dos, 0x1);
	/* TRIP_RESET at once, and only once */
	from = nsent;
	CU_ASSERT_EQUAL(link_trip_reset(&lk), 0);
	CU_ASSERT_EQUAL(nsent, from + 1);
	CU_ASSERT(sent_msg(from, &m) && m.type == BP_T_OUTPUT_CMD);
	CU_ASSERT_EQUAL(m.u.out.flags, BP_CMD_TRIP_RESET);
	run(150);
	CU_ASSERT(last_sent(BP_T_OUTPUT_CMD, from + 1, &m) >= 0);
	CU_ASSERT_EQUAL(m.u.out.flags, 0);
	/* zero calibration flags */
	from = nsent;
	CU_ASSERT_EQUAL(link_zero_cal(&lk, 1), 0);
	CU_ASSERT(sent_msg(from, &m) && m.u.out.flags == BP_CMD_ZERO_CAL_S2);
	CU_ASSERT_EQUAL(link_zero_cal(&lk, 0), 0);
	CU_ASSERT(sent_msg(from + 1, &m) && m.u.out.flags == BP_CMD_ZERO_CAL_S1);
	CU_ASSERT_EQUAL(link_zero_cal(&lk, 2), -EINVAL);
	/* trip bits clearing is a change too */
	mcu.st.trip = 0;
	mcu_set(BP_SAFETY_ARMED, mcu.st.cfg_state, mcu.st.cfg_crc);
	CU_ASSERT_EQUAL(evn(LINK_EV_TRIP), 2);
	CU_ASSERT_EQUAL(link_mcu_trip(&lk), 0);
	/* the poll interface saw them all */
	CU_ASSERT(link_changes(&lk) & (LINK_EV_TRIP | LINK_EV_SAFETY));
	CU_ASSERT_EQUAL(link_changes(&lk), 0);
}

static void test_balance_commands(void)
{
	unsigned int from;
	struct bp_msg m;
	int i;

	setup();
	bring_up();
	CU_ASSERT_EQUAL(link_set_balance(&lk, 32, 1), -EINVAL);
	CU_ASSERT_EQUAL(link_set_balance(&lk, 0, 1u << 24), -EINVAL);
	from = nsent;
	CU_ASSERT_EQUAL(link_set_balance(&lk, 3, 0x81), 0);
	CU_ASSERT_EQUAL(link_set_balance(&lk, 7, 0xFFFFFF), 0);
	run(LINK_TICK_MS);
	CU_ASSERT_EQUAL(count_sent(BP_T_BAL_CMD, from), 2);
	i = first_sent(BP_T_BAL_CMD, from, &m);
	CU_ASSERT(i >= 0 && m.u.bal.board == 3 && m.u.bal.mask == 0x81);
	CU_ASSERT(last_sent(BP_T_BAL_CMD, from, &m) >= 0 && m.u.bal.board == 7);
	/* the same mask again: no frame; refreshed every second */
	CU_ASSERT_EQUAL(link_set_balance(&lk, 3, 0x81), 0);
	from = nsent;
	run(990);
	CU_ASSERT_EQUAL(count_sent(BP_T_BAL_CMD, from), 0);
	run(LINK_TICK_MS);
	CU_ASSERT_EQUAL(count_sent(BP_T_BAL_CMD, from), 2);
	/* a zero mask goes out once and is not refreshed */
	CU_ASSERT_EQUAL(link_set_balance(&lk, 3, 0), 0);
	from = nsent;
	run(2000);
	CU_ASSERT_EQUAL(count_sent(BP_T_BAL_CMD, from), 1 + 2); /* board 3 once, board 7 twice */
	{
		int prev = -1, gaps = 0;

		for (unsigned int k = 0; k < nsent; k++)
			if (sent_msg(k, &m) && m.type == BP_T_BAL_CMD) {
				if (prev >= 0 && (uint8_t)(prev + 1) != m.u.bal.ctr)
					gaps++;
				prev = m.u.bal.ctr;
			}
		CU_ASSERT_EQUAL(gaps, 0); /* one counter for all boards */
	}
	/* leaving UP forgets the masks */
	mcu.alive = false;
	RUN_UNTIL(link_comm_fault(&lk), 1000u);
	mcu.alive = true;
	mcu_status();
	mcu_version(1);
	RUN_UNTIL(link_state(&lk) == LINK_UP, 200u);
	from = nsent;
	run(2000);
	CU_ASSERT_EQUAL(count_sent(BP_T_BAL_CMD, from), 0);
}

/* ---- end to end, with the real firmware --------------------------------- */

static struct fw fw;
static struct simbus bus;
static bool cut_to_mcu, cut_from_mcu, corrupt_next_push;
static uint64_t last_status_rx, last_hb_delivered, drop_status_until;
static bool armed_before_verified;
static unsigned int status_dropped;

static int e2e_send(void *arg, const struct bp_frame *f)
{
	struct bp_frame g = *f;

	(void)arg;
	record(f);
	if (cut_to_mcu)
		return 0;
	if (corrupt_next_push && g.id == BP_ID_CFG_DATA && g.data[0] == 1) {
		g.data[3] ^= 0x10; /* a bit flipped on the way: the CRC catches it */
		corrupt_next_push = false;
	}
	if (g.id == BP_ID_HEARTBEAT)
		last_hb_delivered = now;
	fake_inject(&g);
	return 0;
}

static void e2e_observe(const struct bp_frame *f)
{
	if (cut_from_mcu)
		return;
	if (f->id == BP_ID_STATUS && now < drop_status_until) {
		status_dropped++;
		return;
	}
	if (f->id == BP_ID_STATUS)
		last_status_rx = now;
	CU_ASSERT(link_rx(&lk, f, now) >= 0);
}

static void e2e_run(unsigned int ms)
{
	while (ms--) {
		now++;
		fake.now = (uint32_t)now;
		simbus_advance(&bus, 1000);
		fw_tick(&fw, (uint32_t)now);
		if (now % LINK_TICK_MS == 0)
			link_tick(&lk, now);
		if (fw.safety.state == BP_SAFETY_ARMED && !link_verified(&lk) &&
		    lk.st.cfg_verified == 0)
			armed_before_verified = true;
		fake.ntx = 0; /* the observer sees everything */
	}
}

#define E2E_UNTIL(cond, max)                                                   \
	do {                                                                   \
		for (waited = 0; !(cond) && waited <= (max); waited++)         \
			e2e_run(1);                                            \
	} while (0)

static void e2e_setup(void)
{
	struct link_params p = { 0 };

	reset_capture();
	fake_reset();
	now = 1000;
	fake.now = 1000;
	cut_to_mcu = cut_from_mcu = corrupt_next_push = false;
	armed_before_verified = false;
	status_dropped = 0;
	last_status_rx = last_hb_delivered = drop_status_until = 0;
	simbus_init(&bus, 2, 8, 2, 0);
	simbus_hal = &bus;
	for (int b = 0; b < 2; b++)
		for (int c = 0; c < 8; c++)
			bus.board[b].cell_mV[c] = (uint16_t)(3300 + b * 100 + c);
	fw_init(&fw, HAL_BOARD_SIM);
	simcfg_default(&cfg, 2, 8, 2);
	cfg2 = cfg;
	cfg2.cell_crit_high_mV = 3700;
	CU_ASSERT_EQUAL_FATAL(fw_preset(&fw, &cfg), BP_OK);
	fake.on_send = e2e_observe;
	p.cfg = &cfg;
	CU_ASSERT_EQUAL_FATAL(link_init(&lk, &p, &pm, e2e_send, NULL), 0);
	link_set_event_cb(&lk, on_event, NULL);
}

static void e2e_teardown(void)
{
	fake.on_send = NULL;
	simbus_hal = NULL;
}

/* Verified and armed, relays 0x5 closed. */
static void e2e_arm(void)
{
	E2E_UNTIL(link_state(&lk) == LINK_UP, 500u);
	CU_ASSERT_FATAL(waited <= 500);
	E2E_UNTIL(fw.safety.state == BP_SAFETY_ARMED, 200u);
	CU_ASSERT_EQUAL_FATAL(fw.safety.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x2), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL_FATAL(fake.relays, 0x5);
}

static void test_e2e_arms_only_after_verification(void)
{
	const struct pmodel_summary *s;
	const struct link_stats *st;

	e2e_setup();
	/* STATUS and VERSION come at start, then the push; its echo is lost */
	E2E_UNTIL(link_stats(&lk)->cfg_pushes == 1, 100u);
	CU_ASSERT(waited <= 2 * LINK_TICK_MS);
	drop_status_until = now + 250;
	E2E_UNTIL(fw.cfg_state == BP_CFG_ACTIVE, 100u);
	CU_ASSERT(waited <= 50);
	e2e_run((unsigned int)(drop_status_until - now));
	/* the MCU holds our configuration, but the link has not seen it say
	 * so: no heartbeat, so the floor stays locked */
	CU_ASSERT_EQUAL(fw.cfg_state, BP_CFG_ACTIVE);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_CONFIGURING);
	CU_ASSERT_EQUAL(count_sent(BP_T_HEARTBEAT, 0), 0);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_LOCKED);
	CU_ASSERT_FALSE(link_comm_fault(&lk));
	/* the next STATUS verifies */
	E2E_UNTIL(link_state(&lk) == LINK_UP, 500u);
	CU_ASSERT(waited <= FW_PERIOD_STATUS_MS);
	CU_ASSERT_FALSE(armed_before_verified);
	CU_ASSERT_EQUAL(fw.cfg_state, BP_CFG_ACTIVE);
	CU_ASSERT_EQUAL(fw.cfg_crc, link_cfg_crc(&lk));
	CU_ASSERT_EQUAL(fake.relays, 0);
	/* the heartbeat arms the floor; nothing closes without a command */
	e2e_run(300);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x2), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0x5);
	CU_ASSERT_EQUAL(fake.dos, 0x2);
	/* the MCU reports what it drives */
	e2e_run(200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pmodel_io(&pm));
	CU_ASSERT_EQUAL(pmodel_io(&pm)->relay_out, 0x5);
	/* the pack model holds the boards' real cells */
	e2e_run(1000);
	s = pmodel_summary(&pm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->cells_valid, 16);
	CU_ASSERT_EQUAL(s->cell_min_mV, 3300);
	CU_ASSERT_EQUAL(s->cell_max_mV, 3407);
	CU_ASSERT_EQUAL(s->cell_max_at.board, 1);
	CU_ASSERT_EQUAL(s->cell_max_at.index, 7);
	CU_ASSERT_EQUAL(s->pack_mV, 8u * 3300u + 28u + 8u * 3400u + 28u);
	CU_ASSERT_EQUAL(s->boards_configured, 2);
	CU_ASSERT_EQUAL(s->boards_online, 2);
	CU_ASSERT_EQUAL(s->temps_valid, 4);
	CU_ASSERT(pmodel_gen(&pm) >= 10);
	st = link_stats(&lk);
	/* the STATUS frames dropped above, and nothing else */
	CU_ASSERT(status_dropped >= 2);
	CU_ASSERT_EQUAL(st->stream[BP_T_STATUS].lost, status_dropped);
	CU_ASSERT_EQUAL(link_lost_total(&lk), status_dropped);
	CU_ASSERT_EQUAL(st->rx_unknown + st->rx_bad_dlc + st->rx_range + st->rx_echo, 0);
	CU_ASSERT_EQUAL(st->cfg_pushes, 1);
	CU_ASSERT_EQUAL(st->cfg_rejects, 0);
	CU_ASSERT(st->stream[BP_T_CURRENT].received >= 150);
	CU_ASSERT_EQUAL(fw.st.rx_bad + fw.st.rx_unknown, 0);
	CU_ASSERT_EQUAL(pm.as.discarded, 0);
	e2e_teardown();
}

static void test_e2e_daemon_silence_trips_floor(void)
{
	uint64_t opened = 0;
	unsigned int t;

	e2e_setup();
	e2e_arm();
	e2e_run(1000);
	cut_to_mcu = true;
	while (!opened && now < last_hb_delivered + 2000) {
		e2e_run(1);
		if (fake.relays == 0)
			opened = now;
	}
	CU_ASSERT(opened != 0);
	/* one MCU tick to hear the last heartbeat, one to act on its absence */
	CU_ASSERT(opened - last_hb_delivered > cfg.heartbeat_timeout_ms);
	CU_ASSERT(opened - last_hb_delivered <= cfg.heartbeat_timeout_ms + 2u);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	e2e_run(5);
	/* the link sees it, and forgets its closed relays */
	CU_ASSERT_EQUAL(link_mcu_safety(&lk), BP_SAFETY_TRIPPED);
	CU_ASSERT(link_mcu_trip(&lk) & BP_TRIP_HEARTBEAT);
	CU_ASSERT(ev_all & LINK_EV_TRIP);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_UP); /* the config is still ours */
	CU_ASSERT_FALSE(link_comm_fault(&lk));
	/* the daemon is heard again: a reset re-arms, a command closes */
	cut_to_mcu = false;
	e2e_run(200);
	CU_ASSERT_EQUAL(link_trip_reset(&lk), 0);
	E2E_UNTIL(fw.safety.state == BP_SAFETY_ARMED, 50u);
	t = waited;
	CU_ASSERT(t <= 50);
	e2e_run(200);
	CU_ASSERT_EQUAL(fake.relays, 0); /* not by itself */
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0x5);
	e2e_teardown();
}

static void test_e2e_mcu_silence_comm_fault(void)
{
	uint64_t fault = 0, last;
	unsigned int t, from;

	e2e_setup();
	e2e_arm();
	e2e_run(777);
	cut_from_mcu = true;
	last = last_status_rx;
	from = nsent;
	while (!fault && now < last + 1000) {
		e2e_run(1);
		if (link_comm_fault(&lk))
			fault = now;
	}
	CU_ASSERT(fault > last + LINK_STALE_MS_DEFAULT);
	CU_ASSERT(fault <= last + LINK_STALE_MS_DEFAULT + LINK_TICK_MS);
	/* the all-open command reached the MCU, which still hears us */
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0), -EPERM);
	CU_ASSERT_PTR_NULL(pmodel_summary(&pm));
	CU_ASSERT_EQUAL(pmodel_meta(&pm, PM_SNAPSHOT)->validity, PM_STALE);
	/* heartbeats stop, so the floor trips by itself */
	e2e_run(cfg.heartbeat_timeout_ms + 100u);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	CU_ASSERT(fw.safety.trip & BP_TRIP_HEARTBEAT);
	CU_ASSERT(last_sent(BP_T_HEARTBEAT, from, NULL) < 0 ||
		  sent_at[last_sent(BP_T_HEARTBEAT, from, NULL)] <= fault);
	/* the MCU is heard again: verified anew before any output */
	cut_from_mcu = false;
	E2E_UNTIL(!link_comm_fault(&lk), 200u);
	CU_ASSERT(waited <= FW_PERIOD_STATUS_MS);
	CU_ASSERT_EQUAL(evn(LINK_EV_COMM_OK), 1);
	E2E_UNTIL(link_state(&lk) == LINK_UP, 1500u);
	t = waited;
	CU_ASSERT(t <= 1500);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 2);
	CU_ASSERT_EQUAL(fw.st.trips, 1); /* the same config again: no CFG_CHANGED */
	e2e_run(200);
	CU_ASSERT_EQUAL(link_trip_reset(&lk), 0);
	E2E_UNTIL(fw.safety.state == BP_SAFETY_ARMED, 50u);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x3, 0), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0x3);
	e2e_run(1000);
	CU_ASSERT_PTR_NOT_NULL(pmodel_summary(&pm));
	e2e_teardown();
}

static void test_e2e_reload_and_rejected_push(void)
{
	unsigned int t;

	e2e_setup();
	/* the first push is damaged on the way: rejected, then retried */
	corrupt_next_push = true;
	E2E_UNTIL(link_state(&lk) == LINK_UP, 2000u);
	t = waited;
	CU_ASSERT(t <= 1200);
	CU_ASSERT_FALSE(armed_before_verified);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_rejects, 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_retries, 1);
	CU_ASSERT_EQUAL(link_stats(&lk)->cfg_pushes, 2);
	CU_ASSERT_EQUAL(fw.st.cfg_rejects, 1);
	CU_ASSERT_EQUAL(evn(LINK_EV_CFG_REJECTED), 1);
	E2E_UNTIL(fw.safety.state == BP_SAFETY_ARMED, 200u);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x5, 0x2), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0x5);

	/* reload with another configuration while armed */
	CU_ASSERT_EQUAL(link_set_config(&lk, &cfg2), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0); /* all-open went first */
	E2E_UNTIL(link_state(&lk) == LINK_UP, 200u);
	t = waited;
	CU_ASSERT(t <= 200);
	CU_ASSERT_EQUAL(fw.cfg_crc, link_cfg_crc(&lk));
	CU_ASSERT_EQUAL(fw.cfg.cell_crit_high_mV, 3700);
	e2e_run(20);
	/* the MCU was armed when the new config arrived */
	CU_ASSERT(link_mcu_trip(&lk) & BP_TRIP_CFG_CHANGED);
	CU_ASSERT_EQUAL(link_trip_reset(&lk), 0);
	E2E_UNTIL(fw.safety.state == BP_SAFETY_ARMED, 200u);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_ARMED);
	CU_ASSERT_EQUAL(link_set_outputs(&lk, 0x1, 0), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0x1);

	/* no configuration: heartbeats stop, the floor opens */
	CU_ASSERT_EQUAL(link_set_config(&lk, NULL), 0);
	e2e_run(2);
	CU_ASSERT_EQUAL(fake.relays, 0);
	e2e_run(cfg.heartbeat_timeout_ms + 50u);
	CU_ASSERT_EQUAL(fw.safety.state, BP_SAFETY_TRIPPED);
	CU_ASSERT_EQUAL(link_state(&lk), LINK_NOCONFIG);
	e2e_teardown();
}

void cu_register(void)
{
	static const struct cu_test tests[] = {
		CU_TEST(test_init_params),
		CU_TEST(test_names),
		CU_TEST(test_counters_loss_wrap_repeat),
		CU_TEST(test_decode_errors_by_kind),
		CU_TEST(test_snapshot_through_link),
		CU_TEST(test_no_config_no_heartbeat),
		CU_TEST(test_push_waits_for_version),
		CU_TEST(test_push_verify_and_commands),
		CU_TEST(test_repush_on_crc_mismatch),
		CU_TEST(test_rejected_then_retried),
		CU_TEST(test_rejected_without_visible_edge),
		CU_TEST(test_config_timeout_retry),
		CU_TEST(test_send_failures_retried),
		CU_TEST(test_stale_comm_fault_timing),
		CU_TEST(test_startup_silence_comm_fault),
		CU_TEST(test_recovery_after_comm_fault),
		CU_TEST(test_reload),
		CU_TEST(test_reconfigure),
		CU_TEST(test_trip_reset_and_flags),
		CU_TEST(test_balance_commands),
		CU_TEST(test_e2e_arms_only_after_verification),
		CU_TEST(test_e2e_daemon_silence_trips_floor),
		CU_TEST(test_e2e_mcu_silence_comm_fault),
		CU_TEST(test_e2e_reload_and_rejected_push),
		CU_END,
	};
	cu_add("link", tests);
}
