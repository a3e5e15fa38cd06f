/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batt: the battery logic wired into bmsd. The order of a step matters:
 * the protections see the contactor faults of the previous step (welds,
 * feedback, precharge), the contactor control sees this step's
 * protections, and the limits see what the contactor control allows, so a
 * blocked path has a limit of 0 in the same step that starts its soft stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "batt.h"
#include "bmsd.h"
#include "can_if.h"
#include "events.h"
#include "log.h"
#include "state.h"

/* ---- events ------------------------------------------------------------ */

static void value_text(enum prot_id id, int32_t v, char *buf, size_t n)
{
	const char *u = prot_unit(id);

	if (!strcmp(u, "mA") && v == PROT_OVER_RANGE)
		snprintf(buf, n, "current sensor out of range");
	else if (!strcmp(u, "dC"))
		snprintf(buf, n, "%.1f degC", v / 10.0);
	else if (!strcmp(u, "dpct"))
		snprintf(buf, n, "%.1f %%RH", v / 10.0);
	else if (*u)
		snprintf(buf, n, "%" PRId32 " %s", v, u);
	else
		snprintf(buf, n, "condition");
}

static int tier_prio(enum prot_tier t)
{
	return t == PROT_TIER_CRITICAL ? LOG_CRIT : t == PROT_TIER_ALARM ? LOG_ERR : LOG_WARNING;
}

static void on_prot_event(void *arg, enum prot_id id, enum prot_state from, enum prot_state to,
			  int32_t value)
{
	struct bmsd *b = arg;
	struct batt *t = &b->batt;
	const struct prot *p = &t->prot;
	uint64_t now = t->rx_us ? t->rx_us : loop_now_us();
	enum prot_tier tier = prot_tier_of(p, id);
	enum prot_action act = prot_action_of(p, id);
	char v[48];

	value_text(id, value, v, sizeof(v));
	if (to == PROT_ST_SETTING)
		t->setting_us[id] = now;
	if (to == PROT_ST_ACTIVE && from != PROT_ST_CLEARING && from != PROT_ST_LATCHED) {
		if (from != PROT_ST_SETTING)
			t->setting_us[id] = now;
		if (tier == PROT_TIER_CRITICAL && act == PROT_ACT_OPEN_ALL && !t->pending_us) {
			t->pending_us = t->setting_us[id];
			t->pending_delay_ms = prot_cfg(&b->cfg->protections, id)->set_delay_ms;
		}
		bmsd_event(b, EV_PROT_SET, tier_prio(tier), "protection %s set%s%s (%s, %s)",
			   prot_key(id), *prot_unit(id) ? ": " : "", *prot_unit(id) ? v : "",
			   prot_tier_name(tier), prot_action_name(act));
	} else if (to == PROT_ST_ACTIVE && from == PROT_ST_LATCHED) {
		bmsd_event(b, EV_PROT_SET, tier_prio(tier), "protection %s set again%s%s",
			   prot_key(id), *prot_unit(id) ? ": " : "", *prot_unit(id) ? v : "");
	} else if (to == PROT_ST_LATCHED) {
		bmsd_event(b, EV_PROT_LATCHED, LOG_WARNING,
			   "protection %s gone%s%s%s, held until a fault reset", prot_key(id),
			   *prot_unit(id) ? " (" : "", *prot_unit(id) ? v : "",
			   *prot_unit(id) ? ")" : "");
	} else if (to == PROT_ST_CLEAR && from == PROT_ST_LATCHED) {
		bmsd_event(b, EV_PROT_RESET, LOG_NOTICE, "protection %s reset", prot_key(id));
	} else if (to == PROT_ST_CLEAR && (from == PROT_ST_ACTIVE || from == PROT_ST_CLEARING)) {
		bmsd_event(b, EV_PROT_CLEAR, LOG_NOTICE, "protection %s cleared%s%s", prot_key(id),
			   *prot_unit(id) ? ": " : "", *prot_unit(id) ? v : "");
	}
}

static void on_cc_event(void *arg, enum cc_event ev, unsigned int detail)
{
	struct bmsd *b = arg;
	bool fault = ev == CC_EV_FEEDBACK_MISMATCH || ev == CC_EV_WELDED ||
		     ev == CC_EV_PRECHARGE_FAILED;
	bool relay = ev == CC_EV_FEEDBACK_MISMATCH || ev == CC_EV_FEEDBACK_OK ||
		     ev == CC_EV_WELDED;
	bool attempt = ev == CC_EV_PRECHARGE_START || ev == CC_EV_PRECHARGE_RETRY ||
		       ev == CC_EV_PRECHARGE_FAILED;
	bool path = ev == CC_EV_SOFT_STOP_START || ev == CC_EV_SOFT_STOP_END ||
		    ev == CC_EV_SOFT_STOP_TIMEOUT || ev == CC_EV_SOFT_STOP_CANCEL;

	if (relay)
		bmsd_event(b, fault ? EV_CONTACTOR_FAULT : EV_CONTACTOR,
			   ev == CC_EV_WELDED ? LOG_CRIT : fault ? LOG_ERR : LOG_NOTICE,
			   "%s: relay %u", cc_event_name(ev), detail);
	else if (attempt)
		bmsd_event(b, fault ? EV_CONTACTOR_FAULT : EV_CONTACTOR,
			   fault ? LOG_ERR : LOG_NOTICE, "%s (attempt %u)", cc_event_name(ev),
			   detail);
	else if (path)
		bmsd_event(b, EV_CONTACTOR, LOG_NOTICE, "%s (%s path)", cc_event_name(ev),
			   cc_path_name((enum cc_path)detail));
	else
		bmsd_event(b, ev == CC_EV_RESET ? EV_CONTACTOR_FAULT : EV_CONTACTOR, LOG_NOTICE,
			   "%s", cc_event_name(ev));
}

/* ---- set-up ------------------------------------------------------------ */

/* How the state file's writes go, as the disk writer completes them. */
static void on_state_news(void *arg, int rc, const char *msg)
{
	bmsd_event(arg, EV_STATE_FILE, rc < 0 ? LOG_ERR : LOG_NOTICE, "%s", msg);
}

static void saver_start(struct bmsd *b)
{
	struct batt *t = &b->batt;
	int rc;

	snprintf(t->state_file, sizeof(t->state_file), "%s", b->cfg->soc.state_file);
	rc = state_saver_start(t->state_file, b->dw, on_state_news, b, &t->saver);
	if (rc < 0) {
		t->saver = NULL;
		bmsd_event(b, EV_STATE_FILE, LOG_ERR, "state file %s: cannot start its writer: %s",
			   t->state_file, strerror(-rc));
	}
}

/* ---- latches across restarts ----------------------------------------- */

static void latches_now(struct bmsd *b, struct batt_latches *l)
{
	struct batt *t = &b->batt;

	l->prot = prot_latch_mask(&t->prot);
	l->welded = cc_welded_latched(&t->cc);
	l->precharge_failed = cc_precharge_latched(&t->cc);
	l->disconnect = b->disconnect_req;
}

static bool latches_equal(const struct batt_latches *a, const struct batt_latches *b)
{
	return a->prot == b->prot && a->welded == b->welded &&
	       a->precharge_failed == b->precharge_failed && a->disconnect == b->disconnect;
}

/* Hand the whole state, SOC and latches, to the saver. */
static void persist_submit(struct bmsd *b)
{
	struct batt *t = &b->batt;
	struct soc_persist ps;
	struct batt_latches l;

	latches_now(b, &l);
	t->saved = l;
	if (!t->saver)
		return;
	soc_persist_get(&t->soc, &ps);
	ps.prot_latched = l.prot;
	ps.welded_mask = l.welded;
	ps.precharge_failed = l.precharge_failed;
	ps.disconnect = l.disconnect;
	state_saver_submit(t->saver, &ps);
}

/* A latch goes to disk the step it is set (an emergency stop while it is
 * pressed, not only once it is released), long before a restart could
 * need it. */
static void latches_save(struct bmsd *b)
{
	struct batt_latches l;

	latches_now(b, &l);
	if (!latches_equal(&l, &b->batt.saved))
		persist_submit(b);
}

/* At start, before anything can close: the latches of the previous run. */
static void latches_restore(struct bmsd *b, const struct soc_persist *ps, const char *file)
{
	struct batt *t = &b->batt;
	uint32_t mask = ps->prot_latched & ((1u << PROT_COUNT) - 1u), got;

	got = prot_restore_latched(&t->prot, mask);
	for (unsigned int i = 0; i < PROT_COUNT; i++)
		if (got & (1u << i))
			bmsd_event(b, EV_PROT_LATCHED, LOG_WARNING,
				   "restored latch %s from %s: held until a fault reset",
				   prot_key((enum prot_id)i), file);
	for (unsigned int i = 0; i < PROT_COUNT; i++)
		if ((mask & ~got) & (1u << i))
			bmsd_event(b, EV_PROT_LATCHED, LOG_WARNING,
				   "latch %s in %s not restored: the protection is disabled",
				   prot_key((enum prot_id)i), file);
	cc_restore_latches(&t->cc, ps->welded_mask, ps->precharge_failed);
	for (unsigned int i = 0; i < CC_RELAYS; i++)
		if (ps->welded_mask & (1u << i))
			bmsd_event(b, EV_CONTACTOR_FAULT, LOG_CRIT,
				   "restored latch welded relay %u from %s: held until a fault reset",
				   i + 1, file);
	if (ps->precharge_failed)
		bmsd_event(b, EV_CONTACTOR_FAULT, LOG_ERR,
			   "restored latch precharge-failed from %s: held until a fault reset",
			   file);
	if (ps->disconnect) {
		b->disconnect_req = true;
		bmsd_event(b, EV_OPERATION, LOG_WARNING,
			   "restored latch maintenance disconnect from %s: the contactors stay open "
			   "until connect", file);
	}
}

static void soc_start(struct bmsd *b)
{
	struct batt *t = &b->batt;
	const struct cfg *c = b->cfg;
	struct soc_persist ps;
	char err[300];
	int rc = state_read(c->soc.state_file, &ps, NULL, err, sizeof(err));

	if (rc < 0 && rc != -ENOENT) {
		/* the latches of the last run are unknown: a restart must not
		 * become a reset, so the pack stays disconnected until an
		 * operator has looked */
		b->disconnect_req = true;
		bmsd_event(b, EV_STATE_FILE, LOG_CRIT,
			   "%s; SOC starts unknown, latches unknown: the contactors stay open "
			   "(maintenance disconnect) until bmsctl connect", err);
	}
	if (rc == 0)
		latches_restore(b, &ps, c->soc.state_file);
	if (rc == -ENOENT)
		log_info("state file %s: none yet; SOC starts from the cell voltages",
			 c->soc.state_file);
	if (soc_init(&t->soc, &c->soc, rc == 0 ? &ps : NULL) == -EINVAL && rc == 0)
		bmsd_event(b, EV_STATE_FILE, LOG_WARNING,
			   "state file %s: values refused (config changed?); SOC starts unknown",
			   c->soc.state_file);
	soc_read(&t->soc, &t->so);
	/* what is on disk now (a corrupt file's disconnect is not yet) */
	t->saved = (struct batt_latches){ 0 };
	if (rc == 0) {
		t->saved.prot = ps.prot_latched;
		t->saved.welded = ps.welded_mask;
		t->saved.precharge_failed = ps.precharge_failed;
		t->saved.disconnect = ps.disconnect;
	}
}

void batt_apply(struct bmsd *b)
{
	struct batt *t = &b->batt;
	const struct cfg *c = b->cfg;
	uint64_t now = loop_now_ms();

	if (!c)
		return;
	if (!t->on) {
		memset(t, 0, sizeof(*t));
		t->fast_timer = -1;
		prot_init(&t->prot, &c->protections, on_prot_event, b);
		cc_init(&t->cc, c, on_cc_event, b, now);
		heater_init(&t->heat, &c->heater);
		limits_init(&t->lim, &c->limits);
		soc_start(b);
		saver_start(b);
		t->on = true;
	} else {
		prot_configure(&t->prot, &c->protections);
		cc_set_config(&t->cc, c, now);
		heater_reconfigure(&t->heat, &c->heater);
		limits_reconfigure(&t->lim, &c->limits);
		soc_configure(&t->soc, &c->soc);
		if (strcmp(t->state_file, c->soc.state_file)) {
			state_saver_stop(t->saver);
			t->saver = NULL;
			saver_start(b);
			/* the new file holds the latches at once */
			persist_submit(b);
		}
	}
	balance_init(&t->bal, &c->balancing, c->pack.boards, c->pack.cells_per_board);
}

/* ---- the step ---------------------------------------------------------- */

static uint32_t boards_mask(uint32_t boards)
{
	return boards >= 32u ? 0xFFFFFFFFu : (1u << boards) - 1u;
}

static uint32_t conditions(struct bmsd *b, unsigned int faults)
{
	struct batt *t = &b->batt;
	const struct bp_logic *lg = pmodel_logic(&b->pm);
	const struct pmodel_summary *s = pmodel_summary(&b->pm);
	uint32_t want = boards_mask(b->cfg->pack.boards), cond = 0;

#define COND(id, v) ((v) ? (1u << (PROT_##id)) : 0u)
	if (b->cfg->pack.boards && lg)
		cond |= COND(LOGIC_OFFLINE, (lg->online & want) != want);
	cond |= fault_conditions(faults);
	cond |= COND(SENSOR, s && s->sensor_faults);
	cond |= COND(EXT_OFFLINE, can_if_peer_alive(b->xc) == 0);
	cond |= COND(FEEDBACK, t->co.feedback_mismatch);
	cond |= COND(WELDED, t->co.welded);
	cond |= COND(PRECHARGE, t->co.precharge_failed);
	cond |= COND(HEATER, t->ho.fault);
	cond |= COND(EMERGENCY_STOP, t->co.estop);
	cond |= COND(INSULATION, t->co.insulation);
#undef COND
	return cond;
}

/* The pack current that a soft stop may wait for: known, and neither out
 * of range nor implausible. *@over_range: no current, and the MCU flags a
 * sensor out of range (saturated): an over-current of unknown sign. */
static bool current_trusted(const struct bp_current *cur, bool known, bool *over_range)
{
	*over_range = false;
	if (!cur)
		return false;
	if (!known) {
		*over_range = (cur->flags & (BP_CUR_S1_RANGE | BP_CUR_S2_RANGE)) != 0;
		return false;
	}
	return !(cur->flags & BP_CUR_IMPLAUSIBLE);
}

/* Nothing closes before the pack has been judged on a full snapshot: every
 * configured board online with all its cells and temperatures, and the
 * current known. After a link loss the pack model starts empty, so this
 * also holds after every re-verification. */
static bool snapshot_full(const struct bmsd *b, const struct pmodel_summary *s, bool cur_ok)
{
	const struct cfg *c = b->cfg;
	uint32_t want = boards_mask(c->pack.boards);
	bool sensor = false;

	if (c->pack.boards) {
		if (!s || (s->online_mask & want) != want)
			return false;
		if (s->cells_valid < c->pack.boards * c->pack.cells_per_board)
			return false;
		if (s->temps_valid < c->pack.boards * c->pack.temps_per_board)
			return false;
	}
	for (unsigned int i = 0; i < CFG_CURRENT_SENSORS; i++)
		sensor |= c->current_sensors.cs[i].enabled;
	return !sensor || cur_ok;
}

static void soc_events(struct bmsd *b)
{
	struct batt *t = &b->batt;
	char line[200];

	for (unsigned int bit = 1; bit && bit <= t->so.events; bit <<= 1) {
		int code;

		if (!(t->so.events & bit))
			continue;
		code = soc_event_text(&t->so, bit, line, sizeof(line));
		if (code > 0)
			bmsd_event(b, (unsigned int)code, LOG_NOTICE, "%s", line);
		else
			log_info("%s", line);
	}
}

/*
 * After a reset sent while the MCU was tripped: once the MCU no longer
 * reports the trip (it cleared it on that request: it clears a trip on
 * nothing else while the link stays verified), safety_floor_trip, which
 * went LATCHED when its condition went, is cleared too, once. If the MCU
 * trips again first, or the link is lost (a rebooted MCU forgets its
 * trips), the request is over.
 */
static void mcu_reset_follow(struct bmsd *b, uint64_t now)
{
	struct batt *t = &b->batt;
	int safety = link_mcu_safety(&b->link);
	enum prot_state st = prot_state_of(&t->prot, PROT_MCU_TRIP);

	if (t->mcu_reset == BATT_MCU_RESET_NONE)
		return;
	if (!link_verified(&b->link) || safety < 0) {
		t->mcu_reset = BATT_MCU_RESET_NONE;
		return;
	}
	if (t->mcu_reset == BATT_MCU_RESET_SENT) {
		if (safety != BP_SAFETY_TRIPPED)
			t->mcu_reset = BATT_MCU_RESET_CLEARED;
		else
			return;
	} else if (safety == BP_SAFETY_TRIPPED) {
		t->mcu_reset = BATT_MCU_RESET_NONE;
		return;
	}
	if (st == PROT_ST_LATCHED) {
		prot_reset_mask(&t->prot, 1u << PROT_MCU_TRIP, now);
		t->mcu_reset = BATT_MCU_RESET_NONE;
	} else if (st == PROT_ST_CLEAR) {
		t->mcu_reset = BATT_MCU_RESET_NONE;
	}
}

static void on_fast(void *arg, uint64_t n)
{
	struct bmsd *b = arg;

	(void)n;
	batt_step(b, loop_now_us(), 0);
}

/* While a set or clear delay runs, step every millisecond so that the
 * protection acts when its delay ends, not at the next 10 ms tick. */
static void fast_timer(struct bmsd *b)
{
	struct batt *t = &b->batt;
	bool want = t->po.setting != 0;

	if (want && t->fast_timer < 0) {
		t->fast_timer = loop_add_timer(b->loop, 1, on_fast, b);
	} else if (!want && t->fast_timer >= 0) {
		loop_del_timer(b->loop, t->fast_timer);
		t->fast_timer = -1;
	}
}

static void outputs(struct bmsd *b, uint64_t now_us)
{
	struct batt *t = &b->batt;
	uint8_t r = t->co.relays, d = t->co.dos, cur_r, cur_d;

	if (link_state(&b->link) != LINK_UP)
		return;
	link_get_outputs(&b->link, &cur_r, &cur_d);
	if (r == cur_r && d == cur_d)
		return;
	link_set_outputs(&b->link, r, d);
	if (t->pending_us && (cur_r & ~r)) {
		uint64_t delay_us = (uint64_t)t->pending_delay_ms * 1000u;
		uint64_t us = now_us - t->pending_us;

		us = us > delay_us ? us - delay_us : 0;
		t->reactions_us[t->nreactions % BATT_REACTIONS] =
			us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		t->nreactions++;
		t->pending_us = 0;
	}
}

void batt_step(struct bmsd *b, uint64_t now_us, uint64_t rx_us)
{
	struct batt *t = &b->batt;
	const struct cfg *c = b->cfg;
	uint64_t now = now_us / 1000u;
	const struct pmodel_summary *s;
	const struct bp_io *io;
	const struct bp_ext *ext;
	unsigned int faults;
	struct prot_in pi = { .cond = 0 };
	struct heater_in hi = { .temp_valid = false };
	struct cc_in ci = { .armed = false };
	struct limits_in li = { .temp_valid = false };
	int32_t mA = 0;
	bool cur_ok, cur_trusted, over_range, cells_ok, temps_ok;
	uint32_t cells;

	if (!c || !t->on || !b->link_ready)
		return;
	t->rx_us = rx_us;
	s = pmodel_summary(&b->pm);
	io = pmodel_io(&b->pm);
	ext = pmodel_ext(&b->pm);
	faults = bmsd_faults(b);
	cur_ok = bmsd_pack_current(pmodel_current(&b->pm), &mA);
	cur_trusted = current_trusted(pmodel_current(&b->pm), cur_ok, &over_range);
	cells = c->pack.boards * c->pack.cells_per_board;
	cells_ok = s && s->cells_valid;
	temps_ok = s && s->temps_valid;

	pi.cells_valid = cells_ok;
	if (cells_ok) {
		pi.cell_max_mV = s->cell_max_mV;
		pi.cell_min_mV = s->cell_min_mV;
	}
	/* a pack sum with cells missing would read as under-voltage */
	pi.pack_valid = cells_ok && s->cells_valid >= cells;
	pi.pack_mV = cells_ok ? s->pack_mV : 0;
	pi.current_valid = cur_ok;
	pi.current_mA = mA;
	pi.current_over_range = over_range;
	pi.temps_valid = temps_ok;
	if (temps_ok) {
		pi.temp_max_dC = s->temp_max_dC;
		pi.temp_min_dC = s->temp_min_dC;
	}
	pi.humidity_valid = ext && ext->hum_state == BP_SENSOR_OK && ext->rh_dpct != 0xFFFFu;
	pi.humidity_dpct = pi.humidity_valid ? ext->rh_dpct : 0;
	/* a fault reset: cc's latches first, so that the protections that
	 * they raise see their cause gone in this very step */
	if (t->reset_req && t->reset_cc) {
		cc_reset(&t->cc, now);
		t->co.welded = false;
		t->co.welded_mask = 0;
		t->co.welded_relay = 0;
		t->co.precharge_failed = false;
	}
	pi.cond = conditions(b, faults);
	prot_step(&t->prot, &pi, now, &t->po);
	if (t->reset_req) {
		/* only what was latched when the reset was asked for, and only
		 * where its cause is gone (it is LATCHED, not ACTIVE) */
		prot_reset_mask(&t->prot, t->reset_mask, now);
		t->reset_req = false;
		t->reset_mask = 0;
		t->reset_cc = false;
	}
	mcu_reset_follow(b, now);
	prot_outputs(&t->prot, &t->po);
	t->snapshot_ok = snapshot_full(b, s, cur_trusted);

	hi.temp_valid = temps_ok;
	hi.temp_min_dC = temps_ok ? s->temp_min_dC : 0;
	hi.temp_max_dC = temps_ok ? s->temp_max_dC : 0;
	hi.charger_connected = t->co.charger_connected;
	heater_step(&t->heat, &hi, now, &t->ho);

	ci.armed = link_verified(&b->link) && link_mcu_safety(&b->link) == BP_SAFETY_ARMED &&
		   link_state(&b->link) == LINK_UP;
	ci.block_charge = t->po.block_charge || t->ho.block_charge;
	ci.block_discharge = t->po.block_discharge;
	ci.open_all = t->po.open_all;
	ci.open_now = t->po.open_now;
	ci.warning = t->po.tier[PROT_TIER_WARNING] != 0;
	ci.alarm = (t->po.tier[PROT_TIER_ALARM] | t->po.tier[PROT_TIER_CRITICAL]) != 0;
	ci.connect = !b->disconnect_req;
	ci.hold_charge = t->po.hold_charge || !t->snapshot_ok;
	ci.hold_discharge = t->po.hold_discharge || !t->snapshot_ok;
	ci.cell_max_valid = cells_ok;
	ci.cell_max_mV = cells_ok ? s->cell_max_mV : 0;
	ci.current_valid = cur_trusted;
	ci.current_mA = mA;
	ci.io_valid = io != NULL;
	ci.di = io ? io->di : 0;
	ci.relay_out = io ? io->relay_out : 0;
	ci.heater_request = t->ho.on;
	ci.balancing = t->bleeding > 0;
	ci.reset = false; /* done above, before the protections */
	cc_step(&t->cc, &ci, now, &t->co);

	li.temp_valid = temps_ok;
	li.temp_min_dC = hi.temp_min_dC;
	li.temp_max_dC = hi.temp_max_dC;
	li.cell_valid = cells_ok;
	li.cell_min_mV = cells_ok ? s->cell_min_mV : 0;
	li.cell_max_mV = cells_ok ? s->cell_max_mV : 0;
	li.soc_valid = t->so.soc_valid;
	li.soc_dpct = t->so.soc_dpct;
	li.cells = cells;
	li.block_charge = !t->co.charge_allowed || t->po.block_charge || t->ho.block_charge ||
			  t->co.inhibit_charge;
	li.block_discharge = !t->co.discharge_allowed || t->po.block_discharge ||
			     t->co.inhibit_discharge;
	li.derate = t->po.derate;
	li.fault_cut = (t->po.active | t->po.latched) != 0;
	limits_step(&t->lim, &li, now, &t->lo);

	outputs(b, now_us);
	latches_save(b);
	link_set_daemon_state(&b->link, (t->po.active | t->po.latched) ? 2 : 1);
	fast_timer(b);
	t->rx_us = 0;
}

/* The slower half, on the 10 ms tick: SOC and balancing. */
static void batt_tick_slow(struct bmsd *b, uint64_t now)
{
	struct batt *t = &b->batt;
	const struct cfg *c = b->cfg;
	const struct pmodel_summary *s = pmodel_summary(&b->pm);
	const struct bp_charge *ci = pmodel_charge_in(&b->pm), *co = pmodel_charge_out(&b->pm);
	const struct bp_io *io = pmodel_io(&b->pm);
	struct soc_in si = { .charge_in_valid = ci != NULL };
	int32_t mA = 0;
	bool cur_ok = bmsd_pack_current(pmodel_current(&b->pm), &mA);

	si.charge_out_valid = co != NULL;
	si.charge_in_mAs = ci ? ci->mAs : 0;
	si.charge_out_mAs = co ? co->mAs : 0;
	si.current_valid = cur_ok;
	si.current_mA = mA;
	si.cells_valid = s && s->cells_valid;
	if (si.cells_valid) {
		si.cell_min_mV = s->cell_min_mV;
		si.cell_mean_mV = s->cell_mean_mV;
		si.cell_max_mV = s->cell_max_mV;
	}
	si.pack_valid = si.cells_valid && s->cells_valid >= c->pack.boards * c->pack.cells_per_board;
	si.pack_mV = si.pack_valid ? s->pack_mV : 0;
	si.temp_valid = s && s->temps_valid && b->view.temp_valid;
	if (si.temp_valid) {
		si.temp_min_dC = s->temp_min_dC;
		si.temp_max_dC = s->temp_max_dC;
		si.temp_mean_dC = b->view.temp_mean_dC;
	}
	/* until the floor is armed the MCU holds every relay open, whether or
	 * not its I/O report has arrived yet, so the first closing counts */
	si.relays_valid = io != NULL || link_mcu_safety(&b->link) != BP_SAFETY_ARMED;
	si.relay_mask = io ? io->relay_out : 0;
	si.wall_s = (uint64_t)time(NULL);
	soc_step(&t->soc, &si, now, &t->so);
	if (t->so.events)
		soc_events(b);
	if (t->so.save && t->saver)
		persist_submit(b);

	if (now - t->last_bal_ms >= 100u) {
		t->last_bal_ms = now;
		t->bleeding = balance_step(&t->bal, pmodel_snapshot(&b->pm), mA, cur_ok, now,
					   t->bal_mask);
		for (unsigned int i = 0; i < c->pack.boards && i < BP_MAX_BOARDS; i++)
			link_set_balance(&b->link, (uint8_t)i, t->bal_mask[i]);
	}
}

void batt_tick(struct bmsd *b, uint64_t now_us)
{
	if (!b->cfg || !b->batt.on || !b->link_ready)
		return;
	batt_step(b, now_us, 0);
	batt_tick_slow(b, now_us / 1000u);
}

/* ---- operator ---------------------------------------------------------- */

/*
 * The reset clears, at the next step, what is latched now and whose cause
 * is gone by then: a latch that arrives after the request is not touched.
 * cc's weld and precharge failure are cleared before that step's
 * protections, so that contactor_welded and precharge_failed clear with
 * them (a contactor still welded is found again after feedback_delay_ms).
 * The request also went to the MCU (bmsd_reset_faults), which clears the
 * trips whose causes are gone; safety_floor_trip follows what the MCU then
 * reports (mcu_reset_follow). A trip whose cause is still there stays, and
 * so does safety_floor_trip: a second reset once the cause is gone.
 */
void batt_reset(struct bmsd *b)
{
	struct batt *t = &b->batt;
	struct prot_out now_out;

	if (!t->on)
		return;
	prot_outputs(&t->prot, &now_out);
	t->reset_mask |= now_out.latched;
	if (cc_welded_latched(&t->cc) || cc_precharge_latched(&t->cc)) {
		t->reset_cc = true;
		t->reset_mask |= (1u << PROT_WELDED) | (1u << PROT_PRECHARGE);
	}
	if (link_mcu_safety(&b->link) == BP_SAFETY_TRIPPED)
		t->mcu_reset = BATT_MCU_RESET_SENT;
	heater_reset(&t->heat);
	t->reset_req = true;
}

void batt_stop(struct bmsd *b)
{
	struct batt *t = &b->batt;

	if (!t->on)
		return;
	if (t->saver) {
		persist_submit(b);
		state_saver_stop(t->saver);
		t->saver = NULL;
	}
	if (t->fast_timer >= 0)
		loop_del_timer(b->loop, t->fast_timer);
	t->fast_timer = -1;
}

/* ---- the view ---------------------------------------------------------- */

void batt_publish(struct bmsd *b, struct view *v)
{
	struct batt *t = &b->batt;
	const struct cfg *c = b->cfg;
	uint8_t rcmd = 0, dcmd = 0;

	if (!c || !t->on)
		return;
	for (unsigned int i = 0; i < PROT_COUNT; i++) {
		enum prot_state st = prot_state_of(&t->prot, (enum prot_id)i);
		enum prot_tier tier = prot_tier_of(&t->prot, (enum prot_id)i);
		bool on = st == PROT_ST_ACTIVE || st == PROT_ST_CLEARING || st == PROT_ST_LATCHED;

		v->prot_state[i] = (uint8_t)st;
		v->prot_tier[i] = (uint8_t)tier;
		v->prot_enabled[i] = prot_enabled(&t->prot, (enum prot_id)i);
		if (on && tier == PROT_TIER_WARNING)
			v->warnings |= 1u << i;
		else if (on && tier == PROT_TIER_ALARM)
			v->alarms |= 1u << i;
		else if (on)
			v->criticals |= 1u << i;
		if (st == PROT_ST_LATCHED)
			v->latched |= 1u << i;
	}
	v->soc_valid = t->so.soc_valid;
	v->soc_dpct = t->so.soc_dpct;
	v->soh_valid = true;
	v->soh_dpct = t->so.soh_dpct;
	v->capacity_mAh = c->soc.capacity_mAh;
	v->capacity_meas_mAh = t->so.capacity_meas_mAh;
	v->remaining_mAh = t->so.remaining_mAh;
	v->counters = t->so.counters;
	v->limits_valid = v->link_up;
	v->ccl_mA = t->lo.ccl_mA;
	v->dcl_mA = t->lo.dcl_mA;
	v->cvl_mV = t->lo.cvl_mV;
	v->dvl_mV = t->lo.dvl_mV;
	v->charge_allowed = t->co.charge_allowed;
	v->discharge_allowed = t->co.discharge_allowed;
	v->soft_stop = t->co.soft_stop;
	v->full = t->co.full || t->so.full;
	v->heater_on = t->ho.on;
	link_get_outputs(&b->link, &rcmd, &dcmd);
	v->relay_cmd = rcmd;
	if (v->link_up)
		v->state = (t->po.active | t->po.latched) && !t->co.relays ? VIEW_ST_FAULT
									 : t->co.state;
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

int batt_cmd_set_soc(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	struct batt *t = &b->batt;
	char why[200], *end;
	unsigned long d;
	bool was_valid = t->so.soc_valid;
	unsigned int was = t->so.soc_dpct;

	if (argc < 3)
		return ctl_error(r, "usage: set-soc DPCT REASON...");
	d = strtoul(argv[1], &end, 10);
	if (*end || end == argv[1] || d > 1000)
		return ctl_error(r, "set-soc: %s is not 0..1000 (0.1 %%)", argv[1]);
	if (!b->cfg || !t->on)
		return ctl_error(r, "bmsd is unconfigured: %s", b->cfg_err.msg);
	reason(why, sizeof(why), argc, argv, 2);
	soc_set(&t->soc, (uint16_t)d, loop_now_ms());
	soc_read(&t->soc, &t->so);
	bmsd_event(b, EV_SOC_SET, LOG_NOTICE, "SOC set from %s%.1f %% to %.1f %% by an operator: %s",
		   was_valid ? "" : "unknown, last ", was / 10.0, d / 10.0, why);
	ctl_printf(r, "SOC set to %.1f %%\n", d / 10.0);
	return 0;
}

int batt_cmd_reset_soc(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	struct batt *t = &b->batt;
	char why[200];
	int rc;

	if (argc < 2)
		return ctl_error(r, "usage: reset-soc REASON...");
	if (!b->cfg || !t->on)
		return ctl_error(r, "bmsd is unconfigured: %s", b->cfg_err.msg);
	reason(why, sizeof(why), argc, argv, 1);
	rc = soc_reset(&t->soc, loop_now_ms());
	soc_read(&t->soc, &t->so);
	bmsd_event(b, EV_SOC_SET, LOG_NOTICE,
		   "SOC, measured capacity and SOH reset by an operator (%s): %s",
		   rc == 1 ? "SOC from the cell voltages" : "SOC unknown until the pack rests", why);
	if (rc == 1)
		ctl_printf(r, "SOC reset to %.1f %% from the cell voltages\n", t->so.soc_dpct / 10.0);
	else
		ctl_printf(r, "SOC reset; it is estimated once the pack is at rest\n");
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int batt_cmd_reactions(struct ctl_reply *r, int argc, char **argv, void *arg)
{
	struct bmsd *b = arg;
	struct batt *t = &b->batt;
	uint32_t v[BATT_REACTIONS];
	unsigned int n = t->nreactions < BATT_REACTIONS ? t->nreactions : BATT_REACTIONS;
	bool json = argc > 1 && !strcmp(argv[1], "json");

	if (argc > 2 || (argc == 2 && !json))
		return ctl_error(r, "usage: reactions [json]");
	memcpy(v, t->reactions_us, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u32);
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
