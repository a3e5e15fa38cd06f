/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "semihost.h"

#define SYS_WRITE0 0x04u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t call(uint32_t op, const void *arg)
{
	register uint32_t r0 __asm("r0") = op;
	register const void *r1 __asm("r1") = arg;

	__asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void semihost_puts(const char *s)
{
	(void)call(SYS_WRITE0, s);
}

void semihost_putu(uint32_t v)
{
	char buf[11];
	unsigned int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v);
	semihost_puts(&buf[i]);
}

void semihost_exit(uint32_t code)
{
	/* the extended form carries a status; plain SYS_EXIT on A32/T32 does not */
	const uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, code };

	(void)call(SYS_EXIT_EXTENDED, block);
	for (;;)
		;
}
