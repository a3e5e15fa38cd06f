/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The document walked against the schema: each key resolved to its row
 * (with the board's channels and connector names), marked where it was
 * given, and its value converted; then the keys that must be given.
 */
#include <stdio.h>
#include <string.h>

#include "cfg_impl.h"

/* ---- walking the document against the schema --------------------------- */

static struct cfg_mark *mark_find(struct cfg_ctx *x, const struct cfg_key *row, uint32_t off)
{
	for (unsigned int i = 0; i < x->nmarks; i++)
		if (x->marks[i].row == row && x->marks[i].off == off)
			return &x->marks[i];
	return NULL;
}

/* Key given for the leaf field at @off, or NULL. */
const struct cfg_mark *cfg_walk_leaf(const struct cfg_ctx *x, uint32_t off)
{
	for (unsigned int i = 0; i < x->nmarks; i++)
		if (x->marks[i].row->type != CFG_T_SECTION && x->marks[i].off == off)
			return &x->marks[i];
	return NULL;
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
int cfg_walk(struct cfg_ctx *x)
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
int cfg_walk_required(struct cfg_ctx *x)
{
	return check_required(x, cfg_schema, (const char *)&x->c, 0, "", NULL, "");
}
