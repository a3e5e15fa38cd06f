/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <stdbool.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at @s, 0 if it is not one. Stops at
 * the first byte that is not a continuation byte, so never reads past the
 * NUL of a string cut inside a sequence. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* overlong forms, surrogates, and beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The escape of byte @c into @esc, or 0 when it stands for itself. */
static size_t escape_of(unsigned char c, char esc[6])
{
	static const char hex[] = "0123456789abcdef";
	const char *two;

	switch (c) {
	case '"':
		two = "\\\"";
		break;
	case '\\':
		two = "\\\\";
		break;
	case '\b':
		two = "\\b";
		break;
	case '\f':
		two = "\\f";
		break;
	case '\n':
		two = "\\n";
		break;
	case '\r':
		two = "\\r";
		break;
	case '\t':
		two = "\\t";
		break;
	default:
		if (c >= 0x20 && c != 0x7f)
			return 0;
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xfu];
		return 6;
	}
	memcpy(esc, two, 2);
	return 2;
}

void json_escape(const char *s, json_put_fn *put, void *arg)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[6];

	while (*p) {
		size_t n = escape_of(*p, esc);

		if (n == 0) {
			size_t u = utf8_len(p);

			if (u) {
				p += u;
				continue;
			}
			memcpy(esc, "\\ufffd", 6);
			n = 6;
		}
		if (p > run)
			put(arg, (const char *)run, (size_t)(p - run));
		put(arg, esc, n);
		run = ++p;
	}
	if (p > run)
		put(arg, (const char *)run, (size_t)(p - run));
}

struct json_buf {
	char *p;
	size_t size;    /* of p, with the NUL */
	size_t len;     /* written */
	size_t need;    /* the whole body */
	bool full;      /* something was left out: so is everything after it */
};

static void put_buf(void *arg, const char *s, size_t n)
{
	struct json_buf *b = arg;
	size_t room;

	b->need += n;
	if (b->full)
		return;
	room = b->size - 1 - b->len;
	if (n > room) {
		b->full = true;
		if (s[0] == '\\') {
			n = 0;
		} else {
			/* a run of whole characters: end it at the last one that fits */
			n = room;
			while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
				n--;
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

size_t json_escape_buf(char *buf, size_t size, const char *s)
{
	struct json_buf b = { .p = buf, .size = size, .full = size == 0 };

	json_escape(s, put_buf, &b);
	if (size)
		buf[b.len] = '\0';
	return b.need;
}

static void put_file(void *arg, const char *s, size_t n)
{
	fwrite(s, 1, n, arg);
}

void json_fprint_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	json_escape(s, put_file, f);
	fputc('"', f);
}
