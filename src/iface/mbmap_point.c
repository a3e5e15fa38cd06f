/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mbmap_point_impl.h"

#include <string.h>

/* ---- the tables ---------------------------------------------------------- */

unsigned int mbmap_point_regs(const struct mbmap_point *p)
{
	return (unsigned int)p->size * (p->count ? p->count : 1u);
}

unsigned int mbmap_table_regs(const struct mbmap_table *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n; i++)
		n += mbmap_point_regs(&t->pts[i]);
	return n;
}

int mbmap_table_offset(const struct mbmap_table *t, const char *name)
{
	unsigned int off = 0;

	for (unsigned int i = 0; i < t->n; i++) {
		if (!strcmp(t->pts[i].name, name))
			return (int)off;
		off += mbmap_point_regs(&t->pts[i]);
	}
	return -1;
}

/* ---- encoding ------------------------------------------------------------ */

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void put_words(uint16_t *dst, uint64_t v, unsigned int words)
{
	for (unsigned int i = 0; i < words; i++)
		dst[i] = (uint16_t)(v >> (16u * (words - 1u - i)));
}

void mbmap_put(uint16_t *dst, const struct mbmap_point *p, const struct mbmap_val *x)
{
	unsigned int i;

	switch (p->type) {
	case MBT_U16:
	case MBT_ENUM16:
		dst[0] = x->na ? 0xFFFFu : (uint16_t)clamp(x->v, 0, 0xFFFE);
		break;
	case MBT_BITS16:
		dst[0] = x->na ? 0xFFFFu : (uint16_t)x->v;
		break;
	case MBT_S16:
	case MBT_SF:
		dst[0] = x->na ? 0x8000u : (uint16_t)(int16_t)clamp(x->v, -32767, 32767);
		break;
	case MBT_U32:
		put_words(dst, x->na ? 0xFFFFFFFFu : (uint64_t)clamp(x->v, 0, 0xFFFFFFFEll), 2);
		break;
	case MBT_BITS32:
		put_words(dst, x->na ? 0xFFFFFFFFu : (uint32_t)x->v, 2);
		break;
	case MBT_S32:
		put_words(dst, x->na ? 0x80000000u
				     : (uint32_t)(int32_t)clamp(x->v, -0x7FFFFFFFll, 0x7FFFFFFFll),
			  2);
		break;
	case MBT_U64:
		put_words(dst, x->na ? UINT64_MAX : (uint64_t)clamp(x->v, 0, INT64_MAX), 4);
		break;
	case MBT_STRING:
		for (i = 0; i < p->size; i++) {
			uint8_t hi = 0, lo = 0;

			if (!x->na && x->s) {
				size_t len = strlen(x->s);

				hi = 2 * i < len ? (uint8_t)x->s[2 * i] : 0;
				lo = 2 * i + 1 < len ? (uint8_t)x->s[2 * i + 1] : 0;
			}
			dst[i] = (uint16_t)(hi << 8 | lo);
		}
		break;
	case MBT_PAD:
		dst[0] = 0x8000u;
		break;
	default:
		for (i = 0; i < p->size; i++)
			dst[i] = 0;
		break;
	}
}
