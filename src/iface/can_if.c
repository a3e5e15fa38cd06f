/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * can_if: CAN1 and CAN2 on the loop. Frames are encoded by can1 and can2
 * when due, from the view of that moment; nothing is queued here, so a bus
 * that comes back after an error or a bus-off carries current values only.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "can2.h"
#include "can_if.h"
#include "events.h"
#include "can1.h"
#include "json.h"
#include "log.h"
#include "loop.h"

#define RETRY_MS 1000u     /* a bus that cannot be opened is tried again */
#define FULL_MS 1000u      /* queue full this long: drop what is queued, reopen */
#define RX_BURST 64        /* frames read per wake-up */
#define TX_BURST 4         /* frames sent per bus per 10 ms tick */

enum { BUS1 = 0, BUS2, NBUS };

struct bus {
	const char *name;            /* "CAN1", "CAN2" */
	struct can_if *xc;
	bool enabled;
	char uri[CFG_CAN_IFACE_MAX];
	uint32_t bitrate;
	struct canio *io;
	struct canio_filter filt;
	enum canio_state state;
	uint64_t retry_ms;           /* next open attempt while closed */
	uint64_t full_since_ms;      /* first refused send since the last success */
	uint64_t full_refused;       /* sends refused since then */
	/*
	 * Stuck: the queue stayed full for FULL_MS (nobody reads or
	 * acknowledges). Said once when it begins and once when frames flow
	 * again; in between the queue is dropped and the bus reopened each
	 * time it fills, silently, and counted here.
	 */
	bool stuck;
	uint64_t stuck_since_ms;     /* the first refused send of it */
	uint64_t stuck_dropped;      /* sends refused during it */
	uint64_t stuck_reopens;      /* queues dropped with a reopening */
	int last_err;                /* last open or I/O error, 0 none */
	struct canio_stats total;    /* of the openings before this one */
	uint64_t send_errors, skipped, opens, open_failures;
};

struct can_if {
	const struct host *h;
	struct loop *loop;
	const struct view *view;
	bool applied;
	struct cfg_can1 c1;
	struct cfg_can2 c2;
	struct bus bus[NBUS];
	struct can1 x1;
	struct can1_ka ka;
	struct can2 x2;
};

/* ---- buses ------------------------------------------------------------------ */

static void add_stats(struct canio_stats *t, const struct canio_stats *s)
{
	t->rx_frames += s->rx_frames;
	t->tx_frames += s->tx_frames;
	t->rx_dropped += s->rx_dropped;
	t->tx_dropped += s->tx_dropped;
	t->rx_malformed += s->rx_malformed;
	t->bus_errors += s->bus_errors;
	t->bus_off += s->bus_off;
	t->restarts += s->restarts;
}

static void bus_close(struct bus *bus)
{
	if (!bus->io)
		return;
	add_stats(&bus->total, canio_stats(bus->io));
	loop_del_fd(bus->xc->loop, canio_fd(bus->io));
	canio_close(bus->io);
	bus->io = NULL;
}

/* An I/O failure: close, count, tell once, try again later. */
static void bus_fail(struct bus *bus, int err, uint64_t now_ms, const char *what)
{
	const struct host *h = bus->xc->h;

	bus_close(bus);
	bus->retry_ms = now_ms + RETRY_MS;
	if (err != bus->last_err)
		host_event(h, EV_CAN_ERROR, LOG_ERR, "%s %s: %s: %s; retrying every %u ms",
			   bus->name, bus->uri, what, strerror(-err), RETRY_MS);
	bus->last_err = err;
}

static void bus_rx(struct bus *bus, const struct canio_frame *f, uint64_t now_ms)
{
	struct can_if *xc = bus->xc;

	if (bus != &xc->bus[BUS1])
		return;
	if (can1_ka_rx(&xc->ka, f, now_ms) == CAN1_KA_BACK)
		host_event(xc->h, EV_CAN_PEER, LOG_NOTICE,
			   "CAN1: the inverter's keep-alive 0x%03X is back", CAN1_KEEPALIVE_ID);
}

static void on_bus(int fd, uint32_t events, void *arg)
{
	struct bus *bus = arg;
	uint64_t now = loop_now_ms();
	int rc = 0;

	(void)fd;
	for (int i = 0; i < RX_BURST && bus->io; i++) {
		struct canio_frame f;

		rc = canio_recv(bus->io, &f);
		if (rc <= 0)
			break;
		bus_rx(bus, &f, now);
	}
	if (!bus->io)
		return;
	if (rc < 0)
		bus_fail(bus, rc, now, "receive");
	else if (rc == 0 && (events & (EPOLLHUP | EPOLLERR)))
		/* a tty whose other end went away: reading would spin */
		bus_fail(bus, -EPIPE, now, "hung up");
}

static void bus_open(struct bus *bus, uint64_t now_ms)
{
	const struct host *h = bus->xc->h;
	struct canio *io;
	int rc;

	rc = canio_open(bus->uri, bus->bitrate, &io);
	if (rc == 0) {
		(void)canio_set_filters(io, &bus->filt, 1);
		rc = loop_add_fd(bus->xc->loop, canio_fd(io), EPOLLIN, on_bus, bus);
		if (rc < 0)
			canio_close(io);
	}
	if (rc < 0) {
		bus->open_failures++;
		bus->retry_ms = now_ms + RETRY_MS;
		if (rc != bus->last_err)
			host_event(h, EV_CAN_ERROR, LOG_ERR,
				   "%s %s: cannot open: %s; retrying every %u ms", bus->name,
				   bus->uri, strerror(-rc), RETRY_MS);
		bus->last_err = rc;
		return;
	}
	bus->io = io;
	bus->state = canio_state(io);
	bus->full_since_ms = 0;
	/* a reopening after a full queue goes unsaid: it may repeat every
	 * second for as long as nobody reads */
	if (bus->last_err)
		host_event(h, EV_CAN_ERROR, LOG_NOTICE, "%s %s open again", bus->name, bus->uri);
	else if (!bus->opens)
		log_info("%s open on %s (%s)", bus->name, bus->uri, canio_backend(io));
	bus->opens++;
	bus->last_err = 0;
}

/* The end of a stuck queue: frames flow again (@why NULL), or the bus is
 * set up anew. Said once, with how long it lasted and what it cost. */
static void stuck_end(struct bus *bus, uint64_t now_ms, const char *why)
{
	uint64_t ms = now_ms - bus->stuck_since_ms;

	if (!bus->stuck)
		return;
	bus->stuck = false;
	host_event(bus->xc->h, EV_CAN_ERROR, LOG_NOTICE,
		   "%s %s: %s after %" PRIu64 ".%" PRIu64 " s with the transmit queue full; "
		   "%" PRIu64 " frames dropped, %" PRIu64 " reopenings", bus->name, bus->uri,
		   why ? why : "frames flow again", ms / 1000u, ms % 1000u / 100u,
		   bus->stuck_dropped, bus->stuck_reopens);
}

/* While stuck, a frame the interface took is not yet proof that frames
 * flow: after a reopening, an slcan queue takes frames into bmsd's own
 * buffer until that fills too. They flow when the descriptor also has room
 * for more (the tty or socket drains). */
static bool bus_flows(const struct bus *bus)
{
	struct pollfd pfd = { .fd = canio_fd(bus->io), .events = POLLOUT };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT) &&
	       !(pfd.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/* Close @bus and set it up for @enable, @uri and @bitrate, its counters
 * from zero; it opens at the next tick. */
static void bus_setup(struct bus *bus, bool enable, const char *uri, uint32_t bitrate,
		      uint32_t filt_id)
{
	const char *name = bus->name;
	struct can_if *xc = bus->xc;

	stuck_end(bus, loop_now_ms(), "reconfigured");
	bus_close(bus);
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	bus->xc = xc;
	bus->enabled = enable;
	snprintf(bus->uri, sizeof(bus->uri), "%s", uri);
	bus->bitrate = bitrate;
	bus->filt.id = filt_id;
	bus->filt.mask = 0x7FFu;
}

static int bus_next(struct can_if *xc, unsigned int i, uint64_t now, struct canio_frame *f)
{
	if (i == BUS1)
		return can1_next(&xc->x1, xc->view, now, f);
	return can2_next(&xc->x2, xc->view, now, f);
}

static struct can1_sched *bus_sched(struct can_if *xc, unsigned int i)
{
	return i == BUS1 ? &xc->x1.sched : &xc->x2.sched;
}

static const char *state_name(enum canio_state s)
{
	switch (s) {
	case CANIO_UP:
		return "up";
	case CANIO_ERROR_PASSIVE:
		return "error-passive";
	case CANIO_BUS_OFF:
		return "bus-off";
	}
	return "?";
}

static void bus_tick(struct can_if *xc, unsigned int i, uint64_t now)
{
	struct bus *bus = &xc->bus[i];
	const struct host *h = xc->h;
	enum canio_state st;
	struct canio_frame f;

	if (!bus->enabled)
		return;
	if (!bus->io) {
		if (now < bus->retry_ms)
			return;
		bus_open(bus, now);
		if (!bus->io)
			return;
	}
	st = canio_state(bus->io);
	if (st != bus->state) {
		host_event(h, EV_CAN_ERROR, st == CANIO_UP ? LOG_NOTICE : LOG_WARNING,
			   "%s %s: bus %s (was %s)", bus->name, bus->uri, state_name(st),
			   state_name(bus->state));
		bus->state = st;
	}
	if (st == CANIO_BUS_OFF) {
		/* nothing waits for the bus to come back: old values never go out */
		bus->skipped += can1_sched_skip(bus_sched(xc, i), now);
		return;
	}
	if (!xc->view->gen)
		return;
	for (int n = 0; n < TX_BURST && bus_next(xc, i, now, &f) == 1; n++) {
		int rc = canio_send(bus->io, &f);

		if (rc == 0) {
			bus->full_since_ms = 0;
			bus->full_refused = 0;
			if (bus->stuck && bus_flows(bus))
				stuck_end(bus, now, NULL);
			continue;
		}
		if (rc == -EAGAIN || rc == -ENOBUFS) {
			/* counted by canio as tx_dropped; the frame is gone, the
			 * next one of its kind is encoded afresh */
			if (!bus->full_since_ms)
				bus->full_since_ms = now ? now : 1u;
			bus->full_refused++;
			if (bus->stuck)
				bus->stuck_dropped++;
			break;
		}
		bus->send_errors++;
		bus_fail(bus, rc, now, "send");
		return;
	}
	if (bus->full_since_ms && now - bus->full_since_ms >= FULL_MS) {
		/* whatever sits in the queue is old by now: drop it with the
		 * link, so that a peer that comes back reads current values.
		 * With nobody reading, this repeats each time the queue fills
		 * again (seconds): said once, counted, and said again only when
		 * frames flow. */
		if (!bus->stuck) {
			bus->stuck = true;
			bus->stuck_since_ms = bus->full_since_ms;
			bus->stuck_dropped = bus->full_refused;
			bus->stuck_reopens = 0;
			host_event(h, EV_CAN_ERROR, LOG_WARNING,
				   "%s %s: transmit queue full for %u ms (no peer reading?); "
				   "dropping what is queued, each time it fills, until frames "
				   "flow", bus->name, bus->uri, FULL_MS);
		}
		bus->stuck_reopens++;
		bus_close(bus);
		bus->full_since_ms = 0;
		bus->full_refused = 0;
		bus->retry_ms = now;
	}
}

/* ---- hooks ------------------------------------------------------------------ */

void can_if_reconfigure(struct can_if **px, const struct host *h, struct loop *loop,
			const struct cfg *c, const struct view *v)
{
	struct can_if *xc = *px;
	uint64_t now = loop_now_ms();

	if (!c)
		return;
	if (!xc) {
		xc = calloc(1, sizeof(*xc));
		if (!xc) {
			host_event(h, EV_CAN_ERROR, LOG_ERR, "CAN1/CAN2: out of memory");
			return;
		}
		xc->h = h;
		xc->loop = loop;
		xc->bus[BUS1].name = "CAN1";
		xc->bus[BUS2].name = "CAN2";
		xc->bus[BUS1].xc = xc->bus[BUS2].xc = xc;
		*px = xc;
	}
	xc->view = v;
	if (!xc->applied || memcmp(&xc->c1, &c->can1, sizeof(c->can1))) {
		xc->c1 = c->can1;
		bus_setup(&xc->bus[BUS1], c->can1.enable, c->can1.interface, c->can1.bitrate_bps,
			  CAN1_KEEPALIVE_ID);
		can1_init(&xc->x1, &c->can1, now);
		can1_ka_init(&xc->ka, c->can1.enable && c->can1.keepalive_watch,
			       c->can1.keepalive_timeout_ms, now);
	}
	if (!xc->applied || memcmp(&xc->c2, &c->can2, sizeof(c->can2))) {
		xc->c2 = c->can2;
		/* the feed's own first identifier: anyone else sending it is
		 * counted in rx_frames */
		bus_setup(&xc->bus[BUS2], c->can2.enable, c->can2.interface, c->can2.bitrate_bps,
			  c->can2.base_id);
		can2_init(&xc->x2, &c->can2, now);
	}
	xc->applied = true;
}

void can_if_tick(struct can_if *xc, uint64_t now_ms)
{
	if (!xc)
		return;
	if (xc->bus[BUS1].enabled && can1_ka_tick(&xc->ka, now_ms) == CAN1_KA_LOST)
		host_event(xc->h, EV_CAN_PEER, LOG_WARNING,
			   "CAN1: the inverter's keep-alive 0x%03X is lost: none for %u ms%s",
			   CAN1_KEEPALIVE_ID, xc->ka.timeout_ms,
			   xc->ka.seen ? "" : " (never seen)");
	for (unsigned int i = 0; i < NBUS; i++)
		bus_tick(xc, i, now_ms);
}

void can_if_fini(struct can_if **px)
{
	struct can_if *xc = *px;

	if (!xc)
		return;
	for (unsigned int i = 0; i < NBUS; i++)
		bus_close(&xc->bus[i]);
	free(xc);
	*px = NULL;
}

int can_if_peer_alive(const struct can_if *xc)
{
	if (!xc || !xc->bus[BUS1].enabled)
		return -1;
	return can1_ka_state(&xc->ka);
}

/* ---- stats ------------------------------------------------------------------ */

static void bus_totals(const struct bus *bus, struct canio_stats *s)
{
	*s = bus->total;
	if (bus->io)
		add_stats(s, canio_stats(bus->io));
}

static const char *bus_state(const struct bus *bus)
{
	if (!bus->enabled)
		return "disabled";
	return bus->io ? state_name(canio_state(bus->io)) : "closed";
}

static const char *ka_state_name(const struct can1_ka *k)
{
	switch (can1_ka_state(k)) {
	case 1:
		return "alive";
	case 0:
		return "lost";
	default:
		return "off";
	}
}

static void stats_json(const struct can_if *xc, unsigned int i, struct ctl_reply *r,
		       uint64_t now)
{
	static const struct bus none = { .name = "" };
	const struct bus *bus = xc ? &xc->bus[i] : &none;
	struct canio_stats s;
	char uri[2 * CFG_CAN_IFACE_MAX * 3], err[160];

	bus_totals(bus, &s);
	json_escape_buf(uri, sizeof(uri), bus->uri);
	if (bus->last_err)
		snprintf(err, sizeof(err), "\"%s\"", strerror(-bus->last_err));
	else
		snprintf(err, sizeof(err), "null");
	ctl_printf(r, "\"can%u\":{\"enabled\":%s,\"interface\":\"%s\",\"backend\":\"%s\","
		   "\"open\":%s,\"state\":\"%s\",", i + 1u, bus->enabled ? "true" : "false", uri,
		   bus->io ? canio_backend(bus->io) : !strncmp(bus->uri, "slcan:", 6) ? "slcan"
		   : bus->uri[0] ? "socketcan" : "", bus->io ? "true" : "false", bus_state(bus));
	ctl_printf(r, "\"tx_frames\":%" PRIu64 ",\"tx_dropped\":%" PRIu64 ",\"send_errors\":%"
		   PRIu64 ",\"omitted\":%" PRIu64 ",\"skipped\":%" PRIu64 ",\"rx_frames\":%" PRIu64
		   ",\"rx_dropped\":%" PRIu64 ",\"rx_malformed\":%" PRIu64 ",\"bus_errors\":%"
		   PRIu64 ",\"bus_off\":%" PRIu64 ",\"restarts\":%" PRIu64 ",\"opens\":%" PRIu64
		   ",\"open_failures\":%" PRIu64 ",\"last_error\":%s",
		   s.tx_frames, s.tx_dropped, bus->send_errors,
		   xc && i == BUS1 ? xc->x1.omitted : 0u, bus->skipped, s.rx_frames,
		   s.rx_dropped, s.rx_malformed, s.bus_errors, s.bus_off, s.restarts, bus->opens,
		   bus->open_failures, err);
	if (i == BUS1) {
		const struct can1_ka *k = xc ? &xc->ka : NULL;

		ctl_printf(r, ",\"profile\":\"%s\",\"period_ms\":%u",
			   xc ? can1_profile_name(xc->x1.profile) : "",
			   xc ? xc->x1.period_ms : 0u);
		if (!k) {
			ctl_printf(r, ",\"keepalive\":{\"watch\":false,\"state\":\"off\","
				   "\"seen\":false,\"last_ms_ago\":null,\"timeout_ms\":0,"
				   "\"frames\":0,\"losses\":0}}");
			return;
		}
		ctl_printf(r, ",\"keepalive\":{\"watch\":%s,\"state\":\"%s\",\"seen\":%s,",
			   k->watch ? "true" : "false", bus->enabled ? ka_state_name(k) : "off",
			   k->seen ? "true" : "false");
		if (k->seen)
			ctl_printf(r, "\"last_ms_ago\":%" PRIu64 ",", now - k->last_ms);
		else
			ctl_printf(r, "\"last_ms_ago\":null,");
		ctl_printf(r, "\"timeout_ms\":%u,\"frames\":%" PRIu64 ",\"losses\":%" PRIu64 "}}",
			   k->timeout_ms, k->frames, k->watch ? k->losses : 0u);
		return;
	}
	ctl_printf(r, ",\"base_id\":%u,\"period_ms\":%u}", xc ? xc->x2.base_id : 0u,
		   xc ? xc->x2.sched.period_ms : 0u);
}

static void stats_text(const struct can_if *xc, unsigned int i, struct ctl_reply *r,
		       uint64_t now)
{
	const struct bus *bus = xc ? &xc->bus[i] : NULL;
	struct canio_stats s;

	if (!bus || !bus->enabled) {
		ctl_printf(r, "can%u:   disabled\n", i + 1u);
		return;
	}
	bus_totals(bus, &s);
	if (i == BUS1)
		ctl_printf(r, "can1:   %s profile, every %u ms, on %s: %s", can1_profile_name(
				   xc->x1.profile), xc->x1.period_ms, bus->uri, bus_state(bus));
	else
		ctl_printf(r, "can2:   feed at 0x%03X..0x%03X, every %u ms, on %s: %s",
			   xc->x2.base_id, xc->x2.base_id + CAN2_COUNT - 1u,
			   xc->x2.sched.period_ms, bus->uri, bus_state(bus));
	if (bus->last_err)
		ctl_printf(r, " (%s)", strerror(-bus->last_err));
	if (bus->stuck)
		ctl_printf(r, "\n  full: transmit queue full for %" PRIu64 " s (no peer reading?): "
			   "%" PRIu64 " frames dropped, %" PRIu64 " reopenings",
			   (now - bus->stuck_since_ms) / 1000u, bus->stuck_dropped,
			   bus->stuck_reopens);
	ctl_printf(r, "\n  tx:   %" PRIu64 " frames, %" PRIu64 " dropped (queue full), %" PRIu64
		   " send errors, %" PRIu64 " left out (values not known), %" PRIu64
		   " skipped (bus-off)\n", s.tx_frames, s.tx_dropped, bus->send_errors,
		   i == BUS1 ? xc->x1.omitted : 0u, bus->skipped);
	ctl_printf(r, "  rx:   %" PRIu64 " frames, %" PRIu64 " dropped, %" PRIu64 " malformed\n",
		   s.rx_frames, s.rx_dropped, s.rx_malformed);
	ctl_printf(r, "  bus:  %" PRIu64 " error frames, %" PRIu64 " bus-off, %" PRIu64
		   " restarts, %" PRIu64 " opens, %" PRIu64 " open failures\n", s.bus_errors,
		   s.bus_off, s.restarts, bus->opens, bus->open_failures);
	if (i != BUS1)
		return;
	if (!xc->ka.watch) {
		ctl_printf(r, "  peer: keep-alive 0x%03X not watched, %" PRIu64 " received\n",
			   CAN1_KEEPALIVE_ID, xc->ka.frames);
		return;
	}
	ctl_printf(r, "  peer: keep-alive 0x%03X %s, ", CAN1_KEEPALIVE_ID,
		   ka_state_name(&xc->ka));
	if (xc->ka.seen)
		ctl_printf(r, "last %" PRIu64 " ms ago", now - xc->ka.last_ms);
	else
		ctl_printf(r, "never seen");
	ctl_printf(r, " (timeout %u ms), %" PRIu64 " received, %" PRIu64 " losses\n",
		   xc->ka.timeout_ms, xc->ka.frames, xc->ka.losses);
}

int can_if_stats(const struct can_if *xc, struct ctl_reply *r, bool json)
{
	uint64_t now = loop_now_ms();

	if (!json) {
		for (unsigned int i = 0; i < NBUS; i++)
			stats_text(xc, i, r, now);
		return 0;
	}
	ctl_printf(r, "{");
	stats_json(xc, BUS1, r, now);
	ctl_printf(r, ",");
	stats_json(xc, BUS2, r, now);
	ctl_printf(r, "}\n");
	return 0;
}
