/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Built with -fno-tree-loop-distribute-patterns, so that these loops are
 * not turned back into calls to themselves. */
#include <stdint.h>

#include "mem.h"

/* a word that may alias anything */
typedef uint32_t __attribute__((may_alias)) word_t;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	/* word copies when both are aligned: struct copies of the core are */
	if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(word_t *)(void *)d = *(const word_t *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d == s || n == 0)
		return dst;
	if ((uintptr_t)d < (uintptr_t)s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint32_t w = (uint8_t)c * 0x01010101u;

	while (n && ((uintptr_t)d & 3u)) {
		*d++ = (uint8_t)c;
		n--;
	}
	for (; n >= 4; n -= 4, d += 4)
		*(word_t *)(void *)d = w;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return 0;
}
