/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The document as libyaml streams it, kept as a tree of nodes so that the
 * walk can read the board before the keys that depend on it; and a node
 * as the messages quote it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cfg_impl.h"

#define DEPTH_MAX 16u
#define NODES_MAX 100000

/* ---- nodes, as messages show them --------------------------------------- */

/* A value as quoted back in a message: at most CFG_SHOW_MAX characters,
 * anything unprintable escaped. */
const char *cfg_yaml_show(const char *s, size_t len, char *buf, size_t n)
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

bool cfg_yaml_null(const struct cfg_node *nd)
{
	return nd->kind == CFG_N_SCALAR && nd->plain &&
	       (nd->len == 0 || !strcmp(nd->s, "~") || !strcmp(nd->s, "null") ||
		!strcmp(nd->s, "Null") || !strcmp(nd->s, "NULL"));
}

/* "a mapping", "nothing", "'12abc'", "a quoted string \"16\"" */
const char *cfg_yaml_describe(const struct cfg_node *nd, char *buf, size_t n)
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

void cfg_yaml_free(struct cfg_ctx *x)
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

int cfg_yaml_read(struct cfg_ctx *x, const char *buf, size_t len)
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
