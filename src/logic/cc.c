/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cc: contactor and charge control (see cc.h and docs/contactors.md).
 */
#include <string.h>

#include "cc.h"

#define C CC_PATH_CHARGE
#define D CC_PATH_DISCHARGE

/* What each path wants this step: keep = may stay closed, close = may
 * close from open (the charger must have been seen for Ton), toff = only
 * the charger or the power request is missing, so the contactors hold for
 * charge_off_delay_ms. */
struct wants {
	bool keep[CC_PATH_COUNT];
	bool close[CC_PATH_COUNT];
	bool toff[CC_PATH_COUNT];
	bool hold[CC_PATH_COUNT];
};

static const char *const event_names[CC_EV_COUNT] = {
	[CC_EV_PRECHARGE_START] = "precharge-start",
	[CC_EV_PRECHARGE_OK] = "precharge-ok",
	[CC_EV_PRECHARGE_RETRY] = "precharge-retry",
	[CC_EV_PRECHARGE_FAILED] = "precharge-failed",
	[CC_EV_PRECHARGE_ABORT] = "precharge-abort",
	[CC_EV_SOFT_STOP_START] = "soft-stop-start",
	[CC_EV_SOFT_STOP_END] = "soft-stop-end",
	[CC_EV_SOFT_STOP_TIMEOUT] = "soft-stop-timeout",
	[CC_EV_SOFT_STOP_CANCEL] = "soft-stop-cancel",
	[CC_EV_OPEN_NOW] = "open-now",
	[CC_EV_CHARGE_ON] = "charge-on",
	[CC_EV_CHARGE_OFF] = "charge-off",
	[CC_EV_END_OF_CHARGE] = "end-of-charge",
	[CC_EV_CHARGE_RESUME] = "charge-resume",
	[CC_EV_FEEDBACK_MISMATCH] = "feedback-mismatch",
	[CC_EV_FEEDBACK_OK] = "feedback-ok",
	[CC_EV_WELDED] = "welded",
	[CC_EV_RESET] = "reset",
	[CC_EV_SOFT_STOP_UNMEASURED] = "soft-stop-unmeasured",
};

const char *cc_event_name(enum cc_event ev)
{
	return (unsigned int)ev < CC_EV_COUNT ? event_names[ev] : "?";
}

const char *cc_path_name(enum cc_path p)
{
	switch (p) {
	case CC_PATH_CHARGE:
		return "charge";
	case CC_PATH_DISCHARGE:
		return "discharge";
	default:
		return "?";
	}
}

static void emit(struct cc *c, enum cc_event ev, unsigned int detail)
{
	if (c->fn)
		c->fn(c->arg, ev, detail);
}

static void load_config(struct cc *c, const struct cfg *cfg)
{
	c->k = cfg->contactors;
	c->has_main = c->has_charge = c->has_discharge = c->has_precharge = false;
	for (unsigned int i = 0; i < CC_RELAYS; i++) {
		enum cfg_relay_role r = cfg->relays.relay[i].role;

		c->relay_role[i] = (uint8_t)r;
		c->has_main |= r == CFG_RELAY_MAIN;
		c->has_charge |= r == CFG_RELAY_CHARGE;
		c->has_discharge |= r == CFG_RELAY_DISCHARGE;
		c->has_precharge |= r == CFG_RELAY_PRECHARGE;
	}
	for (unsigned int r = 0; r < CFG_INPUT_ROLE_COUNT; r++)
		c->di_of[r] = -1;
	/* the parser gives each role to one input; the first one wins anyway */
	for (unsigned int i = CC_INPUTS; i-- > 0;) {
		enum cfg_input_role r = cfg->inputs.in[i].role;

		c->in_role[i] = (uint8_t)r;
		c->in_invert[i] = cfg->inputs.in[i].invert;
		if (r != CFG_IN_NONE && (unsigned int)r < CFG_INPUT_ROLE_COUNT)
			c->di_of[r] = (int8_t)i;
	}
	for (unsigned int i = 0; i < CC_OUTPUTS; i++) {
		c->out_role[i] = (uint8_t)cfg->outputs.out[i].role;
		c->out_invert[i] = cfg->outputs.out[i].invert;
	}
}

void cc_init(struct cc *c, const struct cfg *cfg, cc_event_fn fn, void *arg, uint64_t now_ms)
{
	memset(c, 0, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	load_config(c, cfg);
	c->charger_since_ms = now_ms;
}

void cc_reconfigure(struct cc *c, const struct cfg *cfg, uint64_t now_ms)
{
	bool same = true;
	uint8_t welded = c->welded;
	bool pc_failed = c->pc_failed;

	for (unsigned int i = 0; i < CC_RELAYS; i++)
		same &= c->relay_role[i] == (uint8_t)cfg->relays.relay[i].role;
	for (unsigned int i = 0; i < CC_INPUTS; i++)
		same &= c->in_role[i] == (uint8_t)cfg->inputs.in[i].role &&
			c->in_invert[i] == cfg->inputs.in[i].invert;
	if (same) {
		load_config(c, cfg);
		return;
	}
	cc_init(c, cfg, c->fn, c->arg, now_ms);
	c->welded = welded;
	c->pc_failed = pc_failed;
}

void cc_restore_latches(struct cc *c, uint8_t welded, bool precharge_failed)
{
	c->welded = (uint8_t)(welded & 0x0Fu);
	c->pc_failed = precharge_failed;
}

uint8_t cc_welded_latched(const struct cc *c)
{
	return c->welded;
}

bool cc_precharge_latched(const struct cc *c)
{
	return c->pc_failed;
}

void cc_reset(struct cc *c, uint64_t now_ms)
{
	bool any = c->welded || c->pc_failed;

	c->welded = 0;
	c->pc_failed = false;
	if (c->pc == CC_PC_IDLE)
		c->pc_attempt = 0;
	for (unsigned int i = 0; i < CC_RELAYS; i++)
		c->fb_since_ms[i] = now_ms;
	if (any)
		emit(c, CC_EV_RESET, 0);
}

/* ---- inputs ------------------------------------------------------------- */

static bool di_active(const struct cc *c, const struct cc_in *in, enum cfg_input_role r)
{
	int i = c->di_of[r];

	if (i < 0 || !in->io_valid)
		return false;
	return (((in->di >> i) & 1u) != 0) != c->in_invert[i];
}

static void end_of_charge(struct cc *c, const struct cc_in *in)
{
	if (!in->cell_max_valid)
		return;
	if (!c->full && in->cell_max_mV >= c->k.end_of_charge_cell_mV) {
		c->full = true;
		emit(c, CC_EV_END_OF_CHARGE, 0);
	} else if (c->full && in->cell_max_mV < c->k.resume_charge_cell_mV) {
		c->full = false;
		emit(c, CC_EV_CHARGE_RESUME, 0);
	}
}

/* The feedback is compared with what the MCU drives, not with our command:
 * when the safety floor opens a relay on its own, an open contact is right. */
static void feedback(struct cc *c, const struct cc_in *in, uint64_t now)
{
	for (unsigned int i = 0; i < CC_RELAYS; i++) {
		enum cfg_input_role role = (enum cfg_input_role)(CFG_IN_FEEDBACK_RELAY1 + i);
		uint8_t bit = (uint8_t)(1u << i);
		bool fb, cmd;

		if (c->di_of[role] < 0)
			continue;
		if (!in->io_valid) {
			c->fb_timing[i] = false;
			continue;
		}
		fb = di_active(c, in, role);
		cmd = (in->relay_out & bit) != 0;
		if (fb == cmd) {
			c->fb_timing[i] = false;
			if (c->mismatch & bit) {
				c->mismatch &= (uint8_t)~bit;
				emit(c, CC_EV_FEEDBACK_OK, i + 1);
			}
			continue;
		}
		if (!c->fb_timing[i] || c->fb_cmd[i] != cmd) {
			c->fb_timing[i] = true;
			c->fb_cmd[i] = cmd;
			c->fb_since_ms[i] = now;
		}
		if (now - c->fb_since_ms[i] < c->k.feedback_delay_ms)
			continue;
		if (!(c->mismatch & bit)) {
			c->mismatch |= bit;
			emit(c, CC_EV_FEEDBACK_MISMATCH, i + 1);
		}
		if (fb && !cmd && !(c->welded & bit)) {
			c->welded |= bit;
			emit(c, CC_EV_WELDED, i + 1);
		}
	}
}

/* ---- paths -------------------------------------------------------------- */

static bool pc_relay_on(const struct cc *c)
{
	return c->pc == CC_PC_CHARGING || c->pc == CC_PC_OVERLAP;
}

/* The contactor that the precharge relay bypasses: main, or without one the
 * discharge contactor. It closes at the handover. */
static bool carrier_on(const struct cc *c, unsigned int p)
{
	enum cc_pstate s = c->path[p];

	return s == CC_P_CLOSED || s == CC_P_STOPPING ||
	       (s == CC_P_CLOSING && c->pc == CC_PC_OVERLAP);
}

/* A branch contactor (charge, or discharge behind a main) closes when the
 * precharge starts, so that the precharge current reaches its DC link. */
static bool branch_on(const struct cc *c, unsigned int p)
{
	enum cc_pstate s = c->path[p];

	return s == CC_P_CLOSED || s == CC_P_STOPPING || (s == CC_P_CLOSING && pc_relay_on(c));
}

static uint8_t role_mask(const struct cc *c, enum cfg_relay_role r)
{
	uint8_t m = 0;

	for (unsigned int i = 0; i < CC_RELAYS; i++)
		if (c->relay_role[i] == (uint8_t)r)
			m |= (uint8_t)(1u << i);
	return m;
}

static uint8_t contactor_mask(const struct cc *c)
{
	return role_mask(c, CFG_RELAY_MAIN) | role_mask(c, CFG_RELAY_CHARGE) |
	       role_mask(c, CFG_RELAY_DISCHARGE);
}

static bool needs_precharge(const struct cc *c, unsigned int p)
{
	uint8_t carrier;

	if (!c->has_precharge)
		return false;
	if (c->has_main)
		carrier = role_mask(c, CFG_RELAY_MAIN);
	else if (p == D && c->has_discharge)
		carrier = role_mask(c, CFG_RELAY_DISCHARGE);
	else
		return false;
	/* the DC link is already live when the carrier is closed */
	return !(c->relays & carrier);
}

/* The other path keeps a shared main contactor closed. */
static bool holds_main(const struct cc *c, unsigned int p, const struct wants *w)
{
	return (c->path[p] == CC_P_CLOSED || c->path[p] == CC_P_CLOSING) && w->keep[p];
}

static bool opens_main(const struct cc *c, unsigned int p, const struct wants *w)
{
	return c->has_main && !holds_main(c, p == C ? D : C, w);
}

/* Opening path @p opens a contactor, so it needs a soft stop. */
static bool owns_contactor(const struct cc *c, unsigned int p, const struct wants *w)
{
	return (p == C ? c->has_charge : c->has_discharge) || opens_main(c, p, w);
}

/* The current through the contactors that will open is small enough: only
 * its own direction counts for a branch, both for a main. */
static bool current_low(const struct cc *c, unsigned int p, const struct wants *w,
			const struct cc_in *in)
{
	int64_t i = in->current_mA, thr = c->k.soft_stop_current_mA;

	if (!in->current_valid)
		return false;
	if (opens_main(c, p, w))
		return i < thr && i > -thr;
	return p == C ? i < thr : i > -thr;
}

static void open_path(struct cc *c, unsigned int p, enum cc_event ev)
{
	c->path[p] = CC_P_OPEN;
	emit(c, ev, p);
}

/* A stopping path opens once its current is low, after Toff when only the
 * charger or the power request is missing, or at the soft-stop timeout. */
static void stop_check(struct cc *c, unsigned int p, const struct wants *w,
		       const struct cc_in *in, uint64_t now)
{
	uint64_t t = now - c->stop_since_ms[p];

	if (w->keep[p]) {
		c->path[p] = CC_P_CLOSED;
		emit(c, CC_EV_SOFT_STOP_CANCEL, p);
		return;
	}
	if (!owns_contactor(c, p, w)) {
		open_path(c, p, CC_EV_SOFT_STOP_END);
		return;
	}
	if (w->toff[p] && t < c->k.charge_off_delay_ms)
		return;
	/* a current that cannot be measured cannot be waited for */
	if (!in->current_valid)
		open_path(c, p, CC_EV_SOFT_STOP_UNMEASURED);
	else if (current_low(c, p, w, in))
		open_path(c, p, CC_EV_SOFT_STOP_END);
	else if (t >= c->k.soft_stop_timeout_ms)
		open_path(c, p, CC_EV_SOFT_STOP_TIMEOUT);
}

static void step_path(struct cc *c, unsigned int p, const struct wants *w,
		      const struct cc_in *in, uint64_t now)
{
	switch (c->path[p]) {
	case CC_P_OPEN:
		if (w->close[p])
			c->path[p] = needs_precharge(c, p) ? CC_P_CLOSING : CC_P_CLOSED;
		break;
	case CC_P_CLOSING:
		/* a precharge is closing: a hold aborts it */
		if (!w->keep[p] || w->hold[p])
			c->path[p] = CC_P_OPEN;
		break;
	case CC_P_CLOSED:
		if (w->keep[p])
			break;
		if (!owns_contactor(c, p, w)) {
			c->path[p] = CC_P_OPEN;
			break;
		}
		c->path[p] = CC_P_STOPPING;
		c->stop_since_ms[p] = now;
		emit(c, CC_EV_SOFT_STOP_START, p);
		/* with no current flowing it may open at once */
		stop_check(c, p, w, in, now);
		break;
	case CC_P_STOPPING:
		stop_check(c, p, w, in, now);
		break;
	}
}

static void precharge(struct cc *c, const struct cc_in *in, uint64_t now)
{
	bool waiting = c->path[C] == CC_P_CLOSING || c->path[D] == CC_P_CLOSING;
	uint64_t t = now - c->pc_since_ms;
	int64_t i = in->current_mA;

	if (!waiting) {
		if (c->pc != CC_PC_IDLE)
			emit(c, CC_EV_PRECHARGE_ABORT, c->pc_attempt);
		c->pc = CC_PC_IDLE;
		c->pc_attempt = 0;
		return;
	}
	switch (c->pc) {
	case CC_PC_IDLE:
		c->pc = CC_PC_CHARGING;
		c->pc_since_ms = now;
		c->pc_attempt = 1;
		emit(c, CC_EV_PRECHARGE_START, 1);
		break;
	case CC_PC_CHARGING:
		if (t >= c->k.precharge_ms && in->current_valid &&
		    i < (int64_t)c->k.precharge_done_mA && i > -(int64_t)c->k.precharge_done_mA) {
			c->pc = CC_PC_OVERLAP;
			c->pc_since_ms = now;
			emit(c, CC_EV_PRECHARGE_OK, c->pc_attempt);
			break;
		}
		if (t < c->k.precharge_timeout_ms)
			break;
		if (c->pc_attempt > c->k.precharge_retries) {
			c->pc_failed = true;
			c->pc = CC_PC_IDLE;
			for (unsigned int p = 0; p < CC_PATH_COUNT; p++)
				if (c->path[p] == CC_P_CLOSING)
					c->path[p] = CC_P_OPEN;
			emit(c, CC_EV_PRECHARGE_FAILED, c->pc_attempt);
			break;
		}
		c->pc = CC_PC_WAIT;
		c->pc_since_ms = now;
		emit(c, CC_EV_PRECHARGE_RETRY, c->pc_attempt);
		break;
	case CC_PC_WAIT:
		if (t < c->k.retry_delay_ms)
			break;
		c->pc = CC_PC_CHARGING;
		c->pc_since_ms = now;
		c->pc_attempt++;
		emit(c, CC_EV_PRECHARGE_START, c->pc_attempt);
		break;
	case CC_PC_OVERLAP:
		if (t < c->k.overlap_ms)
			break;
		for (unsigned int p = 0; p < CC_PATH_COUNT; p++)
			if (c->path[p] == CC_P_CLOSING)
				c->path[p] = CC_P_CLOSED;
		c->pc = CC_PC_IDLE;
		c->pc_attempt = 0;
		break;
	}
}

/* ---- outputs ------------------------------------------------------------ */

static uint8_t relay_mask(const struct cc *c, const struct cc_in *in, bool hard)
{
	uint8_t m = 0;

	for (unsigned int i = 0; i < CC_RELAYS; i++) {
		bool on;

		switch ((enum cfg_relay_role)c->relay_role[i]) {
		case CFG_RELAY_CHARGE:
			on = branch_on(c, C);
			break;
		case CFG_RELAY_DISCHARGE:
			on = c->has_main ? branch_on(c, D) : carrier_on(c, D);
			break;
		case CFG_RELAY_MAIN:
			on = carrier_on(c, C) || carrier_on(c, D);
			break;
		case CFG_RELAY_PRECHARGE:
			on = pc_relay_on(c);
			break;
		case CFG_RELAY_ALLOW_CHARGING:
			on = c->allow;
			break;
		case CFG_RELAY_HEATER:
			on = in->heater_request && !hard;
			break;
		case CFG_RELAY_ALARM:
			on = in->alarm && in->armed;
			break;
		default:
			on = false;
			break;
		}
		if (on)
			m |= (uint8_t)(1u << i);
	}
	return m;
}

static uint8_t do_mask(const struct cc *c, const struct cc_in *in, enum view_state st)
{
	uint8_t m = 0;

	for (unsigned int i = 0; i < CC_OUTPUTS; i++) {
		bool on;

		switch ((enum cfg_output_role)c->out_role[i]) {
		case CFG_OUT_ALARM:
			on = in->alarm;
			break;
		case CFG_OUT_WARNING:
			on = in->warning;
			break;
		case CFG_OUT_READY:
			on = st == VIEW_ST_CONNECTED && !in->alarm;
			break;
		case CFG_OUT_CHARGING_ALLOWED:
			on = c->allow;
			break;
		case CFG_OUT_BALANCING:
			on = in->balancing;
			break;
		default:
			continue; /* an unused output stays off, inverted or not */
		}
		if (on != c->out_invert[i])
			m |= (uint8_t)(1u << i);
	}
	return m;
}

void cc_step(struct cc *c, const struct cc_in *in, uint64_t now, struct cc_out *out)
{
	bool always = c->k.charge_mode == CFG_CHARGE_ALWAYS;
	bool charger, present, power_up, inh_c, inh_d, estop, insul, hard, base, free_c, free_d;
	bool allow;
	struct wants w;

	if (in->reset)
		cc_reset(c, now);

	charger = di_active(c, in, CFG_IN_CHARGER_CONNECTED);
	if (!charger)
		c->charger_seen = false;
	else if (!c->charger_seen) {
		c->charger_seen = true;
		c->charger_since_ms = now;
	}
	present = charger && now - c->charger_since_ms >= c->k.charge_on_delay_ms;
	power_up = c->di_of[CFG_IN_POWER_REQUEST] < 0 || di_active(c, in, CFG_IN_POWER_REQUEST);
	inh_c = di_active(c, in, CFG_IN_INHIBIT_CHARGE);
	inh_d = di_active(c, in, CFG_IN_INHIBIT_DISCHARGE);
	estop = di_active(c, in, CFG_IN_EMERGENCY_STOP);
	insul = di_active(c, in, CFG_IN_INSULATION_FAULT);

	end_of_charge(c, in);
	feedback(c, in, now);

	hard = !in->armed || estop || insul || in->open_now;
	base = !hard && !c->pc_failed && in->connect && !in->open_all;
	free_c = base && !in->block_charge && !inh_c;
	free_d = base && !in->block_discharge && !inh_d;
	w.keep[C] = free_c && power_up && (always || charger);
	w.close[C] = free_c && power_up && (always || present);
	w.toff[C] = free_c && !w.keep[C];
	w.keep[D] = w.close[D] = free_d && power_up;
	w.toff[D] = free_d && !power_up;
	w.hold[C] = in->hold_charge;
	w.hold[D] = in->hold_discharge;
	w.close[C] = w.close[C] && !w.hold[C];
	w.close[D] = w.close[D] && !w.hold[D];

	if (hard) {
		if (c->path[C] != CC_P_OPEN || c->path[D] != CC_P_OPEN || c->pc != CC_PC_IDLE)
			emit(c, CC_EV_OPEN_NOW, 0);
		c->path[C] = c->path[D] = CC_P_OPEN;
		c->pc = CC_PC_IDLE;
		c->pc_attempt = 0;
	} else {
		step_path(c, C, &w, in, now);
		step_path(c, D, &w, in, now);
		precharge(c, in, now);
	}

	allow = c->path[C] == CC_P_CLOSED && !c->full && (always || present);
	if (allow != c->allow) {
		c->allow = allow;
		emit(c, allow ? CC_EV_CHARGE_ON : CC_EV_CHARGE_OFF, 0);
	}
	c->relays = relay_mask(c, in, hard);

	memset(out, 0, sizeof(*out));
	out->relays = c->relays;
	out->soft_stop = c->path[C] == CC_P_STOPPING || c->path[D] == CC_P_STOPPING;
	if (c->pc != CC_PC_IDLE)
		out->state = VIEW_ST_PRECHARGE;
	else if (out->soft_stop)
		out->state = VIEW_ST_SOFT_STOP;
	else if (c->relays & contactor_mask(c))
		out->state = VIEW_ST_CONNECTED;
	else if (c->pc_failed || c->welded || estop || insul || in->open_now || in->open_all ||
		 (in->block_charge && in->block_discharge))
		out->state = VIEW_ST_FAULT;
	else
		out->state = VIEW_ST_STANDBY;
	out->dos = do_mask(c, in, out->state);
	out->charge_allowed = c->allow;
	out->discharge_allowed = c->path[D] == CC_P_CLOSED;
	out->full = c->full;
	out->charger_connected = present;
	out->power_up = power_up;
	out->precharge_failed = c->pc_failed;
	out->feedback_mismatch = c->mismatch != 0;
	out->mismatch_mask = c->mismatch;
	out->welded = c->welded != 0;
	out->welded_mask = c->welded;
	for (unsigned int i = 0; i < CC_RELAYS; i++)
		if (c->welded & (1u << i)) {
			out->welded_relay = i + 1;
			break;
		}
	out->estop = estop;
	out->insulation = insul;
	out->inhibit_charge = inh_c;
	out->inhibit_discharge = inh_d;
}
