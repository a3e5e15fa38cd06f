/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regs: the STM32F405 and Cortex-M4 registers that this port uses, and
 * only those. Layouts and bit positions follow the reference manual
 * (RM0090) and the Cortex-M4 generic user guide; every offset the drivers
 * depend on is checked at compile time below.
 */
#ifndef REGS_H
#define REGS_H

#include <stddef.h>
#include <stdint.h>

typedef volatile uint32_t reg32;

/* ---- RCC: reset and clock control -------------------------------------- */

struct stm32_rcc {
	reg32 cr, pllcfgr, cfgr, cir;
	reg32 ahb1rstr, ahb2rstr, ahb3rstr, res0;
	reg32 apb1rstr, apb2rstr, res1[2];
	reg32 ahb1enr, ahb2enr, ahb3enr, res2;
	reg32 apb1enr, apb2enr, res3[2];
	reg32 ahb1lpenr, ahb2lpenr, ahb3lpenr, res4;
	reg32 apb1lpenr, apb2lpenr, res5[2];
	reg32 bdcr, csr, res6[2];
	reg32 sscgr, plli2scfgr;
};

#define RCC ((struct stm32_rcc *)0x40023800u)

#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_CSSON (1u << 19)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)

#define RCC_PLLCFGR_M(m) ((uint32_t)(m) << 0)         /* 2..63 */
#define RCC_PLLCFGR_N(n) ((uint32_t)(n) << 6)         /* 50..432 */
#define RCC_PLLCFGR_P(p) ((uint32_t)((p) / 2u - 1u) << 16) /* 2, 4, 6, 8 */
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_PLLCFGR_Q(q) ((uint32_t)(q) << 24)        /* 2..15 */
#define RCC_PLLCFGR_RESERVED 0xF0BC8000u /* keep at their reset values */

#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_HSI (0u << 0)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_HPRE_DIV1 (0u << 4)
#define RCC_CFGR_PPRE1_MASK (7u << 10)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_MASK (7u << 13)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)

#define RCC_CIR_CSSC (1u << 23)

#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOBEN (1u << 1)
#define RCC_AHB1ENR_GPIOCEN (1u << 2)
#define RCC_AHB1ENR_GPIODEN (1u << 3)
#define RCC_AHB1ENR_GPIOEEN (1u << 4)
#define RCC_AHB1ENR_DMA2EN (1u << 22)

#define RCC_APB1ENR_TIM2EN (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB1ENR_CAN1EN (1u << 25)
#define RCC_APB1ENR_PWREN (1u << 28)

#define RCC_APB2ENR_ADC1EN (1u << 8)

#define RCC_CSR_LSION (1u << 0)
#define RCC_CSR_RMVF (1u << 24)
#define RCC_CSR_IWDGRSTF (1u << 29)

/* ---- FLASH interface and PWR -------------------------------------------- */

struct stm32_flash {
	reg32 acr, keyr, optkeyr, sr, cr, optcr;
};

#define FLASH ((struct stm32_flash *)0x40023C00u)

#define FLASH_ACR_LATENCY(ws) ((uint32_t)(ws) << 0)
#define FLASH_ACR_LATENCY_MASK (7u << 0)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

struct stm32_pwr {
	reg32 cr, csr;
};

#define PWR ((struct stm32_pwr *)0x40007000u)

#define PWR_CR_VOS (1u << 14) /* regulator scale 1: needed above 144 MHz */

/* ---- GPIO ---------------------------------------------------------------- */

struct stm32_gpio {
	reg32 moder, otyper, ospeedr, pupdr, idr, odr, bsrr, lckr, afr[2];
};

#define GPIO_BASE 0x40020000u
#define GPIO_STRIDE 0x400u
#define GPIO_PORT(n) ((struct stm32_gpio *)(GPIO_BASE + (uint32_t)(n) * GPIO_STRIDE))
#define GPIO_BSRR_OFFSET 0x18u

#define GPIO_MODE_INPUT 0u
#define GPIO_MODE_OUTPUT 1u
#define GPIO_MODE_AF 2u
#define GPIO_MODE_ANALOG 3u
#define GPIO_PULL_NONE 0u
#define GPIO_PULL_UP 1u
#define GPIO_PULL_DOWN 2u

/* ---- USART ------------------------------------------------------------------ */

struct stm32_usart {
	reg32 sr, dr, brr, cr1, cr2, cr3, gtpr;
};

#define USART2 ((struct stm32_usart *)0x40004400u)

#define USART_SR_PE (1u << 0)
#define USART_SR_FE (1u << 1)
#define USART_SR_NF (1u << 2)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TCIE (1u << 6)
#define USART_CR1_TXEIE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART_CR3_EIE (1u << 0)

/* ---- bxCAN ------------------------------------------------------------------ */

struct stm32_can_mailbox {
	reg32 ir;   /* TIxR / RIxR: identifier, IDE, RTR, TXRQ */
	reg32 dtr;  /* TDTxR / RDTxR: DLC, filter match index, time stamp */
	reg32 dlr;  /* data bytes 0..3 */
	reg32 dhr;  /* data bytes 4..7 */
};

struct stm32_can_filter {
	reg32 fr1, fr2;
};

struct stm32_can {
	reg32 mcr, msr, tsr, rf0r, rf1r, ier, esr, btr;
	uint32_t res0[88];
	struct stm32_can_mailbox tx[3];
	struct stm32_can_mailbox rx[2];
	uint32_t res1[12];
	reg32 fmr, fm1r;
	uint32_t res2;
	reg32 fs1r;
	uint32_t res3;
	reg32 ffa1r;
	uint32_t res4;
	reg32 fa1r;
	uint32_t res5[8];
	struct stm32_can_filter fb[28];
};

#define CAN1 ((struct stm32_can *)0x40006400u)

#define CAN_MCR_INRQ (1u << 0)
#define CAN_MCR_SLEEP (1u << 1)
#define CAN_MCR_TXFP (1u << 2)
#define CAN_MCR_NART (1u << 4)
#define CAN_MCR_ABOM (1u << 6)
#define CAN_MCR_DBF (1u << 16)
#define CAN_MSR_INAK (1u << 0)
#define CAN_MSR_SLAK (1u << 1)
#define CAN_MSR_ERRI (1u << 2)
#define CAN_TSR_RQCP0 (1u << 0)
#define CAN_TSR_RQCP1 (1u << 8)
#define CAN_TSR_RQCP2 (1u << 16)
#define CAN_TSR_CODE_SHIFT 24
#define CAN_TSR_TME_SHIFT 26
#define CAN_TSR_TME_ALL (7u << CAN_TSR_TME_SHIFT)
#define CAN_RF0R_FMP0_MASK (3u << 0)
#define CAN_RF0R_FOVR0 (1u << 4)
#define CAN_RF0R_RFOM0 (1u << 5)
#define CAN_IER_TMEIE (1u << 0)
#define CAN_IER_FMPIE0 (1u << 1)
#define CAN_IER_FOVIE0 (1u << 3)
#define CAN_IER_EWGIE (1u << 8)
#define CAN_IER_EPVIE (1u << 9)
#define CAN_IER_BOFIE (1u << 10)
#define CAN_IER_ERRIE (1u << 15)
#define CAN_ESR_EWGF (1u << 0)
#define CAN_ESR_EPVF (1u << 1)
#define CAN_ESR_BOFF (1u << 2)
#define CAN_BTR(brp, ts1, ts2, sjw) \
	((uint32_t)((brp) - 1u) | (uint32_t)((ts1) - 1u) << 16 | (uint32_t)((ts2) - 1u) << 20 | \
	 (uint32_t)((sjw) - 1u) << 24)
#define CAN_IR_TXRQ (1u << 0)
#define CAN_IR_RTR (1u << 1)
#define CAN_IR_IDE (1u << 2)
#define CAN_IR_STID_SHIFT 21
#define CAN_FMR_FINIT (1u << 0)

/* ---- ADC ------------------------------------------------------------------- */

struct stm32_adc {
	reg32 sr, cr1, cr2, smpr1, smpr2, jofr[4], htr, ltr, sqr1, sqr2, sqr3, jsqr, jdr[4], dr;
};

struct stm32_adc_common {
	reg32 csr, ccr, cdr;
};

#define ADC1 ((struct stm32_adc *)0x40012000u)
#define ADC_COMMON ((struct stm32_adc_common *)0x40012300u)

#define ADC_SR_OVR (1u << 5)
#define ADC_CR1_SCAN (1u << 8)
#define ADC_CR2_ADON (1u << 0)
#define ADC_CR2_DMA (1u << 8)
#define ADC_CR2_DDS (1u << 9)
#define ADC_CR2_EXTSEL(x) ((uint32_t)(x) << 24)
#define ADC_EXTSEL_TIM2_TRGO 6u
#define ADC_CR2_EXTEN_RISING (1u << 28)
#define ADC_CCR_ADCPRE_DIV4 (1u << 16)
#define ADC_SMP_144 6u /* sample time code: 144 ADC clock cycles */

/* ---- DMA ------------------------------------------------------------------- */

struct stm32_dma_stream {
	reg32 cr, ndtr, par, m0ar, m1ar, fcr;
};

struct stm32_dma {
	reg32 lisr, hisr, lifcr, hifcr;
	struct stm32_dma_stream s[8];
};

#define DMA2 ((struct stm32_dma *)0x40026400u)

#define DMA_SCR_EN (1u << 0)
#define DMA_SCR_TEIE (1u << 2)
#define DMA_SCR_TCIE (1u << 4)
#define DMA_SCR_CIRC (1u << 8)
#define DMA_SCR_MINC (1u << 10)
#define DMA_SCR_PSIZE_16 (1u << 11)
#define DMA_SCR_MSIZE_16 (1u << 13)
#define DMA_SCR_PL_HIGH (2u << 16)
#define DMA_SCR_CHSEL(c) ((uint32_t)(c) << 25)
/* stream 0 flags in LISR / LIFCR */
#define DMA_S0_FEIF (1u << 0)
#define DMA_S0_DMEIF (1u << 2)
#define DMA_S0_TEIF (1u << 3)
#define DMA_S0_HTIF (1u << 4)
#define DMA_S0_TCIF (1u << 5)
#define DMA_S0_ALL (DMA_S0_FEIF | DMA_S0_DMEIF | DMA_S0_TEIF | DMA_S0_HTIF | DMA_S0_TCIF)

/* ---- general-purpose timer (TIM2) -------------------------------------------- */

struct stm32_tim {
	reg32 cr1, cr2, smcr, dier, sr, egr, ccmr1, ccmr2, ccer, cnt, psc, arr, rcr, ccr[4], bdtr,
		dcr, dmar, or_;
};

#define TIM2 ((struct stm32_tim *)0x40000000u)

#define TIM_CR1_CEN (1u << 0)
#define TIM_CR2_MMS_UPDATE (2u << 4)
#define TIM_EGR_UG (1u << 0)

/* ---- IWDG ------------------------------------------------------------------ */

struct stm32_iwdg {
	reg32 kr, pr, rlr, sr;
};

#define IWDG ((struct stm32_iwdg *)0x40003000u)

#define IWDG_KEY_RELOAD 0xAAAAu
#define IWDG_KEY_UNLOCK 0x5555u
#define IWDG_KEY_START 0xCCCCu
#define IWDG_PR_DIV32 3u

/* ---- debug MCU -------------------------------------------------------------- */

struct stm32_dbgmcu {
	reg32 idcode, cr, apb1_fz, apb2_fz;
};

#define DBGMCU ((struct stm32_dbgmcu *)0xE0042000u)

#define DBGMCU_APB1_IWDG_STOP (1u << 12)
#define DBGMCU_APB1_CAN1_STOP (1u << 25)

/* ---- Cortex-M4 system control ---------------------------------------------- */

struct cm4_scb {
	reg32 cpuid, icsr, vtor, aircr, scr, ccr;
	volatile uint8_t shp[12]; /* SHPR1..3: priorities of system handlers 4..15 */
	reg32 shcsr, cfsr, hfsr, dfsr, mmfar, bfar, afsr;
	reg32 pfr[2], dfr, afr, mmfr[4], isar[5];
	uint32_t res0[5];
	reg32 cpacr;
};

#define SCB ((struct cm4_scb *)0xE000ED00u)

#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_PRIGROUP(g) ((uint32_t)(g) << 8)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)
#define SCB_CCR_DIV_0_TRP (1u << 4)
#define SCB_SHCSR_MEMFAULTENA (1u << 16)
#define SCB_SHCSR_BUSFAULTENA (1u << 17)
#define SCB_SHCSR_USGFAULTENA (1u << 18)
#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

/* system handler numbers for SCB->shp[n - 4] */
#define SHP_SVCALL 11u
#define SHP_PENDSV 14u
#define SHP_SYSTICK 15u

struct cm4_nvic {
	reg32 iser[8];
	uint32_t res0[24];
	reg32 icer[8];
	uint32_t res1[24];
	reg32 ispr[8];
	uint32_t res2[24];
	reg32 icpr[8];
	uint32_t res3[24];
	reg32 iabr[8];
	uint32_t res4[56];
	volatile uint8_t ip[240];
};

#define NVIC ((struct cm4_nvic *)0xE000E100u)

#define NVIC_PRIO_BITS 4u /* the STM32F4 implements the top 4 bits */

struct cm4_systick {
	reg32 ctrl, load, val, calib;
};

#define SYSTICK ((struct cm4_systick *)0xE000E010u)

#define SYSTICK_CTRL_ENABLE (1u << 0)
#define SYSTICK_CTRL_TICKINT (1u << 1)
#define SYSTICK_CTRL_CLKSOURCE (1u << 2)

/* ---- layout checks ----------------------------------------------------------- */

_Static_assert(offsetof(struct stm32_rcc, ahb1enr) == 0x30, "RCC AHB1ENR");
_Static_assert(offsetof(struct stm32_rcc, apb1enr) == 0x40, "RCC APB1ENR");
_Static_assert(offsetof(struct stm32_rcc, csr) == 0x74, "RCC CSR");
_Static_assert(offsetof(struct stm32_rcc, plli2scfgr) == 0x84, "RCC PLLI2SCFGR");
_Static_assert(offsetof(struct stm32_gpio, bsrr) == GPIO_BSRR_OFFSET, "GPIO BSRR");
_Static_assert(offsetof(struct stm32_gpio, afr) == 0x20, "GPIO AFR");
_Static_assert(offsetof(struct stm32_usart, cr3) == 0x14, "USART CR3");
_Static_assert(offsetof(struct stm32_can, btr) == 0x1C, "CAN BTR");
_Static_assert(offsetof(struct stm32_can, tx) == 0x180, "CAN TX mailboxes");
_Static_assert(offsetof(struct stm32_can, rx) == 0x1B0, "CAN RX FIFOs");
_Static_assert(offsetof(struct stm32_can, fmr) == 0x200, "CAN FMR");
_Static_assert(offsetof(struct stm32_can, fs1r) == 0x20C, "CAN FS1R");
_Static_assert(offsetof(struct stm32_can, ffa1r) == 0x214, "CAN FFA1R");
_Static_assert(offsetof(struct stm32_can, fa1r) == 0x21C, "CAN FA1R");
_Static_assert(offsetof(struct stm32_can, fb) == 0x240, "CAN filter banks");
_Static_assert(offsetof(struct stm32_adc, sqr1) == 0x2C, "ADC SQR1");
_Static_assert(offsetof(struct stm32_adc, dr) == 0x4C, "ADC DR");
_Static_assert(offsetof(struct stm32_dma, s[1]) == 0x28, "DMA stream 1");
_Static_assert(offsetof(struct stm32_tim, arr) == 0x2C, "TIM ARR");
_Static_assert(offsetof(struct stm32_tim, or_) == 0x50, "TIM OR");
_Static_assert(offsetof(struct cm4_scb, shp) == 0x18, "SCB SHPR");
_Static_assert(offsetof(struct cm4_scb, cfsr) == 0x28, "SCB CFSR");
_Static_assert(offsetof(struct cm4_scb, cpacr) == 0x88, "SCB CPACR");
_Static_assert(offsetof(struct cm4_nvic, icer) == 0x80, "NVIC ICER");
_Static_assert(offsetof(struct cm4_nvic, ispr) == 0x100, "NVIC ISPR");
_Static_assert(offsetof(struct cm4_nvic, ip) == 0x300, "NVIC IPR");

/* ---- core intrinsics ------------------------------------------------------- */

static inline void cpu_dsb(void)
{
	__asm volatile("dsb" ::: "memory");
}

static inline void cpu_isb(void)
{
	__asm volatile("isb" ::: "memory");
}

static inline void cpu_dmb(void)
{
	__asm volatile("dmb" ::: "memory");
}

static inline void cpu_wfi(void)
{
	__asm volatile("wfi" ::: "memory");
}

static inline void cpu_irq_disable(void)
{
	__asm volatile("cpsid i" ::: "memory");
}

static inline void cpu_irq_enable(void)
{
	__asm volatile("cpsie i" ::: "memory");
}

static inline uint32_t cpu_sp(void)
{
	uint32_t sp;

	__asm volatile("mov %0, sp" : "=r"(sp));
	return sp;
}

static inline void nvic_enable(unsigned int irq, unsigned int prio)
{
	NVIC->ip[irq] = (uint8_t)(prio << (8u - NVIC_PRIO_BITS));
	NVIC->iser[irq >> 5] = 1u << (irq & 31u);
}

static inline void nvic_disable(unsigned int irq)
{
	NVIC->icer[irq >> 5] = 1u << (irq & 31u);
	cpu_dsb();
	cpu_isb();
}

static inline void nvic_pend(unsigned int irq)
{
	NVIC->ispr[irq >> 5] = 1u << (irq & 31u);
}

#endif
