/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "startup.h"
#include "board.h"
#include "clk.h"
#include "irq.h"
#include "regs.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define GUARD_WORDS 8u

extern uint32_t _data_start, _data_end, _data_load, _bss_start, _bss_end;

struct startup_fault startup_last_fault __attribute__((section(".noinit")));

/* Images without a driver get the fault path for its vector. */
void systick_isr(void) __attribute__((weak, alias("fault_isr")));
void can1_tx_isr(void) __attribute__((weak, alias("fault_isr")));
void can1_rx0_isr(void) __attribute__((weak, alias("fault_isr")));
void can1_sce_isr(void) __attribute__((weak, alias("fault_isr")));
void usart2_isr(void) __attribute__((weak, alias("fault_isr")));
void dma2_stream0_isr(void) __attribute__((weak, alias("fault_isr")));

typedef void (*isr_t)(void);

struct vector_table {
	uint32_t *sp;
	isr_t exc[15];        /* reset .. SysTick */
	isr_t irq[IRQ_COUNT];
};

#define F fault_isr

__attribute__((section(".vectors"), used)) static const struct vector_table vectors = {
	.sp = &_stack_top,
	.exc = {
		reset_isr,
		F, F, F, F, F,        /* NMI, HardFault, MemManage, BusFault, UsageFault */
		0, 0, 0, 0,           /* reserved */
		F, F, 0, F,           /* SVCall, DebugMon, reserved, PendSV */
		systick_isr,
	},
	.irq = {
		/*  0 */ F, F, F, F, F, F, F, F, F, F,
		/* 10 */ F, F, F, F, F, F, F, F, F, can1_tx_isr,
		/* 20 */ can1_rx0_isr, F, can1_sce_isr, F, F, F, F, F, F, F,
		/* 30 */ F, F, F, F, F, F, F, F, usart2_isr, F,
		/* 40 */ F, F, F, F, F, F, F, F, F, F,
		/* 50 */ F, F, F, F, F, F, dma2_stream0_isr, F, F, F,
		/* 60 */ F, F, F, F, F, F, F, F, F, F,
		/* 70 */ F, F, F, F, F, F, F, F, F, F,
		/* 80 */ F, F,
	},
};

_Static_assert(sizeof(struct vector_table) == (16u + IRQ_COUNT) * 4u, "vector table size");

void reset_isr(void)
{
	uint32_t *s, *d;

	/* before anything else: the relays open */
	board_safe_outputs();

	/* the FPU, before the first float instruction (the compiler may use
	 * its registers anywhere from here on) */
	SCB->cpacr |= SCB_CPACR_CP10_CP11_FULL;
	cpu_dsb();
	cpu_isb();
	SCB->vtor = (uint32_t)&vectors;

	for (s = &_data_load, d = &_data_start; d < &_data_end;)
		*d++ = *s++;
	for (d = &_bss_start; d < &_bss_end;)
		*d++ = 0;
	/* paint the free stack below this frame, for the guard and the high-water mark */
	for (d = &_stack_bottom; d < (uint32_t *)(cpu_sp() - 64u);)
		*d++ = STARTUP_STACK_PAINT;

	SCB->ccr |= SCB_CCR_DIV_0_TRP;
	SCB->shp[4 - 4] = (uint8_t)(PRIO_FAULTS << (8u - NVIC_PRIO_BITS));
	SCB->shp[5 - 4] = (uint8_t)(PRIO_FAULTS << (8u - NVIC_PRIO_BITS));
	SCB->shp[6 - 4] = (uint8_t)(PRIO_FAULTS << (8u - NVIC_PRIO_BITS));
	SCB->shcsr |= SCB_SHCSR_MEMFAULTENA | SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_USGFAULTENA;
	SCB->aircr = SCB_AIRCR_VECTKEY | SCB_AIRCR_PRIGROUP(3); /* 4 bits of preemption */

	clk_init();
	main();
	fault_isr();
}

/*
 * The entry of every fault. Written without a stack: a fault may come from
 * a stack overflow. Relays and outputs low, the watchdog started (it may
 * not run yet if the fault is early), then a fresh stack for the C part.
 */
static void fault_c(uint32_t *frame) __attribute__((noreturn, used));

__attribute__((naked)) void fault_isr(void)
{
	__asm volatile(
		"ldr r0, =" STR(BOARD_SAFE_BSRR_ADDR) "\n\t"
		"ldr r1, =" STR(BOARD_SAFE_BSRR_BITS) "\n\t"
		"str r1, [r0]\n\t"
		"ldr r0, =0x40003000\n\t" /* IWDG_KR */
		"movw r1, #0xCCCC\n\t"
		"str r1, [r0]\n\t"
		"mrs r0, msp\n\t"
		"ldr r1, =_stack_top\n\t"
		"mov sp, r1\n\t"
		"b fault_c\n\t"
		".ltorg\n\t");
}

static void fault_c(uint32_t *frame)
{
	struct startup_fault *f = &startup_last_fault;
	uint32_t ipsr;

	__asm volatile("mrs %0, ipsr" : "=r"(ipsr));
	f->ipsr = ipsr & 0x1FFu;
	f->cfsr = SCB->cfsr;
	f->hfsr = SCB->hfsr;
	f->mmfar = SCB->mmfar;
	f->bfar = SCB->bfar;
	f->pc = f->lr = 0;
	if (frame >= &_stack_bottom && frame + 8 <= &_stack_top) {
		f->lr = frame[5];
		f->pc = frame[6];
	}
	f->magic = STARTUP_FAULT_MAGIC;
	startup_fault_halt(f);
}

uint32_t startup_stack_unused(void)
{
	const uint32_t *p = &_stack_bottom;

	while (p < &_stack_top && *p == STARTUP_STACK_PAINT)
		p++;
	return (uint32_t)((const uint8_t *)p - (const uint8_t *)&_stack_bottom);
}

bool startup_stack_guard_ok(void)
{
	const uint32_t *p = &_stack_bottom;

	for (unsigned int i = 0; i < GUARD_WORDS; i++)
		if (p[i] != STARTUP_STACK_PAINT)
			return false;
	return true;
}
