/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mem: the four memory primitives that a C compiler may call on its own
 * (structure copies and clears), for an image linked without a C library.
 */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
