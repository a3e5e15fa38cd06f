/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "slcan.h"

static const uint32_t slcan_rates[] = {
	10000, 20000, 50000, 100000, 125000, 250000, 500000, 800000, 1000000,
};

void slcan_parser_init(struct slcan_parser *p)
{
	memset(p, 0, sizeof(*p));
}

uint32_t slcan_bitrate(uint32_t index)
{
	if (index >= sizeof(slcan_rates) / sizeof(slcan_rates[0]))
		return 0;
	return slcan_rates[index];
}

/* Value of a hex digit plus one; 0 for any other byte. A bridge stream is
 * about 20 hex digits per frame, so a table beats comparisons here. */
#define HX(c, v) [c] = (v) + 1
static const uint8_t hexdigit[256] = {
	HX('0', 0), HX('1', 1), HX('2', 2), HX('3', 3), HX('4', 4),
	HX('5', 5), HX('6', 6), HX('7', 7), HX('8', 8), HX('9', 9),
	HX('A', 10), HX('B', 11), HX('C', 12), HX('D', 13), HX('E', 14), HX('F', 15),
	HX('a', 10), HX('b', 11), HX('c', 12), HX('d', 13), HX('e', 14), HX('f', 15),
};
#undef HX

/* @n hex digits at @s; false on any non-hex character. */
static bool hexnum(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	unsigned int bad = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int d = hexdigit[(unsigned char)s[i]];

		bad |= d == 0;
		v = (v << 4) | ((d - 1u) & 0xFu);
	}
	*out = v;
	return !bad;
}

/* Bytes that end or break a line; everything else is line content. */
static const uint8_t line_special[256] = { ['\r'] = 1, ['\n'] = 1, ['\a'] = 1 };

static bool parse_frame(const char *s, size_t len, struct slcan_item *it)
{
	struct canio_frame *f = &it->frame;
	bool ext = s[0] == 'T' || s[0] == 'R';
	bool rtr = s[0] == 'r' || s[0] == 'R';
	size_t idlen = ext ? 8 : 3;
	size_t body, i;
	uint32_t id, v;

	if (len < 1 + idlen + 1)
		return false;
	if (!hexnum(s + 1, idlen, &id))
		return false;
	if (id > (ext ? 0x1FFFFFFFu : 0x7FFu))
		return false;
	if (s[1 + idlen] < '0' || s[1 + idlen] > '8')
		return false;
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->ext = ext;
	f->rtr = rtr;
	f->len = (uint8_t)(s[1 + idlen] - '0');
	body = 1 + idlen + 1 + (rtr ? 0 : 2u * f->len);
	/* an optional 4-digit timestamp is accepted and ignored */
	if (len != body && len != body + 4)
		return false;
	if (len == body + 4 && !hexnum(s + body, 4, &v))
		return false;
	if (!rtr)
		for (i = 0; i < f->len; i++) {
			if (!hexnum(s + 1 + idlen + 1 + 2 * i, 2, &v))
				return false;
			f->data[i] = (uint8_t)v;
		}
	it->kind = SLCAN_FRAME;
	return true;
}

static bool parse_cmd(const char *s, size_t len, struct slcan_item *it)
{
	uint32_t arg = 0;

	switch (s[0]) {
	case 'O':
	case 'C':
	case 'L':
	case 'V':
	case 'v':
	case 'N':
	case 'F':
		if (len != 1)
			return false;
		break;
	case 'S':
		if (len != 2 || s[1] < '0' || s[1] > '8')
			return false;
		arg = (uint32_t)(s[1] - '0');
		break;
	case 's':
		if (len != 5 || !hexnum(s + 1, 4, &arg))
			return false;
		break;
	case 'z':
		if (len != 1)
			return false;
		it->kind = SLCAN_ACK;
		return true;
	case 'Z':
	case 'X':
		if (s[0] == 'Z' && len == 1) {
			it->kind = SLCAN_ACK;
			return true;
		}
		if (len != 2 || (s[1] != '0' && s[1] != '1'))
			return false;
		arg = (uint32_t)(s[1] - '0');
		break;
	case 'M':
	case 'm':
		if (len != 9 || !hexnum(s + 1, 8, &arg))
			return false;
		break;
	default:
		return false;
	}
	it->kind = SLCAN_CMD;
	it->cmd = s[0];
	it->arg = arg;
	return true;
}

static bool parse_line(const char *s, size_t len, struct slcan_item *it)
{
	memset(it, 0, sizeof(*it));
	if (len == 0) {
		it->kind = SLCAN_ACK;
		return true;
	}
	switch (s[0]) {
	case 't':
	case 'T':
	case 'r':
	case 'R':
		return parse_frame(s, len, it);
	default:
		return parse_cmd(s, len, it);
	}
}

int slcan_feed(struct slcan_parser *p, const uint8_t *buf, size_t n,
	       void (*cb)(const struct slcan_item *it, void *arg), void *arg)
{
	/* The line length and state live in locals: stores into p->line are
	 * char stores that may alias *p, and would force a reload per byte. */
	size_t len = p->len;
	int overlong = p->overlong;
	struct slcan_item it;
	int items = 0;
	size_t i = 0;

	while (i < n) {
		size_t run = i;
		uint8_t ch;

		/* line content is copied a run at a time */
		while (run < n && !line_special[buf[run]])
			run++;
		if (run > i) {
			size_t k = run - i;

			if (!overlong) {
				if (k > sizeof(p->line) - len) {
					overlong = 1;
					p->malformed++;
					len = 0;
				} else {
					memcpy(p->line + len, buf + i, k);
					len += k;
				}
			}
			i = run;
			if (i == n)
				break;
		}
		ch = buf[i++];
		if (ch == '\n')
			continue;
		if (ch == '\a') {
			/* an adapter's refusal ends whatever came before it */
			if (len)
				p->malformed++;
			len = 0;
			overlong = 0;
			continue;
		}
		/* '\r' */
		if (overlong) {
			overlong = 0;
			continue;
		}
		if (parse_line(p->line, len, &it)) {
			items++;
			if (cb) {
				p->len = 0;
				p->overlong = 0;
				cb(&it, arg);
			}
		} else {
			p->malformed++;
		}
		len = 0;
	}
	p->len = len;
	p->overlong = overlong;
	return items;
}

static void put_hex(char *dst, uint32_t v, unsigned int digits)
{
	static const char hex[] = "0123456789ABCDEF";

	while (digits--) {
		dst[digits] = hex[v & 0xF];
		v >>= 4;
	}
}

int slcan_format(const struct canio_frame *f, char *buf, size_t cap)
{
	unsigned int idlen = f->ext ? 8 : 3;
	size_t need, pos, i;

	if (f->len > 8 || f->id > (f->ext ? 0x1FFFFFFFu : 0x7FFu))
		return -EINVAL;
	need = 1 + idlen + 1 + (f->rtr ? 0 : 2u * f->len) + 1;
	if (cap < need)
		return -EINVAL;
	if (f->rtr)
		buf[0] = f->ext ? 'R' : 'r';
	else
		buf[0] = f->ext ? 'T' : 't';
	put_hex(buf + 1, f->id, idlen);
	pos = 1 + idlen;
	buf[pos++] = (char)('0' + f->len);
	if (!f->rtr)
		for (i = 0; i < f->len; i++, pos += 2)
			put_hex(buf + pos, f->data[i], 2);
	buf[pos++] = '\r';
	return (int)pos;
}
