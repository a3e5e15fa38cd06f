/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A scalar of the document into its typed field, as the schema row says,
 * and the defaults, which are written in the schema as they would be in
 * the file and go through the same conversions.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_impl.h"

/* ---- values ------------------------------------------------------------- */

/* 0: ok, 1: not a decimal integer, 2: too large for 64 bits */
static int parse_i64(const char *s, int64_t *out)
{
	bool neg = false;
	uint64_t v = 0, lim;
	const char *d;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return 1;
	if (s[0] == '0' && s[1])
		return 1; /* no octal look-alikes */
	lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	for (d = s; *d; d++) {
		if (*d < '0' || *d > '9')
			return 1;
	}
	for (d = s; *d; d++) {
		unsigned int dig = (unsigned int)(*d - '0');

		if (v > (lim - dig) / 10u)
			return 2;
		v = v * 10u + dig;
	}
	*out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return 0;
}

/* Decimal or scientific notation only: no hex, inf, nan or YAML's .inf. */
static bool parse_num(const char *s, double *out)
{
	const char *p = s;
	bool digits = false;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits = true;
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, &end);
	return *end == 0;
}

static void store_int(void *field, size_t size, int64_t v)
{
	switch (size) {
	case 1: {
		uint8_t u = (uint8_t)v;

		memcpy(field, &u, 1);
		break;
	}
	case 2: {
		uint16_t u = (uint16_t)v;

		memcpy(field, &u, 2);
		break;
	}
	case 4: {
		uint32_t u = (uint32_t)v;

		memcpy(field, &u, 4);
		break;
	}
	default:
		memcpy(field, &v, 8);
		break;
	}
}

static const char *unit_text(const struct cfg_key *k)
{
	if (!k->unit)
		return "";
	if (!strcmp(k->unit, "uV_per_A"))
		return " uV/A";
	if (!strcmp(k->unit, "uV_per_pct"))
		return " uV/%RH";
	if (!strcmp(k->unit, "dC"))
		return " dC (0.1 degC)";
	return NULL;
}

static int conv_int(struct cfg_ctx *x, const struct cfg_key *k,
		    const struct cfg_node *v, void *field, const char *path)
{
	char rb[160], got[200];
	const char *u = unit_text(k);
	char ub[24];
	int64_t n;
	int r;

	if (!u) {
		snprintf(ub, sizeof(ub), " %s", k->unit);
		u = ub;
	}
	cfg_key_range(k, rb, sizeof(rb));
	if (v->kind != CFG_N_SCALAR || cfg_yaml_null(v) || !v->plain)
		return cfg_fail_at(x, v, path, "expected an integer in %s%s (got %s)", rb, u,
				   cfg_yaml_describe(v, got, sizeof(got)));
	r = parse_i64(v->s, &n);
	if (r == 1)
		return cfg_fail_at(x, v, path, "expected a decimal integer in %s%s (got %s)", rb, u,
				   cfg_yaml_describe(v, got, sizeof(got)));
	if (r == 2 || n < k->min || n > k->max)
		return cfg_fail_at(x, v, path, "out of range %s%s (got %s)", rb, u,
				   cfg_yaml_describe(v, got, sizeof(got)));
	store_int(field, k->size, n);
	if (k->check) {
		const char *why = k->check(field);

		if (why)
			return cfg_fail_at(x, v, path, "%s (got %s)", why,
					   cfg_yaml_describe(v, got, sizeof(got)));
	}
	return 0;
}

static int conv_bool(struct cfg_ctx *x, const struct cfg_node *v, bool *field, const char *path)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const f[] = { "false", "False", "FALSE" };
	char got[200];

	if (v->kind == CFG_N_SCALAR && v->plain) {
		for (unsigned int i = 0; i < 3; i++) {
			if (!strcmp(v->s, t[i])) {
				*field = true;
				return 0;
			}
			if (!strcmp(v->s, f[i])) {
				*field = false;
				return 0;
			}
		}
	}
	return cfg_fail_at(x, v, path, "expected true or false (got %s)",
			   cfg_yaml_describe(v, got, sizeof(got)));
}

/* A text value: no NUL or control characters, within its buffer. */
static int text_ok(struct cfg_ctx *x, const struct cfg_key *k, const struct cfg_node *v,
		   const char *what, size_t max, const char *path)
{
	char got[200];

	if (v->kind != CFG_N_SCALAR || cfg_yaml_null(v))
		return cfg_fail_at(x, v, path, "expected %s (got %s)", what,
				   cfg_yaml_describe(v, got, sizeof(got)));
	for (size_t i = 0; i < v->len; i++) {
		unsigned char ch = (unsigned char)v->s[i];

		if (ch < 0x20 || ch == 0x7f)
			return cfg_fail_at(x, v, path, "%s contains a control character (got %s)",
					   what, cfg_yaml_describe(v, got, sizeof(got)));
	}
	if (v->len > max)
		return cfg_fail_at(x, v, path, "too long: %zu bytes, at most %zu", v->len, max);
	if (!v->len && !(k->flags & CFG_K_EMPTY_OK))
		return cfg_fail_at(x, v, path, "expected %s, not an empty string", what);
	return 0;
}

static int conv_string(struct cfg_ctx *x, const struct cfg_key *k,
		       const struct cfg_node *v, char *field, const char *path)
{
	const char *what = (k->flags & CFG_K_ABSPATH) ? "an absolute path" : "a string";
	char got[200];
	int rc = text_ok(x, k, v, what, (size_t)k->max, path);

	if (rc)
		return rc;
	if ((k->flags & CFG_K_ABSPATH) && v->s[0] != '/')
		return cfg_fail_at(x, v, path, "expected an absolute path (got %s)",
				   cfg_yaml_describe(v, got, sizeof(got)));
	memcpy(field, v->s, v->len + 1);
	if (k->check) {
		const char *why = k->check(field);

		if (why)
			return cfg_fail_at(x, v, path, "%s (got %s)", why,
					   cfg_yaml_describe(v, got, sizeof(got)));
	}
	return 0;
}

int cfg_value_enum(struct cfg_ctx *x, const struct cfg_key *k, const struct cfg_node *v,
		   int *field, const char *path)
{
	struct cfg_near c = { .want = v->s ? v->s : "" };
	const struct cfg_enum_name *e;
	char got[200];

	/* strlen: a quoted "\0" must not cut a value down to a name */
	if (v->kind == CFG_N_SCALAR && !cfg_yaml_null(v) && strlen(v->s) == v->len) {
		for (e = k->names; e->name; e++)
			if (!strcmp(e->name, v->s)) {
				*field = e->value;
				return 0;
			}
	}
	for (e = k->names; e->name; e++)
		cfg_near_add(&c, e->name);
	if (v->kind == CFG_N_SCALAR && !cfg_yaml_null(v) && cfg_near_close(&c))
		return cfg_fail_at(x, v, path,
				   "unknown value '%s'; did you mean '%s'? (expected one of: %s)",
				   cfg_yaml_show(v->s, v->len, got, sizeof(got)), c.best, c.list);
	return cfg_fail_at(x, v, path, "expected one of: %s (got %s)", c.list,
			   cfg_yaml_describe(v, got, sizeof(got)));
}

static int conv_float(struct cfg_ctx *x, const struct cfg_key *k,
		      const struct cfg_node *v, double *field, const char *path)
{
	char rb[64], got[200];
	double d;

	cfg_key_range(k, rb, sizeof(rb));
	if (v->kind != CFG_N_SCALAR || cfg_yaml_null(v) || !v->plain || !parse_num(v->s, &d))
		return cfg_fail_at(x, v, path, "expected a decimal number in %s (got %s)", rb,
				   cfg_yaml_describe(v, got, sizeof(got)));
	if (!(d >= k->fmin && d <= k->fmax))
		return cfg_fail_at(x, v, path, "out of range %s (got %s)", rb,
				   cfg_yaml_describe(v, got, sizeof(got)));
	*field = d;
	if (k->check) {
		const char *why = k->check(field);

		if (why)
			return cfg_fail_at(x, v, path, "%s (got %s)", why,
					   cfg_yaml_describe(v, got, sizeof(got)));
	}
	return 0;
}

/* The line of a GPIO_LINE row is part of a struct cfg_gpio_line: the offset
 * next to it says whether it is a name or a number. */
static struct cfg_gpio_line *line_of(char *field)
{
	return (struct cfg_gpio_line *)(void *)(field - offsetof(struct cfg_gpio_line, line));
}

static int conv_line(struct cfg_ctx *x, const struct cfg_key *k,
		     const struct cfg_node *v, char *field, const char *path)
{
	struct cfg_gpio_line *g = line_of(field);
	char got[200];
	int64_t n;
	int rc;

	if (v->kind == CFG_N_SCALAR && v->plain && v->s[0] >= '0' && v->s[0] <= '9') {
		if (parse_i64(v->s, &n) || n < k->min || n > k->max)
			return cfg_fail_at(x, v, path,
					   "expected a line offset in %lld..%lld, or a quoted line "
					   "name (got %s)", (long long)k->min, (long long)k->max,
					   cfg_yaml_describe(v, got, sizeof(got)));
		g->offset = (int32_t)n;
		snprintf(g->line, sizeof(g->line), "%d", g->offset);
		return 0;
	}
	rc = text_ok(x, k, v, "a line name or offset", sizeof(g->line) - 1, path);
	if (rc)
		return rc;
	memcpy(g->line, v->s, v->len + 1);
	g->offset = -1;
	return 0;
}

/* [[x, y], ...]: integers, x strictly increasing. */
static int conv_curve(struct cfg_ctx *x, const struct cfg_key *k, const struct cfg_node *v,
		      struct cfg_curve *field, const char *path)
{
	struct cfg_curve c = { .n = 0 };
	char got[200];
	int64_t lim[2][2] = { { k->min, k->max }, { (int64_t)k->fmin, (int64_t)k->fmax } };

	if (v->kind != CFG_N_SEQ || v->first < 0)
		return cfg_fail_at(x, v, path,
				   "expected a list of 1 to %u points [x, y], x in %lld..%lld, "
				   "e.g. [[0, 100], [10, 50]] (got %s)", CURVE_MAX,
				   (long long)k->min, (long long)k->max,
				   cfg_yaml_describe(v, got, sizeof(got)));
	for (int pi = v->first; pi >= 0; pi = x->n[pi].next) {
		const struct cfg_node *pt = &x->n[pi];
		int64_t xy[2];
		int vi = pt->kind == CFG_N_SEQ ? pt->first : -1;
		unsigned int j;

		if (c.n == CURVE_MAX)
			return cfg_fail_at(x, pt, path, "too many points: at most %u", CURVE_MAX);
		for (j = 0; j < 2 && vi >= 0; j++, vi = x->n[vi].next) {
			const struct cfg_node *e = &x->n[vi];

			if (e->kind != CFG_N_SCALAR || !e->plain || cfg_yaml_null(e) ||
			    parse_i64(e->s, &xy[j]))
				return cfg_fail_at(x, e, path, "expected an integer %s (got %s)",
						   j ? "y" : "x",
						   cfg_yaml_describe(e, got, sizeof(got)));
			if (xy[j] < lim[j][0] || xy[j] > lim[j][1])
				return cfg_fail_at(x, e, path,
						   "%s out of range %lld..%lld (got %s)",
						   j ? "y" : "x", (long long)lim[j][0],
						   (long long)lim[j][1],
						   cfg_yaml_describe(e, got, sizeof(got)));
		}
		if (pt->kind == CFG_N_SEQ && (j != 2 || vi >= 0)) {
			unsigned int nv = j;

			for (; vi >= 0; vi = x->n[vi].next)
				nv++;
			return cfg_fail_at(x, pt, path,
					   "expected a point [x, y] of two integers (got %u "
					   "value%s)", nv, nv == 1 ? "" : "s");
		}
		if (pt->kind != CFG_N_SEQ)
			return cfg_fail_at(x, pt, path,
					   "expected a point [x, y] of two integers (got %s)",
					   cfg_yaml_describe(pt, got, sizeof(got)));
		if (c.n && xy[0] <= c.x[c.n - 1])
			return cfg_fail_at(x, pt, path,
					   "x must increase from point to point (%lld after %d)",
					   (long long)xy[0], c.x[c.n - 1]);
		c.x[c.n] = (int32_t)xy[0];
		c.y[c.n] = (int32_t)xy[1];
		c.n++;
	}
	*field = c;
	return 0;
}

int cfg_value_convert(struct cfg_ctx *x, const struct cfg_key *k, const struct cfg_node *v,
		      char *field, const char *path)
{
	switch (k->type) {
	case CFG_T_INT:
		return conv_int(x, k, v, field, path);
	case CFG_T_BOOL:
		return conv_bool(x, v, (bool *)(void *)field, path);
	case CFG_T_STRING:
		return conv_string(x, k, v, field, path);
	case CFG_T_ENUM:
		return cfg_value_enum(x, k, v, (int *)(void *)field, path);
	case CFG_T_FLOAT:
		return conv_float(x, k, v, (double *)(void *)field, path);
	case CFG_T_GPIO_LINE:
		return conv_line(x, k, v, field, path);
	case CFG_T_CURVE:
		return conv_curve(x, k, v, (struct cfg_curve *)(void *)field, path);
	case CFG_T_SECTION:
		break;
	}
	return cfg_fail_at(x, v, path, "internal: no conversion");
}

/* ---- defaults ----------------------------------------------------------- */

static int apply_defaults(struct cfg_ctx *x, const struct cfg_key *rows, char *base)
{
	for (const struct cfg_key *k = rows; k->name; k++) {
		unsigned int n = k->count ? k->count : 1;

		for (unsigned int i = 0; i < n; i++) {
			char *field = base + k->off + (size_t)i * k->size;
			struct cfg_node v = { .kind = CFG_N_SCALAR, .plain = true };
			int rc;

			if (k->type == CFG_T_SECTION) {
				rc = apply_defaults(x, k->sub, field);
				if (rc)
					return rc;
				continue;
			}
			if (k->type == CFG_T_GPIO_LINE)
				line_of(field)->offset = -1;
			if (k->type == CFG_T_CURVE) {
				if (k->defcurve)
					memcpy(field, k->defcurve, sizeof(*k->defcurve));
				continue;
			}
			if (!k->def)
				continue;
			v.s = (char *)(uintptr_t)k->def;
			v.len = strlen(k->def);
			v.plain = v.len != 0; /* "" is an empty string, not null */
			rc = cfg_value_convert(x, k, &v, field, k->name);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static void apply_profile(struct cfg *c, const struct profile *p)
{
	for (unsigned int i = 0; i < p->nchans; i++) {
		const struct profile_channel *ch = &p->chans[i];

		switch (ch->kind) {
		case PROFILE_CH_RELAY:
			c->relays.relay[ch->index].role = (enum cfg_relay_role)ch->default_role;
			break;
		case PROFILE_CH_INPUT:
			c->inputs.in[ch->index].role = (enum cfg_input_role)ch->default_role;
			break;
		case PROFILE_CH_OUTPUT:
			c->outputs.out[ch->index].role = (enum cfg_output_role)ch->default_role;
			break;
		case PROFILE_CH_CURRENT:
			c->current_sensors.cs[ch->index].enabled = ch->default_role != 0;
			break;
		case PROFILE_CH_HUMIDITY:
			c->humidity.enabled = ch->default_role != 0;
			break;
		default:
			break;
		}
	}
}

/* The schema's defaults, then the board's: its default roles and sensors. */
int cfg_value_defaults(struct cfg_ctx *x)
{
	int rc = apply_defaults(x, cfg_schema, (char *)&x->c);

	if (rc)
		return rc;
	apply_profile(&x->c, x->p);
	return 0;
}
