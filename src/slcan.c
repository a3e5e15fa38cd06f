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

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* @n hex digits at @s; false on any non-hex character. */
static bool hexnum(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return false;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return true;
}

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
	struct slcan_item it;
	int items = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t ch = buf[i];

		if (ch == '\n')
			continue;
		if (ch == '\a') {
			/* an adapter's refusal ends whatever came before it */
			if (p->len)
				p->malformed++;
			p->len = 0;
			p->overlong = 0;
			continue;
		}
		if (ch != '\r') {
			if (p->overlong)
				continue;
			if (p->len == sizeof(p->line)) {
				p->overlong = 1;
				p->malformed++;
				p->len = 0;
				continue;
			}
			p->line[p->len++] = (char)ch;
			continue;
		}
		if (p->overlong) {
			p->overlong = 0;
			continue;
		}
		if (parse_line(p->line, p->len, &it)) {
			items++;
			if (cb)
				cb(&it, arg);
		} else {
			p->malformed++;
		}
		p->len = 0;
	}
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
