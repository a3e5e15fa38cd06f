/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batt: the battery logic wired together. The order of a step matters:
 * the protections see the contactor faults of the previous step (welds,
 * feedback, precharge), the contactor control sees this step's
 * protections, and the limits see what the contactor control allows, so a
 * blocked path has a limit of 0 in the same step that starts its soft stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "batt.h"
#include "events.h"

/* ---- events ------------------------------------------------------------ */

static void ev(struct batt *t, unsigned int code, int prio, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void ev(struct batt *t, unsigned int code, int prio, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (!t->host.event)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	t->host.event(t->host.arg, code, prio, text);
}

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
	struct batt *t = arg;
	const struct prot *p = &t->prot;
	uint64_t now = t->ev_us;
	enum prot_tier tier = prot_tier_of(p, id);
	enum prot_action act = prot_action_of(p, id);
	bool unit = *prot_unit(id) != 0;
	char v[48];

	value_text(id, value, v, sizeof(v));
	if (to == PROT_ST_SETTING)
		t->setting_us[id] = now;
	if (to == PROT_ST_ACTIVE && from != PROT_ST_CLEARING && from != PROT_ST_LATCHED) {
		if (from != PROT_ST_SETTING)
			t->setting_us[id] = now;
		if (tier == PROT_TIER_CRITICAL && act == PROT_ACT_OPEN_ALL && !t->pending_us) {
			t->pending_us = t->setting_us[id];
			t->pending_delay_ms = prot_cfg(&t->cfg->protections, id)->set_delay_ms;
		}
		ev(t, EV_PROT_SET, tier_prio(tier), "protection %s set%s%s (%s, %s)", prot_key(id),
		   unit ? ": " : "", unit ? v : "", prot_tier_name(tier), prot_action_name(act));
	} else if (to == PROT_ST_ACTIVE && from == PROT_ST_LATCHED) {
		ev(t, EV_PROT_SET, tier_prio(tier), "protection %s set again%s%s", prot_key(id),
		   unit ? ": " : "", unit ? v : "");
	} else if (to == PROT_ST_LATCHED) {
		ev(t, EV_PROT_LATCHED, LOG_WARNING,
		   "protection %s gone%s%s%s, held until a fault reset", prot_key(id),
		   unit ? " (" : "", unit ? v : "", unit ? ")" : "");
	} else if (to == PROT_ST_CLEAR && from == PROT_ST_LATCHED) {
		ev(t, EV_PROT_RESET, LOG_NOTICE, "protection %s reset", prot_key(id));
	} else if (to == PROT_ST_CLEAR && (from == PROT_ST_ACTIVE || from == PROT_ST_CLEARING)) {
		ev(t, EV_PROT_CLEAR, LOG_NOTICE, "protection %s cleared%s%s", prot_key(id),
		   unit ? ": " : "", unit ? v : "");
	}
}

static void on_cc_event(void *arg, enum cc_event e, unsigned int detail)
{
	struct batt *t = arg;
	bool fault = e == CC_EV_FEEDBACK_MISMATCH || e == CC_EV_WELDED ||
		     e == CC_EV_PRECHARGE_FAILED;
	bool relay = e == CC_EV_FEEDBACK_MISMATCH || e == CC_EV_FEEDBACK_OK || e == CC_EV_WELDED;
	bool attempt = e == CC_EV_PRECHARGE_START || e == CC_EV_PRECHARGE_RETRY ||
		       e == CC_EV_PRECHARGE_FAILED;
	bool path = e == CC_EV_SOFT_STOP_START || e == CC_EV_SOFT_STOP_END ||
		    e == CC_EV_SOFT_STOP_TIMEOUT || e == CC_EV_SOFT_STOP_CANCEL;

	if (relay)
		ev(t, fault ? EV_CONTACTOR_FAULT : EV_CONTACTOR,
		   e == CC_EV_WELDED ? LOG_CRIT : fault ? LOG_ERR : LOG_NOTICE, "%s: relay %u",
		   cc_event_name(e), detail);
	else if (attempt)
		ev(t, fault ? EV_CONTACTOR_FAULT : EV_CONTACTOR, fault ? LOG_ERR : LOG_NOTICE,
		   "%s (attempt %u)", cc_event_name(e), detail);
	else if (path)
		ev(t, EV_CONTACTOR, LOG_NOTICE, "%s (%s path)", cc_event_name(e),
		   cc_path_name((enum cc_path)detail));
	else
		ev(t, e == CC_EV_RESET ? EV_CONTACTOR_FAULT : EV_CONTACTOR, LOG_NOTICE, "%s",
		   cc_event_name(e));
}

/* ---- latches across restarts ----------------------------------------- */

static void latches_now(const struct batt *t, struct batt_latches *l)
{
	l->prot = prot_latch_mask(&t->prot);
	l->welded = cc_welded_latched(&t->cc);
	l->precharge_failed = cc_precharge_latched(&t->cc);
	l->disconnect = t->disconnect;
}

static bool latches_equal(const struct batt_latches *a, const struct batt_latches *b)
{
	return a->prot == b->prot && a->welded == b->welded &&
	       a->precharge_failed == b->precharge_failed && a->disconnect == b->disconnect;
}

void batt_persist(struct batt *t)
{
	struct soc_persist ps;
	struct batt_latches l;

	latches_now(t, &l);
	t->saved = l;
	if (!t->host.persist)
		return;
	soc_persist_get(&t->soc, &ps);
	ps.prot_latched = l.prot;
	ps.welded_mask = l.welded;
	ps.precharge_failed = l.precharge_failed;
	ps.disconnect = l.disconnect;
	t->host.persist(t->host.arg, &ps);
}

/* A latch goes to disk the step it is set (an emergency stop while it is
 * pressed, not only once it is released), long before a restart could
 * need it. */
static void latches_save(struct batt *t)
{
	struct batt_latches l;

	latches_now(t, &l);
	if (!latches_equal(&l, &t->saved))
		batt_persist(t);
}

/* At start, before anything can close: the latches of the previous run. */
static void latches_restore(struct batt *t, const struct soc_persist *ps, const char *file)
{
	uint32_t mask = ps->prot_latched & ((1u << PROT_COUNT) - 1u), got;

	got = prot_restore_latched(&t->prot, mask);
	for (unsigned int i = 0; i < PROT_COUNT; i++)
		if (got & (1u << i))
			ev(t, EV_PROT_LATCHED, LOG_WARNING,
			   "restored latch %s from %s: held until a fault reset",
			   prot_key((enum prot_id)i), file);
	for (unsigned int i = 0; i < PROT_COUNT; i++)
		if ((mask & ~got) & (1u << i))
			ev(t, EV_PROT_LATCHED, LOG_WARNING,
			   "latch %s in %s not restored: the protection is disabled",
			   prot_key((enum prot_id)i), file);
	cc_restore_latches(&t->cc, ps->welded_mask, ps->precharge_failed);
	for (unsigned int i = 0; i < CC_RELAYS; i++)
		if (ps->welded_mask & (1u << i))
			ev(t, EV_CONTACTOR_FAULT, LOG_CRIT,
			   "restored latch welded relay %u from %s: held until a fault reset",
			   i + 1, file);
	if (ps->precharge_failed)
		ev(t, EV_CONTACTOR_FAULT, LOG_ERR,
		   "restored latch precharge-failed from %s: held until a fault reset", file);
	if (ps->disconnect) {
		t->disconnect = true;
		ev(t, EV_OPERATION, LOG_WARNING,
		   "restored latch maintenance disconnect from %s: the contactors stay open "
		   "until connect", file);
	}
}

static void soc_start(struct batt *t, const struct batt_restore *r)
{
	const struct cfg *c = t->cfg;

	if (r->rc < 0 && r->rc != -ENOENT) {
		/* the latches of the last run are unknown: a restart must not
		 * become a reset, so the pack stays disconnected until an
		 * operator has looked */
		t->disconnect = true;
		ev(t, EV_STATE_FILE, LOG_CRIT,
		   "%s; SOC starts unknown, latches unknown: the contactors stay open "
		   "(maintenance disconnect) until bmsctl connect", r->why);
	}
	if (r->rc == 0)
		latches_restore(t, &r->ps, r->file);
	if (r->rc == -ENOENT)
		ev(t, 0, LOG_INFO, "state file %s: none yet; SOC starts from the cell voltages",
		   r->file);
	if (soc_init(&t->soc, &c->soc, r->rc == 0 ? &r->ps : NULL) == -EINVAL && r->rc == 0)
		ev(t, EV_STATE_FILE, LOG_WARNING,
		   "state file %s: values refused (config changed?); SOC starts unknown", r->file);
	soc_read(&t->soc, &t->so);
	/* what is on disk now (a corrupt file's disconnect is not yet) */
	t->saved = (struct batt_latches){ 0 };
	if (r->rc == 0) {
		t->saved.prot = r->ps.prot_latched;
		t->saved.welded = r->ps.welded_mask;
		t->saved.precharge_failed = r->ps.precharge_failed;
		t->saved.disconnect = r->ps.disconnect;
	}
}

/* ---- set-up ------------------------------------------------------------ */

void batt_init(struct batt *t, const struct cfg *c, const struct batt_host *host,
	       const struct batt_restore *r, uint64_t now_ms)
{
	memset(t, 0, sizeof(*t));
	t->cfg = c;
	t->host = *host;
	prot_init(&t->prot, &c->protections, on_prot_event, t);
	cc_init(&t->cc, c, on_cc_event, t, now_ms);
	heater_init(&t->heat, &c->heater);
	limits_init(&t->lim, &c->limits);
	soc_start(t, r);
	balance_init(&t->bal, &c->balancing, c->pack.boards, c->pack.cells_per_board);
	t->on = true;
}

void batt_reconfigure(struct batt *t, const struct cfg *c, uint64_t now_ms)
{
	t->cfg = c;
	prot_reconfigure(&t->prot, &c->protections);
	cc_reconfigure(&t->cc, c, now_ms);
	heater_reconfigure(&t->heat, &c->heater);
	limits_reconfigure(&t->lim, &c->limits);
	soc_reconfigure(&t->soc, &c->soc);
	balance_init(&t->bal, &c->balancing, c->pack.boards, c->pack.cells_per_board);
}

void batt_fini(struct batt *t)
{
	if (!t->on)
		return;
	batt_persist(t);
	t->on = false;
}

/* ---- the pack current -------------------------------------------------- */

bool batt_pack_current(const struct bp_current *c, int32_t *mA)
{
	int32_t v;

	if (!c)
		return false;
	v = (c->flags & BP_CUR_S2_SELECTED) ? c->mA[1] : c->mA[0];
	if (v == BP_CURRENT_MA_NA)
		return false;
	*mA = v;
	return true;
}

/* The current that a soft stop may wait for: known, and neither out of
 * range nor implausible. Over range: no current, and the MCU flags a
 * sensor out of range (saturated): an over-current of unknown sign. */
void batt_current(const struct bp_current *c, struct batt_current *out)
{
	memset(out, 0, sizeof(*out));
	out->valid = batt_pack_current(c, &out->mA);
	if (!c)
		return;
	if (!out->valid)
		out->over_range = (c->flags & (BP_CUR_S1_RANGE | BP_CUR_S2_RANGE)) != 0;
	else
		out->trusted = !(c->flags & BP_CUR_IMPLAUSIBLE);
}

/* ---- the step ---------------------------------------------------------- */

static uint32_t boards_mask(uint32_t boards)
{
	return boards >= 32u ? 0xFFFFFFFFu : (1u << boards) - 1u;
}

static uint32_t pack_cells(const struct cfg *c)
{
	return c->pack.boards * c->pack.cells_per_board;
}

static uint32_t conditions(const struct batt *t, const struct batt_in *in)
{
	const struct cfg *c = t->cfg;
	const struct pmodel_summary *s = in->sum;
	uint32_t want = boards_mask(c->pack.boards), cond = 0;

#define COND(id, v) ((v) ? (1u << (PROT_##id)) : 0u)
	if (c->pack.boards && in->logic)
		cond |= COND(LOGIC_OFFLINE, (in->logic->online & want) != want);
	cond |= fault_conditions(in->faults);
	cond |= COND(SENSOR, s && s->sensor_faults);
	cond |= COND(EXT_OFFLINE, in->peer_alive == 0);
	cond |= COND(FEEDBACK, t->co.feedback_mismatch);
	cond |= COND(WELDED, t->co.welded);
	cond |= COND(PRECHARGE, t->co.precharge_failed);
	cond |= COND(HEATER, t->ho.fault);
	cond |= COND(EMERGENCY_STOP, t->co.estop);
	cond |= COND(INSULATION, t->co.insulation);
#undef COND
	return cond;
}

/* Nothing closes before the pack has been judged on a full snapshot: every
 * configured board online with all its cells and temperatures, and the
 * current known. After a link loss the pack model starts empty, so this
 * also holds after every re-verification. */
static bool snapshot_full(const struct cfg *c, const struct pmodel_summary *s, bool cur_ok)
{
	uint32_t want = boards_mask(c->pack.boards);
	bool sensor = false;

	if (c->pack.boards) {
		if (!s || (s->online_mask & want) != want)
			return false;
		if (s->cells_valid < pack_cells(c))
			return false;
		if (s->temps_valid < c->pack.boards * c->pack.temps_per_board)
			return false;
	}
	for (unsigned int i = 0; i < CFG_CURRENT_SENSORS; i++)
		sensor |= c->current_sensors.cs[i].enabled;
	return !sensor || cur_ok;
}

static void soc_events(struct batt *t)
{
	char line[200];

	for (unsigned int bit = 1; bit && bit <= t->so.events; bit <<= 1) {
		int code;

		if (!(t->so.events & bit))
			continue;
		code = soc_event_text(&t->so, bit, line, sizeof(line));
		if (code > 0)
			ev(t, (unsigned int)code, LOG_NOTICE, "%s", line);
		else
			ev(t, 0, LOG_INFO, "%s", line);
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
static void mcu_reset_follow(struct batt *t, const struct batt_in *in, uint64_t now)
{
	int safety = in->mcu_safety;
	enum prot_state st = prot_state_of(&t->prot, PROT_MCU_TRIP);

	if (t->mcu_reset == BATT_MCU_RESET_NONE)
		return;
	if (!in->link_verified || safety < 0) {
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

/* The relay and output command; it goes out when the link is up and it
 * changed. The first opening after a critical open-all is its reaction. */
static void outputs(struct batt *t, const struct batt_in *in, uint64_t now_us,
		    struct batt_out *out)
{
	uint8_t r = t->co.relays, d = t->co.dos;

	out->relays = r;
	out->dos = d;
	if (!in->link_up || (r == in->relays_cmd && d == in->dos_cmd))
		return;
	out->send = true;
	if (t->pending_us && (in->relays_cmd & ~r)) {
		uint64_t delay_us = (uint64_t)t->pending_delay_ms * 1000u;
		uint64_t us = now_us - t->pending_us;

		us = us > delay_us ? us - delay_us : 0;
		t->reactions_us[t->nreactions % BATT_REACTIONS] =
			us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		t->nreactions++;
		t->pending_us = 0;
	}
}

static void prot_input(const struct batt *t, const struct batt_in *in, struct prot_in *pi)
{
	const struct pmodel_summary *s = in->sum;
	const struct bp_ext *ext = in->ext;
	bool cells_ok = s && s->cells_valid, temps_ok = s && s->temps_valid;

	memset(pi, 0, sizeof(*pi));
	pi->cells_valid = cells_ok;
	if (cells_ok) {
		pi->cell_max_mV = s->cell_max_mV;
		pi->cell_min_mV = s->cell_min_mV;
	}
	/* a pack sum with cells missing would read as under-voltage */
	pi->pack_valid = cells_ok && s->cells_valid >= pack_cells(t->cfg);
	pi->pack_mV = cells_ok ? s->pack_mV : 0;
	pi->current_valid = in->cur.valid;
	pi->current_mA = in->cur.mA;
	pi->current_over_range = in->cur.over_range;
	pi->temps_valid = temps_ok;
	if (temps_ok) {
		pi->temp_max_dC = s->temp_max_dC;
		pi->temp_min_dC = s->temp_min_dC;
	}
	pi->humidity_valid = ext && ext->hum_state == BP_SENSOR_OK && ext->rh_dpct != 0xFFFFu;
	pi->humidity_dpct = pi->humidity_valid ? ext->rh_dpct : 0;
}

/* The protections, with a fault reset asked for since the last step. */
static void run_protections(struct batt *t, const struct batt_in *in, uint64_t now)
{
	struct prot_in pi;

	prot_input(t, in, &pi);
	/* a fault reset: cc's latches first, so that the protections that
	 * they raise see their cause gone in this very step */
	if (t->reset_req && t->reset_cc) {
		cc_reset(&t->cc, now);
		t->co.welded = false;
		t->co.welded_mask = 0;
		t->co.welded_relay = 0;
		t->co.precharge_failed = false;
	}
	pi.cond = conditions(t, in);
	prot_step(&t->prot, &pi, now, &t->po);
	if (t->reset_req) {
		/* only what was latched when the reset was asked for, and only
		 * where its cause is gone (it is LATCHED, not ACTIVE) */
		prot_reset_mask(&t->prot, t->reset_mask, now);
		t->reset_req = false;
		t->reset_mask = 0;
		t->reset_cc = false;
	}
	mcu_reset_follow(t, in, now);
	prot_outputs(&t->prot, &t->po);
}

static void run_contactors(struct batt *t, const struct batt_in *in, uint64_t now)
{
	const struct pmodel_summary *s = in->sum;
	const struct bp_io *io = in->io;
	bool cells_ok = s && s->cells_valid;
	struct cc_in ci = { .armed = false };

	ci.armed = in->link_verified && in->mcu_safety == BP_SAFETY_ARMED && in->link_up;
	ci.block_charge = t->po.block_charge || t->ho.block_charge;
	ci.block_discharge = t->po.block_discharge;
	ci.open_all = t->po.open_all;
	ci.open_now = t->po.open_now;
	ci.warning = t->po.tier[PROT_TIER_WARNING] != 0;
	ci.alarm = (t->po.tier[PROT_TIER_ALARM] | t->po.tier[PROT_TIER_CRITICAL]) != 0;
	ci.connect = !t->disconnect;
	ci.hold_charge = t->po.hold_charge || !t->snapshot_ok;
	ci.hold_discharge = t->po.hold_discharge || !t->snapshot_ok;
	ci.cell_max_valid = cells_ok;
	ci.cell_max_mV = cells_ok ? s->cell_max_mV : 0;
	ci.current_valid = in->cur.trusted;
	ci.current_mA = in->cur.mA;
	ci.io_valid = io != NULL;
	ci.di = io ? io->di : 0;
	ci.relay_out = io ? io->relay_out : 0;
	ci.heater_request = t->ho.on;
	ci.balancing = t->bleeding > 0;
	ci.reset = false; /* done before the protections */
	cc_step(&t->cc, &ci, now, &t->co);
}

static void run_limits(struct batt *t, const struct batt_in *in, uint64_t now)
{
	const struct pmodel_summary *s = in->sum;
	bool cells_ok = s && s->cells_valid, temps_ok = s && s->temps_valid;
	struct limits_in li = { .temp_valid = false };

	li.temp_valid = temps_ok;
	li.temp_min_dC = temps_ok ? s->temp_min_dC : 0;
	li.temp_max_dC = temps_ok ? s->temp_max_dC : 0;
	li.cell_valid = cells_ok;
	li.cell_min_mV = cells_ok ? s->cell_min_mV : 0;
	li.cell_max_mV = cells_ok ? s->cell_max_mV : 0;
	li.soc_valid = t->so.soc_valid;
	li.soc_dpct = t->so.soc_dpct;
	li.cells = pack_cells(t->cfg);
	li.block_charge = !t->co.charge_allowed || t->po.block_charge || t->ho.block_charge ||
			  t->co.inhibit_charge;
	li.block_discharge = !t->co.discharge_allowed || t->po.block_discharge ||
			     t->co.inhibit_discharge;
	li.derate = t->po.derate;
	li.fault_cut = (t->po.active | t->po.latched) != 0;
	limits_step(&t->lim, &li, now, &t->lo);
}

void batt_step(struct batt *t, const struct batt_in *in, uint64_t now_us, struct batt_out *out)
{
	const struct pmodel_summary *s = in->sum;
	uint64_t now = now_us / 1000u;
	bool temps_ok = s && s->temps_valid;
	struct heater_in hi = { .temp_valid = false };

	memset(out, 0, sizeof(*out));
	if (!t->on)
		return;
	t->ev_us = in->rx_us ? in->rx_us : now_us;
	run_protections(t, in, now);
	t->snapshot_ok = snapshot_full(t->cfg, s, in->cur.trusted);

	hi.temp_valid = temps_ok;
	hi.temp_min_dC = temps_ok ? s->temp_min_dC : 0;
	hi.temp_max_dC = temps_ok ? s->temp_max_dC : 0;
	hi.charger_connected = t->co.charger_connected;
	heater_step(&t->heat, &hi, now, &t->ho);

	run_contactors(t, in, now);
	run_limits(t, in, now);

	outputs(t, in, now_us, out);
	latches_save(t);
	out->daemon_state = (t->po.active | t->po.latched) ? 2 : 1;
	/* while a set delay runs, a step every millisecond lets the protection
	 * act when its delay ends, not at the next 10 ms tick */
	out->fast = t->po.setting != 0;
}

void batt_slow_step(struct batt *t, const struct batt_in *in, uint64_t now_ms,
		    struct batt_out *out)
{
	const struct pmodel_summary *s = in->sum;
	const struct bp_io *io = in->io;
	struct soc_in si = { .charge_in_valid = in->charge_in != NULL };

	if (!t->on)
		return;
	si.charge_out_valid = in->charge_out != NULL;
	si.charge_in_mAs = in->charge_in ? in->charge_in->mAs : 0;
	si.charge_out_mAs = in->charge_out ? in->charge_out->mAs : 0;
	si.current_valid = in->cur.valid;
	si.current_mA = in->cur.mA;
	si.cells_valid = s && s->cells_valid;
	if (si.cells_valid) {
		si.cell_min_mV = s->cell_min_mV;
		si.cell_mean_mV = s->cell_mean_mV;
		si.cell_max_mV = s->cell_max_mV;
	}
	si.pack_valid = si.cells_valid && s->cells_valid >= pack_cells(t->cfg);
	si.pack_mV = si.pack_valid ? s->pack_mV : 0;
	si.temp_valid = s && s->temps_valid && in->temp_mean_valid;
	if (si.temp_valid) {
		si.temp_min_dC = s->temp_min_dC;
		si.temp_max_dC = s->temp_max_dC;
		si.temp_mean_dC = in->temp_mean_dC;
	}
	/* until the floor is armed the MCU holds every relay open, whether or
	 * not its I/O report has arrived yet, so the first closing counts */
	si.relays_valid = io != NULL || in->mcu_safety != BP_SAFETY_ARMED;
	si.relay_mask = io ? io->relay_out : 0;
	si.wall_s = in->wall_s;
	soc_step(&t->soc, &si, now_ms, &t->so);
	if (t->so.events)
		soc_events(t);
	if (t->so.save)
		batt_persist(t);

	if (now_ms - t->last_bal_ms >= 100u) {
		t->last_bal_ms = now_ms;
		t->bleeding = balance_step(&t->bal, in->snap, in->cur.mA, in->cur.valid, now_ms,
					   t->bal_mask);
		out->balance = true;
		memcpy(out->bal_mask, t->bal_mask, sizeof(out->bal_mask));
	}
}

/* ---- operator ---------------------------------------------------------- */

/*
 * The reset clears, at the next step, what is latched now and whose cause
 * is gone by then: a latch that arrives after the request is not touched.
 * cc's weld and precharge failure are cleared before that step's
 * protections, so that contactor_welded and precharge_failed clear with
 * them (a contactor still welded is found again after feedback_delay_ms).
 * The request also went to the MCU, which clears the trips whose causes
 * are gone; safety_floor_trip follows what the MCU then reports
 * (mcu_reset_follow). A trip whose cause is still there stays, and so does
 * safety_floor_trip: a second reset once the cause is gone.
 */
void batt_reset(struct batt *t, bool mcu_tripped)
{
	struct prot_out now_out;

	if (!t->on)
		return;
	prot_outputs(&t->prot, &now_out);
	t->reset_mask |= now_out.latched;
	if (cc_welded_latched(&t->cc) || cc_precharge_latched(&t->cc)) {
		t->reset_cc = true;
		t->reset_mask |= (1u << PROT_WELDED) | (1u << PROT_PRECHARGE);
	}
	if (mcu_tripped)
		t->mcu_reset = BATT_MCU_RESET_SENT;
	heater_reset(&t->heat);
	t->reset_req = true;
}

bool batt_set_connect(struct batt *t, bool connect)
{
	if (t->disconnect == !connect)
		return false;
	t->disconnect = !connect;
	return true;
}

void batt_set_soc(struct batt *t, uint16_t dpct, const char *why, uint64_t now_ms)
{
	bool was_valid = t->so.soc_valid;
	unsigned int was = t->so.soc_dpct;

	soc_set(&t->soc, dpct, now_ms);
	soc_read(&t->soc, &t->so);
	ev(t, EV_SOC_SET, LOG_NOTICE, "SOC set from %s%.1f %% to %.1f %% by an operator: %s",
	   was_valid ? "" : "unknown, last ", was / 10.0, dpct / 10.0, why);
}

int batt_reset_soc(struct batt *t, const char *why, uint64_t now_ms)
{
	int rc = soc_reset(&t->soc, now_ms);

	soc_read(&t->soc, &t->so);
	ev(t, EV_SOC_SET, LOG_NOTICE,
	   "SOC, measured capacity and SOH reset by an operator (%s): %s",
	   rc == 1 ? "SOC from the cell voltages" : "SOC unknown until the pack rests", why);
	return rc == 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

unsigned int batt_reactions(const struct batt *t, uint32_t us[BATT_REACTIONS])
{
	unsigned int n = t->nreactions < BATT_REACTIONS ? t->nreactions : BATT_REACTIONS;

	memcpy(us, t->reactions_us, n * sizeof(us[0]));
	qsort(us, n, sizeof(us[0]), cmp_u32);
	return n;
}

/* ---- the view ---------------------------------------------------------- */

void batt_publish(const struct batt *t, uint8_t relay_cmd, struct view *v)
{
	const struct cfg *c = t->cfg;

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
	v->relay_cmd = relay_cmd;
	if (v->link_up)
		v->state = (t->po.active | t->po.latched) && !t->co.relays ? VIEW_ST_FAULT
									 : t->co.state;
}
