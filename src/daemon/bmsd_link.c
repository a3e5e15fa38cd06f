/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bmsd's MCU link: the bridge's canio opened, watched by the loop and
 * reopened when it fails; its frames fed to the link's state machine
 * (logic/link.c); the link's events logged; its parameters taken from the
 * configuration.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "bmsd.h"
#include "bmsd_link.h"
#include "mcu_cfg.h"
#include "bmsd_batt.h"
#include "events.h"
#include "log.h"

#define RX_BURST 256 /* frames handled per wake-up before others get a turn */

static int link_send(void *arg, const struct bp_frame *f)
{
	struct bmsd *b = arg;
	struct canio_frame cf = { .id = f->id, .len = f->len };
	int rc;

	if (!b->mcu)
		return -ENOTCONN;
	memcpy(cf.data, f->data, sizeof(cf.data));
	rc = canio_send(b->mcu, &cf);
	return rc;
}

static void mcu_close(struct bmsd *b)
{
	if (!b->mcu)
		return;
	loop_del_fd(b->loop, canio_fd(b->mcu));
	canio_close(b->mcu);
	b->mcu = NULL;
}

static void on_mcu(int fd, uint32_t events, void *arg);

/* bursts of RX_BURST frames read before a tick judges the link */
#define RX_DRAIN_BURSTS 16

/* frames wait to be read on the MCU link */
static bool mcu_pending(struct bmsd *b)
{
	struct pollfd p = { .fd = canio_fd(b->mcu), .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int mcu_open(struct bmsd *b)
{
	const struct cfg *c = b->cfg;
	/* the MCU speaks only in 0x100..0x3FF; the kernel drops the rest */
	static const struct canio_filter filt[] = {
		{ 0x100, 0x700 }, { 0x200, 0x700 }, { 0x300, 0x700 },
	};
	int rc;

	rc = canio_open(c->link.interface, c->link.bitrate_bps, &b->mcu);
	if (rc < 0) {
		b->mcu = NULL;
		return rc;
	}
	canio_set_filters(b->mcu, filt, sizeof(filt) / sizeof(filt[0]));
	rc = loop_add_fd(b->loop, canio_fd(b->mcu), EPOLLIN, on_mcu, b);
	if (rc < 0) {
		canio_close(b->mcu);
		b->mcu = NULL;
	}
	return rc;
}

static void on_mcu(int fd, uint32_t events, void *arg)
{
	struct bmsd *b = arg;
	uint64_t rx_us = loop_now_us(), now = rx_us / 1000u;
	uint64_t gen = pmodel_gen(&b->pm);
	uint32_t ncur = pmodel_meta(&b->pm, PM_CURRENT)->count;
	int safety = link_mcu_safety(&b->link);
	unsigned int faults = bmsd_faults(b);

	for (int i = 0; i < RX_BURST; i++) {
		struct canio_frame cf;
		struct bp_frame f;
		int rc = canio_recv(b->mcu, &cf);

		if (rc == 0 && i == 0 && (events & (EPOLLHUP | EPOLLERR))) {
			/* a pty whose other end closed: HUP fires forever */
			bmsd_event(b, EV_LINK_ERROR, LOG_ERR, "MCU link %s: hung up; reopening",
				   b->cfg->link.interface);
			mcu_close(b);
			return;
		}
		if (rc == 0)
			break;
		if (rc < 0) {
			bmsd_event(b, EV_LINK_ERROR, LOG_ERR, "MCU link %s: %s; reopening",
				   b->cfg->link.interface, strerror(-rc));
			mcu_close(b);
			return;
		}
		if (cf.ext || cf.rtr) {
			b->rx_foreign++;
			continue;
		}
		f.id = (uint16_t)cf.id;
		f.len = cf.len;
		memcpy(f.data, cf.data, sizeof(f.data));
		link_rx(&b->link, &f, now);
	}
	/* new cells, a new current, or the MCU's floor or faults changed: the
	 * protections see them now, before the next tick commands the relays
	 * (after a stall of this process, on what the MCU said meanwhile) */
	if (b->link_ready && (pmodel_gen(&b->pm) != gen ||
			      pmodel_meta(&b->pm, PM_CURRENT)->count != ncur ||
			      link_mcu_safety(&b->link) != safety || bmsd_faults(b) != faults))
		bmsd_batt_step(b, loop_now_us(), rx_us);
}

static void trip_names(unsigned int trip, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < 16; i++)
		if (trip & (1u << i))
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? ", " : "", bp_trip_name(1u << i));
	if (!buf[0])
		snprintf(buf, n, "none");
}

static void on_link_event(void *arg, unsigned int ev)
{
	struct bmsd *b = arg;
	const struct cfg *c = b->cfg;
	uint32_t crc = link_cfg_crc(&b->link);
	char t[128];

	if (ev & LINK_EV_UP)
		bmsd_event(b, EV_LINK_UP, LOG_NOTICE, "MCU link up on %s", c->link.interface);
	if (ev & LINK_EV_COMM_FAULT)
		bmsd_event(b, EV_COMM_FAULT, LOG_CRIT,
			   "MCU link lost: no STATUS for %u ms; outputs commanded open, heartbeat stopped",
			   b->link.stale_ms);
	else if (ev & LINK_EV_DOWN)
		bmsd_event(b, EV_LINK_DOWN, LOG_ERR, "MCU link down on %s", c->link.interface);
	if (ev & LINK_EV_COMM_OK)
		bmsd_event(b, EV_COMM_CLEAR, LOG_NOTICE, "MCU link restored; configuration to be verified again");
	if (ev & LINK_EV_PROTO)
		bmsd_event(b, EV_MCU_CFG_REJECTED, LOG_ERR,
			   "the MCU speaks another bridge protocol than %u; no configuration pushed",
			   BP_PROTO_VERSION);
	if (ev & LINK_EV_CFG_VERIFIED)
		bmsd_event(b, EV_MCU_CFG_VERIFIED, LOG_NOTICE,
			   "MCU configuration 0x%08x verified (CRC echoed)", crc);
	if (ev & LINK_EV_CFG_REJECTED)
		bmsd_event(b, EV_MCU_CFG_REJECTED, LOG_ERR, "the MCU rejected configuration 0x%08x",
			   crc);
	if (ev & LINK_EV_CFG_TIMEOUT)
		bmsd_event(b, EV_MCU_CFG_REJECTED, LOG_WARNING,
			   "no verdict on configuration 0x%08x within %u ms; pushing again", crc,
			   b->link.cfg_timeout_ms);
	if (ev & LINK_EV_CFG_LOST)
		bmsd_event(b, EV_MCU_CFG_REJECTED, LOG_WARNING,
			   "the MCU no longer echoes configuration 0x%08x; pushing again", crc);
	if (ev & LINK_EV_SAFETY) {
		int s = link_mcu_safety(&b->link);

		bmsd_event(b, EV_MCU_SAFETY, s == BP_SAFETY_TRIPPED ? LOG_ERR : LOG_NOTICE,
			   "MCU safety floor %s", s < 0 ? "unknown" : bp_safety_name((unsigned int)s));
	}
	if (ev & LINK_EV_TRIP) {
		int trip = link_mcu_trip(&b->link);

		trip_names(trip < 0 ? 0u : (unsigned int)trip, t, sizeof(t));
		bmsd_event(b, EV_MCU_TRIP, trip > 0 ? LOG_ERR : LOG_NOTICE,
			   "MCU trip reasons: %s", t);
	}
}

static void link_params(const struct cfg *c, struct link_params *p, struct bp_config *bc)
{
	mcu_cfg_build(c, bc);
	p->heartbeat_period_ms = c->link.heartbeat_period_ms;
	p->stale_ms = c->link.stale_ms;
	p->config_timeout_ms = c->link.config_timeout_ms;
	p->cfg = bc;
}

static void link_setup(struct bmsd *b)
{
	struct link_params p;
	struct bp_config bc;
	int rc;

	link_params(b->cfg, &p, &bc);
	rc = link_init(&b->link, &p, &b->pm, link_send, b);
	if (rc < 0) {
		bmsd_event(b, EV_CONFIG_REFUSED, LOG_CRIT,
			   "MCU configuration out of range (%s); the pack does not run", strerror(-rc));
		return;
	}
	link_set_event_cb(&b->link, on_link_event, b);
	b->link_ready = true;
}

/* After each configuration load, @old the configuration before it (NULL at
 * start): the canio is reopened when its interface or bitrate changed, and
 * the link takes the new parameters. */
void bmsd_link_apply(struct bmsd *b, const struct cfg *old)
{
	const struct cfg *n = b->cfg;
	struct link_params p;
	struct bp_config bc;
	int rc;

	if (!old || strcmp(old->link.interface, n->link.interface) ||
	    old->link.bitrate_bps != n->link.bitrate_bps) {
		mcu_close(b);
		if (!old)
			link_setup(b);
		rc = mcu_open(b);
		if (rc < 0)
			bmsd_event(b, EV_LINK_ERROR, LOG_ERR, "MCU link %s: %s; retrying",
				   n->link.interface, strerror(-rc));
	}
	if (!old)
		return;
	if (!b->link_ready) {
		link_setup(b);
		return;
	}
	link_params(n, &p, &bc);
	rc = link_reconfigure(&b->link, &p);
	if (rc < 0)
		bmsd_event(b, EV_CONFIG_REFUSED, LOG_ERR,
			   "MCU configuration out of range (%s); the MCU keeps the previous one",
			   strerror(-rc));
}

void bmsd_link_tick(struct bmsd *b, uint64_t now_ms)
{
	if (!b->mcu && now_ms - b->mcu_retry_ms >= 1000u) {
		b->mcu_retry_ms = now_ms;
		if (mcu_open(b) == 0)
			bmsd_event(b, EV_LINK_ERROR, LOG_NOTICE, "MCU link %s open",
				   b->cfg->link.interface);
	}
	if (!b->link_ready)
		return;
	/* judge the link's health only after reading what has arrived:
	 * after a stall of this process the tick and the frames are ready
	 * together, and frames that waited in the queue are not silence */
	for (int i = 0; b->mcu && i < RX_DRAIN_BURSTS && link_overdue(&b->link, now_ms) &&
			(i == 0 || mcu_pending(b)); i++)
		on_mcu(canio_fd(b->mcu), 0, b);
	link_tick(&b->link, now_ms);
}

void bmsd_link_close(struct bmsd *b)
{
	mcu_close(b);
}
