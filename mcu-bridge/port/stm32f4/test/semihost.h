/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * semihost: the two ARM semihosting calls the emulated test needs. Only
 * for images run under a debugger or QEMU (-semihosting-config
 * enable=on): on a bare board the BKPT instruction faults.
 */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stdint.h>

/* Print a NUL-terminated string on the host's console (SYS_WRITE0). */
void semihost_puts(const char *s);

/* Print @v in decimal. */
void semihost_putu(uint32_t v);

/* End the emulation with exit status @code (SYS_EXIT_EXTENDED). */
void semihost_exit(uint32_t code) __attribute__((noreturn));

#endif
