/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg internals shared by the files of the parser: cfg.c (the entry points
 * and the error they report), cfg_yaml.c (the document as a tree of nodes),
 * cfg_near.c (the nearest known name), cfg_value.c (values and defaults),
 * cfg_walk.c (the document against the schema) and cfg_rules.c (the rules
 * between keys). Not for other modules.
 */
#ifndef CFG_IMPL_H
#define CFG_IMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

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

/* A parse: the document, the configuration as it is filled in, where each
 * key was given, and the first error. */
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

/* ---- cfg.c: the error --------------------------------------------------- */

/* Record an error at @line:@col (0: no position) under the key path @path,
 * unless one is recorded already: the first error is the one reported.
 * Return -EINVAL. */
int cfg_fail_v(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
int cfg_fail(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* At the position of node @nd. */
int cfg_fail_at(struct cfg_ctx *x, const struct cfg_node *nd, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Record "out of memory"; return -ENOMEM. */
int cfg_fail_oom(struct cfg_ctx *x);

/* ---- cfg_yaml.c: the document ------------------------------------------- */

/* Parse @len bytes at @buf into the nodes x->n; the top one becomes x->root,
 * which a stream without a node leaves as it was. Returns 0 or the error
 * recorded. */
int cfg_yaml_read(struct cfg_ctx *x, const char *buf, size_t len);
void cfg_yaml_free(struct cfg_ctx *x);
/* A plain empty scalar, ~ or null. */
bool cfg_yaml_null(const struct cfg_node *nd);
/* @len bytes at @s as a message quotes them, in @buf; returns @buf. */
const char *cfg_yaml_show(const char *s, size_t len, char *buf, size_t n);
/* What @nd is, for "(got ...)"; returns @buf. */
const char *cfg_yaml_describe(const struct cfg_node *nd, char *buf, size_t n);

/* ---- cfg_near.c: did you mean ------------------------------------------- */

/* The candidates for the misspelt name @want: set want, zero the rest. */
struct cfg_near {
	const char *best;
	unsigned int best_d;
	char list[200];
	size_t len;
	const char *want;
};
/* Offer @name: the nearest so far is kept, and all go into list. */
void cfg_near_add(struct cfg_near *c, const char *name);
/* best is near enough to @want to suggest. */
bool cfg_near_close(const struct cfg_near *c);

/* ---- cfg_value.c: values and defaults ----------------------------------- */

/* Convert node @v into @field as row @k says; @path names the key in
 * messages. Returns 0 or the error recorded. */
int cfg_value_convert(struct cfg_ctx *x, const struct cfg_key *k, const struct cfg_node *v,
		      char *field, const char *path);
/* The same for an ENUM row, into an int. */
int cfg_value_enum(struct cfg_ctx *x, const struct cfg_key *k, const struct cfg_node *v,
		   int *field, const char *path);
/* Fill x->c with the schema's defaults and those of the board x->p. */
int cfg_value_defaults(struct cfg_ctx *x);

/* ---- cfg_walk.c: the document against the schema ------------------------ */

/* Walk the document from x->root into x->c, marking each key given. */
int cfg_walk(struct cfg_ctx *x);
/* Check that every required key of the sections in force was given. */
int cfg_walk_required(struct cfg_ctx *x);
/* The mark of the leaf key given for the field at @off of struct cfg, or
 * NULL when the file does not give it. */
const struct cfg_mark *cfg_walk_leaf(const struct cfg_ctx *x, uint32_t off);

/* ---- cfg_rules.c: the rules between keys -------------------------------- */

int cfg_rules_check(struct cfg_ctx *x);

#endif /* CFG_IMPL_H */
