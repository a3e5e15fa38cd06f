/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd_batt: the battery logic (batt) in bmsd. Each step's inputs come
 * from the pack model, the link, bmsd's faults, the CAN1 keep-alive and
 * the last publication; its relay and output command goes to the link.
 * Events go to the event log, and the state to persist to the state
 * file's writer. A 1 ms timer runs while a protection's set delay does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmsd.h"
#include "bmsd_batt.h"
#include "can_if.h"
#include "events.h"
#include "log.h"
#include "state.h"

static void on_event(void *arg, unsigned int code, int prio, const char *text)
{
	struct bmsd *b = arg;

	if (code)
		bmsd_event(b, code, prio, "%s", text);
	else
		log_msg(prio, "%s", text);
}

static void on_persist(void *arg, const struct soc_persist *ps)
{
	struct bmsd *b = arg;

	if (b->saver)
		state_saver_submit(b->saver, ps);
}

/* How the state file's writes go, as the disk writer completes them. */
static void on_state_news(void *arg, int rc, const char *msg)
{
	bmsd_event(arg, EV_STATE_FILE, rc < 0 ? LOG_ERR : LOG_NOTICE, "%s", msg);
}

static void saver_start(struct bmsd *b)
{
	int rc;

	snprintf(b->state_file, sizeof(b->state_file), "%s", b->cfg->soc.state_file);
	rc = state_saver_start(b->state_file, b->dw, on_state_news, b, &b->saver);
	if (rc < 0) {
		b->saver = NULL;
		bmsd_event(b, EV_STATE_FILE, LOG_ERR, "state file %s: cannot start its writer: %s",
			   b->state_file, strerror(-rc));
	}
}

void bmsd_batt_apply(struct bmsd *b)
{
	const struct cfg *c = b->cfg;
	uint64_t now = loop_now_ms();

	if (!c)
		return;
	if (!b->batt.on) {
		struct batt_host host = { .arg = b, .event = on_event, .persist = on_persist };
		struct batt_restore r = { .file = c->soc.state_file };
		char err[300];

		b->batt_timer = -1;
		r.rc = state_read(c->soc.state_file, &r.ps, NULL, err, sizeof(err));
		r.why = err;
		batt_init(&b->batt, c, &host, &r, now);
		saver_start(b);
		return;
	}
	batt_reconfigure(&b->batt, c, now);
	if (strcmp(b->state_file, c->soc.state_file)) {
		state_saver_stop(b->saver);
		b->saver = NULL;
		saver_start(b);
		/* the new file holds the latches at once */
		batt_persist(&b->batt);
	}
}

/* ---- the step ---------------------------------------------------------- */

static void batt_input(const struct bmsd *b, uint64_t rx_us, struct batt_in *in)
{
	const struct pmodel *pm = &b->pm;

	memset(in, 0, sizeof(*in));
	in->rx_us = rx_us;
	in->sum = pmodel_summary(pm);
	in->snap = pmodel_snapshot(pm);
	in->logic = pmodel_logic(pm);
	in->io = pmodel_io(pm);
	in->ext = pmodel_ext(pm);
	in->charge_in = pmodel_charge_in(pm);
	in->charge_out = pmodel_charge_out(pm);
	batt_current(pmodel_current(pm), &in->cur);
	in->faults = bmsd_faults(b);
	in->mcu_safety = link_mcu_safety(&b->link);
	in->link_verified = link_verified(&b->link);
	in->link_up = link_state(&b->link) == LINK_UP;
	link_get_outputs(&b->link, &in->relays_cmd, &in->dos_cmd);
	in->peer_alive = can_if_peer_alive(b->xc);
	in->temp_mean_valid = b->view.temp_valid;
	in->temp_mean_dC = b->view.temp_mean_dC;
}

static void on_fast(void *arg, uint64_t n)
{
	struct bmsd *b = arg;

	(void)n;
	bmsd_batt_step(b, loop_now_us(), 0);
}

static void batt_output(struct bmsd *b, const struct batt_out *out)
{
	if (out->send)
		link_set_outputs(&b->link, out->relays, out->dos);
	link_set_daemon_state(&b->link, out->daemon_state);
	if (out->fast && b->batt_timer < 0) {
		b->batt_timer = loop_add_timer(b->loop, 1, on_fast, b);
	} else if (!out->fast && b->batt_timer >= 0) {
		loop_del_timer(b->loop, b->batt_timer);
		b->batt_timer = -1;
	}
}

static bool batt_ready(const struct bmsd *b)
{
	return b->cfg && b->batt.on && b->link_ready;
}

void bmsd_batt_step(struct bmsd *b, uint64_t now_us, uint64_t rx_us)
{
	struct batt_in in;
	struct batt_out out;

	if (!batt_ready(b))
		return;
	batt_input(b, rx_us, &in);
	batt_step(&b->batt, &in, now_us, &out);
	batt_output(b, &out);
}

void bmsd_batt_tick(struct bmsd *b, uint64_t now_us)
{
	struct batt_in in;
	struct batt_out out;

	if (!batt_ready(b))
		return;
	batt_input(b, 0, &in);
	batt_step(&b->batt, &in, now_us, &out);
	batt_output(b, &out);
	in.wall_s = (uint64_t)time(NULL);
	batt_slow_step(&b->batt, &in, now_us / 1000u, &out);
	if (out.balance)
		for (unsigned int i = 0; i < b->cfg->pack.boards && i < BP_MAX_BOARDS; i++)
			link_set_balance(&b->link, (uint8_t)i, out.bal_mask[i]);
}

void bmsd_batt_stop(struct bmsd *b)
{
	if (!b->batt.on)
		return;
	batt_fini(&b->batt);
	state_saver_stop(b->saver);
	b->saver = NULL;
	if (b->batt_timer >= 0)
		loop_del_timer(b->loop, b->batt_timer);
	b->batt_timer = -1;
}

/* ---- control socket ---------------------------------------------------- */

static void reason(char *buf, size_t n, int argc, char **argv, int from)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = from; i < argc && len < n; i++) {
		int k = snprintf(buf + len, n - len, "%s%s", i > from ? " " : "", argv[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

/* "set-soc DPCT REASON..." */
static int cmd_set_soc(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	char why[200], *end;
	unsigned long d;

	if (argc < 3)
		return ctl_error(r, "usage: set-soc DPCT REASON...");
	d = strtoul(argv[1], &end, 10);
	if (*end || end == argv[1] || d > 1000)
		return ctl_error(r, "set-soc: %s is not 0..1000 (0.1 %%)", argv[1]);
	if (!b->cfg || !b->batt.on)
		return ctl_error(r, "bmsd is unconfigured: %s", b->cfg_err.msg);
	reason(why, sizeof(why), argc, argv, 2);
	batt_set_soc(&b->batt, (uint16_t)d, why, loop_now_ms());
	ctl_printf(r, "SOC set to %.1f %%\n", d / 10.0);
	return 0;
}

/* "reset-soc REASON..." */
static int cmd_reset_soc(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	char why[200];

	if (argc < 2)
		return ctl_error(r, "usage: reset-soc REASON...");
	if (!b->cfg || !b->batt.on)
		return ctl_error(r, "bmsd is unconfigured: %s", b->cfg_err.msg);
	reason(why, sizeof(why), argc, argv, 1);
	if (batt_reset_soc(&b->batt, why, loop_now_ms()))
		ctl_printf(r, "SOC reset to %.1f %% from the cell voltages\n",
			   b->batt.so.soc_dpct / 10.0);
	else
		ctl_printf(r, "SOC reset; it is estimated once the pack is at rest\n");
	return 0;
}

/* "reactions [json]" */
static int cmd_reactions(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	const struct batt *t = &b->batt;
	uint32_t v[BATT_REACTIONS];
	unsigned int n;
	bool json = argc > 1 && !strcmp(argv[1], "json");

	if (argc > 2 || (argc == 2 && !json))
		return ctl_error(r, "usage: reactions [json]");
	n = batt_reactions(t, v);
	if (json) {
		ctl_printf(r, "{\"count\":%" PRIu32 ",\"us\":[", t->nreactions);
		for (unsigned int i = 0; i < n; i++)
			ctl_printf(r, "%s%" PRIu32, i ? "," : "", v[i]);
		ctl_printf(r, "]}\n");
	} else if (n) {
		ctl_printf(r, "%" PRIu32 " openings; last %u: p50 %" PRIu32 " us, p99 %" PRIu32
			   " us, max %" PRIu32 " us beyond the set delay\n", t->nreactions, n,
			   v[n / 2], v[(n * 99u) / 100u], v[n - 1]);
	} else {
		ctl_printf(r, "no critical opening yet\n");
	}
	return 0;
}

void bmsd_batt_ctl(struct bmsd *b)
{
	ctl_register(b->ctl, "set-soc", cmd_set_soc, b);
	ctl_register(b->ctl, "reset-soc", cmd_reset_soc, b);
	ctl_register(b->ctl, "reactions", cmd_reactions, b);
}
