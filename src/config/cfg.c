/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "cfg.h"
#include "proto/bp.h"

#define DEPTH_MAX 16u
#define NODES_MAX 100000
#define CFG_MARKS_MAX 512u
#define CFG_PATH_MAX 128u
#define CFG_SHOW_MAX 40u /* characters of a value quoted back in a message */

enum cfg_nkind { CFG_N_SCALAR, CFG_N_MAP, CFG_N_SEQ };

/* The document as libyaml streamed it, kept so that the board can be read
 * before the keys that depend on it, wherever it stands in the file. */
struct cfg_node {
	enum cfg_nkind kind;
	bool plain;     /* scalar: plain style, so it may be a number or null */
	int line, col;  /* 1-based */
	char *s;        /* scalar text */
	size_t len;
	int first, last, next; /* children; -1 = none. A mapping alternates key, value */
};

/* Where a key was given, to find duplicates and to place later errors. */
struct cfg_mark {
	const struct cfg_key *row;
	uint32_t off;   /* of the field or section in struct cfg */
	uint32_t size;
	int line, col;  /* of the key */
	int vline, vcol; /* of its value: the section's mapping, or the leaf's scalar */
	char path[CFG_PATH_MAX];
};

struct cfg_ctx {
	const char *name;
	struct cfg c;
	const struct profile *p;
	struct cfg_error *err;
	bool failed;
	struct cfg_node *n;
	int count, cap, root;
	struct cfg_mark marks[CFG_MARKS_MAX];
	unsigned int nmarks;
};

/* ---- errors ------------------------------------------------------------- */

static void set_msg(struct cfg_error *err, int line, int col, const char *name, const char *path,
		    const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
static void set_msg(struct cfg_error *err, int line, int col, const char *name, const char *path,
		    const char *fmt, va_list ap)
{
	size_t n = sizeof(err->msg);
	int w;

	err->line = line;
	err->col = col;
	if (line > 0)
		w = snprintf(err->msg, n, "%s:%d:%d: ", name, line, col);
	else
		w = snprintf(err->msg, n, "%s: ", name);
	if (w < 0 || (size_t)w >= n)
		return;
	if (path && *path) {
		int p = snprintf(err->msg + w, n - (size_t)w, "%s: ", path);

		if (p < 0 || (size_t)p >= n - (size_t)w)
			return;
		w += p;
	}
	vsnprintf(err->msg + w, n - (size_t)w, fmt, ap);
}

static void error_out(struct cfg_error *err, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void error_out(struct cfg_error *err, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	set_msg(err, 0, 0, name, NULL, fmt, ap);
	va_end(ap);
}

/* Record the first error only; every later one follows from it. */
static int cfg_fail_v(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt,
		      va_list ap) __attribute__((format(printf, 5, 0)));
static int cfg_fail_v(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt,
		      va_list ap)
{
	if (x->failed)
		return -EINVAL;
	x->failed = true;
	set_msg(x->err, line, col, x->name, path, fmt, ap);
	return -EINVAL;
}

static int cfg_fail(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int cfg_fail(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_fail_v(x, line, col, path, fmt, ap);
	va_end(ap);
	return rc;
}

static int cfg_fail_at(struct cfg_ctx *x, const struct cfg_node *nd, const char *path,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int cfg_fail_at(struct cfg_ctx *x, const struct cfg_node *nd, const char *path,
		       const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_fail_v(x, nd->line, nd->col, path, fmt, ap);
	va_end(ap);
	return rc;
}

static int cfg_fail_oom(struct cfg_ctx *x)
{
	cfg_fail(x, 0, 0, NULL, "out of memory");
	return -ENOMEM;
}

/* A value as quoted back in a message: at most CFG_SHOW_MAX characters,
 * anything unprintable escaped. */
static const char *cfg_yaml_show(const char *s, size_t len, char *buf, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == CFG_SHOW_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = 0;
	return buf;
}

static bool cfg_yaml_null(const struct cfg_node *nd)
{
	return nd->kind == CFG_N_SCALAR && nd->plain &&
	       (nd->len == 0 || !strcmp(nd->s, "~") || !strcmp(nd->s, "null") ||
		!strcmp(nd->s, "Null") || !strcmp(nd->s, "NULL"));
}

/* "a mapping", "nothing", "'12abc'", "a quoted string \"16\"" */
static const char *cfg_yaml_describe(const struct cfg_node *nd, char *buf, size_t n)
{
	char v[CFG_SHOW_MAX * 4 + 8];

	if (nd->kind == CFG_N_MAP)
		snprintf(buf, n, "a mapping");
	else if (nd->kind == CFG_N_SEQ)
		snprintf(buf, n, "a sequence");
	else if (cfg_yaml_null(nd))
		snprintf(buf, n, "nothing");
	else if (!nd->plain)
		snprintf(buf, n, "the quoted string \"%s\"",
			 cfg_yaml_show(nd->s, nd->len, v, sizeof(v)));
	else
		snprintf(buf, n, "'%s'", cfg_yaml_show(nd->s, nd->len, v, sizeof(v)));
	return buf;
}

/* ---- building the tree from libyaml's events ---------------------------- */

static int tree_add(struct cfg_ctx *x, enum cfg_nkind kind, const yaml_mark_t *m)
{
	struct cfg_node *nd;

	if (x->count == x->cap) {
		int cap = x->cap ? x->cap * 2 : 64;
		struct cfg_node *n = realloc(x->n, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		x->n = n;
		x->cap = cap;
	}
	nd = &x->n[x->count];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	nd->line = (int)m->line + 1;
	nd->col = (int)m->column + 1;
	nd->first = nd->last = nd->next = -1;
	return x->count++;
}

static void cfg_yaml_free(struct cfg_ctx *x)
{
	for (int i = 0; i < x->count; i++)
		free(x->n[i].s);
	free(x->n);
	x->n = NULL;
	x->count = x->cap = 0;
}

static void attach(struct cfg_ctx *x, int parent, int child)
{
	struct cfg_node *p;

	if (parent < 0) {
		x->root = child;
		return;
	}
	p = &x->n[parent];
	if (p->last < 0)
		p->first = child;
	else
		x->n[p->last].next = child;
	p->last = child;
}

/* Line and column of byte @off, for the reader's errors, which carry an
 * offset only. Columns count characters, as libyaml's marks do. */
static void offset_pos(const char *buf, size_t len, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ch & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int yaml_fail(struct cfg_ctx *x, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *what = p->problem ? p->problem : "malformed input";
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return cfg_fail_oom(x);
	case YAML_READER_ERROR:
		offset_pos(buf, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return cfg_fail(x, line, col, NULL, "YAML: %s (byte 0x%02X)", what,
					(unsigned int)p->problem_value & 0xFFu);
		return cfg_fail(x, line, col, NULL, "YAML: %s", what);
	default:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		if (p->context)
			return cfg_fail(x, line, col, NULL, "YAML syntax error: %s (%s at %d:%d)",
					what, p->context, (int)p->context_mark.line + 1,
					(int)p->context_mark.column + 1);
		return cfg_fail(x, line, col, NULL, "YAML syntax error: %s", what);
	}
}

static int refuse_extras(struct cfg_ctx *x, const yaml_mark_t *m, const yaml_char_t *anchor,
			 const yaml_char_t *tag)
{
	if (anchor)
		return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
				"anchors and aliases are not supported: write each value out "
				"(anchor '%.40s')", (const char *)anchor);
	if (tag)
		return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
				"tags are not supported (tag '%.40s')", (const char *)tag);
	return 0;
}

static int on_event(struct cfg_ctx *x, const yaml_event_t *ev, int *stack, unsigned int *depth,
		    int *docs)
{
	const yaml_mark_t *m = &ev->start_mark;
	int parent = *depth ? stack[*depth - 1] : -1;
	int idx, rc;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if ((*docs)++)
			return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
					"a second YAML document: the configuration is one "
					"document");
		return 0;
	case YAML_ALIAS_EVENT:
		return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
				"anchors and aliases are not supported: write each value out "
				"(alias '%.40s')", (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		rc = refuse_extras(x, m, ev->data.scalar.anchor, ev->data.scalar.tag);
		if (rc)
			return rc;
		if (x->count >= NODES_MAX)
			return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
					"more than %d YAML nodes", NODES_MAX);
		idx = tree_add(x, CFG_N_SCALAR, m);
		if (idx < 0)
			return cfg_fail_oom(x);
		x->n[idx].s = malloc(ev->data.scalar.length + 1);
		if (!x->n[idx].s)
			return cfg_fail_oom(x);
		memcpy(x->n[idx].s, ev->data.scalar.value, ev->data.scalar.length);
		x->n[idx].s[ev->data.scalar.length] = 0;
		x->n[idx].len = ev->data.scalar.length;
		x->n[idx].plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		attach(x, parent, idx);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			rc = refuse_extras(x, m, ev->data.sequence_start.anchor,
					   ev->data.sequence_start.tag);
		else
			rc = refuse_extras(x, m, ev->data.mapping_start.anchor,
					   ev->data.mapping_start.tag);
		if (rc)
			return rc;
		if (*depth >= DEPTH_MAX)
			return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
					"nested deeper than %u levels", DEPTH_MAX);
		if (x->count >= NODES_MAX)
			return cfg_fail(x, (int)m->line + 1, (int)m->column + 1, NULL,
					"more than %d YAML nodes", NODES_MAX);
		idx = tree_add(x, ev->type == YAML_MAPPING_START_EVENT ? CFG_N_MAP : CFG_N_SEQ, m);
		if (idx < 0)
			return cfg_fail_oom(x);
		attach(x, parent, idx);
		stack[(*depth)++] = idx;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (*depth)
			(*depth)--;
		return 0;
	default:
		return 0;
	}
}

static int cfg_yaml_read(struct cfg_ctx *x, const char *buf, size_t len)
{
	int stack[DEPTH_MAX];
	unsigned int depth = 0;
	yaml_parser_t p;
	yaml_event_t ev;
	int docs = 0, rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return cfg_fail_oom(x);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = yaml_fail(x, &p, buf, len);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(x, &ev, stack, &depth, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

/* ---- suggestions -------------------------------------------------------- */

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Edit distance with transpositions, ignoring case; capped at 9. */
static unsigned int distance(const char *a, const char *b)
{
	enum { L = 48 };
	unsigned int d[L + 1][L + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > L || lb > L)
		return 9;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned int)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned int)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			unsigned int cost = lower(a[i - 1]) != lower(b[j - 1]);
			unsigned int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb] > 9 ? 9 : d[la][lb];
}

struct cfg_near {
	const char *best;
	unsigned int best_d;
	char list[200];
	size_t len;
	const char *want;
};

static void cfg_near_add(struct cfg_near *c, const char *name)
{
	unsigned int d = distance(c->want, name);
	size_t l = strlen(c->want);
	int w;

	/* "heartbeat" for "heartbeat_period_ms": a name cut short */
	if (l >= 4 && d > 1 && !strncasecmp(name, c->want, l))
		d = 1;

	if (!c->best || d < c->best_d) {
		c->best = name;
		c->best_d = d;
	}
	if (c->len < sizeof(c->list)) {
		w = snprintf(c->list + c->len, sizeof(c->list) - c->len, "%s%s",
			     c->len ? ", " : "", name);
		if (w > 0)
			c->len += (size_t)w;
		if (c->len >= sizeof(c->list))
			strcpy(c->list + sizeof(c->list) - 4, "...");
	}
}

/* Close enough to be a typo of it, not a different word. */
static bool cfg_near_close(const struct cfg_near *c)
{
	size_t l = strlen(c->want);
	unsigned int lim = l <= 3 ? 1 : l <= 8 ? 2 : 3;

	return c->best && c->best_d <= lim;
}

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

static int cfg_value_enum(struct cfg_ctx *x, const struct cfg_key *k,
			  const struct cfg_node *v, int *field, const char *path)
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

static int cfg_value_convert(struct cfg_ctx *x, const struct cfg_key *k,
			     const struct cfg_node *v, char *field, const char *path)
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
static int cfg_value_defaults(struct cfg_ctx *x)
{
	int rc = apply_defaults(x, cfg_schema, (char *)&x->c);

	if (rc)
		return rc;
	apply_profile(&x->c, x->p);
	return 0;
}

/* ---- walking the document against the schema --------------------------- */

static struct cfg_mark *mark_find(struct cfg_ctx *x, const struct cfg_key *row, uint32_t off)
{
	for (unsigned int i = 0; i < x->nmarks; i++)
		if (x->marks[i].row == row && x->marks[i].off == off)
			return &x->marks[i];
	return NULL;
}

/* Key given for the leaf field at @off, or NULL. */
static const struct cfg_mark *cfg_walk_leaf(const struct cfg_ctx *x, uint32_t off)
{
	for (unsigned int i = 0; i < x->nmarks; i++)
		if (x->marks[i].row->type != CFG_T_SECTION && x->marks[i].off == off)
			return &x->marks[i];
	return NULL;
}

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

static const struct profile_channel *other_alias(const struct cfg_ctx *x, enum profile_ch_kind kind,
						 const char *name, const struct profile **which)
{
	for (unsigned int i = 0; i < PROFILE_COUNT; i++) {
		const struct profile *q = profile_at(i);
		const struct profile_channel *ch;

		if (q == x->p)
			continue;
		ch = profile_channel_find(q, kind, name);
		if (ch) {
			*which = q;
			return ch;
		}
	}
	return NULL;
}

/* "relay1..relay4 (X4, X5, X6, X7)" */
static void channel_list(const struct profile *p, enum profile_ch_kind kind, char *buf, size_t n)
{
	size_t len = 0;
	int w;

	buf[0] = 0;
	for (unsigned int i = 0; i < p->nchans && len < n; i++) {
		const struct profile_channel *ch = &p->chans[i];

		if (ch->kind != kind)
			continue;
		if (ch->alias)
			w = snprintf(buf + len, n - len, "%s%s (%s)", len ? ", " : "", ch->key,
				     ch->alias);
		else
			w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "", ch->key);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Parse "stemN" for a repeated row: N is 1..99. */
static int stem_index(const struct cfg_key *k, const char *name)
{
	size_t l = strlen(k->name);
	const char *d = name + l;

	if (strncmp(name, k->name, l) || d[0] < '1' || d[0] > '9')
		return -1;
	if (!d[1])
		return d[0] - '1';
	if (d[1] >= '0' && d[1] <= '9' && !d[2])
		return (d[0] - '0') * 10 + (d[1] - '0') - 1;
	return -1;
}

static int resolve(struct cfg_ctx *x, const struct cfg_key *rows, const struct cfg_node *key,
		   const char *path, const struct cfg_key **row, unsigned int *idx)
{
	const char *name = key->s;
	const struct profile *q;
	const struct profile_channel *ch;
	struct cfg_near c = { .want = name };
	char list[200];
	const struct cfg_key *k;

	for (k = rows; k->name; k++) {
		if (!k->count) {
			if (strcmp(k->name, name))
				continue;
			if (k->chan && !profile_channel(x->p, (enum profile_ch_kind)k->chan, 0)) {
				q = NULL;
				ch = other_alias(x, (enum profile_ch_kind)k->chan, name, &q);
				return cfg_fail_at(
				    x, key, path, "the %s board has no %s%s%s%s", x->p->name,
				    profile_ch_kind_name((enum profile_ch_kind)k->chan),
				    q ? " (" : "", q ? q->name : "", q ? " has one)" : "");
			}
			*row = k;
			*idx = 0;
			return 0;
		}
		ch = profile_channel_find(x->p, (enum profile_ch_kind)k->chan, name);
		if (ch) {
			*row = k;
			*idx = ch->index;
			return 0;
		}
		int i = stem_index(k, name);

		if (i >= 0 || other_alias(x, (enum profile_ch_kind)k->chan, name, &q)) {
			/* a channel this board lacks, or another board's connector */
			channel_list(x->p, (enum profile_ch_kind)k->chan, list, sizeof(list));
			if (i < 0) {
				ch = other_alias(x, (enum profile_ch_kind)k->chan, name, &q);
				return cfg_fail_at(x, key, path,
						   "the %s board has no %s '%s' ('%s' is %s on "
						   "%s); expected one of: %s", x->p->name,
						   profile_ch_kind_name(ch->kind), name, name,
						   ch->key, q->name, list);
			}
			return cfg_fail_at(
			    x, key, path, "the %s board has no %s '%s'; expected one of: %s",
			    x->p->name, profile_ch_kind_name((enum profile_ch_kind)k->chan), name,
			    list);
		}
	}

	/* unknown: suggest the nearest key this board accepts here */
	for (k = rows; k->name; k++) {
		if (!k->count) {
			if (!k->chan || profile_channel(x->p, (enum profile_ch_kind)k->chan, 0))
				cfg_near_add(&c, k->name);
			continue;
		}
		for (unsigned int j = 0; j < x->p->nchans; j++) {
			ch = &x->p->chans[j];
			if (ch->kind == (enum profile_ch_kind)k->chan)
				cfg_near_add(&c, ch->key);
		}
		for (unsigned int j = 0; j < x->p->nchans; j++) {
			ch = &x->p->chans[j];
			if (ch->kind == (enum profile_ch_kind)k->chan && ch->alias)
				cfg_near_add(&c, ch->alias);
		}
	}
	char shown[CFG_SHOW_MAX * 4 + 8];

	cfg_yaml_show(name, key->len, shown, sizeof(shown));
	if (cfg_near_close(&c))
		return cfg_fail_at(x, key, path, "unknown key '%s'; did you mean '%s'?", shown,
				   c.best);
	return cfg_fail_at(x, key, path, "unknown key '%s'; expected one of: %s", shown, c.list);
}

static void join(char *out, size_t n, const char *a, const char *b)
{
	snprintf(out, n, "%s%s%s", a, *a ? "." : "", b);
}

static int walk_map(struct cfg_ctx *x, int ni, const struct cfg_key *rows, char *base,
		    uint32_t boff, const char *path)
{
	const struct cfg_node *m = &x->n[ni];
	char got[200];

	if (cfg_yaml_null(m))
		return 0; /* a section with every key commented out */
	if (m->kind != CFG_N_MAP) {
		bool role = false;

		for (const struct cfg_key *k = rows; k->name; k++)
			role |= !strcmp(k->name, "role");
		if (role && m->kind == CFG_N_SCALAR)
			return cfg_fail_at(x, m, path,
					   "expected a mapping of keys (got %s); a role is written "
					   "{role: %s}", cfg_yaml_describe(m, got, sizeof(got)),
					   m->s);
		return cfg_fail_at(x, m, path, "expected a mapping of keys (got %s)",
				   cfg_yaml_describe(m, got, sizeof(got)));
	}
	for (int ki = m->first; ki >= 0; ki = x->n[x->n[ki].next].next) {
		const struct cfg_node *key = &x->n[ki], *val = &x->n[key->next];
		const struct cfg_key *row = NULL;
		unsigned int idx = 0;
		struct cfg_mark *dup;
		char kpath[CFG_PATH_MAX], shown[CFG_SHOW_MAX * 4 + 8];
		uint32_t off;
		char *field;
		int rc;

		if (key->kind != CFG_N_SCALAR)
			return cfg_fail_at(x, key, path, "expected a key name (got %s)",
					   cfg_yaml_describe(key, got, sizeof(got)));
		if (!key->len || memchr(key->s, 0, key->len))
			return cfg_fail_at(x, key, path, "expected a key name (got %s)",
					   cfg_yaml_describe(key, got, sizeof(got)));
		join(kpath, sizeof(kpath), path,
		     cfg_yaml_show(key->s, key->len, shown, sizeof(shown)));
		rc = resolve(x, rows, key, kpath, &row, &idx);
		if (rc)
			return rc;
		off = boff + row->off + idx * row->size;
		field = base + row->off + (size_t)idx * row->size;
		dup = mark_find(x, row, off);
		if (dup) {
			const char *was = strrchr(dup->path, '.') ? strrchr(dup->path, '.') + 1
								   : dup->path;

			if (strcmp(was, key->s))
				return cfg_fail_at(x, key, kpath,
						   "'%s' and '%s' (at %d:%d) name the same %s",
						   key->s, was, dup->line, dup->col,
						   row->chan ? profile_ch_kind_name(
								(enum profile_ch_kind)row->chan)
							     : "key");
			return cfg_fail_at(x, key, kpath,
					   "duplicate key '%s' (first given at %d:%d)", key->s,
					   dup->line, dup->col);
		}
		if (x->nmarks == CFG_MARKS_MAX)
			return cfg_fail_at(x, key, kpath, "internal: too many keys");
		x->marks[x->nmarks] = (struct cfg_mark){
			.row = row, .off = off, .line = key->line, .col = key->col,
			.vline = val->line, .vcol = val->col,
			.size = row->type == CFG_T_SECTION ? row->size : 0,
		};
		snprintf(x->marks[x->nmarks].path, CFG_PATH_MAX, "%s", kpath);
		x->nmarks++;
		if (row->type == CFG_T_SECTION) {
			if (row->flags & CFG_K_OPTIONAL)
				*(bool *)(void *)field = true;
			rc = walk_map(x, key->next, row->sub, field, off, kpath);
		} else {
			rc = cfg_value_convert(x, row, val, field, kpath);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* The document, from its root, into x->c. */
static int cfg_walk(struct cfg_ctx *x)
{
	return walk_map(x, x->root, cfg_schema, (char *)&x->c, 0, "");
}

/* ---- required keys ------------------------------------------------------ */

static int check_required(struct cfg_ctx *x, const struct cfg_key *rows, const char *base,
			  uint32_t boff, const char *path, const struct cfg_mark *anchor,
			  const char *rel)
{
	for (const struct cfg_key *k = rows; k->name; k++) {
		unsigned int n = k->count ? k->count : 1;

		for (unsigned int i = 0; i < n; i++) {
			const struct profile_channel *ch = NULL;
			const char *field = base + k->off + (size_t)i * k->size;
			uint32_t off = boff + k->off + i * k->size;
			const struct cfg_mark *m = mark_find(x, k, off);
			char kname[48], kpath[CFG_PATH_MAX], krel[CFG_PATH_MAX];
			bool need;
			int rc;

			if (k->chan) {
				ch = profile_channel(x->p, (enum profile_ch_kind)k->chan, i);
				if (!ch)
					continue;
			}
			snprintf(kname, sizeof(kname), "%s", ch ? ch->key : k->name);
			join(kpath, sizeof(kpath), path, kname);
			if (k->type == CFG_T_SECTION) {
				if ((k->flags & CFG_K_OPTIONAL) &&
				    !*(const bool *)(const void *)field)
					continue;
				if (m)
					rc = check_required(x, k->sub, field, off, kpath, m, "");
				else {
					join(krel, sizeof(krel), rel, kname);
					rc = check_required(x, k->sub, field, off, kpath, anchor,
							    krel);
				}
				if (rc)
					return rc;
				continue;
			}
			if (m)
				continue;
			need = (k->flags & CFG_K_REQUIRED) || (k->needed && k->needed(base));
			if (!need)
				continue;
			join(krel, sizeof(krel), rel, kname);
			if (anchor)
				return cfg_fail(x, anchor->vline, anchor->vcol, anchor->path,
						"missing required key '%s'%s%s%s", krel,
						k->need_text ? " (" : "",
						k->need_text ? k->need_text : "",
						k->need_text ? ")" : "");
			return cfg_fail(x, x->n[x->root].line, x->n[x->root].col, NULL,
					"missing required key '%s'%s%s%s", krel,
					k->need_text ? " (" : "", k->need_text ? k->need_text : "",
					k->need_text ? ")" : "");
		}
	}
	return 0;
}

/* Every key that must be given, in every section in force, was given. */
static int cfg_walk_required(struct cfg_ctx *x)
{
	return check_required(x, cfg_schema, (const char *)&x->c, 0, "", NULL, "");
}

/* ---- rules between keys ------------------------------------------------- */

#define COFF(m) ((uint32_t)offsetof(struct cfg, m))

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
static int cfg_rules_check(struct cfg_ctx *x)
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

/* ---- entry points ------------------------------------------------------- */

static int find_board(struct cfg_ctx *x)
{
	const struct cfg_node *r = &x->n[x->root];
	const struct cfg_key *k = &cfg_schema[0];
	int id = 0, rc;

	for (int ki = r->first; ki >= 0; ki = x->n[x->n[ki].next].next) {
		const struct cfg_node *key = &x->n[ki];

		if (key->kind != CFG_N_SCALAR || strcmp(key->s, k->name))
			continue;
		rc = cfg_value_enum(x, k, &x->n[key->next], &id, k->name);
		if (rc)
			return rc;
		x->c.board = (enum profile_id)id;
		x->p = profile_by_id(x->c.board);
		return 0;
	}
	return cfg_fail(x, r->line, r->col, NULL,
			"missing required key 'board' (main-2r or main-2.1)");
}

static int parse(struct cfg_ctx *x, const char *buf, size_t len)
{
	char got[200];
	int rc;

	x->root = -1;
	if (len > CFG_FILE_MAX) {
		cfg_fail(x, 0, 0, NULL, "too large: %zu bytes, at most %u", len, CFG_FILE_MAX);
		return -EFBIG;
	}
	rc = cfg_yaml_read(x, buf ? buf : "", buf ? len : 0);
	if (rc)
		return rc;
	if (x->root < 0 || cfg_yaml_null(&x->n[x->root]))
		return cfg_fail(x, x->root < 0 ? 1 : x->n[x->root].line,
				x->root < 0 ? 1 : x->n[x->root].col, NULL,
				"empty configuration: expected a mapping with at least board, "
				"link, pack, safety_floor and current_sensors");
	if (x->n[x->root].kind != CFG_N_MAP)
		return cfg_fail_at(x, &x->n[x->root], NULL,
				   "expected a mapping of keys at the top (got %s)",
				   cfg_yaml_describe(&x->n[x->root], got, sizeof(got)));
	rc = find_board(x);
	if (rc)
		return rc;
	rc = cfg_value_defaults(x);
	if (rc)
		return rc;
	rc = cfg_walk(x);
	if (rc)
		return rc;
	rc = cfg_walk_required(x);
	if (rc)
		return rc;
	return cfg_rules_check(x);
}

int cfg_parse(const char *name, const char *buf, size_t len, struct cfg *out,
	      struct cfg_error *err)
{
	struct cfg_error scratch;
	struct cfg_ctx *x = calloc(1, sizeof(*x));
	int rc;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if (!x) {
		error_out(err, name, "out of memory");
		return -ENOMEM;
	}
	x->name = name ? name : "(config)";
	x->err = err;
	rc = parse(x, buf, len);
	/* memcpy, padding included: equal inputs give equal bytes */
	if (!rc && out)
		memcpy(out, &x->c, sizeof(*out));
	cfg_yaml_free(x);
	free(x);
	return rc;
}

int cfg_load(const char *path, struct cfg *out, struct cfg_error *err)
{
	struct cfg_error scratch;
	struct stat st;
	size_t len = 0;
	char *buf;
	int fd, rc;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	/* O_NONBLOCK: a FIFO must not hang the caller before fstat refuses it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		error_out(err, path, "cannot open: %s", strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		error_out(err, path, "cannot stat: %s", strerror(-rc));
		close(fd);
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		error_out(err, path, "cannot read: %s", strerror(EISDIR));
		close(fd);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		error_out(err, path, "not a regular file");
		close(fd);
		return -EINVAL;
	}
	buf = malloc(CFG_FILE_MAX + 1u);
	if (!buf) {
		error_out(err, path, "out of memory");
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, CFG_FILE_MAX + 1u - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			error_out(err, path, "cannot read: %s", strerror(-rc));
			free(buf);
			close(fd);
			return rc;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CFG_FILE_MAX) {
			error_out(err, path, "too large: more than %u bytes", CFG_FILE_MAX);
			free(buf);
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	rc = cfg_parse(path, buf, len, out, err);
	free(buf);
	return rc;
}

/* ---- outputs ------------------------------------------------------------ */

const struct profile *cfg_profile(const struct cfg *c)
{
	return profile_by_id(c->board);
}

/* Round half away from zero: q = num / den, den > 0. */
static int64_t div_round(int64_t num, int64_t den)
{
	return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

void cfg_to_bp(const struct cfg *c, struct bp_config *out)
{
	struct bp_config b = { 0 };
	unsigned int i, n = 0;

	b.board_count = (uint8_t)c->pack.boards;
	b.cells_per_board = (uint8_t)c->pack.cells_per_board;
	b.temps_per_board = (uint8_t)c->pack.temps_per_board;
	b.heartbeat_timeout_ms = (uint16_t)c->safety_floor.heartbeat_timeout_ms;
	b.logic_offline_ms = (uint16_t)c->pack.logic_offline_ms;
	b.cell_crit_high_mV = (uint16_t)c->safety_floor.cell_high_mV;
	b.cell_crit_low_mV = (uint16_t)c->safety_floor.cell_low_mV;
	b.temp_crit_high_dC = (int16_t)c->safety_floor.temp_high_dC;
	b.temp_crit_low_dC = (int16_t)c->safety_floor.temp_low_dC;
	b.short_circuit_mA = c->safety_floor.short_circuit_mA;
	b.plausibility_mA = c->current_sensors.plausibility_mA;
	b.di_debounce_ms = (uint8_t)c->inputs.debounce_ms;
	/* the bridge takes sensors 1..n: sensor 2 only alongside sensor 1 */
	for (i = 0; i < BP_NUM_CURRENT && c->current_sensors.cs[i].enabled; i++) {
		const struct cfg_current_sensor *s = &c->current_sensors.cs[i];

		/* uA per mV = 1e9 / (uV per A) */
		b.cs[i].gain_uA_per_mV = (int32_t)div_round(1000000000, s->sensitivity_uV_per_A < 0
							      ? -(int64_t)s->sensitivity_uV_per_A
							      : s->sensitivity_uV_per_A);
		if (s->sensitivity_uV_per_A < 0)
			b.cs[i].gain_uA_per_mV = -b.cs[i].gain_uA_per_mV;
		b.cs[i].offset_uV = s->offset_uV;
		b.cs[i].range_mA = s->range_mA;
		n++;
	}
	b.current_sensors = (uint8_t)n;
	for (i = 0; i < BP_NUM_NTC && i < CFG_NTCS; i++) {
		const struct cfg_ntc *t = &c->temperature_sensors.t[i];

		switch (t->model) {
		case CFG_NTC_BETA:
			b.ntc[i].model = BP_NTC_BETA;
			b.ntc[i].beta_K = (uint16_t)t->beta_K;
			b.ntc[i].r25_ohm = t->r25_ohm;
			break;
		case CFG_NTC_STEINHART:
			b.ntc[i].model = BP_NTC_STEINHART;
			b.ntc[i].sh_a = (float)t->sh_a;
			b.ntc[i].sh_b = (float)t->sh_b;
			b.ntc[i].sh_c = (float)t->sh_c;
			break;
		default:
			b.ntc[i].model = BP_NTC_NONE;
			break;
		}
		if (t->model != CFG_NTC_NONE && t->floor_trip)
			b.ntc_enable |= (uint8_t)(1u << i);
	}
	b.cell_ntc.model = BP_NTC_NONE;
	if (c->humidity.enabled && c->humidity.sensitivity_uV_per_pct) {
		/* 0.1 %RH per V = 1e7 / (uV per %RH) */
		b.hum_gain_dpct_per_V =
			(int16_t)div_round(10000000, (int64_t)c->humidity.sensitivity_uV_per_pct);
		b.hum_offset_mV = (int16_t)c->humidity.offset_mV;
	}
	/* the MCU drives the alarm outputs itself while its floor holds the pack */
	for (i = 0; i < BP_NUM_DO && i < CFG_OUTPUTS; i++) {
		if (c->outputs.out[i].role != CFG_OUT_ALARM)
			continue;
		b.alarm_dos |= (uint8_t)(1u << i);
		if (c->outputs.out[i].invert)
			b.alarm_dos_invert |= (uint8_t)(1u << i);
	}
	*out = b;
}

static const char *enum_name(const struct cfg_key *rows, const char *key, int v)
{
	for (const struct cfg_key *k = rows; k->name; k++) {
		if (strcmp(k->name, key))
			continue;
		for (const struct cfg_enum_name *e = k->names; e && e->name; e++)
			if (e->value == v)
				return e->name;
	}
	return "?";
}

/* The names live in the schema; these find them through the sections. */
static const struct cfg_key *sub_of(const struct cfg_key *rows, const char *name)
{
	for (const struct cfg_key *k = rows; k->name; k++)
		if (!strcmp(k->name, name))
			return k->sub;
	return NULL;
}

/* The name of @value of enum key @key in section @section.@sub. */
static const char *schema_enum_name(const char *section, const char *sub, const char *key,
				    int value)
{
	const struct cfg_key *s = sub_of(sub_of(cfg_schema, section), sub);

	return s ? enum_name(s, key, value) : "?";
}

const char *cfg_relay_role_name(enum cfg_relay_role r)
{
	return schema_enum_name("relays", "relay", "role", (int)r);
}

const char *cfg_input_role_name(enum cfg_input_role r)
{
	return schema_enum_name("inputs", "in", "role", (int)r);
}

const char *cfg_output_role_name(enum cfg_output_role r)
{
	return schema_enum_name("outputs", "out", "role", (int)r);
}

const char *cfg_ntc_model_name(enum cfg_ntc_model m)
{
	return schema_enum_name("temperature_sensors", "t", "model", (int)m);
}
