/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_parse() and cfg_load(): a parse in its stages, each in a file of its
 * own (cfg_yaml.c, cfg_value.c, cfg_walk.c, cfg_rules.c); the first error,
 * which any stage reports through cfg_fail(); and the names and the board
 * profile that a parsed configuration refers to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_impl.h"

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
int cfg_fail_v(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt, va_list ap)
{
	if (x->failed)
		return -EINVAL;
	x->failed = true;
	set_msg(x->err, line, col, x->name, path, fmt, ap);
	return -EINVAL;
}

int cfg_fail(struct cfg_ctx *x, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_fail_v(x, line, col, path, fmt, ap);
	va_end(ap);
	return rc;
}

int cfg_fail_at(struct cfg_ctx *x, const struct cfg_node *nd, const char *path,
		const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_fail_v(x, nd->line, nd->col, path, fmt, ap);
	va_end(ap);
	return rc;
}

int cfg_fail_oom(struct cfg_ctx *x)
{
	cfg_fail(x, 0, 0, NULL, "out of memory");
	return -ENOMEM;
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

/* ---- the board profile and the names ------------------------------------ */

const struct profile *cfg_profile(const struct cfg *c)
{
	return profile_by_id(c->board);
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
