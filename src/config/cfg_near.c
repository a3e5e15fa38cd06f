/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The known name nearest to a misspelt one, for "did you mean".
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg_impl.h"

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

void cfg_near_add(struct cfg_near *c, const char *name)
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
bool cfg_near_close(const struct cfg_near *c)
{
	size_t l = strlen(c->want);
	unsigned int lim = l <= 3 ? 1 : l <= 8 ? 2 : 3;

	return c->best && c->best_d <= lim;
}
