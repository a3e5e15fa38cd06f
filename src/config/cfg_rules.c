/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rules between keys, checked once every key has its value: the
 * board-wide ones here, each section's own through its row's xcheck.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg_impl.h"

#define COFF(m) ((uint32_t)offsetof(struct cfg, m))

/* Where to report a problem of the field at @off: the key itself if it was
 * given (and @leaf), else the innermost section around it that was, else
 * the top. */
static void locate(const struct cfg_ctx *x, uint32_t off, bool leaf, int *line, int *col,
		   const char **path)
{
	const struct cfg_mark *m = leaf ? cfg_walk_leaf(x, off) : NULL, *best = NULL;

	if (m) {
		*line = m->vline;
		*col = m->vcol;
		*path = m->path;
		return;
	}
	for (unsigned int i = 0; i < x->nmarks; i++) {
		const struct cfg_mark *s = &x->marks[i];

		if (s->row->type != CFG_T_SECTION || off < s->off || off >= s->off + s->size)
			continue;
		/* a leaf's problem: the innermost section around it; a section's:
		 * the outermost that starts there, not its first channel */
		if (!best || (leaf ? s->size < best->size
				   : (s->off == off && (best->off != off || s->size > best->size))))
			best = s;
	}
	if (best) {
		*line = best->vline;
		*col = best->vcol;
		*path = best->path;
		return;
	}
	*line = x->root >= 0 ? x->n[x->root].line : 1;
	*col = x->root >= 0 ? x->n[x->root].col : 1;
	*path = "";
}

static int fail_loc(struct cfg_ctx *x, uint32_t off, bool leaf, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_loc(struct cfg_ctx *x, uint32_t off, bool leaf, const char *fmt, ...)
{
	const char *path;
	int line, col, rc;
	va_list ap;

	if (x->failed)
		return -EINVAL;
	locate(x, off, leaf, &line, &col, &path);
	va_start(ap, fmt);
	rc = cfg_fail_v(x, line, col, path, fmt, ap);
	va_end(ap);
	return rc;
}

/* At the key of the field at @off, or around it. */
#define fail_off(x, off, ...) fail_loc(x, off, true, __VA_ARGS__)
/* At the section at @off. */
#define fail_sec(x, off, ...) fail_loc(x, off, false, __VA_ARGS__)

static const char *chan_name(const struct cfg_ctx *x, enum profile_ch_kind kind, unsigned int i,
			     char *buf, size_t n)
{
	const struct profile_channel *ch = profile_channel(x->p, kind, i);

	if (ch && ch->alias)
		snprintf(buf, n, "%s (%s)", ch->key, ch->alias);
	else if (ch)
		snprintf(buf, n, "%s", ch->key);
	else
		snprintf(buf, n, "#%u", i + 1);
	return buf;
}

static int check_link(struct cfg_ctx *x)
{
	const struct cfg *c = &x->c;
	uint32_t r = c->link.bitrate_bps;

	if (!strncmp(c->link.interface, "slcan:", 6) && r) {
		static const uint32_t rates[] = { 10000, 20000, 50000, 100000, 125000,
						  250000, 500000, 800000, 1000000 };
		bool ok = false;

		for (unsigned int i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
			ok |= rates[i] == r;
		if (!ok)
			return fail_off(x, COFF(link.bitrate_bps),
					"slcan takes 10000, 20000, 50000, 100000, 125000, 250000, "
					"500000, 800000 or 1000000 (got %u)", r);
	}
	if (c->link.heartbeat_period_ms * 2u > c->safety_floor.heartbeat_timeout_ms) {
		uint32_t off = cfg_walk_leaf(x, COFF(link.heartbeat_period_ms))
				       ? COFF(link.heartbeat_period_ms)
				       : COFF(safety_floor.heartbeat_timeout_ms);

		return fail_off(x, off,
				"link.heartbeat_period_ms (%u) must be at most half of "
				"safety_floor.heartbeat_timeout_ms (%u), or one late heartbeat "
				"trips the floor",
				c->link.heartbeat_period_ms, c->safety_floor.heartbeat_timeout_ms);
	}
	return 0;
}

static int check_floor(struct cfg_ctx *x)
{
	const struct cfg_safety_floor *f = &x->c.safety_floor;

	if (f->cell_low_mV >= f->cell_high_mV)
		return fail_off(x, COFF(safety_floor.cell_low_mV),
				"cell_low_mV (%u) must be below cell_high_mV (%u)", f->cell_low_mV,
				f->cell_high_mV);
	if (f->temp_low_dC >= f->temp_high_dC)
		return fail_off(x, COFF(safety_floor.temp_low_dC),
				"temp_low_dC (%d) must be below temp_high_dC (%d)", f->temp_low_dC,
				f->temp_high_dC);
	return 0;
}

static int check_current(struct cfg_ctx *x)
{
	const struct cfg_current_sensors *s = &x->c.current_sensors;
	uint32_t widest = 0;
	char a[48];

	if (s->cs[1].enabled && !s->cs[0].enabled)
		return fail_off(x, COFF(current_sensors.cs[1].enabled),
				"%s is enabled while %s is not: the bridge uses sensor 2 only "
				"as the high range of sensor 1",
				chan_name(x, PROFILE_CH_CURRENT, 1, a, sizeof(a)), "cs1");
	if (!s->cs[0].enabled)
		return fail_off(x, COFF(current_sensors.cs[0].enabled),
				"no current sensor is enabled: the safety floor's short-circuit "
				"trip needs one");
	widest = s->cs[0].range_mA;
	if (s->cs[1].enabled) {
		if (s->cs[1].range_mA <= s->cs[0].range_mA)
			return fail_off(x, COFF(current_sensors.cs[1].range_mA),
					"sensor 2 is the high-range sensor: its range_mA (%u) must "
					"exceed sensor 1's (%u)",
					s->cs[1].range_mA, s->cs[0].range_mA);
		widest = s->cs[1].range_mA;
	}
	if (x->c.safety_floor.short_circuit_mA >= widest)
		return fail_off(x, COFF(safety_floor.short_circuit_mA),
				"short_circuit_mA (%u) must be below the range of the enabled "
				"current sensors (%u mA), or the trip could never fire",
				x->c.safety_floor.short_circuit_mA, widest);
	return 0;
}

static bool relay_unique(enum cfg_relay_role r)
{
	return r != CFG_RELAY_NONE && r != CFG_RELAY_ALARM;
}

/* Of two channels that clash, report the one given in the file, the later
 * one when both were. */
static uint32_t pick(struct cfg_ctx *x, uint32_t earlier, uint32_t later)
{
	return !cfg_walk_leaf(x, later) && cfg_walk_leaf(x, earlier) ? earlier : later;
}

static int check_relays(struct cfg_ctx *x)
{
	const struct cfg_relays *r = &x->c.relays;
	bool contactor = false, carrier = false;
	char a[48], b[48];
	unsigned int i, j;

	for (i = 0; i < CFG_RELAYS; i++)
		for (j = i + 1; j < CFG_RELAYS; j++) {
			uint32_t off;

			if (r->relay[i].role != r->relay[j].role || !relay_unique(r->relay[i].role))
				continue;
			off = pick(x, COFF(relays.relay[i].role), COFF(relays.relay[j].role));
			chan_name(x, PROFILE_CH_RELAY, i, a, sizeof(a));
			chan_name(x, PROFILE_CH_RELAY, j, b, sizeof(b));
			return fail_off(x, off,
					"role '%s' is given to both %s and %s; it drives one relay "
					"(set the other one's role, which may come from the %s "
					"profile, to none)",
					cfg_relay_role_name(r->relay[i].role), a, b, x->p->name);
		}
	for (i = 0; i < CFG_RELAYS; i++) {
		enum cfg_relay_role ro = r->relay[i].role;

		contactor |= ro == CFG_RELAY_MAIN || ro == CFG_RELAY_CHARGE ||
			     ro == CFG_RELAY_DISCHARGE;
		carrier |= ro == CFG_RELAY_MAIN || ro == CFG_RELAY_DISCHARGE;
	}
	if (!contactor)
		return fail_sec(x, COFF(relays),
				"no relay drives a contactor: give one the role main, charge or "
				"discharge (the %s profile assigns none by default)", x->p->name);
	for (i = 0; i < CFG_RELAYS; i++)
		if (r->relay[i].role == CFG_RELAY_PRECHARGE && !carrier)
			return fail_off(
			    x, COFF(relays.relay[i].role),
			    "precharge needs a main or discharge contactor to hand over "
			    "to");
	return 0;
}

static int check_inputs(struct cfg_ctx *x)
{
	const struct cfg_inputs *in = &x->c.inputs;
	char a[48], b[48];
	unsigned int i, j;

	for (i = 0; i < CFG_INPUTS; i++)
		for (j = i + 1; j < CFG_INPUTS; j++) {
			if (in->in[i].role != in->in[j].role || in->in[i].role == CFG_IN_NONE)
				continue;
			chan_name(x, PROFILE_CH_INPUT, i, a, sizeof(a));
			chan_name(x, PROFILE_CH_INPUT, j, b, sizeof(b));
			return fail_off(x,
					pick(x, COFF(inputs.in[i].role), COFF(inputs.in[j].role)),
					"role '%s' is given to both %s and %s; it belongs to one "
					"input",
					cfg_input_role_name(in->in[i].role), a, b);
		}
	for (i = 0; i < CFG_INPUTS; i++) {
		enum cfg_input_role ro = in->in[i].role;
		unsigned int rl;

		if (ro < CFG_IN_FEEDBACK_RELAY1 || ro > CFG_IN_FEEDBACK_RELAY4)
			continue;
		rl = (unsigned int)(ro - CFG_IN_FEEDBACK_RELAY1);
		if (x->c.relays.relay[rl].role == CFG_RELAY_NONE)
			return fail_off(x, COFF(inputs.in[i].role),
					"'%s' reads back %s, whose role is none",
					cfg_input_role_name(ro),
					chan_name(x, PROFILE_CH_RELAY, rl, a, sizeof(a)));
	}
	return 0;
}

static int check_gpio(struct cfg_ctx *x)
{
	const struct cfg_gpio_line *l[] = {
		&x->c.gpio.run_led, &x->c.gpio.fault_led, &x->c.gpio.mcu_reset,
		&x->c.gpio.mcu_boot0, &x->c.gpio.rs485_de,
	};
	static const char *const names[] = { "run_led", "fault_led", "mcu_reset", "mcu_boot0",
					     "rs485_de" };
	unsigned int i, j;

	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++) {
			if (!l[i]->configured || !l[j]->configured ||
			    strcmp(l[i]->chip, l[j]->chip) || strcmp(l[i]->line, l[j]->line))
				continue;
			return fail_off(x,
					(uint32_t)((const char *)l[j]->line - (const char *)&x->c),
					"gpio.%s and gpio.%s name the same line (%s %s)", names[i],
					names[j], l[i]->chip, l[i]->line);
		}
	return 0;
}

/* Each section's own rules between its keys (cfg_key.xcheck). */
static int check_sections(struct cfg_ctx *x, const struct cfg_key *rows, const char *base,
			  uint32_t boff)
{
	for (const struct cfg_key *k = rows; k->name; k++) {
		unsigned int n = k->count ? k->count : 1;

		if (k->type != CFG_T_SECTION)
			continue;
		for (unsigned int i = 0; i < n; i++) {
			const char *sec = base + k->off + (size_t)i * k->size;
			uint32_t off = boff + k->off + i * k->size, at = 0;
			char msg[400];
			int rc;

			if (k->chan && !profile_channel(x->p, (enum profile_ch_kind)k->chan, i))
				continue;
			if ((k->flags & CFG_K_OPTIONAL) && !*(const bool *)(const void *)sec)
				continue;
			rc = check_sections(x, k->sub, sec, off);
			if (rc)
				return rc;
			if (k->xcheck && k->xcheck(sec, msg, sizeof(msg), &at))
				return fail_off(x, off + at, "%s", msg);
		}
	}
	return 0;
}

/* Two buses on one interface would mix their traffic. */
static int check_buses(struct cfg_ctx *x)
{
	const struct cfg *c = &x->c;
	const char *link = c->link.interface;

	if (c->can1.enable && !strcmp(c->can1.interface, link))
		return fail_off(x, COFF(can1.interface),
				"can1 is on %s, the MCU link's interface: each bus needs its own",
				link);
	if (c->can2.enable && !strcmp(c->can2.interface, link))
		return fail_off(x, COFF(can2.interface),
				"can2 is on %s, the MCU link's interface: each bus needs its own",
				link);
	if (c->can2.enable && c->board == PROFILE_MAIN_2_1)
		return fail_off(x, COFF(can2.enable),
				"the %s board has one CAN bus (P14), which is can1; it has no CAN2",
				x->p->name);
	if (c->can1.temperature == CFG_CAN1_T_NTC2 && !profile_channel(x->p, PROFILE_CH_NTC, 1))
		return fail_off(x, COFF(can1.temperature),
				"the %s board has no second NTC input: choose cells-mean, "
				"cells-max, cells-min or ntc1", x->p->name);
	if (c->can1.enable && c->can2.enable && !strcmp(c->can1.interface, c->can2.interface))
		return fail_off(x, COFF(can2.interface),
				"can1 and can2 are both on %s: each bus needs its own",
				c->can1.interface);
	return 0;
}

/* The rules between keys, once every key has its value; the first one
 * broken is the error. */
int cfg_rules_check(struct cfg_ctx *x)
{
	int rc;

	rc = check_link(x);
	if (!rc)
		rc = check_floor(x);
	if (!rc)
		rc = check_current(x);
	if (!rc)
		rc = check_relays(x);
	if (!rc)
		rc = check_inputs(x);
	if (!rc)
		rc = check_gpio(x);
	if (!rc)
		rc = check_sections(x, cfg_schema, (const char *)&x->c, 0);
	if (!rc)
		rc = check_buses(x);
	return rc;
}
