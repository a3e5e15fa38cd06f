/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "link.h"

#include <errno.h>
#include <string.h>

enum {
	PH_IDLE = 0, /* no push in flight */
	PH_SENDING,  /* push frames going out, LINK_PUSH_PER_TICK per tick */
	PH_WAITING,  /* commit sent at commit_ms; waiting for the echo */
};

/* ---- events ------------------------------------------------------------- */

static void emit(struct link *l, unsigned int ev)
{
	l->ev_now |= ev;
	l->changes |= ev;
}

static void flush(struct link *l)
{
	unsigned int ev = l->ev_now & ~(unsigned int)LINK_EV_SNAPSHOT;

	/* cleared first: the callback may call back into the link */
	l->ev_now = 0;
	if (ev && l->ev_fn)
		l->ev_fn(l->ev_arg, ev);
}

static void update_state(struct link *l)
{
	enum link_state s;

	if (!l->heard)
		s = LINK_DOWN;
	else if (!l->have_cfg)
		s = LINK_NOCONFIG;
	else if (l->verified)
		s = LINK_UP;
	else
		s = LINK_CONFIGURING;
	if (s != l->state) {
		l->state = s;
		emit(l, LINK_EV_STATE);
	}
}

/* ---- transmit ----------------------------------------------------------- */

static int tx_frame(struct link *l, const struct bp_frame *f)
{
	int rc = l->send(l->send_arg, f);

	if (rc < 0) {
		l->st.tx_errors++;
		return rc;
	}
	l->st.tx_frames++;
	return 0;
}

static int tx_msg(struct link *l, const struct bp_msg *m)
{
	struct bp_frame f;

	if (bp_encode(m, &f) != BP_OK) {
		l->st.tx_errors++;
		return -EINVAL;
	}
	return tx_frame(l, &f);
}

static void send_output(struct link *l)
{
	struct bp_msg m = { .type = BP_T_OUTPUT_CMD };

	m.u.out.ctr = l->out_ctr;
	m.u.out.relays = l->relays;
	m.u.out.dos = l->dos;
	m.u.out.flags = l->flags;
	if (tx_msg(l, &m) < 0) {
		l->out_dirty = true; /* again at the next tick */
		return;
	}
	/* a counter counts frames sent, so it moves only on success */
	l->out_ctr++;
	l->flags = 0;
	l->out_dirty = false;
	l->out_next_ms = l->now_ms + LINK_OUTPUT_PERIOD_MS;
}

static int send_heartbeat(struct link *l)
{
	struct bp_msg m = { .type = BP_T_HEARTBEAT };

	m.u.hb.ctr = l->hb_ctr;
	m.u.hb.daemon_state = l->daemon_state;
	m.u.hb.cfg_crc = l->crc;
	if (tx_msg(l, &m) < 0)
		return -1;
	l->hb_ctr++;
	return 0;
}

static int send_balance(struct link *l, uint8_t board)
{
	struct bp_msg m = { .type = BP_T_BAL_CMD };

	m.u.bal.ctr = l->bal_ctr;
	m.u.bal.board = board;
	m.u.bal.mask = l->bal_mask[board];
	if (tx_msg(l, &m) < 0)
		return -1;
	l->bal_ctr++;
	return 0;
}

/* ---- verification ------------------------------------------------------- */

/* Outputs refused from now on; the stored command is all-open, and if
 * commands were flowing, one all-open command says so at once. */
static void unverify(struct link *l)
{
	bool was = l->verified;

	l->verified = false;
	l->relays = 0;
	l->dos = 0;
	l->flags = 0;
	l->bal_dirty = 0;
	memset(l->bal_mask, 0, sizeof(l->bal_mask));
	if (was)
		send_output(l);
}

static void verify(struct link *l)
{
	l->verified = true;
	l->phase = PH_IDLE;
	l->st.cfg_verified++;
	emit(l, LINK_EV_CFG_VERIFIED);
	l->hb_next_ms = l->now_ms;
	l->out_next_ms = l->now_ms;
	l->out_dirty = false;
}

static void comm_fault(struct link *l)
{
	l->comm_fault = true;
	l->st.comm_faults++;
	emit(l, LINK_EV_COMM_FAULT);
	unverify(l);
	l->phase = PH_IDLE;
	l->mcu_known = false;
	l->proto_known = false;
	l->proto_ok = false;
	pmodel_reset(l->pm);
	/* the counters resume from wherever the MCU is: what went missing
	 * during the fault is the fault, not frames lost */
	for (unsigned int i = 0; i < BP_T_COUNT; i++)
		l->seq[i].seen = false;
}

static void take_status(struct link *l, const struct bp_status *s, uint64_t now_ms)
{
	bool first = !l->mcu_known;
	struct bp_status prev = l->mcu;
	bool ours;

	l->mcu = *s;
	l->mcu_known = true;
	l->status_ms = now_ms;
	if (!l->heard) {
		l->heard = true;
		emit(l, LINK_EV_UP);
		if (l->comm_fault) {
			l->comm_fault = false;
			emit(l, LINK_EV_COMM_OK);
		}
	}
	if (first || prev.safety != s->safety) {
		emit(l, LINK_EV_SAFETY);
		/* the floor opened everything; closing again must be asked for
		 * again, not replayed after a trip reset */
		if (s->safety == BP_SAFETY_TRIPPED)
			l->relays = 0;
	}
	if (first ? s->trip != 0 : prev.trip != s->trip)
		emit(l, LINK_EV_TRIP);

	ours = l->have_cfg && s->cfg_state == BP_CFG_ACTIVE && s->cfg_crc == l->crc;
	if (l->verified) {
		if (!ours) {
			l->st.cfg_lost++;
			emit(l, LINK_EV_CFG_LOST);
			unverify(l);
		}
	} else if (l->phase == PH_WAITING) {
		if (ours) {
			verify(l);
		} else if (s->cfg_state == BP_CFG_REJECTED && !first &&
			   prev.cfg_state != BP_CFG_REJECTED && !l->rejected) {
			/* only an edge into REJECTED is this push's verdict; a
			 * REJECTED that was already there may be an older one */
			l->rejected = true;
			l->st.cfg_rejects++;
			emit(l, LINK_EV_CFG_REJECTED);
		}
	}
}

static void take_version(struct link *l, const struct bp_version *v)
{
	bool ok = v->proto == BP_PROTO_VERSION;

	if (!ok) {
		l->st.proto_mismatch++;
		if (!l->proto_known || l->proto_ok)
			emit(l, LINK_EV_PROTO);
		unverify(l);
		l->phase = PH_IDLE;
	}
	l->proto_known = true;
	l->proto_ok = ok;
}

/* ---- receive ------------------------------------------------------------ */

static void touch(struct link *l, uint64_t now_ms)
{
	if (!l->started) {
		l->started = true;
		l->start_ms = now_ms;
	}
	l->now_ms = now_ms;
}

static int ctr_of(const struct bp_msg *m)
{
	switch (m->type) {
	case BP_T_STATUS:
		return m->u.status.ctr;
	case BP_T_CURRENT:
		return m->u.cur.ctr;
	case BP_T_CHARGE_IN:
	case BP_T_CHARGE_OUT:
		return m->u.chg.ctr;
	case BP_T_IO:
		return m->u.io.ctr;
	case BP_T_EXT:
		return m->u.ext.ctr;
	case BP_T_LOGIC:
		return m->u.logic.ctr;
	case BP_T_CAL:
		return m->u.cal.ctr;
	case BP_T_VERSION:
		return m->u.ver.ctr;
	default:
		return -1;
	}
}

int link_rx(struct link *l, const struct bp_frame *f, uint64_t now_ms)
{
	struct link_stream *s;
	struct bp_msg m;
	int rc, ctr;

	touch(l, now_ms);
	l->st.rx_frames++;
	rc = bp_decode(f, &m);
	if (rc != BP_OK) {
		if (rc == BP_EUNKNOWN)
			l->st.rx_unknown++;
		else if (rc == BP_ESHORT)
			l->st.rx_bad_dlc++;
		else
			l->st.rx_range++;
		return rc;
	}
	switch (m.type) {
	case BP_T_HEARTBEAT:
	case BP_T_OUTPUT_CMD:
	case BP_T_BAL_CMD:
	case BP_T_CFG_DATA:
	case BP_T_CFG_COMMIT:
		/* our own frames, looped back by the interface or the bus */
		l->st.rx_echo++;
		return 0;
	default:
		break;
	}

	s = &l->st.stream[m.type];
	s->received++;
	s->last_ms = now_ms;
	ctr = ctr_of(&m);
	if (ctr >= 0)
		s->lost += bp_seq_update(&l->seq[m.type], (uint8_t)ctr);

	rc = pmodel_feed(l->pm, &m, now_ms);
	if (rc == 1) {
		emit(l, LINK_EV_SNAPSHOT);
	} else if (m.type == BP_T_STATUS) {
		take_status(l, &m.u.status, now_ms);
		update_state(l);
	} else if (m.type == BP_T_VERSION) {
		take_version(l, &m.u.ver);
		update_state(l);
	}
	if (l->ev_now)
		flush(l);
	return rc == 1 ? 1 : 0;
}

/* ---- tick --------------------------------------------------------------- */

bool link_overdue(const struct link *l, uint64_t now_ms)
{
	return l->heard && now_ms > l->status_ms && now_ms - l->status_ms > l->stale_ms;
}

static void check_health(struct link *l, uint64_t now_ms)
{
	if (l->heard) {
		if (link_overdue(l, now_ms)) {
			l->heard = false;
			emit(l, LINK_EV_DOWN);
			comm_fault(l);
		}
	} else if (!l->comm_fault && now_ms - l->start_ms > l->stale_ms) {
		/* nothing heard at all since start */
		comm_fault(l);
	}
}

static void run_push(struct link *l, uint64_t now_ms)
{
	if (l->phase == PH_WAITING && now_ms - l->commit_ms >= l->cfg_timeout_ms) {
		if (!l->rejected && l->mcu_known && l->mcu.cfg_state == BP_CFG_REJECTED) {
			/* the edge into REJECTED went unseen (LOADING and
			 * REJECTED fell into one MCU tick): still a verdict */
			l->rejected = true;
			l->st.cfg_rejects++;
			emit(l, LINK_EV_CFG_REJECTED);
		} else if (!l->rejected) {
			emit(l, LINK_EV_CFG_TIMEOUT);
		}
		l->st.cfg_retries++;
		l->phase = PH_IDLE;
	}
	if (l->phase == PH_IDLE && !l->verified && l->have_cfg && l->proto_ok) {
		l->phase = PH_SENDING;
		l->push_next = 0;
		l->rejected = false;
		l->st.cfg_pushes++;
	}
	if (l->phase != PH_SENDING)
		return;
	for (unsigned int n = 0; n < LINK_PUSH_PER_TICK && l->push_next < l->npush; n++) {
		if (tx_frame(l, &l->push[l->push_next]) < 0)
			break; /* the same frame again at the next tick */
		l->push_next++;
	}
	if (l->push_next == l->npush) {
		l->phase = PH_WAITING;
		l->commit_ms = now_ms;
	}
}

static void run_commands(struct link *l, uint64_t now_ms)
{
	uint32_t due;

	if (now_ms >= l->hb_next_ms && send_heartbeat(l) == 0) {
		l->hb_next_ms += l->hb_period_ms;
		if (l->hb_next_ms <= now_ms) /* fell behind: no burst */
			l->hb_next_ms = now_ms + l->hb_period_ms;
	}
	if (l->out_dirty || now_ms >= l->out_next_ms)
		send_output(l);
	due = l->bal_dirty;
	for (unsigned int b = 0; b < BP_MAX_BOARDS; b++)
		if (l->bal_mask[b] && now_ms >= l->bal_next_ms[b])
			due |= 1u << b;
	for (unsigned int b = 0; due; b++, due >>= 1) {
		if (!(due & 1u))
			continue;
		if (send_balance(l, (uint8_t)b) < 0)
			break;
		l->bal_dirty &= ~(1u << b);
		l->bal_next_ms[b] = now_ms + LINK_BAL_PERIOD_MS;
	}
}

void link_tick(struct link *l, uint64_t now_ms)
{
	touch(l, now_ms);
	check_health(l, now_ms);
	if (l->heard) {
		run_push(l, now_ms);
		if (l->verified)
			run_commands(l, now_ms);
	}
	update_state(l);
	flush(l);
}

/* ---- commands ----------------------------------------------------------- */

int link_set_outputs(struct link *l, uint8_t relays, uint8_t dos)
{
	if ((relays | dos) & 0xF0u)
		return -EINVAL;
	if (l->state != LINK_UP)
		return -EPERM;
	if (relays != l->relays || dos != l->dos) {
		l->relays = relays;
		l->dos = dos;
		send_output(l);
	}
	return 0;
}

void link_get_outputs(const struct link *l, uint8_t *relays, uint8_t *dos)
{
	if (relays)
		*relays = l->relays;
	if (dos)
		*dos = l->dos;
}

int link_trip_reset(struct link *l)
{
	if (l->state != LINK_UP)
		return -EPERM;
	l->flags |= BP_CMD_TRIP_RESET;
	send_output(l);
	return 0;
}

int link_zero_cal(struct link *l, unsigned int sensor)
{
	if (sensor >= BP_NUM_CURRENT)
		return -EINVAL;
	if (l->state != LINK_UP)
		return -EPERM;
	l->flags |= sensor ? BP_CMD_ZERO_CAL_S2 : BP_CMD_ZERO_CAL_S1;
	send_output(l);
	return 0;
}

int link_set_balance(struct link *l, uint8_t board, uint32_t mask)
{
	if (board >= BP_MAX_BOARDS || mask > 0xFFFFFFu)
		return -EINVAL;
	if (l->state != LINK_UP)
		return -EPERM;
	if (mask != l->bal_mask[board]) {
		l->bal_mask[board] = mask;
		l->bal_dirty |= 1u << board;
	}
	return 0;
}

/* The MCU must wait longer than one heartbeat period, or it trips between
 * two heartbeats that arrive on time. */
static bool cfg_fits(const struct bp_config *c, uint32_t hb_period_ms)
{
	return !c || (bp_config_check(c) == BP_OK && c->heartbeat_timeout_ms > hb_period_ms);
}

int link_set_config(struct link *l, const struct bp_config *c)
{
	if (c) {
		struct bp_frame fr[BP_CFG_MAX_SEGMENTS + 1];
		uint32_t crc = 0;
		int n;

		if (!cfg_fits(c, l->hb_period_ms))
			return -EINVAL;
		n = bp_config_push(c, fr, BP_CFG_MAX_SEGMENTS + 1, &crc);
		if (n <= 0)
			return -EINVAL;
		if (l->have_cfg && crc == l->crc) {
			l->cfg = *c;
			return 0;
		}
		memcpy(l->push, fr, (size_t)n * sizeof(fr[0]));
		l->npush = (uint8_t)n;
		l->crc = crc;
		l->cfg = *c;
		l->have_cfg = true;
	} else {
		if (!l->have_cfg)
			return 0;
		l->have_cfg = false;
		l->crc = 0;
		l->npush = 0;
	}
	unverify(l);
	l->phase = PH_IDLE;
	update_state(l);
	flush(l);
	return 0;
}

static void take_params(struct link *l, const struct link_params *p)
{
	l->hb_period_ms = p->heartbeat_period_ms ? p->heartbeat_period_ms :
						   LINK_HEARTBEAT_PERIOD_MS_DEFAULT;
	l->stale_ms = p->stale_ms ? p->stale_ms : LINK_STALE_MS_DEFAULT;
	l->cfg_timeout_ms = p->config_timeout_ms ? p->config_timeout_ms :
						   LINK_CONFIG_TIMEOUT_MS_DEFAULT;
}

int link_reconfigure(struct link *l, const struct link_params *p)
{
	struct link_params d = { 0 };

	if (!p)
		return -EINVAL;
	d.heartbeat_period_ms = p->heartbeat_period_ms ? p->heartbeat_period_ms :
							 LINK_HEARTBEAT_PERIOD_MS_DEFAULT;
	if (!cfg_fits(p->cfg, d.heartbeat_period_ms))
		return -EINVAL;
	take_params(l, p);
	return link_set_config(l, p->cfg);
}

void link_set_daemon_state(struct link *l, uint8_t state)
{
	l->daemon_state = state;
}

/* ---- set-up and queries ------------------------------------------------- */

int link_init(struct link *l, const struct link_params *p, struct pmodel *pm,
	      link_send_fn send, void *arg)
{
	if (!p || !pm || !send)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	take_params(l, p);
	l->pm = pm;
	l->send = send;
	l->send_arg = arg;
	l->state = LINK_DOWN;
	pmodel_init(pm);
	if (p->cfg && link_set_config(l, p->cfg) < 0)
		return -EINVAL;
	l->changes = 0;
	l->ev_now = 0;
	return 0;
}

void link_set_event_cb(struct link *l, link_event_fn fn, void *arg)
{
	l->ev_fn = fn;
	l->ev_arg = arg;
}

unsigned int link_changes(struct link *l)
{
	unsigned int c = l->changes;

	l->changes = 0;
	return c;
}

enum link_state link_state(const struct link *l)
{
	return l->state;
}

const char *link_state_name(enum link_state s)
{
	switch (s) {
	case LINK_DOWN:
		return "down";
	case LINK_NOCONFIG:
		return "noconfig";
	case LINK_CONFIGURING:
		return "configuring";
	case LINK_UP:
		return "up";
	}
	return "?";
}

bool link_comm_fault(const struct link *l)
{
	return l->comm_fault;
}

bool link_verified(const struct link *l)
{
	return l->state == LINK_UP;
}

uint32_t link_cfg_crc(const struct link *l)
{
	return l->have_cfg ? l->crc : 0;
}

bool link_mcu_status(const struct link *l, struct bp_status *out)
{
	if (!l->heard || !l->mcu_known)
		return false;
	if (out)
		*out = l->mcu;
	return true;
}

int link_mcu_safety(const struct link *l)
{
	return link_mcu_status(l, NULL) ? l->mcu.safety : -1;
}

int link_mcu_cfg_state(const struct link *l)
{
	return link_mcu_status(l, NULL) ? l->mcu.cfg_state : -1;
}

int link_mcu_trip(const struct link *l)
{
	return link_mcu_status(l, NULL) ? l->mcu.trip : -1;
}

const struct link_stats *link_stats(const struct link *l)
{
	return &l->st;
}

uint64_t link_stream_age_ms(const struct link *l, enum bp_type type, uint64_t now_ms)
{
	const struct link_stream *s;

	if ((unsigned int)type >= BP_T_COUNT)
		return UINT64_MAX;
	s = &l->st.stream[type];
	if (!s->received)
		return UINT64_MAX;
	return now_ms > s->last_ms ? now_ms - s->last_ms : 0;
}

uint64_t link_lost_total(const struct link *l)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < BP_T_COUNT; i++)
		n += l->st.stream[i].lost;
	return n;
}

const char *link_event_name(unsigned int ev)
{
	static const char *const names[LINK_EV_COUNT] = {
		"up",
		"down",
		"comm-fault",
		"comm-ok",
		"cfg-verified",
		"cfg-rejected",
		"cfg-timeout",
		"cfg-lost",
		"mcu-safety",
		"mcu-trip",
		"proto",
		"state",
		"snapshot",
	};

	for (unsigned int i = 0; i < LINK_EV_COUNT; i++)
		if (ev == 1u << i)
			return names[i];
	return "?";
}
