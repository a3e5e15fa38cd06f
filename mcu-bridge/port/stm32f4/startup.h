/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * startup: the vector table and what runs between reset and main(), in
 * this order: relays and discrete outputs driven low (board.h), the FPU
 * enabled, the vector table located, .data copied and .bss zeroed, the
 * free stack painted, the clocks started (clk.h). Every fault, NMI and
 * unexpected interrupt enters fault_isr, which drives the same outputs
 * low before it touches the stack, starts the watchdog, notes the fault
 * and hands over to the image's startup_fault_halt().
 */
#ifndef STARTUP_H
#define STARTUP_H

#include <stdbool.h>
#include <stdint.h>

#define STARTUP_STACK_PAINT 0x5AA5C33Cu
#define STARTUP_FAULT_MAGIC 0xFA017ED0u

/* What the last fault left, in RAM that startup does not clear. */
struct startup_fault {
	uint32_t magic;      /* STARTUP_FAULT_MAGIC when the rest is valid */
	uint32_t ipsr;       /* exception number */
	uint32_t cfsr, hfsr, mmfar, bfar;
	uint32_t pc, lr;     /* from the stacked frame, 0 if the stack was bad */
};

extern struct startup_fault startup_last_fault;

/* linker-script symbols */
extern uint32_t _stack_bottom, _stack_top;

int main(void);

/* Provided by each image: what to do once a fault has opened the relays
 * (the firmware waits for the watchdog; the test image reports and exits). */
void startup_fault_halt(const struct startup_fault *f) __attribute__((noreturn));

/* Bytes of stack never written since reset (the painted words left). */
uint32_t startup_stack_unused(void);

/* True while the lowest words of the stack still hold the paint. */
bool startup_stack_guard_ok(void);

#endif
