/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the slcan parser and formatter. For any input:
 * feeding it whole or in arbitrary chunks yields the same items and the
 * same malformed count; every frame parsed is valid, formats, and parses
 * back to itself; a frame built from raw bytes either formats and parses
 * back, or is refused.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slcan.h"

#define MAX_ITEMS 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
	struct slcan_item it[MAX_ITEMS];
	size_t n;
};

static struct sink whole, chunked;

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void collect(const struct slcan_item *it, void *arg)
{
	struct sink *s = arg;

	CHECK(s->n < MAX_ITEMS);
	s->it[s->n++] = *it;
}

static bool frame_eq(const struct canio_frame *a, const struct canio_frame *b)
{
	return a->id == b->id && a->ext == b->ext && a->rtr == b->rtr &&
	       a->len == b->len && memcmp(a->data, b->data, sizeof(a->data)) == 0;
}

static bool item_eq(const struct slcan_item *a, const struct slcan_item *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SLCAN_FRAME)
		return frame_eq(&a->frame, &b->frame);
	if (a->kind == SLCAN_CMD)
		return a->cmd == b->cmd && a->arg == b->arg;
	return true;
}

static void roundtrip(const struct canio_frame *f)
{
	struct slcan_parser p;
	struct sink *one = &chunked;
	char line[SLCAN_LINE_MAX];
	int n;

	n = slcan_format(f, line, sizeof(line));
	CHECK(n > 0 && n <= SLCAN_LINE_MAX);
	CHECK(line[n - 1] == '\r');
	slcan_parser_init(&p);
	one->n = 0;
	CHECK(slcan_feed(&p, (const uint8_t *)line, (size_t)n, collect, one) == 1);
	CHECK(p.malformed == 0);
	CHECK(one->it[0].kind == SLCAN_FRAME);
	CHECK(frame_eq(&one->it[0].frame, f));
}

static void check_frame(const struct canio_frame *f)
{
	unsigned int i;

	CHECK(f->len <= 8);
	CHECK(f->id <= (f->ext ? 0x1FFFFFFFu : 0x7FFu));
	for (i = f->rtr ? 0 : f->len; i < 8; i++)
		CHECK(f->data[i] == 0);
}

static void raw_frame(const uint8_t *data, size_t size)
{
	struct canio_frame f;
	char line[SLCAN_LINE_MAX];
	int n;

	if (size < 14)
		return;
	memset(&f, 0, sizeof(f));
	f.id = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	       (uint32_t)data[3] << 24;
	f.ext = data[4] & 1;
	f.rtr = data[4] & 2;
	f.len = data[5];
	memcpy(f.data, data + 6, 8);
	n = slcan_format(&f, line, sizeof(line));
	if (f.len > 8 || f.id > (f.ext ? 0x1FFFFFFFu : 0x7FFu)) {
		CHECK(n < 0);
		return;
	}
	/* the parser zeroes what a line does not carry */
	if (f.rtr)
		memset(f.data, 0, sizeof(f.data));
	else
		memset(f.data + f.len, 0, sizeof(f.data) - f.len);
	roundtrip(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slcan_parser pw, pc;
	struct sink *all = &whole;
	size_t off = 0, i, items;
	uint32_t seed = 2166136261u;
	struct slcan_item saved[64];
	size_t nsaved;

	slcan_parser_init(&pw);
	all->n = 0;
	items = (size_t)slcan_feed(&pw, data, size, collect, all);
	CHECK(items == all->n);
	CHECK(pw.len <= SLCAN_LINE_MAX);

	/* the same input in pseudo-random chunks, including empty ones */
	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	slcan_parser_init(&pc);
	chunked.n = 0;
	while (off < size) {
		size_t c;

		seed = seed * 1103515245u + 12345u;
		c = (seed >> 16) % 40;
		if (c > size - off)
			c = size - off;
		slcan_feed(&pc, data + off, c, collect, &chunked);
		off += c;
	}
	CHECK(chunked.n == all->n);
	CHECK(pc.malformed == pw.malformed);
	CHECK(pc.len == pw.len);
	for (i = 0; i < all->n; i++)
		CHECK(item_eq(&all->it[i], &chunked.it[i]));

	/* roundtrip() reuses the chunked sink: keep a copy of the frames */
	nsaved = 0;
	for (i = 0; i < all->n; i++) {
		const struct slcan_item *it = &all->it[i];

		if (it->kind == SLCAN_FRAME) {
			check_frame(&it->frame);
			if (nsaved < 64)
				saved[nsaved++] = *it;
		} else if (it->kind == SLCAN_CMD) {
			CHECK(it->cmd != 0);
			if (it->cmd == 'S')
				CHECK(slcan_bitrate(it->arg) != 0);
		}
	}
	for (i = 0; i < nsaved; i++)
		roundtrip(&saved[i].frame);

	raw_frame(data, size);
	return 0;
}
